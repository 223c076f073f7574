"""Staff pages for registrations: list, export, desk, approvals, invitations, questions."""

from flask import Blueprint

bp = Blueprint("registration_staff", __name__, url_prefix="/manage")
