"""QR codes for printed documents: the modules, as SVG for the browser, and as PDF operators.

**The modules.** ``qrcode`` chooses the best of the eight mask patterns by building the whole
matrix eight times and scoring each with its penalty rules, module by module in Python: about
6 ms a code, as much as laying out the rest of a badge. ``qr_matrix`` asks ``qrcode`` for the
version and the codewords (data and error correction) and then does the same eight trials on
rows and columns held as integers, one bit per module: the data bits are placed once, each
mask is one XOR per row, and the four penalty rules of ISO/IEC 18004 (as ``qrcode`` counts
them: ``qrcode.util.lost_point``) are regular expressions over the rows' and columns' bit
strings and a few bit operations. Same mask, same modules (``tests/documents/test_qr.py``
compares them with ``qrcode``'s for many texts), about a tenth of the time.

**SVG** (``qr_svg``): for the e-ticket, the certificate and the browser's badge preview. Each
horizontal run of dark modules is one stroke of width one module (``M x y.5 h n``): the same
squares, exact at any zoom, with few path commands for WeasyPrint to parse.

**PDF operators** (``qr_pdf_operators``): bulk badges leave an empty box where the code goes
and the rendering process paints the modules into each page's content stream after the
layout (``eventsys.rendering.badge_pdf``): a white square with the quiet zone, then one
rectangle per horizontal run of dark modules, all filled as one path. Still vector art, and
WeasyPrint never parses nor draws it.
"""

from __future__ import annotations

import bisect
import functools
import operator
import re

import qrcode
import qrcode.base
import qrcode.constants
import qrcode.exceptions
from markupsafe import Markup
from qrcode import LUT, util
from qrcode.base import EXP_TABLE, LOG_TABLE

from eventsys import pdf as rendering

BORDER = 2
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M


# --- the modules ------------------------------------------------------------------------------
#
# A matrix is held as one integer of 2 × size² bits: its rows one after the other (bit
# ``row * size + column``), then its columns (bit ``size² + column * size + row``), so that
# each penalty rule is a few operations on that integer whatever the size: "this module
# equals its right neighbour" is ``~(m ^ (m >> 1))``, masked to the pairs inside one line.


def _ones(size: int, lines: int, first: int, last: int) -> int:
    """The bits of positions ``first`` to ``last`` (included) of every line."""
    line = ((1 << (last - first + 1)) - 1) << first
    return sum(line << (size * index) for index in range(lines))


