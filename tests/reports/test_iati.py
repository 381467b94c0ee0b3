"""The IATI export (report kind `iati_activities_xml`): valid against the official IATI
2.03 activity schema (read from disk: reports/iati_schema/2.03), the ledger's figures,
the programme's funded alliances only, results from the indicators, who may ask, and a
fixed number of queries whatever the number of alliances."""

from __future__ import annotations

import datetime
import functools
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from accounts.models import Role, User
from accounts.policy import ActionRefused
from alliances.models import Alliance
from core.dates import add_months
from demo.seeding import seed_portfolio
from funding.models import GrantCommitment, Payment, Program, Tranche
from plans.models import PlanStatus
from reports.generators import KINDS
from reports.generators.base import Context, Progress
from reports.models import ReportJob, ReportKind
from reports.services import report_request
from tests.factories import ProgramFactory, UserFactory, member_of

from .support import build_portfolio, monitored_alliance

pytestmark = pytest.mark.django_db
D = Decimal
KIND = ReportKind.IATI_ACTIVITIES_XML
SCHEMA = Path(__file__).resolve().parents[2] / "reports/iati_schema/2.03/iati-activities-schema.xsd"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@functools.cache
def activity_schema() -> xmlschema.XMLSchema:
    """The official schema with its includes, from disk; never anything from the network."""
    return xmlschema.XMLSchema(str(SCHEMA), allow="sandbox", base_url=str(SCHEMA.parent))


def valid_iati(data: bytes) -> etree._Element:
    """The document's root, once the IATI 2.03 activity schema says it is valid."""
    activity_schema().validate(io.BytesIO(data))
    root = etree.fromstring(data)
    assert root.tag == "iati-activities"
    assert root.get("version") == "2.03"
    return root


def requested(by, program, capture) -> bytes:
    """The file of the report kind, asked for by `by` (run eagerly, as the embedded default)."""
    with capture(execute=True):
        job = report_request(kind=KIND, parameters={"program": program.pk}, by=by)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.SUCCEEDED, job.error
    assert job.filename == f"iati-activities-{program.code.lower()}-{timezone.localdate()}.xml"
    with job.file.open("rb") as f:
        return f.read()


def generated(user, program) -> bytes:
    """The generator called as the task calls it, for a job that is not saved."""
    job = ReportJob(kind=KIND, parameters={"program": program.pk}, requester=user)
    ctx = Context(job, user, Progress(lambda percent: None), "en", job.parameters)
    out = io.BytesIO()
    KINDS[KIND].generate(ctx, out)
    return out.getvalue()


def activities(root) -> dict[str, etree._Element]:
    return {a.findtext("iati-identifier"): a for a in root}


def texts(node) -> list[tuple[str | None, str]]:
    return [(n.get(LANG), n.text) for n in node.findall("narrative")]


def in_english_first(node) -> str:
    """The platform's own words: in English (the activity's language here) untagged, then
    in each other language whose catalogue translates them, tagged."""
    found = texts(node)
    assert found[0][0] is None
    assert [lang for lang, _text in found[1:]] in ([], ["fr"], ["es"], ["fr", "es"])
    assert all(text != found[0][1] for _lang, text in found[1:])
    return found[0][1]


def transactions(activity) -> list[tuple]:
    return [
        (
            t.find("transaction-type").get("code"),
            t.find("transaction-date").get("iso-date"),
            t.findtext("value"),
            t.find("value").get("value-date"),
            t.get("ref"),
            t.findtext("description/narrative"),
        )
        for t in activity.findall("transaction")
    ]


def money_sums(activity) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for t in activity.findall("transaction"):
        sums[t.find("transaction-type").get("code")] += D(t.findtext("value"))
    return dict(sums)


def ledger(alliance) -> dict[str, Decimal]:
    """What the ledger says of an alliance: net committed, and net paid (the one door)."""
    commitment = GrantCommitment.objects.get(plan__alliance=alliance)
    paid = Payment.objects.filter(tranche__commitment=commitment).net_paid()
    sums = {"2": commitment.amount - commitment.released_amount}
    if Payment.objects.filter(tranche__commitment=commitment).exists():
        sums["3"] = paid
    return sums


@pytest.fixture
def funded(world):
    """build_portfolio's alliances (active with a reversal, monitoring fully paid, one at
    the committee), one approved (Coop B) and one cancelled before any payment."""
    portfolio = build_portfolio(world)
    approved = world.build(PlanStatus.APPROVED, org=world.org_b)
    cancelled = world.build(PlanStatus.CANCELLED)
    return portfolio, approved, cancelled


