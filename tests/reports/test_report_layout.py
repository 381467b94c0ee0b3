"""Reports that look like a product (issue 18), checked as a reader opening the files
would: every XLSX table has a filter, a header that stays in view, numbers, amounts,
shares and dates as such, and columns wide enough for what they hold; the ledger keeps
its totals out of the filterable entries; the portfolio PDF lists stages in the order of
the workflow with a chart whose labels can be read; the committee dossier never leaves a
heading alone at the foot of a page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pypdf import PdfReader

from plans.models import BusinessPlan, PlanStatus, PlanVersion
from reports.generators import dossier
from reports.generators.base import Context, Progress
from reports.models import ReportKind
from reports.services import report_request

from .support import build_portfolio
from .test_indicators_xlsx import monitored  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]

SPREADSHEETS = [
    ReportKind.PORTFOLIO_XLSX,
    ReportKind.DISBURSEMENT_LEDGER_XLSX,
    ReportKind.INDICATORS_XLSX,
]
# Summary tables of a few rows, without a filter.
UNFILTERED = {"Totals"}
DATE_FORMAT = "mm-dd-yy"  # Excel's built-in short date of the reader's locale
MONEY = {
    "Approved grant", "Budget", "Committed", "Paid", "Paid (net of reversals)",
    "Paid (signed)", "Still to disburse", "Tranche amount",
}  # fmt: skip


def generate(world, kind, capture, parameters=None, by=None):
    with capture(execute=True):
        job = report_request(
            kind=kind, parameters=parameters or {}, by=by or world.officer, language="en"
        )
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return job.file.path


def shown_width(cell) -> int:
    """How many characters the spreadsheet needs to show a cell as its format says."""
    value = cell.value
    if value is None:
        return 0
    if isinstance(value, datetime.datetime | datetime.date):
        return len("12/31/2026")
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if cell.number_format.endswith("%"):
            return len(f"{float(value) * 100:.1f}%")
        decimals = cell.number_format.partition(".")[2].count("0")
        return len(f"{float(value):,.{decimals}f}")
    return len(str(value))


@pytest.fixture
def spreadsheets(world, monitored, django_capture_on_commit_callbacks):  # noqa: F811
    build_portfolio(world)
    return {
        kind: load_workbook(generate(world, kind, django_capture_on_commit_callbacks))
        for kind in SPREADSHEETS
    }


def test_every_table_has_a_filter_a_frozen_header_and_columns_that_fit(spreadsheets):
    for kind, workbook in spreadsheets.items():
        for ws in workbook.worksheets:
            where = f"{kind}, sheet {ws.title}"
            assert ws.max_row > 1, where
            assert ws.freeze_panes == "A2", where
            last = get_column_letter(ws.max_column)
            expected = None if ws.title in UNFILTERED else f"A1:{last}{ws.max_row}"
            assert ws.auto_filter.ref == expected, where
            header = [cell.value for cell in ws[1]]
            assert all(cell.font.bold for cell in ws[1]), where
            for index, title in enumerate(header, start=1):
                letter = get_column_letter(index)
                width = ws.column_dimensions[letter].width
                # The header wraps between words: its longest word and the filter button
                # fit; the header row is tall enough for the lines it takes.
                assert width >= max(len(word) for word in title.split()) + 2, (where, title)
                lines = -(-len(title) // int(width - 3))
                height = ws.row_dimensions[1].height or 15
                assert height >= 15 * min(lines, 2), (where, title, width, height)
                for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                    assert shown_width(cell) <= width, (where, title, cell.value, width)


def test_numbers_amounts_shares_and_dates_carry_their_formats(spreadsheets):
    seen = set()
    for workbook in spreadsheets.values():
        for ws in workbook.worksheets:
            header = [cell.value for cell in ws[1]]
            for row in ws.iter_rows(min_row=2):
                for title, cell in zip(header, row, strict=True):
                    if cell.value is None or isinstance(cell.value, str):
                        continue
                    if isinstance(cell.value, datetime.datetime):
                        assert cell.number_format == DATE_FORMAT, (ws.title, title)
                        seen.add("date")
                    elif title == "Share disbursed":
                        assert cell.number_format == "0.0%", (ws.title, title)
                        seen.add("share")
                    elif title in MONEY or title.endswith("(reporting currency)"):
                        # In the currency's minor unit: XOF has none, USD two.
                        values = dict(zip(header, (c.value for c in row), strict=True))
                        currency = values.get("Currency")
                        if title.endswith("(reporting currency)"):
                            currency = values.get("Reporting currency", currency)
                        expected = {"XOF": "#,##0", "USD": "#,##0.00"}[currency]
                        assert cell.number_format == expected, (ws.title, title)
                        seen.add(f"amount in {currency}")
                    else:
                        assert cell.number_format.startswith("#,##0") or title in (
                            "Tranche",
                            "Period",
                        ), (ws.title, title, cell.number_format)
    assert seen == {"date", "share", "amount in XOF", "amount in USD"}


def test_the_ledger_keeps_totals_apart_from_the_entries(spreadsheets):
    workbook = spreadsheets[ReportKind.DISBURSEMENT_LEDGER_XLSX]
    assert workbook.sheetnames == ["Disbursement ledger", "By alliance", "Totals"]
    entries = list(workbook["Disbursement ledger"].iter_rows(min_row=2, values_only=True))
    kinds = {row[5] for row in entries}
    assert kinds == {"Commitment", "Tranche scheduled", "Payment", "Reversal"}
    # Every entry belongs to an alliance: a filter on a code keeps all of its rows.
    assert all(row[0] for row in entries)
    by_alliance = list(workbook["By alliance"].iter_rows(min_row=2, values_only=True))
    totals = list(workbook["Totals"].iter_rows(min_row=2, values_only=True))
    # The entries add up to the alliances' rows, which add up to the total.
    paid = sum(row[11] or 0 for row in entries)
    assert paid == sum(row[6] for row in by_alliance) == totals[0][4] == 18_666_666
    committed = sum(row[9] or 0 for row in entries)
    assert committed == sum(row[4] for row in by_alliance) == totals[0][2]
    assert [row[:2] for row in totals] == [("Total", "XOF"), ("Total (reporting currency)", "USD")]
    assert totals[0][6] == pytest.approx(paid / committed, abs=0.0001)


def _texts(path):
    """Per page: (text, x, y, font, size) of each piece of text drawn."""
    pages = []
    for page in PdfReader(str(path)).pages:
        found = []

        def visit(text, cm, tm, font, size, found=found):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                scale = (tm[3] ** 2 + tm[2] ** 2) ** 0.5 * (cm[3] ** 2 + cm[2] ** 2) ** 0.5
                name = (font or {}).get("/BaseFont", "")
                found.append((text.strip(), x, y, name, size * scale))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def test_the_portfolio_pdf_lists_stages_in_workflow_order_with_a_legible_chart(
    world, django_capture_on_commit_callbacks
):
    build_portfolio(world)
    world.build(PlanStatus.DRAFT)
    world.build(PlanStatus.APPROVED, org=world.org_b)
    path = generate(world, ReportKind.PORTFOLIO_PDF, django_capture_on_commit_callbacks)
    workflow = ["Draft", "Committee decision", "Approved", "Active", "Monitoring"]
    texts = [t for page in _texts(path) for t in page]
    words = [t[0] for t in texts]
    # The table "By stage": its rows in the order of the workflow.
    table = words.index("By stage")
    rows = [w for w in words[table:] if w in workflow]
    assert rows[: len(workflow)] == workflow
    # The chart: one label per stage, top to bottom in that order, each at least 8 points
    # and apart from the others, with its count beside its bar.
    chart = words.index("Alliances by stage")
    labels = [t for t in texts[chart:] if t[0] in workflow]
    assert (
        sorted(labels, key=lambda t: -t[2])
        and [t[0] for t in sorted(labels, key=lambda t: -t[2])] == workflow
    )
    assert all(t[4] >= 8 for t in labels)
    ys = sorted(t[2] for t in labels)
    assert all(b - a >= 9 for a, b in zip(ys, ys[1:], strict=False))
    counts = [t for t in texts[chart:] if t[0] == "1"]
    assert len(counts) == len(workflow)
    for label in labels:  # each count on its stage's line, right of the label
        assert any(abs(c[2] - label[2]) < 3 and c[1] > label[1] for c in counts), label[0]


def _dossier(world, plan, path):
    ctx = Context(
        job=None,
        user=world.committee,
        progress=Progress(lambda percent: None),
        language="en",
        parameters={"plan": plan.pk},
    )
    dossier.generate(ctx, path)


def test_the_committee_dossier_never_leaves_a_heading_at_the_foot_of_a_page(world, tmp_path):
    """Summaries of 0 to 40 lines move every heading after them down the pages: whatever
    the length, the last thing on a page is never a heading (bold, 10 points or more)."""
    plan = world.build(PlanStatus.COMMITTEE)
    version = BusinessPlan.objects.get(pk=plan.pk).current_version
    stranded = []
    for lines in range(0, 41, 2):
        summary = "\n".join(f"Line {n} of the summary." for n in range(lines))
        PlanVersion.objects.filter(pk=version.pk).update(summary=summary)
        path = tmp_path / f"dossier-{lines}.pdf"
        _dossier(world, plan, path)
        pages = _texts(path)
        assert len(pages) >= 2
        for number, page in enumerate(pages[:-1], start=1):
            body = [t for t in page if t[2] > 45]  # above the footer
            last = min(body, key=lambda t: t[2])
            if "Bold" in last[3] and last[4] >= 10:
                stranded.append((lines, number, last[0]))
    assert stranded == []
