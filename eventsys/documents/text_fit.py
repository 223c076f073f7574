"""Fitting a line of text into a box by its size, computed here rather than in CSS.

WeasyPrint has no "shrink to fit". A name is measured in em by the width class of each
character (a Chinese character is one em wide, Latin letters about half), and the font size
chosen so that the line fills the width: 张伟 is printed large, "Maximilian Alexander
Schwarzenberg-Hohenlohe" smaller, both on one line. Only below the smallest readable size
does a text wrap (at most ``lines`` lines; the template clips the rest).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MM_PER_PT = 25.4 / 72

# Average advance widths in em of Noto Sans CJK's proportional Latin, by kind of character.
_NARROW = {
    " ": 0.24,
    "i": 0.24,
    "l": 0.24,
    "j": 0.26,
    "t": 0.36,
    "f": 0.34,
    "r": 0.36,
    ".": 0.28,
    ",": 0.28,
    "'": 0.22,
    "-": 0.34,
    "·": 0.3,
    "m": 0.84,
    "w": 0.76,
    "M": 0.86,
    "W": 0.94,
}


def em_width(text: str) -> float:
    """The width of ``text`` in em, by each character's width class."""
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += _NARROW[char]
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            width += 1.0
        elif unicodedata.combining(char):
            continue
        elif char.isupper() or char.isdigit():
            width += 0.64
        else:
            width += 0.54
    return width


@dataclass(frozen=True)
class Fit:
    size: float  # points
    lines: int  # 1: on one line; more: wraps at the smallest size (clipped after ``lines``)

    @property
    def css_class(self) -> str:
        """A class naming the size in half points (``fs-73`` = 36.5 pt), for the stylesheet
        that ``size_rules`` writes."""
        return f"fs-{round(self.size * 2)}"


def fit_line(text: str, width_mm: float, max_pt: float, min_pt: float, lines: int = 2) -> Fit:
    """The largest size (at most ``max_pt``) at which ``text`` fits ``width_mm`` on one line;
    below ``min_pt`` it stays at ``min_pt`` and may wrap onto ``lines`` lines."""
    units = em_width(text.strip()) or 1.0
    # 4 % slack for kerning and our estimate's error.
    size = width_mm * 0.96 / (units * MM_PER_PT)
    size = min(size, max_pt)
    # Half-point steps keep the number of CSS classes small.
    size = int(size * 2) / 2
    if size >= min_pt:
        return Fit(size, 1)
    return Fit(min_pt, lines)


def size_rules(low_pt: float = 6, high_pt: float = 60) -> str:
    """CSS classes ``fs-N`` for every half point between ``low_pt`` and ``high_pt``."""
    rules = []
    for half in range(int(low_pt * 2), int(high_pt * 2) + 1):
        rules.append(f".fs-{half}{{font-size:{half / 2}pt}}")
    return "\n".join(rules)
