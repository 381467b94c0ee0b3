"""One alliance that has been through a step of every kind: for the tests that read what
the pages, notifications and reports say about steps."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from alliances.deliveries import (
    delivery_confirm,
    delivery_correct,
    delivery_dispute,
    delivery_record,
)
from funding import services as money
from funding.agreements import agreement_decline, agreement_draft, agreement_send
from monitoring.services import report_accept, report_return, report_submit
from plans import services
from plans.models import PlanStatus
from tests.factories import EVIDENCE_PDF, PlanBuilder, fill_report, pay_tranche

D = Decimal


def every_step(world):
    """Organization A's plan, returned once and resubmitted (version 2), screened,
    appraised, approved; its agreement declined, amended, sent and confirmed; signed;
    tranche 1 paid, reversed and paid again; a counterpart contribution recorded and
    verified; a delivery recorded, disputed, corrected and confirmed; the first
    monitoring report submitted, returned, submitted and accepted; suspended and
    resumed. Returns the plan, active."""
    w = world
    builder = PlanBuilder(w)
    plan = w.build(PlanStatus.REVISION_REQUESTED)
    plan = services.plan_resubmit(plan=plan, by=w.producer)
    for step in ("start_screening", "screen", "pass_screening", "appraise"):
        plan = builder.step(plan, step, w.producer)
    for step in ("complete_appraisal", "approve"):
        plan = builder.step(plan, step, w.producer)
    agreement = agreement_draft(
        alliance=plan.alliance,
        by=w.producer,
        product=w.product,
        unit="kg",
        annual_volume=D("90000"),
        unit_price=D("240"),
        duration_months=24,
    )
    agreement_send(agreement=agreement, by=w.producer)
    agreement_decline(agreement=agreement, by=w.buyer_user, comment="Price too high")
    # the amendment, sent and confirmed; the first counterpart deposit (tranche 1 waits for it)
    for step in ("agree", "deposit", "sign_agreement"):
        plan = builder.step(plan, step, w.producer)

    tranche = plan.commitment.tranches.get(number=1)
    first = pay_tranche(w, tranche, producer=w.producer, reference=f"PAY-{plan.pk}-1")
    money.payment_reverse(payment=first, by=w.finance, reason="Wrong bank account")
    money.tranche_pay(
        tranche=tranche,
        by=w.finance,
        amount=tranche.amount,
        paid_on=timezone.localdate(),
        reference=f"PAY-{plan.pk}-1B",
    )

    contribution = money.contribution_record(
        plan=plan,
        by=w.producer,
        kind="producer_cash",
        amount=D("500000"),
        contributed_on=timezone.localdate(),
        description="First deposit",
        upload=SimpleUploadedFile("slip.pdf", EVIDENCE_PDF, content_type="application/pdf"),
    )
    money.contribution_verify(contribution=contribution, by=w.officer)

    today = timezone.localdate()
    delivery = delivery_record(
        alliance=plan.alliance, by=w.producer, delivered_on=today, volume=D("1200"), unit_price=240
    )
    delivery_dispute(delivery=delivery, by=w.buyer_user, comment="Short weight")
    delivery_correct(
        delivery=delivery, by=w.producer, delivered_on=today, volume=D("1100"), unit_price=240
    )
    delivery_confirm(delivery=delivery, by=w.buyer_user)

    report = plan.alliance.monitoring_reports.order_by("period_start").first()
    fill_report(report, by=w.producer)
    report_submit(report=report, by=w.producer)
    report_return(report=report, by=w.me_officer, comment="Attendance sheets missing")
    report_submit(report=report, by=w.producer)
    report_accept(report=report, by=w.me_officer)

    services.plan_suspend(plan=plan, by=w.officer, comment="Audit")
    plan = services.plan_resume(plan=plan, by=w.officer)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    return plan
