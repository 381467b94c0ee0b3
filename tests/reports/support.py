"""A small portfolio with known figures, and readers for the generated files."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from alliances.deliveries import delivery_confirm, delivery_record
from core import labels
from core.dates import add_months
from funding import services as money
from funding.models import Payment
from monitoring import services as monitoring
from plans.models import PlanStatus
from tests.factories import attach_evidence, fill_report

D = Decimal


@dataclass
class Portfolio:
    active: object  # org A, one tranche paid, reversed, paid again
    monitoring: object  # org B, every tranche paid
    committee: object  # org A, waiting for the committee


def build_portfolio(world) -> Portfolio:
    """Three alliances of world.program (XOF, 0.00166 USD per XOF):

    - active (Coop A, Alibori): 14,000,000 committed in tranches 4,666,666 / 4,666,666 /
      4,666,668; tranche 1 paid (PAY-A1), reversed (PAY-A1-REV), paid again (PAY-A1B);
    - monitoring (Coop B, Zou): 14,000,000 committed and paid;
    - committee (Coop A, Alibori): appraised 8/10 on both criteria, no commitment.
    """
    w = world
    active = w.build(PlanStatus.ACTIVE)
    tranche = active.commitment.tranches.get(number=1)
    attach_evidence(tranche, by=w.producer)
    money.tranche_request(tranche=tranche, by=w.producer)
    money.tranche_verify(tranche=tranche, by=w.officer)
    money.tranche_authorize(tranche=tranche, by=w.finance2)
    today = timezone.localdate()
    first = money.tranche_pay(
        tranche=tranche, by=w.finance, amount=tranche.amount, paid_on=today, reference="PAY-A1"
    )
    money.payment_reverse(payment=first, by=w.finance, reason="Wrong bank account")
    money.tranche_pay(
        tranche=tranche, by=w.finance, amount=tranche.amount, paid_on=today, reference="PAY-A1B"
    )
    monitoring = w.build(PlanStatus.MONITORING, org=w.org_b)
    committee = w.build(PlanStatus.COMMITTEE)
    assert Payment.objects.count() == 6
    return Portfolio(active=active, monitoring=monitoring, committee=committee)


def pdf_text(path) -> str:
    """The text of every page, with runs of white space (and line breaks) as one space."""
    reader = PdfReader(str(path))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def xlsx_rows(path) -> dict[str, list[tuple]]:
    workbook = load_workbook(str(path), read_only=True)
    try:
        return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in workbook}
    finally:
        workbook.close()


def csv_rows(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(io.StringIO(f.read())))


def spaced(text: str) -> str:
    """Formatted money as the PDF text has it (no-break spaces are spaces there)."""
    return " ".join(text.split())


def without_users(text: str) -> str:
    """`text` with every username (the actors of a timeline) replaced by USER."""
    import re

    from django.contrib.auth import get_user_model

    for username in get_user_model().objects.values_list("username", flat=True):
        text = re.sub(rf"\b{re.escape(username)}\b", "USER", text)
    return text


def codes_and_english_labels(text: str) -> tuple[list[str], list[str], list[str]]:
    """What a French or Spanish report must not hold: the codes of states and steps
    (core/labels.py), anything written like a code ("revision_requested"), and the
    English label of a state or step."""
    import re

    from django.utils import translation

    codes, english = set(), set()
    for machine in labels.machines():
        codes |= {*machine.states, *machine.steps}
        with translation.override("en"):
            english |= {str(t) for t in (*machine.states.values(), *machine.steps.values())}
    return (
        sorted(c for c in codes if re.search(rf"\b{re.escape(c)}\b", text)),
        re.findall(r"\b[a-z]+_[a-z_]+\b", text),
        sorted(e for e in english if re.search(rf"\b{re.escape(e)}\b", text)),
    )


def monitored_alliance(world):
    """An active alliance of Coop A whose schedule started nine months ago (four periods
    started), as the demo does it: periods 1 and 2 accepted (values 10 then 20), period 3
    submitted (30), period 4 under way; 1,000 kg delivered at 250 in period 1; baselines
    and targets set. Returns the plan and its started reports."""
    plan = world.build(PlanStatus.ACTIVE)
    today = timezone.localdate()
    monitoring.report_schedule_close(alliance=plan.alliance, on=today - datetime.timedelta(1))
    monitoring.report_schedule_create(alliance=plan.alliance, start=add_months(today, -9))
    reports = list(plan.alliance.monitoring_reports.filter(period_start__lte=today))
    assert len(reports) == 4
    delivery = delivery_record(
        alliance=plan.alliance,
        by=world.producer,
        delivered_on=reports[0].period_start + datetime.timedelta(days=10),
        volume=Decimal("1000"),
        unit_price=Decimal("250"),
    )
    delivery_confirm(delivery=delivery, by=world.buyer_user)
    monitoring.targets_save(
        alliance=plan.alliance,
        by=world.me_officer,
        baselines={"yield": "1.5", "jobs": "0"},
        targets={"yield": {1: "2", None: "2.5"}, "sales_volume": {None: "50000"}},
    )
    for report, value in zip(reports[:3], ("10", "20", "30"), strict=True):
        fill_report(report, by=world.producer, value=value)
        monitoring.report_submit(report=report, by=world.producer)
        if value != "30":
            monitoring.report_accept(report=report, by=world.me_officer)
    return plan, reports
