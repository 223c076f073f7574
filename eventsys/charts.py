"""Charts as inline SVG, for the summary report's sections (any domain may add one): vector in
the PDF, and allowed by the pages' Content-Security-Policy (no scripts, no style attributes).
Labels are escaped; the font is the CJK one WeasyPrint has."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

CHART_FONT = "Noto Sans CJK SC, sans-serif"
PALETTE = ("#1f5fa8", "#d9822b", "#2e8b57", "#b03a48", "#6a4c93", "#3c8dad", "#8a6d3b")


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label="{Markup.escape(label)}"'
        f' font-family="{CHART_FONT}" font-size="11">' + "".join(body) + "</svg>"
    )


def bar_chart(rows: list[tuple[str, Any]], label: str, width: int = 520, fmt=str) -> Markup:
    """Horizontal bars, one per (label, value), the value (an int or an exact Decimal)
    written beside its bar as ``fmt(value)``."""
    if not rows:
        return Markup("")
    label_width, bar_height, gap = 150, 16, 6
    height = len(rows) * (bar_height + gap) + gap
    largest = max(value for _label, value in rows) or 1
    room = width - label_width - 50
    body = []
    for index, (name, value) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        length = round(float(room * value / largest), 1)
        short = name if len(name) <= 14 else name[:13] + "…"
        body.append(
            f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end">'
            f"{Markup.escape(short)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}"'
            f' fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text x="{label_width + length + 4}" y="{y + 12}">'
            f"{Markup.escape(fmt(value))}</text>"
        )
    return _svg(width, height, body, label)


def column_chart(rows: list[tuple[str, int]], label: str, width: int = 520) -> Markup:
    """Columns over time (arrivals per hour): every label under its column when they fit,
    else every n-th."""
    if not rows:
        return Markup("")
    height, bottom, top, left = 190, 34, 14, 30
    largest = max(value for _label, value in rows) or 1
    step = (width - left - 6) / len(rows)
    every = max(1, round(len(rows) / 12))
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}"'
        ' stroke="#999" stroke-width="0.5"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{largest}</text>',
    ]
    for index, (name, value) in enumerate(rows):
        bar = (height - bottom - top) * value / largest
        x = left + index * step
        body.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{height - bottom - bar:.1f}"'
            f' width="{step * 0.8:.1f}" height="{bar:.1f}" fill="{PALETTE[0]}"/>'
        )
        if index % every == 0:
            body.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom + 13}" text-anchor="middle"'
                f' font-size="9">{Markup.escape(name)}</text>'
            )
    return _svg(width, height, body, label)
