"""The QR code on the attendee's page: drawn as one path of runs, kept per code, and still a
code a scanner reads."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import qrcode

from eventsys.checkin import codes
from eventsys.checkin.codes import draw_qr_svg, qr_svg

CODE = "https://reg.example.org/q/Zm9vYmFyYmF6cXV4MTIzNDU2.AbCdEfGhIj"


def dark_modules(svg: str) -> set[tuple[int, int]]:
    """The modules the SVG's path paints: each run is ``M x,y h n v1 h -n z``."""
    dark = set()
    for x, y, n in re.findall(r"M(\d+),(\d+)h(\d+)v1h-\d+z", svg):
        dark.update((int(x) + i, int(y)) for i in range(int(n)))
    return dark


def test_the_path_paints_exactly_the_modules_of_the_code():
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(CODE)
    code.make(fit=True)
    matrix = code.get_matrix()
    expected = {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}
    svg = draw_qr_svg(CODE)
    assert svg.startswith("<svg") and f'viewBox="0 0 {len(matrix)} {len(matrix)}"' in svg
    assert dark_modules(svg) == expected


def test_a_code_is_drawn_once_and_then_served_from_memory():
    qr_svg.cache_clear()
    first = qr_svg(CODE)
    again = qr_svg(CODE)
    other = qr_svg(CODE.replace("AbCd", "XyZw"))
    info = qr_svg.cache_info()
    assert again is first  # the same string: not drawn again
    assert other != first
    assert (info.hits, info.misses) == (1, 2)


def never_draw(data):
    raise AssertionError(f"drawn again: {data}")


def test_other_workers_find_a_drawn_code_in_the_cache_folder(sqlite_app, monkeypatch):
    folder = Path(sqlite_app.config["QR_CACHE_DIR"])
    with sqlite_app.app_context():
        qr_svg.cache_clear()
        first = qr_svg(CODE)
        files = list(folder.rglob("*.svg"))
        assert len(files) == 1 and files[0].read_text() == first
        assert stat.S_IMODE(files[0].stat().st_mode) == 0o600  # a code admits its holder
        assert not list(folder.rglob("*.tmp"))
        qr_svg.cache_clear()  # another worker: nothing in its memory
        monkeypatch.setattr(codes, "draw_qr_svg", never_draw)
        assert qr_svg(CODE) == first


def test_a_cache_folder_that_cannot_be_written_only_costs_drawing_again(
    sqlite_app, tmp_path, caplog
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    sqlite_app.config["QR_CACHE_DIR"] = str(blocker)
    with sqlite_app.app_context():
        qr_svg.cache_clear()
        assert qr_svg(CODE) == draw_qr_svg(CODE)
    assert "could not keep a drawn QR code" in caplog.text


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="poppler-utils, zbar"
)
def test_a_scanner_reads_the_drawn_code(sqlite_app, tmp_path):
    """Rendered as the e-ticket PDF renders it (WeasyPrint), rasterised, and read by zbar."""
    from eventsys.pdf import render_pdf

    svg = qr_svg(CODE)
    html = f'<html><body style="margin:0"><div style="width:60mm">{svg}</div></body></html>'
    with sqlite_app.app_context():
        (tmp_path / "qr.pdf").write_bytes(render_pdf(html))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "qr.pdf", "qr"], cwd=tmp_path, check=True
    )
    read = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "qr.png")], capture_output=True, text=True
    )
    assert read.stdout.strip() == CODE
