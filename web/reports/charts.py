"""SVG charts drawn on the server: no JavaScript, the same markup in the page and the PDF.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` that say in words
what it shows, and every bar and line carries its value as text, so a screen reader and a
printed page lose nothing. Colours are presentation attributes (no `style`), which the
portal's Content-Security-Policy allows and WeasyPrint draws.

A count that statistics suppressed (None) is drawn as no bar, labelled with the mark
"..", never as a number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from markupsafe import Markup

from projections.statistics import SUPPRESSED_MARK

# Colour-blind-safe (Okabe–Ito), dark enough against white for the text drawn beside them.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7A7A7A")
INK, GRID, TARGET = "#1b1b1b", "#c8c8c8", "#b00020"
FONT = "DejaVu Sans, Arial, sans-serif"


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    value: int | None  # None: suppressed


@dataclass(frozen=True)
class Bar:
    label: str
    segments: tuple[Segment, ...]


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, body: list[str]
         ) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" '
            f'font-size="11">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every text is escaped


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 11,
          fill: str = INK, weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>')


def stacked_bars(chart_id: str, title: str, desc: str, bars: Sequence[Bar],
                 legend: Sequence[tuple[str, str]], *, width: int = 640,
                 label_width: int = 190) -> Markup:
    """Horizontal bars, one per row, each split into segments (e.g. employment statuses),
    lengths relative to the longest row; `legend` names each segment key in order."""
    colours = {key: PALETTE[i % len(PALETTE)] for i, (key, _) in enumerate(legend)}
    row, top = 26, 8
    legend_rows = (len(legend) + 2) // 3
    height = top + row * max(len(bars), 1) + 14 + 18 * legend_rows
    widest = max((sum(s.value or 0 for s in bar.segments) for bar in bars), default=0) or 1
    plot = width - label_width - 60
    body: list[str] = []
    for i, bar in enumerate(bars):
        y = top + i * row
        body.append(_text(label_width - 6, y + 15, bar.label, anchor="end"))
        x = float(label_width)
        hidden = False
        for segment in bar.segments:
            if segment.value is None:
                hidden = True
                continue
            if segment.value == 0:
                continue
            w = plot * segment.value / widest
            body.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" '
                        f'fill="{colours[segment.key]}"><title>{escape(segment.label)}: '
                        f'{segment.value}</title></rect>')
            if w >= 18:
                body.append(_text(x + w / 2, y + 15, str(segment.value), anchor="middle",
                                  fill="#ffffff", size=10))
            x += w
        total = sum(s.value or 0 for s in bar.segments)
        note = f"{total}" + (f" ({SUPPRESSED_MARK})" if hidden else "")
        if hidden and total == 0:
            note = SUPPRESSED_MARK
        body.append(_text(x + 4, y + 15, note))
    y = top + row * max(len(bars), 1) + 14
    for i, (key, label) in enumerate(legend):
        lx, ly = (i % 3) * (width / 3), y + (i // 3) * 18
        body.append(f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" '
                    f'fill="{colours[key]}"/>')
        body.append(_text(lx + 14, ly, label, size=10))
    return _svg(chart_id, title, desc, width, height, body)


def months_over_time(chart_id: str, title: str, desc: str,
                     points: Sequence[tuple[date, Decimal]], required: Decimal, *,
                     delivered_label: str, required_label: str, width: int = 640,
                     height: int = 240) -> Markup:
    """A line of delivered full-time months by day against the required number (a dashed
    line), with the last value and the requirement written beside them."""
    left, right, top, bottom = 48, 150, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = float(max([required, *(v for _, v in points)]) or 1)
    step = _nice_step(peak / 4)
    ceiling = step * (int(peak / step) + 1)
    body: list[str] = []

    def y_of(value: Decimal | float) -> float:
        return top + plot_h - plot_h * float(value) / ceiling

    for tick in range(round(ceiling / step) + 1):
        value = step * tick
        y = y_of(value)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                    f'stroke="{GRID}" stroke-width="0.5"/>')
        body.append(_text(left - 4, y + 4, f"{value:.0f}", anchor="end", size=9))
    if points:
        first, last = points[0][0], points[-1][0]
        span = max((last - first).days, 1)

        def x_of(day: date) -> float:
            return left + plot_w * (day - first).days / span

        line = " ".join(f"{x_of(d):.1f},{y_of(v):.1f}" for d, v in points)
        body.append(f'<polyline points="{line}" fill="none" stroke="{PALETTE[0]}" '
                    f'stroke-width="2"/>')
        end_x, end_y = x_of(last), y_of(points[-1][1])
        body.append(f'<circle cx="{end_x:.1f}" cy="{end_y:.1f}" r="3" fill="{PALETTE[0]}"/>')
        body.append(_text(end_x + 6, end_y + 4, f"{delivered_label}: {points[-1][1]}",
                          fill=PALETTE[0], size=10))
        body.append(_text(left, height - 8, first.isoformat(), size=9))
        body.append(_text(left + plot_w, height - 8, last.isoformat(), anchor="end", size=9))
    ry = y_of(required)
    body.append(f'<line x1="{left}" y1="{ry:.1f}" x2="{left + plot_w}" y2="{ry:.1f}" '
                f'stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="6 4"/>')
    body.append(_text(left + plot_w + 6, ry + 4, f"{required_label}: {required}",
                      fill=TARGET, size=10))
    return _svg(chart_id, title, desc, width, height, body)


def _nice_step(raw: float) -> float:
    """A round step for an axis (1, 2 or 5 times a power of ten) of at least `raw`."""
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def share_bars(chart_id: str, title: str, desc: str,
               shares: Sequence[tuple[str, Decimal | None]], *, width: int = 640) -> Markup:
    """One bar per share (0 to 1) with its percentage; a suppressed share shows "..\"."""
    row, label_width = 26, 190
    plot = width - label_width - 60
    height = 8 + row * max(len(shares), 1) + 8
    body: list[str] = []
    for i, (label, share) in enumerate(shares):
        y = 8 + i * row
        body.append(_text(label_width - 6, y + 15, label, anchor="end"))
        body.append(f'<rect x="{label_width}" y="{y + 3}" width="{plot}" height="{row - 8}" '
                    f'fill="none" stroke="{GRID}"/>')
        if share is None:
            body.append(_text(label_width + 4, y + 15, SUPPRESSED_MARK))
            continue
        w = plot * float(share)
        body.append(f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" '
                    f'height="{row - 8}" fill="{PALETTE[2]}"/>')
        body.append(_text(label_width + plot + 4, y + 15, f"{share * 100:.0f} %"))
    return _svg(chart_id, title, desc, width, height, body)
