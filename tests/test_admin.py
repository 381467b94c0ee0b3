"""The Django admin: every page opens, programmes are validated, money is read-only."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Notification, Role, User
from alliances.models import (
    Alliance,
    Buyer,
    Delivery,
    Funder,
    Member,
    ProducerOrganization,
    Product,
    Region,
    TechnicalAssistanceProvider,
    ValueChain,
)
from core.money import format_money
from funding.models import (
    CounterpartContribution,
    GrantCommitment,
    LegalizationCheck,
    LegalizationRequirement,
    Payment,
    Program,
    ProgramFunding,
    PurchaseAgreement,
    PurchaseAgreementVersion,
    RubricCriterion,
    Tranche,
)
from plans.models import (
    AppraisalAssignment,
    BudgetLine,
    BusinessPlan,
    CashFlowRow,
    CommitteeDecision,
    CriterionScore,
    PlanVersion,
    ScreeningCheck,
    TransitionLog,
)

D = Decimal
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def rows(db, admin_user):
    """One row of every model, written with the ORM (the services are tested elsewhere)."""
    today = timezone.localdate()
    now = timezone.now()
    region = Region.objects.create(code="ALI", name="Alibori", country="BJ")
    chain = ValueChain.objects.create(code="MAIZE", name="Maize")
    product = Product.objects.create(value_chain=chain, name="Maize grain", unit="kg")
    org = ProducerOrganization.objects.create(name="Coop A", region=region)
    Member.objects.create(organization=org, name="Awa", sex="female", birth_year=1990)
    buyer = Buyer.objects.create(name="Mill One", kind=Buyer.Kind.PROCESSOR, country="BJ")
    funder = Funder.objects.create(name="Treasury", kind=Funder.Kind.GOVERNMENT)
    provider = TechnicalAssistanceProvider.objects.create(name="TA Co")
    provider.organizations.set([org])
    program = Program.objects.create(
        code="PADA",
        name="Programme A",
        country="BJ",
        currency="XOF",
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today + datetime.timedelta(days=300),
        max_grant_per_alliance=D("30000000"),
        max_grant_per_family=D("1000000"),
        max_grant_share=D("0.7000"),
        min_counterpart_share=D("0.2000"),
        discount_rate=D("0.1200"),
        score_threshold=D("60.00"),
        reporting_rate=D("0.00166000"),
        reporting_rate_date=today,
    )
    program.eligible_regions.set([region])
    program.eligible_value_chains.set([chain])
    ProgramFunding.objects.create(program=program, funder=funder, amount=D("100000000"))
    criterion = RubricCriterion.objects.create(
        program=program, code="market", name="Market", category="market", weight=D("1")
    )
    requirement = LegalizationRequirement.objects.create(
        program=program, code="signed", label="Agreement signed"
    )
    producer = User.objects.create_user("producer", password="x")  # noqa: S106
    Membership.objects.create(user=producer, role=Role.PRODUCER, producer_organization=org)
    alliance = Alliance.objects.create(
        code="PADA-0001",
        name="Maize for Mill One",
        program=program,
        producer_organization=org,
        buyer=buyer,
        value_chain=chain,
        product=product,
        region=region,
    )
    plan = BusinessPlan.objects.create(alliance=alliance, created_by=producer)
    version = PlanVersion.objects.create(
        plan=plan, number=1, title="Maize plan", created_by=producer, frozen_at=now
    )
    BudgetLine.objects.create(
        version=version,
        category=BudgetLine.Category.EQUIPMENT,
        description="Sheller",
        quantity=D("1"),
        unit_cost=D("1000000"),
        amount=D("1000000"),
        grant=D("700000"),
        producer_cash=D("300000"),
    )
    CashFlowRow.objects.create(version=version, year=1, revenue_with=D("500000"))
    ScreeningCheck.objects.create(version=version, code="eligible_region", passed=True)
    assignment = AppraisalAssignment.objects.create(
        version=version, appraiser=admin_user, assigned_by=admin_user
    )
    CriterionScore.objects.create(assignment=assignment, criterion=criterion, score=D("8"))
    CommitteeDecision.objects.create(
        version=version, outcome="approved", approved_grant=D("700000"), decided_by=admin_user
    )
    commitment = GrantCommitment.objects.create(
        plan=plan, program=program, amount=D("700000"), committed_by=admin_user
    )
    tranche = Tranche.objects.create(
        commitment=commitment, number=1, amount=D("700000"), planned_date=today
    )
    payment = Payment.objects.create(
        tranche=tranche,
        amount=D("700000"),
        paid_on=today,
        reference="TX-1",
        recorded_by=admin_user,
    )
    CounterpartContribution.objects.create(
        plan=plan,
        kind="producer_cash",
        amount=D("300000"),
        contributed_on=today,
        description="Deposit",
        recorded_by=producer,
    )
    LegalizationCheck.objects.create(alliance=alliance, requirement=requirement, done_by=admin_user)
    agreement = PurchaseAgreement.objects.create(alliance=alliance)
    PurchaseAgreementVersion.objects.create(
        agreement=agreement,
        number=1,
        product=product,
        unit="kg",
        annual_volume=D("1000"),
        unit_price=D("250"),
        duration_months=12,
        created_by=producer,
    )
    Delivery.objects.create(
        alliance=alliance,
        delivered_on=today,
        volume=D("10"),
        unit_price=D("250"),
        recorded_by=producer,
    )
    log = TransitionLog.objects.create(
        alliance=alliance,
        content_type=ContentType.objects.get_for_model(BusinessPlan),
        object_id=plan.pk,
        transition="submit",
        from_state="draft",
        to_state="submitted",
        actor=producer,
    )
    Notification.objects.create(
        recipient=producer, alliance=alliance, transition_log=log, message="Submitted"
    )
    return {
        "program": program,
        "version": version,
        "payment": payment,
        "log": log,
        "funder": funder,
        "region": region,
        "chain": chain,
    }


@pytest.fixture
def admin_request(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED]
)
def test_every_admin_page_opens(rows, admin_client, admin_request, model, model_admin):
    assert admin_client.get(_url(model, "changelist")).status_code == 200
    if model_admin.search_fields:
        assert admin_client.get(_url(model, "changelist"), {"q": "a"}).status_code == 200
    if model_admin.has_add_permission(admin_request):
        assert admin_client.get(_url(model, "add")).status_code == 200
    obj = model._default_manager.first()
    if obj is not None:
        assert admin_client.get(_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.django_db
def test_program_change_page_shows_budget(rows, admin_client):
    program = rows["program"]
    response = admin_client.get(_url(Program, "change", program.pk))

    content = response.content.decode()
    for amount in (D("100000000"), D("700000"), D("99300000")):
        assert format_money(amount, "XOF") in content


@pytest.mark.django_db
def test_alliance_list_shows_stage(rows, admin_client):
    response = admin_client.get(_url(Alliance, "changelist"))

    assert '<td class="field-stage_display">Draft</td>' in response.content.decode()


def _program_post(**overrides) -> dict:
    data = {
        "code": "NEW",
        "name": "New programme",
        "country": "BJ",
        "currency": "xof",
        "opens_on": "2025-01-01",
        "closes_on": "2025-12-31",
        "max_grant_per_alliance": "30000000",
        "max_grant_per_family": "1000000",
        "max_grant_share": "0.7",
        "min_counterpart_share": "0.2",
        "discount_rate": "0.12",
        "score_threshold": "60",
        "required_appraisals": "2",
        "tranche_count": "3",
        "monitoring_period_months": "3",
        "report_grace_days": "30",
        "reporting_currency": "usd",
        "reporting_rate": "0.00166",
        "reporting_rate_date": "2025-01-01",
    }
    for prefix in ("fundings", "criteria", "legalization_requirements"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data | overrides


@pytest.mark.django_db
def test_program_add_rejects_unknown_currency(admin_client):
    response = admin_client.post(_url(Program, "add"), _program_post(currency="XXZ"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["currency"] == [
        "“XXZ” is not a known ISO 4217 currency code."
    ]
    assert "is not a known ISO 4217 currency code" in response.content.decode()
    assert not Program.objects.exists()


@pytest.mark.django_db
def test_program_add_rejects_unknown_reporting_currency(admin_client):
    response = admin_client.post(_url(Program, "add"), _program_post(reporting_currency="ABC"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reporting_currency"] == [
        "“ABC” is not a known ISO 4217 currency code."
    ]
    assert not Program.objects.exists()


@pytest.mark.django_db
def test_program_add_upper_cases_currencies(admin_client, rows):
    data = _program_post(
        eligible_regions=[rows["region"].pk],
        eligible_value_chains=[rows["chain"].pk],
    )
    data |= {
        "fundings-TOTAL_FORMS": "1",
        "fundings-0-funder": str(rows["funder"].pk),
        "fundings-0-amount": "50000000",
    }
    response = admin_client.post(_url(Program, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    program = Program.objects.get(code="NEW")
    assert (program.currency, program.reporting_currency) == ("XOF", "USD")
    assert program.total_budget == D("50000000")


@pytest.mark.django_db
def test_program_budget_cannot_drop_below_committed(admin_client, rows):
    program = rows["program"]
    funding = program.fundings.get()
    data = _program_post(
        code=program.code,
        eligible_regions=[rows["region"].pk],
        eligible_value_chains=[rows["chain"].pk],
    )
    data |= {
        "fundings-TOTAL_FORMS": "1",
        "fundings-INITIAL_FORMS": "1",
        "fundings-0-id": str(funding.pk),
        "fundings-0-program": str(program.pk),
        "fundings-0-funder": str(funding.funder_id),
        "fundings-0-amount": "500000",
    }
    response = admin_client.post(_url(Program, "change", program.pk), data)

    assert response.status_code == 200
    assert "cannot be less than the amount already committed" in response.content.decode()
    funding.refresh_from_db()
    assert funding.amount == D("100000000")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    [Payment, TransitionLog, GrantCommitment, Tranche, CommitteeDecision],
    ids=lambda m: m.__name__,
)
def test_records_cannot_be_added_changed_or_deleted(rows, admin_client, admin_request, model):
    model_admin = admin.site._registry[model]
    obj = model._default_manager.get()

    assert model_admin.has_view_permission(admin_request, obj) is True
    assert model_admin.has_add_permission(admin_request) is False
    assert model_admin.has_change_permission(admin_request, obj) is False
    assert model_admin.has_delete_permission(admin_request, obj) is False
    assert admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert admin_client.get(_url(model, "add")).status_code == 403
    assert model._default_manager.filter(pk=obj.pk).exists()


@pytest.mark.django_db
def test_payment_change_post_changes_nothing(rows, admin_client):
    payment = rows["payment"]
    response = admin_client.post(
        _url(Payment, "change", payment.pk), {"amount": "1", "reference": "EDITED"}
    )

    assert response.status_code == 403
    payment.refresh_from_db()
    assert (payment.amount, payment.reference) == (D("700000"), "TX-1")


@pytest.mark.django_db
def test_business_plan_is_created_by_the_workflow_only(rows, admin_request):
    model_admin = admin.site._registry[BusinessPlan]
    plan = BusinessPlan.objects.get()

    assert model_admin.has_add_permission(admin_request) is False
    assert model_admin.has_change_permission(admin_request, plan) is False
    assert model_admin.has_delete_permission(admin_request, plan) is False


@pytest.mark.django_db
def test_frozen_version_content_is_read_only(rows, admin_request):
    model_admin = admin.site._registry[PlanVersion]
    frozen = rows["version"]
    open_version = PlanVersion.objects.create(
        plan=frozen.plan, number=2, title="Revised", created_by=frozen.created_by
    )

    assert model_admin.has_change_permission(admin_request, frozen) is False
    assert model_admin.has_change_permission(admin_request, open_version) is True
    for inline in model_admin.get_inline_instances(admin_request, frozen):
        assert inline.has_add_permission(admin_request, frozen) is False
        assert inline.has_change_permission(admin_request, frozen) is False
        assert inline.has_delete_permission(admin_request, frozen) is False
    budget_inline = next(
        i
        for i in model_admin.get_inline_instances(admin_request, open_version)
        if i.model is BudgetLine
    )
    assert budget_inline.has_add_permission(admin_request, open_version) is True
    assert budget_inline.has_change_permission(admin_request, open_version) is True


@pytest.mark.django_db
def test_membership_binding_must_match_role(rows, admin_client):
    user = User.objects.create_user("newbuyer")
    response = admin_client.post(
        _url(Membership, "add"),
        {"user": user.pk, "role": Role.BUYER, "funder": rows["funder"].pk},
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["buyer"] == ["This role needs its organization."]
    assert errors["funder"] == ["Leave this empty for the chosen role."]
    assert not Membership.objects.filter(user=user).exists()


def _version_post(version, **lines) -> dict:
    data = {
        "title": version.title,
        "horizon_years": "5",
        "cash_flows-TOTAL_FORMS": "0",
        "cash_flows-INITIAL_FORMS": "0",
        "screening_checks-TOTAL_FORMS": "0",
        "screening_checks-INITIAL_FORMS": "0",
        "budget_lines-TOTAL_FORMS": "1",
        "budget_lines-INITIAL_FORMS": "0",
        "budget_lines-0-category": BudgetLine.Category.EQUIPMENT,
        "budget_lines-0-description": "Dryer",
        "budget_lines-0-quantity": "2",
        "budget_lines-0-unit_cost": "500000",
        "budget_lines-0-amount": "1000000",
        "budget_lines-0-grant": "700000",
        "budget_lines-0-producer_cash": "300000",
        "budget_lines-0-producer_in_kind": "0",
        "budget_lines-0-buyer": "0",
        "budget_lines-0-credit": "0",
        "budget_lines-0-other": "0",
    }
    return data | {f"budget_lines-0-{k}": v for k, v in lines.items()}


@pytest.mark.django_db
def test_open_version_budget_is_edited_and_checked(rows, admin_client):
    frozen = rows["version"]
    version = PlanVersion.objects.create(
        plan=frozen.plan, number=2, title="Revised", created_by=frozen.created_by
    )
    url = _url(PlanVersion, "change", version.pk)

    refused = admin_client.post(url, _version_post(version, grant="600000"))

    assert refused.status_code == 200
    assert "must add up to the amount" in refused.content.decode()
    assert not version.budget_lines.exists()

    accepted = admin_client.post(url, _version_post(version))

    assert accepted.status_code == 302
    line = version.budget_lines.get()
    assert (line.description, line.amount, line.grant) == ("Dryer", D("1000000"), D("700000"))


@pytest.mark.django_db
def test_frozen_version_post_changes_nothing(rows, admin_client):
    version = rows["version"]
    response = admin_client.post(_url(PlanVersion, "change", version.pk), _version_post(version))

    assert response.status_code == 403
    assert version.budget_lines.count() == 1
