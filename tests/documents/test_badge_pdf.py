"""Bulk badges as the rendering processes make them: several chunks joined, each badge's QR
code painted as vector rectangles where the layout put its box, each category's shared part
(title, colour band, cut marks) stamped on its badges, on both layouts."""

from __future__ import annotations

import io
import math
import re

import pytest
from pypdf import PdfReader

from eventsys import pdf
from eventsys.checkin.codes import checkin_code
from eventsys.documents import services
from tests.documents.helpers import MM, decode_every_page, page_count, word_boxes
from tests.documents.test_badges import CATEGORIES
from tests.factories import make_conference, make_registration

BADGES = 14  # two chunks of 7 (A6) or of 8 and 6 (A4: whole sheets) on two processes
MIN_CHUNK = 6  # instead of 40 badges, so that a small batch is still cut in two


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The conference, its badges' (name, code, category) in print order, and both PDFs."""
    from tests.conftest import build_app

    app = build_app("sqlite", tmp_path_factory.mktemp("badges"))
    with pytest.MonkeyPatch.context() as patch, app.app_context():
        patch.setattr(services, "MIN_CHUNK", MIN_CHUNK)
        chunks = []
        render_chunks = pdf.render_pdf_chunks

        def counted(parts, **options):
            chunks.append(len(parts))
            return render_chunks(parts, **options)

        patch.setattr(pdf, "render_pdf_chunks", counted)
        conference = make_conference(categories=CATEGORIES)
        for n in range(BADGES):
            make_registration(
                conference, "guest" if n % 3 == 0 else "delegate", name=f"测试{n:02d}号"
            )
        registrations = services.badge_registrations(conference)
        people = [(r.name, checkin_code(r.checkin_token), r.category.name) for r in registrations]
        documents = {
            layout: services.badges_pdf(conference, registrations, layout, workers=2)
            for layout in ("a6", "a4-4up")
        }
        title = conference.title
        pdf.shutdown_pool()
    assert chunks == [2, 2]  # really two chunks joined, for each layout
    return title, people, documents


def test_every_badge_reads_back_as_its_own_attendee_on_both_layouts(rendered):
    title, people, documents = rendered
    codes = [code for _name, code, _category in people]
    a6 = decode_every_page(documents["a6"])
    assert a6 == [[code] for code in codes]  # one badge a page, in order, template pages gone
    sheets = decode_every_page(documents["a4-4up"])
    assert len(sheets) == math.ceil(BADGES / 4)
    for number, found in enumerate(sheets):
        assert sorted(found) == sorted(codes[4 * number : 4 * number + 4])


def test_every_badge_shows_its_name_and_its_categorys_shared_part(rendered):
    title, people, documents = rendered
    words = word_boxes(documents["a6"])
    for number, (name, _code, category) in enumerate(people, start=1):
        text = "".join(w["text"] for w in words if w["page"] == number)
        assert name in text and category in text and title.replace(" ", "") in text
        # The other category's band is not stamped on this badge.
        other = {c["name"] for c in CATEGORIES} - {category}
        assert not any(o in text for o in other)
    sheet_words = word_boxes(documents["a4-4up"])
    first_sheet = "".join(w["text"] for w in sheet_words if w["page"] == 1)
    assert first_sheet.count(title.replace(" ", "")[:6]) == 4


def qr_squares(data: bytes) -> list[list[tuple[float, float, float]]]:
    """Per page, each painted QR code's (left, top, side) in mm from the page's top-left
    corner, read from the content stream (the white square with the quiet zone)."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        content = page.get_contents().get_data().decode("latin-1")
        assert "q 0.75 0 0 0.75 0 0 cm" in content
        squares = []
        for module, x, y, size in re.findall(
            r"q ([\d.]+) 0 0 [\d.]+ ([\d.]+) ([\d.]+) cm 1 g 0 0 (\d+) \d+ re f 0 g", content
        ):
            px = 0.75 / MM  # a CSS pixel in mm
            squares.append((float(x) * px, float(y) * px, float(module) * int(size) * px))
        pages.append(squares)
    return pages


def test_the_codes_are_vector_rectangles_exactly_where_the_layout_put_them(rendered):
    _title, _people, documents = rendered
    # A6: 36 mm, centred, its bottom 30.73 mm above the card's (static/css/pdf/badge.css).
    for squares in qr_squares(documents["a6"]):
        ((left, top, side),) = squares
        assert left == pytest.approx(34.5, abs=0.05)
        assert top == pytest.approx(148 - 30.73 - 36, abs=0.05)
        assert side == pytest.approx(36, abs=0.01)
    # A4 four-up: the 100 × 140 mm cards 2.5 and 4.25 mm inside the 105 × 148.5 mm cells.
    for sheet in qr_squares(documents["a4-4up"])[:-1]:
        corners = sorted((left, top) for left, top, _side in sheet)
        top = 4.25 + 140 - 30.73 - 36
        expected = [(x, y) for x in (34.5, 139.5) for y in (top, top + 148.5)]
        assert [c for corner in corners for c in corner] == pytest.approx(
            [c for corner in expected for c in corner], abs=0.05
        )
    for layout, data in documents.items():
        reader = PdfReader(io.BytesIO(data))
        for page in reader.pages:
            content = page.get_contents().get_data()
            assert content.count(b" 1 re\n") > 100  # the modules' runs
            for xobject in (page["/Resources"].get("/XObject") or {}).values():
                # The stamped shared parts are forms; no picture anywhere.
                assert xobject.get_object()["/Subtype"] == "/Form", layout
        assert page_count(data) == (BADGES if layout == "a6" else math.ceil(BADGES / 4))


def test_cut_marks_are_stamped_around_every_badge_on_the_sheet(rendered):
    _title, _people, documents = rendered
    reader = PdfReader(io.BytesIO(documents["a4-4up"]))
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    # Four stamps of the shared part (with its cut marks), one per cell, moved by a cell.
    moves = re.findall(r"q 1 0 0 1 ([\d.-]+) ([\d.-]+) cm /(Stamp\d+) Do Q", content)
    assert len(moves) == 4
    offsets = sorted((round(float(x) / MM, 1), round(float(y) / MM, 1)) for x, y, _ in moves)
    assert offsets == [(0, 0), (0, 148.5), (105, 0), (105, 148.5)]