class _Grid:
    """What one version's matrices share, whatever the text: where each data bit goes, the
    function patterns (finders, timing, alignment, format and version information), each
    mask's bits over the data modules, and the masks of positions each penalty rule looks
    at."""

    def __init__(self, version: int):
        self.version = version
        self.size = size = version * 4 + 17
        area = size * size
        blank = self._function_patterns(test=True, mask=0)
        # The data modules in qrcode's order (``QRCode.map_data``): two columns at a time from
        # the right, upwards then downwards, skipping the vertical timing pattern.
        positions = []
        row, step = size - 1, -1
        for col in range(size - 1, 0, -2):
            if col <= 6:
                col -= 1
            while True:
                for c in (col, col - 1):
                    if blank[row][c] is None:
                        positions.append((row, c))
                row += step
                if row < 0 or row >= size:
                    row -= step
                    step = -step
                    break
        self.data_modules = len(positions)
        # Placing the data is a gather: bit string position (from the highest bit) of the
        # packed matrix -> index in the data bit string, whose last character is a "0" for
        # the function patterns.
        source = [self.data_modules] * (2 * area)
        for index, (r, c) in enumerate(positions):
            source[2 * area - 1 - (r * size + c)] = index
            source[2 * area - 1 - (area + c * size + r)] = index
        self.gather = operator.itemgetter(*source)
        # Function patterns as qrcode scores them (format and version information light).
        self.test_patterns = self._pack(blank)
        self.masks = []
        for pattern in range(8):
            mask = util.mask_func(pattern)
            bits = 0
            for r, c in positions:
                if mask(r, c):
                    bits |= (1 << (r * size + c)) | (1 << (area + c * size + r))
            self.masks.append(bits)
        self.all_lines = (1 << (2 * area)) - 1
        self.rows_only = (1 << area) - 1
        self.run_starts = _ones(size, 2 * size, 0, size - 5)  # rule 1: five modules from here
        self.block_corners = _ones(size, size - 1, 0, size - 2)  # rule 2, rows only
        self.finder_starts = _ones(size, 2 * size, 0, size - 11)  # rule 3: eleven
        self._final: dict[int, int] = {}

    def _function_patterns(self, *, test: bool, mask: int) -> list[list[bool | None]]:
        code = qrcode.QRCode(version=self.version, error_correction=ERROR_CORRECTION)
        code.modules_count = self.size
        code.modules = [[None] * self.size for _ in range(self.size)]
        code.setup_position_probe_pattern(0, 0)
        code.setup_position_probe_pattern(self.size - 7, 0)
        code.setup_position_probe_pattern(0, self.size - 7)
        code.setup_position_adjust_pattern()
        code.setup_timing_pattern()
        code.setup_type_info(test, mask)
        if self.version >= 7:
            code.setup_type_number(test)
        return code.modules

    def _pack(self, modules) -> int:
        size, area = self.size, self.size * self.size
        bits = 0
        for r in range(size):
            for c in range(size):
                if modules[r][c]:
                    bits |= (1 << (r * size + c)) | (1 << (area + c * size + r))
        return bits

    def final_patterns(self, mask: int) -> int:
        """The function patterns with the real format (and version) information."""
        bits = self._final.get(mask)
        if bits is None:
            bits = self._final[mask] = self._pack(self._function_patterns(test=False, mask=mask))
        return bits

    def penalty(self, m: int) -> int:
        """``qrcode.util.lost_point`` of the packed matrix ``m``."""
        everything = self.all_lines
        light = ~m & everything
        same = ~(m ^ (m >> 1))
        # Rule 1: each run of five or more modules of one colour in a row or column scores
        # its length - 2: (length - 4) places where five equal modules start, + 2 per run.
        five = same & (same >> 1) & (same >> 2) & (same >> 3) & self.run_starts
        points = five.bit_count() + 2 * (five & ~(five >> 1)).bit_count()
        # Rule 2: 3 for each 2 × 2 block of one colour (blocks overlap).
        rows = m & self.rows_only
        size = self.size
        vertical = ~(rows ^ (rows >> size))
        points += 3 * (vertical & same & (same >> size) & self.block_corners).bit_count()
        # Rule 3: 40 for each 1:1:3:1:1 pattern (dark, light, dark, light, dark) in a row or
        # column with four light modules before or after it: 10111010000 or 00001011101.
        core = m & (light >> 1) & (m >> 2) & (m >> 3) & (m >> 4) & (light >> 5) & (m >> 6)
        four_light = light & (light >> 1) & (light >> 2) & (light >> 3)
        patterns = ((core & (four_light >> 7)) | (four_light & (core >> 4))) & self.finder_starts
        points += 40 * patterns.bit_count()
        # Rule 4: 10 for each full 5 % that the share of dark modules is away from 50 %.
        percent = float(rows.bit_count()) / (size**2)
        return points + int(abs(percent * 100 - 50) / 5) * 10


@functools.lru_cache(maxsize=8)
def _grid(version: int) -> _Grid:
    return _Grid(version)


class _Bits:
    """A bit string as one integer: what ``QRData.write`` needs of ``qrcode``'s BitBuffer
    (``put``), without a Python call per bit."""

    def __init__(self):
        self.value = 0
        self.length = 0

    def put(self, number: int, length: int) -> None:
        self.value = (self.value << length) | (number & ((1 << length) - 1))
        self.length += length


def _segments_bits(data_list, version: int) -> _Bits:
    bits = _Bits()
    for segment in data_list:
        bits.put(segment.mode, 4)
        bits.put(len(segment), util.length_in_bits(segment.mode, version))
        segment.write(bits)
    return bits


def _version(data_list) -> int:
    """The smallest version that holds the data (``QRCode.best_fit``)."""
    version = 1
    while True:
        needed = _segments_bits(data_list, version).length
        fitting = bisect.bisect_left(util.BIT_LIMIT_TABLE[ERROR_CORRECTION], needed, version)
        if fitting == 41:
            raise qrcode.exceptions.DataOverflowError()
        if util.mode_sizes_for_version(fitting) is util.mode_sizes_for_version(version):
            return fitting
        version = fitting


