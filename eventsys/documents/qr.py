"""QR codes as compact vector art for printed documents.

``qrcode``'s SVG path factory draws one square per dark module (about 600 per code); here
each horizontal run of dark modules is one rectangle, a third of the path to parse for each
of a thousand badges, and just as sharp.
"""

from __future__ import annotations

import base64

import qrcode
import qrcode.constants

BORDER = 2


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules of the QR code of ``data`` (medium error correction), with a 2-module quiet
    zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=BORDER)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def qr_svg(data: str, css_class: str = "qr") -> str:
    """An SVG element drawing the QR code of ``data``: one path, sized by the stylesheet."""
    matrix = qr_matrix(data)
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}"'
        f' shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def qr_data_uri(data: str) -> str:
    """The same SVG as a ``data:`` URI (for an ``<img>``)."""
    svg = qr_svg(data).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
