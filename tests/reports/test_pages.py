"""Report pages: my reports with progress bars, the request form and buttons, the status
poll, and the download, which only the requester and users allowed to see the data get."""

import re

import pytest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from plans.models import PlanStatus
from reports.models import ReportJob, ReportKind
from reports.services import report_request

pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]


@pytest.fixture
def plan(world):
    return world.build(PlanStatus.ACTIVE)


@pytest.fixture
def factsheet(world, plan, django_capture_on_commit_callbacks):
    """A ready fact sheet of organization A's active alliance, asked for by its producer."""
    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind=ReportKind.ALLIANCE_FACTSHEET_PDF,
            parameters={"alliance": plan.alliance_id},
            by=world.producer,
        )
    job.refresh_from_db()
    assert job.is_downloadable
    return job


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_the_requester_downloads_the_file_as_an_attachment(client, world, factsheet):
    response = get(client, world.producer, reverse("reports:download", args=[factsheet.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{factsheet.filename}"'
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(
    "persona",
    # Each may ask for their own fact sheet of this alliance; none opens the producer's.
    ["officer", "ta", "funder_user", "buyer_user", "regional_officer", "producer_b", "outsider"],
)
def test_a_report_belongs_to_its_requester_alone(client, world, factsheet, persona):
    for name in ("download", "detail", "status"):
        response = get(
            client, getattr(world, persona), reverse(f"reports:{name}", args=[factsheet.pk])
        )
        assert response.status_code == 404, name
    listed = get(client, getattr(world, persona), reverse("reports:list")).content.decode()
    assert factsheet.title not in listed


def test_a_requester_who_lost_the_scope_no_longer_downloads(client, world, factsheet):
    world.producer.memberships.all().delete()
    url = reverse("reports:download", args=[factsheet.pk])
    assert get(client, world.producer, url).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, factsheet):
    response = client.get(reverse("reports:download", args=[factsheet.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_portfolio_is_downloaded_by_its_requester_only(
    client, world, plan, django_capture_on_commit_callbacks
):
    world.build(PlanStatus.DRAFT, org=world.org_b)  # region B
    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(kind=ReportKind.PORTFOLIO_XLSX, parameters={}, by=world.officer)
    url = reverse("reports:download", args=[job.pk])
    assert get(client, world.officer, url).status_code == 200
    for other in (world.funder_user, world.regional_officer, world.producer, world.committee):
        assert get(client, other, url).status_code == 404
    # The regional officer asks for its own: its region's alliances only.
    with django_capture_on_commit_callbacks(execute=True):
        own = report_request(
            kind=ReportKind.PORTFOLIO_XLSX, parameters={}, by=world.regional_officer
        )
    url = reverse("reports:download", args=[own.pk])
    assert get(client, world.regional_officer, url).status_code == 200
    assert get(client, world.officer, url).status_code == 404


def test_an_expired_or_unfinished_report_has_nothing_to_download(client, world, factsheet):
    ReportJob.objects.filter(pk=factsheet.pk).update(file="")
    url = reverse("reports:download", args=[factsheet.pk])
    assert get(client, world.producer, url).status_code == 404
    page = get(client, world.producer, reverse("reports:detail", args=[factsheet.pk]))
    assert "The file has expired and was deleted." in page.content.decode()
    assert 'name="kind" value="alliance_factsheet_pdf"' in page.content.decode()  # ask again


def test_status_is_json_for_the_progress_bar(client, world, factsheet):
    response = get(client, world.producer, reverse("reports:status", args=[factsheet.pk]))
    assert response.json() == {
        "id": factsheet.pk,
        "status": "succeeded",
        "status_label": "Ready",
        "status_tone": "success",
        "progress": 100,
        "finished": True,
        "download_url": f"/reports/{factsheet.pk}/download/",
        "error": "",
        # As the page shows it: "Finished at" is filled in without a reload.
        "finished_at": date_format(localtime(factsheet.finished_at), "SHORT_DATETIME_FORMAT"),
    }
    page = get(client, world.producer, reverse("reports:detail", args=[factsheet.pk]))
    assert f"<dd data-report-finished-at>{response.json()['finished_at']}</dd>" in (
        page.content.decode()
    )
    other = get(client, world.producer_b, reverse("reports:status", args=[factsheet.pk]))
    assert (other.status_code, other.json()) == (404, {"detail": "No such report."})


def test_my_reports_lists_jobs_with_progress_bars_and_no_inline_code(client, world, plan):
    queued = report_request(
        kind=ReportKind.ALLIANCE_FACTSHEET_PDF,
        parameters={"alliance": plan.alliance_id},
        by=world.producer,
    )
    report_request(kind=ReportKind.PORTFOLIO_PDF, parameters={}, by=world.officer)
    html = get(client, world.producer, reverse("reports:list")).content.decode()
    assert queued.title in html
    assert "Portfolio summary (PDF)" not in html  # someone else's
    assert f'data-report-status-url="/reports/{queued.pk}/status/"' in html
    assert re.search(r'<progress max="100" value="0" data-report-progress', html)
    assert '<script src="/static/js/reports.js" defer></script>' in html
    assert not re.search(r"<script>|\sstyle=|\sonclick=", html)


@pytest.mark.parametrize("count", [2, 50])
def test_my_reports_runs_a_fixed_number_of_queries(
    client, world, count, django_assert_max_num_queries
):
    ReportJob.objects.bulk_create(
        ReportJob(
            kind=ReportKind.PORTFOLIO_PDF,
            parameters={"program": n + 1},  # identical queued requests would be one job
            requester=world.officer,
            title=f"R{n}",
            filename="r.pdf",
        )
        for n in range(count)
    )
    client.force_login(world.officer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:list"))
    assert response.content.decode().count("data-report-progress") == min(count, 25)


def report_buttons(html: str) -> list[dict[str, str]]:
    """The fields each report button on a page sends."""
    forms = re.findall(r'<form[^>]*class="inline report-request"[^>]*>(.*?)</form>', html, re.S)
    return [
        dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
        for form in forms
    ]


def press_every_report_button(client, user, url) -> list[ReportJob]:
    """Open the page as `user`, press each report button; each must queue a job."""
    client.force_login(user)
    buttons = report_buttons(client.get(url).content.decode())
    assert buttons, f"no report button on {url}"
    jobs = []
    for fields in buttons:
        response = client.post(reverse("reports:new"), fields)
        messages = [str(m) for m in response.wsgi_request._messages]
        assert response.status_code == 302, messages
        assert response["Location"].startswith("/reports/"), (fields, messages)
        jobs.append(ReportJob.objects.get(pk=response["Location"].split("/")[2]))
    return jobs


def test_every_report_button_on_a_plan_page_queues_its_report(client, world, plan):
    # A plan page has a `plan` of its own; the fact sheet and the ledger take an alliance.
    jobs = press_every_report_button(client, world.officer, reverse("plan-detail", args=[plan.pk]))
    assert sorted((job.kind, tuple(job.parameters)) for job in jobs) == [
        ("alliance_factsheet_pdf", ("alliance",)),
        ("committee_dossier_pdf", ("plan",)),
        ("disbursement_ledger_xlsx", ("alliance",)),
    ]
    assert all(job.status != ReportJob.Status.FAILED for job in jobs)


def test_the_producer_presses_the_fact_sheet_button_of_its_plan(client, world, plan):
    jobs = press_every_report_button(client, world.producer, reverse("plan-detail", args=[plan.pk]))
    assert [job.kind for job in jobs] == ["alliance_factsheet_pdf", "disbursement_ledger_xlsx"]
    assert jobs[0].parameters == {"alliance": plan.alliance_id}


def test_the_indicator_table_button_on_a_plan_page(client, world, plan):
    url = reverse("monitoring:indicators", args=[plan.pk])
    (job,) = press_every_report_button(client, world.officer, url)
    assert (job.kind, job.parameters) == ("indicators_xlsx", {"alliance": plan.alliance_id})


def test_the_programme_page_buttons(client, world, plan):
    url = reverse("program-ledger", args=[world.program.pk])
    jobs = press_every_report_button(client, world.officer, url)
    assert {job.kind for job in jobs} == {
        "portfolio_xlsx",
        "portfolio_pdf",
        "disbursement_ledger_xlsx",
        "disbursement_ledger_csv",
    }
    assert {tuple(job.parameters.items()) for job in jobs} == {(("program", world.program.pk),)}


def test_a_button_posts_back_to_the_page_it_is_on(client, world, plan):
    client.force_login(world.producer)
    url = reverse("plan-detail", args=[plan.pk])
    (first, *_) = report_buttons(client.get(url).content.decode())
    assert first["next"] == url
    assert "Alliance fact sheet (PDF)" in client.get(url).content.decode()


def test_the_request_form_without_a_choice_asks_for_one(client, world):
    client.force_login(world.officer)
    response = client.post(reverse("reports:new"), {"program": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a report." in html
    assert "portfolio_xlsx," not in html  # no internal codes listed
    assert ReportJob.objects.count() == 0


def test_a_refused_button_goes_back_with_the_reason(client, world, plan):
    client.force_login(world.producer_b)
    response = client.post(
        reverse("reports:new"),
        {"kind": "alliance_factsheet_pdf", "alliance": plan.alliance_id, "next": "/plans/7/"},
        follow=False,
    )
    assert (response.status_code, response["Location"]) == (302, "/plans/7/")
    assert ReportJob.objects.count() == 0
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["There is no alliance with this id that you can see."]


def test_an_unsafe_next_is_ignored(client, world):
    client.force_login(world.producer)
    response = client.post(
        reverse("reports:new"), {"kind": "nope", "next": "https://evil.example/"}
    )
    assert response.status_code == 400
    assert "Choose one of the reports listed." in response.content.decode()


def test_the_portfolio_form_offers_visible_programmes_and_queues_a_job(client, world):
    client.force_login(world.funder_user)
    page = client.get(reverse("reports:new")).content.decode()
    assert f'<option value="{world.program.pk}">{world.program}</option>' in page
    assert "All the alliances I can see" in page
    response = client.post(
        reverse("reports:new"), {"kind": "portfolio_xlsx", "program": world.program.pk}
    )
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert (job.kind, job.parameters, job.requester) == (
        "portfolio_xlsx",
        {"program": world.program.pk},
        world.funder_user,
    )


def test_a_bad_form_post_changes_nothing_and_says_why(client, world):
    client.force_login(world.outsider)
    response = client.post(reverse("reports:new"), {"kind": "portfolio_pdf", "program": "abc"})
    assert response.status_code == 400
    assert "Choose one of the programmes listed." in response.content.decode()
    response = client.post(reverse("reports:new"), {"kind": "portfolio_pdf", "program": "99999"})
    assert response.status_code == 400
    assert "Choose one of the programmes listed." in response.content.decode()
    assert ReportJob.objects.count() == 0


def test_administrators_see_a_failed_job_and_its_error_read_only(admin_client, world):
    job = report_request(kind=ReportKind.PORTFOLIO_PDF, parameters={}, by=world.officer)
    ReportJob.objects.filter(pk=job.pk).update(status="failed", error="The report took too long.")
    changelist = admin_client.get(reverse("admin:reports_reportjob_changelist"), {"q": "Portfolio"})
    assert changelist.status_code == 200
    assert job.title in changelist.content.decode()
    page = admin_client.get(reverse("admin:reports_reportjob_change", args=[job.pk]))
    assert page.status_code == 200
    assert "The report took too long." in page.content.decode()
    assert 'name="_save"' not in page.content.decode()  # nothing to save: read-only
    assert admin_client.get(reverse("admin:reports_reportjob_add")).status_code == 403


def test_ids_out_of_range_are_404_not_500(client, world):
    client.force_login(world.officer)
    for name in ("detail", "status", "download"):
        url = reverse(f"reports:{name}", args=[2**64])
        assert client.get(url).status_code == 404, name
