"""A business plan as the API answers it, for the examples of the schema (the answers of
the plan's transitions). tests/api/test_schema.py validates it against the schema."""

from __future__ import annotations

SOURCES = ("grant", "producer_cash", "producer_in_kind", "buyer", "credit", "other")
AT = "2025-01-15T09:00:00Z"


def _by_source(*amounts: str) -> dict:
    return dict(zip(SOURCES, amounts, strict=True))


CURRENT_VERSION = {
    "number": 1,
    "title": "Maize shelling and storage",
    "summary": "A sheller and a 200-tonne store for the cooperative's maize.",
    "market_description": "Sold to the buyer under a three-year agreement.",
    "technical_description": "",
    "environmental_social": "",
    "horizon_years": 5,
    "frozen_at": AT,
    "created_at": "2025-01-10T14:30:00Z",
    "beneficiaries": {"families": 30, "women": 15, "youth": 10},
    "budget_lines": [
        {
            "id": 3,
            "category": "equipment",
            "description": "Maize sheller",
            "quantity": "1.000",
            "unit_cost": "20000000.00",
            "amount": "20000000.00",
            **_by_source("14000000.00", "3000000.00", "1000000.00", "2000000.00", "0.00", "0.00"),
        }
    ],
    "cash_flows": [
        {
            "year": year,
            "revenue_with": revenue,
            "costs_with": "5000000.00",
            "revenue_without": "4000000.00",
            "costs_without": "2000000.00",
        }
        for year, revenue in ((0, "0.00"), (1, "12000000.00"))
    ],
    "analysis": {
        "total_investment": "20000000.00",
        "totals_by_source": _by_source(
            "14000000.00", "3000000.00", "1000000.00", "2000000.00", "0.00", "0.00"
        ),
        "shares_by_source": _by_source("0.7000", "0.1500", "0.0500", "0.1000", "0.0000", "0.0000"),
        "flows": ["-27000000.00", "5000000.00"],
        "npv": "-8976118.99",
        "irr": "-0.0251",
        "irr_status": "ok",
        "benefit_cost_ratio": "0.73",
        "payback_year": None,
        "grant_per_family": "466666.67",
    },
}


def plan_example(status: str, **changes) -> dict:
    """The plan at `status` (with an approved grant from `approved` on)."""
    decided = status not in {
        "draft",
        "submitted",
        "screening",
        "appraisal",
        "committee",
        "revision_requested",
        "rejected",
        "withdrawn",
    }
    return {
        "id": 3,
        "status": status,
        "title": CURRENT_VERSION["title"],
        "version": 1,
        "alliance": {
            "id": 3,
            "code": "BJ-2025-0003",
            "name": "Kandi maize",
            "program": {"id": 1, "code": "PADAAM", "currency": "XOF"},
            "producer_organization": {"id": 1, "name": "Coopérative Kandi"},
            "buyer": {"id": 1, "name": "Agro-Bénin SA"},
            "value_chain": {"id": 1, "code": "maize", "name": "Maize"},
            "product": {"id": 1, "name": "Maize", "unit": "kg", "value_chain": 1},
            "region": {"id": 1, "code": "AL", "name": "Alibori", "country": "BJ"},
            "created_at": "2025-01-10T14:30:00Z",
        },
        "currency": "XOF",
        "approved_grant": "14000000.00" if decided else None,
        "created_at": "2025-01-10T14:30:00Z",
        "updated_at": AT,
        "allowed_actions": [],
        "approval_conditions": "",
        "suspended_from": "",
        "can_edit_content": status == "draft",
        "submission_problems": [],
        "current_version": CURRENT_VERSION,
        "versions": [
            {
                "number": 1,
                "title": CURRENT_VERSION["title"],
                "frozen_at": AT,
                "created_at": CURRENT_VERSION["created_at"],
            }
        ],
        "screening_checks": [],
        "appraisals": [],
        "appraisal_score": "80.00" if decided or status == "committee" else None,
        **changes,
    }
