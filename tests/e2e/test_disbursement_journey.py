"""From the buyer's confirmation to the first payment, in the browser: the buyer confirms
the agreement; the producer records the members' first deposit and the officer verifies
it; the officer completes the checklist and signs; the producer requests
tranche 1 with evidence; the officer verifies; finance2 authorizes; finance pays; the
producer sees the payment in its ledger."""

from decimal import Decimal

import pytest
from django.utils import timezone

from funding.agreements import agreement_draft, agreement_send
from funding.models import CounterpartContribution, Payment, Tranche
from plans.models import PlanStatus
from tests.factories import EVIDENCE_PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = Decimal


def _click(page, scope: str, action: str) -> None:
    with page.expect_navigation():
        page.click(f"{scope} button[name=do][value={action}]")


def test_agreement_to_first_payment(world, sign_in, live_server):
    w = world
    plan = w.build(PlanStatus.APPROVED)
    agreement = agreement_draft(
        alliance=plan.alliance,
        by=w.producer,
        product=w.product,
        unit="kg",
        annual_volume=D("120000"),
        unit_price=D("235"),
        duration_months=36,
        payment_terms="30 days after delivery",
    )
    agreement_send(agreement=agreement, by=w.producer)
    base = f"{live_server.url}/plans/{plan.pk}"

    # The buyer finds the agreement in its tasks and confirms it.
    page = sign_in(w.buyer_user)
    page.click("a:has-text('Agreements to confirm')")
    page.click(f"a[href='/plans/{plan.pk}/agreement/']")
    assert "30 days after delivery" in page.inner_text("main")
    _click(page, "main", "confirm")
    assert "Confirmed by the buyer" in page.inner_text("main h2")

    # The producer records the members' first cash deposit with its slip; the officer
    # verifies it (tranche 1's condition).
    page = sign_in(w.producer)
    page.goto(f"{base}/disbursement/")
    page.select_option("#contributions select[name=record-0-kind]", "producer_cash")
    page.fill("#contributions input[name=record-0-amount]", "1000000")
    page.fill(
        "#contributions input[name=record-0-contributed_on]", timezone.localdate().isoformat()
    )
    page.fill("#contributions input[name=record-0-description]", "Members' first deposit")
    page.set_input_files(
        "#contributions input[name=record-0-file]",
        files=[{"name": "slip.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE_PDF}],
    )
    _click(page, "#contributions", "record")
    deposit = CounterpartContribution.objects.get(plan=plan)
    assert "Members' first deposit" in page.inner_text(f"#contribution-{deposit.pk}")
    page = sign_in(w.officer)
    page.goto(f"{base}/disbursement/")
    _click(page, f"#contribution-{deposit.pk}", "verify_contribution")
    assert "verified by" in page.inner_text(f"#contribution-{deposit.pk}")

    # The officer ticks the checklist, then signs.
    page.goto(f"{base}/legalization/")
    for requirement in w.program.legalization_requirements.order_by("order"):
        scope = f"#item-{requirement.pk}"
        page.fill(f"{scope} input[name=item-{requirement.pk}-note]", "Seen in the file.")
        _click(page, scope, "tick")
        assert "done by" in page.inner_text(scope)
    _click(page, "main", "sign_agreement")
    page.wait_for_selector(".plan-header .status-active")
    first = Tranche.objects.get(commitment__plan=plan, number=1)

    # The producer attaches evidence and requests tranche 1.
    page = sign_in(w.producer)
    page.goto(f"{base}/")
    page.click(".tabs a:has-text('Disbursement')")
    page.fill("#tranche-1 input[name$=-title]", "Counterpart deposit slip")
    page.set_input_files(
        "#tranche-1 input[type=file]",
        files=[{"name": "deposit.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE_PDF}],
    )
    _click(page, "#tranche-1", "evidence")
    assert "Counterpart deposit slip" in page.inner_text("#tranche-1 .evidence")
    page.fill("#tranche-1 textarea[name$=-comment]", "Deposit made on the dedicated account.")
    _click(page, "#tranche-1", "request")
    assert "Requested" in page.inner_text("#tranche-1 h2")

    # The officer verifies.
    page = sign_in(w.officer)
    page.goto(f"{base}/disbursement/")
    _click(page, "#tranche-1", "verify")
    assert "Verified" in page.inner_text("#tranche-1 h2")

    # finance2 authorizes, from the queue.
    page = sign_in(w.finance2)
    page.click("a:has-text('Tranches to authorize or pay')")
    page.click(f"a[href='/plans/{plan.pk}/disbursement/#tranche-1']")
    _click(page, "#tranche-1", "authorize")
    assert "Authorized" in page.inner_text("#tranche-1 h2")

    # finance pays.
    page = sign_in(w.finance)
    page.goto(f"{base}/disbursement/")
    page.fill("#tranche-1 input[name$=-reference]", "TRX-2024-0001")
    _click(page, "#tranche-1", "pay")
    # A payment is never edited: the page asks first, repeating what was typed.
    assert "TRX-2024-0001" in page.inner_text(".confirm-step .summary-list")
    with page.expect_navigation():
        page.click(".confirm-step button[type=submit]")
    assert "Paid" in page.inner_text("#tranche-1 h2")

    # The producer sees the payment in its ledger.
    page = sign_in(w.producer)
    page.goto(f"{base}/disbursement/")
    assert "TRX-2024-0001" in page.inner_text("#tranche-1 .payments")
    ledger = page.inner_text(".ledger")
    assert "4,666,666" in ledger and "9,333,334" in ledger
    payment = Payment.objects.get()
    first.refresh_from_db()
    assert (payment.tranche, payment.amount, payment.recorded_by) == (
        first,
        D("4666666"),
        w.finance,
    )
    assert (first.status, first.requested_by, first.verified_by, first.authorized_by) == (
        "paid",
        w.producer,
        w.officer,
        w.finance2,
    )
