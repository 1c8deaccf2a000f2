"""Small server-rendered SVG charts for the dashboard: no JavaScript, no chart library.

Every value that reaches the markup is a number we computed or text escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(value)


def bar_chart(
    values: Sequence[float],
    *,
    labels: Sequence[datetime] | None = None,
    title: str = "",
    unit: str = "",
    width: int = 250,
    height: int = 90,
    colour: str = "#2457c5",
) -> SafeString:
    """Vertical bars, one per value, with the maximum on the axis and a tooltip per bar."""
    pad_left, pad_bottom, pad_top = 28, 14, 6
    plot_w, plot_h = width - pad_left - 2, height - pad_bottom - pad_top
    top = _nice_max(max(values, default=0))
    n = max(len(values), 1)
    bar_w = plot_w / n
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 2}" y2="{pad_top + plot_h}" stroke="#dde1ea"/>',
        f'<text x="{pad_left - 4}" y="{pad_top + 8}" font-size="9" text-anchor="end" fill="#6b7385">'
        f"{_fmt(top)}{escape(unit)}</text>",
        f'<text x="{pad_left - 4}" y="{pad_top + plot_h}" font-size="9" text-anchor="end" fill="#6b7385">0</text>',
    ]
    for i, value in enumerate(values):
        h = 0 if top == 0 else plot_h * (value / top)
        x = pad_left + i * bar_w + 0.5
        y = pad_top + plot_h - h
        label = f"{timezone.localtime(labels[i]):%H:%M}: " if labels and i < len(labels) else ""
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" fill="{colour}">'
            f"<title>{escape(label)}{_fmt(value)}{escape(unit)}</title></rect>"
        )
    if labels:
        first, last = labels[0], labels[-1]
        parts.append(
            f'<text x="{pad_left}" y="{height - 2}" font-size="9" fill="#6b7385">'
            f"{timezone.localtime(first):%H:%M}</text>"
        )
        parts.append(
            f'<text x="{width - 2}" y="{height - 2}" font-size="9" text-anchor="end" fill="#6b7385">'
            f"{timezone.localtime(last):%H:%M}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # built from numbers and escaped text only


def line_chart(
    values: Sequence[float],
    *,
    labels: Sequence[datetime] | None = None,
    title: str = "",
    unit: str = "",
    width: int = 250,
    height: int = 90,
    colour: str = "#c53030",
    ceiling: float | None = None,
) -> SafeString:
    """A polyline with dots, for rates (0..100 %)."""
    pad_left, pad_bottom, pad_top = 28, 14, 6
    plot_w, plot_h = width - pad_left - 6, height - pad_bottom - pad_top
    top = ceiling if ceiling is not None else _nice_max(max(values, default=0))
    n = len(values)
    step = plot_w / max(n - 1, 1)
    points = []
    for i, value in enumerate(values):
        x = pad_left + i * step
        y = pad_top + plot_h - (plot_h * (min(value, top) / top) if top else 0)
        points.append((x, y, value, labels[i] if labels and i < len(labels) else None))
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 2}" y2="{pad_top + plot_h}" stroke="#dde1ea"/>',
        f'<text x="{pad_left - 4}" y="{pad_top + 8}" font-size="9" text-anchor="end" fill="#6b7385">'
        f"{_fmt(top)}{escape(unit)}</text>",
        f'<text x="{pad_left - 4}" y="{pad_top + plot_h}" font-size="9" text-anchor="end" fill="#6b7385">0</text>',
    ]
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        for x, y, value, label in points:
            when = f"{timezone.localtime(label):%H:%M}: " if label else ""
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.8" fill="{colour}">'
                f"<title>{escape(when)}{_fmt(value)}{escape(unit)}</title></circle>"
            )
    if labels:
        parts.append(
            f'<text x="{pad_left}" y="{height - 2}" font-size="9" fill="#6b7385">'
            f"{timezone.localtime(labels[0]):%H:%M}</text>"
        )
        parts.append(
            f'<text x="{width - 2}" y="{height - 2}" font-size="9" text-anchor="end" fill="#6b7385">'
            f"{timezone.localtime(labels[-1]):%H:%M}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # built from numbers and escaped text only


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
