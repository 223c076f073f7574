"""eventsys.pdf: the start-up font check, parallel rendering, the HarfBuzz subsetter."""

from __future__ import annotations

import logging

import pytest

from eventsys import pdf
from tests.conftest import build_app
from tests.documents.helpers import MM, embedded_fonts, page_count, pdf_text, word_boxes

PAGE = """<!doctype html><html><body><p>第{n}页 page {n} 䶮𠇔</p></body></html>"""
CSS = '@page { size: A6; margin: 10mm } body { font-family: "Noto Sans CJK SC" }'


def test_no_chinese_font_is_said_clearly_at_start_up(tmp_path, monkeypatch, caplog):
    # fontconfig without its tools: as on a machine where nothing was installed.
    monkeypatch.setenv("PATH", str(tmp_path))
    pdf.cjk_font_families.cache_clear()
    try:
        with caplog.at_level(logging.ERROR):
            app = build_app("sqlite", tmp_path)  # starts anyway
        assert "No Chinese (CJK) font is installed" in caplog.text
        assert "apt-get install fonts-noto-cjk" in caplog.text
        assert app.test_client().get("/").status_code in (200, 302)
    finally:
        pdf.cjk_font_families.cache_clear()


def test_the_noto_cjk_font_is_found_here(sqlite_app, caplog):
    assert pdf.CJK_FONT_FAMILY in pdf.cjk_font_families()
    assert pdf.check_cjk_font(sqlite_app)


def test_chunks_render_in_parallel_and_join_in_order(sqlite_app, caplog):
    chunks = [PAGE.format(n=n) for n in range(1, 6)]
    with sqlite_app.app_context(), caplog.at_level(logging.WARNING, logger="weasyprint"):
        seen = []
        data = pdf.render_pdf_chunks(
            chunks, stylesheets=(CSS,), workers=2, progress=lambda d, t: seen.append((d, t))
        )
        single = pdf.render_pdf_chunks(chunks[:1], stylesheets=(CSS,), workers=2)
    assert page_count(data) == 5 and page_count(single) == 1
    text = pdf_text(data)
    positions = [text.index(f"第{n}页") for n in range(1, 6)]
    assert positions == sorted(positions)
    assert "䶮𠇔" in text
    assert seen[-1] == (5, 5)
    assert any("Noto-Sans-CJK-SC" in font for font in embedded_fonts(data))
    # HarfBuzz's subsetter was used (WeasyPrint warns when it falls back to fontTools).
    assert "fontTools" not in caplog.text


def test_nothing_to_render_is_an_error(sqlite_app):
    with sqlite_app.app_context(), pytest.raises(ValueError):
        pdf.render_pdf_chunks([])


def test_without_processes_the_chunks_render_here(sqlite_app, monkeypatch, caplog):
    def no_processes(workers):
        raise OSError("cannot fork")

    monkeypatch.setattr(pdf, "_pool", no_processes)
    chunks = [PAGE.format(n=n) for n in range(1, 4)]
    with sqlite_app.app_context(), caplog.at_level(logging.WARNING):
        data = pdf.render_pdf_chunks(chunks, stylesheets=(CSS,), workers=2)
    assert page_count(data) == 3 and "第3页" in pdf_text(data)
    assert "rendering in one process: cannot fork" in caplog.text


STAMPED = (
    '<!doctype html><html><body><section class="page"><div class="card" data-stamp-template="k">'
    '<p class="shared">共同部分 shared</p></div></section>{pages}</body></html>'
)
STAMPED_CSS = (
    '@page { size: A6; margin: 0 } body { font-family: "Noto Sans CJK SC" }'
    " .page { break-after: page; height: 148mm; position: relative }"
    " .card { position: absolute; left: 10mm; width: 80mm; height: 40mm }"
    " .shared { position: absolute; top: 30mm }"
)


def test_a_stamped_part_is_laid_out_once_and_painted_on_every_page(sqlite_app):
    pages = "".join(
        f'<section class="page"><div class="card" data-stamp="k" style="top: {n * 10}mm">'
        f"<p>第{n}页</p></div></section>"
        for n in range(1, 4)
    )
    with sqlite_app.app_context():
        data = pdf.render_pdf(
            STAMPED.format(pages=pages),
            stylesheets=(STAMPED_CSS,),
            finisher=pdf.stamp_repeated_parts,
        )
    assert page_count(data) == 3  # the template's page is left out
    words = word_boxes(data)
    for n in range(1, 4):
        on_page = {w["text"]: w for w in words if w["page"] == n}
        assert f"第{n}页" in on_page and "共同部分" in on_page
        # Moved with its card: 30 mm below the card's top, itself n × 10 mm down the page.
        assert on_page["共同部分"]["y0"] - on_page[f"第{n}页"]["y0"] == pytest.approx(
            30 * MM, abs=1
        )
