"""Business plans through the API: what each persona sees, the nested read, filters,
proposing an alliance, and constant query counts."""

import datetime

from django.utils import timezone

from alliances.models import Alliance
from plans.models import BusinessPlan, PlanStatus
from tests.factories import ProgramFactory

from .support import error

LIST = "/api/v1/plans/"


def detail(plan) -> str:
    return f"/api/v1/plans/{plan.pk}/"


def test_anonymous_gets_401_and_no_data(api, world):
    world.build()
    response = api().get(LIST)
    assert response.status_code == 401
    assert error(response)["detail"] == "Authentication credentials were not provided."
    assert response["WWW-Authenticate"] == "Token"


def test_each_persona_lists_exactly_the_plans_it_may_see(api, world):
    plan_a = world.build()
    plan_b = world.build(org=world.org_b)

    def ids(user):
        response = api(user).get(LIST)
        assert response.status_code == 200
        return sorted(p["id"] for p in response.json()["results"])

    assert ids(world.producer) == [plan_a.pk]
    assert ids(world.producer_b) == [plan_b.pk]
    assert ids(world.ta) == [plan_a.pk]  # accompanies organization A only
    assert ids(world.regional_officer) == [plan_b.pk]  # region B only
    assert ids(world.officer) == sorted([plan_a.pk, plan_b.pk])
    assert ids(world.buyer_user) == sorted([plan_a.pk, plan_b.pk])
    assert ids(world.funder_user) == sorted([plan_a.pk, plan_b.pk])
    assert ids(world.outsider) == []


def test_another_organizations_plan_is_a_404(api, world):
    plan_a = world.build()
    response = api(world.producer_b).get(detail(plan_a))
    assert response.status_code == 404
    assert error(response) == {
        "detail": "No such business plan.",
        "reasons": ["No such business plan."],
        "fields": {},
    }


def test_a_plan_that_does_not_exist_and_a_malformed_id_are_404(api, world):
    client = api(world.officer)
    assert client.get("/api/v1/plans/999999/").status_code == 404
    assert client.get("/api/v1/plans/abc/").status_code == 404
    assert client.get(f"/api/v1/plans/{2**70}/").status_code == 404


def test_list_item_shape(api, world):
    plan = world.build()
    [item] = api(world.producer).get(LIST).json()["results"]
    alliance = plan.alliance
    assert item == {
        "id": plan.pk,
        "status": "draft",
        "title": "Maize shelling and storage",
        "version": 1,
        "alliance": {
            "id": alliance.pk,
            "code": alliance.code,
            "name": "Coop A maize",
            "program": {"id": world.program.pk, "code": world.program.code, "currency": "XOF"},
            "producer_organization": {"id": world.org_a.pk, "name": "Coop A"},
            "buyer": {"id": world.buyer.pk, "name": "Buyer One"},
            "value_chain": {
                "id": world.product.value_chain.pk,
                "code": world.product.value_chain.code,
                "name": world.product.value_chain.name,
            },
            "product": {
                "id": world.product.pk,
                "name": "Maize",
                "unit": "kg",
                "value_chain": world.product.value_chain.pk,
            },
            "region": {
                "id": world.region_a.pk,
                "code": world.region_a.code,
                "name": "Alibori",
                "country": "BJ",
            },
            "created_at": item["alliance"]["created_at"],
        },
        "currency": "XOF",
        "approved_grant": None,
        "created_at": item["created_at"],
        "updated_at": item["updated_at"],
        "allowed_actions": [
            {"action": "submit", "label": "Submit", "reason_required": False},
            {"action": "withdraw", "label": "Withdraw", "reason_required": False},
        ],
    }


def test_allowed_actions_depend_on_the_user(api, world):
    plan = world.build(PlanStatus.SCREENING)
    [officer_item] = api(world.officer).get(LIST).json()["results"]
    [producer_item] = api(world.producer).get(LIST).json()["results"]
    assert [a["action"] for a in officer_item["allowed_actions"]] == [
        "pass-screening",
        "fail-screening",
        "request-revision",
    ]
    assert [a["action"] for a in producer_item["allowed_actions"]] == ["withdraw"]
    assert plan.status == PlanStatus.SCREENING


