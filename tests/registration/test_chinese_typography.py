"""Chinese reads naturally: no stray spaces between Chinese text and names or numbers, while
the English keeps its spaces."""

from __future__ import annotations

import re

import pytest

from eventsys.registration import services
from tests.conftest import csrf_token, login, submit
from tests.factories import PASSWORD, make_conference, make_registration, make_user
from tests.registration.test_group import QUESTIONS, group_data
from tests.registration.test_staff_pages import LIST, SMALL, flashes, page

STRAY = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff0-9]|[0-9] [\u4e00-\u9fff]|[：，。；] ")


def test_the_group_confirmation_reads_naturally_in_chinese(ctx, client):
    make_conference(questions=QUESTIONS)
    response = submit(client, "/c/cy-2026/register/group", group_data(q_hotel="yes"))
    html = page(response)
    assert "西南交通大学科技处的2人已报名。" in html
    assert not STRAY.search(" ".join(flashes(html)))


def test_staff_flashes_name_people_without_spaces_in_chinese(ctx, client):
    conference = make_conference(categories=SMALL)
    seated = [make_registration(conference, "delegate") for _i in range(2)]
    make_registration(conference, "delegate", name="司马相如")
    make_user("staff@example.com", "staff", conference)
    login(client, "staff@example.com", PASSWORD)
    response = client.post(
        f"{LIST}/{seated[0].id}/cancel",
        data={"csrf_token": csrf_token(client, LIST), "reason": ""},
        follow_redirects=True,
    )
    messages = flashes(page(response))
    assert "已取消；司马相如已从候补名单递补。" in messages
    assert not any(STRAY.search(m) for m in messages)


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("%(names)s moved up from the waitlist.", "司马相如已从候补名单递补。"),
        ("%(n)s places left", "剩余3个名额"),
        ("Person %(n)s", "第3人"),
        ("Reason: %(reason)s", "原因：司马相如"),
    ],
)
def test_translations_have_no_stray_spaces(app, english, chinese):
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("zh_CN"):
        text = gettext(english, names="司马相如", n=3, reason="司马相如")
    assert text == chinese
    with app.test_request_context(), force_locale("en"):
        assert " " in gettext(english, names="司马相如", n=3, reason="x")


def test_the_duplicate_message_has_no_space_after_the_chinese_full_stop(ctx):
    conference = make_conference()
    make_registration(conference, email="a@example.com")
    from tests.factories import applicant

    with pytest.raises(services.AlreadyRegistered) as refused:
        services.register(conference, applicant(email="a@example.com"))
    # Outside a request the default language is Chinese.
    assert "。 " not in refused.value.message
