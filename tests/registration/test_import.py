"""import-registrations: staff's own spreadsheets in, all rows or none."""

from __future__ import annotations

import csv

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from eventsys.conferences.models import Category, Conference
from eventsys.extensions import db
from eventsys.registration.models import Registration
from tests.factories import conference_json, make_conference, make_registration

CHINESE_HEADER = ["参会类别", "姓名", "邮箱", "手机", "单位", "职务"]
ENGLISH_HEADER = ["category", "name", "email", "phone", "organization", "position"]


def people(count: int, start: int = 1, category: str = "delegate") -> list[list[str]]:
    """Rows in the order of CHINESE_HEADER."""
    return [
        [
            category,
            f"李{'明华强伟芳'[i % 5]}{i}",
            f"attendee{i}@example.com",
            f"1380013{i:04d}",
            "四川大学",
            "教授",
        ]
        for i in range(start, start + count)
    ]


def write_csv(path, header, rows, encoding="utf-8-sig"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def conference_with_categories(**changes):
    return make_conference(
        categories=[
            {"code": "delegate", "name": "正式代表", "name_en": "Delegate", "capacity": 300},
            {"code": "student", "name": "学生", "capacity": 2, "requires_approval": True},
        ],
        **changes,
    )


def registrations() -> list[Registration]:
    db.session.expire_all()
    return list(db.session.execute(select(Registration).order_by(Registration.id)).scalars().all())


def number_of_registrations() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Registration)).scalar_one()


def seats_taken(code: str) -> tuple[int, int]:
    db.session.expire_all()
    category = db.session.execute(select(Category).where(Category.code == code)).scalar_one()
    conference = db.session.execute(select(Conference)).scalar_one()
    return category.seats_taken, conference.seats_taken


def test_a_csv_with_chinese_headers_is_imported_confirmed(ctx, runner, tmp_path):
    conference_with_categories()
    path = write_csv(tmp_path / "名单.csv", CHINESE_HEADER, people(3))
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code == 0, result.output
    assert "Imported 3 registrations into cy-2026." in result.output
    imported = registrations()
    assert [r.name for r in imported] == ["李华1", "李强2", "李伟3"]
    assert {r.status for r in imported} == {"confirmed"}
    assert {r.source for r in imported} == {"import"}
    assert imported[0].email == "attendee1@example.com"
    assert imported[0].phone == "13800130001"
    assert imported[0].organization == "四川大学" and imported[0].position == "教授"
    for registration in imported:
        assert registration.manage_token and registration.checkin_token
        assert registration.confirmed_at is not None and registration.locale == "zh_CN"
    assert seats_taken("delegate") == (3, 3)
    # No e-mail without --notify.
    outbox = tmp_path / "outbox"
    assert not outbox.exists() or not list(outbox.iterdir())


def test_english_headers_in_another_order_with_an_extra_column(ctx, runner, tmp_path):
    conference_with_categories()
    header = ["Phone", "E-mail", "Name", "序号", "Organization", "Category", "Position", "备注"]
    rows = [
        ["+86 139-0000-0001", "Wang.Min@Example.com", "王敏", "1", "重庆大学", "Delegate", "", "x"],
        ["13900000002", "zhao@example.com", "赵磊", "2", "", "delegate", "研究员", ""],
    ]
    path = write_csv(tmp_path / "list.csv", header, rows, encoding="utf-8")
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code == 0, result.output
    wang, zhao = registrations()
    assert wang.name == "王敏" and wang.phone == "13900000001"
    assert wang.email_key == "wang.min@example.com" and wang.organization == "重庆大学"
    assert wang.category.code == "delegate"
    assert zhao.position == "研究员" and zhao.organization == ""


