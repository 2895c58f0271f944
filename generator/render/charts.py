"""Inline SVG bar charts for the home page: no JavaScript, no external files.

The charts are fluid, not scaled: an SVG without a viewBox, as wide as the text column, whose
user unit is the CSS pixel. Bar lengths are percentages of the chart's width and everything
else (text, bar heights, label column) is in pixels, so the text keeps its size (digest.css:
14 px) at a phone's width and a desktop's alike; a viewBox scaled to a 390 px screen shrank
12 px text to 6 px. Horizontal bars only: a column per month cannot hold a "Sep 2025" label at
a phone's width.

Colours come from Material's CSS variables (see digest.css), so the charts follow the light and
dark palettes. Each chart is `role="img"` named by its <title> and described by its <desc>,
which lists every value for readers who cannot see it.
"""

from __future__ import annotations

from html import escape

BAR = 14  # px: the height of a bar
GAP = 10  # px between rows
LINE = 18  # px: a line of text (14 px text)
MAX_BAR = 62  # % of the chart's width the longest bar takes: room for its value at 320 px
LABEL_CHARS = 42  # a theme title longer than this is cut (the <desc> has it whole)


def _svg(chart_id: str, title: str, rows: list[tuple[str, int]], height: int, body: str) -> str:
    desc = "; ".join(f"{label}: {value}" for label, value in rows)
    return (f'<figure class="digest-figure"><svg class="digest-chart" role="img" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" width="100%" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{body}</svg>'
            f'<figcaption>{escape(title)}</figcaption></figure>')


def _percent(value: int, top: int) -> str:
    return f"{round(MAX_BAR * value / top, 2)}%"


def render_horizontal_bars(chart_id: str, title: str, rows: list[tuple[str, int]],
                           label_width: int | None = None) -> str:
    """One bar per row, the longest value spanning MAX_BAR % of the width.

    With `label_width` (px), each label sits left of its bar in a column that wide (short
    labels: months); without, above its bar (long labels: theme titles).
    """
    top = max((v for _, v in rows), default=0) or 1
    row = BAR + GAP + (0 if label_width else LINE)
    start = (label_width + 8) if label_width else 0  # px where bars start
    parts = []
    for i, (label, value) in enumerate(rows):
        y = i * row
        bar_y = y if label_width else y + LINE
        short = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"
        width = _percent(value, top)
        text_y = bar_y + BAR - 2  # the baseline of text level with a bar
        label_at = f'x="{label_width}" y="{text_y}" text-anchor="end"' if label_width else (
            f'x="0" y="{y + LINE - 5}"')
        parts.append(
            f'<text class="digest-chart__label" {label_at}>{escape(short)}</text>'
            f'<rect class="digest-chart__bar" x="{start}" y="{bar_y}" width="{width}" '
            f'height="{BAR}"/>'
            # x: the bar's end as a percentage; dx: the bars' offset in px, plus a gap
            f'<text class="digest-chart__value" x="{width}" dx="{start + 6}" '
            f'y="{text_y}">{value}</text>')
    return _svg(chart_id, title, rows, max(len(rows), 1) * row - GAP, "".join(parts))
