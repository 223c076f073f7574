"""The text in an attendee's QR code: a URL ending in a random token and its signature.

``<base>/q/<token>.<signature>``: the token is 144 random bits stored with the registration,
the signature an HMAC of it under the secret key, so a code can be checked before any
database look-up and a typo or forgery is refused at once. Any phone's own scanner opens the
URL; the check-in API accepts the whole URL or just its last part.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import io
import logging
import os
import re
import threading
from functools import lru_cache
from pathlib import Path

import qrcode
from flask import current_app, has_app_context

from eventsys.urls import base_url

log = logging.getLogger(__name__)

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


# Codes drawn recently, per worker: a code never changes (its text holds the token and its
# signature), and choosing the QR mask takes milliseconds of pure Python against
# microseconds for a look-up. ~5 KB a code: 4096 codes hold about 20 MB.
QR_CACHE_SIZE = 4096


@lru_cache(maxsize=QR_CACHE_SIZE)
def qr_svg(data: str) -> str:
    """An inline SVG of the QR code (scales without blurring on any screen).

    Drawn once per code text: kept in this worker's memory (``QR_CACHE_SIZE``) and, with an
    application, as a file in ``QR_CACHE_DIR`` named by the text's SHA-256, where every worker
    of the machine finds it. The attendee's page asks for it on every view."""
    path = _cache_file(data)
    if path is not None:
        try:
            return path.read_text(encoding="ascii")
        except OSError:
            pass  # not drawn yet (or unreadable): draw it
    svg = draw_qr_svg(data)
    if path is not None:
        _store(path, svg)
    return svg


def _cache_file(data: str) -> Path | None:
    folder = current_app.config.get("QR_CACHE_DIR") if has_app_context() else None
    if not folder:
        return None
    name = hashlib.sha256(data.encode()).hexdigest()
    return Path(folder) / name[:2] / f"{name}.svg"


def _store(path: Path, svg: str) -> None:
    """Written to a temporary file and renamed: a reader sees the whole file or none. The
    files are readable by the server's user only (a code admits its holder)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(svg)
        os.replace(temporary, path)
    except OSError:
        # Only a cache: the code is drawn again next time.
        log.warning("could not keep a drawn QR code in %s", path.parent, exc_info=True)
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def draw_qr_svg(data: str) -> str:
    """The QR code as one path of horizontal runs of dark modules: a quarter of the size of
    qrcode's one-square-per-module SVG, and drawn in a fraction of its time."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()  # with the quiet zone (border) around it
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start},{y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return (
        f'<svg width="{size}mm" height="{size}mm" version="1.1" viewBox="0 0 {size} {size}" '
        'xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">'
        '<rect fill="white" x="0" y="0" width="100%" height="100%"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def mail_qr_attachment(spec: dict, session) -> tuple[str, str, bytes, str | None]:
    """Attachment builder ``qr_png`` (``eventsys.mail.register_attachment``): the QR code of
    ``spec["registration"]`` as an inline PNG with the Content-ID ``spec["cid"]``."""
    from eventsys.mail import PermanentFailure
    from eventsys.registration.models import Registration

    registration = session.get(Registration, spec.get("registration"))
    if registration is None:
        raise PermanentFailure(f"registration {spec.get('registration')} no longer exists")
    code = checkin_code(registration.checkin_token, spec.get("base"))
    data = qr_png(code, box_size=8)
    # The attendee opens their page from this mail: its QR code is drawn now, here in the
    # worker, and kept (QR_CACHE_DIR) for the page to read instead of drawing it.
    qr_svg(code)
    return "qr-code.png", "image/png", data, spec.get("cid")


@lru_cache(maxsize=1024)
def qr_png(data: str, box_size: int = 10) -> bytes:
    """A PNG of the QR code, for phones where a picture is easier to keep than a page."""
    image = qrcode.make(
        data, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
