"""Badges: printed from the command line and from the web, read back as a person and a
scanner would read them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eventsys.checkin.codes import checkin_code
from eventsys.documents import services
from eventsys.documents.models import BadgePrint
from eventsys.documents.text_fit import em_width, fit_line
from eventsys.extensions import db
from eventsys.jobs.worker import Worker
from tests.conftest import DATABASES, build_app, login, submit
from tests.documents.helpers import (
    MM,
    decode_qr_codes,
    embedded_fonts,
    font_program_sizes,
    page_count,
    pdf_text,
    word_boxes,
)
from tests.factories import PASSWORD, make_conference, make_registration, make_user
from tests.jobs.helpers import wait_for

CATEGORIES = [
    {
        "code": "delegate",
        "name": "正式代表",
        "capacity": None,
        "requires_approval": False,
        "invite_only": False,
    },
    {
        "code": "guest",
        "name": "特邀嘉宾",
        "name_en": "Guest",
        "capacity": None,
        "requires_approval": False,
        "invite_only": False,
    },
]

LONG_ORGANIZATION = "中国科学院成都生物研究所" * 16 + "Sichuan"  # 200 characters


def conference_with_people():
    conference = make_conference(categories=CATEGORIES)
    people = [
        make_registration(conference, name="张伟", organization="四川大学"),
        make_registration(conference, name="欧阳䶮", organization=LONG_ORGANIZATION[:200]),
        make_registration(conference, name="王𠇔", organization=""),
        make_registration(
            conference, "guest", name="Maximilian Schwarzenberg", organization="TU München"
        ),
    ]
    return conference, people


def test_names_are_sized_to_fit_rather_than_wrapped():
    short = fit_line("张伟", 84, 44, 16)
    four = fit_line("欧阳明远", 84, 44, 16)
    english = fit_line("Maximilian Schwarzenberg", 84, 44, 16)
    assert short.size == 44 and short.lines == 1
    assert four.size <= 44 and four.lines == 1
    assert 16 <= english.size < 44 and english.lines == 1
    # The size chosen makes the line as wide as the space, never wider.
    for text, fit in (("欧阳明远", four), ("Maximilian Schwarzenberg", english)):
        assert em_width(text) * fit.size * 25.4 / 72 <= 84
    assert fit_line("A" * 200, 84, 44, 16).lines == 2  # hopeless: smallest size, wraps


def test_badges_command_writes_every_confirmed_attendee(app, runner, tmp_path):
    with app.app_context():
        conference, people = conference_with_people()
        codes = {p.name: checkin_code(p.checkin_token) for p in people}
        conference_id = conference.id
    out = tmp_path / "badges.pdf"
    result = runner.invoke(args=["badges", "cy-2026", "-o", str(out), "--layout", "a6"])
    assert result.exit_code == 0, result.output
    assert "Wrote 4 badges" in result.stdout
    assert "100%" in result.stderr  # the progress bar
    data = out.read_bytes()
    assert page_count(data) == 4
    text = pdf_text(data)
    for name in ("张伟", "欧阳䶮", "王𠇔", "Maximilian Schwarzenberg", "四川大学", "特邀嘉宾"):
        assert name in text
    assert any("Noto-Sans-CJK-SC" in font for font in embedded_fonts(data))
    # Subsetted (HarfBuzz keeps the glyph ids, so the tables of widths stay whole): a few
    # hundred kilobytes at most, not the whole 16 MB CJK font.
    assert max(font_program_sizes(data)) < 300_000
    assert all("+" in font for font in embedded_fonts(data))  # ABCDEF+Name: a subset
    # Categories in order, then names: the guest's badge is the last page.
    assert decode_qr_codes(data, page=4) == [codes["Maximilian Schwarzenberg"]]
    assert decode_qr_codes(data, page=1)[0] in {codes["张伟"], codes["欧阳䶮"], codes["王𠇔"]}
    # Every word of every badge lies on its page (a 200-character organization included).
    for word in word_boxes(data):
        assert word["x0"] >= 0 and word["x1"] <= 105 * MM + 0.5, word
        assert word["y1"] <= 148 * MM + 0.5, word
    # The long English name is on one line.
    lines = [w for w in word_boxes(data) if w["text"] in ("Maximilian", "Schwarzenberg")]
    assert len({round(w["y0"]) for w in lines}) == 1
    with app.app_context():
        printed = db.session.execute(
            select(func.count())
            .select_from(BadgePrint)
            .where(BadgePrint.conference_id == conference_id)
        ).scalar_one()
    assert printed == 4


def test_four_up_sheets_carry_four_badges_each(app, runner, tmp_path):
    with app.app_context():
        conference = make_conference(categories=CATEGORIES)
        people = [make_registration(conference, name=f"测试{n}号") for n in range(5)]
        codes = {checkin_code(p.checkin_token) for p in people}
    out = tmp_path / "sheets.pdf"
    result = runner.invoke(args=["badges", "cy-2026", "-o", str(out), "--layout", "a4-4up"])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert page_count(data) == 2
    first = decode_qr_codes(data, page=1)
    second = decode_qr_codes(data, page=1 + 1)
    assert len(first) == 4 and len(second) == 1
    assert set(first + second) == codes
    words = word_boxes(data)
    assert round(words[0]["page_width"]) == round(210 * MM)


def test_filters_category_and_not_yet_printed(app, runner, tmp_path):
    with app.app_context():
        conference, people = conference_with_people()
    out = tmp_path / "guests.pdf"
    result = runner.invoke(args=["badges", "cy-2026", "-o", str(out), "--category", "guest"])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 badge " in result.stdout
    assert "Maximilian" in pdf_text(out.read_bytes()) and "张伟" not in pdf_text(out.read_bytes())
    rest = tmp_path / "rest.pdf"
    result = runner.invoke(args=["badges", "cy-2026", "-o", str(rest), "--not-printed"])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 badges" in result.stdout
    assert "Maximilian" not in pdf_text(rest.read_bytes())
    again = tmp_path / "again.pdf"
    result = runner.invoke(args=["badges", "cy-2026", "-o", str(again), "--not-printed"])
    assert result.exit_code == 1
    assert "nobody matches" in result.stderr
    assert not again.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["badges", "no-such", "-o", "{out}"], "No conference with slug no-such"),
        (["badges", "cy-2026", "-o", "{out}", "--category", "vip"], "Unknown category vip"),
        (["badges", "cy-2026", "-o", "{out}", "--layout", "a5"], "unknown layout 'a5'"),
        (["badges", "cy-2026", "-o", "{dir}/missing/x.pdf"], "does not exist"),
        (["report", "no-such", "-o", "{out}"], "No conference with slug no-such"),
    ],
)
def test_commands_refuse_clearly(sqlite_app, tmp_path, args, message):
    with sqlite_app.app_context():
        conference, _people = conference_with_people()
        db.session.commit()
    out = tmp_path / "x.pdf"
    args = [a.format(out=out, dir=tmp_path) for a in args]
    result = sqlite_app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2
    assert not out.exists()


def sign_in(client, email):
    assert login(client, email, PASSWORD).status_code == 302
    submit(client, "/manage/", {"next": "/manage/"}, action="/language/en")


def test_organizer_sets_colours_and_previews(client, app):
    with app.app_context():
        conference, people = conference_with_people()
        make_user("org@example.com", "organizer", conference)
        make_user("desk@example.com", "checkin", conference)
    sign_in(client, "org@example.com")
    page = client.get("/manage/cy-2026/badges")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Badge settings" in html and "张伟" in html and "<svg" in html
    response = submit(
        client,
        "/manage/cy-2026/badges",
        {
            "settings-layout": "a4-4up",
            "settings-show_organization": "y",
            "settings-footer": "#川渝科技",
            "colour-delegate": "#AA3300",
            "text-delegate": "#ffffff",
            "colour-guest": "#006600",
            "text-guest": "#ffff00",
        },
    )
    assert response.status_code == 302
    css = client.get("/manage/cy-2026/badges/style.css").get_data(as_text=True)
    assert "background:#aa3300" in css and "color:#ffff00" in css
    # A bad colour is refused and nothing changes.
    response = submit(
        client,
        "/manage/cy-2026/badges",
        {"settings-layout": "a6", "colour-delegate": "red;}body{x:y", "text-delegate": "#fff"},
    )
    assert response.status_code == 200
    assert "A colour like #1f5fa8." in response.get_data(as_text=True)
    css = client.get("/manage/cy-2026/badges/style.css").get_data(as_text=True)
    assert "background:#aa3300" in css and "red;" not in css
    preview = client.get("/manage/cy-2026/badges/preview.pdf")
    assert preview.mimetype == "application/pdf"
    assert "#川渝科技" in pdf_text(preview.data)
    assert round(word_boxes(preview.data)[0]["page_width"]) == round(210 * MM)  # a4-4up saved

    desk = app.test_client()
    sign_in(desk, "desk@example.com")
    assert desk.get("/manage/cy-2026/badges").status_code == 403
    assert desk.get("/manage/cy-2026/badges/preview.pdf").status_code == 403
    assert desk.get("/manage/cy-2026/badges/style.css").status_code == 403


@pytest.fixture(params=DATABASES)
def queue_app(request, tmp_path):
    app = build_app(request.param, tmp_path, MAIL_DELIVERY="queue", PDF_WORKERS=1)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_bulk_badges_from_the_web_as_a_background_job(queue_app):
    app = queue_app
    with app.app_context():
        conference, people = conference_with_people()
        make_user("staff@example.com", "staff", conference)
        guest_code = checkin_code(people[3].checkin_token)
    client = app.test_client()
    sign_in(client, "staff@example.com")
    response = submit(
        client,
        "/manage/cy-2026/badges",
        {"print-layout": "a6", "print-category": "guest", "print-organization": "München"},
        action="/manage/cy-2026/badges/print",
    )
    assert response.status_code == 302
    job_page = response.headers["Location"]
    with Worker(app):
        status = wait_for(
            lambda: (s := client.get(f"{job_page}.json").get_json())["status"] == "done" and s,
            message="the badges to be made",
        )
    download = client.get(status["download_url"])
    data = download.get_data()
    download.close()
    assert download.status_code == 200
    assert decode_qr_codes(data) == [guest_code]
    assert "cy-2026-badges-a6-1.pdf" in download.headers["Content-Disposition"]
    html = client.get("/manage/cy-2026/badges").get_data(as_text=True)
    assert "1 badges printed, 3 not yet printed" in html


def test_the_badges_service_refuses_an_empty_batch(ctx):
    conference = make_conference(categories=CATEGORIES)
    with pytest.raises(services.ValidationError):
        services.badges_pdf(conference, [], "a6")
