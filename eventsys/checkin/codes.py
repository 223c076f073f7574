"""The text in an attendee's QR code: a URL ending in a random token and its signature.

``<base>/q/<token>.<signature>``: the token is 144 random bits stored with the registration,
the signature an HMAC of it under the secret key, so a code can be checked before any
database look-up and a typo or forgery is refused at once. Any phone's own scanner opens the
URL; the check-in API accepts the whole URL or just its last part.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re

import qrcode
import qrcode.image.svg
from flask import current_app

from eventsys.urls import base_url

SIGNATURE_LENGTH = 10
_CODE_RE = re.compile(r"(?:^|/q/)([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{10})/?$")


def _signature(token: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"checkin:" + token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_LENGTH]


def checkin_code(token: str, base: str | None = None) -> str:
    """The whole text of the QR code for a registration's check-in token (on ``base``, the
    site's address, when given: a mail built by the worker has no request to ask)."""
    return f"{(base or base_url()).rstrip('/')}/q/{token}.{_signature(token)}"


def parse_checkin_code(text: str) -> str | None:
    """The check-in token in a scanned text (a whole URL or its last part), or None when the
    text is not a code of ours or its signature is wrong."""
    match = _CODE_RE.search((text or "").strip())
    if not match:
        return None
    token, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(token)):
        return None
    return token


def qr_svg(data: str) -> str:
    """An inline SVG of the QR code (scales without blurring on any screen)."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=2,
    )
    return image.to_string(encoding="unicode")


def mail_qr_attachment(spec: dict, session) -> tuple[str, str, bytes, str | None]:
    """Attachment builder ``qr_png`` (``eventsys.mail.register_attachment``): the QR code of
    ``spec["registration"]`` as an inline PNG with the Content-ID ``spec["cid"]``."""
    from eventsys.mail import PermanentFailure
    from eventsys.registration.models import Registration

    registration = session.get(Registration, spec.get("registration"))
    if registration is None:
        raise PermanentFailure(f"registration {spec.get('registration')} no longer exists")
    data = qr_png(checkin_code(registration.checkin_token, spec.get("base")), box_size=8)
    return "qr-code.png", "image/png", data, spec.get("cid")


def qr_png(data: str, box_size: int = 10) -> bytes:
    """A PNG of the QR code, for phones where a picture is easier to keep than a page."""
    image = qrcode.make(
        data, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
