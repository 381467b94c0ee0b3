"""Asking for a report: kinds, parameters and who may see what (one door: report_request).

Every refused request leaves no job behind. Tasks run eagerly here (the embedded
default); `django_capture_on_commit_callbacks` runs what is queued on commit.
"""

import pytest

from accounts.policy import ActionRefused
from plans.models import PlanStatus
from reports.models import ReportJob, ReportKind
from reports.services import report_request

pytestmark = pytest.mark.django_db


def refused(kind, parameters, by):
    with pytest.raises(ActionRefused) as info:
        report_request(kind=kind, parameters=parameters, by=by)
    assert ReportJob.objects.count() == 0
    return info.value


def test_unknown_kind_is_invalid_and_names_the_kinds(world):
    refusal = refused("annual_report_docx", {}, world.officer)
    assert refusal.code == "invalid"
    assert "portfolio_xlsx" in refusal.fields["kind"][0]
    assert "indicators_xlsx" in refusal.fields["kind"][0]


def test_indicator_table_takes_a_programme_or_an_alliance(world):
    refusal = refused(ReportKind.INDICATORS_XLSX, {"plan": 1}, world.officer)
    assert refusal.fields["parameters"] == [
        "This report does not take “plan”; it takes: “program”, “alliance”."
    ]


@pytest.mark.parametrize(
    ("kind", "parameters", "field", "message"),
    [
        (
            ReportKind.ALLIANCE_FACTSHEET_PDF,
            {},
            "alliance",
            "This report needs “alliance”: the id of the object it is about.",
        ),
        (
            ReportKind.ALLIANCE_FACTSHEET_PDF,
            {"alliance": "twelve"},
            "alliance",
            "Give the id of the object, a whole number.",
        ),
        (
            ReportKind.COMMITTEE_DOSSIER_PDF,
            {"plan": 2**63},
            "plan",
            "Give the id of the object, a whole number.",
        ),
        (
            ReportKind.COMMITTEE_DOSSIER_PDF,
            {"plan": True},
            "plan",
            "Give the id of the object, a whole number.",
        ),
        (
            ReportKind.PORTFOLIO_XLSX,
            {"plan": 1},
            "parameters",
            "This report does not take “plan”; it takes: “program”.",
        ),
        (
            ReportKind.DISBURSEMENT_LEDGER_CSV,
            {"program": 1, "alliance": 1},
            "parameters",
            "Give only one of “program”, “alliance”.",
        ),
        (
            ReportKind.PORTFOLIO_PDF,
            [1, 2],
            "parameters",
            'Parameters must be an object, such as {"program": 3}.',
        ),
    ],
)
def test_bad_parameters_are_invalid_with_a_field_message(world, kind, parameters, field, message):
    refusal = refused(kind, parameters, world.officer)
    assert refusal.code == "invalid"
    assert refusal.fields == {field: [message]}


def test_an_alliance_the_user_cannot_see_is_not_found(world):
    plan = world.build(PlanStatus.DRAFT)  # organization A
    for user in (world.producer_b, world.outsider, world.regional_officer):
        refusal = refused(ReportKind.ALLIANCE_FACTSHEET_PDF, {"alliance": plan.alliance_id}, user)
        assert refusal.code == "not_found"
        assert refusal.fields == {"alliance": ["No such alliance."]}
    refusal = refused(ReportKind.ALLIANCE_FACTSHEET_PDF, {"alliance": 999_999}, world.officer)
    assert refusal.code == "not_found"


def test_a_plan_or_programme_the_user_cannot_see_is_not_found(world):
    plan = world.build(PlanStatus.SUBMITTED)
    refusal = refused(ReportKind.COMMITTEE_DOSSIER_PDF, {"plan": plan.pk}, world.producer_b)
    assert refusal.code == "not_found"
    assert refusal.fields == {"plan": ["No such business plan."]}
    ledger = ReportKind.DISBURSEMENT_LEDGER_XLSX
    refusal = refused(ledger, {"program": world.program.pk}, world.outsider)
    assert refusal.code == "not_found"
    assert refusal.fields == {"program": ["No such programme."]}
    # Portfolio reports are for ministry staff and funders, whatever the programme.
    refusal = refused(ReportKind.PORTFOLIO_XLSX, {"program": world.program.pk}, world.outsider)
    assert refusal.code == "forbidden"


def test_anonymous_cannot_ask(world):
    from django.contrib.auth.models import AnonymousUser

    assert refused(ReportKind.PORTFOLIO_XLSX, {}, AnonymousUser()).code == "forbidden"


def test_a_request_creates_one_queued_job_with_title_and_file_name(
    world, django_capture_on_commit_callbacks
):
    plan = world.build(PlanStatus.DRAFT)
    with django_capture_on_commit_callbacks() as callbacks:
        job = report_request(
            kind=ReportKind.ALLIANCE_FACTSHEET_PDF,
            parameters={"alliance": str(plan.alliance_id)},
            by=world.producer,
        )
    assert len(callbacks) == 1  # the task is queued once the job is committed
    job.refresh_from_db()
    assert job.status == ReportJob.Status.QUEUED
    assert job.parameters == {"alliance": plan.alliance_id}
    assert job.requester == world.producer
    assert job.title == f"Fact sheet · {plan.alliance.code}"
    assert job.filename.startswith(f"alliance-factsheet-{plan.alliance.code.lower()}-")
    assert job.filename.endswith(".pdf")


def test_asking_twice_while_the_first_is_queued_gives_the_same_job(world):
    first = report_request(kind=ReportKind.PORTFOLIO_PDF, parameters={}, by=world.officer)
    second = report_request(kind=ReportKind.PORTFOLIO_PDF, parameters={}, by=world.officer)
    assert second.pk == first.pk
    assert ReportJob.objects.count() == 1


def test_funders_and_regional_officers_ask_for_what_they_see(world):
    plan = world.build(PlanStatus.DRAFT)
    report_request(
        kind=ReportKind.ALLIANCE_FACTSHEET_PDF,
        parameters={"alliance": plan.alliance_id},
        by=world.funder_user,
    )
    report_request(
        kind=ReportKind.PORTFOLIO_XLSX,
        parameters={"program": world.program.pk},
        by=world.funder_user,
    )
    report_request(
        kind=ReportKind.DISBURSEMENT_LEDGER_CSV, parameters={}, by=world.regional_officer
    )
    assert ReportJob.objects.count() == 3
