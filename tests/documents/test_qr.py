"""The QR codes' modules: made here on rows held as integers, they are qrcode's own, the same
best mask included; drawn as SVG for the browser and as PDF rectangles for bulk badges."""

from __future__ import annotations

import random
import re
import string

import qrcode
import qrcode.constants

from eventsys.documents.qr import BORDER, dark_runs, qr_matrix, qr_pdf_operators, qr_svg
from tests.documents.helpers import decode_qr_image


def qrcode_matrix(text: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=BORDER)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def sample_texts() -> list[str]:
    rng = random.Random(2026)
    texts = ["0", "12345678901234567890", "HELLO WORLD 42", "欧阳䶮 𠇔", "a" * 300]
    alphabet = string.ascii_letters + string.digits + "-_"
    for _ in range(120):  # check-in codes: versions 4 to 6
        token = "".join(rng.choice(alphabet) for _ in range(rng.randint(16, 40)))
        texts.append(f"https://events.example.org/q/{token}.{token[:10]}")
    for length in (*range(1, 40), *(rng.randint(40, 900) for _ in range(40))):
        texts.append("".join(rng.choice(string.printable) for _ in range(length)))
    return texts


def test_the_modules_and_the_mask_are_qrcodes_own():
    for text in sample_texts():
        assert qr_matrix(text) == qrcode_matrix(text), text


def test_the_svg_and_the_pdf_rectangles_draw_the_same_dark_runs():
    text = "https://events.example.org/q/AbCdEfGhIjKlMnOpQrSt.AbCdEfGhIj"
    runs, size = dark_runs(text)
    matrix = qr_matrix(text)
    assert size == len(matrix)
    dark = {(y, x) for y, row in enumerate(matrix) for x, on in enumerate(row) if on}
    assert {(y, x + i) for y, x, length in runs for i in range(length)} == dark
    # SVG: one stroke per run.
    assert len(re.findall(r"M\d+ \d+\.5h\d+", qr_svg(text))) == len(runs)
    # PDF: a white square with the quiet zone, then one rectangle per run, one fill.
    operators = qr_pdf_operators(text, 10, 20, 123).decode()
    assert operators.startswith("q ") and operators.endswith("f Q")
    assert f"1 g 0 0 {size} {size} re f 0 g" in operators
    rectangles = re.findall(r"^(\d+) (\d+) (\d+) 1 re$", operators, re.M)
    assert {(int(y) + BORDER, int(x) + BORDER, int(n)) for x, y, n in rectangles} == set(runs)


def test_the_svg_still_reads_back(tmp_path):
    from weasyprint import HTML

    text = "https://events.example.org/q/AbCdEfGhIjKlMnOpQrSt.AbCdEfGhIj"
    png = tmp_path / "qr.png"
    html = f"<style>svg {{ width: 60mm; height: 60mm }}</style>{qr_svg(text)}"
    HTML(string=html).write_pdf(tmp_path / "qr.pdf")
    import subprocess

    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "qr.pdf"), str(png)[:-4]],
        check=True,
    )
    assert decode_qr_image(png.read_bytes()) == [text]
