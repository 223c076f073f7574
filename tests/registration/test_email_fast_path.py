"""The quick check of ordinary e-mail addresses gives exactly what email_validator gives, and
leaves everything else to it."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from eventsys.registration.applicants import normalize_email_address, plain_email_address

ATEXT = "abcxyzABCXYZ0189!#$%&'*+/=?^_`{|}~-"
local = st.text(alphabet=ATEXT + ".", min_size=1, max_size=70)
label = st.text(alphabet="abcXYZ09-", min_size=1, max_size=66)
tld = st.sampled_from(["com", "CN", "org", "edu", "test", "local", "c0m", "x", "museum", "onion"])
domain = st.builds(
    lambda labels, end: ".".join([*labels, end]), st.lists(label, min_size=0, max_size=4), tld
)
address = st.builds(lambda a, b: f"{a}@{b}", local, domain)


def full_check(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@settings(max_examples=3000, deadline=None)
@given(address)
def test_the_quick_check_agrees_with_email_validator(value):
    quick = plain_email_address(value)
    if quick is not None:
        assert quick == full_check(value)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("WangMin@SCU.edu.CN", "WangMin@scu.edu.cn"),
        ("zhang.san+cy2026@163.com", "zhang.san+cy2026@163.com"),
        ("o'brien@example.org", "o'brien@example.org"),
    ],
)
def test_ordinary_addresses_take_the_quick_path(typed, stored):
    assert plain_email_address(typed) == stored
    errors: dict = {}
    assert normalize_email_address(typed, errors) == stored and not errors


@pytest.mark.parametrize(
    "typed",
    ["张三@例子.中国", '"quoted"@example.com', "a@xn--fiqs8s.cn", "a@host.local", "a@[1.2.3.4]"],
)
def test_unusual_addresses_go_to_the_full_check(typed):
    assert plain_email_address(typed) is None


@pytest.mark.parametrize(
    "typed", ["a..b@example.com", ".a@example.com", "a@-x.com", "a@x", "a b@x.com", "a@x.com."]
)
def test_invalid_addresses_are_still_refused(ctx, typed):
    errors: dict = {}
    assert normalize_email_address(typed, errors) == ""
    assert errors["email"]
