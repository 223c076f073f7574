"""Text from outside, checked once at the boundary: trimmed, NFC, no control characters."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import gettext as _

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_text(value: Any, max_len: int, field_name: str, errors: dict, required=False) -> str:
    """Trimmed single-line text; control characters refused, length checked."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field_name] = _("must be text")
        return ""
    value = unicodedata.normalize("NFC", value).strip()
    if required and not value:
        errors[field_name] = _("required")
    elif len(value) > max_len:
        errors[field_name] = _("at most %(n)s characters", n=max_len)
    elif _CONTROL.search(value):
        errors[field_name] = _("contains invisible control characters")
    return value
