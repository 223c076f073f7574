"""The staff pages for registrations, as staff and organizers use them in a browser."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, insert, select

from eventsys.conferences.models import Category
from eventsys.db_types import utcnow
from eventsys.extensions import db
from eventsys.registration import services
from eventsys.registration.errors import InvitationRequired
from eventsys.registration.invitations import create_invitations
from eventsys.registration.models import InvitationCode, Question, Registration
from eventsys.registration.questions import save_question
from tests.conftest import login, submit
from tests.factories import PASSWORD, applicant, make_conference, make_registration, make_user

BASE = "/manage/cy-2026"
LIST = f"{BASE}/registrations"
SHANGHAI = ZoneInfo("Asia/Shanghai")

SMALL = [
    {
        "code": "delegate",
        "name": "正式代表",
        "capacity": 2,
        "requires_approval": False,
        "invite_only": False,
    },
    {
        "code": "student",
        "name": "学生",
        "capacity": 3,
        "requires_approval": True,
        "invite_only": False,
    },
    {
        "code": "guest",
        "name": "特邀嘉宾",
        "capacity": None,
        "requires_approval": False,
        "invite_only": True,
    },
]


@pytest.fixture
def conference(ctx):
    return make_conference(categories=SMALL)


def sign_in(client, conference, role="staff"):
    email = f"{role}@example.com"
    make_user(email, role, conference)
    assert login(client, email, PASSWORD).status_code == 302
    # The pages speak Chinese first; the assertions read the English msgids.
    submit(client, "/manage/", {"next": "/manage/"}, action="/language/en")


def page(response) -> str:
    return response.get_data(as_text=True)


def flashes(html: str) -> list[str]:
    return [text.strip() for text in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', html)]


def detail_url(registration) -> str:
    return f"{LIST}/{registration.id}"


def listed_ids(html: str) -> list[int]:
    """The registrations the list shows, by the links to their pages."""
    return [int(n) for n in re.findall(r'href="/manage/cy-2026/registrations/(\d+)"', html)]


class _Tables(HTMLParser):
    """Every table's rows as lists of cell texts, by the table's class."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("class") or "", [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table(html: str, css_class: str) -> list[list[str]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables[css_class]


def status_of(registration) -> str:
    db.session.expire_all()
    return db.session.get(Registration, registration.id).status


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


# --- who may see what ------------------------------------------------------------------------

STAFF_PAGES = [
    LIST,
    f"{LIST}/export.csv",
    f"{LIST}/export.xlsx",
    f"{LIST}/new",
    f"{BASE}/approvals",
]
ORGANIZER_PAGES = [f"{BASE}/invitations", f"{BASE}/questions"]