def test_detail_nests_the_current_version_and_its_computed_analysis(api, world):
    plan = world.build()
    body = api(world.producer).get(detail(plan)).json()
    version = body["current_version"]
    assert body["status"] == "draft"
    assert body["can_edit_content"] is True
    assert body["submission_problems"] == []
    assert body["versions"] == [
        {
            "number": 1,
            "title": "Maize shelling and storage",
            "frozen_at": None,
            "created_at": version["created_at"],
        }
    ]
    assert version["horizon_years"] == 5
    assert version["beneficiaries"] == {"families": 30, "women": 15, "youth": 10}
    [line] = version["budget_lines"]
    assert {k: v for k, v in line.items() if k != "id"} == {
        "category": "equipment",
        "description": "Maize sheller",
        "quantity": "1.000",
        "unit_cost": "20000000.00",
        "amount": "20000000.00",
        "grant": "14000000.00",
        "producer_cash": "3000000.00",
        "producer_in_kind": "1000000.00",
        "buyer": "2000000.00",
        "credit": "0.00",
        "other": "0.00",
    }
    assert [row["year"] for row in version["cash_flows"]] == [0, 1, 2, 3, 4, 5]
    assert version["analysis"] == {
        "total_investment": "20000000.00",
        "totals_by_source": {
            "grant": "14000000.00",
            "producer_cash": "3000000.00",
            "producer_in_kind": "1000000.00",
            "buyer": "2000000.00",
            "credit": "0.00",
            "other": "0.00",
        },
        "shares_by_source": {
            "grant": "0.7000",
            "producer_cash": "0.1500",
            "producer_in_kind": "0.0500",
            "buyer": "0.1000",
            "credit": "0.0000",
            "other": "0.0000",
        },
        "flows": ["-27000000.00"] + ["5000000.00"] * 5,
        "npv": "-8976118.99",
        "irr": "-0.0251",
        "irr_status": "ok",
        "benefit_cost_ratio": "0.73",
        "payback_year": None,
        # 14,000,000 for the 30 families of the roster.
        "grant_per_family": "466666.67",
    }
    assert body["screening_checks"] == []
    assert body["appraisals"] == []
    assert body["appraisal_score"] is None


def test_detail_of_a_frozen_version_counts_grant_per_family(api, world):
    plan = world.build(PlanStatus.SUBMITTED)
    body = api(world.officer).get(detail(plan)).json()
    assert body["can_edit_content"] is False
    assert body["current_version"]["frozen_at"] is not None
    assert body["current_version"]["analysis"]["grant_per_family"] == "466666.67"


def test_incomplete_projection_gives_no_analysis_and_says_what_is_missing(api, world):
    plan = world.build()
    plan.current_version.cash_flows.filter(year=3).delete()
    body = api(world.producer).get(detail(plan)).json()
    assert body["current_version"]["analysis"] is None
    assert body["submission_problems"] == [
        "The cash-flow projection lacks years 3 of the 5-year horizon."
    ]


def test_detail_shows_screening_and_appraisals_with_scores(api, world):
    plan = world.build(PlanStatus.COMMITTEE)
    body = api(world.committee).get(detail(plan)).json()
    assert [(c["code"], c["passed"], c["automatic"]) for c in body["screening_checks"]] == [
        ("legal_status", True, False),
        ("roster_verified", True, False),
        ("buyer_intent", True, False),
        ("field_visit", True, False),
        ("eligible_region", True, True),
        ("eligible_value_chain", True, True),
        ("money_rules", True, True),
    ]
    assert [(a["appraiser"], a["recommendation"], a["score"]) for a in body["appraisals"]] == [
        ("appraiser", "approve", "80.00"),
        ("appraiser2", "approve", "80.00"),
    ]
    assert body["appraisal_score"] == "80.00"


# --- filters, ordering, pagination -------------------------------------------------------


def test_filters_by_status_organization_region_and_updated_since(api, world):
    draft = world.build()
    submitted = world.build(PlanStatus.SUBMITTED)
    other = world.build(org=world.org_b)
    client = api(world.officer)

    def ids(query):
        response = client.get(LIST + query)
        assert response.status_code == 200, response.json()
        return sorted(p["id"] for p in response.json()["results"])

    assert ids("?status=draft") == sorted([draft.pk, other.pk])
    assert ids("?status=draft&status=submitted") == sorted([draft.pk, submitted.pk, other.pk])
    assert ids(f"?organization={world.org_b.pk}") == [other.pk]
    assert ids(f"?region={world.region_a.pk}&status=submitted") == [submitted.pk]
    assert ids(f"?program={world.program.pk}&value_chain={world.product.value_chain.pk}") == (
        sorted([draft.pk, submitted.pk, other.pk])
    )
    assert ids(f"?buyer={world.buyer.pk}&alliance={draft.alliance_id}") == [draft.pk]
    BusinessPlan.objects.filter(pk=draft.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=3)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert ids("?updated_since=" + since.replace("+", "%2B")) == sorted([submitted.pk, other.pk])


