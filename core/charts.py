"""Charts drawn on the server as inline SVG: no JavaScript, no library.

Each function takes plain data (labels and numbers) and returns safe SVG
markup: every label is escaped, the colours and sizes are presentation
attributes (the admin's CSP may refuse style attributes one day; attributes
it never refuses), and the ``<svg>`` is an image named by its ``<title>`` and
``<desc>`` (``role="img"``, ``aria-labelledby``). The numbers themselves are
given to every reader in a table beside it (``includes/chart.html``), and as
CSV: the drawing adds nothing the table lacks.

A ``Chart`` holds what the three share: a title, the columns and rows of
its data, and the SVG drawn from them.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.html import format_html
from django.utils.safestring import mark_safe

WIDTH = 640
ROW = 28  # height of a horizontal bar's row
LABEL_WIDTH = 220  # room left for the labels of horizontal bars
COLUMNS_HEIGHT = 200  # height of the plot of vertical bars
GREY = "#666666"  # axes and secondary marks: 5.7:1 on white
DEFAULT_COLOUR = "#000091"


@dataclass
class Chart:
    """One chart: its title, its data (``headers`` and ``rows``) and its drawing."""

    key: str
    title: str
    headers: list
    rows: list
    svg: str = ""
    description: str = ""
    csv_url: str = ""
    notes: list = field(default_factory=list)


def drawn(key, title, description, headers, rows, *, colour, draw=None, values=None):
    """A ``Chart`` of ``rows``, drawn by ``draw`` (bars by default) with the id
    ``chart-<key>``; ``values``: the (label, number) pairs drawn, when the table
    has more columns than those two."""
    draw = draw or bar_chart
    return Chart(
        key=key,
        title=title,
        description=description,
        headers=headers,
        rows=rows,
        svg=draw(
            f"chart-{key}",
            title,
            description,
            rows if values is None else values,
            colour=colour,
        ),
    )


def _svg(chart_id, title, description, width, height, body):
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="amorce-chart" role="img" '
        'aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" '
        'font-family="sans-serif" font-size="13" fill="currentColor">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "{body}</svg>",
        id=chart_id,
        w=width,
        h=height,
        title=title,
        desc=description,
        body=body,
    )


def _rows(chart_id, title, description, parts):
    """A chart of horizontal rows, one ``ROW`` high each, from their markup."""
    return _svg(
        chart_id,
        title,
        description,
        WIDTH,
        max(len(parts), 1) * ROW,
        mark_safe("".join(parts)),  # noqa: S308 - built by format_html
    )


def _number(value):
    """A number as French readers write it: « 3,5 », « 12 »."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value}".replace(".", ",")
    return str(int(value))


def _at(coordinate):
    """A coordinate to a tenth of a unit."""
    return f"{coordinate:.1f}"


def _clip(label, length=28):
    label = str(label)
    return label if len(label) <= length else label[: length - 1] + "…"


def bar_chart(chart_id, title, description, items, *, colour=DEFAULT_COLOUR):
    """Horizontal bars, one per (label, value), the value written at the end."""
    items = list(items)
    top = max([value for _label, value in items] + [1])
    plot = WIDTH - LABEL_WIDTH - 60
    parts = []
    for index, (label, value) in enumerate(items):
        y = index * ROW
        length = round(plot * value / top) if value else 0
        parts.append(
            format_html(
                '<g class="amorce-bar"><text x="{lx}" y="{ty}" text-anchor="end">'
                "{label}</text>"
                '<rect x="{x}" y="{y}" width="{len}" height="{h}" fill="{fill}">'
                "<title>{full} : {value}</title></rect>"
                '<text x="{vx}" y="{ty}" class="amorce-value">{value}</text></g>',
                lx=LABEL_WIDTH - 8,
                ty=y + ROW / 2 + 4,
                label=_clip(label),
                full=label,
                x=LABEL_WIDTH,
                y=y + 4,
                len=length,
                h=ROW - 8,
                fill=colour,
                vx=LABEL_WIDTH + length + 6,
                value=_number(value),
            )
        )
    return _rows(chart_id, title, description, parts)