@functools.lru_cache(maxsize=32)
def _remainders(count: int) -> tuple[int, ...]:
    """For each byte, the ``count`` bytes (one integer) that a leading byte of that value
    subtracts when dividing by the Reed-Solomon generator polynomial of degree ``count``."""
    if count in LUT.rsPoly_LUT:
        generator = list(LUT.rsPoly_LUT[count])
    else:
        polynomial = qrcode.base.Polynomial([1], 0)
        for i in range(count):
            polynomial = polynomial * qrcode.base.Polynomial([1, qrcode.base.gexp(i)], 0)
        generator = list(polynomial)
    logs = [LOG_TABLE[value] for value in generator[1:]]
    table = [0]
    for factor in range(1, 256):
        shift = LOG_TABLE[factor]
        table.append(int.from_bytes(bytes(EXP_TABLE[(shift + log) % 255] for log in logs), "big"))
    return tuple(table)


def _error_correction(block: list[int], count: int) -> list[int]:
    """The ``count`` error correction codewords of ``block``: the remainder of its polynomial
    (times x^count) divided by the generator, in GF(256), as a shift register."""
    table = _remainders(count)
    top = 8 * (count - 1)
    keep = (1 << top) - 1
    remainder = 0
    for codeword in block:
        remainder = ((remainder & keep) << 8) ^ table[codeword ^ (remainder >> top)]
    return list(remainder.to_bytes(count, "big"))


