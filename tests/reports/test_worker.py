"""A real Celery worker on the real Redis generates every kind of report; the files open
and hold the figures of the portfolio; the requester gets an e-mail with the link."""

from decimal import Decimal

import pytest

from core.log_context import log_context
from reports.generators import KINDS
from reports.models import ReportJob, ReportKind
from reports.services import report_request

from .conftest import finished, wait_for
from .support import build_portfolio, csv_rows, pdf_text, xlsx_rows

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


def xof(amount: int) -> str:
    """An amount in XOF as the English PDF text reads: `XOF 14,000,000`, `-XOF 1`."""
    sign = "-" if amount < 0 else ""
    return f"{sign}XOF {abs(amount):,}"


def request_in(request_id: str, **asked):
    with log_context(request_id=request_id):
        return report_request(**asked)


def test_a_worker_generates_every_kind_with_the_expected_figures(world, celery_worker):
    p = build_portfolio(world)
    celery_worker.start()
    officer = world.officer
    jobs = {
        # Asked for while serving a request: the worker's lines carry the request's id.
        ReportKind.ALLIANCE_FACTSHEET_PDF: request_in(
            "factsheet-request-7",
            kind=ReportKind.ALLIANCE_FACTSHEET_PDF,
            parameters={"alliance": p.active.alliance_id},
            by=world.producer,
            language="en",
        ),
        ReportKind.COMMITTEE_DOSSIER_PDF: report_request(
            kind=ReportKind.COMMITTEE_DOSSIER_PDF,
            parameters={"plan": p.committee.pk},
            by=world.committee,
            language="en",
        ),
        **{
            kind: report_request(kind=kind, parameters={}, by=officer, language="en")
            for kind in (
                ReportKind.PORTFOLIO_XLSX,
                ReportKind.PORTFOLIO_PDF,
                ReportKind.DISBURSEMENT_LEDGER_XLSX,
                ReportKind.DISBURSEMENT_LEDGER_CSV,
            )
        },
    }
    wait_for(
        lambda: finished(*jobs.values()), timeout=90, what="the reports", workers=celery_worker
    )
    factsheet = jobs[ReportKind.ALLIANCE_FACTSHEET_PDF]
    lines = [
        line for line in celery_worker.workers[0].output().splitlines() if "request_id=" in line
    ]
    assert any(
        f"report job {factsheet.pk}: succeeded" in line
        and "request_id=factsheet-request-7" in line
        and "job_id=" in line
        for line in lines
    ), lines
    for kind, job in jobs.items():
        assert (job.status, job.progress, job.error, job.attempts) == ("succeeded", 100, "", 1), (
            kind
        )
        assert job.file.name.endswith(f"-j{job.pk}-{job.run_token[:8]}.{KINDS[kind].extension}")
    paths = {kind: job.file.path for kind, job in jobs.items()}
    code_active = p.active.alliance.code
    code_monitoring = p.monitoring.alliance.code
    code_committee = p.committee.alliance.code

    # Fact sheet of the active alliance, for its producer.
    text = pdf_text(paths[ReportKind.ALLIANCE_FACTSHEET_PDF])
    for expected in (
        f"Alliance fact sheet: {code_active}",
        "Name Coop A",
        "Members 30 Women 15 Youth (under 35) 10",
        "Name Buyer One Kind Processor",
        "Stage Active",
        f"Approved grant {xof(14_000_000)}",
        "Status Confirmed by the buyer",
        f"Total investment {xof(20_000_000)}",
        f"Grant {xof(14_000_000)} (70%)",
        f"Committed {xof(14_000_000)}",
        f"Paid (net of reversals) {xof(4_666_666)}",
        f"Still to disburse {xof(9_333_334)}",
        f"{xof(4_666_666)} Paid {xof(4_666_666)}",
        f"{xof(4_666_668)} Planned {xof(0)}",
        f"Payment PAY-A1 {xof(4_666_666)}",
        f"Reversal PAY-A1-REV -{xof(4_666_666)}",
        f"Payment PAY-A1B {xof(4_666_666)}",
        "Submit Draft – Submitted producer",
        "Sign the agreement Approved – Active officer",
    ):
        assert expected in text, expected

    # Committee dossier of the plan at the committee.
    text = pdf_text(paths[ReportKind.COMMITTEE_DOSSIER_PDF])
    for expected in (
        f"Committee dossier: {code_committee}, version 1",
        "Maize shelling and storage",
        f"Equipment and machinery Maize sheller 1 {xof(20_000_000)} {xof(20_000_000)} "
        f"{xof(14_000_000)} {xof(3_000_000)} {xof(1_000_000)} {xof(2_000_000)}",
        f"0 {xof(0)} {xof(5_000_000)} {xof(4_000_000)} {xof(2_000_000)} -{xof(27_000_000)}",
        "The plan meets every money rule of the programme.",
        "The organization is legally registered. Passed officer",
        "Criterion Weight appraiser appraiser2",
        "Market 2 8 / 10 Good 8 / 10 Good",
        "Weighted score (0-100) 80 80",
        "Plan score: 80 (threshold 60; 2 of 2 appraisals complete).",
    ):
        assert expected in text, expected

    # Portfolio workbook of the national officer: every alliance, four summary sheets.
    sheets = xlsx_rows(paths[ReportKind.PORTFOLIO_XLSX])
    assert list(sheets) == ["Alliances", "By programme", "By region", "By value chain", "By stage"]
    alliances = {row[0]: row for row in sheets["Alliances"][1:]}
    assert set(alliances) == {code_active, code_monitoring, code_committee}
    program = world.program.code
    chain = world.product.value_chain.name
    assert alliances[code_active][2:8] == (
        program,
        "Alibori",
        chain,
        "Coop A",
        "Buyer One",
        "Active",
    )
    assert alliances[code_active][11:] == (
        "XOF",
        14_000_000,
        14_000_000,
        4_666_666,
        9_333_334,
        "USD",
        23_240,
        7_746.67,
    )
    assert alliances[code_monitoring][7:] == (
        "Monitoring",
        30,
        15,
        10,
        "XOF",
        14_000_000,
        14_000_000,
        14_000_000,
        0,
        "USD",
        23_240,
        23_240,
    )
    assert alliances[code_committee][7:] == (
        "Committee decision",
        30,
        15,
        10,
        "XOF",
        None,
        0,
        0,
        0,
        "USD",
        0,
        0,
    )
    by_programme = sheets["By programme"][1]
    assert by_programme[:11] == (
        program,
        world.program.name,
        "XOF",
        100_000_000,
        3,
        2,
        28_000_000,
        18_666_666,
        9_333_334,
        "USD",
        0.00166,
    )
    assert by_programme[11].date() == world.program.reporting_rate_date
    assert by_programme[12:] == (46_480, 30_986.67)
    assert sheets["By region"][1:] == [
        ("Alibori", "USD", 2, 1, 23_240, 7_746.67, 15_493.33),
        ("Zou", "USD", 1, 1, 23_240, 23_240, 0),
    ]
    assert sheets["By stage"][1:] == [  # in the order of the workflow
        ("Committee decision", "USD", 1, 0, 0, 0, 0),
        ("Active", "USD", 1, 1, 23_240, 7_746.67, 15_493.33),
        ("Monitoring", "USD", 1, 1, 23_240, 23_240, 0),
    ]

    # Portfolio PDF: headline, tables and charts.
    text = pdf_text(paths[ReportKind.PORTFOLIO_PDF])
    for expected in (
        "3 alliances, USD 46,480.00 committed to 2 of them, USD 30,986.67 paid",
        f"{program} · {world.program.name} {xof(100_000_000)} 3 {xof(28_000_000)} "
        f"{xof(18_666_666)} {xof(9_333_334)}",
        "Committed and paid by programme (USD)",
        "Alibori 2 1 USD 23,240.00 USD 7,746.67",
        "Zou 1 1 USD 23,240.00 USD 23,240.00",
        "Committee decision 1 0 USD 0.00 USD 0.00 Active 1 1 USD 23,240.00",
        # One bar per stage, its count at its end (drawn from the bottom up).
        "Alliances by stage 1 1 1 Monitoring Active Committee decision",
    ):
        assert expected in text, expected

    # Disbursement ledger, CSV and XLSX: the same rows, signed amounts in the currency's
    # minor unit (none for XOF), totals.
    rows = csv_rows(paths[ReportKind.DISBURSEMENT_LEDGER_CSV])
    assert rows[0][:13] == [
        "Alliance code",
        "Alliance",
        "Programme",
        "Currency",
        "Date",
        "Entry",
        "Tranche",
        "Reference",
        "Status or reason",
        "Committed",
        "Tranche amount",
        "Paid (signed)",
        "Still to disburse",
    ]
    active_rows = [r[5:13] for r in rows if r[0] == code_active]
    assert [r[:1] + r[4:] for r in active_rows] == [
        ["Commitment", "14000000", "", "", ""],
        ["Tranche scheduled", "", "4666666", "", ""],
        ["Payment", "", "", "4666666", ""],
        ["Reversal", "", "", "-4666666", ""],
        ["Payment", "", "", "4666666", ""],
        ["Tranche scheduled", "", "4666666", "", ""],
        ["Tranche scheduled", "", "4666668", "", ""],
        ["Alliance total", "14000000", "14000000", "4666666", "9333334"],
    ]
    assert [r[2] for r in active_rows[2:5]] == ["PAY-A1", "PAY-A1-REV", "PAY-A1B"]
    assert active_rows[3][3] == "Wrong bank account"
    assert rows[-2][3:] == [
        "XOF",
        "",
        "Total",
        "",
        "",
        "",
        "28000000",
        "28000000",
        "18666666",
        "9333334",
        "",
        "",
        "",
    ]
    assert rows[-1][5:] == [
        "Total (reporting currency)",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "USD",
        "46480.00",
        "30986.67",
    ]
    # The XLSX keeps the totals apart: the entries on one sheet, one row per alliance on
    # another, the totals per currency on a third.
    ledger = xlsx_rows(paths[ReportKind.DISBURSEMENT_LEDGER_XLSX])
    sheet = ledger["Disbursement ledger"]
    assert len(sheet) == len(rows) - 2 - 2  # less two alliance totals and two totals
    assert [r[5] for r in sheet if r[0] == code_active] == [r[0] for r in active_rows][:-1]
    assert ledger["By alliance"][1][:8] == (
        code_active, p.active.alliance.name, program, "XOF",
        14_000_000, 14_000_000, 4_666_666, 9_333_334,
    )  # fmt: skip
    assert ledger["Totals"][1][:6] == (
        "Total",
        "XOF",
        28_000_000,
        28_000_000,
        18_666_666,
        9_333_334,
    )

    # Each requester was e-mailed a link to the report.
    # (The worker also ran the transition notifications queued while the portfolio was built.)
    # A job is marked ready before its e-mail is written: wait for the six e-mails. Django's
    # file backend names a file by the second and the backend object's id, which Python
    # reuses: two e-mails sent within a second may share a file, one after the other.
    def report_mails():
        texts = [m.read_text() for m in celery_worker.mail.iterdir()]
        messages = [part for text in texts for part in text.split("-" * 79)]
        found = [m for m in messages if "http://testserver/reports/" in m]
        return found if len(found) >= 6 else None

    # The notifications queued before them run first: give a loaded machine time.
    mails = wait_for(report_mails, timeout=90, what="the six report e-mails", workers=celery_worker)
    assert len(mails) == 6
    for job in jobs.values():
        assert sum(f"http://testserver/reports/{job.pk}/" in m for m in mails) == 1
    assert sum("is ready." in m for m in mails) == 6
    assert ReportJob.objects.filter(notified_at__isnull=True).count() == 0
