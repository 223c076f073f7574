"""Why a registration is refused, beyond a bad field."""

from __future__ import annotations

from eventsys.errors import Conflict, Forbidden


class RegistrationClosed(Forbidden):
    code = "registration_closed"


class InvitationRequired(Forbidden):
    code = "invitation_required"


class AlreadyRegistered(Conflict):
    code = "already_registered"


class CategoryFull(Conflict):
    code = "category_full"
