"""One alliance, from the producer organization's proposal to the first payment of its
grant, through the API alone, as the demo users of DESIGN.md §11 (each signs in with
their username and the demo password, and only uses what the API shows them).

Run by `tests/test_demo.py` on the demo its module loads once (loading the demo costs
more than the journey): `walk(password)`, in the test's savepoint.
"""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import EVIDENCE_PDF

D = Decimal


def sign_in(username: str, password: str) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.json()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def ok(response, status=200) -> dict:
    assert response.status_code == status, (response.status_code, response.json())
    return response.json() if response.content else {}


def walk(password: str) -> None:
    """The journey, signed in with the demo's `password`."""
    producer = sign_in("producer", password)
    officer = sign_in("officer", password)
    committee = sign_in("committee", password)
    buyer = sign_in("buyer", password)

    # --- the producer organization proposes and prepares its plan ----------------------
    [organization] = ok(producer.get("/api/v1/producer-organizations/"))["results"]
    program = next(
        p for p in ok(producer.get("/api/v1/programs/"))["results"] if p["code"] == "BJ-PADAAM"
    )
    maize = next(
        product
        for chain in program["eligible_value_chains"]
        for product in chain["products"]
        if product["name"] == "Grain maize"  # the English name (demo/data.py)
    )
    agronova = next(
        b
        for b in ok(producer.get("/api/v1/buyers/"))["results"]
        if b["name"] == "AgroNova Bénin SA"
    )
    plan = ok(
        producer.post(
            "/api/v1/plans/",
            {
                "program": program["id"],
                "producer_organization": organization["id"],
                "buyer": agronova["id"],
                "product": maize["id"],
                "name": "Maïs de Kandi : stockage et égrenage",
                "title": "Magasin de stockage et égreneuse",
                "horizon_years": 3,
            },
            format="json",
        ),
        201,
    )
    url = f"/api/v1/plans/{plan['id']}/"
    assert plan["status"] == "draft"
    assert [a["action"] for a in plan["allowed_actions"]] == ["submit", "withdraw"]
    ok(
        producer.post(
            url + "budget-lines/",
            {
                "category": "infrastructure",
                "description": "Magasin de 200 t",
                "quantity": "1",
                "unit_cost": "30000000",
                "grant": "21000000",
                "producer_cash": "4500000",
                "producer_in_kind": "1500000",
                "buyer": "3000000",
            },
            format="json",
        ),
        201,
    )
    years = [
        {
            "year": year,
            "revenue_with": "0" if year == 0 else "30000000",
            "costs_with": "8000000",
            "revenue_without": "6000000",
            "costs_without": "3000000",
        }
        for year in range(4)
    ]
    ok(producer.put(url + "cash-flows/", {"years": years}, format="json"))
    plan = ok(producer.get(url))
    assert plan["submission_problems"] == []
    assert plan["current_version"]["analysis"]["total_investment"] == "30000000.00"
    assert plan["current_version"]["analysis"]["shares_by_source"]["grant"] == "0.7000"
    assert ok(producer.post(url + "submit/"))["status"] == "submitted"

    # --- screening and appraisal -----------------------------------------------------
    ok(officer.post(url + "start-screening/"))
    checks = {
        code: {"passed": True, "note": ""}
        for code in ("legal_status", "roster_verified", "buyer_intent", "field_visit")
    }
    screening = ok(officer.post(url + "screening/", {"checks": checks}, format="json"))
    assert all(check["passed"] for check in screening)
    assert ok(officer.post(url + "pass-screening/"))["status"] == "appraisal"
    for username in ("appraiser", "appraiser2"):
        ok(officer.post(url + "appraisals/", {"appraiser": username}, format="json"), 201)
    criteria = ok(producer.get(f"/api/v1/programs/{program['id']}/"))["criteria"]
    for username in ("appraiser", "appraiser2"):
        appraiser = sign_in(username, password)
        [mine] = [
            a
            for a in ok(appraiser.get("/api/v1/appraisals/?page_size=200"))["results"]
            if a["plan"] == plan["id"] and a["appraiser"] == username
        ]
        ok(appraiser.post(f"/api/v1/appraisals/{mine['id']}/declare-no-conflict/"))
        scored = ok(
            appraiser.post(
                f"/api/v1/appraisals/{mine['id']}/submit/",
                {
                    "scores": [{"criterion": c["id"], "score": "8"} for c in criteria],
                    "recommendation": "approve",
                    "comment": "Marché assuré par l'acheteur.",
                },
                format="json",
            )
        )
        assert scored["score"] == "80.00"
    assert ok(officer.post(url + "complete-appraisal/"))["status"] == "committee"

    # --- decision, agreement and legalization -----------------------------------------
    plan = ok(
        committee.post(
            url + "approve/",
            {"approved_grant": "21000000", "conditions": "Rapports trimestriels"},
            format="json",
        )
    )
    assert (plan["status"], plan["approved_grant"]) == ("approved", "21000000.00")
    agreement = ok(
        producer.post(
            "/api/v1/purchase-agreements/",
            {
                "alliance": plan["alliance"]["id"],
                "product": maize["id"],
                "unit": "kg",
                "annual_volume": "400000",
                "price_type": "fixed",
                "unit_price": "215",
                "duration_months": 36,
            },
            format="json",
        ),
        201,
    )
    agreement_url = f"/api/v1/purchase-agreements/{agreement['id']}/"
    ok(producer.post(agreement_url + "send/"))
    assert ok(buyer.post(agreement_url + "confirm/"))["status"] == "confirmed"
    checklist_url = f"/api/v1/alliances/{plan['alliance']['id']}/legalization-checks/"
    for item in ok(officer.get(checklist_url)):
        ok(officer.post(checklist_url, {"requirement": item["requirement"]}, format="json"))
    assert all(item["done"] for item in ok(officer.get(checklist_url)))
    # The producers' first cash deposit, with its bank slip, verified: tranche 1's condition.
    slip = SimpleUploadedFile("bordereau.pdf", EVIDENCE_PDF, content_type="application/pdf")
    deposit = ok(
        producer.post(
            "/api/v1/counterpart-contributions/",
            {
                "plan": plan["id"],
                "kind": "producer_cash",
                "amount": "1000000",
                "contributed_on": timezone.localdate().isoformat(),
                "description": "Premier apport des membres",
                "file": slip,
            },
            format="multipart",
        ),
        201,
    )
    deposit_url = f"/api/v1/counterpart-contributions/{deposit['id']}/verify/"
    assert ok(officer.post(deposit_url, {}, format="json"))["status"] == "verified"
    assert ok(officer.post(url + "sign-agreement/"))["status"] == "active"

    # --- the first tranche -------------------------------------------------------------
    tranches = ok(producer.get(f"/api/v1/tranches/?plan={plan['id']}&ordering=number"))["results"]
    assert [(t["number"], t["amount"], t["status"]) for t in tranches] == [
        (1, "7000000.00", "planned"),
        (2, "7000000.00", "planned"),
        (3, "7000000.00", "planned"),
    ]
    tranche_url = f"/api/v1/tranches/{tranches[0]['id']}/"
    upload = SimpleUploadedFile("releve.pdf", EVIDENCE_PDF, content_type="application/pdf")
    ok(
        producer.post(
            tranche_url + "evidence/",
            {"title": "Relevé du premier apport", "file": upload},
            format="multipart",
        ),
        201,
    )
    assert ok(producer.post(tranche_url + "request/"))["status"] == "requested"
    assert ok(officer.post(tranche_url + "verify/"))["status"] == "verified"
    assert (
        ok(sign_in("finance", password).post(tranche_url + "authorize/"))["status"] == "authorized"
    )
    paid = ok(
        sign_in("finance2", password).post(
            tranche_url + "pay/",
            {
                "amount": "7000000",
                "paid_on": timezone.localdate().isoformat(),
                "reference": "TRESOR-2025-0001",
            },
            format="json",
        )
    )
    assert (paid["status"], paid["net_paid"]) == ("paid", "7000000.00")
    assert (paid["verified_by"], paid["authorized_by"]) == ("officer", "finance")
    [payment] = ok(producer.get(f"/api/v1/disbursements/?plan={plan['id']}"))["results"]
    assert (payment["kind"], payment["amount"], payment["reference"], payment["recorded_by"]) == (
        "payment",
        "7000000.00",
        "TRESOR-2025-0001",
        "finance2",
    )
    assert ok(producer.get(url))["status"] == "active"  # two tranches still to pay