def test_anonymous_visitors_are_sent_to_sign_in(conference, client):
    registration = make_registration(conference)
    for url in [*STAFF_PAGES, *ORGANIZER_PAGES, detail_url(registration)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url


def test_checkin_role_may_not_see_registrations(conference, client):
    registration = make_registration(conference)
    sign_in(client, conference, "checkin")
    for url in [*STAFF_PAGES, *ORGANIZER_PAGES, detail_url(registration)]:
        assert client.get(url).status_code == 403, url
    response = submit(client, "/manage/", {}, action=f"{detail_url(registration)}/cancel")
    assert response.status_code == 403
    assert status_of(registration) == "confirmed"


def test_staff_may_not_manage_invitations_or_questions(conference, client):
    sign_in(client, conference, "staff")
    for url in STAFF_PAGES:
        assert client.get(url).status_code == 200, url
    for url in ORGANIZER_PAGES:
        assert client.get(url).status_code == 403, url
    html = page(client.get(LIST))
    assert "/invitations" not in html and "/questions" not in html
    response = submit(
        client, LIST, {"category": "delegate", "count": "3"}, action=f"{BASE}/invitations"
    )
    assert response.status_code == 403
    assert count(InvitationCode) == 0


# --- the list --------------------------------------------------------------------------------


def test_search_by_name_phone_and_organization(conference, client):
    wang = make_registration(conference, name="王敏", organization="重庆大学", phone="13812345678")
    li = make_registration(conference, name="李华", organization="四川大学", phone="13900001111")
    sign_in(client, conference)

    assert listed_ids(page(client.get(LIST, query_string={"q": "王敏"}))) == [wang.id]
    assert listed_ids(page(client.get(LIST, query_string={"q": "139 0000 1111"}))) == [li.id]
    assert listed_ids(page(client.get(LIST, query_string={"q": "重庆"}))) == [wang.id]
    html = page(client.get(LIST, query_string={"q": "nobody-like-this"}))
    assert listed_ids(html) == []
    assert "No registrations match." in html
    # The search stays in the box, and the export links carry it.
    html = page(client.get(LIST, query_string={"q": "重庆"}))
    assert 'value="重庆"' in html
    assert "export.csv?q=%E9%87%8D%E5%BA%86" in html


def test_filters_by_status_and_category(conference, client):
    confirmed = make_registration(conference, "delegate")
    pending = make_registration(conference, "student")
    make_registration(conference, "delegate")
    waitlisted = make_registration(conference, "delegate")  # capacity 2: the third waits
    assert waitlisted.status == "waitlisted"
    sign_in(client, conference)

    html = page(client.get(LIST, query_string={"status": "pending"}))
    assert listed_ids(html) == [pending.id]
    html = page(client.get(LIST, query_string={"category": "delegate", "status": "waitlisted"}))
    assert listed_ids(html) == [waitlisted.id]
    html = page(client.get(LIST, query_string={"category": "delegate"}))
    assert confirmed.id in listed_ids(html) and pending.id not in listed_ids(html)
    # Nonsense in the filters is ignored rather than an error.
    response = client.get(LIST, query_string={"status": "bogus", "page": "x"})
    assert response.status_code == 200
    assert len(listed_ids(page(response))) == 4


def test_list_pages_by_fifty(ctx, client):
    conference = make_conference()
    for _ in range(55):
        services.register(conference, applicant(), by_staff=True, send_mail=False)
    db.session.commit()
    newest = db.session.execute(select(func.max(Registration.id))).scalar_one()
    sign_in(client, conference)

    first = page(client.get(LIST))
    assert len(listed_ids(first)) == 50
    assert listed_ids(first)[0] == newest
    assert "Found: 55" in first
    assert 'href="/manage/cy-2026/registrations?page=2"' in first
    second = page(client.get(LIST, query_string={"page": 2}))
    assert len(listed_ids(second)) == 5
    assert not set(listed_ids(first)) & set(listed_ids(second))
    assert "Page 2 of 2" in second
    # A page past the end (an old link) shows the last one.
    assert listed_ids(page(client.get(LIST, query_string={"page": 9}))) == listed_ids(second)


def test_phone_is_masked_in_the_list_and_shown_in_full_on_the_detail_page(conference, client):
    registration = make_registration(conference, name="王敏", phone="13812345678")
    sign_in(client, conference)
    html = page(client.get(LIST))
    assert "138****5678" in html
    assert "13812345678" not in html
    detail = page(client.get(detail_url(registration)))
    assert "13812345678" in detail
    assert registration.email in detail
    assert f"/r/{registration.manage_token}" in detail


def test_counts_table_by_category_and_status_with_seats(conference, client):
    for _ in range(3):  # two confirmed, one waitlisted
        make_registration(conference, "delegate")
    make_registration(conference, "student")  # pending
    cancelled = make_registration(conference, "student")
    services.cancel(cancelled)
    db.session.commit()
    sign_in(client, conference)

    rows = table(page(client.get(LIST)), "counts")
    header = rows[0]
    assert header[:6] == [
        "Category",
        "Confirmed",
        "Awaiting approval",
        "On the waitlist",
        "Rejected",
        "Cancelled",
    ]
    assert header[6:] == ["All", "Seats taken", "Capacity"]
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name["正式代表"] == ["2", "0", "1", "0", "0", "3", "2", "2"]
    assert by_name["学生"] == ["0", "1", "0", "0", "1", "2", "1", "3"]
    assert by_name["特邀嘉宾"] == ["0", "0", "0", "0", "0", "0", "0", "no limit"]
    assert by_name["All categories"] == ["2", "1", "1", "0", "1", "5", "3", "no limit"]


def test_list_page_queries_do_not_grow_with_the_registrations(ctx, client):
    conference = make_conference()
    sign_in(client, conference)

    def statements_for_list_page(total: int) -> int:
        existing = count(Registration)
        for _ in range(total - existing):
            services.register(conference, applicant(), by_staff=True, send_mail=False)
        db.session.commit()
        client.get(LIST)  # warm up: the first request loads templates and the like
        statements = []

        def note(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            response = client.get(LIST)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        assert response.status_code == 200
        assert len(listed_ids(page(response))) == min(total, 50)
        return len(statements)

    few = statements_for_list_page(20)
    many = statements_for_list_page(200)
    assert many == few, (few, many)
    assert few <= 10


# --- exports ---------------------------------------------------------------------------------


def _export_data(conference):
    save_question(
        conference,
        {
            "code": "diet",
            "label": "饮食要求",
            "kind": "choice",
            "options": "veg | 素食 | Vegetarian\nhalal | 清真",
        },
    )
    db.session.commit()
    wang = make_registration(
        conference,
        name="王敏",
        phone="13812345678",
        organization="重庆大学",
        position="教授",
        answers={"diet": "veg"},
    )
    evil = make_registration(
        conference,
        name="=HYPERLINK(1)",
        phone="+85291234567",
        organization="@SUM(1+1)",
        position="-2+3",
    )
    pending = make_registration(conference, "student", name="张三")
    return wang, evil, pending


def test_csv_export_with_bom_chinese_headers_and_formula_guard(conference, client):
    wang, _evil, _pending = _export_data(conference)
    sign_in(client, conference)

    response = client.get(f"{LIST}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [
        "参会类别",
        "姓名",
        "邮箱",
        "手机",
        "单位",
        "职务",
        "状态",
        "报名时间",
        "饮食要求",
    ]
    by_name = {row[1]: row for row in rows[1:]}
    local = wang.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert by_name["王敏"] == [
        "正式代表",
        "王敏",
        wang.email,
        '="13812345678"',  # text when Excel opens it (tests/registration/test_csv_excel.py)
        "重庆大学",
        "教授",
        "已确认",
        local,
        "素食",
    ]
    evil = by_name["'=HYPERLINK(1)"]
    # A phone with a plus is kept as its text (="…"), never run; other formulas get an apostrophe.
    assert evil[3:6] == ['="+85291234567"', "'@SUM(1+1)", "'-2+3"]
    assert by_name["张三"][6] == "待审核"
    # The list's filters apply to the export.
    response = client.get(f"{LIST}/export.csv", query_string={"status": "pending"})
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["张三"]


def test_xlsx_export_opens_in_a_spreadsheet(conference, client):
    wang, _evil, _pending = _export_data(conference)
    sign_in(client, conference)

    response = client.get(f"{LIST}/export.xlsx", query_string={"category": "delegate"})
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "参会类别" and sheet["A1"].font.bold
    assert sheet["I1"].value == "饮食要求"
    assert sheet.column_dimensions["C"].width > 10
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"王敏", "=HYPERLINK(1)"}  # the student is filtered out
    assert rows["王敏"][:7] == (
        "正式代表",
        "王敏",
        wang.email,
        "13812345678",
        "重庆大学",
        "教授",
        "已确认",
    )
    local = wang.created_at.astimezone(SHANGHAI).replace(tzinfo=None, second=0, microsecond=0)
    assert rows["王敏"][7].replace(second=0, microsecond=0) == local
    assert rows["王敏"][8] == "素食"
    # Text is stored as text, never as a formula: the value stays exactly as typed.
    evil_row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "=HYPERLINK(1)")
    assert evil_row[1].data_type == "s"
    assert evil_row[3].value == "+85291234567"


