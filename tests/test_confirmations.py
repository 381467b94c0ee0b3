"""Steps that cannot be undone ask first (accounts/confirmation.py, `Step.confirm`).

For each such step of every table, the page's own button (a POST without the
confirmation field: a stray click, a replayed form) shows the confirmation page, with
the GOV.UK warning text, what was typed, "Yes, ..." and "No, go back", and changes
nothing; the confirmation page's "Yes" takes the step. What would refuse the step is said
before asking; steps that can be undone act at once. The API is not asked (clients
confirm by calling)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import steps
from alliances.deliveries import delivery_record
from alliances.models import Delivery
from funding.agreements import agreement_draft, agreement_send
from funding.models import Payment, PurchaseAgreement, Tranche
from monitoring.models import MonitoringReport
from monitoring.services import report_submit
from plans.models import BusinessPlan, PlanStatus, TransitionLog
from tests.factories import fill_report, pay_tranche
from tests.funding.support import to_status

D = Decimal
S = PlanStatus
# Most tests begin with a plan in this status: built once for the module.
pytestmark = pytest.mark.prebuilt(S.ACTIVE)

# Which steps ask first: those that end a record's life (withdraw, fail screening, reject,
# cancel, complete), commit or move money (approve, pay, and the reversal of a payment,
# which is no step of the table), a party's refusal (decline, dispute) and what locks a
# record for good (accepting a monitoring report). A new step decides here.
ASKING = {
    "plans.BusinessPlan": {"withdraw", "fail_screening", "approve", "reject", "complete", "cancel"},
    "funding.Tranche": {"pay"},
    "funding.CounterpartContribution": set(),
    "funding.PurchaseAgreement": {"decline"},
    "alliances.Delivery": {"dispute"},
    "monitoring.MonitoringReport": {"accept"},
}


def test_the_steps_that_ask_first_are_these():
    asking = {
        model: {step.name for step in table.all if step.confirm is not None}
        for model, table in steps.tables().items()
    }
    assert asking == ASKING


def test_every_question_has_its_words():
    for table in steps.tables().values():
        for step in table.all:
            if step.confirm is not None:
                confirm = step.confirm
                assert str(confirm.question).endswith("?"), step.name
                assert str(confirm.warning).startswith("You cannot undo this."), step.name
                assert str(confirm.yes).startswith("Yes, "), step.name


# --- one case per step that asks --------------------------------------------------------


@dataclass
class Case:
    url: str
    user: object
    data: dict  # what the step's own form posts
    question: str
    yes: str
    back: str  # where "No, go back" leads
    shown: list[str]  # what the page repeats of what was typed (and of what it is about)
    state: object  # () -> what must not change before the "Yes"
    done: object  # () -> the state once the step is taken


def _journal(alliance):
    return TransitionLog.objects.filter(alliance=alliance).count()


def _plan_state(plan):
    def state():
        fresh = BusinessPlan.objects.get(pk=plan.pk)
        return fresh.status, _journal(plan.alliance)

    return state


def _plan_action(plan, name, user, fields, question, yes, shown):
    return Case(
        url=reverse("plan-action", args=[plan.pk, name]),
        user=user,
        data={f"{name}-{k}": v for k, v in fields.items()}
        | {"back": reverse("plan-detail", args=[plan.pk])},
        question=question,
        yes=yes,
        back=reverse("plan-detail", args=[plan.pk]),
        shown=shown,
        state=_plan_state(plan),
        done=lambda: BusinessPlan.objects.get(pk=plan.pk).status,
    )


def withdraw(w):
    plan = w.build(S.DRAFT)
    return _plan_action(
        plan,
        "withdraw",
        w.producer,
        {"comment": "We found another buyer."},
        "Withdraw this business plan?",
        "Yes, withdraw the plan",
        ["We found another buyer.", plan.alliance.code],
    )


def fail_screening(w):
    plan = w.build(S.SCREENING)
    case = _plan_action(
        plan,
        "fail_screening",
        w.officer,
        {"comment": "The region is not eligible."},
        "Reject this plan at screening?",
        "Yes, reject the plan",
        ["The region is not eligible."],
    )
    # Taken from the screening page, "No, go back" returns there.
    case.data["back"] = case.back = reverse("plan-screening", args=[plan.pk])
    return case


def cancel(w):
    plan = w.build(S.ACTIVE)
    return _plan_action(
        plan,
        "cancel",
        w.officer,
        {"comment": "The cooperative dissolved."},
        "Cancel this alliance?",
        "Yes, cancel the alliance",
        ["The cooperative dissolved."],
    )


def complete(w):
    plan = w.build(S.MONITORING)
    return _plan_action(
        plan,
        "complete",
        w.me_officer,
        {"comment": "Sales doubled; the fund goes on."},
        "Complete this alliance?",
        "Yes, complete the alliance",
        ["Closing note", "Sales doubled; the fund goes on."],
    )


def _decision(plan, w, decision, fields, question, yes, shown):
    return Case(
        url=reverse("plan-decision", args=[plan.pk]),
        user=w.committee,
        data={"decision": decision} | {f"{decision}-{k}": v for k, v in fields.items()},
        question=question,
        yes=yes,
        back=reverse("plan-decision", args=[plan.pk]),
        shown=shown,
        state=_plan_state(plan),
        done=lambda: BusinessPlan.objects.get(pk=plan.pk).status,
    )


def approve(w):
    plan = w.build(S.COMMITTEE)
    return _decision(
        plan,
        w,
        "approve",
        {"approved_grant": "13000000", "conditions": "Open an account"},
        "Approve this business plan?",
        "Yes, approve the plan",
        ["Approved grant", "XOF\u00a013,000,000", "Open an account"],
    )


def reject(w):
    plan = w.build(S.COMMITTEE)
    return _decision(
        plan,
        w,
        "reject",
        {"comment": "No market."},
        "Reject this business plan?",
        "Yes, reject the plan",
        ["No market."],
    )


def pay(w):
    plan = w.build(S.ACTIVE)
    first = to_status(w, plan.commitment.tranches.get(number=1), "authorized")

    def state():
        first.refresh_from_db()
        return first.status, Payment.objects.count(), _journal(plan.alliance)

    return Case(
        url=reverse("plan-disbursement", args=[plan.pk]),
        user=w.finance,
        data={
            "action": "pay",
            "target": first.pk,
            f"pay-{first.pk}-paid_on": timezone.localdate().isoformat(),
            f"pay-{first.pk}-amount": "4666666",
            f"pay-{first.pk}-reference": "TR-0001",
        },
        question="Record this payment?",
        yes="Yes, record the payment",
        back=reverse("plan-disbursement", args=[plan.pk]) + "#tranche-1",
        shown=["Tranche 1 · XOF\u00a04,666,666", "XOF\u00a04,666,666", "TR-0001"],
        state=state,
        done=lambda: Tranche.objects.get(pk=first.pk).status,
    )


def reverse_payment(w):
    plan = w.build(S.ACTIVE)
    first = plan.commitment.tranches.get(number=1)
    payment = pay_tranche(w, first, producer=w.producer, reference="TR-0001")

    def state():
        return Tranche.objects.get(pk=first.pk).status, Payment.objects.count()

    return Case(
        url=reverse("plan-disbursement", args=[plan.pk]),
        user=w.finance2,
        data={
            "action": "reverse",
            "target": payment.pk,
            f"reverse-{payment.pk}-reason": "Wrong account.",
        },
        question="Reverse this payment?",
        yes="Yes, reverse the payment",
        back=reverse("plan-disbursement", args=[plan.pk]) + "#tranche-1",
        shown=["Payment TR-0001 of tranche 1", "Wrong account."],
        state=state,
        done=lambda: Tranche.objects.get(pk=first.pk).status,
    )


def decline(w):
    plan = w.build(S.APPROVED)
    agreement = agreement_draft(
        alliance=plan.alliance,
        by=w.producer,
        product=w.product,
        unit="kg",
        annual_volume=D("100000"),
        unit_price=D("250"),
        duration_months=36,
    )
    agreement_send(agreement=agreement, by=w.producer)

    def state():
        fresh = PurchaseAgreement.objects.get(pk=agreement.pk)
        return fresh.status, fresh.decline_reason, _journal(plan.alliance)

    return Case(
        url=reverse("plan-agreement", args=[plan.pk]),
        user=w.buyer_user,
        data={"action": "decline", "decline-comment": "The price is too high."},
        question="Decline this purchase agreement?",
        yes="Yes, decline the agreement",
        back=reverse("plan-agreement", args=[plan.pk]),
        shown=["Reason for declining", "The price is too high."],
        state=state,
        done=lambda: PurchaseAgreement.objects.get(pk=agreement.pk).status,
    )


def dispute(w):
    plan = w.build(S.ACTIVE)
    delivery = delivery_record(
        alliance=plan.alliance,
        by=w.producer,
        delivered_on=timezone.localdate(),
        volume=D("1200"),
        unit_price=D("250"),
    )

    def state():
        fresh = Delivery.objects.get(pk=delivery.pk)
        return fresh.status, fresh.dispute_reason, _journal(plan.alliance)

    return Case(
        url=reverse("monitoring:delivery-dispute", args=[delivery.pk]),
        user=w.buyer_user,
        data={f"dispute-{delivery.pk}-comment": "We weighed 780 kg."},
        question="Dispute this delivery?",
        yes="Yes, dispute the delivery",
        back=reverse("monitoring:deliveries", args=[plan.pk]) + f"#delivery-{delivery.pk}",
        shown=["1,200 kg", "Reason for the dispute", "We weighed 780 kg."],
        state=state,
        done=lambda: Delivery.objects.get(pk=delivery.pk).status,
    )


def accept(w):
    plan = w.build(S.ACTIVE)
    report = plan.alliance.monitoring_reports.order_by("period_start").first()
    fill_report(report, by=w.producer)
    report_submit(report=report, by=w.producer)

    def state():
        fresh = MonitoringReport.objects.get(pk=report.pk)
        return fresh.status, fresh.reviewed_by_id, _journal(plan.alliance)

    return Case(
        url=reverse("monitoring:report", args=[report.pk]),
        user=w.me_officer,
        data={"action": "accept", "accept-comment": "Clear figures."},
        question="Accept this monitoring report?",
        yes="Yes, accept the report",
        back=reverse("monitoring:report", args=[report.pk]) + "#review",
        shown=["Monitoring report for", "Clear figures."],
        state=state,
        done=lambda: MonitoringReport.objects.get(pk=report.pk).status,
    )


CASES = {
    "withdraw": (withdraw, S.WITHDRAWN),
    "fail_screening": (fail_screening, S.REJECTED),
    "cancel": (cancel, S.CANCELLED),
    "complete": (complete, S.COMPLETED),
    "approve": (approve, S.APPROVED),
    "reject": (reject, S.REJECTED),
    "pay": (pay, Tranche.Status.PAID),
    "reverse": (reverse_payment, Tranche.Status.AUTHORIZED),
    "decline": (decline, PurchaseAgreement.Status.DECLINED),
    "dispute": (dispute, Delivery.Status.DISPUTED),
    "accept": (accept, MonitoringReport.Status.ACCEPTED),
}


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("name", CASES)
def test_the_step_button_asks_first_and_changes_nothing(client, world, name):
    setup, _done = CASES[name]
    case = setup(world)
    before = case.state()
    client.force_login(case.user)

    response = client.post(case.url, case.data)

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "accounts/confirm_step.html"
    page = text_of(response)
    assert f"<h1>{case.question}</h1>" in page
    assert "Warning</span> You cannot undo this." in page
    assert f">{case.yes}</button>" in page
    assert f'<a href="{case.back}">No, go back</a>' in page
    for shown in case.shown:
        assert shown in page, shown
    # The "Yes" sends back what was posted, confirmed, to the same address.
    context = response.context
    assert context["action"] == case.url
    assert sorted(context["resent"]) == sorted((k, str(v)) for k, v in case.data.items())
    assert '<input type="hidden" name="confirmed" value="yes">' in page
    assert case.state() == before

    # The same form again (a double click, a replayed POST): still only the question.
    assert client.post(case.url, case.data).status_code == 200
    assert case.state() == before


@pytest.mark.parametrize("name", CASES)
def test_yes_takes_the_step(client, world, name):
    setup, done = CASES[name]
    case = setup(world)
    client.force_login(case.user)
    confirmed = dict(client.post(case.url, case.data).context["resent"]) | {"confirmed": "yes"}

    response = client.post(case.url, confirmed)

    assert response.status_code == 302
    assert case.done() == done


def test_what_would_refuse_the_step_is_said_before_asking(client, world):
    plan = world.build(S.ACTIVE)
    url = reverse("plan-action", args=[plan.pk, "cancel"])
    client.force_login(world.officer)
    before = _plan_state(plan)()
    # No reason: the plan page says so; no question is asked.
    response = client.post(url, {"cancel-comment": " "}, follow=True)
    assert [t.name for t in response.templates][0] == "plans/plan_detail.html"
    assert "Reason: This field is required." in text_of(response)
    # Not this person's step: 403 before any question.
    client.force_login(world.producer)
    assert client.post(url, {"cancel-comment": "Because."}).status_code == 403
    # Another organization's plan: 404.
    client.force_login(world.producer_b)
    withdraw_url = reverse("plan-action", args=[plan.pk, "withdraw"])
    assert client.post(withdraw_url, {}).status_code == 404
    assert _plan_state(plan)() == before


def test_a_payment_not_of_the_tranche_amount_is_refused_before_asking(client, world):
    case = pay(world)
    before = case.state()
    client.force_login(case.user)
    data = dict(case.data)
    tranche = data["target"]
    data[f"pay-{tranche}-amount"] = "4000000"
    response = client.post(case.url, data)
    assert response.status_code == 400
    assert [t.name for t in response.templates][0] == "funding/disbursement.html"
    assert "The payment must be the tranche amount, XOF\u00a04,666,666." in text_of(response)
    assert case.state() == before


def test_a_stale_confirmation_is_refused_with_its_reason(client, world):
    case = withdraw(world)
    client.force_login(case.user)
    confirmed = case.data | {"confirmed": "yes"}
    assert client.post(case.url, confirmed).status_code == 302
    after = case.state()
    # The "Yes" of a second tab: the plan has moved on, nothing happens twice.
    response = client.post(case.url, confirmed, follow=True)
    assert "“Withdraw” is not possible for a plan at the “Withdrawn” stage." in text_of(response)
    assert case.state() == after


def test_steps_that_can_be_undone_act_at_once(client, world):
    plan = world.build(S.ACTIVE)
    client.force_login(world.officer)
    response = client.post(
        reverse("plan-action", args=[plan.pk, "suspend"]), {"suspend-comment": "Audit."}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == S.SUSPENDED


def test_no_go_back_leads_only_to_this_site(client, world):
    plan = world.build(S.DRAFT)
    client.force_login(world.producer)
    url = reverse("plan-action", args=[plan.pk, "withdraw"])
    for back in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post(url, {"withdraw-comment": "", "back": back})
        assert response.context["back"] == reverse("plan-detail", args=[plan.pk])


def test_the_plan_page_shows_withdraw_as_a_step_that_ends_the_plan(client, world):
    plan = world.build(S.SUBMITTED)
    client.force_login(world.producer)
    page = client.get(reverse("plan-detail", args=[plan.pk])).content.decode()
    assert 'class="danger" name="do" value="withdraw"' in page
    assert f'<input type="hidden" name="back" value="/plans/{plan.pk}/">' in page
