"""Every domain's models, imported in one place so Alembic and the app see them all."""

from eventsys.auth.models import ROLE_RANK, ROLES, ApiToken, LoginFailure, Membership, User
from eventsys.checkin.models import Checkin, CheckinList, CheckinState
from eventsys.conferences.models import Category, Conference, Forum, Room
from eventsys.documents.models import BadgeColour, BadgePrint, BadgeSettings, Certificate
from eventsys.jobs.models import Job
from eventsys.mail import OutboxMail
from eventsys.registration.models import Delegation, InvitationCode, Question, Registration
from eventsys.schedule.models import ScheduleSession, SessionSpeaker

__all__ = [
    "ROLES",
    "ROLE_RANK",
    "ApiToken",
    "BadgeColour",
    "BadgePrint",
    "BadgeSettings",
    "Category",
    "Certificate",
    "Checkin",
    "CheckinList",
    "CheckinState",
    "Conference",
    "Delegation",
    "Forum",
    "InvitationCode",
    "LoginFailure",
    "Job",
    "OutboxMail",
    "Question",
    "Registration",
    "Membership",
    "Room",
    "ScheduleSession",
    "SessionSpeaker",
    "User",
]
