"""An alliance's baselines and targets in the API (issue 19): read by those who read its
monitoring (the indicators page's table), set by officers through
`monitoring.services.targets_save`, all or nothing, as the targets page does."""

from decimal import Decimal

import pytest

from monitoring.models import IndicatorBaseline, IndicatorTarget
from monitoring.services import targets_save
from plans.models import PlanStatus

from .support import error

pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]

D = Decimal
CODES = [
    "sales_volume",
    "sales_value",
    "yield",
    "household_income",
    "members_trained",
    "members",
    "jobs",
    "improved_area",
    "revolving_repayments",
]


@pytest.fixture
def plan(world):
    return world.build(PlanStatus.ACTIVE)


def url(alliance_id) -> str:
    return f"/api/v1/alliances/{alliance_id}/indicator-targets/"


def saved(plan):
    return (
        sorted(
            IndicatorBaseline.objects.filter(alliance=plan.alliance).values_list(
                "indicator__code", "value"
            )
        ),
        sorted(
            IndicatorTarget.objects.filter(alliance=plan.alliance).values_list(
                "indicator__code", "year", "value"
            ),
            key=lambda t: (t[0], t[1] or 99),
        ),
    )


def change(api, user, plan, indicators):
    return api(user).patch(url(plan.alliance_id), {"indicators": indicators}, format="json")


@pytest.mark.parametrize(
    "who", ["producer", "ta", "officer", "me_officer", "funder_user", "finance"]
)
def test_who_reads_the_monitoring_reads_the_table(api, world, plan, who):
    targets_save(
        alliance=plan.alliance,
        by=world.officer,
        baselines={"yield": "1.8"},
        targets={"yield": {1: "2", 2: "2.4", None: "2.75"}},
    )
    response = api(getattr(world, who)).get(url(plan.alliance_id))
    assert response.status_code == 200
    rows = response.json()
    assert [row["indicator"] for row in rows] == CODES
    assert next(row for row in rows if row["indicator"] == "yield") == {
        "indicator": "yield",
        "name": "Yield",
        "unit": "t/ha",
        "is_money": False,
        "baseline": "1.800",
        "targets": [{"year": 1, "value": "2.000"}, {"year": 2, "value": "2.400"}],
        "end_target": "2.750",
        "to_date": None,
        "progress": None,
    }
    sales = next(row for row in rows if row["indicator"] == "sales_value")
    assert (sales["unit"], sales["is_money"], sales["baseline"], sales["to_date"]) == (
        "XOF",
        True,
        None,
        "0.000",
    )


@pytest.mark.parametrize(
    "who", ["buyer_user", "producer_b", "regional_officer", "outsider", "appraiser"]
)
def test_who_does_not_read_the_monitoring_gets_404(api, world, plan, who):
    client = api(getattr(world, who))
    response = client.get(url(plan.alliance_id))
    assert response.status_code == 404
    assert error(response)["detail"] == "No such alliance."
    response = change(api, getattr(world, who), plan, {"yield": {"end_target": "5"}})
    assert response.status_code == 404
    assert saved(plan) == ([], [])


@pytest.mark.parametrize("who", ["me_officer", "officer"])
def test_officers_set_baselines_and_targets(api, world, plan, who):
    response = change(
        api,
        getattr(world, who),
        plan,
        {
            "sales_volume": {
                "baseline": "20000",
                "targets": {"1": "60000", "2": 80000},
                "end_target": 100000,
            },
            "yield": {"baseline": 1.8, "end_target": "2.75"},
        },
    )
    assert response.status_code == 200, response.json()
    assert saved(plan) == (
        [("sales_volume", D("20000.000")), ("yield", D("1.800"))],
        [
            ("sales_volume", 1, D("60000.000")),
            ("sales_volume", 2, D("80000.000")),
            ("sales_volume", None, D("100000.000")),
            ("yield", None, D("2.750")),
        ],
    )
    volume = next(row for row in response.json() if row["indicator"] == "sales_volume")
    assert (volume["unit"], volume["targets"], volume["to_date"], volume["progress"]) == (
        "kg",
        [{"year": 1, "value": "60000.000"}, {"year": 2, "value": "80000.000"}],
        "0.000",
        0,
    )

    # What is left out stays; null removes.
    response = change(
        api, getattr(world, who), plan, {"sales_volume": {"targets": {"2": None}, "baseline": None}}
    )
    assert response.status_code == 200
    assert saved(plan) == (
        [("yield", D("1.800"))],
        [
            ("sales_volume", 1, D("60000.000")),
            ("sales_volume", None, D("100000.000")),
            ("yield", None, D("2.750")),
        ],
    )


@pytest.mark.parametrize("who", ["producer", "ta", "funder_user", "finance", "committee"])
def test_others_who_read_it_may_not_set_it(api, world, plan, who):
    response = change(api, getattr(world, who), plan, {"yield": {"end_target": "5"}})
    assert response.status_code == 403
    assert error(response)["detail"] == (
        "Only a monitoring and evaluation officer or programme officer of this alliance may "
        "set baselines and targets."
    )
    assert saved(plan) == ([], [])


@pytest.mark.parametrize(
    ("indicators", "fields"),
    [
        ({"yield": {"end_target": "lots"}}, {"yield.target.end": ["Give a number for “Yield”."]}),
        (
            {"yield": {"targets": {"1": "-4"}}},
            {"yield.target.1": ["Give a number of zero or more for “Yield”."]},
        ),
        (
            {"jobs": {"baseline": "1.0005"}},
            {"jobs.baseline": ["Give “Jobs created” with at most three decimals."]},
        ),
        (
            {"yield": {"targets": {"0": "2", "year": "3"}}},
            {
                "yield.target": [
                    "A target's year is a plan year from 1 to 30.",
                    "A target's year is a plan year from 1 to 30.",
                ]
            },
        ),
        (
            {"cocoa": {"baseline": "3"}},
            {"indicators": ["These indicators are not reported by this alliance: cocoa."]},
        ),
    ],
)
def test_one_bad_value_and_nothing_is_saved(api, world, plan, indicators, fields):
    good = {"sales_volume": {"baseline": "20000", "end_target": "100000"}}
    response = change(api, world.me_officer, plan, good | indicators)
    assert response.status_code == 400
    assert error(response)["fields"] == fields
    assert saved(plan) == ([], [])


@pytest.mark.parametrize(
    "body",
    [{}, {"indicators": []}, {"indicators": {"yield": {"baseline": True}}}, {"indicators": "x"}],
)
def test_a_body_of_the_wrong_shape_is_a_400(api, world, plan, body):
    response = api(world.me_officer).patch(url(plan.alliance_id), body, format="json")
    assert response.status_code == 400
    assert error(response)["fields"]
    assert saved(plan) == ([], [])


def test_other_methods_and_ids(api, world, plan):
    client = api(world.me_officer)
    assert client.put(url(plan.alliance_id), {}, format="json").status_code == 405
    assert client.get(url("x")).status_code == 404
    assert client.get(url(2**70)).status_code == 404
    assert api().get(url(plan.alliance_id)).status_code == 401
