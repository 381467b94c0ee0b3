"""The portfolio dashboard: figures equal to sums of the raw rows, scoped to what each
persona may see, in a constant number of queries."""

import datetime
import itertools
from decimal import ROUND_HALF_EVEN
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from alliances.models import Alliance, Delivery
from demo.seeding import seed_portfolio
from funding.models import (
    GrantCommitment,
    Payment,
    Program,
    PurchaseAgreement,
    PurchaseAgreementVersion,
    Tranche,
)
from monitoring.dashboard import NotAllowedFilter, portfolio
from monitoring.figures import PLANNED_STATUSES, portfolio_figures_rebuild
from monitoring.models import Indicator, IndicatorValue, MonitoringReport
from plans.models import BusinessPlan, PlanStatus, PlanVersion
from tests.factories import (
    OrganizationFactory,
    ProductFactory,
    ProgramFactory,
    RegionFactory,
    UserFactory,
    member_of,
)

URL = reverse("monitoring:dashboard")
TODAY = timezone.localdate()
_codes = itertools.count(1)


def make_alliance(
    w,
    *,
    program,
    org,
    status,
    product=None,
    families=0,
    women=0,
    youth=0,
    frozen=True,
) -> Alliance:
    """An alliance and its plan written as rows (the dashboard only reads them)."""
    product = product or w.product
    n = next(_codes)
    alliance = Alliance.objects.create(
        code=f"DASH-{n}",
        name=f"Alliance {n}",
        program=program,
        producer_organization=org,
        buyer=w.buyer,
        value_chain=product.value_chain,
        product=product,
        region=org.region,
    )
    plan = BusinessPlan.objects.create(alliance=alliance, status=status, created_by=w.officer)
    PlanVersion.objects.create(
        plan=plan,
        number=1,
        title="v1",
        beneficiary_families=families + 5,  # superseded by version 2
        women_members=women,
        youth_members=youth,
        frozen_at=timezone.now() if frozen else None,
        created_by=w.officer,
    )
    PlanVersion.objects.create(
        plan=plan,
        number=2,
        title="v2",
        beneficiary_families=families,
        women_members=women,
        youth_members=youth,
        frozen_at=timezone.now() if frozen else None,
        created_by=w.officer,
    )
    return alliance


def commit(w, alliance, amount, *, released="0", committed_on=None) -> GrantCommitment:
    commitment = GrantCommitment.objects.create(
        plan=alliance.plan,
        program=alliance.program,
        amount=D(amount),
        released_amount=D(released),
        committed_by=w.committee,
    )
    if committed_on:
        when = timezone.make_aware(datetime.datetime.combine(committed_on, datetime.time(12)))
        GrantCommitment.objects.filter(pk=commitment.pk).update(committed_at=when)
    return commitment


def pay(w, commitment, number, amount, paid_on, *, reverse_on=None) -> Tranche:
    tranche = Tranche.objects.create(
        commitment=commitment,
        number=number,
        amount=D(amount),
        planned_date=paid_on,
        status=Tranche.Status.PAID,
    )
    payment = Payment.objects.create(
        tranche=tranche,
        amount=D(amount),
        paid_on=paid_on,
        reference=f"REF-{commitment.pk}-{number}",
        recorded_by=w.finance,
    )
    if reverse_on:
        Payment.objects.create(
            tranche=tranche,
            kind=Payment.Kind.REVERSAL,
            amount=D(amount),
            paid_on=reverse_on,
            reference=f"REV-{commitment.pk}-{number}",
            reverses=payment,
            reason="Wrong account",
            recorded_by=w.finance,
        )
        Payment.objects.create(
            tranche=tranche,
            amount=D(amount),
            paid_on=reverse_on,
            reference=f"REF-{commitment.pk}-{number}-again",
            recorded_by=w.finance,
        )
    return tranche


def agree(w, alliance, *, unit, volumes, status=PurchaseAgreement.Status.CONFIRMED):
    agreement = PurchaseAgreement.objects.create(alliance=alliance, status=status)
    for number, volume in enumerate(volumes, start=1):
        PurchaseAgreementVersion.objects.create(
            agreement=agreement,
            number=number,
            product=alliance.product,
            unit=unit,
            annual_volume=D(volume),
            unit_price=D("100"),
            duration_months=36,
            created_by=w.producer,
            confirmed_at=timezone.now(),
        )
    return agreement