def test_an_xlsx_with_the_phone_stored_as_a_number(ctx, runner, tmp_path):
    conference_with_categories()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机号码", "电子邮箱", "参会类别", "工作单位", "职称"])
    sheet.append(["陈晓", 13800138000, "chen@example.com", "正式代表", "西南交通大学", "副教授"])
    sheet.append([None] * 6)  # an empty row in the middle is passed over
    sheet.append(["刘洋", 13800138001.0, "liu@example.com", "delegate", "电子科技大学", None])
    path = tmp_path / "参会名单.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["import-registrations", "cy-2026", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 registrations" in result.output
    chen, liu = registrations()
    assert chen.phone == "13800138000" and liu.phone == "13800138001"
    assert chen.organization == "西南交通大学" and chen.position == "副教授"
    assert liu.position == ""


def test_a_gb18030_csv_from_excel_on_chinese_windows(ctx, runner, tmp_path):
    conference_with_categories()
    path = write_csv(tmp_path / "gbk.csv", CHINESE_HEADER, people(2), encoding="gb18030")
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code == 0, result.output
    assert [r.name for r in registrations()] == ["李华1", "李强2"]
    assert registrations()[0].organization == "四川大学"


def test_a_category_given_by_its_chinese_name(ctx, runner, tmp_path):
    conference_with_categories()
    rows = people(1, category="正式代表") + people(1, start=2, category="学生")
    path = write_csv(tmp_path / "names.csv", CHINESE_HEADER, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code == 0, result.output
    delegate, student = registrations()
    assert delegate.category.code == "delegate"
    # Staff imports are pre-approved even where the category needs approval.
    assert student.category.code == "student" and student.status == "confirmed"
    assert seats_taken("student") == (1, 2)


def test_one_bad_row_names_row_and_column_and_imports_nothing(ctx, runner, tmp_path):
    conference_with_categories()
    rows = people(6)
    rows[3][3] = "1380013"  # the fourth person: spreadsheet row 5, the header being row 1
    path = write_csv(tmp_path / "bad.csv", CHINESE_HEADER, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "row 5, column 手机" in result.output
    assert "1380013" in result.output
    assert "row 2" not in result.output and "row 6" not in result.output
    assert number_of_registrations() == 0
    assert seats_taken("delegate") == (0, 0)


def test_the_column_is_named_as_the_file_spells_it(ctx, runner, tmp_path):
    conference_with_categories()
    header = ["Name", "Email", "Mobile", "Category"]
    rows = [["王敏", "not-an-email", "13900000001", "delegate"]]
    path = write_csv(tmp_path / "en.csv", header, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "row 2, column Email" in result.output
    assert number_of_registrations() == 0


def test_every_bad_row_is_reported_at_once(ctx, runner, tmp_path):
    conference_with_categories()
    rows = people(4)
    rows[0][1] = ""  # row 2: no name
    rows[2][2] = "nobody@"  # row 4: bad e-mail
    path = write_csv(tmp_path / "two.csv", CHINESE_HEADER, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "row 2, column 姓名" in result.output
    assert "row 4, column 邮箱" in result.output
    assert number_of_registrations() == 0


def test_a_duplicate_email_inside_the_file(ctx, runner, tmp_path):
    conference_with_categories()
    rows = people(3)
    rows[2][2] = "ATTENDEE1@example.com"
    path = write_csv(tmp_path / "dup.csv", CHINESE_HEADER, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "row 4, column 邮箱" in result.output and "row 2" in result.output
    assert number_of_registrations() == 0


def test_a_duplicate_of_an_existing_registration(ctx, runner, tmp_path):
    conference = conference_with_categories()
    make_registration(conference, email="attendee2@example.com", phone="13912345678")
    rows = people(3)
    path = write_csv(tmp_path / "again.csv", CHINESE_HEADER, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "row 3, column 邮箱" in result.output
    assert "already registered" in result.output
    assert number_of_registrations() == 1
    assert seats_taken("delegate") == (1, 1)


def test_a_duplicate_phone_of_an_existing_registration(ctx, runner, tmp_path):
    conference = conference_with_categories()
    make_registration(conference, phone="138 0013 0003")
    path = write_csv(tmp_path / "phone.csv", CHINESE_HEADER, people(3))
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "row 4, column 手机" in result.output
    assert number_of_registrations() == 1


def test_a_cancelled_registration_does_not_block_the_person(ctx, runner, tmp_path):
    from eventsys.registration.services import cancel

    conference = conference_with_categories()
    cancel(make_registration(conference, email="attendee1@example.com"))
    db.session.commit()
    path = write_csv(tmp_path / "back.csv", CHINESE_HEADER, people(1))
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code == 0, result.output
    assert number_of_registrations() == 2


def test_an_unknown_category_is_named(ctx, runner, tmp_path):
    conference_with_categories()
    rows = people(2)
    rows[1][0] = "VIP嘉宾"
    path = write_csv(tmp_path / "cat.csv", CHINESE_HEADER, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "row 3, column 参会类别" in result.output
    assert "VIP嘉宾" in result.output
    assert "delegate" in result.output and "正式代表" in result.output  # what would do
    assert number_of_registrations() == 0


def test_capacity_exceeded_imports_nothing(ctx, runner, tmp_path):
    conference_with_categories()
    rows = people(2) + people(3, start=10, category="student")
    path = write_csv(tmp_path / "full.csv", CHINESE_HEADER, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "学生" in result.output and "2 seat(s) left" in result.output
    assert "3 row(s)" in result.output
    assert number_of_registrations() == 0
    assert seats_taken("delegate") == (0, 0)
    assert seats_taken("student") == (0, 0)


def test_the_conference_wide_limit_counts_too(ctx, runner, tmp_path):
    conference_with_categories(capacity=3)
    path = write_csv(tmp_path / "limit.csv", CHINESE_HEADER, people(4))
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "3 seat(s) left in all" in result.output
    assert number_of_registrations() == 0


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (["姓名", "邮箱", "手机", "单位"], "参会类别"),
        (["category", "name", "email", "organization"], "phone"),
    ],
)
def test_a_missing_required_column_is_named(ctx, runner, tmp_path, header, missing):
    conference_with_categories()
    path = write_csv(tmp_path / "cols.csv", header, [["x"] * len(header)])
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "no column for" in result.output and missing in result.output
    assert number_of_registrations() == 0


def test_files_that_cannot_be_imported_are_refused_clearly(ctx, runner, tmp_path):
    conference_with_categories()
    other = tmp_path / "list.txt"
    other.write_text("姓名\n", encoding="utf-8")
    result = runner.invoke(args=["import-registrations", "cy-2026", str(other)])
    assert result.exit_code != 0 and ".csv or .xlsx" in result.output
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    result = runner.invoke(args=["import-registrations", "cy-2026", str(fake)])
    assert result.exit_code != 0 and "not a readable .xlsx" in result.output
    empty = write_csv(tmp_path / "empty.csv", CHINESE_HEADER, [])
    result = runner.invoke(args=["import-registrations", "cy-2026", empty])
    assert result.exit_code != 0 and "no rows" in result.output
    good = write_csv(tmp_path / "good.csv", CHINESE_HEADER, people(1))
    result = runner.invoke(args=["import-registrations", "no-such-meeting", good])
    assert result.exit_code != 0 and "no-such-meeting" in result.output
    assert number_of_registrations() == 0


def test_a_title_line_above_the_table_is_passed_over(ctx, runner, tmp_path):
    conference_with_categories()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["第五届川渝科技学术大会参会人员名单"])
    sheet.append(CHINESE_HEADER)
    for row in people(2):
        sheet.append(row)
    sheet.append(["delegate", "", "x@example.com", "13800000000", "", ""])
    path = tmp_path / "titled.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["import-registrations", "cy-2026", str(path)])
    assert result.exit_code != 0
    assert "row 5, column 姓名" in result.output  # as the spreadsheet program numbers it
    sheet.delete_rows(5)
    workbook.save(path)
    result = runner.invoke(args=["import-registrations", "cy-2026", str(path)])
    assert result.exit_code == 0, result.output
    assert number_of_registrations() == 2


def test_notify_queues_the_confirmation_emails(ctx, runner, tmp_path):
    conference_with_categories()
    path = write_csv(tmp_path / "mail.csv", CHINESE_HEADER, people(2))
    result = runner.invoke(args=["import-registrations", "cy-2026", path, "--notify"])
    assert result.exit_code == 0, result.output
    mails = list((tmp_path / "outbox").glob("*.eml"))
    assert len(mails) == 2
    text = b"".join(m.read_bytes() for m in mails)
    assert b"attendee1@example.com" in text and b"attendee2@example.com" in text


def test_answers_to_the_conference_questions_may_come_along(ctx, runner, tmp_path):
    data = conference_json(
        questions=[
            {
                "code": "hotel",
                "label": "住宿",
                "kind": "choice",
                "options": [{"value": "yes", "label": "需要"}, {"value": "no", "label": "不需要"}],
            },
            {"code": "diet", "label": "饮食要求", "kind": "text", "required": True},
        ]
    )
    from eventsys.conferences.jsonio import load_conference

    load_conference(data)
    db.session.commit()
    header = CHINESE_HEADER + ["住宿"]
    rows = [people(1)[0] + ["需要"], people(1, start=2)[0] + [""]]
    path = write_csv(tmp_path / "answers.csv", header, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    # The required question has no column: staff lists need not carry it.
    assert result.exit_code == 0, result.output
    first, second = registrations()
    assert first.answers == {"hotel": "yes"} and second.answers == {}
    bad = write_csv(tmp_path / "bad.csv", header, [people(1, start=3)[0] + ["也许"]])
    result = runner.invoke(args=["import-registrations", "cy-2026", bad])
    assert result.exit_code != 0 and "row 2, column 住宿" in result.output


def test_template_rows_with_only_a_serial_number_are_passed_over(ctx, runner, tmp_path):
    conference_with_categories()
    header = ["序号", *CHINESE_HEADER]
    rows = [[str(i), *person] for i, person in enumerate(people(2), start=1)]
    rows += [[str(i), "", "", "", "", "", ""] for i in range(3, 30)]
    path = write_csv(tmp_path / "template.csv", header, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code == 0, result.output
    assert "Imported 2 registrations" in result.output
    only_numbers = write_csv(tmp_path / "blank.csv", header, rows[2:])
    result = runner.invoke(args=["import-registrations", "cy-2026", only_numbers])
    assert result.exit_code != 0 and "no rows" in result.output


def test_a_phone_number_mangled_by_excel_says_how_to_fix_it(ctx, runner, tmp_path):
    conference_with_categories()
    rows = people(2)
    rows[1][3] = "1.38001E+10"
    path = write_csv(tmp_path / "sci.csv", CHINESE_HEADER, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "row 3, column 手机" in result.output and "scientific notation" in result.output
    assert number_of_registrations() == 0


def test_a_one_column_file_names_the_missing_columns(ctx, runner, tmp_path):
    conference_with_categories()
    path = write_csv(tmp_path / "names.csv", ["姓名"], [["王敏"], ["赵磊"]])
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "no column for" in result.output and "参会类别" in result.output
    assert "手机" in result.output


def test_many_bad_rows_are_summed_up_in_a_few_lines(ctx, runner, tmp_path):
    conference_with_categories()
    rows = people(15)
    for row in rows:
        row[3] = "12345"
    path = write_csv(tmp_path / "many.csv", CHINESE_HEADER, rows)
    result = runner.invoke(args=["import-registrations", "cy-2026", path])
    assert result.exit_code != 0
    assert "15 problem(s)" in result.output and "and 5 more" in result.output
    assert "row 11, column 手机" in result.output and "row 12," not in result.output
    assert len(result.output.strip().splitlines()) <= 13
