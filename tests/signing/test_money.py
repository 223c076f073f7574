"""Amounts read exactly as people write them, refused with a reason, shown as 万元 or 亿元."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventsys.signing.money import (
    AmountError,
    display_wan,
    from_yuan,
    parse_wan,
    to_yuan,
)


@pytest.fixture(autouse=True)
def _context(sqlite_app):
    with sqlite_app.test_request_context("/api/"):  # answers in English
        yield


@pytest.mark.parametrize(
    ("text", "wan"),
    [
        ("1234.5", "1234.5"),
        ("1,234.50", "1234.5"),
        ("1234.5万元", "1234.5"),
        ("1234.5 万", "1234.5"),
        ("2.8亿", "28000"),
        ("2.8亿元", "28000"),
        ("１２３４.５", "1234.5"),
        ("１，２３４．５万元", "1234.5"),
        ("28,000万", "28000"),
        ("¥500000元", "50"),
        ("0.0001", "0.0001"),
        ("12", "12"),
        (12, "12"),
        (Decimal("3.25"), "3.25"),
    ],
)
def test_awkward_forms_are_read_exactly(text, wan):
    assert parse_wan(text) == Decimal(wan)


@pytest.mark.parametrize("text", ["", "  ", None])
def test_empty_is_no_amount(text):
    assert parse_wan(text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-5", "negative"),
        ("－5万元", "negative"),
        ("abc", "not an amount"),
        ("12a", "not an amount"),
        ("1.2.3", "not an amount"),
        ("12,34", "thousands"),
        ("1234.56789", "four decimals"),
        ("0.000000001亿", "four decimals"),
        ("1.5元", "four decimals"),
        ("200000000", "large"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(text, reason):
    with pytest.raises(AmountError) as refused:
        parse_wan(text)
    assert reason in str(refused.value)


def test_a_float_is_refused_it_has_lost_the_digits():
    with pytest.raises(AmountError):
        parse_wan(0.1)


@pytest.mark.parametrize(
    ("wan", "shown"),
    [
        ("280000", "28.00亿元"),
        ("10000", "1.00亿元"),
        ("9999.995", "10,000.00万元"),
        ("3500", "3,500.00万元"),
        ("0.005", "0.01万元"),
        ("123456.7", "12.35亿元"),
    ],
)
def test_display_switches_to_yi_from_one_yi(wan, shown):
    assert display_wan(Decimal(wan)) == shown


amounts = st.decimals(min_value=0, max_value=10**8, places=4, allow_nan=False)


@given(amounts)
def test_every_amount_survives_text_and_yuan(amount):
    assert parse_wan(format(amount, "f")) == amount
    assert parse_wan(f"{amount:,}万元") == amount
    assert from_yuan(to_yuan(amount)) == amount


@given(st.decimals(min_value=0, max_value=10_000, places=4, allow_nan=False))
def test_yi_is_ten_thousand_wan(amount):
    assert parse_wan(f"{amount}亿") == amount * 10_000


@given(st.lists(amounts, max_size=50))
def test_sums_in_yuan_are_exact(values):
    assert from_yuan(sum(to_yuan(v) for v in values)) == sum(values, Decimal(0))