def test_the_file_is_valid_iati_2_03_with_the_ledgers_figures(
    world, funded, django_capture_on_commit_callbacks
):
    portfolio, approved, cancelled = funded
    root = valid_iati(
        requested(world.funder_user, world.program, django_capture_on_commit_callbacks)
    )
    found = activities(root)
    plans = {
        "2": portfolio.active,
        "3": portfolio.monitoring,
        "1": approved,
        "5": cancelled,
    }
    # The funded alliances, in code order; not the one at the committee.
    assert list(found) == sorted(f"XX-ALLIANCES-{p.alliance.code}" for p in plans.values())
    assert portfolio.committee.alliance.code not in "".join(found)
    for status, plan in plans.items():
        activity = found[f"XX-ALLIANCES-{plan.alliance.code}"]
        assert activity.find("activity-status").get("code") == status
        assert activity.get("default-currency") == "XOF"
        assert money_sums(activity) == ledger(plan.alliance), plan.alliance.code
    today = timezone.localdate().isoformat()
    active = found[f"XX-ALLIANCES-{portfolio.active.alliance.code}"]
    assert transactions(active) == [
        ("2", today, "14000000", today, None, "Grant commitment"),
        ("3", today, "4666666", today, "PAY-A1", "Payment of tranche 1"),
        ("3", today, "-4666666", today, "PAY-A1-REV", "Reversal of a payment of tranche 1"),
        ("3", today, "4666666", today, "PAY-A1B", "Payment of tranche 1"),
    ]
    gone = found[f"XX-ALLIANCES-{cancelled.alliance.code}"]
    assert transactions(gone) == [
        ("2", today, "14000000", today, None, "Grant commitment"),
        ("2", today, "-14000000", today, None, "Undisbursed grant released at cancellation"),
    ]
    monitored = found[f"XX-ALLIANCES-{portfolio.monitoring.alliance.code}"]
    assert [t[2] for t in transactions(monitored)] == ["14000000", "4666666", "4666666", "4666668"]
    for t in active.findall("transaction"):
        assert texts(t.find("provider-org")) == [(None, "Productive alliance programme")]
        assert t.find("provider-org").get("ref") == "XX-ALLIANCES"
        assert texts(t.find("receiver-org")) == [(None, "Coop A")]


def test_an_activity_says_who_when_and_how_much_was_budgeted(
    world, funded, django_capture_on_commit_callbacks, settings
):
    settings.IATI_REPORTING_ORG_REF = "BJ-IFU-3201900123456"
    settings.IATI_REPORTING_ORG_NAME = "Ministère de l'Agriculture"
    portfolio, approved, _cancelled = funded
    alliance = portfolio.active.alliance
    Alliance.objects.filter(pk=alliance.pk).update(name="Coop A\x0b maize")  # a stray control
    root = valid_iati(requested(world.officer, world.program, django_capture_on_commit_callbacks))
    found = activities(root)
    activity = found[f"BJ-IFU-3201900123456-{alliance.code}"]
    assert activity.get(LANG) == "en"  # LANGUAGE_CODE: the language people write in
    assert activity.find("other-identifier").attrib == {"ref": alliance.code, "type": "A1"}
    reporting = activity.find("reporting-org")
    assert reporting.attrib == {"ref": "BJ-IFU-3201900123456", "type": "10"}
    assert texts(reporting) == [(None, "Ministère de l'Agriculture")]
    assert texts(activity.find("title")) == [(None, "Coop A maize")]
    assert activity.find("description").get("type") == "1"
    assert in_english_first(activity.find("description")) == (
        "Productive alliance of Coop A with the buyer Buyer One (Maize), co-financed by "
        f"the programme {world.program.name}."
    )
    assert [
        (o.get("role"), o.get("type"), o.get("ref"), o.findtext("narrative"))
        for o in activity.findall("participating-org")
    ] == [
        ("1", None, None, world.funder.name),  # a donor: bilateral or multilateral, unknown
        ("3", "10", "BJ-IFU-3201900123456", "Ministère de l'Agriculture"),
        ("4", None, None, "Coop A"),
        ("4", "70", None, "Buyer One"),
    ]
    today = timezone.localdate()
    plan_end = add_months(today, 12 * 5) - datetime.timedelta(days=1)  # a 5-year horizon
    assert [(d.get("type"), d.get("iso-date")) for d in activity.findall("activity-date")] == [
        ("1", today.isoformat()),
        ("2", today.isoformat()),
        ("3", plan_end.isoformat()),
    ]
    assert activity.find("recipient-country").get("code") == "BJ"
    assert activity.find("default-finance-type").get("code") == "110"
    scheduled: dict[int, Decimal] = defaultdict(Decimal)
    for tranche in Tranche.objects.filter(commitment__plan=portfolio.active):
        scheduled[tranche.planned_date.year] += tranche.amount
    assert [
        (
            b.get("type"),
            b.get("status"),
            b.find("period-start").get("iso-date"),
            b.find("period-end").get("iso-date"),
            b.find("value").get("value-date"),
            D(b.findtext("value")),
        )
        for b in activity.findall("budget")
    ] == [
        ("1", "2", f"{year}-01-01", f"{year}-12-31", f"{year}-01-01", amount)
        for year, amount in sorted(scheduled.items())
    ]
    assert sum(D(b.findtext("value")) for b in activity.findall("budget")) == D("14000000")
    # Before its tranches are scheduled: the commitment over a year from the approval.
    waiting = found[f"BJ-IFU-3201900123456-{approved.alliance.code}"]
    year_on = add_months(today, 12) - datetime.timedelta(days=1)
    assert [
        (b.find("period-start").get("iso-date"), b.find("period-end").get("iso-date"))
        for b in waiting.findall("budget")
    ] == [(today.isoformat(), year_on.isoformat())]
    assert [d.get("type") for d in waiting.findall("activity-date")] == ["1"]
    assert waiting.find("result") is None  # nothing measured yet