def _codewords(data_list, version: int) -> list[int]:
    """The data and error correction codewords, interleaved (``qrcode.util.create_data``)."""
    bits = _segments_bits(data_list, version)
    blocks = qrcode.base.rs_blocks(version, ERROR_CORRECTION)
    limit = sum(block.data_count * 8 for block in blocks)
    if bits.length > limit:
        raise qrcode.exceptions.DataOverflowError()
    bits.put(0, min(limit - bits.length, 4))  # the terminator
    if bits.length % 8:
        bits.put(0, 8 - bits.length % 8)
    data = list(bits.value.to_bytes(bits.length // 8, "big"))
    data.extend((util.PAD0, util.PAD1)[i % 2] for i in range((limit - bits.length) // 8))
    data_blocks, correction_blocks, offset = [], [], 0
    for block in blocks:
        chunk = data[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        correction_blocks.append(_error_correction(chunk, block.total_count - block.data_count))
    out = []
    for group in (data_blocks, correction_blocks):
        for i in range(max(len(block) for block in group)):
            out.extend(block[i] for block in group if i < len(block))
    return out


@functools.lru_cache(maxsize=256)
def qr_rows(data: str) -> tuple[tuple[str, ...], int]:
    """The modules of the QR code of ``data`` (medium error correction, the best mask), one
    string of "0" (light) and "1" (dark) per row, and the size; no quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=0)
    code.add_data(data)
    version = _version(code.data_list)
    codewords = _codewords(code.data_list, version)
    grid = _grid(version)
    size, area = grid.size, grid.size * grid.size
    # The data bits, "0" for the modules left over past the codewords, and a last "0" that
    # the function patterns' places read.
    stream = "".join(format(codeword, "08b") for codeword in codewords)
    stream = stream[: grid.data_modules].ljust(grid.data_modules + 1, "0")
    data_bits = int("".join(grid.gather(stream)), 2)
    best, best_points = 0, None
    for pattern in range(8):
        points = grid.penalty(grid.test_patterns | (data_bits ^ grid.masks[pattern]))
        if best_points is None or points < best_points:
            best, best_points = pattern, points
    matrix = (grid.final_patterns(best) | (data_bits ^ grid.masks[best])) & grid.rows_only
    modules = format(matrix, f"0{area}b")[::-1]
    return tuple(modules[start : start + size] for start in range(0, area, size)), size


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules of the QR code of ``data`` (medium error correction), with a 2-module quiet
    zone: what ``qrcode.QRCode(border=2).get_matrix()`` gives, made faster."""
    rows, size = qr_rows(data)
    full = size + 2 * BORDER
    matrix = [[False] * full for _ in range(BORDER)]
    for row in rows:
        matrix.append([False] * BORDER + [bit == "1" for bit in row] + [False] * BORDER)
    matrix.extend([False] * full for _ in range(BORDER))
    return matrix


_DARK_RE = re.compile(r"1+")


def dark_runs(data: str) -> tuple[list[tuple[int, int, int]], int]:
    """The horizontal runs of dark modules, ``(row, first column, length)`` counted from the
    top-left corner of the quiet zone, and the size of the whole code (with its quiet
    zone)."""
    rows, size = qr_rows(data)
    runs = []
    for y, row in enumerate(rows, start=BORDER):
        for match in _DARK_RE.finditer(row):
            runs.append((y, match.start() + BORDER, match.end() - match.start()))
    return runs, size + 2 * BORDER


# --- SVG, for the browser and for single documents -------------------------------------------


def qr_svg(data: str, css_class: str = "qr") -> str:
    """An SVG element drawing the QR code of ``data``: one path, sized by the stylesheet."""
    runs, size = dark_runs(data)
    path = "".join(f"M{x} {y}.5h{length}" for y, x, length in runs)
    return (
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}"'
        f' shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="none" stroke="#000" stroke-width="1" d="{path}"/></svg>'
    )


# --- PDF operators, for bulk badges ------------------------------------------------------------


def qr_pdf_operators(data: str, x: float, y: float, side: float) -> bytes:
    """PDF content-stream operators painting the QR code of ``data`` (quiet zone included) in
    the square of ``side`` units whose top-left corner is at ``(x, y)``, in a coordinate
    system whose y axis points down (as in WeasyPrint's page streams): a white square, then
    the dark modules as rectangles, one per horizontal run, filled black as one path (no
    seams between them). The graphics state is saved and restored around them."""
    rows, size = qr_rows(data)
    full = size + 2 * BORDER
    module = side / full
    parts = [
        f"q {module:.6f} 0 0 {module:.6f} {x:.4f} {y:.4f} cm 1 g 0 0 {full} {full} re f 0 g"
        f" 1 0 0 1 {BORDER} {BORDER} cm"
    ]
    if len(_RECTANGLES) > 250_000:  # codes of every size seen: start again
        _RECTANGLES.clear()
    for row_number, row in enumerate(rows):
        parts.extend(
            _RECTANGLES[row_number, start, end] for start, end in map(_span, _DARK_RE.finditer(row))
        )
    parts.append("f Q")
    return "\n".join(parts).encode("ascii")


_span = operator.methodcaller("span")


class _Rectangles(dict):
    """``re`` operators by (row, first column, column after the run), made once each: the
    same few thousand come back in every code of a size."""

    def __missing__(self, key):
        row, start, end = key
        value = self[key] = f"{start} {row} {end - start} 1 re"
        return value


_RECTANGLES = _Rectangles()


QR_BOX_CLASS = "qr-box"


def qr_box(data: str) -> Markup:
    """An empty box where ``paint_qr_boxes`` paints the QR code of ``data`` once WeasyPrint
    has laid the page out (its size comes from the stylesheet: a square). Jinja's escaping of
    the attribute keeps any text a text."""
    return Markup('<div class="{}" data-qr="{}"></div>').format(QR_BOX_CLASS, data)


def paint_qr_boxes(document, pdf) -> None:
    """A WeasyPrint finisher (``write_pdf(finisher=...)``): paints the QR code of every
    ``qr_box`` into its page's content stream, exactly over the box that the layout placed
    (``eventsys.pdf`` explains the page streams and where the boxes are read from)."""
    for page, page_object in zip(
        document.pages, rendering.page_objects(document, pdf), strict=True
    ):
        operators = [
            qr_pdf_operators(
                element.get("data-qr"),
                box.content_box_x(),
                box.content_box_y(),
                min(box.width, box.height),
            )
            for box, element in rendering.laid_out_elements(page, ("data-qr",))
        ]
        if operators:
            rendering.page_stream(pdf, page_object).stream.append(
                f"q {rendering.PX} 0 0 {rendering.PX} 0 0 cm\n".encode()
                + b"\n".join(operators)
                + b"\nQ"
            )
