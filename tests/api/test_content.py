"""A plan's content through the API: budget lines, the cash-flow projection and the
current version's texts. Only the producer organization's side edits the open version."""

from decimal import Decimal

import pytest

from plans.models import BudgetLine, CashFlowRow, PlanStatus
from tests.plans.support import snapshot

from .support import error

D = Decimal

LINE = {
    "category": "equipment",
    "description": "Tarpaulins",
    "quantity": "3.5",
    "unit_cost": "1001",
    "grant": "2452",
    "producer_cash": "1052",
    "producer_in_kind": "0",
    "buyer": "0",
    "credit": "0",
    "other": "0",
}


def lines_url(plan, line=None) -> str:
    base = f"/api/v1/plans/{plan.pk}/budget-lines/"
    return f"{base}{line.pk}/" if line else base


def lines_of(plan) -> list:
    return list(
        BudgetLine.objects.filter(version__plan=plan)
        .order_by("id")
        .values_list("description", "quantity", "unit_cost", "amount", "grant", "producer_cash")
    )


def test_producer_adds_a_line_whose_amount_is_rounded_to_the_currency(api, world):
    plan = world.build()
    response = api(world.producer).post(lines_url(plan), LINE, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    # 3.5 × 1001 = 3503.5 XOF, rounded half to even to 3504 (XOF has no minor unit).
    assert (body["amount"], body["grant"], body["producer_cash"]) == (
        "3504.00",
        "2452.00",
        "1052.00",
    )
    assert lines_of(plan)[-1] == (
        "Tarpaulins",
        D("3.500"),
        D("1001.00"),
        D("3504.00"),
        D("2452.00"),
        D("1052.00"),
    )


def test_a_split_that_does_not_add_up_is_400_and_saves_nothing(api, world):
    plan = world.build()
    before = lines_of(plan)
    response = api(world.producer).post(
        lines_url(plan), {**LINE, "producer_cash": "1000"}, format="json"
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "__all__": [
            "The split by source adds up to XOF\u00a03,452, but the line costs XOF\u00a03,504 "
            "(quantity × unit cost): a difference of XOF\u00a052."
        ]
    }
    assert lines_of(plan) == before


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"quantity": "0"}, {"quantity": ["Enter a quantity greater than zero."]}),
        ({"grant": "-1"}, {"grant": ["Enter zero or more."]}),
        ({"grant": "2451.50", "producer_cash": "1052.50"}, {
            "grant": ["XOF amounts cannot be finer than its minor unit."],
            "producer_cash": ["XOF amounts cannot be finer than its minor unit."],
        }),
        ({"category": "yachts"}, {"category": ['"yachts" is not a valid choice.']}),
        ({"description": ""}, {"description": ["This field may not be blank."]}),
        ({"quantity": "999999999", "unit_cost": "99999999999999"}, {
            "unit_cost": ["Quantity × unit cost is too large."]
        }),
    ],
)  # fmt: skip
def test_bad_lines_are_400_with_field_messages(api, world, changes, fields):
    plan = world.build()
    before = lines_of(plan)
    response = api(world.producer).post(lines_url(plan), {**LINE, **changes}, format="json")
    assert response.status_code == 400
    assert error(response)["fields"] == fields
    assert lines_of(plan) == before