@pytest.fixture
def monitored(world):
    """An active alliance whose schedule started nine months ago: periods 1 and 2
    accepted (values 10 then 20), 3 submitted (30); 1,000 kg delivered in period 1;
    baselines and targets set (`monitored_alliance`)."""
    return monitored_alliance(world)


def _periods(indicator) -> list[tuple]:
    return [
        (
            p.find("period-start").get("iso-date"),
            p.find("period-end").get("iso-date"),
            [t.get("value") for t in p.findall("target")],
            [
                (a.get("value"), [(d.get("name"), d.get("value")) for d in a.findall("dimension")])
                for a in p.findall("actual")
            ],
        )
        for p in indicator.findall("period")
    ]


def test_results_carry_baselines_targets_and_the_accepted_values(
    world, monitored, django_capture_on_commit_callbacks
):
    plan, reports = monitored
    root = valid_iati(
        requested(world.me_officer, world.program, django_capture_on_commit_callbacks)
    )
    activity = activities(root)[f"XX-ALLIANCES-{plan.alliance.code}"]
    [result] = activity.findall("result")
    assert result.get("type") == "2"
    assert in_english_first(result.find("title")) == "Results of the alliance"
    indicators = {i.find("reference").get("code"): i for i in result.findall("indicator")}
    assert list(indicators) == [
        "sales_volume", "sales_value", "yield", "household_income", "members_trained",
        "members", "jobs", "improved_area", "revolving_repayments",
    ]  # fmt: skip
    for indicator in indicators.values():
        assert indicator.attrib == {"measure": "1", "ascending": "1"}
        assert indicator.find("reference").get("vocabulary") == "99"
    today = timezone.localdate()
    year_1_end = add_months(today, 12) - datetime.timedelta(days=1)
    plan_end = add_months(today, 60) - datetime.timedelta(days=1)
    first, second = reports[0], reports[1]

    def span(report):
        return report.period_start.isoformat(), report.period_end.isoformat()

    yield_ = indicators["yield"]
    assert texts(yield_.find("title")) == [
        (None, "Yield (t/ha)"),
        ("fr", "Rendement (t/ha)"),
        ("es", "Rendimiento (t/ha)"),
    ]
    baseline = yield_.find("baseline")
    assert baseline.attrib == {"year": str(today.year), "value": "1.5"}
    assert _periods(yield_) == [
        (*span(first), [], [("10", [])]),
        (*span(second), [], [("20", [])]),
        (today.isoformat(), year_1_end.isoformat(), ["2"], []),
        (today.isoformat(), plan_end.isoformat(), ["2.5"], []),
    ]  # period 3 was submitted, not accepted: not reported
    # Computed from the confirmed deliveries, in the agreement's unit.
    volume = indicators["sales_volume"]
    assert texts(volume.find("title"))[0] == (None, "Sales volume to the buyer (kg)")
    assert volume.find("baseline") is None
    assert _periods(volume) == [
        (*span(first), [], [("1000", [])]),
        (*span(second), [], [("0", [])]),
        (today.isoformat(), plan_end.isoformat(), ["50000"], []),
    ]
    assert texts(indicators["sales_value"].find("title"))[0] == (
        None,
        "Sales value to the buyer (XOF)",
    )
    # Women and youth as dimensions of each period's value.
    assert _periods(indicators["members_trained"]) == [
        (*span(first), [], [("10", []), ("4", [("sex", "female")]), ("3", [("age", "under 35")])]),
        (*span(second), [], [("20", []), ("4", [("sex", "female")]), ("3", [("age", "under 35")])]),
    ]
    assert indicators["jobs"].find("baseline").get("value") == "0"


