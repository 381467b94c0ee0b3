"""Who reads what (DESIGN §9a), as data: role × endpoint × own/other object.

The table below is §9a written down: for each persona, the parts of an alliance's data
they read (their own alliance, organization A's, in region Alibori). Every API collection
and nested route, and every report kind, names the part it shows. The tests ask every
endpoint as every persona and compare with the table; a collection of the API that is
not in `COLLECTIONS` fails `test_every_api_collection_is_in_the_matrix`, so a new
endpoint cannot ship without its scope.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from django.utils import timezone

from accounts.models import Role
from alliances.deliveries import delivery_record
from funding.services import contribution_record
from plans.documents import document_upload
from plans.models import PlanStatus
from reports.models import ReportJob
from reports.services import report_request
from tests.factories import EVIDENCE_PDF, UserFactory, member_of, pay_tranche

# Each database test asks for the world, so the module shares one (tests/conftest.py).

SUMMARY, CONTENT, SCORE, MONEY, MONITORING, APPRAISALS = (
    "summary",
    "content",
    "score",
    "money",
    "monitoring",
    "appraisals",
)
ORGANIZATION_SIDE = {SUMMARY, CONTENT, SCORE, MONEY, MONITORING}
EVERYTHING = ORGANIZATION_SIDE | {APPRAISALS}

# §9a for an alliance of organization A (region Alibori), persona by persona.
READS = {
    "producer": ORGANIZATION_SIDE,  # its organization, never individual appraisals
    "ta": ORGANIZATION_SIDE,  # accompanies A
    "buyer_user": {SUMMARY},  # party to the alliance: summary, agreement, deliveries
    "officer": EVERYTHING,  # national programme officer
    "committee": EVERYTHING,
    "finance": EVERYTHING - {APPRAISALS},
    "me_officer": EVERYTHING - {APPRAISALS},
    "funder_user": ORGANIZATION_SIDE,  # funds the programme; no individual appraisals
    "appraiser": {SUMMARY, CONTENT},  # assigned; of appraisals, only its own
    "unassigned_appraiser": set(),
    "regional_officer": set(),  # Zou only
    "producer_b": set(),  # another organization
    "outsider": set(),
}

# API collections (list URL, with {plan} for nested routes) and the part they show.
COLLECTIONS = {
    "alliance-list": ("/api/v1/alliances/", SUMMARY),
    "plan-list": ("/api/v1/plans/", SUMMARY),
    "agreement-list": ("/api/v1/purchase-agreements/", SUMMARY),
    "delivery-list": ("/api/v1/deliveries/", SUMMARY),
    "plan-budget-line-list": ("/api/v1/plans/{plan}/budget-lines/", CONTENT),
    "plan-cash-flows": ("/api/v1/plans/{plan}/cash-flows/", CONTENT),
    "tranche-list": ("/api/v1/tranches/", MONEY),
    "disbursement-list": ("/api/v1/disbursements/", MONEY),
    "monitoring-report-list": ("/api/v1/monitoring-reports/", MONITORING),
    "appraisal-list": ("/api/v1/appraisals/", APPRAISALS),
    "counterpart-contribution-list": ("/api/v1/counterpart-contributions/", MONEY),
    "commitment-list": ("/api/v1/commitments/", MONEY),
    "alliance-indicator-target-list": (
        "/api/v1/alliances/{alliance}/indicator-targets/",
        MONITORING,
    ),
    # The documents page's scope (`plan_documents_visible_to`): whoever sees the plan,
    # monitoring evidence only for those who read monitoring (tests/api/test_documents_api.py).
    "plan-document-list": ("/api/v1/plans/{plan}/documents/", SUMMARY),
}
# Collections that are not an alliance's data: directories every signed-in user reads
# (checked in tests/api/test_collections.py), the caller's own objects, and the rest.
NOT_ALLIANCE_DATA = {
    "organization-list",  # its own rows, and those of alliances one sees (test below)
    "buyer-list",
    "funder-list",
    "program-list",
    "indicator-list",
    "report-list",  # the requester's own jobs (test below)
    "notification-list",  # the caller's own (tests/api/test_notifications_api.py)
    # An organization's, as its page: tests/api/test_revolving_fund_api.py.
    "revolving-fund-list",
    "revolving-fund-entry-list",
    # An organization's roster, as its page (`organizations_visible_to`, personal data
    # masked by `can_see_personal_data`): tests/api/test_roster_api.py.
    "organization-member-list",
    # The caller's own endpoints; their events follow the API's scope (tests/webhooks).
    "webhook-list",
}

REPORT_KINDS = {
    "alliance_factsheet_pdf": ("alliance", MONEY),
    "committee_dossier_pdf": ("plan", APPRAISALS),
    "disbursement_ledger_xlsx": ("alliance", MONEY),
    "disbursement_ledger_csv": ("alliance", MONEY),
    "indicators_xlsx": ("alliance", MONITORING),
}


@pytest.fixture(scope="module")
def module_scene(module_world, django_db_blocker):
    """The scene, built once for the module in its world's transaction (tests/conftest.py
    `module_world`): each test reads it, and what a test writes is rolled back."""
    with django_db_blocker.unblock():
        return _scene(module_world)


@pytest.fixture
def scene(module_scene, world):
    return copy.deepcopy(module_scene)


@pytest.fixture
def _private_media():
    """The scene's files stay in the module world's folder (conftest `module_world`)."""


def _scene(world):
    """An active alliance of organization A with every kind of record, appraised by
    `appraiser` and `appraiser2`; an appraiser who is assigned nothing."""
    plan = world.build(PlanStatus.ACTIVE)
    delivery_record(
        alliance=plan.alliance,
        by=world.producer,
        delivered_on=timezone.localdate(),
        volume=Decimal("100"),
        unit_price=Decimal("250"),
        quality_grade="A",
    )
    pay_tranche(
        world, plan.commitment.tranches.get(number=1), producer=world.producer, reference="P-1"
    )
    contribution_record(
        plan=plan,
        by=world.producer,
        kind="producer_cash",
        amount=Decimal("500000"),
        contributed_on=timezone.localdate(),
        description="First deposit",
        upload=SimpleUploadedFile("slip.pdf", EVIDENCE_PDF, "application/pdf"),
    )
    # A document of the plan itself, which every reader of the plan opens (the evidence
    # of money above is the money part's: tests/plans/test_documents_page.py).
    document_upload(
        plan=plan,
        by=world.officer,
        kind="legal",
        title="Statutes",
        upload=SimpleUploadedFile("statutes.pdf", EVIDENCE_PDF, "application/pdf"),
    )
    world.unassigned_appraiser = member_of(UserFactory(username="appraiser3"), Role.APPRAISER)
    return plan


def persona(world, name):
    return getattr(world, name)


def rows(client, url) -> list:
    response = client.get(url)
    if response.status_code == 404:
        return []
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    body = response.json()
    if isinstance(body, dict) and "results" in body:
        return body["results"]
    return body if isinstance(body, list) else [body]


def test_every_api_collection_is_in_the_matrix():
    names = {
        pattern.name
        for pattern in get_resolver("config.api_urls").url_patterns[0].url_patterns
        if pattern.name and (pattern.name.endswith("-list") or pattern.name == "plan-cash-flows")
    }
    assert names == set(COLLECTIONS) | NOT_ALLIANCE_DATA


def collections_read(client, plan, who) -> dict[str, bool]:
    """For each collection: does the persona get rows of the alliance?"""
    seen = {}
    for collection, (url, _part) in COLLECTIONS.items():
        found = rows(client, url.format(plan=plan.pk, alliance=plan.alliance_id))
        if collection == "plan-cash-flows":
            found = [row for row in found if row.get("cash_flows", row) != []]
        seen[collection] = bool(found)
    return seen


def reports_allowed(client, plan) -> dict[str, bool]:
    """For each report kind about this alliance or plan: may the persona ask for it?"""
    allowed = {}
    for kind, (parameter, _part) in REPORT_KINDS.items():
        value = plan.pk if parameter == "plan" else plan.alliance_id
        response = client.post(
            "/api/v1/reports/", {"kind": kind, "parameters": {parameter: value}}, format="json"
        )
        assert response.status_code in (201, 404), (kind, response.json())
        allowed[kind] = response.status_code == 201
    return allowed


# One test per persona, asking every endpoint and report kind (one world each: fast).
@pytest.mark.parametrize("who", sorted(READS))
def test_each_persona_reads_what_9a_says(api, world, scene, who):
    client = api(persona(world, who))
    parts = READS[who]
    expected = {collection: part in parts for collection, (_u, part) in COLLECTIONS.items()}
    if who == "appraiser":
        expected["appraisal-list"] = True  # its own (checked below)
    assert collections_read(client, scene, who) == expected
    if who == "appraiser":
        own = rows(client, "/api/v1/appraisals/")
        assert {row["appraiser"] for row in own} == {"appraiser"}
    assert reports_allowed(client, scene) == {
        kind: part in parts for kind, (_p, part) in REPORT_KINDS.items()
    }
    if not {part for _p, part in REPORT_KINDS.values()} & parts:
        assert ReportJob.objects.count() == 0


@pytest.mark.parametrize("who", sorted(READS))
def test_the_plan_detail_carries_only_the_parts_one_reads(api, world, scene, who):
    response = api(persona(world, who)).get(f"/api/v1/plans/{scene.pk}/")
    if SUMMARY not in READS[who]:
        assert response.status_code == 404
        return
    body = response.json()
    version = body["current_version"]
    assert bool(version["budget_lines"]) == (CONTENT in READS[who])
    assert bool(body["screening_checks"]) == (CONTENT in READS[who])
    assert (body["approved_grant"] is not None) == (CONTENT in READS[who])
    assert (body["appraisal_score"] is not None) == (SCORE in READS[who])
    appraisers = {row["appraiser"] for row in body["appraisals"]}
    if APPRAISALS in READS[who]:
        assert appraisers == {"appraiser", "appraiser2"}
    elif who == "appraiser":
        assert appraisers == {"appraiser"}
    else:
        assert appraisers == set()
    nested = api(persona(world, who)).get(f"/api/v1/plans/{scene.pk}/appraisals/").json()
    assert {row["appraiser"] for row in nested} == appraisers


@pytest.mark.parametrize("who", sorted(READS))
def test_a_single_object_is_a_404_outside_the_scope(api, world, scene, who):
    tranche = scene.commitment.tranches.order_by("number").first()
    appraisal = scene.current_version.appraisals.get(appraiser=world.appraiser2)
    contribution = scene.contributions.order_by("pk").last()
    client = api(persona(world, who))
    expected = {
        f"/api/v1/alliances/{scene.alliance_id}/": SUMMARY in READS[who],
        f"/api/v1/tranches/{tranche.pk}/": MONEY in READS[who],
        f"/api/v1/counterpart-contributions/{contribution.pk}/": MONEY in READS[who],
        f"/api/v1/appraisals/{appraisal.pk}/": APPRAISALS in READS[who],
    }
    for url, readable in expected.items():
        assert client.get(url).status_code == (200 if readable else 404), (who, url)


@pytest.mark.parametrize("who", sorted(READS))
def test_portfolio_reports_are_for_ministry_staff_and_funders(api, world, scene, who):
    client = api(persona(world, who))
    staff_or_funder = who in {"officer", "committee", "finance", "me_officer", "funder_user"}
    staff_or_funder |= who == "regional_officer"  # its own region's portfolio
    for kind in ("portfolio_xlsx", "portfolio_pdf"):
        response = client.post("/api/v1/reports/", {"kind": kind, "parameters": {}}, format="json")
        assert response.status_code == (201 if staff_or_funder else 403), (who, response.json())


@pytest.mark.parametrize("who", sorted(set(READS) - {"officer"}))
def test_a_report_file_is_its_requesters_alone(api, world, scene, who, settings, tmp_path):
    job = report_request(
        kind="alliance_factsheet_pdf", parameters={"alliance": scene.alliance_id}, by=world.officer
    )
    client = api(persona(world, who))
    assert client.get(f"/api/v1/reports/{job.pk}/").status_code == 404
    assert client.get(f"/api/v1/reports/{job.pk}/download/").status_code == 404
    assert job.pk not in [row["id"] for row in rows(client, "/api/v1/reports/")]


@pytest.mark.parametrize("who", sorted(READS))
def test_the_plan_page_shows_the_same_parts_as_the_api(client, world, scene, who):
    """Pages ask the same scope: the buyer's plan page has no budget, no cash flows, no
    analysis and no report button for money; an unassigned appraiser gets a 404."""
    client.force_login(persona(world, who))
    response = client.get(f"/plans/{scene.pk}/")
    if SUMMARY not in READS[who]:
        assert response.status_code == 404
        return
    html = response.content.decode()
    assert ("Investment budget" in html) == (CONTENT in READS[who])
    assert ("Financial analysis" in html) == (CONTENT in READS[who])
    assert ("Alliance fact sheet (PDF)" in html) == (MONEY in READS[who])
    assert ("Committee dossier (PDF)" in html) == (APPRAISALS in READS[who])
