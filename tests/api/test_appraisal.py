"""Screening checklist and appraisals through the API (§3, §6)."""

import pytest

from plans.models import AppraisalAssignment, PlanStatus, ScreeningCheck
from plans.services import MANUAL_SCREENING_CHECKS

from .support import error

ALL_PASSED = {"checks": {code: {"passed": True, "note": ""} for code in MANUAL_SCREENING_CHECKS}}


def screening_url(plan) -> str:
    return f"/api/v1/plans/{plan.pk}/screening/"


def checks_of(plan) -> list:
    return list(
        ScreeningCheck.objects.filter(version__plan=plan)
        .order_by("id")
        .values_list("code", "passed", "note")
    )


def test_officer_records_the_checklist_and_the_platform_adds_its_own(api, world):
    plan = world.build(PlanStatus.SCREENING)
    body = {**ALL_PASSED}
    body["checks"] = {**ALL_PASSED["checks"], "field_visit": {"passed": False, "note": "Flooded"}}
    response = api(world.officer).post(screening_url(plan), body, format="json")
    assert response.status_code == 200, response.json()
    assert [(c["code"], c["passed"], c["checked_by"]) for c in response.json()] == [
        ("legal_status", True, "officer"),
        ("roster_verified", True, "officer"),
        ("buyer_intent", True, "officer"),
        ("field_visit", False, "officer"),
        ("eligible_region", True, None),
        ("eligible_value_chain", True, None),
        ("money_rules", True, None),
    ]
    assert ("field_visit", False, "Flooded") in checks_of(plan)
    # A failed item keeps the plan from passing screening.
    response = api(world.officer).post(f"/api/v1/plans/{plan.pk}/pass-screening/", format="json")
    assert response.status_code == 409
    assert error(response)["detail"] == (
        "These eligibility checks did not pass: A field visit confirmed the plan's premises."
    )


def test_screening_refusals_change_nothing(api, world):
    plan = world.build(PlanStatus.SCREENING)
    url = screening_url(plan)
    assert api(world.producer).post(url, ALL_PASSED, format="json").status_code == 403
    assert api(world.producer_b).post(url, ALL_PASSED, format="json").status_code == 404
    missing = {"checks": {"legal_status": {"passed": True}}}
    response = api(world.officer).post(url, missing, format="json")
    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"checks"}
    submitted = world.build(PlanStatus.SUBMITTED)
    response = api(world.officer).post(screening_url(submitted), ALL_PASSED, format="json")
    assert response.status_code == 409
    assert error(response)["detail"] == "The plan is not in screening."
    assert checks_of(plan) == [] and checks_of(submitted) == []


def test_officer_assigns_and_appraisers_declare_and_score(api, world):
    plan = world.build(PlanStatus.APPRAISAL)
    criteria = list(world.program.criteria.order_by("order"))
    ids = []
    for appraiser in (world.appraiser, world.appraiser2):
        response = api(world.officer).post(
            f"/api/v1/plans/{plan.pk}/appraisals/", {"appraiser": appraiser.username}, format="json"
        )
        assert response.status_code == 201, response.json()
        assert response.json()["appraiser"] == appraiser.username
        ids.append(response.json()["id"])
    scores = {
        "scores": [
            {"criterion": criteria[0].pk, "score": "9", "comment": "Buyer committed"},
            {"criterion": criteria[1].pk, "score": "6"},
        ],
        "recommendation": "approve",
        "comment": "Sound.",
    }
    for pk, appraiser in zip(ids, (world.appraiser, world.appraiser2), strict=True):
        client = api(appraiser)
        # Scoring before declaring no conflict of interest is refused.
        response = client.post(f"/api/v1/appraisals/{pk}/submit/", scores, format="json")
        assert response.status_code == 409
        assert error(response)["detail"] == ("Declare that you have no conflict of interest first.")
        assert client.post(f"/api/v1/appraisals/{pk}/declare-no-conflict/").status_code == 200
        response = client.post(f"/api/v1/appraisals/{pk}/submit/", scores, format="json")
        assert response.status_code == 200, response.json()
        # (2 × 9/10 + 1 × 6/10) / 3 × 100 = 80.00
        assert response.json()["score"] == "80.00"
    response = api(world.officer).post(f"/api/v1/plans/{plan.pk}/complete-appraisal/")
    assert response.status_code == 200
    assert response.json()["appraisal_score"] == "80.00"