def test_narratives_follow_the_platforms_language(
    world, monitored, django_capture_on_commit_callbacks, settings
):
    """With LANGUAGE_CODE fr, the activity is French: French texts go untagged and the
    others carry their language."""
    settings.LANGUAGE_CODE = "fr"
    plan, _reports = monitored
    root = valid_iati(requested(world.officer, world.program, django_capture_on_commit_callbacks))
    activity = activities(root)[f"XX-ALLIANCES-{plan.alliance.code}"]
    assert activity.get(LANG) == "fr"
    [yield_] = [
        i
        for i in activity.iterfind("result/indicator")
        if i.find("reference").get("code") == "yield"
    ]
    assert texts(yield_.find("title")) == [
        (None, "Rendement (t/ha)"),
        ("en", "Yield (t/ha)"),
        ("es", "Rendimiento (t/ha)"),
    ]
    for narrative in root.iter("narrative"):
        assert narrative.get(LANG) in (None, "en", "es"), narrative.text
        assert narrative.text


def test_who_may_ask_for_it(world, funded):
    """The portfolio's readers: ministry staff (their regions) and the programme's
    funders. Producers, buyers, TA providers and appraisers are refused; a funder of
    another programme does not see it exists."""
    other_program = ProgramFactory()
    other_funder = member_of(
        UserFactory(username="other_funder"),
        Role.FUNDER,
        funder=other_program.fundings.get().funder,
    )
    for user in (world.producer, world.buyer_user, world.ta, world.appraiser, world.outsider):
        with pytest.raises(ActionRefused) as refused:
            report_request(kind=KIND, parameters={"program": world.program.pk}, by=user)
        assert refused.value.code == "forbidden", user.username
    with pytest.raises(ActionRefused) as refused:
        report_request(kind=KIND, parameters={"program": world.program.pk}, by=other_funder)
    assert refused.value.code == "not_found"
    assert refused.value.fields == {"program": ["No such programme."]}
    with pytest.raises(ActionRefused) as refused:
        report_request(kind=KIND, parameters={}, by=world.officer)
    assert refused.value.code == "invalid"
    assert refused.value.fields == {
        "program": ["This report needs “program”: the id of the object it is about."]
    }
    assert ReportJob.objects.count() == 0


def test_a_regional_officer_reports_its_regions_alliances(world, funded):
    """Coop B is in Zou, the regional officer's region: its alliances only."""
    portfolio, approved, _cancelled = funded
    root = valid_iati(generated(world.regional_officer, world.program))
    assert list(activities(root)) == [
        f"XX-ALLIANCES-{portfolio.monitoring.alliance.code}",
        f"XX-ALLIANCES-{approved.alliance.code}",
    ]


# --- a seeded portfolio ------------------------------------------------------------------


@pytest.fixture
def national_finance(db):
    return member_of(UserFactory(username="national_finance"), Role.FINANCE_OFFICER)


def test_a_seeded_portfolio_gives_each_programmes_funded_alliances_with_the_ledgers_figures(
    national_finance,
):
    seed_portfolio(40)
    programs = list(Program.objects.filter(alliances__isnull=False).distinct().order_by("code"))
    assert len(programs) == 3
    for program in programs:
        root = valid_iati(generated(national_finance, program))
        found = activities(root)
        funded = Alliance.objects.filter(program=program, plan__commitment__isnull=False)
        assert list(found) == sorted(f"XX-ALLIANCES-{code}" for code in funded.values_list(
            "code", flat=True))  # fmt: skip
        for alliance in funded:
            activity = found[f"XX-ALLIANCES-{alliance.code}"]
            assert activity.get("default-currency") == program.currency
            assert money_sums(activity) == ledger(alliance), alliance.code


def _queries(user, program) -> tuple[int, int]:
    user = User.objects.get(pk=user.pk)  # as a new request or job loads it
    with CaptureQueriesContext(connection) as queries:
        root = etree.fromstring(generated(user, program))
    return len(queries), len(root)


def test_the_number_of_queries_does_not_grow_with_the_alliances(national_finance):
    seed_portfolio(30)
    program = Program.objects.filter(alliances__isnull=False).order_by("code").first()
    few_queries, few = _queries(national_finance, program)
    seed_portfolio(60)
    many_queries, many = _queries(national_finance, program)
    assert many > few > 0
    assert many_queries == few_queries