def test_producer_changes_and_removes_a_line(api, world):
    plan = world.build()
    line = plan.current_version.budget_lines.get()
    client = api(world.producer)
    response = client.patch(
        lines_url(plan, line),
        {"quantity": "2", "unit_cost": "10000000", "description": "Two shellers"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["amount"] == "20000000.00"
    line.refresh_from_db()
    assert (line.description, line.quantity, line.grant) == ("Two shellers", D("2"), D("14000000"))
    assert client.delete(lines_url(plan, line)).status_code == 204
    assert lines_of(plan) == []


def test_officer_may_not_edit_a_line(api, world):
    plan = world.build()
    before = lines_of(plan)
    response = api(world.officer).post(lines_url(plan), LINE, format="json")
    assert response.status_code == 403
    assert error(response)["detail"] == (
        "Only the producer organization or its technical assistance provider edits the plan."
    )
    assert lines_of(plan) == before


def test_another_organizations_lines_are_404(api, world):
    plan = world.build()
    line = plan.current_version.budget_lines.get()
    before = lines_of(plan)
    client = api(world.producer_b)
    assert client.get(lines_url(plan)).status_code == 404
    assert client.post(lines_url(plan), LINE, format="json").status_code == 404
    assert client.delete(lines_url(plan, line)).status_code == 404
    assert lines_of(plan) == before


def test_a_frozen_version_is_409(api, world):
    plan = world.build(PlanStatus.SUBMITTED)
    line = plan.current_version.budget_lines.get()
    before = snapshot(plan), lines_of(plan)
    client = api(world.producer)
    response = client.post(lines_url(plan), LINE, format="json")
    assert response.status_code == 409
    assert error(response)["detail"] == (
        "This version is submitted and frozen: it can no longer be edited."
    )
    assert client.delete(lines_url(plan, line)).status_code == 409
    assert (snapshot(plan), lines_of(plan)) == before


def test_everyone_who_sees_the_plan_reads_its_lines(api, world):
    plan = world.build(PlanStatus.SUBMITTED)
    [line] = api(world.funder_user).get(lines_url(plan)).json()
    assert line["amount"] == "20000000.00"


# --- cash flows ------------------------------------------------------------------------


def years(n: int, revenue: str = "9000000") -> list[dict]:
    return [
        {
            "year": y,
            "revenue_with": "0" if y == 0 else revenue,
            "costs_with": "5000000",
            "revenue_without": "4000000",
            "costs_without": "2000000",
        }
        for y in range(n + 1)
    ]


def flows_of(plan) -> list:
    return list(
        CashFlowRow.objects.filter(version__plan=plan)
        .order_by("year")
        .values_list("year", "revenue_with")
    )


def test_producer_replaces_the_projection(api, world):
    plan = world.build()
    client = api(world.producer)
    response = client.put(
        f"/api/v1/plans/{plan.pk}/cash-flows/", {"years": years(5)}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [row["revenue_with"] for row in response.json()["years"]] == ["0.00"] + [
        "9000000.00"
    ] * 5
    assert flows_of(plan)[1] == (1, D("9000000.00"))
    analysis = client.get(f"/api/v1/plans/{plan.pk}/").json()["current_version"]["analysis"]
    assert analysis["flows"] == ["-27000000.00"] + ["2000000.00"] * 5


def test_an_incomplete_projection_is_400_and_keeps_the_old_one(api, world):
    plan = world.build()
    before = flows_of(plan)
    response = api(world.producer).put(
        f"/api/v1/plans/{plan.pk}/cash-flows/", {"years": years(3)}, format="json"
    )
    assert response.status_code == 400
    assert error(response)["detail"] == "Give every year from 0 to 5."
    response = api(world.producer).put(
        f"/api/v1/plans/{plan.pk}/cash-flows/",
        {"years": years(5) + [years(5)[0]]},
        format="json",
    )
    assert error(response)["fields"] == {"years": ["Give each year once."]}
    assert flows_of(plan) == before


def test_projection_refusals(api, world):
    plan = world.build(PlanStatus.SUBMITTED)
    before = flows_of(plan)
    url = f"/api/v1/plans/{plan.pk}/cash-flows/"
    assert api(world.producer).put(url, {"years": years(5)}, format="json").status_code == 409
    assert api(world.officer).put(url, {"years": years(5)}, format="json").status_code == 403
    assert api(world.producer_b).put(url, {"years": years(5)}, format="json").status_code == 404
    assert flows_of(plan) == before
    assert len(api(world.officer).get(url).json()["years"]) == 6


# --- the current version's texts -------------------------------------------------------


def test_producer_changes_the_title_and_horizon(api, world):
    plan = world.build()
    url = f"/api/v1/plans/{plan.pk}/current-version/"
    response = api(world.producer).patch(
        url, {"title": "Storage first", "horizon_years": 3}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["horizon_years"]) == ("Storage first", 3)
    # The shorter horizon dropped years 4 and 5.
    assert [row["year"] for row in body["cash_flows"]] == [0, 1, 2, 3]


def test_version_refusals_change_nothing(api, world):
    plan = world.build()
    url = f"/api/v1/plans/{plan.pk}/current-version/"
    response = api(world.producer).patch(url, {"horizon_years": 0}, format="json")
    assert error(response)["fields"] == {
        "horizon_years": ["Ensure this value is greater than or equal to 1."]
    }
    assert api(world.officer).patch(url, {"title": "X"}, format="json").status_code == 403
    assert api(world.producer_b).patch(url, {"title": "X"}, format="json").status_code == 404
    submitted = world.build(PlanStatus.SUBMITTED)
    response = api(world.producer).patch(
        f"/api/v1/plans/{submitted.pk}/current-version/", {"title": "X"}, format="json"
    )
    assert response.status_code == 409
    plan.refresh_from_db()
    assert plan.current_version.title == "Maize shelling and storage"
    assert submitted.current_version.title == "Maize shelling and storage"