def test_ten_thousand_registrations_export_in_a_few_seconds(conference, client):
    category_id = conference.categories[0].id
    now = utcnow()
    db.session.execute(
        insert(Registration),
        [
            {
                "conference_id": conference.id,
                "category_id": category_id,
                "name": f"参会者{n}",
                "email": f"p{n}@example.com",
                "email_key": f"p{n}@example.com",
                "phone": f"137{n:08d}",
                "phone_key": f"137{n:08d}",
                "organization": "四川大学",
                "position": "教授",
                "answers": {},
                "locale": "zh_CN",
                "status": "confirmed",
                "source": "import",
                "reason": "",
                "manage_token": f"m{n}",
                "checkin_token": f"c{n}",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(10_000)
        ],
    )
    db.session.commit()
    sign_in(client, conference)
    for kind in ("csv", "xlsx"):
        started = time.perf_counter()
        response = client.get(f"{LIST}/export.{kind}")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        assert elapsed < 8, f"{kind} export took {elapsed:.1f}s"
    assert response.get_data()[:2] == b"PK"
    csv_body = client.get(f"{LIST}/export.csv").get_data().decode("utf-8-sig")
    assert len(csv_body.splitlines()) == 10_001


# --- one registration ------------------------------------------------------------------------


def test_approve_a_pending_registration(conference, client):
    registration = make_registration(conference, "student", name="张三")
    sign_in(client, conference)
    html = page(client.get(detail_url(registration)))
    assert "Awaiting approval" in html and "Approve" in html

    response = submit(
        client, detail_url(registration), {}, action=f"{detail_url(registration)}/approve"
    )
    assert response.status_code == 302
    html = page(client.get(response.headers["Location"]))
    assert "Approved: 张三 is confirmed." in flashes(html)
    assert status_of(registration) == "confirmed"
    assert ">Approve</button>" not in html


def test_reject_with_a_reason(conference, client):
    registration = make_registration(conference, "student", name="张三")
    sign_in(client, conference)
    response = submit(
        client,
        detail_url(registration),
        {"reason": "名额已满，请明年再来"},
        action=f"{detail_url(registration)}/reject",
        follow_redirects=True,
    )
    html = page(response)
    assert "Rejected." in flashes(html)
    assert "名额已满，请明年再来" in html
    db.session.expire_all()
    rejected = db.session.get(Registration, registration.id)
    assert rejected.status == "rejected" and rejected.reason == "名额已满，请明年再来"


def test_cancel_moves_the_waitlist_up_and_says_who(conference, client):
    first = make_registration(conference, name="李华")
    make_registration(conference)
    waiting = make_registration(conference, name="王敏")
    assert waiting.status == "waitlisted"
    sign_in(client, conference)
    html = page(client.get(detail_url(first)))
    assert "data-confirm=" in html  # the browser asks before cancelling (static/js/app.js)

    response = submit(
        client,
        detail_url(first),
        {"reason": "行程冲突"},
        action=f"{detail_url(first)}/cancel",
        follow_redirects=True,
    )
    assert "Cancelled; 王敏 moved up from the waitlist." in flashes(page(response))
    assert status_of(first) == "cancelled"
    assert status_of(waiting) == "confirmed"


def test_refused_actions_are_flashed_and_change_nothing(conference, client):
    confirmed = make_registration(conference, name="李华")
    sign_in(client, conference)

    response = submit(
        client,
        detail_url(confirmed),
        {},
        action=f"{detail_url(confirmed)}/reject",
        follow_redirects=True,
    )
    html = page(response)
    assert any("Only registrations awaiting approval" in m for m in flashes(html))
    assert status_of(confirmed) == "confirmed"

    response = submit(
        client,
        detail_url(confirmed),
        {"reason": "x" * 1001},
        action=f"{detail_url(confirmed)}/cancel",
        follow_redirects=True,
    )
    assert status_of(confirmed) == "confirmed"
    assert flashes(page(response))

    # Without the form's CSRF token nothing happens either.
    response = client.post(f"{detail_url(confirmed)}/cancel", data={"reason": ""})
    assert response.status_code == 400
    assert status_of(confirmed) == "confirmed"

    other = make_conference(slug="kc-2026")
    stranger = make_registration(other)
    assert client.get(f"{LIST}/{stranger.id}").status_code == 404
    response = submit(client, detail_url(confirmed), {}, action=f"{LIST}/{stranger.id}/cancel")
    assert response.status_code == 404
    assert status_of(stranger) == "confirmed"


def test_change_category(conference, client):
    make_registration(conference, "delegate")
    make_registration(conference, "delegate")
    student = make_registration(conference, "student", name="张三")
    sign_in(client, conference)

    response = submit(
        client,
        detail_url(student),
        {"category": "delegate"},
        action=f"{detail_url(student)}/category",
        follow_redirects=True,
    )
    assert "正式代表 is full." in flashes(page(response))
    db.session.expire_all()
    assert db.session.get(Registration, student.id).category.code == "student"

    response = submit(
        client,
        detail_url(student),
        {"category": "guest"},
        action=f"{detail_url(student)}/category",
        follow_redirects=True,
    )
    assert "Moved to 特邀嘉宾." in flashes(page(response))
    db.session.expire_all()
    assert db.session.get(Registration, student.id).category.code == "guest"


# --- the desk --------------------------------------------------------------------------------

WALK_IN = {
    "category": "delegate",
    "name": "赵六",
    "email": "zhao@example.com",
    "phone": "138 0013 8000",
    "organization": "西南大学",
    "position": "研究员",
}


def test_walk_in_is_confirmed_then_a_full_category_waitlists(conference, client):
    sign_in(client, conference)
    response = submit(client, f"{LIST}/new", WALK_IN)
    assert response.status_code == 302
    html = page(client.get(response.headers["Location"]))
    assert "赵六 is registered as 正式代表: confirmed." in flashes(html)
    registration = db.session.execute(select(Registration)).scalar_one()
    assert registration.source == "desk" and registration.phone == "13800138000"

    make_registration(conference, "delegate")  # the last seat
    response = submit(
        client,
        f"{LIST}/new",
        {**WALK_IN, "name": "钱七", "email": "qian@example.com", "phone": "13800138001"},
        follow_redirects=True,
    )
    html = page(response)
    assert "正式代表 is full: 钱七 is on the WAITLIST, not confirmed." in html
    assert 'class="flash flash-warning"' in html
    db.session.expire_all()
    qian = db.session.execute(select(Registration).where(Registration.name == "钱七")).scalar_one()
    assert qian.status == "waitlisted"


def test_walk_in_errors_are_shown_next_to_the_fields(conference, client):
    make_registration(conference, email="taken@example.com")
    sign_in(client, conference)
    response = submit(client, f"{LIST}/new", {**WALK_IN, "email": "not-an-email", "phone": "12"})
    assert response.status_code == 422
    html = page(response)
    assert 'id="email-error">not a valid e-mail address' in html
    assert 'id="phone-error">a mainland mobile number has 11 digits' in html
    assert 'value="赵六"' in html  # what was typed is kept

    response = submit(client, f"{LIST}/new", {**WALK_IN, "email": "TAKEN@example.com"})
    assert response.status_code == 422
    assert 'id="email-error">already registered' in page(response)
    assert count(Registration) == 1


def test_only_organizers_may_register_beyond_capacity(conference, client):
    make_registration(conference, "delegate")
    make_registration(conference, "delegate")
    sign_in(client, conference, "staff")
    assert "override_capacity" not in page(client.get(f"{LIST}/new"))
    submit(client, f"{LIST}/new", {**WALK_IN, "override_capacity": "y"})
    assert (
        db.session.execute(
            select(Registration.status).where(Registration.name == "赵六")
        ).scalar_one()
        == "waitlisted"
    )


def test_organizer_override_confirms_in_a_full_category(conference, client):
    make_registration(conference, "delegate")
    make_registration(conference, "delegate")
    sign_in(client, conference, "organizer")
    assert "override_capacity" in page(client.get(f"{LIST}/new"))
    response = submit(client, f"{LIST}/new", {**WALK_IN, "override_capacity": "y"})
    assert "confirmed" in flashes(page(client.get(response.headers["Location"])))[0]
    db.session.expire_all()
    assert (
        db.session.execute(
            select(Category.seats_taken).where(Category.code == "delegate")
        ).scalar_one()
        == 3
    )


def test_walk_in_asks_the_organizers_questions(conference, client):
    question = save_question(
        conference,
        {
            "code": "diet",
            "label": "饮食要求",
            "kind": "choice",
            "required": True,
            "options": "veg | 素食\nhalal | 清真",
        },
    )
    db.session.commit()
    sign_in(client, conference)
    field = f"answer_{question.id}"
    html = page(client.get(f"{LIST}/new"))
    assert "饮食要求" in html and "素食" in html

    response = submit(client, f"{LIST}/new", WALK_IN)
    assert response.status_code == 422
    assert f'id="{field}-error">required' in page(response)
    assert count(Registration) == 0

    response = submit(client, f"{LIST}/new", {**WALK_IN, field: "halal"}, follow_redirects=True)
    assert "清真" in page(response)
    assert db.session.execute(select(Registration)).scalar_one().answers == {"diet": "halal"}


# --- the approval queue ----------------------------------------------------------------------


def test_bulk_approve_and_reject(ctx, client):
    conference = make_conference(categories=[{**SMALL[1], "capacity": 10}])
    people = [make_registration(conference, "student", name=n) for n in ("甲一", "乙二", "丙三")]
    sign_in(client, conference)
    html = page(client.get(f"{BASE}/approvals"))
    rows = table(html, "queue")[1:]
    assert [row[1].split()[0] for row in rows] == ["甲一", "乙二", "丙三"]  # oldest first

    response = submit(
        client,
        f"{BASE}/approvals",
        {"ids": [str(people[0].id), str(people[1].id)], "action": "approve"},
        follow_redirects=True,
    )
    html = page(response)
    assert "Approved: 2." in flashes(html)
    assert [row[1].split()[0] for row in table(html, "queue")[1:]] == ["丙三"]

    response = submit(
        client,
        f"{BASE}/approvals",
        {"ids": [str(people[2].id)], "action": "reject", "reason": "不符合条件"},
        follow_redirects=True,
    )
    html = page(response)
    assert "Rejected: 1." in flashes(html)
    assert "Nobody is waiting for approval." in html
    assert [status_of(p) for p in people] == ["confirmed", "confirmed", "rejected"]


def test_bulk_action_is_all_or_nothing(ctx, client):
    conference = make_conference(categories=[{**SMALL[1], "capacity": 10}])
    waiting = make_registration(conference, "student", name="甲一")
    refused = make_registration(conference, "student", name="乙二")
    services.reject(refused, "")
    db.session.commit()
    sign_in(client, conference)

    response = submit(
        client,
        f"{BASE}/approvals",
        {"ids": [str(waiting.id), str(refused.id)], "action": "approve"},
        follow_redirects=True,
    )
    messages = flashes(page(response))
    assert messages[0].startswith("Nothing was changed. 乙二:")
    assert status_of(waiting) == "pending"

    response = submit(client, f"{BASE}/approvals", {"action": "approve"}, follow_redirects=True)
    assert "Tick at least one registration first." in flashes(page(response))
    response = submit(
        client, f"{BASE}/approvals", {"ids": ["x"], "action": "approve"}, follow_redirects=True
    )
    assert flashes(page(response))
    assert status_of(waiting) == "pending"


# --- invitation codes ------------------------------------------------------------------------


def test_invitation_codes_are_created_and_listed(conference, client):
    sign_in(client, conference, "organizer")
    response = submit(
        client,
        f"{BASE}/invitations",
        {"category": "guest", "count": "3", "max_uses": "1", "note": "给院士们"},
        follow_redirects=True,
    )
    html = page(response)
    assert any(m.startswith("Invitation codes created (3):") for m in flashes(html))
    rows = table(html, "codes")[1:]
    assert len(rows) == 3
    assert all(row[1] == "特邀嘉宾" and row[2] == "0 / 1" and row[4] == "给院士们" for row in rows)

    response = submit(
        client,
        f"{BASE}/invitations",
        {
            "category": "guest",
            "count": "1",
            "code": "CAST-2026",
            "max_uses": "",
            "expires_at": "2036-12-01T18:00",
        },
        follow_redirects=True,
    )
    rows = table(page(response), "codes")[1:]
    assert rows[0][:4] == ["CAST-2026", "特邀嘉宾", "0 / ∞", "2036-12-01 18:00"]
    db.session.expire_all()
    code = db.session.execute(
        select(InvitationCode).where(InvitationCode.code == "CAST-2026")
    ).scalar_one()
    assert code.max_uses is None
    assert code.expires_at == datetime(2036, 12, 1, 10, 0, tzinfo=ZoneInfo("UTC"))

    # The code lets a guest register.
    guest = services.register(conference, applicant("guest", invite_code="CAST-2026"))
    assert guest.status == "confirmed"


def test_bad_invitation_input_changes_nothing(conference, client):
    create_invitations(conference, conference.categories[2], code="CAST-2026")
    db.session.commit()
    sign_in(client, conference, "organizer")
    for data in (
        {"category": "guest", "count": "1", "code": "CAST-2026"},  # taken
        {"category": "guest", "count": "2", "code": "MINE"},  # both kinds at once
        {"category": "guest", "count": "0"},
        {"category": "guest", "count": "1", "max_uses": "0"},
        {"category": "guest", "count": "1", "code": "有空格 的"},
        {"category": "nope", "count": "1"},
    ):
        response = submit(client, f"{BASE}/invitations", data)
        assert response.status_code == 422, data
        assert "field-error" in page(response), data
    assert count(InvitationCode) == 1


# --- questions -------------------------------------------------------------------------------


def test_questions_are_added_changed_and_deleted(conference, client):
    sign_in(client, conference, "organizer")
    response = submit(
        client,
        f"{BASE}/questions",
        {
            "code": "diet",
            "label": "饮食要求",
            "label_en": "Diet",
            "kind": "choice",
            "required": "y",
            "options": "veg | 素食 | Vegetarian\n\n清真\n",
        },
        follow_redirects=True,
    )
    html = page(response)
    assert "Question diet added." in flashes(html)
    assert table(html, "questions")[1][:4] == [
        "diet",
        "饮食要求 * Diet",
        "One choice",
        "素食、清真",
    ]
    question = db.session.execute(select(Question)).scalar_one()
    assert question.required and question.options == [
        {"value": "veg", "label": "素食", "label_en": "Vegetarian"},
        {"value": "清真", "label": "清真", "label_en": ""},
    ]

    registration = make_registration(conference, answers={"diet": "veg"})
    edit = f"{BASE}/questions/{question.id}/edit"
    html = page(client.get(edit))
    assert "veg | 素食 | Vegetarian\n清真" in html
    response = submit(
        client,
        edit,
        {
            "code": "food",
            "label": "餐饮",
            "label_en": "",
            "kind": "choice",
            "options": "veg | 素食\n清真",
        },
        follow_redirects=True,
    )
    assert "Saved." in flashes(page(response))
    db.session.expire_all()
    assert db.session.get(Question, question.id).code == "food"
    assert db.session.get(Registration, registration.id).answers == {"food": "veg"}
    assert "<dt>餐饮</dt><dd>素食</dd>" in page(client.get(detail_url(registration)))

    response = submit(
        client,
        f"{BASE}/questions",
        {},
        action=f"{BASE}/questions/{question.id}/delete",
        follow_redirects=True,
    )
    assert "Question food deleted." in flashes(page(response))
    assert count(Question) == 0


def test_bad_questions_are_refused_next_to_the_field(conference, client):
    save_question(conference, {"code": "diet", "label": "饮食要求", "kind": "text"})
    db.session.commit()
    sign_in(client, conference, "organizer")
    cases = [
        ({"code": "diet", "label": "再来", "kind": "text"}, "code", "already used"),
        ({"code": "有 空格", "label": "x", "kind": "text"}, "code", "letters, digits"),
        (
            {"code": "size", "label": "尺码", "kind": "choice", "options": ""},
            "options",
            "at least one",
        ),
        ({"code": "size", "label": "尺码", "kind": "multi", "options": "s\ns"}, "options", "twice"),
        ({"code": "size", "label": "", "kind": "text"}, "label", ""),
    ]
    for data, field, words in cases:
        response = submit(client, f"{BASE}/questions", data)
        assert response.status_code == 422, data
        error = re.search(rf'id="{field}-error">([^<]*)<', page(response))
        assert error and words in error.group(1), (data, page(response))
    assert count(Question) == 1
    question = db.session.execute(select(Question)).scalar_one()
    response = submit(
        client,
        f"{BASE}/questions/{question.id}/edit",
        {"code": "diet", "label": "x" * 301, "kind": "text"},
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Question, question.id).label == "饮食要求"


def test_invitations_and_questions_of_another_conference_are_not_found(conference, client):
    other = make_conference(slug="kc-2026")
    question = save_question(other, {"code": "diet", "label": "饮食", "kind": "text"})
    db.session.commit()
    sign_in(client, conference, "organizer")
    assert client.get(f"{BASE}/questions/{question.id}/edit").status_code == 404
    submit(client, f"{BASE}/questions", {}, action=f"{BASE}/questions/{question.id}/delete")
    assert count(Question) == 1


def test_expired_code_is_marked(conference, client):
    create_invitations(
        conference, conference.categories[2], code="OLD", expires_at=utcnow() - timedelta(days=1)
    )
    db.session.commit()
    sign_in(client, conference, "organizer")
    rows = table(page(client.get(f"{BASE}/invitations")), "codes")
    assert "expired" in rows[1][3]


def test_a_code_can_be_withdrawn(conference, client):
    (code,) = create_invitations(conference, conference.categories[2], code="CAST-2026")
    used = services.register(conference, applicant("guest", invite_code="CAST-2026"))
    db.session.commit()
    sign_in(client, conference, "organizer")
    response = submit(
        client,
        f"{BASE}/invitations",
        {},
        action=f"{BASE}/invitations/{code.id}/withdraw",
        follow_redirects=True,
    )
    html = page(response)
    assert "The code CAST-2026 is withdrawn: it no longer works." in flashes(html)
    row = table(html, "codes")[1]
    assert "withdrawn" in row[3] and "expired" not in row[3]  # said as it is
    with pytest.raises(InvitationRequired):
        services.register(conference, applicant("guest", invite_code="CAST-2026"))
    db.session.rollback()
    assert db.session.get(Registration, used.id).status == "confirmed"  # stays registered


def test_staff_cannot_withdraw_codes(conference, client):
    (code,) = create_invitations(conference, conference.categories[2], code="CAST-2026")
    db.session.commit()
    sign_in(client, conference, "staff")
    response = submit(
        client, f"{BASE}/registrations", {}, action=f"{BASE}/invitations/{code.id}/withdraw"
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(InvitationCode, code.id).withdrawn_at is None


# --- paging, streaming, and the questions at the desk ----------------------------------------


def test_absurd_page_numbers_show_the_first_or_the_last_page(ctx, client):
    conference = make_conference()
    for _ in range(55):
        services.register(conference, applicant(), by_staff=True, send_mail=False)
    db.session.commit()
    sign_in(client, conference)
    first = listed_ids(page(client.get(LIST)))
    last = listed_ids(page(client.get(LIST, query_string={"page": 2})))
    assert len(first) == 50 and len(last) == 5
    for number, shown in (
        ("9223372036854775807", last),
        ("9223372036854775808", last),
        ("1" + "0" * 30, last),
        ("3", last),
        ("-1", first),
        ("0", first),
        ("abc", first),
        ("1e3", first),
        ("", first),
    ):
        response = client.get(LIST, query_string={"page": number, "status": "confirmed"})
        assert response.status_code == 200, number
        html = page(response)
        assert listed_ids(html) == shown, number
        assert ("Page 2 of 2" if shown == last else "Page 1 of 2") in html
    # An empty list has one (empty) page.
    response = client.get(LIST, query_string={"page": "9223372036854775807", "q": "nobody"})
    assert response.status_code == 200 and listed_ids(page(response)) == []


def _csv_as_before(headers, rows) -> bytes:
    """What the export sent before it was streamed: the whole file built in memory."""
    from eventsys.registration.exports import _csv_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(h) for h in headers])
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def test_the_csv_export_is_streamed_and_the_same_file_as_before(conference, client):
    from eventsys.registration import exports
    from eventsys.registration.questions import questions_of

    _export_data(conference)
    for _ in range(3):
        make_registration(conference, organization='"引号", 逗号')
    sign_in(client, conference)
    for filters in ({}, {"status": "pending"}, {"q": "王"}, {"category": "delegate"}):
        expected = _csv_as_before(
            *exports.registration_rows(
                conference,
                services.all_matching_registrations(conference, **filters),
                questions_of(conference),
            )
        )
        db.session.commit()
        response = client.get(f"{LIST}/export.csv", query_string=filters)
        assert response.status_code == 200
        assert response.is_streamed
        assert response.get_data() == expected, filters

    # The first piece is the byte-order mark and the header row, before any row is read.
    response = client.get(f"{LIST}/export.csv")
    pieces = iter(response.response)
    assert (
        next(pieces)
        == "\ufeff参会类别,姓名,邮箱,手机,单位,职务,状态,报名时间,饮食要求\r\n".encode()
    )
    assert b"".join(pieces).count(b"\r\n") == 6  # and then the six rows
    response.close()


