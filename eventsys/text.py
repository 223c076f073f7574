"""Text from outside, checked once at the boundary: valid Unicode, NFC, trimmed, no control
characters; and text on its way out (spreadsheets), made safe whatever was stored.

Every text that comes in (form fields, API JSON, spreadsheet cells, conference JSON) goes
through ``unicode_problem`` (directly or through ``clean_text``) before it is stored:

- a lone surrogate (``"\\udfff"`` in JSON) is not a character at all: no encoder can write it,
  so one stored would break every page, export and mail that shows it;
- a non-character (U+FFFE, U+FFFF, U+FDD0–U+FDEF, the last two of every plane) is meant never
  to be interchanged, and XML (hence XLSX) refuses U+FFFE and U+FFFF;
- control characters are invisible and XML refuses most of them; only a multi-line field
  keeps line breaks (CRLF and CR become LF) and tabs.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from flask_babel import gettext as _

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NONCHARACTER = re.compile(
    "[\ufdd0-\ufdef"
    + "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17))
    + "]"
)
# What XML 1.0 (so an .xlsx cell) cannot hold: C0 controls except tab and line breaks,
# surrogates, U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def unicode_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it is valid Unicode."""
    if _SURROGATE.search(value):
        return _("is not valid Unicode text (it contains a lone surrogate)")
    if _NONCHARACTER.search(value):
        return _("contains a Unicode non-character, which cannot be stored")
    return None


def valid_text(value: str, field_name: str, errors: dict) -> str:
    """``value`` in NFC, or a field error when it cannot be stored: not valid Unicode, or
    holding a NUL character, which no database's text takes (returns "")."""
    problem = storable_problem(value)
    if problem:
        errors[field_name] = problem
        return ""
    return unicodedata.normalize("NFC", value)


def clean_text(
    value: Any,
    max_len: int,
    field_name: str,
    errors: dict,
    required=False,
    multiline=False,
) -> str:
    """Trimmed text, valid Unicode in NFC; control characters refused, length checked.

    ``multiline``: a textarea's text; line breaks (normalised to LF) and tabs are kept.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field_name] = _("must be text")
        return ""
    problem = unicode_problem(value)
    if problem:
        errors[field_name] = problem
        return ""
    value = unicodedata.normalize("NFC", value)
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.strip()
    control = _CONTROL_MULTILINE if multiline else _CONTROL
    if required and not value:
        errors[field_name] = _("required")
    elif len(value) > max_len:
        errors[field_name] = _("at most %(n)s characters", n=max_len)
    elif control.search(value):
        errors[field_name] = _("contains invisible control characters")
    return value


def storable_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored: a NUL character, or not valid Unicode; else None."""
    if "\x00" in text:
        return _("contains a NUL character, which is not allowed")
    return unicode_problem(text)


def first_invalid_text(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first string (key or value) in parsed JSON that cannot be stored (not valid
    Unicode, or holding a NUL character, which no database column takes), as
    ``(path, reason)``; the path names the field as the API's errors do (``answers.diet``,
    ``members[2].name``)."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = storable_problem(item)
            if problem:
                return where or "body", problem
        elif isinstance(item, dict):
            for key, inner in item.items():
                inner_path = f"{where}.{key}" if where else str(key)
                problem = storable_problem(key) if isinstance(key, str) else None
                if problem:
                    return where or "body", problem
                stack.append((inner_path, inner))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", inner) for index, inner in enumerate(item))
    return None


def exportable(value: str, xml: bool = False) -> str:
    """Stored text made writable, whatever it holds: a lone surrogate becomes U+FFFD; with
    ``xml`` (an .xlsx cell) what XML cannot hold is left out (surrogates still become U+FFFD)."""
    if _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
    if xml and _XML_ILLEGAL.search(value):
        value = _XML_ILLEGAL.sub("", value)
    return value


def loads_json(text: str | bytes):
    """``json.loads`` that answers a too deeply nested document (``[[[[…]]]]`` 100,000 deep)
    with a JSONDecodeError, as for any other malformed JSON, not with a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError(
            "nested too deeply", text if isinstance(text, str) else "", 0
        ) from None


_BLANK_LINES = re.compile(r"\n\s*\n")


def paragraphs(text: str) -> list[list[str]]:
    """Text typed in a textarea as paragraphs (split at blank lines), each a list of its
    lines: pages and e-mails show them as <p> with <br>, escaped line by line."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return []
    return [
        [line.rstrip() for line in block.strip("\n").split("\n")]
        for block in _BLANK_LINES.split(text)
        if block.strip()
    ]
