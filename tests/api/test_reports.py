"""`/api/v1/reports/`: queue a report, follow it, download it (DESIGN.md §10)."""

from plans.models import PlanStatus
from reports.models import ReportJob
from tests.api.support import error

URL = "/api/v1/reports/"


def test_queue_a_fact_sheet_and_follow_it_to_its_file(
    api, world, django_capture_on_commit_callbacks
):
    plan = world.build(PlanStatus.ACTIVE)
    client = api(world.producer)
    # On commit the task runs (eagerly, as in the embedded default).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            {"kind": "alliance_factsheet_pdf", "parameters": {"alliance": plan.alliance_id}},
            format="json",
        )
    assert response.status_code == 201
    assert response.json()["status"] == "queued"
    body = client.get(f"{URL}{response.json()['id']}/").json()
    assert (body["kind"], body["status"], body["progress"]) == (
        "alliance_factsheet_pdf",
        "succeeded",
        100,
    )
    job = ReportJob.objects.get(pk=body["id"])
    assert body["download_url"] == f"http://testserver/api/v1/reports/{job.pk}/download/"
    detail = client.get(f"{URL}{job.pk}/").json()
    assert (detail["status"], detail["download_url"]) == ("succeeded", body["download_url"])
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert [j["id"] for j in client.get(URL).json()["results"]] == [job.pk]


def test_bad_kind_is_a_400_with_field_messages_and_queues_nothing(api, world):
    response = api(world.officer).post(URL, {"kind": "everything", "parameters": {}}, format="json")
    assert response.status_code == 400
    assert "kind" in error(response)["fields"]
    assert not ReportJob.objects.exists()


def test_another_organizations_alliance_is_a_404_and_queues_nothing(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    response = api(world.producer_b).post(
        URL,
        {"kind": "alliance_factsheet_pdf", "parameters": {"alliance": plan.alliance_id}},
        format="json",
    )
    assert response.status_code == 404
    assert not ReportJob.objects.exists()


def test_someone_elses_report_is_a_404(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    job_id = (
        api(world.producer)
        .post(
            URL,
            {"kind": "alliance_factsheet_pdf", "parameters": {"alliance": plan.alliance_id}},
            format="json",
        )
        .json()["id"]
    )
    assert api(world.producer_b).get(f"{URL}{job_id}/").status_code == 404
    assert api().get(f"{URL}{job_id}/").status_code == 401