def test_appraisal_refusals_change_nothing(api, world):
    plan = world.build(PlanStatus.APPRAISAL)
    url = f"/api/v1/plans/{plan.pk}/appraisals/"
    body = {"appraiser": "appraiser"}
    assert api(world.committee).post(url, body, format="json").status_code == 403
    assert api(world.producer_b).post(url, body, format="json").status_code == 404
    response = api(world.officer).post(url, {"appraiser": "producer"}, format="json")
    assert response.status_code == 400
    assert error(response)["fields"] == {"appraiser": ["Choose an appraiser of this region."]}
    response = api(world.officer).post(url, {"appraiser": "nobody"}, format="json")
    assert error(response)["fields"] == {
        "appraiser": ["Object with username=nobody does not exist."]
    }
    assert not AppraisalAssignment.objects.exists()
    committee_plan = world.build(PlanStatus.COMMITTEE)
    response = api(world.officer).post(
        f"/api/v1/plans/{committee_plan.pk}/appraisals/", body, format="json"
    )
    assert response.status_code == 409
    assert AppraisalAssignment.objects.filter(version__plan=plan).count() == 0


@pytest.mark.parametrize(
    ("scores", "recommendation", "field"),
    [
        ([(1, "5")], "approve", "score_{first}"),  # the first criterion is not scored
        ([(0, "11"), (1, "5")], "approve", "score_{first}"),  # above its maximum of 10
        ([(0, "5"), (1, "5")], "maybe", "recommendation"),
    ],
)
def test_bad_scores_are_400(api, world, scores, recommendation, field):
    plan = world.build(PlanStatus.APPRAISAL)
    criteria = list(world.program.criteria.order_by("order"))
    pk = (
        api(world.officer)
        .post(f"/api/v1/plans/{plan.pk}/appraisals/", {"appraiser": "appraiser"}, format="json")
        .json()["id"]
    )
    client = api(world.appraiser)
    client.post(f"/api/v1/appraisals/{pk}/declare-no-conflict/")
    response = client.post(
        f"/api/v1/appraisals/{pk}/submit/",
        {
            "scores": [{"criterion": criteria[i].pk, "score": s} for i, s in scores],
            "recommendation": recommendation,
        },
        format="json",
    )
    assert response.status_code == 400
    message = {
        "recommendation": '"maybe" is not a valid choice.',
    }.get(field, "Give a score from 0 to 10.")
    assert error(response)["fields"] == {field.format(first=criteria[0].pk): [message]}
    assert AppraisalAssignment.objects.get(pk=pk).completed_at is None


def test_only_the_assigned_appraiser_declares_and_others_do_not_see_it(api, world):
    plan = world.build(PlanStatus.APPRAISAL)
    pk = (
        api(world.officer)
        .post(f"/api/v1/plans/{plan.pk}/appraisals/", {"appraiser": "appraiser"}, format="json")
        .json()["id"]
    )
    # Another appraiser does not even see it (§9a: other appraisers' work, never).
    response = api(world.appraiser2).post(f"/api/v1/appraisals/{pk}/declare-no-conflict/")
    assert response.status_code == 404
    assert error(response)["detail"] == "No such appraisal."
    assert api(world.producer_b).get(f"/api/v1/appraisals/{pk}/").status_code == 404
    assert AppraisalAssignment.objects.get(pk=pk).no_conflict_declared_at is None
