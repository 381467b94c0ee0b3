"""The report buttons of a plan page, pressed in the browser at 1280 px and at 360 px:
each one queues its report (none answers "This report does not take 'plan'"), the report
page shows the download only when the file is ready, and a queued job's hidden download
link stays hidden."""

import pytest

from plans.models import PlanStatus
from reports.models import ReportJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 360])
def test_every_report_button_on_the_plan_page_prepares_its_report(
    world, sign_in, live_server, width
):
    plan = world.build(PlanStatus.ACTIVE)
    page = sign_in(world.officer)
    page.set_viewport_size({"width": width, "height": 900})
    url = f"{live_server.url}/plans/{plan.pk}/"
    page.goto(url)
    labels = page.locator("form.report-request button").all_inner_texts()
    assert labels == [
        "Alliance fact sheet (PDF)",
        "Committee dossier (PDF)",
        "Disbursement ledger (XLSX)",
    ]
    for label in labels:
        page.goto(url)
        page.get_by_role("button", name=label).click()
        page.wait_for_url(lambda u: "/reports/" in u)
        assert "does not take" not in page.content()
        # Tasks run eagerly here: the file is ready when the page opens.
        download = page.locator("[data-report-download]")
        assert download.is_visible()
        assert page.locator("[data-report-error]").is_hidden()
    assert ReportJob.objects.filter(status=ReportJob.Status.SUCCEEDED).count() == 3


def test_a_queued_report_shows_no_download(world, sign_in, live_server):
    plan = world.build(PlanStatus.ACTIVE)
    job = ReportJob.objects.create(
        kind="alliance_factsheet_pdf",
        parameters={"alliance": plan.alliance_id},
        requester=world.producer,
        title="Fact sheet",
        filename="f.pdf",
    )
    page = sign_in(world.producer)
    page.goto(f"{live_server.url}/reports/{job.pk}/")
    assert page.locator("[data-report-download]").is_hidden()
    assert page.locator("[data-report-error]").is_hidden()
    assert page.locator("[data-report-progress]").is_visible()
