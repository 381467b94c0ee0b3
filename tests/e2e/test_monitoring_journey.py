"""A quarter of monitoring, in the browser: the producer enters and submits the quarterly
report; the M&E officer returns it with a reason; the producer corrects a figure, attaches
the evidence asked for without losing it, and resubmits; the M&E officer accepts it. Then
the producer records a delivery, the buyer confirms it, and the alliance's sales
indicator shows it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from alliances.models import Delivery
from funding.services import add_months
from monitoring.selectors import indicators_for
from monitoring.services import report_schedule_close, report_schedule_create
from plans.models import PlanStatus
from tests.factories import EVIDENCE_PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = Decimal


def _submit(page, scope: str, action: str) -> None:
    with page.expect_navigation():
        page.click(f"{scope} form:has(input[name=action][value={action}]) button[type=submit]")


def test_quarterly_report_and_a_confirmed_delivery(world, sign_in, live_server):
    w = world
    plan = w.build(PlanStatus.ACTIVE)
    alliance = plan.alliance
    # The agreement was signed four months ago: the first quarter is over.
    today = timezone.localdate()
    report_schedule_close(alliance=alliance, on=today - datetime.timedelta(days=1))
    report_schedule_create(alliance=alliance, start=add_months(today, -4))
    report = alliance.monitoring_reports.order_by("period_start").first()
    manual = [i for i in indicators_for(alliance) if not i.is_computed]

    # The producer finds the report among its tasks and enters the quarter's figures.
    page = sign_in(w.producer)
    page.click("a:has-text('Monitoring reports to send')")
    page.click(f"a[href='/monitoring/reports/{report.pk}/']")
    for indicator in manual:
        page.fill(f"input[name='{indicator.code}-value']", "12")
        if indicator.by_sex:
            page.fill(f"input[name='{indicator.code}-women']", "5")
        if indicator.by_youth:
            page.fill(f"input[name='{indicator.code}-youth']", "4")
    page.fill("textarea[name=narrative]", "Two trainings held; the sheller is installed.")
    with page.expect_navigation():
        page.click("#values button[name=action][value=submit]")
    assert "Submitted" in page.inner_text("main span.status[class*=report-]")

    # The M&E officer returns it: the women trained are missing from the sheets.
    page = sign_in(w.me_officer)
    page.click("a:has-text('Monitoring reports to review')")
    page.click(f"a[href='/monitoring/reports/{report.pk}/']")
    page.fill("#review form:has(input[value=return]) textarea", "Attach the training sheets.")
    _submit(page, "#review", "return")
    assert "Returned" in page.inner_text("main span.status[class*=report-]")

    # The producer reads the reason, corrects a figure and resubmits.
    page = sign_in(w.producer)
    page.goto(f"{live_server.url}/monitoring/reports/{report.pk}/")
    assert "Attach the training sheets." in page.inner_text("#return-reason")
    page.fill("input[name='members_trained-women']", "7")
    # Attaching the sheets keeps the figure just typed (saved with them as a draft).
    page.fill("#evidence input[name=title]", "Training sheets")
    page.set_input_files(
        "#evidence input[type=file]",
        files=[{"name": "sheets.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE_PDF}],
    )
    with page.expect_navigation():
        page.click("#evidence button[name=action][value=evidence]")
    assert "Training sheets" in page.inner_text("#evidence .evidence")
    assert page.input_value("input[name='members_trained-women']") == "7"
    with page.expect_navigation():
        page.click("#values button[name=action][value=submit]")
    assert "Submitted" in page.inner_text("main span.status[class*=report-]")

    # The M&E officer accepts it; its values are now locked.
    page = sign_in(w.me_officer)
    page.goto(f"{live_server.url}/monitoring/reports/{report.pk}/")
    _submit(page, "#review", "accept")
    # An accepted report is locked for good: the officer confirms.
    with page.expect_navigation():
        page.click(".confirm-step button[type=submit]")
    assert "Accepted" in page.inner_text("main span.status[class*=report-]")
    report.refresh_from_db()
    trained = report.values.get(indicator__code="members_trained")
    assert (report.status, trained.value, trained.women, trained.youth) == (
        "accepted",
        D("12"),
        D("7"),
        D("4"),
    )

    # The producer records a delivery; the buyer confirms it.
    page = sign_in(w.producer)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.click(".tabs a:has-text('Deliveries')")
    page.fill("#id_record-delivered_on", today.isoformat())
    page.fill("#id_record-volume", "2500")
    page.fill("#id_record-unit_price", "240")
    page.fill("#id_record-quality_grade", "Grade 1")
    with page.expect_navigation():
        page.click("form[action$='/deliveries/record/'] button[type=submit]")
    delivery = Delivery.objects.get(alliance=alliance)
    assert "Recorded" in page.inner_text(f"#delivery-{delivery.pk}")

    page = sign_in(w.buyer_user)
    page.click("a:has-text('Deliveries to confirm')")
    page.click(f"a[href='/plans/{plan.pk}/']")
    page.click(".tabs a:has-text('Deliveries')")
    with page.expect_navigation():
        page.click(f"#delivery-{delivery.pk} form[action$='/confirm/'] button[type=submit]")
    assert "Confirmed" in page.inner_text(f"#delivery-{delivery.pk}")
    # The buyer has no indicators tab: monitoring is not the buyer's business.
    assert page.locator(".tabs a:has-text('Indicators')").count() == 0

    # The alliance's sales indicator shows the confirmed delivery.
    page = sign_in(w.producer)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.click(".tabs a:has-text('Indicators')")
    assert "2,500" in page.inner_text("#indicator-sales_volume .to-date")
    assert "600,000" in page.inner_text("#indicator-sales_value .to-date")