def test_the_csv_export_streams_from_a_real_server(conference, app):
    """Through a real server the body is sent after the view's request has ended, in a
    database session of its own."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    from eventsys.registration import exports
    from eventsys.registration.questions import questions_of
    from tests.conftest import CSRF_RE, LiveServer

    _export_data(conference)
    make_user("staff@example.com", "staff", conference)
    expected = _csv_as_before(
        *exports.registration_rows(
            conference, services.all_matching_registrations(conference), questions_of(conference)
        )
    )
    db.session.commit()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with LiveServer(app) as server:
        html = opener.open(f"{server.url}/login", timeout=30).read().decode()
        token = next(g for g in CSRF_RE.search(html).groups() if g)
        form = {"email": "staff@example.com", "password": PASSWORD, "csrf_token": token}
        opener.open(f"{server.url}/login", urllib.parse.urlencode(form).encode(), timeout=30)
        with opener.open(f"{server.url}{LIST}/export.csv", timeout=30) as response:
            assert response.status == 200
            assert response.headers["Content-Length"] is None  # sent as it is made
            assert response.read() == expected


def test_the_desk_asks_the_questions_as_the_public_form_does(ctx, client):
    conference = make_conference(categories=SMALL)
    asked = {
        "diet": {"kind": "choice", "options": "veg | 素食\nhalal | 清真"},
        "hotel": {"kind": "yesno"},
        "topics": {"kind": "multi", "options": "ai | 人工智能\nbio | 生物"},
        "guests": {"kind": "number"},
        "arrival": {"kind": "date"},
        "note": {"kind": "text"},
    }
    questions = {
        code: save_question(conference, {"code": code, "label": f"问题{code}", **values})
        for code, values in asked.items()
    }
    db.session.commit()
    answers = {
        "diet": "halal",
        "hotel": "yes",
        "topics": ["ai", "bio"],
        "guests": "2",
        "arrival": "2026-12-17",
        "note": "靠窗座位",
    }
    public = {f"q_{code}": value for code, value in answers.items()}
    response = submit(
        client,
        "/c/cy-2026/register",
        {**WALK_IN, "email": "web@example.com", "phone": "13900000001", "consent": "y", **public},
    )
    assert response.status_code == 302, page(response)
    sign_in(client, conference)
    desk = {f"answer_{questions[code].id}": value for code, value in answers.items()}
    html = page(client.get(f"{LIST}/new"))
    assert 'type="date"' in html and 'inputmode="decimal"' in html and "清真" in html
    response = submit(client, f"{LIST}/new", {**WALK_IN, **desk})
    assert response.status_code == 302, page(response)
    web, at_desk = db.session.execute(
        select(Registration.answers).order_by(Registration.id)
    ).scalars()
    assert web == at_desk
    assert at_desk["hotel"] is True and at_desk["topics"] == ["ai", "bio"]