def deliver(w, alliance, volume, price, *, days_ago=10, status=Delivery.Status.CONFIRMED):
    return Delivery.objects.create(
        alliance=alliance,
        delivered_on=TODAY - datetime.timedelta(days=days_ago),
        volume=D(volume),
        unit_price=D(price),
        status=status,
        recorded_by=w.producer,
    )


def report(w, alliance, quarter, status, members=None, women=None, youth=None):
    start = datetime.date(2025, 3 * quarter - 2, 1)
    r = MonitoringReport.objects.create(
        alliance=alliance,
        period_start=start,
        period_end=start + datetime.timedelta(days=80),
        due_on=start + datetime.timedelta(days=100),
        status=status,
    )
    if members is not None:
        IndicatorValue.objects.create(
            report=r,
            indicator=Indicator.objects.get(code="members"),
            value=D(members),
            women=D(women),
            youth=D(youth),
        )
    return r


@pytest.fixture
def portfolio_world(world):
    """Programme 1 (XOF, world.program, funded by world.funder_user) and programme 2
    (COP, another funder), alliances at several stages in regions A, B and C."""
    w = world
    w.program.reporting_rate = D("0.00166123")
    w.program.save(update_fields=["reporting_rate"])
    w.program2 = ProgramFactory(
        code="ALIANZAS-CO",
        name="Alianzas productivas",
        currency="COP",
        reporting_rate=D("0.00024567"),
        reporting_currency="USD",
    )
    w.region_c = RegionFactory(name="Huila")
    w.org_c = OrganizationFactory(name="Coop C", region=w.region_c, members=0)
    w.org_b2 = OrganizationFactory(name="Coop B2", region=w.region_b, members=0)
    w.coffee = ProductFactory(name="Coffee", unit="kg")
    S, R = PlanStatus, MonitoringReport.Status

    # Programme 1
    w.a1 = make_alliance(
        w, program=w.program, org=w.org_a, status=S.ACTIVE, families=120, women=50, youth=30
    )
    c1 = commit(w, w.a1, "14000000", committed_on=datetime.date(2025, 2, 10))
    pay(w, c1, 1, "5000000", datetime.date(2025, 3, 1), reverse_on=datetime.date(2025, 4, 5))
    pay(w, c1, 2, "3000000.50", datetime.date(2025, 8, 20))
    agree(w, w.a1, unit="kg", volumes=["100000", "120000"])
    deliver(w, w.a1, "1000", "250")
    deliver(w, w.a1, "2000.5", "260", days_ago=400)  # older than 12 months
    deliver(w, w.a1, "500", "250", status=Delivery.Status.DISPUTED)
    deliver(w, w.a1, "300", "250", status=Delivery.Status.RECORDED)
    report(w, w.a1, 1, R.ACCEPTED, "100", "40", "20")
    report(w, w.a1, 2, R.ACCEPTED, "110", "45", "25")  # the latest accepted one counts
    report(w, w.a1, 3, R.SUBMITTED, "999", "500", "400")  # not accepted
    report(w, w.a1, 4, R.DUE)

    w.a2 = make_alliance(
        w, program=w.program, org=w.org_b, status=S.CANCELLED, families=80, women=30, youth=9
    )
    c2 = commit(w, w.a2, "10000000", released="7000000", committed_on=datetime.date(2025, 5, 2))
    pay(w, c2, 1, "3000000", datetime.date(2025, 6, 30))
    agree(w, w.a2, unit="t", volumes=["50"])
    deliver(w, w.a2, "10", "300000")
    report(w, w.a2, 1, R.ACCEPTED, "60", "30", "10")

    w.a3 = make_alliance(w, program=w.program, org=w.org_b, status=S.DRAFT, frozen=False)
    agree(w, w.a3, unit="kg", volumes=["7777"], status=PurchaseAgreement.Status.DRAFT)

    # Programme 2
    w.a4 = make_alliance(
        w,
        program=w.program2,
        org=w.org_b2,
        status=S.MONITORING,
        product=w.coffee,
        families=40,
        women=20,
        youth=15,
    )
    c4 = commit(w, w.a4, "123456789", committed_on=datetime.date(2025, 2, 20))
    pay(w, c4, 1, "100000000", datetime.date(2025, 3, 15))
    pay(w, c4, 2, "23456789", datetime.date(2025, 9, 1))
    agree(w, w.a4, unit="kg", volumes=["30000"])
    deliver(w, w.a4, "5000", "8000.25")
    report(w, w.a4, 2, R.ACCEPTED, "45", "22", "12")

    w.a5 = make_alliance(
        w, program=w.program2, org=w.org_c, status=S.REJECTED, product=w.coffee, families=70
    )
    w.a6 = make_alliance(
        w,
        program=w.program2,
        org=w.org_c,
        status=S.APPROVED,
        product=w.coffee,
        families=25,
        women=11,
        youth=7,
    )
    commit(w, w.a6, "50000000", committed_on=datetime.date(2025, 10, 1))
    # Rows written directly, as seed_portfolio writes them: the summary is rebuilt.
    portfolio_figures_rebuild()
    return w


