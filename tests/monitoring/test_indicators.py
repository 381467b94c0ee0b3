"""The indicators page and the baselines-and-targets form (§8): who reads, who sets,
bad numbers kept in the form with nothing saved."""

from decimal import Decimal

import pytest
from django.urls import reverse

from monitoring.models import IndicatorBaseline, IndicatorTarget
from plans.models import PlanStatus
from tests.factories import fill_report

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)

D = Decimal


@pytest.fixture
def plan(world):
    return world.build(PlanStatus.ACTIVE)


def url(name, pk):
    return reverse(f"monitoring:{name}", args=[pk])


def as_user(client, user):
    client.force_login(user)
    return client


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


def blank_form(client, plan) -> dict:
    """The form as the page shows it: every box with its current value."""
    form = client.get(url("targets", plan.pk)).context["form"]
    return {name: form[name].value() or "" for name in form.fields}


@pytest.mark.parametrize("who", ["producer", "ta", "officer", "me_officer", "funder_user"])
def test_the_alliance_and_the_ministry_read_the_indicators(client, world, plan, who):
    response = as_user(client, getattr(world, who)).get(url("indicators", plan.pk))
    assert response.status_code == 200
    codes = [row.indicator.code for row in response.context["rows"]]
    assert codes[:2] == ["sales_volume", "sales_value"]
    assert 'id="indicator-sales_volume"' in response.content.decode()
    # The first period starts on the signing date, today: its column links to its report.
    assert len(response.context["reports"]) == 1
    report = response.context["reports"][0]
    assert reverse("monitoring:report", args=[report.pk]) in response.content.decode()


@pytest.mark.parametrize("who", ["buyer_user", "producer_b", "outsider", "regional_officer"])
def test_the_buyer_and_others_do_not_find_the_indicators(client, world, plan, who):
    user = as_user(client, getattr(world, who))
    assert user.get(url("indicators", plan.pk)).status_code == 404
    assert user.get(url("targets", plan.pk)).status_code == 404
    assert user.post(url("targets", plan.pk), {"sales_volume__end": "5"}).status_code == 404
    assert saved(plan) == ([], [])


@pytest.mark.parametrize("who", ["me_officer", "officer"])
def test_officers_set_baselines_and_targets(client, world, plan, who):
    user = as_user(client, getattr(world, who))
    page = user.get(url("indicators", plan.pk))
    assert page.context["can_set_targets"] is True
    form = user.get(url("targets", plan.pk)).context["form"]
    assert form.years == [1, 2, 3, 4, 5]  # the plan's horizon
    data = blank_form(user, plan) | {
        "sales_volume__baseline": "20000",
        "sales_volume__y1": "60000",
        "sales_volume__y2": "80000",
        "sales_volume__end": "100000",
        "yield__baseline": "1.8",
        "yield__end": "2.75",
    }
    response = user.post(url("targets", plan.pk), data)
    assert response.status_code == 302
    assert response.url == url("indicators", plan.pk)
    assert saved(plan) == (
        [("sales_volume", D("20000.000")), ("yield", D("1.800"))],
        [
            ("sales_volume", 1, D("60000.000")),
            ("sales_volume", 2, D("80000.000")),
            ("sales_volume", None, D("100000.000")),
            ("yield", None, D("2.750")),
        ],
    )
    # The form shows what is saved; emptying a box removes the value.
    data = blank_form(user, plan)
    assert (data["sales_volume__y2"], data["yield__end"]) == ("80,000", "2.75")
    data["sales_volume__y2"] = ""
    assert user.post(url("targets", plan.pk), data).status_code == 302
    assert [t for t in saved(plan)[1] if t[0] == "sales_volume"] == [
        ("sales_volume", 1, D("60000.000")),
        ("sales_volume", None, D("100000.000")),
    ]
    # The indicators page shows baseline, targets and progress.
    page = user.get(url("indicators", plan.pk))
    row = next(r for r in page.context["rows"] if r.indicator.code == "sales_volume")
    assert (row.baseline, row.targets[0], row.end_target, row.to_date, row.progress) == (
        "20,000",
        "60,000",
        "100,000",
        "0",
        0,
    )


@pytest.mark.parametrize("who", ["producer", "ta", "funder_user"])
def test_the_producer_side_may_not_set_targets(client, world, plan, who):
    user = as_user(client, getattr(world, who))
    assert user.get(url("indicators", plan.pk)).context["can_set_targets"] is False
    assert user.get(url("targets", plan.pk)).status_code == 403
    response = user.post(url("targets", plan.pk), {"sales_volume__end": "5"})
    assert response.status_code == 403
    assert saved(plan) == ([], [])


@pytest.mark.parametrize(
    "bad, field", [("lots", "yield__y1"), ("-4", "yield__end"), ("1.0005", "jobs__baseline")]
)
def test_a_bad_number_is_kept_and_nothing_is_saved(client, world, plan, bad, field):
    user = as_user(client, world.me_officer)
    data = blank_form(user, plan) | {"sales_volume__end": "100000", field: bad}
    response = user.post(url("targets", plan.pk), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert form[field].value() == bad
    assert form["sales_volume__end"].value() == "100000"
    assert saved(plan) == ([], [])


def test_report_values_show_per_period_with_their_disaggregation(client, world, plan):
    report = plan.alliance.monitoring_reports.order_by("period_start").first()
    fill_report(report, by=world.producer, value="12")
    page = as_user(client, world.me_officer).get(url("indicators", plan.pk))
    rows = {r.indicator.code: r for r in page.context["rows"]}
    assert rows["members_trained"].cells == [(report, "12 (women 4, youth 3)")]
    assert rows["yield"].cells == [(report, "12")]
    assert rows["sales_volume"].cells == [(report, "0")]
    # Not accepted yet: reported indicators have no value to date.
    assert rows["yield"].to_date == "—"
    assert f"status report-{report.status}" in page.content.decode()
