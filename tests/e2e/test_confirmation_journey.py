"""Steps that cannot be undone, in the browser, on a phone (360 px) and a desktop
(1280 px): the step's button opens the confirmation page (warning text, "Yes, ..." and
"No, go back") without any script; going back changes nothing, "Yes" takes the step. A
tranche that may not be requested yet shows its button disabled, with the reason."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from alliances.deliveries import delivery_record
from alliances.models import Delivery
from plans.models import BusinessPlan, PlanStatus
from tests.e2e.support import DESKTOP, HEIGHT, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = Decimal
WIDTHS = [PHONE, DESKTOP]


def _at(page, width: int):
    page.set_viewport_size({"width": width, "height": HEIGHT})
    return page


def _fits(page, width: int) -> None:
    """Nothing sticks out sideways: no horizontal scrolling on a phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_withdraw_asks_first_and_going_back_changes_nothing(world, sign_in, live_server, width):
    plan = world.build(PlanStatus.SUBMITTED)
    page = _at(sign_in(world.producer), width)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.click("button[name=do][value=withdraw]")
    page.wait_for_selector(".confirm-step")
    assert page.inner_text("main h1") == "Withdraw this business plan?"
    warning = page.inner_text(".warning-text")
    assert "You cannot undo this." in warning
    yes = page.locator(".confirm-step button[type=submit]")
    assert yes.inner_text() == "Yes, withdraw the plan"
    assert yes.is_visible() and page.locator("a:has-text('No, go back')").is_visible()
    _fits(page, width)

    page.click("a:has-text('No, go back')")
    page.wait_for_url(f"**/plans/{plan.pk}/")
    assert BusinessPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED

    page.click("button[name=do][value=withdraw]")
    page.click(".confirm-step button[type=submit]")
    page.wait_for_selector(".plan-header .status-withdrawn")
    assert BusinessPlan.objects.get(pk=plan.pk).status == PlanStatus.WITHDRAWN


@pytest.mark.parametrize("width", WIDTHS)
def test_the_buyer_disputes_a_delivery_after_confirming(world, sign_in, live_server, width):
    plan = world.build(PlanStatus.ACTIVE)
    delivery = delivery_record(
        alliance=plan.alliance,
        by=world.producer,
        delivered_on=timezone.localdate() - datetime.timedelta(days=2),
        volume=D("1200"),
        unit_price=D("250"),
    )
    page = _at(sign_in(world.buyer_user), width)
    page.goto(f"{live_server.url}/monitoring/plans/{plan.pk}/deliveries/")
    row = f"#delivery-{delivery.pk}"
    page.click(f"{row} summary")
    page.fill(f"{row} textarea[name$=-comment]", "We weighed 780 kg.")
    page.click(f"{row} form[action$='/dispute/'] button[type=submit]")
    page.wait_for_selector(".confirm-step")
    assert "We weighed 780 kg." in page.inner_text(".summary-list")
    _fits(page, width)
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.RECORDED

    page.click(".confirm-step button[type=submit]")
    page.wait_for_selector(f"{row} .status")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.dispute_reason) == ("disputed", "We weighed 780 kg.")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_tranche_not_yet_requestable_shows_why(world, sign_in, live_server, width):
    plan = world.build(PlanStatus.ACTIVE)
    page = _at(sign_in(world.producer), width)
    page.goto(f"{live_server.url}/plans/{plan.pk}/disbursement/")
    button = page.locator("#tranche-2 button:has-text('Request this tranche')")
    assert button.is_disabled()
    reason = page.locator(f"#{button.get_attribute('aria-describedby')}")
    assert reason.inner_text() == "Tranche 1 must be paid before tranche 2 is requested."
    assert reason.is_visible()
