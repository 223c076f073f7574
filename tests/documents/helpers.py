"""Reading PDFs back as a person (or a scanner) would: the text layer, the fonts embedded,
the QR codes on the rendered pages, the words' positions on the page."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader

MM = 72 / 25.4


def pdf_text(data: bytes) -> str:
    """The text layer, as pdftotext (poppler) extracts it."""
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def embedded_fonts(data: bytes) -> list[str]:
    """The base names of the fonts whose programs are embedded (a /FontFile2 or /FontFile3)."""
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        fonts = resources.get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            candidates = [d.get_object() for d in descendants] if descendants else [font]
            for candidate in candidates:
                descriptor = candidate.get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if "/FontFile2" in descriptor or "/FontFile3" in descriptor:
                    names.add(str(candidate.get("/BaseFont")))
    return sorted(names)


def font_program_sizes(data: bytes) -> list[int]:
    """The byte sizes of the embedded font programs as stored (compressed) in the PDF: a
    subset is some 100 kB, the whole CJK font many megabytes."""
    reader = PdfReader(io.BytesIO(data))
    sizes = []
    for page in reader.pages:
        for ref in ((page.get("/Resources") or {}).get("/Font") or {}).values():
            font = ref.get_object()
            for d in font.get("/DescendantFonts") or [font]:
                descriptor = d.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                for key in ("/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        sizes.append(len(descriptor[key].get_object()._data))
    return sizes


def decode_qr_codes(data: bytes, page: int = 1, dpi: int = 200) -> list[str]:
    """The QR codes zbarimg reads on page ``page`` rendered at ``dpi`` (pdftoppm)."""
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "doc.pdf"
        pdf.write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(dpi),
                "-f",
                str(page),
                "-l",
                str(page),
                "-png",
                str(pdf),
                str(Path(folder) / "page"),
            ],
            check=True,
        )
        (image,) = Path(folder).glob("page*.png")
        return decode_qr_image(image.read_bytes())


def decode_qr_image(png: bytes) -> list[str]:
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", "-"],
        input=png,
        capture_output=True,
    )
    return [line for line in result.stdout.decode().splitlines() if line]


def word_boxes(data: bytes) -> list[dict]:
    """Every word with its page and box in points (pdftotext -bbox)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout.decode()
    words = []
    for page_number, page in enumerate(re.findall(r"<page (.*?)</page>", html, re.S), start=1):
        size = re.search(r'width="([\d.]+)" height="([\d.]+)"', page)
        width, height = float(size.group(1)), float(size.group(2))
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            page,
        ):
            words.append(
                {
                    "page": page_number,
                    "page_width": width,
                    "page_height": height,
                    "x0": float(x0),
                    "y0": float(y0),
                    "x1": float(x1),
                    "y1": float(y1),
                    "text": text,
                }
            )
    return words


def decode_every_page(data: bytes, dpi: int = 150) -> list[list[str]]:
    """The QR codes zbarimg reads on each page, in page order (one pdftoppm run)."""
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "doc.pdf"
        pdf.write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(Path(folder) / "page")],
            check=True,
        )
        images = sorted(Path(folder).glob("page*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        return [decode_qr_image(image.read_bytes()) for image in images]
