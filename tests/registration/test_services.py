"""The registration rules, through the service functions."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventsys.conferences.models import Category, Conference
from eventsys.db_types import utcnow
from eventsys.errors import Conflict, Forbidden, ValidationError
from eventsys.extensions import db
from eventsys.registration import services
from eventsys.registration.errors import AlreadyRegistered, InvitationRequired
from eventsys.registration.invitations import create_invitations
from eventsys.registration.models import Registration
from tests.factories import applicant, make_conference, make_registration

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
        "capacity": 1,
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


def statuses(conference):
    rows = db.session.execute(
        select(Registration.name, Registration.status).order_by(Registration.id)
    ).all()
    return [status for _name, status in rows]


def seats(code):
    db.session.expire_all()
    return db.session.execute(
        select(Category.seats_taken).where(Category.code == code)
    ).scalar_one()


def test_full_category_waitlists_and_cancellation_promotes_first_in_line(conference, app):
    first = make_registration(conference)
    make_registration(conference)
    third = make_registration(conference)
    fourth = make_registration(conference)
    assert statuses(conference) == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert seats("delegate") == 2

    promoted = services.cancel(first)
    db.session.commit()
    assert [p.id for p in promoted] == [third.id]
    assert statuses(conference) == ["cancelled", "confirmed", "confirmed", "waitlisted"]
    assert seats("delegate") == 2
    assert db.session.get(Registration, fourth.id).status == "waitlisted"


def test_approval_category_holds_the_seat_while_pending(conference):
    pending = make_registration(conference, "student")
    waiting = make_registration(conference, "student")
    assert (pending.status, waiting.status) == ("pending", "waitlisted")
    services.approve(pending)
    db.session.commit()
    assert db.session.get(Registration, pending.id).status == "confirmed"
    with pytest.raises(Conflict):
        services.approve(db.session.get(Registration, waiting.id))


def test_rejection_frees_the_seat_and_promotes_into_approval(conference):
    pending = make_registration(conference, "student")
    waiting = make_registration(conference, "student")
    promoted = services.reject(pending, "名额仅限在读研究生")
    db.session.commit()
    assert [p.id for p in promoted] == [waiting.id]
    assert db.session.get(Registration, waiting.id).status == "pending"  # still needs approval
    rejected = db.session.get(Registration, pending.id)
    assert rejected.status == "rejected" and rejected.reason == "名额仅限在读研究生"


def test_raising_capacity_promotes_automatically(conference, client):
    for _i in range(4):
        make_registration(conference)
    category = conference.categories[0]
    from eventsys.conferences.services import save_part

    save_part(
        conference, "categories", {"code": "delegate", "name": "正式代表", "capacity": 3}, category
    )
    db.session.commit()
    assert statuses(conference) == ["confirmed", "confirmed", "confirmed", "waitlisted"]


def test_capacity_cannot_drop_below_seats_taken(conference):
    make_registration(conference)
    make_registration(conference)
    from eventsys.conferences.services import save_part

    with pytest.raises(ValidationError) as info:
        save_part(
            conference,
            "categories",
            {"code": "delegate", "name": "正式代表", "capacity": 1},
            conference.categories[0],
        )
    assert "capacity" in info.value.errors


def test_conference_wide_limit(ctx):
    conference = make_conference(
        capacity=3,
        categories=[
            {
                "code": "a",
                "name": "甲",
                "capacity": 2,
                "requires_approval": False,
                "invite_only": False,
            },
            {
                "code": "b",
                "name": "乙",
                "capacity": 2,
                "requires_approval": False,
                "invite_only": False,
            },
        ],
    )
    got = [make_registration(conference, code).status for code in ("a", "a", "b", "b")]
    assert got == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    db.session.expire_all()
    assert db.session.get(Conference, conference.id).seats_taken == 3


def test_same_email_or_phone_is_refused_ignoring_case_spaces_and_prefix(conference):
    make_registration(conference, email="Li.Ming@Example.com", phone="13912345678")
    with pytest.raises(AlreadyRegistered) as by_email:
        services.register(conference, applicant(email="li.ming@example.COM"))
    assert "email" in by_email.value.errors
    db.session.rollback()
    with pytest.raises(AlreadyRegistered) as by_phone:
        services.register(conference, applicant(phone="+86 139-1234-5678"))
    assert "phone" in by_phone.value.errors
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 1


def test_cancelled_person_may_register_again(conference):
    first = make_registration(conference, email="again@example.com", phone="13700000001")
    services.cancel(first)
    db.session.commit()
    second = make_registration(conference, email="again@example.com", phone="13700000001")
    assert second.status == "confirmed"


def test_bad_input_names_every_field_and_stores_nothing(conference):
    bad = applicant(
        category="nope",
        name="",
        email="not-an-email",
        phone="12345",
        organization="x" * 201,
        consent=False,
    )
    with pytest.raises(ValidationError) as info:
        services.register(conference, bad)
    assert set(info.value.errors) >= {
        "category",
        "name",
        "email",
        "phone",
        "organization",
        "consent",
    }
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 0


@pytest.mark.parametrize(
    "phone, stored",
    [
        ("138 0013 8000", "13800138000"),
        ("+86-138-0013-8000", "13800138000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers(conference, phone, stored):
    registration = make_registration(conference, phone=phone)
    assert registration.phone == stored


def test_invitation_codes(conference):
    guest = conference.categories[2]
    with pytest.raises(InvitationRequired):
        services.register(conference, applicant("guest"))
    db.session.rollback()
    (code,) = create_invitations(conference, guest, max_uses=1, code="VIP-1")
    (expired,) = create_invitations(
        conference, guest, code="OLD-1", expires_at=utcnow() - timedelta(days=1)
    )
    db.session.commit()
    assert make_registration(conference, "guest", invite_code="VIP-1").status == "confirmed"
    # Used up, expired or unknown: one answer, so that a guesser learns nothing.
    for code_text in ("VIP-1", "OLD-1", "NO-SUCH-CODE"):
        with pytest.raises(InvitationRequired) as refused:
            services.register(conference, applicant("guest", invite_code=code_text))
        assert refused.value.message.startswith("This invitation code cannot be used:")
        db.session.rollback()
    with pytest.raises(InvitationRequired) as other:
        services.register(conference, applicant("delegate", invite_code="VIP-1"))
    assert other.value.errors == {"invite_code": "the code belongs to another category"}


def test_registration_period(ctx):
    conference = make_conference(registration_closes_at="2020-01-01T00:00")
    with pytest.raises(Forbidden) as info:
        services.register(conference, applicant())
    assert info.value.code == "registration_closed"
    db.session.rollback()
    # staff at the desk may still register walk-ins
    assert make_registration(conference, by_staff=True).status == "confirmed"


def test_delegation_all_or_nothing(conference):
    members = [applicant(organization="") for _i in range(3)]
    request = services.DelegationRequest(
        organization="重庆大学",
        contact_name="联系人",
        contact_email="contact@example.com",
        contact_phone="13600000000",
        category="delegate",
        members=members,
    )
    # Three for two places: the whole group waits together, none takes a place.
    waiting = services.register_delegation(conference, request)
    assert [m.status for m in waiting.members] == ["waitlisted"] * 3
    assert seats("delegate") == 0
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 0
    request.members = members[:2]
    delegation = services.register_delegation(conference, request)
    db.session.commit()
    assert [m.status for m in delegation.members] == ["confirmed", "confirmed"]
    assert all(m.organization == "重庆大学" for m in delegation.members)
    assert seats("delegate") == 2


def test_delegation_refuses_duplicates_inside_the_group(conference):
    one = applicant()
    twin = applicant(email=one.email)
    request = services.DelegationRequest(
        organization="重庆大学",
        contact_name="联系人",
        contact_email="c@example.com",
        contact_phone="13600000000",
        category="delegate",
        members=[one, twin],
    )
    with pytest.raises(ValidationError) as info:
        services.register_delegation(conference, request)
    assert "members[1].email" in info.value.errors


def test_edits_can_send_back_to_approval(ctx):
    conference = make_conference(categories=SMALL, edits_require_approval=True)
    registration = make_registration(conference, "student")
    services.approve(registration)
    db.session.commit()
    changed = applicant(
        "student", email=registration.email, phone=registration.phone, name="新名字"
    )
    services.update_details(registration, changed)
    db.session.commit()
    assert db.session.get(Registration, registration.id).status == "pending"
    assert seats("student") == 1  # the seat stays


def test_change_category_moves_the_seat(conference):
    registration = make_registration(conference)
    make_registration(conference)
    waiting = make_registration(conference)
    services.change_category(registration, conference.categories[2])
    db.session.commit()
    assert seats("delegate") == 2  # the waitlisted person took the freed seat
    assert db.session.get(Registration, waiting.id).status == "confirmed"


def test_mails_are_sent_on_commit_only(conference, app, tmp_path):
    outbox = tmp_path / "outbox"
    services.register(conference, applicant())
    db.session.rollback()
    assert not outbox.exists() or not list(outbox.iterdir())
    make_registration(conference, name="王敏")
    mails = list(outbox.iterdir())
    assert len(mails) == 1
    from email import message_from_bytes, policy

    message = message_from_bytes(mails[0].read_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "王敏" in body and "/r/" in body


# --- statuses: one table of moves, and what the other domains hear --------------------------


def test_status_moves_follow_the_table(conference):
    from eventsys.registration.statuses import TRANSITIONS, Action, Status, target

    # Every move in the table, and nothing else.
    for action, moves in TRANSITIONS.items():
        for status in Status:
            if status in moves:
                assert target(action, status) == moves[status]
    assert target(Action.CANCEL, Status.CANCELLED) is None  # again: nothing to do
    with pytest.raises(Conflict, match="awaiting approval"):
        target(Action.APPROVE, Status.WAITLISTED)
    with pytest.raises(Conflict):
        target(Action.PROMOTE, Status.CONFIRMED)

    confirmed = make_registration(conference)
    pending = make_registration(conference, "student")
    waiting = make_registration(conference, "student")
    with pytest.raises(Conflict) as info:
        services.approve(db.session.get(Registration, waiting.id))
    assert info.value.message == (
        "Only registrations awaiting approval can be approved; this one is On the waitlist."
    )
    db.session.rollback()
    with pytest.raises(Conflict, match="can be rejected; this one is Confirmed"):
        services.reject(db.session.get(Registration, confirmed.id))
    db.session.rollback()
    services.reject(db.session.get(Registration, pending.id), "不符合条件")
    db.session.commit()
    with pytest.raises(Conflict, match="was rejected; there is nothing to cancel"):
        services.cancel(db.session.get(Registration, pending.id))
    db.session.rollback()
    with pytest.raises(Conflict, match="cannot be changed"):
        services.update_details(db.session.get(Registration, pending.id), applicant("student"))
    db.session.rollback()
    # The stored strings are the same as ever.
    assert statuses(conference) == ["confirmed", "rejected", "pending"]


def test_confirmations_and_cancellations_are_announced(conference, tmp_path):
    from eventsys import signals
    from eventsys.registration.imports import import_registrations

    heard: list[tuple[str, str, str]] = []

    def confirmed(registration, **_kwargs):
        heard.append(("confirmed", registration.name, registration.status))

    def cancelled(registration, **_kwargs):
        heard.append(("cancelled", registration.name, registration.status))

    with (
        signals.registration_confirmed.connected_to(confirmed),
        signals.registration_cancelled.connected_to(cancelled),
    ):
        a = make_registration(conference, name="甲")  # confirmed at once
        make_registration(conference, name="乙")
        c = make_registration(conference, name="丙")  # waitlisted: nothing to say
        d = make_registration(conference, "student", name="丁")  # pending: not yet
        assert heard == [("confirmed", "甲", "confirmed"), ("confirmed", "乙", "confirmed")]

        heard.clear()
        services.approve(d)
        services.cancel(a)  # 丙 moves up
        db.session.commit()
        assert heard == [
            ("confirmed", "丁", "confirmed"),
            ("cancelled", "甲", "cancelled"),
            ("confirmed", "丙", "confirmed"),
        ]

        heard.clear()
        e = make_registration(conference, "student", name="戊")  # waitlisted (1 seat)
        services.reject(e, "名额已满")
        services.cancel(c)
        services.cancel(c)  # a second click changes nothing and says nothing
        db.session.commit()
        assert heard == [("cancelled", "戊", "rejected"), ("cancelled", "丙", "cancelled")]

        heard.clear()
        services.register(conference, applicant("guest", name="己"), source="desk", by_staff=True)
        path = tmp_path / "list.csv"
        path.write_text("参会类别,姓名,邮箱,手机\nguest,庚,geng@example.com,13700000001\n")
        import_registrations(conference, path)
        db.session.commit()
        assert heard == [("confirmed", "己", "confirmed"), ("confirmed", "庚", "confirmed")]

        heard.clear()
        db.session.rollback()
    # Disconnected again: nobody hears anything any more.
    make_registration(conference, "guest", by_staff=True)
    assert heard == []


def test_one_rule_and_one_wording_for_already_registered(conference, runner, tmp_path):
    taken = make_registration(conference, email="Taken@Example.com", phone="139 0000 1111")
    with pytest.raises(AlreadyRegistered) as info:
        services.register(conference, applicant(phone="+86 139-0000-1111"))
    assert info.value.errors == {"phone": "already registered"}
    assert info.value.message.startswith("This phone number is already registered")
    db.session.rollback()

    path = tmp_path / "list.csv"
    path.write_text("参会类别,姓名,邮箱,手机\ndelegate,赵六,TAKEN@example.com,13800000009\n")
    result = runner.invoke(args=["import-registrations", conference.slug, str(path)])
    assert result.exit_code != 0
    assert "row 2, column 邮箱: already registered" in result.output

    # Editing one's own registration keeps one's own e-mail; someone else's is refused.
    other = make_registration(conference, "student")
    with pytest.raises(AlreadyRegistered) as info:
        services.update_details(
            other, applicant("student", email="taken@example.com", phone=other.phone)
        )
    assert info.value.errors == {"email": "already registered"}
    assert "send the link" not in info.value.message
    db.session.rollback()

    # A cancelled registration no longer counts, for the form and for the import alike.
    services.cancel(db.session.get(Registration, taken.id))
    db.session.commit()
    result = runner.invoke(args=["import-registrations", conference.slug, str(path)])
    assert result.exit_code == 0, result.output