def funnel_chart(chart_id, title, description, steps, *, colour=DEFAULT_COLOUR):
    """The steps of a funnel, centred bars that narrow, each with its share of the first."""
    steps = list(steps)
    first = steps[0][1] if steps and steps[0][1] else 0
    plot = WIDTH - LABEL_WIDTH - 20
    centre = LABEL_WIDTH + plot / 2
    parts = []
    for index, (label, value) in enumerate(steps):
        y = index * ROW
        length = round(plot * value / first) if first else 0
        share = f" ({round(100 * value / first)} %)" if first else ""
        parts.append(
            format_html(
                '<g class="amorce-bar"><text x="{lx}" y="{ty}" text-anchor="end">'
                "{label}</text>"
                '<rect x="{x}" y="{y}" width="{len}" height="{h}" fill="{fill}">'
                "<title>{full} : {value}{share}</title></rect>"
                '<text x="{cx}" y="{ty}" text-anchor="middle" class="amorce-value" '
                'fill="{ink}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                "{value}{share}</text></g>",
                lx=LABEL_WIDTH - 8,
                ty=y + ROW / 2 + 4,
                label=_clip(label),
                full=label,
                x=centre - length / 2,
                y=y + 4,
                len=length,
                h=ROW - 8,
                fill=colour,
                cx=centre,
                ink="#161616",
                value=_number(value),
                share=share,
            )
        )
    return _rows(chart_id, title, description, parts)


def column_chart(
    chart_id, title, description, items, *, colour=DEFAULT_COLOUR, marks=()
):
    """Vertical bars, one per (label, value): a histogram, or counts day by day.

    ``marks``: (index, label) of vertical lines drawn before that bar (the
    opening, the closing). Labels are written under at most a dozen bars.
    """
    items = list(items)
    top = max([value for _label, value in items] + [1])
    left, bottom = 40, 40
    count = max(len(items), 1)
    step = (WIDTH - left - 10) / count
    every = max(1, -(-count // 12))  # a label every ``every`` bars
    parts = [
        format_html(
            '<line x1="{x}" y1="0" x2="{x}" y2="{y}" stroke="{grey}"/>'
            '<line x1="{x}" y1="{y}" x2="{w}" y2="{y}" stroke="{grey}"/>'
            '<text x="{tx}" y="12" text-anchor="end" fill="{grey}">{top}</text>'
            '<text x="{tx}" y="{y}" text-anchor="end" fill="{grey}">0</text>',
            x=left,
            y=COLUMNS_HEIGHT,
            w=WIDTH - 10,
            tx=left - 4,
            top=_number(top),
            grey=GREY,
        )
    ]
    for index, (label, value) in enumerate(items):
        height = round(COLUMNS_HEIGHT * value / top) if value else 0
        x = left + index * step
        parts.append(
            format_html(
                '<rect class="amorce-column" x="{x}" y="{y}" width="{w}" '
                'height="{h}" fill="{fill}"><title>{label} : {value}</title></rect>',
                x=_at(x + step * 0.1),
                y=COLUMNS_HEIGHT - height,
                w=_at(step * 0.8),
                h=height,
                fill=colour,
                label=label,
                value=_number(value),
            )
        )
        if index % every == 0:
            parts.append(
                format_html(
                    '<text x="{x}" y="{y}" text-anchor="middle">{label}</text>',
                    x=_at(x + step / 2),
                    y=COLUMNS_HEIGHT + 16,
                    label=_clip(label, 10),
                )
            )
    for index, label in marks:
        x = left + index * step
        parts.append(
            format_html(
                '<g class="amorce-mark"><line x1="{x}" y1="0" x2="{x}" '
                'y2="{y}" stroke="#ce0500" stroke-width="2" stroke-dasharray="6 4"/>'
                '<text x="{tx}" y="{ty}" text-anchor="{anchor}" fill="#ce0500">'
                "{label}</text></g>",
                x=_at(x),
                y=COLUMNS_HEIGHT,
                tx=_at(x + 4 if x < WIDTH / 2 else x - 4),
                anchor="start" if x < WIDTH / 2 else "end",
                ty=COLUMNS_HEIGHT + 34,
                label=label,
            )
        )
    return _svg(
        chart_id,
        title,
        description,
        WIDTH,
        COLUMNS_HEIGHT + bottom,
        mark_safe("".join(parts)),  # noqa: S308 - built by format_html
    )


def day_label(day):
    """« 02/11 »: a day on the axis of a chart by day."""
    return day.strftime("%d/%m")


def days_between(first, last):
    """Every day from ``first`` to ``last`` included."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
