"""Small server-side SVG charts, without dependencies or scripts.

Each builder returns a `SafeString` holding one `<figure class="chart">`: an SVG with
`role="img"`, a `<title>` and a `<desc>`, a legend, and the same figures in a visually
hidden table for screen readers. Every piece of text is escaped here, so the output is
well-formed XML (tests parse it with `xml.etree`). Colours come from classes styled in
static/css/app.css ("monitoring charts"), with presentation attributes as a fallback:
the content security policy forbids inline `style=`.

Geometry: the plot area is `PLOT_HEIGHT` high; a value v is drawn
`v * PLOT_HEIGHT / y_max` high, where `y_max` (a "nice" ceiling of the largest value)
is written on the `<svg>` as `data-y-max`. Negative values are drawn as zero.
"""

from __future__ import annotations

import datetime
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_compact_decimal
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from alliances.models import Delivery
from core.dates import add_months, month_start
from core.formats import format_number, locale_of
from funding.models import PurchaseAgreementVersion

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 640
HEIGHT = 300
MARGIN_LEFT = 72
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 48
PLOT_WIDTH = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
PLOT_HEIGHT = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
BASELINE = MARGIN_TOP + PLOT_HEIGHT
TICKS = 4
MAX_X_LABELS = 12
# Fallback fills, used when the stylesheet is missing (classes chart-s1.. override them).
PALETTE = ("#0b6e4f", "#d97706", "#2563eb", "#a40e26", "#6b21a8", "#57606a")

Number = Decimal | int | float


@dataclass(frozen=True)
class Series:
    """One named row of values, one value per category (None: no value)."""

    name: str
    values: Sequence[Number | None]


def number(value: Number | None, digits: int = 0) -> str:
    """A number in the user's locale (`1,234.5`): core/formats.py."""
    return format_number(value, digits=digits)


def compact(value: Number) -> str:
    """A short axis label in the user's locale (`75K`, `1.5M`)."""
    return format_compact_decimal(Decimal(value), fraction_digits=2, locale=locale_of())


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^n at or above `value` (1 for nothing)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude * (1 + 1e-12):
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def _f(value: Number | None) -> float:
    return max(float(value or 0), 0.0)


