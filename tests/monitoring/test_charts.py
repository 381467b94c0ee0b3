"""The server-side SVG charts: well-formed, accessible, and drawn to scale."""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from alliances.models import Delivery
from core.dates import add_months
from monitoring import charts
from monitoring.charts import Series, bar_chart, delivered_vs_agreed, delivered_vs_agreed_svg
from plans.models import PlanStatus

SVG = "{http://www.w3.org/2000/svg}"


def parse(html) -> ET.Element:
    return ET.fromstring(str(html))  # noqa: S314 - our own output


def svg_of(figure: ET.Element) -> ET.Element:
    return figure.find(f"{SVG}svg")


def drawn_height(svg: ET.Element, value: D) -> float:
    return round(
        float(value) * float(svg.get("data-plot-height")) / float(svg.get("data-y-max")), 2
    )


def test_bar_heights_are_proportional_to_the_values():
    figure = parse(
        bar_chart(
            ["North", "South"],
            [Series("Committed", [D("400"), D("150")]), Series("Paid", [D("100"), D("0")])],
            title="Committed and paid",
        )
    )
    svg = svg_of(figure)
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Committed and paid"
    assert svg.get("data-y-max") == "500"
    bars = svg.findall(f".//{SVG}rect[@class]")
    bars = [b for b in bars if "chart-bar" in b.get("class")]
    assert [b.get("data-value") for b in bars] == ["400", "150", "100", "0"]
    baseline = float(svg.get("data-baseline"))
    for bar, value in zip(bars, [D("400"), D("150"), D("100"), D("0")], strict=True):
        assert float(bar.get("height")) == drawn_height(svg, value)
        # Bars stand on the baseline.
        assert round(float(bar.get("y")) + float(bar.get("height")), 2) == baseline
    # The tallest bar: 400 of 500 on a 236-high plot.
    assert float(bars[0].get("height")) == 188.8


def test_text_is_escaped_and_a_data_table_repeats_the_figures():
    html = bar_chart(
        ["<script>alert(1)</script>"],
        [Series('A & "B"', [D("12")])],
        title="Sales <b>",
        category_header="Region",
    )
    assert "<script>" not in html
    figure = parse(html)
    hidden = figure.find("div")
    assert hidden.get("class") == "visually-hidden"
    table = hidden.find("table")
    assert table.find("caption").text == "Sales <b>"
    assert [th.text for th in table.find("thead/tr")] == ["Region", 'A & "B"']
    row = table.find("tbody/tr")
    assert row.find("th").text == "<script>alert(1)</script>"
    assert row.find("td").text == "12"


def test_nothing_to_draw_gives_a_short_note():
    assert bar_chart([], [], title="x", empty_message="No data.") == (
        '<p class="chart-empty">No data.</p>'
    )
    html = bar_chart(["A"], [Series("s", [D("0")])], title="x")
    assert html.startswith('<p class="chart-empty">')


def test_line_points_follow_the_values():
    figure = parse(
        charts.line_chart(
            ["Q1", "Q2", "Q3"], [Series("Paid", [D("10"), D("35"), D("80")])], title="Paid"
        )
    )
    svg = svg_of(figure)
    assert svg.get("data-y-max") == "100"
    points = svg.findall(f".//{SVG}circle")
    baseline = float(svg.get("data-baseline"))
    assert [p.get("data-value") for p in points] == ["10", "35", "80"]
    for point, value in zip(points, [D("10"), D("35"), D("80")], strict=True):
        assert round(baseline - float(point.get("cy")), 2) == drawn_height(svg, value)
    xs = [float(p.get("cx")) for p in points]
    assert xs == sorted(xs) and xs[0] == charts.MARGIN_LEFT
    assert xs[-1] == charts.WIDTH - charts.MARGIN_RIGHT


def test_nice_ceiling():
    assert [charts.nice_ceiling(v) for v in (0, 0.7, 1, 3, 4.2, 7, 180, 2400)] == [
        1.0,
        1.0,
        1,
        5,
        5,
        10,
        200,
        2500,
    ]


def test_months_between_crosses_years():
    months = charts.months_between(datetime.date(2025, 11, 20), datetime.date(2026, 2, 1))
    assert [charts.month_label(m) for m in months] == ["2025-11", "2025-12", "2026-01", "2026-02"]


# --- one alliance: delivered against agreed ---------------------------------------------


@pytest.fixture
def active_alliance(world):
    """An active alliance whose buyer confirmed 100,000 kg a year for 36 months."""
    return world.build(PlanStatus.ACTIVE).alliance


def deliver(alliance, day, volume, status=Delivery.Status.CONFIRMED):
    return Delivery.objects.create(
        alliance=alliance,
        delivered_on=day,
        volume=D(volume),
        unit_price=D("250"),
        status=status,
        recorded_by=get_user_model().objects.get(username="producer"),
    )


def test_no_confirmed_delivery_gives_a_note(active_alliance):
    deliver(active_alliance, datetime.date.today(), "500", Delivery.Status.DISPUTED)
    assert delivered_vs_agreed_svg(active_alliance) == (
        '<p class="chart-empty">No confirmed deliveries yet.</p>'
    )


def test_delivered_is_cumulative_and_agreed_prorated(active_alliance):
    version = active_alliance.purchase_agreement.current_version
    signed = timezone.localtime(version.confirmed_at).date()
    first = charts.month_start(signed)
    second = add_months(first, 1)
    fourth = add_months(first, 3)
    deliver(active_alliance, first, "1000")
    deliver(active_alliance, second, "2500.5")
    deliver(active_alliance, second + datetime.timedelta(days=3), "499.5")
    deliver(active_alliance, second, "9999", Delivery.Status.DISPUTED)
    deliver(active_alliance, second, "7777", Delivery.Status.RECORDED)
    deliver(active_alliance, fourth, "4000")

    data = delivered_vs_agreed(active_alliance, today=fourth)
    assert data.unit == "kg"
    assert data.months == [first, second, add_months(first, 2), fourth]
    assert data.delivered == [D("1000"), D("4000"), D("4000"), D("8000")]
    assert data.agreed == [D("100000") * n / 12 for n in (1, 2, 3, 4)]

    svg = svg_of(parse(delivered_vs_agreed_svg(active_alliance, today=fourth)))
    assert svg.get("role") == "img"
    lines = svg.findall(f".//{SVG}g[@class]")
    delivered_points = [
        c.get("data-value") for c in lines[1].findall(f"{SVG}circle")
    ]  # first series after the grid
    assert [D(v) for v in delivered_points] == [D("1000"), D("4000"), D("4000"), D("8000")]
    baseline = float(svg.get("data-baseline"))
    cys = [float(c.get("cy")) for c in lines[1].findall(f"{SVG}circle")]
    assert [round(baseline - cy, 2) for cy in cys] == [
        drawn_height(svg, v) for v in (D("1000"), D("4000"), D("4000"), D("8000"))
    ]
    agreed_points = lines[2].findall(f"{SVG}circle")
    assert len(agreed_points) == 4
    assert round(baseline - float(agreed_points[3].get("cy")), 2) == drawn_height(
        svg, D("100000") * 4 / 12
    )