# --- independent sums from the raw rows ---------------------------------------------------


def expected_money(program_ids):
    out = {}
    for program in Program.objects.filter(pk__in=program_ids):
        committed = sum(
            (c.amount - c.released_amount for c in GrantCommitment.objects.filter(program=program)),
            D(0),
        )
        paid = D(0)
        for p in Payment.objects.filter(tranche__commitment__program=program):
            paid += -p.amount if p.kind == Payment.Kind.REVERSAL else p.amount
        out[program.pk] = (committed, paid)
    return out


def usd(amount, program):
    return (amount * program.reporting_rate).quantize(D("0.01"), rounding=ROUND_HALF_EVEN)


def expected_beneficiaries(alliances):
    planned = [0, 0, 0]
    reached = [D(0), D(0), D(0)]
    for a in alliances:
        if a.plan.status in PLANNED_STATUSES:
            v = a.plan.versions.exclude(frozen_at=None).order_by("number").last()
            planned = [planned[0] + v.beneficiary_families, planned[1] + v.women_members,
                       planned[2] + v.youth_members]  # fmt: skip
        accepted = [
            r
            for r in a.monitoring_reports.order_by("period_end")
            if r.status == MonitoringReport.Status.ACCEPTED
            and r.values.filter(indicator__code="members").exists()
        ]
        if accepted:
            v = accepted[-1].values.get(indicator__code="members")
            reached = [reached[0] + v.value, reached[1] + v.women, reached[2] + v.youth]
    return planned, reached