def _r(value: float) -> str:
    """A coordinate, rounded to hundredths, without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _y(value: Number | None, y_max: float) -> float:
    return BASELINE - _f(value) * PLOT_HEIGHT / y_max


def empty_chart(message: str) -> SafeString:
    """What stands in for a chart when there is nothing to draw."""
    return format_html('<p class="chart-empty">{}</p>', message)


def _axes(y_max: float, unit: str) -> list[str]:
    parts = ['<g class="chart-grid">']
    for i in range(TICKS + 1):
        value = y_max * i / TICKS
        y = _r(_y(value, y_max))
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y}" y2="{y}" '
            f'stroke="#d0d7de" stroke-width="1"/>'
            f'<text class="chart-tick" x="{MARGIN_LEFT - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle" font-size="11" fill="#57606a">'
            f"{escape(compact(Decimal(str(value))))}</text>"
        )
    parts.append("</g>")
    if unit:
        parts.append(
            f'<text class="chart-unit" x="4" y="{MARGIN_TOP - 4}" font-size="11" '
            f'fill="#57606a">{escape(unit)}</text>'
        )
    return parts


def _x_labels(categories: Sequence[str], centre: Callable[[int], float]) -> list[str]:
    every = max(1, math.ceil(len(categories) / MAX_X_LABELS))
    parts = ['<g class="chart-x-labels">']
    for i, label in enumerate(categories):
        if i % every:
            continue
        parts.append(
            f'<text x="{_r(centre(i))}" y="{BASELINE + 18}" text-anchor="middle" '
            f'font-size="11" fill="#57606a">{escape(label)}</text>'
        )
    parts.append("</g>")
    return parts


def _figure(
    *,
    kind: str,
    title: str,
    description: str,
    body: list[str],
    y_max: float,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[Number], str],
    category_header: str,
) -> SafeString:
    uid = f"chart-{uuid.uuid4().hex[:10]}"
    legend = "".join(
        f'<li><span class="chart-swatch chart-s{i % len(PALETTE) + 1}"></span>{escape(s.name)}</li>'
        for i, s in enumerate(series)
    )
    head = "".join(f'<th scope="col">{escape(s.name)}</th>' for s in series)
    rows = "".join(
        f'<tr><th scope="row">{escape(category)}</th>'
        + "".join(
            f"<td>{escape(fmt(s.values[i]) if s.values[i] is not None else '—')}</td>"
            for s in series
        )
        + "</tr>"
        for i, category in enumerate(categories)
    )
    svg = (
        f'<svg xmlns="{SVG_NS}" class="chart-svg chart-{kind}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{uid}-title {uid}-desc" data-y-max="{_r(y_max)}" '
        f'data-plot-height="{PLOT_HEIGHT}" data-baseline="{BASELINE}">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )
    # Every piece of text above went through `escape`.
    return mark_safe(  # noqa: S308
        f'<figure class="chart">{svg}'
        f'<ul class="chart-legend" aria-hidden="true">{legend}</ul>'
        # A table is as wide as its content whatever its CSS width: it hides in a box.
        f'<div class="visually-hidden"><table><caption>{escape(title)}</caption>'
        f'<thead><tr><th scope="col">{escape(category_header)}</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div></figure>"
    )


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    unit: str = "",
    fmt: Callable[[Number], str] = number,
    category_header: str = "",
    empty_message: str | None = None,
) -> SafeString:
    """Grouped vertical bars: one group per category, one bar per series.

    Each bar is a `<rect class="chart-bar chart-sN">` carrying `data-value`."""
    values = [_f(v) for s in series for v in s.values]
    if not categories or not series or not any(values):
        return empty_chart(empty_message or _("Nothing to show yet."))
    y_max = nice_ceiling(max(values))
    group = PLOT_WIDTH / len(categories)
    bar = group * 0.8 / len(series)

    def centre(i: int) -> float:
        return MARGIN_LEFT + group * (i + 0.5)

    body = _axes(y_max, unit)
    body.append('<g class="chart-bars">')
    for si, s in enumerate(series):
        css = si % len(PALETTE)
        for ci, category in enumerate(categories):
            value = s.values[ci]
            height = _f(value) * PLOT_HEIGHT / y_max
            x = MARGIN_LEFT + group * ci + group * 0.1 + bar * si
            label = f"{s.name}, {category}: {fmt(value) if value is not None else '—'}"
            raw = "" if value is None else str(value)
            body.append(
                f'<rect class="chart-bar chart-s{css + 1}" x="{_r(x)}" '
                f'y="{_r(BASELINE - height)}" width="{_r(bar)}" height="{_r(height)}" '
                f'fill="{PALETTE[css]}" data-value="{escape(raw)}">'
                f"<title>{escape(label)}</title></rect>"
            )
    body.append("</g>")
    body.extend(_x_labels(categories, centre))
    body.append(
        f'<line class="chart-axis" x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" '
        f'y1="{BASELINE}" y2="{BASELINE}" stroke="#1b1f23" stroke-width="1"/>'
    )
    return _figure(
        kind="bar",
        title=title,
        description=description,
        body=body,
        y_max=y_max,
        categories=categories,
        series=series,
        fmt=fmt,
        category_header=category_header,
    )


def line_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    unit: str = "",
    fmt: Callable[[Number], str] = number,
    category_header: str = "",
    empty_message: str | None = None,
) -> SafeString:
    """One line per series over evenly spaced categories (months, quarters).

    Each line is a `<polyline class="chart-line chart-sN">`; each point a `<circle>`
    carrying `data-value`. A None value breaks nothing: the point is left out."""
    values = [_f(v) for s in series for v in s.values]
    if not categories or not series or not any(values):
        return empty_chart(empty_message or _("Nothing to show yet."))
    y_max = nice_ceiling(max(values))
    step = PLOT_WIDTH / max(len(categories) - 1, 1)

    def centre(i: int) -> float:
        if len(categories) == 1:
            return MARGIN_LEFT + PLOT_WIDTH / 2
        return MARGIN_LEFT + step * i

    body = _axes(y_max, unit)
    for si, s in enumerate(series):
        css = si % len(PALETTE)
        points = [(centre(i), _y(v, y_max), v) for i, v in enumerate(s.values) if v is not None]
        body.append(f'<g class="chart-series chart-s{css + 1}">')
        body.append(
            f'<polyline class="chart-line chart-s{css + 1}" fill="none" stroke="{PALETTE[css]}" '
            f'stroke-width="2" points="{" ".join(f"{_r(x)},{_r(y)}" for x, y, _v in points)}"/>'
        )
        for (x, y, v), category in zip(
            points,
            [c for c, v in zip(categories, s.values, strict=True) if v is not None],
            strict=True,
        ):
            body.append(
                f'<circle class="chart-point chart-s{css + 1}" cx="{_r(x)}" cy="{_r(y)}" r="3" '
                f'fill="{PALETTE[css]}" data-value="{escape(str(v))}">'
                f"<title>{escape(f'{s.name}, {category}: {fmt(v)}')}</title></circle>"
            )
        body.append("</g>")
    body.extend(_x_labels(categories, centre))
    body.append(
        f'<line class="chart-axis" x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" '
        f'y1="{BASELINE}" y2="{BASELINE}" stroke="#1b1f23" stroke-width="1"/>'
    )
    return _figure(
        kind="line",
        title=title,
        description=description,
        body=body,
        y_max=y_max,
        categories=categories,
        series=series,
        fmt=fmt,
        category_header=category_header,
    )


# --- months --------------------------------------------------------------------------


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """First days of the months from `first`'s to `last`'s, both included."""
    months = []
    current = month_start(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def month_label(day: datetime.date) -> str:
    return f"{day.year}-{day.month:02d}"


# --- one alliance: delivered against agreed ------------------------------------------


@dataclass(frozen=True)
class DeliveredVsAgreed:
    """Per month since the start: cumulative confirmed volume and prorated agreed volume."""

    unit: str
    months: list[datetime.date]
    delivered: list[Decimal]
    agreed: list[Decimal] | None  # None: no agreement terms


def delivered_vs_agreed(alliance, *, today: datetime.date | None = None) -> DeliveredVsAgreed:
    """Confirmed deliveries of `alliance` added up month by month, from the agreement's
    confirmation (or the first confirmed delivery, if earlier) to the later of the last
    delivery and `today`; and the agreed volume, the current version's annual volume
    prorated per month (1/12 a month, for at most `duration_months` months)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    version = (
        PurchaseAgreementVersion.objects.filter(agreement__alliance=alliance)
        .order_by("-number")
        .first()
    )
    deliveries = list(
        Delivery.objects.filter(alliance=alliance, status=Delivery.Status.CONFIRMED)
        .order_by("delivered_on", "id")
        .values_list("delivered_on", "volume")
    )
    unit = version.unit if version else alliance.product.unit
    if not deliveries:
        return DeliveredVsAgreed(unit, [], [], None)
    starts = [deliveries[0][0]]
    if version is not None and version.confirmed_at is not None:
        starts.append(timezone.localtime(version.confirmed_at).date())
    months = months_between(min(starts), max(deliveries[-1][0], today))
    delivered: list[Decimal] = []
    total = Decimal(0)
    pending = iter(deliveries)
    upcoming = next(pending, None)
    for month in months:
        following = add_months(month, 1)
        while upcoming is not None and upcoming[0] < following:
            total += upcoming[1]
            upcoming = next(pending, None)
        delivered.append(total)
    agreed = None
    if version is not None:
        agreed = [
            version.annual_volume * min(i + 1, version.duration_months) / 12
            for i in range(len(months))
        ]
    return DeliveredVsAgreed(unit, months, delivered, agreed)


def delivered_vs_agreed_svg(alliance, *, today: datetime.date | None = None) -> SafeString:
    """A line chart of `delivered_vs_agreed`, or a short note when nothing is confirmed."""
    data = delivered_vs_agreed(alliance, today=today)
    if not data.months:
        return empty_chart(_("No confirmed deliveries yet."))
    series = [Series(_("Delivered (confirmed, cumulative)"), data.delivered)]
    if data.agreed is not None:
        series.append(Series(_("Agreed (prorated, cumulative)"), data.agreed))
    return line_chart(
        [month_label(m) for m in data.months],
        series,
        title=_("Confirmed deliveries against the agreed volume (%(unit)s)") % {"unit": data.unit},
        description=_(
            "Cumulative volume delivered and confirmed by the buyer, month by month, "
            "against the agreed annual volume spread evenly over the months."
        ),
        unit=data.unit,
        fmt=lambda v: number(v, 3),
        category_header=_("Month"),
    )
