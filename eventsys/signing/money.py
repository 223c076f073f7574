"""Amounts of signed projects, exact: read as people write them, shown as people say them.

Amounts are kept in 万元 (ten thousand yuan) with at most four decimals, i.e. to the yuan, and
stored as a whole number of yuan (``to_yuan``): integer sums are exact on SQLite too, where a
NUMERIC column is a binary float. Nothing here ever goes through a float.

``parse_wan`` reads ``1234.5``, ``1,234.50``, ``1234.5万元``, ``2.8亿``, ``2.8亿元``,
``１２３４.５`` (full-width), ``28,000万``, ``¥500000元``; it refuses negative, non-numeric, too
precise (more than four decimals of 万元 after the unit) or implausibly large amounts with a
reason. ``display_wan`` writes a total as ``28.00亿元`` from 1亿元 (10,000万元) up, else as
``3,500.00万元``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _

WAN_PER_YI = Decimal(10_000)
YUAN_PER_WAN = 10_000
FOUR_PLACES = Decimal("0.0001")
# No single project is worth a trillion yuan: a larger number is a typing mistake.
MAX_WAN = Decimal(100_000_000)

_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_UNITS = (
    ("亿元", WAN_PER_YI),
    ("亿", WAN_PER_YI),
    ("万元", Decimal(1)),
    ("万", Decimal(1)),
    ("元", Decimal(1) / YUAN_PER_WAN),
)


class AmountError(ValueError):
    """Why a text is not an amount (in the reader's language)."""


def parse_wan(value) -> Decimal | None:
    """The amount in 万元 of ``value`` (text, int or Decimal) as an exact Decimal, None when
    it is empty; AmountError with the reason otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, float):
        # A float has already lost the written digits: the API passes JSON numbers as Decimal.
        raise AmountError(_('write the amount as a number or text, e.g. "1234.5"'))
    if isinstance(value, int | Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise AmountError(_('write the amount as a number or text, e.g. "1234.5"'))
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text).replace("，", ",")
    if not text:
        return None
    text = text.lstrip("¥￥").removeprefix("RMB").removeprefix("CNY")
    if text.startswith(("-", "−", "－")):
        raise AmountError(_("an amount cannot be negative"))
    if text.startswith("+"):
        text = text[1:]
    factor = Decimal(1)
    for unit, unit_factor in _UNITS:
        if text.endswith(unit):
            text = text[: -len(unit)]
            factor = unit_factor
            break
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise AmountError(_("not an amount: commas may only group thousands, as in 1,234.50"))
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise AmountError(
            _("not an amount: write a number of 万元, e.g. 1234.5, 1,234.50, 1234.5万元 or 2.8亿元")
        )
    try:
        amount = Decimal(text) * factor
    except InvalidOperation:
        raise AmountError(_("not an amount")) from None
    if amount != amount.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP):
        raise AmountError(
            _(
                "more than four decimals of 万元 (finer than one yuan): %(amount)s万元",
                amount=_plain(amount),
            )
        )
    if amount > MAX_WAN:
        raise AmountError(_("implausibly large: more than 1万亿元 for one project"))
    return amount.quantize(FOUR_PLACES)


def _plain(amount: Decimal) -> str:
    text = format(amount.normalize(), "f")
    return text


def to_yuan(wan: Decimal | None) -> int | None:
    """万元 (at most four decimals) as a whole number of yuan, for the database."""
    if wan is None:
        return None
    yuan = wan * YUAN_PER_WAN
    if yuan != yuan.to_integral_value():
        raise AmountError(_("more than four decimals of 万元"))
    return int(yuan)


def from_yuan(yuan: int | None) -> Decimal | None:
    """A whole number of yuan as 万元 with four decimals."""
    if yuan is None:
        return None
    return (Decimal(int(yuan)) / YUAN_PER_WAN).quantize(FOUR_PLACES)


def wan_text(wan: Decimal | None) -> str:
    """万元 as the exact decimal string of the API (``"1234.5000"``); "" for none."""
    if wan is None:
        return ""
    return format(wan.quantize(FOUR_PLACES), "f")


def display_wan(wan: Decimal | None) -> str:
    """A total as people say it: ``28.00亿元`` from 1亿元 (10,000万元) up, else
    ``3,500.00万元``; two decimals, rounded half up; "" for none."""
    if wan is None:
        return ""
    if wan >= WAN_PER_YI:
        yi = (wan / WAN_PER_YI).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{yi:,.2f}亿元"
    return f"{wan.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}万元"


def display_amount(wan: Decimal | None) -> str:
    """One project's amount as written in a list: ``1,234.5万元`` (no trailing zeros beyond
    two decimals); "" for none."""
    if wan is None:
        return ""
    shown = wan.quantize(Decimal("0.01")) if wan == wan.quantize(Decimal("0.01")) else wan
    return f"{shown:,}万元"


def plain_wan(wan) -> str:
    """万元 in a table: ``3,500``, ``1,234.5``, ``0.0001`` (thousands grouped, no exponent, no
    trailing zeros); accepts the API's decimal strings too."""
    if wan is None or wan == "":
        return ""
    value = Decimal(wan)
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):,}"
    return format(value.normalize(), ",f")