def test_figures_equal_the_sums_of_the_raw_rows(portfolio_world):
    w = portfolio_world
    p = portfolio(w.officer, today=TODAY)

    # Stages: every alliance counted once at its plan's status.
    counts = {row.key: row.count for row in p.by_stage}
    alliances = list(Alliance.objects.filter(code__startswith="DASH-").select_related("plan"))
    for status in PlanStatus.values:
        assert counts[status] == sum(1 for a in alliances if a.plan.status == status)
    assert p.alliance_count == 6
    assert {r.label: r.count for r in p.by_region} == {"Alibori": 1, "Zou": 3, "Huila": 2}
    assert {r.key: r.count for r in p.by_program} == {w.program.pk: 3, w.program2.pk: 3}
    assert {r.key: r.count for r in p.by_value_chain} == {
        w.product.value_chain_id: 3,
        w.coffee.value_chain_id: 3,
    }

    # Money per programme, in its currency, and the reporting totals.
    expected = expected_money([w.program.pk, w.program2.pk])
    money = {m.program.id: m for m in p.money}
    for program in (w.program, w.program2):
        committed, paid = expected[program.pk]
        assert (money[program.pk].committed, money[program.pk].paid) == (committed, paid)
        assert money[program.pk].currency == program.currency
    assert expected[w.program.pk] == (D("17000000.00"), D("11000000.50"))
    assert expected[w.program2.pk] == (D("173456789.00"), D("123456789.00"))
    (total,) = p.money_totals
    assert total.currency == "USD"
    program1 = Program.objects.get(pk=w.program.pk)
    program2 = Program.objects.get(pk=w.program2.pk)
    assert total.committed == usd(D("17000000"), program1) + usd(D("173456789"), program2)
    assert total.paid == usd(D("11000000.50"), program1) + usd(D("123456789"), program2)
    assert total.committed == D("28240.91") + D("42613.13") == D("70854.04")
    assert total.paid == D("18273.53") + D("30329.63") == D("48603.16")

    # Over time: cumulative by quarter, the last point being the totals.
    (series,) = p.money_over_time
    assert series.labels == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"]
    q1_committed = (
        D("14000000") * program1.reporting_rate + D("123456789") * program2.reporting_rate
    )
    assert series.committed[0] == q1_committed.quantize(D("0.01"))
    q1_paid = D("5000000") * program1.reporting_rate + D("100000000") * program2.reporting_rate
    assert series.paid[0] == q1_paid.quantize(D("0.01"))
    unrounded = D("17000000") * program1.reporting_rate + D("173456789") * program2.reporting_rate
    assert series.committed[-1] == unrounded.quantize(D("0.01"))
    assert series.paid == sorted(series.paid)

    # Beneficiaries.
    planned, reached = expected_beneficiaries(alliances)
    b = p.beneficiaries
    assert [b.planned_families, b.planned_women, b.planned_youth] == planned
    assert [b.reached_members, b.reached_women, b.reached_youth] == reached
    assert planned == [120 + 40 + 25, 50 + 20 + 11, 30 + 15 + 7]
    assert reached == [D("215"), D("97"), D("47")]
    assert (b.plans, b.reporting) == (3, 3)

    # Sales: per value chain and unit; values per currency.
    sales = {(s.value_chain_id, s.unit): s for s in p.sales}
    maize_kg = sales[(w.product.value_chain_id, "kg")]
    assert maize_kg.agreed_annual == D("120000")  # current version; the draft one is out
    assert maize_kg.agreements == 1
    assert maize_kg.delivered_total == D("3000.5")
    assert maize_kg.delivered_last_12_months == D("1000")
    assert maize_kg.values == {"XOF": D("1000") * D("250") + D("2000.5") * D("260")}
    assert maize_kg.share_of_agreed == D("1000") / D("120000")
    maize_t = sales[(w.product.value_chain_id, "t")]
    assert (maize_t.agreed_annual, maize_t.delivered_total) == (D("50"), D("10"))
    assert maize_t.values == {"XOF": D("3000000")}
    coffee = sales[(w.coffee.value_chain_id, "kg")]
    assert (coffee.agreed_annual, coffee.delivered_total) == (D("30000"), D("5000"))
    assert coffee.values == {"COP": D("40001250")}
    assert len(p.sales) == 3


def test_filters_narrow_every_figure(portfolio_world):
    w = portfolio_world
    p = portfolio(w.officer, program=w.program2.pk, today=TODAY)
    assert p.alliance_count == 3
    assert [m.program.id for m in p.money] == [w.program2.pk]
    assert (p.money[0].committed, p.money[0].paid) == (D("173456789"), D("123456789"))
    assert p.beneficiaries.planned_families == 40 + 25
    assert {s.value_chain_id for s in p.sales} == {w.coffee.value_chain_id}
    # Choices stay those of the whole view.
    assert {c.id for c in p.programs} == {w.program.pk, w.program2.pk}

    p = portfolio(w.officer, region=w.region_b.pk, value_chain=w.product.value_chain_id)
    assert p.alliance_count == 2  # a2 and a3
    assert [(m.committed, m.paid) for m in p.money] == [(D("3000000"), D("3000000"))]
    assert p.beneficiaries.reached_members == D("60")
    assert p.beneficiaries.planned_families == 0  # a2 is cancelled, a3 a draft


