"""Charts as inline SVG, drawn on the server: no script, no library, nothing fetched.

One kind of chart, because it reads at a glance and suits every figure the findings have:
horizontal bars on a 0-100% scale, each with its 95% Wilson interval as a whisker. A label
sits above its bar rather than beside it, so long labels wrap and the bars keep the full
width of a 360-pixel phone. A figure that is not shown (suppressed, a base too small for a
percentage, an empty group) gets no bar at all -- never a bar of zero -- and says why in
words.

The SVG scales with its viewBox (the stylesheet sets width 100%, height auto) and carries its
colours as presentation attributes, so it needs no style attribute (the Content-Security-
Policy forbids them) and still looks right when the stylesheet is missing. It is an image to
assistive technology (role="img", with a title and a description); the numbers are in the
table that follows every chart.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 340  # viewBox units; about CSS pixels on a phone
TRACK = 250  # the 0-100% scale
VALUE_X = TRACK + 8
FONT = 14
LINE = 17  # one line of label
BAR = 16
GAP = 14  # between one bar and the next label
WRAP = 42  # characters per label line at FONT in WIDTH

INK = "#1b1f23"
MUTED = "#4a5560"
BAR_FILL = "#4f8c92"  # 3.6:1 against white: a graphic needs 3:1
TRACK_FILL = "#eef1f0"
GRID = "#b9c2c9"


@dataclass(frozen=True)
class Bar:
    label: str
    percent: float | None  # None: no bar; `text` says why
    ci_low: float | None = None
    ci_high: float | None = None
    text: str = ""  # printed at the end of the bar (a percentage) or in its place
    group: str = ""  # a heading shown above the first bar of each group


def _x(percent: float) -> float:
    return round(TRACK * max(0.0, min(100.0, percent)) / 100, 1)


def _text(x: float, y: float, content: str, *, cls: str, fill: str = INK, **attrs) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x}" y="{y}" class="{cls}" fill="{fill}"{extra}>{escape(content)}</text>'


def bar_chart(bars: list[Bar], *, chart_id: str, title: str, description: str) -> SafeString:
    """An SVG bar chart of percentages with their intervals."""
    body: list[str] = []
    y = 0
    group = None
    for bar in bars:
        if bar.group and bar.group != group:
            group = bar.group
            for line in textwrap.wrap(bar.group, WRAP - 4):
                y += LINE + 2
                body.append(_text(0, y - 4, line, cls="chart-group", font_weight="700"))
            y += 2
        for line in textwrap.wrap(bar.label, WRAP) or [""]:
            y += LINE
            body.append(_text(0, y - 4, line, cls="chart-label"))
        y += 4  # room for the descenders
        body.append(
            f'<rect x="0" y="{y}" width="{TRACK}" height="{BAR}" class="chart-track" '
            f'fill="{TRACK_FILL}"/>'
        )
        middle = y + BAR / 2
        if bar.percent is None:
            body.append(
                _text(6, y + BAR - 4, bar.text, cls="chart-note", fill=MUTED, font_style="italic")
            )
        else:
            body.append(
                f'<rect x="0" y="{y}" width="{_x(bar.percent)}" height="{BAR}" class="chart-bar" '
                f'fill="{BAR_FILL}"/>'
            )
            if bar.ci_low is not None and bar.ci_high is not None:
                low, high = _x(bar.ci_low), _x(bar.ci_high)
                body.append(
                    f'<path d="M{low} {middle}H{high}M{low} {y + 3}V{y + BAR - 3}'
                    f'M{high} {y + 3}V{y + BAR - 3}" class="chart-ci" stroke="{INK}" '
                    'stroke-width="1.6" fill="none"/>'
                )
            body.append(_text(VALUE_X, y + BAR - 3, bar.text, cls="chart-value", font_weight="700"))
        y += BAR + GAP
    height = y + LINE
    grid = "".join(
        f'<line x1="{_x(p)}" y1="0" x2="{_x(p)}" y2="{y - GAP + 4}" class="chart-grid" '
        f'stroke="{GRID}" stroke-width="1"/>'
        for p in (0, 50, 100)
    )
    axis = "".join(
        _text(_x(p), height - 3, f"{p}%", cls="chart-axis", fill=MUTED, text_anchor=anchor)
        for p, anchor in ((0, "start"), (50, "middle"), (100, "end"))
    )
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" focusable="false" '
        f"font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif\" "
        f'font-size="{FONT}">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>'
        f"{grid}{''.join(body)}{axis}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every piece of text above is escaped
