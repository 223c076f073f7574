"""The e-ticket as a PNG picture, for phones whose browser blocks downloads (WeChat's):
long-press to save it to the photo album.

Drawn directly with Pillow in the same CJK font as the PDFs (found through fontconfig), not
rasterised from the PDF: about 30 ms instead of the PDF's rendering plus a rasteriser, and no
program beyond Pillow is needed at run time.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess

from flask_babel import force_locale
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont

from eventsys.checkin.codes import checkin_code
from eventsys.documents import services
from eventsys.documents.qr import qr_matrix
from eventsys.i18n import date_range
from eventsys.registration.models import Registration
from eventsys.text import exportable

WIDTH = 750
MARGIN = 48


@functools.lru_cache(maxsize=4)
def font_file(pattern: str) -> tuple[str, int] | None:
    """(file, index in a collection) of the font fontconfig picks for ``pattern``."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        out = subprocess.run(
            [fc_match, "-f", "%{file}\n%{index}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if not out or not out[0]:
        return None
    return out[0], int(out[1] or 0) if len(out) > 1 and out[1].isdigit() else 0


@functools.lru_cache(maxsize=64)
def _font(size: int, bold: bool = False):
    found = font_file("Noto Sans CJK SC:style=Bold" if bold else "Noto Sans CJK SC")
    if found is None:
        return ImageFont.load_default(size)
    path, index = found
    return ImageFont.truetype(path, size, index=index)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (at any character: Chinese has no
    spaces), at most ``max_lines`` (the last one ends with … when cut)."""
    lines: list[str] = []
    line = ""
    for char in text:
        if draw.textlength(line + char, font=font) <= width:
            line += char
            continue
        lines.append(line)
        line = char.lstrip()
        if len(lines) == max_lines:
            break
    else:
        if line:
            lines.append(line)
        return lines
    last = lines[max_lines - 1]
    while last and draw.textlength(last + "…", font=font) > width:
        last = last[:-1]
    lines[max_lines - 1] = last + "…"
    return lines[:max_lines]


def _fitted_font(draw, text: str, width: int, largest: int, smallest: int, bold=True):
    size = largest
    while size > smallest and draw.textlength(text, font=_font(size, bold)) > width:
        size -= 2
    return _font(size, bold)


def _centred(draw, y: int, lines: list[str], font, fill, spacing: float = 1.3) -> int:
    for line in lines:
        width = draw.textlength(line, font=font)
        draw.text(((WIDTH - width) / 2, y), line, font=font, fill=fill)
        y += int(font.size * spacing)
    return y


def ticket_png(registration: Registration) -> bytes:
    """The ticket as a PNG: the conference, the name, category and organization, the QR code
    and the code to type at the desk."""
    services.check_ticket(registration)
    conference = registration.conference
    band, band_text = services.category_colours(conference).get(
        registration.category_id, ("#1f5fa8", "#ffffff")
    )
    matrix = qr_matrix(checkin_code(registration.checkin_token))
    module = 460 // len(matrix)
    qr_size = module * len(matrix)
    height = 1240
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN
    with force_locale(services._document_locale(registration.locale)):
        title_font = _font(30, bold=True)
        title = exportable(conference.title)
        title_lines = _wrap(draw, title, title_font, inner, 2)
        band_height = 40 + len(title_lines) * 40 + 40
        draw.rectangle((0, 0, WIDTH, band_height), fill=band)
        y = _centred(draw, 36, title_lines, title_font, band_text)
        y = _centred(
            draw,
            y + 4,
            [date_range(conference.starts_on, conference.ends_on)],
            _font(22),
            band_text,
        )
        y = band_height + 28
        name = exportable(registration.name.strip())
        name_font = _fitted_font(draw, name, inner, 64, 30)
        y = _centred(draw, y, _wrap(draw, name, name_font, inner, 2), name_font, "#111", 1.25)
        category = exportable(registration.category.name)
        y = _centred(draw, y + 4, [category], _font(28, bold=True), band, 1.4)
        organization = exportable((registration.organization or "").strip())
        if organization:
            y = _centred(draw, y, _wrap(draw, organization, _font(24), inner, 2), _font(24), "#333")
        y += 16
        left = (WIDTH - qr_size) // 2
        for row_index, row in enumerate(matrix):
            for col_index, dark in enumerate(row):
                if dark:
                    x0 = left + col_index * module
                    y0 = y + row_index * module
                    draw.rectangle((x0, y0, x0 + module - 1, y0 + module - 1), fill="black")
        y += qr_size + 12
        code_font = _font(40, bold=True)
        y = _centred(draw, y, [services._spaced(registration.manual_code)], code_font, "#111")
        y = _centred(draw, y, [_("Code to type at the desk")], _font(22), "#555")
        if registration.status == "pending":
            note = _("This code admits you once your registration is approved.")
        else:
            note = _("Show this QR code at the entrance.")
        y = _centred(draw, y + 8, _wrap(draw, note, _font(22), inner, 2), _font(22), "#555")
        venue = exportable(conference.venue or "")
        if venue:
            y = _centred(draw, y + 4, _wrap(draw, venue, _font(22), inner, 2), _font(22), "#555")
    image = image.crop((0, 0, WIDTH, min(height, y + 36)))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