def test_funder_sees_only_the_programmes_it_funds(portfolio_world, client):
    w = portfolio_world
    p = portfolio(w.funder_user, today=TODAY)
    assert [c.id for c in p.programs] == [w.program.pk]
    assert p.alliance_count == 3
    assert [m.program.id for m in p.money] == [w.program.pk]
    (total,) = p.money_totals
    assert total.committed == usd(D("17000000"), Program.objects.get(pk=w.program.pk))
    assert p.beneficiaries.planned_families == 120
    assert p.beneficiaries.reached_members == D("170")
    assert {s.value_chain_id for s in p.sales} == {w.product.value_chain_id}
    with pytest.raises(NotAllowedFilter):
        portfolio(w.funder_user, program=w.program2.pk)

    client.force_login(w.funder_user)
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert f"{w.program.code} · {w.program.name}" in content
    assert "ALIANZAS-CO" not in content and "Alianzas productivas" not in content
    assert "COP" not in content
    assert client.get(URL, {"program": w.program2.pk}).status_code == 404
    assert client.get(URL, {"region": w.region_c.pk}).status_code == 404
    assert client.get(URL, {"program": "x"}).status_code == 404


def test_funder_who_is_also_a_producer_sees_only_funded_programmes(portfolio_world):
    w = portfolio_world
    member_of(w.funder_user, Role.PRODUCER, producer_organization=w.org_c)
    w.funder_user = type(w.funder_user).objects.get(pk=w.funder_user.pk)  # fresh scope
    p = portfolio(w.funder_user, today=TODAY)
    assert {c.id for c in p.programs} == {w.program.pk}


def test_regional_officer_sees_only_its_region(portfolio_world):
    w = portfolio_world
    p = portfolio(w.regional_officer, today=TODAY)
    assert [r.label for r in p.by_region] == ["Zou"]
    assert [c.label for c in p.regions] == ["Zou"]
    assert p.alliance_count == 3  # a2, a3 (programme 1) and a4 (programme 2)
    money = {m.program.id: (m.committed, m.paid) for m in p.money}
    assert money == {
        w.program.pk: (D("3000000"), D("3000000")),
        w.program2.pk: (D("123456789"), D("123456789")),
    }
    assert p.beneficiaries.reached_members == D("60") + D("45")
    with pytest.raises(NotAllowedFilter):
        portfolio(w.regional_officer, region=w.region_a.pk)


def test_an_appraiser_does_not_read_the_portfolio(portfolio_world, client):
    # §9a: an appraiser reads the plans assigned to it, not the programme's money.
    client.force_login(portfolio_world.appraiser)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("persona", ["officer", "me_officer", "finance", "committee"])
def test_ministry_staff_read_the_page(portfolio_world, client, persona):
    w = portfolio_world
    client.force_login(getattr(w, persona))
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'role="img"' in content
    assert "style=" not in content
    assert "1 XOF = 0.00166123 USD" in content
    assert response.context["portfolio"].alliance_count == 6


def test_page_filters_by_get_parameters(portfolio_world, client):
    w = portfolio_world
    client.force_login(w.officer)
    response = client.get(URL, {"program": w.program.pk, "region": w.region_a.pk})
    assert response.status_code == 200
    p = response.context["portfolio"]
    assert (p.program_id, p.region_id, p.alliance_count) == (w.program.pk, w.region_a.pk, 1)


@pytest.mark.parametrize("persona", ["producer", "buyer_user", "ta", "outsider"])
def test_others_are_refused(portfolio_world, client, persona):
    client.force_login(getattr(portfolio_world, persona))
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_post_is_not_allowed(portfolio_world, client):
    client.force_login(portfolio_world.officer)
    assert client.post(URL).status_code == 405


def test_empty_portfolio(world, client):
    client.force_login(world.officer)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["portfolio"].alliance_count == 0


def _queries(client, user) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as page:
        assert client.get(URL).status_code == 200
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as selector:
        portfolio(user)
    return len(page), len(selector)


def test_query_count_does_not_grow_with_the_portfolio(world, client):

    national = UserFactory(username="national_me")
    member_of(national, Role.ME_OFFICER)
    client.force_login(national)
    seed_portfolio(3)
    small = _queries(client, national)
    seed_portfolio(57)
    assert Alliance.objects.count() == 60
    large = _queries(client, national)
    assert large == small
    print("queries (page, selector):", small, large)
    # The selector itself: the policy's scope (memberships with their regions, one query),
    # the slices in that scope and the 4 queries of their summary rows. Was 7 when the
    # regions were prefetched in a query of their own (issue 17).
    assert small[1] == 6
