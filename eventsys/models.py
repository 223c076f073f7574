"""Every domain's models, imported in one place so Alembic and the app see them all."""

from eventsys.agenda.models import ForumChoice, ForumChoiceSettings, ForumLimit, SessionEnrollment
from eventsys.auth.models import ROLE_RANK, ROLES, ApiToken, LoginFailure, Membership, User
from eventsys.checkin.models import Checkin, CheckinList, CheckinState
from eventsys.conferences.models import Category, Conference, Forum, Room
from eventsys.documents.models import BadgeColour, BadgePrint, BadgeSettings, Certificate
from eventsys.jobs.models import Job
from eventsys.mail import OutboxMail
from eventsys.registration.models import (
    Delegation,
    InvitationCode,
    Question,
    Registration,
    RegistrationEvent,
    RegistrationSettings,
)
from eventsys.registration.notices import Notice
from eventsys.schedule.models import Person, ScheduleRelease, ScheduleSession, SessionSpeaker
from eventsys.signing.models import SignedProject, SigningAudit, SigningSettings

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
    "ForumChoice",
    "ForumChoiceSettings",
    "ForumLimit",
    "InvitationCode",
    "LoginFailure",
    "Job",
    "Notice",
    "OutboxMail",
    "Person",
    "Question",
    "Registration",
    "RegistrationEvent",
    "RegistrationSettings",
    "RegistrationEvent",
    "RegistrationSettings",
    "Membership",
    "Notice",
    "Room",
    "ScheduleRelease",
    "ScheduleSession",
    "SessionEnrollment",
    "SessionSpeaker",
    "SignedProject",
    "SigningAudit",
    "SigningSettings",
    "User",
]