def test_bad_filter_values_are_400_with_field_messages(api, world):
    client = api(world.officer)
    response = client.get(LIST + "?status=bogus&updated_since=yesterday&region=x")
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "status": ["Select a valid choice. bogus is not one of the available choices."],
        "updated_since": ["Enter a valid date/time."],
        "region": ["Enter a whole number."],
    }


def test_ordering_and_pagination(api, world):
    plans = [world.build() for _ in range(3)]
    client = api(world.producer)
    response = client.get(LIST + "?ordering=id&page_size=2")
    body = response.json()
    assert body["count"] == 3
    assert [p["id"] for p in body["results"]] == [plans[0].pk, plans[1].pk]
    assert body["next"].endswith("/api/v1/plans/?ordering=id&page=2&page_size=2")
    page2 = client.get(LIST + "?ordering=id&page_size=2&page=2").json()
    assert [p["id"] for p in page2["results"]] == [plans[2].pk]
    assert client.get(LIST + "?page=9").status_code == 404
    # The page size is capped at 200.
    assert client.get(LIST + "?page_size=100000").json()["count"] == 3


# --- proposing an alliance -------------------------------------------------------------


def proposal(world, **changes):
    body = {
        "program": world.program.pk,
        "producer_organization": world.org_a.pk,
        "buyer": world.buyer.pk,
        "product": world.product.pk,
        "name": "Kandi maize",
        "title": "Maize shelling and storage",
        "horizon_years": 4,
    }
    body.update(changes)
    return body


def test_producer_proposes_an_alliance(api, world):
    response = api(world.producer).post(LIST, proposal(world), format="json")
    assert response.status_code == 201
    body = response.json()
    plan = BusinessPlan.objects.get(pk=body["id"])
    assert plan.status == PlanStatus.DRAFT
    assert plan.alliance.name == "Kandi maize"
    assert plan.alliance.code == f"{world.program.code}-0001"
    assert plan.created_by == world.producer
    assert body["current_version"]["horizon_years"] == 4
    assert body["current_version"]["budget_lines"] == []
    assert body["current_version"]["analysis"] is not None


def test_technical_assistance_provider_proposes_for_an_organization_it_accompanies(api, world):
    response = api(world.ta).post(LIST, proposal(world), format="json")
    assert response.status_code == 201


def test_ministry_staff_may_not_propose(api, world):
    response = api(world.officer).post(LIST, proposal(world), format="json")
    assert response.status_code == 403
    assert error(response)["detail"] == (
        "Only a representative of the organization, or its technical assistance provider, "
        "may propose an alliance for it."
    )
    assert not Alliance.objects.exists()


def test_proposing_for_another_organization_is_refused_as_bad_input(api, world):
    # Organization A is not visible to the producer of B: it cannot even be named.
    response = api(world.producer_b).post(LIST, proposal(world), format="json")
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "producer_organization": [f'Invalid pk "{world.org_a.pk}" - object does not exist.']
    }
    assert not Alliance.objects.exists()


def test_the_api_refuses_what_the_proposal_page_does_not_offer(api, world):
    """Another country's programme, or a closed call, is refused by the service itself:
    the API meets the rule the page applies to its choices (plans/proposals.py)."""

    elsewhere = ProgramFactory(country="KE")
    body = {**proposal(world), "program": elsewhere.pk}
    response = api(world.producer).post(LIST, body, format="json")
    assert response.status_code == 400, response.json()
    assert error(response)["fields"] == {
        "program": [f"Choose a programme of {world.org_a.name}'s country."],
        "buyer": ["Choose a buyer of the programme's country."],
        "product": ["Choose a product of the programme's value chains."],
    }
    assert not Alliance.objects.exists()


def test_bad_proposal_body_is_400_and_creates_nothing(api, world):
    response = api(world.producer).post(
        LIST, proposal(world, horizon_years=40, name="", product=999999), format="json"
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "product": ['Invalid pk "999999" - object does not exist.'],
        "name": ["This field may not be blank."],
        "horizon_years": ["Ensure this value is less than or equal to 30."],
    }
    assert not Alliance.objects.exists()


def test_malformed_json_is_400(api, world):
    response = api(world.producer).post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert error(response)["detail"].startswith("JSON parse error")
