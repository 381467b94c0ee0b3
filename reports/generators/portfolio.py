"""Portfolio summary: XLSX with several sheets, and a PDF with charts.

Amounts are in each programme's currency, with a reporting-currency column at the
programme's dated rate (`Program.reporting_rate`) so that programmes in XOF and COP
add up. Alliance rows are streamed from one query (`iterator`) into a write-only
workbook, and the summaries are added up from those rows as they pass (so each total is
exactly the sum of its rows): memory grows with the number of groups, not of alliances.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    DecimalField,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from core import labels, pdf
from core.formats import format_number
from core.money import ZERO
from core.translated import translated
from funding.models import Payment, Program, signed_payment
from plans.models import PlanStatus, PlanVersion

from . import xlsx
from .base import Context, to_reporting
from .labels import stage_label

CHUNK = 2000
MONEY = DecimalField(max_digits=18, decimal_places=2)
SIGNED = signed_payment()
PALETTE = [
    colors.HexColor(c)
    for c in (
        "#1f6f8b",
        "#99a8b2",
        "#e6a157",
        "#4e9a51",
        "#c0504d",
        "#7f6084",
        "#2c7fb8",
        "#d9b44a",
        "#6b8e23",
        "#a0522d",
        "#708090",
        "#b22222",
        "#5f9ea0",
        "#8b008b",
    )
]


# --- the rows ---------------------------------------------------------------------------


def alliance_queryset(ctx: Context):
    """One row per alliance with its figures, computed by the database."""
    frozen = PlanVersion.objects.filter(plan=OuterRef("plan"), frozen_at__isnull=False).order_by(
        "-number"
    )
    paid = (
        Payment.objects.filter(tranche__commitment__plan=OuterRef("plan"))
        .order_by()
        .values("tranche__commitment")
        .annotate(total=Sum(SIGNED))
        .values("total")
    )
    return (
        ctx.alliances()
        .annotate(
            families=Subquery(frozen.values("beneficiary_families")[:1]),
            women=Subquery(frozen.values("women_members")[:1]),
            youth=Subquery(frozen.values("youth_members")[:1]),
            committed=Coalesce(
                F("plan__commitment__amount") - F("plan__commitment__released_amount"),
                Value(ZERO),
                output_field=MONEY,
            ),
            paid=Coalesce(Subquery(paid, output_field=MONEY), Value(ZERO), output_field=MONEY),
        )
        .order_by("program__code", "code")
        .values_list(
            "code",
            "name",
            "program__code",
            "region__name",
            translated("value_chain__name"),
            "producer_organization__name",
            "buyer__name",
            "plan__status",
            "families",
            "women",
            "youth",
            "program__currency",
            "plan__approved_grant",
            "committed",
            "paid",
            "program__reporting_currency",
            "program__reporting_rate",
        )
    )


ALLIANCE_COLUMNS = [
    # header (translated at run time), width
    ("Code", 16),
    ("Alliance", 34),
    ("Programme", 12),
    ("Region", 14),
    ("Value chain", 16),
    ("Producer organization", 30),
    ("Buyer", 24),
    ("Stage", 18),
    ("Beneficiary families", 11),
    ("Women", 9),
    ("Youth", 9),
    ("Currency", 9),
    ("Approved grant", 18),
    ("Committed", 18),
    ("Paid", 18),
    ("Still to disburse", 18),
    ("Reporting currency", 10),
    ("Committed (reporting currency)", 18),
    ("Paid (reporting currency)", 18),
]


def alliance_headers() -> list[str]:
    labels = {
        "Code": _("Code"),
        "Alliance": _("Alliance"),
        "Programme": _("Programme"),
        "Region": _("Region"),
        "Value chain": _("Value chain"),
        "Producer organization": _("Producer organization"),
        "Buyer": _("Buyer"),
        "Stage": _("Stage"),
        "Beneficiary families": _("Beneficiary families"),
        "Women": _("Women"),
        "Youth": _("Youth (under 35)"),
        "Currency": _("Currency"),
        "Approved grant": _("Approved grant"),
        "Committed": _("Committed"),
        "Paid": _("Paid (net of reversals)"),
        "Still to disburse": _("Still to disburse"),
        "Reporting currency": _("Reporting currency"),
        "Committed (reporting currency)": _("Committed (reporting currency)"),
        "Paid (reporting currency)": _("Paid (reporting currency)"),
    }
    return [labels[key] for key, _width in ALLIANCE_COLUMNS]


def alliance_rows(ctx: Context) -> Iterator[tuple]:
    """Each alliance as a row of ALLIANCE_COLUMNS; moves the progress bar."""
    stages = {value: stage_label(value) for value in PlanStatus.values}
    for row in alliance_queryset(ctx).iterator(chunk_size=CHUNK):
        (code, name, program, region, chain, org, buyer, status, families, women, youth) = row[:11]
        currency, approved, committed, paid, rep_currency, rate = row[11:]
        yield (
            code,
            name,
            program,
            region,
            chain,
            org,
            buyer,
            stages.get(status) or stage_label(status),
            families,
            women,
            youth,
            currency,
            approved,
            committed,
            paid,
            committed - paid,
            rep_currency,
            to_reporting(committed, rate, rep_currency),
            to_reporting(paid, rate, rep_currency),
        )
        ctx.progress.row()


# --- the summaries ----------------------------------------------------------------------

# Row positions (see alliance_rows) of what the summaries group by and add up.
PROGRAM, REGION, CHAIN, STAGE, CURRENCY, APPROVED, COMMITTED, PAID = 2, 3, 4, 7, 11, 12, 13, 14
REPORTING, COMMITTED_REP, PAID_REP = 16, 17, 18
GROUPINGS = (REGION, CHAIN, STAGE)


def _grouping_titles() -> dict[int, tuple[str, str]]:
    return {
        REGION: (_("By region"), _("Region")),
        CHAIN: (_("By value chain"), _("Value chain")),
        STAGE: (_("By stage"), _("Stage")),
    }


def stage_order() -> dict[str, int]:
    """{stage label: position}: "No plan" first, then the plan's states in the order of
    the workflow (the label registry's order), not alphabetically."""
    states = [code for code, _label in labels.state_choices("plans.BusinessPlan")]
    return {stage_label(code): index for index, code in enumerate([None, *states])}


@dataclass
class Totals:
    alliances: int = 0
    with_commitment: int = 0
    committed: Decimal = ZERO
    paid: Decimal = ZERO

    def add(self, committed: Decimal, paid: Decimal, with_commitment: bool) -> None:
        self.alliances += 1
        self.with_commitment += with_commitment
        self.committed += committed
        self.paid += paid


@dataclass
class PortfolioTotals:
    """Totals added up from the alliance rows as they stream by, so that every summary is
    exactly the sum of the rows: per programme in its currency and in its reporting
    currency, and per group (region, value chain, stage) and reporting currency."""

    programs: dict[str, Totals] = field(default_factory=lambda: defaultdict(Totals))
    programs_reporting: dict[str, Totals] = field(default_factory=lambda: defaultdict(Totals))
    groups: dict[int, dict[tuple, Totals]] = field(
        default_factory=lambda: {g: defaultdict(Totals) for g in GROUPINGS}
    )

    def add(self, row: tuple) -> None:
        with_commitment = row[APPROVED] is not None
        code = row[PROGRAM]
        self.programs[code].add(row[COMMITTED], row[PAID], with_commitment)
        committed, paid = row[COMMITTED_REP], row[PAID_REP]
        self.programs_reporting[code].add(committed, paid, with_commitment)
        for group in GROUPINGS:
            self.groups[group][(row[group] or "—", row[REPORTING])].add(
                committed, paid, with_commitment
            )

    def by_reporting_currency(self) -> dict[str, Totals]:
        totals: dict[str, Totals] = defaultdict(Totals)
        for (_label, rep), t in self.groups[STAGE].items():
            total = totals[rep]
            total.alliances += t.alliances
            total.with_commitment += t.with_commitment
            total.committed += t.committed
            total.paid += t.paid
        return dict(sorted(totals.items()))

    def sorted_groups(self, group: int) -> list[tuple[tuple, Totals]]:
        """Regions and value chains by name; stages in the order of the workflow."""
        if group == STAGE:
            order = stage_order()
            return sorted(
                self.groups[group].items(),
                key=lambda item: (order.get(item[0][0], len(order)), item[0]),
            )
        return sorted(self.groups[group].items(), key=lambda item: item[0])

    def program_rows(self) -> list[Program]:
        """The programmes seen, with their budget (one query)."""
        return list(
            Program.objects.filter(code__in=self.programs)
            .annotate(budget=Coalesce(Sum("fundings__amount"), Value(ZERO), output_field=MONEY))
            .order_by("code")
        )


# --- XLSX -------------------------------------------------------------------------------


def generate_xlsx(ctx: Context, path) -> None:
    totals = PortfolioTotals()
    wb = xlsx.workbook()
    ws = xlsx.sheet(wb, _("Alliances"), alliance_headers(), [w for _h, w in ALLIANCE_COLUMNS])
    ctx.progress.phase(0, 95, ctx.alliances().count())
    for row in alliance_rows(ctx):
        totals.add(row)
        currency, rep = row[CURRENCY], row[REPORTING]
        ws.append(
            [
                *row[:8],
                *(xlsx.number(ws, count) for count in row[8:11]),
                currency,
                xlsx.money(ws, row[12], currency),
                xlsx.money(ws, row[13], currency),
                xlsx.money(ws, row[14], currency),
                xlsx.money(ws, row[15], currency),
                rep,
                xlsx.money(ws, row[17], rep),
                xlsx.money(ws, row[18], rep),
            ]
        )
    ctx.progress.phase(95, 99, 1)
    _program_sheet(wb, totals)
    titles = _grouping_titles()
    for group in GROUPINGS:
        sheet_title, column = titles[group]
        ws = xlsx.sheet(
            wb,
            sheet_title,
            [
                column,
                _("Reporting currency"),
                _("Alliances"),
                _("With a grant commitment"),
                _("Committed (reporting currency)"),
                _("Paid (reporting currency)"),
                _("Still to disburse (reporting currency)"),
            ],
            [30, 12, 12, 14, 18, 18, 18],
        )
        for (label, rep), t in totals.sorted_groups(group):
            ws.append(
                [
                    label,
                    rep,
                    xlsx.number(ws, t.alliances),
                    xlsx.number(ws, t.with_commitment),
                    xlsx.money(ws, t.committed, rep),
                    xlsx.money(ws, t.paid, rep),
                    xlsx.money(ws, t.committed - t.paid, rep),
                ]
            )
    xlsx.save(wb, path)
    ctx.progress.row()


def _program_sheet(wb, totals: PortfolioTotals) -> None:
    ws = xlsx.sheet(
        wb,
        _("By programme"),
        [
            _("Programme"),
            _("Name"),
            _("Currency"),
            _("Budget"),
            _("Alliances"),
            _("With a grant commitment"),
            _("Committed"),
            _("Paid (net of reversals)"),
            _("Still to disburse"),
            _("Reporting currency"),
            _("Exchange rate"),
            _("Rate date"),
            _("Committed (reporting currency)"),
            _("Paid (reporting currency)"),
        ],
        [12, 36, 9, 18, 11, 13, 18, 18, 18, 10, 14, 12, 18, 18],
    )
    for program in totals.program_rows():
        t, r = totals.programs[program.code], totals.programs_reporting[program.code]
        cur, rep = program.currency, program.reporting_currency
        ws.append(
            [
                program.code,
                program.name,
                cur,
                xlsx.money(ws, program.budget, cur),
                xlsx.number(ws, t.alliances),
                xlsx.number(ws, t.with_commitment),
                xlsx.money(ws, t.committed, cur),
                xlsx.money(ws, t.paid, cur),
                xlsx.money(ws, t.committed - t.paid, cur),
                rep,
                xlsx.number(ws, program.reporting_rate, max_digits=8),
                xlsx.date(ws, program.reporting_rate_date),
                xlsx.money(ws, r.committed, rep),
                xlsx.money(ws, r.paid, rep),
            ]
        )


# --- PDF --------------------------------------------------------------------------------


def generate_pdf(ctx: Context, path) -> None:
    mm = pdf.mm
    title = _("Portfolio summary")
    if "program" in ctx.parameters:
        program = Program.objects.get(pk=ctx.parameters["program"])
        title = _("Portfolio summary: %(programme)s") % {"programme": program.code}
    totals = PortfolioTotals()
    ctx.progress.phase(0, 90, ctx.alliances().count())
    for row in alliance_rows(ctx):
        totals.add(row)
    ctx.progress.phase(90, 99, 1)
    money = ctx.money

    story = [pdf.para(title, pdf.H1), pdf.para(pdf.generated_line(), pdf.SMALL)]
    if not totals.programs:
        story.append(pdf.para(_("There is no alliance in this portfolio.")))
    for rep, t in totals.by_reporting_currency().items():
        story.append(
            pdf.para(
                ngettext(
                    "%(alliances)s alliance, %(committed)s committed to %(with)s of them, "
                    "%(paid)s paid (%(currency)s at each programme's rate).",
                    "%(alliances)s alliances, %(committed)s committed to %(with)s of them, "
                    "%(paid)s paid (%(currency)s at each programme's rate).",
                    t.alliances,
                )
                % {
                    "alliances": format_number(t.alliances),
                    "with": format_number(t.with_commitment),
                    "committed": money(t.committed, rep),
                    "paid": money(t.paid, rep),
                    "currency": rep,
                },
                pdf.H3,
            )
        )
    programs = totals.program_rows()
    rows = []
    for program in programs:
        t, cur = totals.programs[program.code], program.currency
        rows.append(
            [
                f"{program.code} · {program.name}",
                money(program.budget, cur),
                format_number(t.alliances),
                money(t.committed, cur),
                money(t.paid, cur),
                money(t.committed - t.paid, cur),
            ]
        )
    header = [
        _("Programme"),
        _("Budget"),
        _("Alliances"),
        _("Committed"),
        _("Paid (net of reversals)"),
        _("Still to disburse"),
    ]
    widths = [62 * mm, 42 * mm, 18 * mm, 42 * mm, 42 * mm, 42 * mm]
    story += pdf.section(
        _("By programme"), pdf.table(header, rows, widths=widths, numeric={1, 2, 3, 4, 5})
    )
    if programs:
        story.append(pdf.gap(4))
        story.append(_bar_chart(programs, totals))

    titles = _grouping_titles()
    for group in GROUPINGS:
        heading, column = titles[group]
        items = totals.sorted_groups(group)
        table = pdf.table(
            [
                column,
                _("Alliances"),
                _("With a grant commitment"),
                _("Committed"),
                _("Paid (net of reversals)"),
            ],
            [
                [
                    label,
                    format_number(t.alliances),
                    format_number(t.with_commitment),
                    money(t.committed, rep),
                    money(t.paid, rep),
                ]
                for (label, rep), t in items
            ],
            widths=[70 * mm, 25 * mm, 35 * mm, 50 * mm, 50 * mm],
            numeric={1, 2, 3, 4},
        )
        story += pdf.section(heading, table)
        if group == STAGE and items:
            story.append(pdf.gap(4))
            story.append(_stage_chart(items))

    doc = pdf.document(path, title=title, wide=True)
    decorate = pdf.footer(f"{title} · {pdf.generated_line()}")
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    ctx.progress.row()


def _bar_chart(programs: list[Program], totals: PortfolioTotals) -> Drawing:
    """Committed and paid per programme, in the reporting currency."""
    committed = [float(totals.programs_reporting[p.code].committed) for p in programs]
    paid = [float(totals.programs_reporting[p.code].paid) for p in programs]
    currencies = sorted({p.reporting_currency for p in programs})
    drawing = Drawing(700, 230)
    drawing.add(
        String(
            0,
            215,
            pdf.clean(
                _("Committed and paid by programme (%(currency)s)")
                % {"currency": ", ".join(currencies)}
            ),
            fontName="Helvetica-Bold",
            fontSize=10,
        )
    )
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 60, 30, 480, 170
    chart.data = [committed, paid]
    chart.categoryAxis.categoryNames = [p.code for p in programs]
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda v: pdf.clean(format_number(v, digits=0))
    chart.bars[0].fillColor = PALETTE[0]
    chart.bars[1].fillColor = PALETTE[2]
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 560, 180
    legend.fontSize = 8
    legend.colorNamePairs = [
        (PALETTE[0], pdf.clean(_("Committed"))),
        (PALETTE[2], pdf.clean(_("Paid (net of reversals)"))),
    ]
    drawing.add(legend)
    return drawing


def _stage_chart(items) -> Drawing:
    """Alliances by stage: one labelled bar per stage, top to bottom in workflow order,
    its count written at its end (no legend to match colours against)."""
    counts: dict[str, int] = defaultdict(int)
    for (label, _rep), t in items:
        counts[label] += t.alliances
    stages = [label for label, n in counts.items() if n]  # `items` are in workflow order
    bar = 16  # points per stage
    height = bar * len(stages)
    drawing = Drawing(700, height + 40)
    drawing.add(
        String(
            0,
            height + 25,
            pdf.clean(_("Alliances by stage")),
            fontName="Helvetica-Bold",
            fontSize=10,
        )
    )
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 150, 10, 420, height
    # The category axis draws its first category at the bottom: reversed, the first
    # stage of the workflow is at the top.
    chart.data = [[counts[label] for label in reversed(stages)]]
    chart.categoryAxis.categoryNames = [pdf.clean(label) for label in reversed(stages)]
    chart.categoryAxis.labels.fontSize = 9
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -6
    chart.valueAxis.valueMin = 0
    chart.valueAxis.visible = False
    chart.bars[0].fillColor = PALETTE[0]
    chart.barLabelFormat = lambda v: pdf.clean(format_number(v))
    chart.barLabels.fontSize = 9
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 4
    drawing.add(chart)
    return drawing
