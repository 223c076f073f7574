"""The new staff pages of registration on a 375 px phone, in Chinese and in English: nothing
wider than the screen, no policy violation; screenshots under test-results/ for review."""

from __future__ import annotations

import pytest

from eventsys.extensions import db
from eventsys.registration import services
from eventsys.registration.invitations import create_invitations
from tests.browser.test_group_and_desk_phone import WIDTH, no_sideways_scrolling, shot
from tests.factories import PASSWORD, applicant, make_conference, make_user
from tests.registration.test_group import QUESTIONS

PAGES = {
    "group-form": "/c/cy-2026/register/group",
    "desk": "/manage/cy-2026/registrations/new",
    "list": "/manage/cy-2026/registrations?sort=name",
    "detail": "/manage/cy-2026/registrations/1",
    "edit": "/manage/cy-2026/registrations/1/edit",
    "import": "/manage/cy-2026/registrations/import",
    "invitations": "/manage/cy-2026/invitations",
    "invitations-mail": "/manage/cy-2026/invitations/mail",
    "invitations-print": "/manage/cy-2026/invitations/print",
    "settings": "/manage/cy-2026/registration-settings",
}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_staff_pages_fit_a_phone(sqlite_app, live_server, browser, language):
    with sqlite_app.app_context():
        conference = make_conference(questions=QUESTIONS)
        make_user("org@example.com", "organizer", conference)
        first = services.register(
            conference, applicant(name="司马相如", answers={"hotel": True}), by_staff=True
        )
        services.update_details(
            first,
            applicant(name="司马相如", organization="成都大学", answers={"hotel": False}),
            by_staff=True,
        )
        for _i in range(3):
            services.register(conference, applicant(answers={"hotel": True}))
        create_invitations(conference, conference.categories[0], count=3, note="院士")
        db.session.commit()
    context = browser.new_context(
        locale=language, viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)
    page.goto(live_server.url + "/login")
    page.locator("#email").fill("org@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/manage/**")
    if language == "en":
        page.goto(live_server.url + "/manage/?lang=en")  # the switch is a shareable link
    for name, path in PAGES.items():
        page.goto(live_server.url + path)
        assert page.locator("main").is_visible()
        no_sideways_scrolling(page)
        shot(page, f"staff-{name}-{language}.png")
    context.close()
    assert not violations
