"""Public registration pages and the attendee's private page."""

from flask import Blueprint

bp = Blueprint("registration", __name__)
