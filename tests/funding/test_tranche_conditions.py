"""A tranche is requested only when its conditions hold (funding/services.py,
`register_next_tranche_condition`): the previous tranche paid and every monitoring report
due since the previous tranche was requested accepted, those that fell due while it was
being verified, authorized and paid included. Until then the page shows the request
button disabled with the reason, and a request posted anyway is refused with that
reason, changing nothing."""

from __future__ import annotations

import datetime
import html

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from funding import services as money
from funding.models import Tranche
from monitoring.models import MonitoringReport
from plans.models import PlanStatus
from tests.factories import attach_evidence
from tests.plans.support import refused

from .support import act, days_ago, page, snapshot, to_status, tranches

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)


def _report(alliance, due_on, status="due"):
    return MonitoringReport.objects.create(
        alliance=alliance,
        period_start=due_on - datetime.timedelta(days=60),
        period_end=due_on - datetime.timedelta(days=30),
        due_on=due_on,
        status=status,
    )


@pytest.fixture
def third_waits(world):
    """Tranche 1 paid; tranche 2 requested 40 days ago and paid 5 days ago; a monitoring
    report fell due 20 days ago, between the two, and is not accepted yet: tranche 3's
    condition does not hold, although no report has fallen due since tranche 2 was paid."""
    plan = world.build(PlanStatus.ACTIVE)
    first, second, third = tranches(plan)
    to_status(world, first, "paid")
    to_status(world, second, "authorized")
    Tranche.objects.filter(pk=second.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=40)
    )
    money.tranche_pay(
        tranche=second,
        by=world.finance,
        amount=second.amount,
        paid_on=days_ago(5),
        reference="TR-2",
    )
    report = _report(plan.alliance, days_ago(20))
    attach_evidence(third, by=world.producer)
    return plan, third, report


def reason_for(report) -> str:
    return (
        f"The monitoring report due on {date_format(report.due_on, 'DATE_FORMAT')} must be "
        "accepted before tranche 3 is requested."
    )


def test_a_report_due_while_the_previous_tranche_was_paid_holds_the_next_one(world, third_waits):
    plan, third, report = third_waits
    before = snapshot(plan)
    error = refused(lambda: money.tranche_request(tranche=third, by=world.producer), "conflict")
    assert error.reasons == (reason_for(report),)
    assert snapshot(plan) == before

    MonitoringReport.objects.filter(pk=report.pk).update(status=MonitoringReport.Status.ACCEPTED)
    money.tranche_request(tranche=third, by=world.producer)
    third.refresh_from_db()
    assert (third.status, third.requested_by) == ("requested", world.producer)


def test_the_page_shows_the_request_disabled_with_its_reason(client, world, third_waits):
    plan, third, report = third_waits
    response = page(client, world.producer, "plan-disbursement", plan.pk)
    row = response.context["rows"][2]
    assert [f.action for f in row.forms] == ["evidence"]
    assert [(b.action, b.label, b.reason) for b in row.blocked] == [
        ("request", "Request this tranche", reason_for(report))
    ]
    body = html.unescape(response.content.decode())
    why = f"why-request-{third.pk}"
    assert f'<p class="notice" id="{why}">{reason_for(report)}</p>' in body
    assert (
        f'<button type="button" class="primary" disabled aria-describedby="{why}">'
        "Request this tranche</button>"
    ) in body
    # Those who do not request tranches see neither the button nor the reason.
    officer = html.unescape(
        page(client, world.officer, "plan-disbursement", plan.pk).content.decode()
    )
    assert why not in officer


def test_a_request_posted_anyway_is_refused_with_the_reason(client, world, third_waits):
    plan, third, report = third_waits
    before = snapshot(plan)
    response = act(client, world.producer, plan, "request", third.pk, comment="Please.")
    assert response.status_code == 409
    assert [str(m) for m in response.context["messages"]] == [reason_for(report)]
    assert snapshot(plan) == before


def test_once_the_conditions_hold_the_button_is_a_form_and_the_request_goes(
    client, world, third_waits
):
    plan, third, report = third_waits
    MonitoringReport.objects.filter(pk=report.pk).update(status=MonitoringReport.Status.ACCEPTED)
    response = page(client, world.producer, "plan-disbursement", plan.pk)
    row = response.context["rows"][2]
    assert ([f.action for f in row.forms], row.blocked) == (["evidence", "request"], [])
    assert "disabled" not in html.unescape(response.content.decode())
    response = act(client, world.producer, plan, "request", third.pk, comment="Report accepted.")
    assert response.status_code == 302
    third.refresh_from_db()
    assert third.status == "requested"


def test_the_next_tranche_waits_for_the_previous_one_paid(client, world):
    plan = world.build(PlanStatus.ACTIVE)
    first, second, _third = tranches(plan)
    to_status(world, first, "authorized")
    attach_evidence(second, by=world.producer)
    before = snapshot(plan)
    response = page(client, world.producer, "plan-disbursement", plan.pk)
    assert [(b.action, b.reason) for b in response.context["rows"][1].blocked] == [
        ("request", "Tranche 1 must be paid before tranche 2 is requested.")
    ]
    response = act(client, world.producer, plan, "request", second.pk, comment="")
    assert response.status_code == 409
    assert [str(m) for m in response.context["messages"]] == [
        "Tranche 1 must be paid before tranche 2 is requested."
    ]
    assert snapshot(plan) == before
