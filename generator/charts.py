"""Inline SVG bar charts for the home page: no JavaScript, no external files.

Colours come from Material's CSS variables (see digest.css), so the charts follow the light and
dark palettes. Each chart is `role="img"` named by its <title> and described by its <desc>,
which lists every value for readers who cannot see it.
"""

from __future__ import annotations

from html import escape

BAR = 18  # px per bar (horizontal charts) or per column gap unit
LABEL_WIDTH = 300  # px reserved for labels of horizontal bars
WIDTH = 640


def _svg(chart_id: str, title: str, rows: list[tuple[str, int]], height: int, body: str) -> str:
    desc = "; ".join(f"{label}: {value}" for label, value in rows)
    return (f'<figure class="digest-figure"><svg class="digest-chart" role="img" aria-labelledby="{chart_id}-title '
            f'{chart_id}-desc" viewBox="0 0 {WIDTH} {height}" width="100%" '
            f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{body}</svg>'
            f'<figcaption>{escape(title)}</figcaption></figure>')


def render_horizontal_bars(chart_id: str, title: str, rows: list[tuple[str, int]]) -> str:
    """One labelled bar per row, longest value spanning the width."""
    top = max((v for _, v in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 40
    parts = []
    for i, (label, value) in enumerate(rows):
        y = i * (BAR + 6)
        width = round(span * value / top, 1)
        short = label if len(label) <= 46 else label[:45] + "…"
        parts.append(
            f'<text class="digest-chart__label" x="{LABEL_WIDTH - 8}" y="{y + BAR - 5}" '
            f'text-anchor="end">{escape(short)}</text>'
            f'<rect class="digest-chart__bar" x="{LABEL_WIDTH}" y="{y}" width="{width}" '
            f'height="{BAR}"/>'
            f'<text class="digest-chart__value" x="{LABEL_WIDTH + width + 6}" '
            f'y="{y + BAR - 5}">{value}</text>')
    return _svg(chart_id, title, rows, max(len(rows), 1) * (BAR + 6), "".join(parts))


def render_columns(chart_id: str, title: str, rows: list[tuple[str, int]]) -> str:
    """One column per row (e.g. per month), labels underneath."""
    height, base = 200, 170
    top = max((v for _, v in rows), default=0) or 1
    step = (WIDTH - 20) / max(len(rows), 1)
    width = min(48.0, step * 0.7)
    parts = []
    for i, (label, value) in enumerate(rows):
        x = 10 + i * step + (step - width) / 2
        bar = round((base - 30) * value / top, 1)
        centre = round(x + width / 2, 1)
        parts.append(
            f'<rect class="digest-chart__bar" x="{round(x, 1)}" y="{round(base - bar, 1)}" '
            f'width="{round(width, 1)}" height="{bar}"/>'
            f'<text class="digest-chart__value" x="{centre}" y="{round(base - bar - 6, 1)}" '
            f'text-anchor="middle">{value}</text>'
            f'<text class="digest-chart__label" x="{centre}" y="{base + 18}" '
            f'text-anchor="middle">{escape(label)}</text>')
    return _svg(chart_id, title, rows, height, "".join(parts))
