"""From proposal to decision in the browser, once in English and once in French."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Notification
from alliances.models import Alliance
from plans.models import PlanStatus

pytestmark = [pytest.mark.browser, pytest.mark.heavy, pytest.mark.django_db(transaction=True)]


def label(status, language):
    """The status as the page shows it in `language` (from the shipped translations)."""
    with translation.override(language):
        return str(PlanStatus(status).label)


def _fill_money(page, values: dict) -> None:
    for name, value in values.items():
        page.fill(f"[name={name}]", str(value))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_proposal_to_approval(world, sign_in, live_server, language):
    w = world
    if language != "en":
        # The journey must really run in that language: the catalogue is compiled.
        assert label(PlanStatus.APPROVED, language) != "Approved"

    # The producer drafts a plan with budget lines and cash flows, and submits it.
    page = sign_in(w.producer, language, through_form=True)  # the sign-in form, once
    page.goto(f"{live_server.url}/plans/new/")
    # One organization, one open call of its country: the page asks only the rest.
    assert w.program.name in page.inner_text("main .summary-list")
    page.select_option("select[name=buyer]", str(w.buyer.pk))
    page.select_option("select[name=product]", str(w.product.pk))
    page.fill("[name=name]", "Kandi maize")
    page.fill("[name=title]", "Maize storage and shelling")
    # A form that saves and shows its page again is awaited as a navigation: waiting for
    # the URL would return at once, on the page still shown.
    with page.expect_navigation(url="**/edit/"):
        page.click("main button[type=submit]")
    page.fill("[name=summary]", "Store and shell maize for the buyer.")
    with page.expect_navigation(url="**/edit/"):
        page.click("main form button[type=submit]")
    plan = Alliance.objects.get(name="Kandi maize").plan

    page.goto(f"{live_server.url}/plans/{plan.pk}/budget/")
    page.select_option("select[name=category]", "equipment")
    page.fill("[name=description]", "Shellers")
    _fill_money(
        page,
        {
            "quantity": 2,
            "unit_cost": 6000000,
            "grant": 8400000,
            "producer_cash": 1800000,
            "producer_in_kind": 600000,
            "buyer": 1200000,
        },
    )
    with page.expect_navigation(url=f"**/plans/{plan.pk}/budget/"):
        page.click("main form button.primary")
    page.select_option("select[name=category]", "infrastructure")
    page.fill("[name=description]", "Warehouse")
    _fill_money(
        page,
        {
            "quantity": 1,
            "unit_cost": 8000000,
            "grant": 5600000,
            "producer_cash": 1200000,
            "producer_in_kind": 400000,
            "buyer": 800000,
        },
    )
    with page.expect_navigation(url=f"**/plans/{plan.pk}/budget/"):
        page.click("main form button.primary")
    assert page.locator("table.list tbody tr").count() == 2

    page.goto(f"{live_server.url}/plans/{plan.pk}/cash-flows/")
    for year in range(6):
        _fill_money(
            page,
            {
                f"form-{year}-revenue_with": 0 if year == 0 else 14000000,
                f"form-{year}-costs_with": 5000000,
                f"form-{year}-revenue_without": 4000000,
                f"form-{year}-costs_without": 2000000,
            },
        )
    with page.expect_navigation(url=f"**/plans/{plan.pk}/cash-flows/"):
        page.click("main form button.primary")
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.click("button[name=do][value=submit]")
    page.wait_for_selector(f".plan-header .status-{PlanStatus.SUBMITTED}")
    assert page.inner_text(".plan-header .status") == label(PlanStatus.SUBMITTED, language)

    # The officer screens it and assigns two appraisers.
    page = sign_in(w.officer, language)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.click("button[name=do][value=start_screening]")
    page.wait_for_selector(".plan-header .status-screening")
    page.goto(f"{live_server.url}/plans/{plan.pk}/screening/")
    for code in ("legal_status", "roster_verified", "buyer_intent", "field_visit"):
        page.check(f"input[name={code}__passed][value=yes]")
    page.fill("[name=field_visit__note]", "Warehouse site visited.")
    page.click("main form.card button.primary, main section form button.primary")
    page.click("button[name=do][value=pass_screening]")
    page.wait_for_selector(".plan-header .status-appraisal")
    page.goto(f"{live_server.url}/plans/{plan.pk}/appraisers/")
    for appraiser in (w.appraiser, w.appraiser2):
        page.select_option("select[name=appraiser]", str(appraiser.pk))
        with page.expect_navigation(url=f"**/plans/{plan.pk}/appraisers/"):
            page.click("main form button.primary")

    # Both appraisers declare no conflict of interest and score it.
    for appraiser, score in ((w.appraiser, "8"), (w.appraiser2, "7")):
        page = sign_in(appraiser, language)
        page.click("a[href^='/appraisals/']")
        page.check("[name=declaration]")
        page.click("main form button.primary")
        # The scores are asked once the declaration is saved: wait for that page (`.all()`
        # does not wait, and on the page still shown it would find no field to fill).
        page.wait_for_selector("input[name^=score_]")
        for field in page.locator("input[name^=score_]").all():
            field.fill(score)
        page.select_option("select[name=recommendation]", "approve")
        page.click("main form button.primary")
        page.wait_for_url(f"{live_server.url}/")

    page = sign_in(w.officer, language)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.click("button[name=do][value=complete_appraisal]")
    page.wait_for_selector(".plan-header .status-committee")

    # The committee approves it from the dossier.
    page = sign_in(w.committee, language)
    page.goto(f"{live_server.url}/plans/{plan.pk}/decision/")
    assert "75" in page.inner_text(".score").split()  # one formatter: no useless ",00"
    page.fill("[name=approve-approved_grant]", "14000000")
    page.fill("[name=approve-conditions]", "Open a dedicated account.")
    page.click("form:has(input[name=decision][value=approve]) button")
    # Approval cannot be undone: the committee member confirms it.
    page.click(".confirm-step button[type=submit]")
    page.wait_for_selector(".plan-header .status-approved")

    # The producer sees the approval and its notification.
    page = sign_in(w.producer, language)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    assert page.inner_text(".plan-header .status") == label(PlanStatus.APPROVED, language)
    assert "Open a dedicated account." in page.inner_text("main")
    notification = Notification.objects.filter(
        recipient=w.producer, transition_log__transition="approve"
    ).get()
    assert notification.alliance_id == plan.alliance_id
    page.click(f"header a[href='{reverse('notifications')}']")
    with translation.override(language):
        assert notification.text in page.inner_text("main")
