"""Test data: factories for the parties, and `PlanBuilder`, which drives a plan through
the real services to any state of the workflow (never by writing `status`)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Membership, User
from alliances.models import (
    Buyer,
    Funder,
    Member,
    ProducerOrganization,
    Product,
    Region,
    ValueChain,
)
from funding import services as money
from funding.agreements import agreement_confirm, agreement_draft, agreement_send
from funding.models import LegalizationRequirement, Program, ProgramFunding, RubricCriterion
from funding.services import legalization_check_record
from monitoring.selectors import indicators_for
from monitoring.services import report_values_save
from plans import services
from plans.documents import document_upload
from plans.models import BudgetLine, CashFlowRow, PlanStatus

D = Decimal


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"Region {n}")
    country = "BJ"


class ValueChainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ValueChain

    code = factory.Sequence(lambda n: f"VC{n}")
    name = factory.Sequence(lambda n: f"Value chain {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    value_chain = factory.SubFactory(ValueChainFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    unit = "kg"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProducerOrganization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Cooperative {n}")
    region = factory.SubFactory(RegionFactory)

    @factory.post_generation
    def members(org, create, extracted, **kwargs):
        count = 30 if extracted is None else extracted
        Member.objects.bulk_create(
            Member(
                organization=org,
                name=f"Member {i}",
                sex=Member.Sex.FEMALE if i % 2 else Member.Sex.MALE,
                birth_year=timezone.localdate().year - (25 if i % 3 == 0 else 45),
            )
            for i in range(count)
        )


class BuyerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Buyer

    name = factory.Sequence(lambda n: f"Buyer {n}")
    kind = Buyer.Kind.PROCESSOR
    country = "BJ"


class FunderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Funder

    name = factory.Sequence(lambda n: f"Funder {n}")
    kind = Funder.Kind.DONOR


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"Programme {n}")
    country = "BJ"
    currency = "XOF"
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=300))
    max_grant_per_alliance = D("30000000")
    max_grant_per_family = D("1000000")
    max_grant_share = D("0.7000")
    min_counterpart_share = D("0.2000")
    discount_rate = D("0.1200")
    score_threshold = D("60.00")
    required_appraisals = 2
    tranche_count = 3
    reporting_rate = D("0.00166000")
    reporting_rate_date = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def budget(program, create, extracted, **kwargs):
        ProgramFunding.objects.create(
            program=program, funder=FunderFactory(), amount=extracted or D("100000000")
        )

    @factory.post_generation
    def rubric(program, create, extracted, **kwargs):
        RubricCriterion.objects.create(
            program=program,
            code="market",
            name_en="Market",
            name_fr="Marché",
            name_es="Mercado",
            category="market",
            weight=D("2"),
            max_score=10,
            order=1,
        )
        RubricCriterion.objects.create(
            program=program,
            code="financial",
            name_en="Financial",
            name_fr="Finances",
            name_es="Finanzas",
            category="financial",
            weight=D("1"),
            max_score=10,
            order=2,
        )
        LegalizationRequirement.objects.create(
            program=program,
            code="signed",
            label_en="Alliance agreement signed",
            label_fr="Accord d'alliance signé",
            label_es="Acuerdo de alianza firmado",
            order=1,
        )
        LegalizationRequirement.objects.create(
            program=program,
            code="bank",
            label_en="Bank account registered",
            label_fr="Compte bancaire enregistré",
            label_es="Cuenta bancaria registrada",
            order=2,
        )


def member_of(user, role, **binding) -> User:
    membership = Membership.objects.create(
        user=user, role=role, **{k: v for k, v in binding.items() if k != "regions"}
    )
    if binding.get("regions"):
        membership.regions.set(binding["regions"])
    return user


def add_budget(
    version, *, grant=D("14000000"), cash=D("3000000"), in_kind=D("1000000"), buyer=D("2000000")
) -> BudgetLine:
    amount = grant + cash + in_kind + buyer
    return BudgetLine.objects.create(
        version=version,
        category=BudgetLine.Category.EQUIPMENT,
        description="Maize sheller",
        quantity=D("1"),
        unit_cost=amount,
        amount=amount,
        grant=grant,
        producer_cash=cash,
        producer_in_kind=in_kind,
        buyer=buyer,
    )


def add_cash_flows(version) -> None:
    CashFlowRow.objects.bulk_create(
        CashFlowRow(
            version=version,
            year=y,
            revenue_with=D("0") if y == 0 else D("12000000"),
            costs_with=D("5000000"),
            revenue_without=D("4000000"),
            costs_without=D("2000000"),
        )
        for y in range(version.horizon_years + 1)
    )


EVIDENCE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pay_tranche(w, tranche, *, producer, reference: str):
    """Request, verify, authorize and pay `tranche`: three people (officer verifies,
    finance2 authorizes, finance pays), as §4 wants."""

    attach_evidence(tranche, by=producer)
    money.tranche_request(tranche=tranche, by=producer)
    money.tranche_verify(tranche=tranche, by=w.officer)
    money.tranche_authorize(tranche=tranche, by=w.finance2)
    return money.tranche_pay(
        tranche=tranche,
        by=w.finance,
        amount=tranche.amount,
        paid_on=timezone.localdate(),
        reference=reference,
    )


FIRST_DEPOSIT = "First counterpart deposit"


def first_deposit(w, plan, *, producer, amount=D("1000000")):
    """The producers' first cash contribution, recorded with its bank slip and verified
    by the officer: the condition of tranche 1 (`funding.services`)."""
    contribution = money.contribution_record(
        plan=plan,
        by=producer,
        kind="producer_cash",
        amount=amount,
        contributed_on=timezone.localdate(),
        description=FIRST_DEPOSIT,
        upload=SimpleUploadedFile("slip.pdf", EVIDENCE_PDF, content_type="application/pdf"),
    )
    return money.contribution_verify(contribution=contribution, by=w.officer)


def attach_evidence(tranche, *, by, title="Bank statement"):
    """Upload a small PDF as evidence for `tranche` (a request needs one) through the real
    document service."""
    plan = tranche.commitment.plan
    upload = SimpleUploadedFile("evidence.pdf", EVIDENCE_PDF, content_type="application/pdf")
    return document_upload(
        plan=plan, by=by, kind="evidence", title=title, upload=upload, tranche=tranche
    )


class PlanBuilder:
    """Builds a complete, valid plan and drives it to a state through the services."""

    PATH = {
        PlanStatus.DRAFT: [],
        PlanStatus.SUBMITTED: ["submit"],
        PlanStatus.SCREENING: ["submit", "start_screening"],
        PlanStatus.REVISION_REQUESTED: ["submit", "start_screening", "request_revision"],
        PlanStatus.APPRAISAL: ["submit", "start_screening", "screen", "pass_screening"],
        PlanStatus.COMMITTEE: [
            "submit",
            "start_screening",
            "screen",
            "pass_screening",
            "appraise",
            "complete_appraisal",
        ],
        PlanStatus.REJECTED: ["submit", "start_screening", "fail_screening"],
        PlanStatus.WITHDRAWN: ["withdraw"],
    }
    PATH[PlanStatus.APPROVED] = PATH[PlanStatus.COMMITTEE] + ["approve"]
    # Tranche 1 waits for the first counterpart deposit verified (§4): made before signing.
    PATH[PlanStatus.ACTIVE] = PATH[PlanStatus.APPROVED] + ["agree", "deposit", "sign_agreement"]
    PATH[PlanStatus.SUSPENDED] = PATH[PlanStatus.ACTIVE] + ["suspend"]
    PATH[PlanStatus.CANCELLED] = PATH[PlanStatus.ACTIVE] + ["cancel"]
    PATH[PlanStatus.MONITORING] = PATH[PlanStatus.ACTIVE] + ["pay_all"]
    PATH[PlanStatus.COMPLETED] = PATH[PlanStatus.MONITORING] + ["complete"]

    def __init__(self, world):
        self.w = world

    def build(self, status=PlanStatus.DRAFT, *, org=None, buyer=None, grant=D("14000000")):
        w = self.w
        org = org or w.org_a
        producer = w.producer if org == w.org_a else w.producer_b
        plan = services.alliance_propose(
            program=w.program,
            producer_organization=org,
            buyer=buyer or w.buyer,
            product=w.product,
            name=f"{org.name} maize",
            title="Maize shelling and storage",
            by=producer,
        )
        version = plan.current_version
        add_budget(
            version,
            grant=grant,
            cash=D("3000000"),
            in_kind=D("1000000"),
            buyer=D("20000000") - grant - D("4000000"),
        )
        add_cash_flows(version)
        for step in self.PATH[status]:
            plan = self.step(plan, step, producer)
        assert plan.status == status, (plan.status, status)
        return plan

    def step(self, plan, step, producer):
        w = self.w
        if step in ("submit", "withdraw"):
            return getattr(services, f"plan_{step}")(plan=plan, by=producer)
        if step == "screen":
            services.screening_record(
                plan=plan,
                by=w.officer,
                checks=dict.fromkeys(services.MANUAL_SCREENING_CHECKS, (True, "")),
            )
            return plan
        if step == "appraise":
            for appraiser in (w.appraiser, w.appraiser2):
                a = services.appraisal_assign(plan=plan, appraiser=appraiser, by=w.officer)
                services.appraisal_declare_no_conflict(assignment=a, by=appraiser)
                services.appraisal_submit(
                    assignment=a,
                    by=appraiser,
                    recommendation="approve",
                    scores={c.pk: (D("8"), "Good") for c in w.program.criteria.all()},
                )
            return plan
        if step == "approve":
            return services.plan_approve(plan=plan, by=w.committee, approved_grant=D("14000000"))
        if step == "agree":
            agreement = agreement_draft(
                alliance=plan.alliance,
                by=producer,
                product=w.product,
                unit="kg",
                annual_volume=D("100000"),
                unit_price=D("250"),
                duration_months=36,
            )
            agreement_send(agreement=agreement, by=producer)
            agreement_confirm(agreement=agreement, by=w.buyer_user)
            for requirement in w.program.legalization_requirements.all():
                legalization_check_record(
                    alliance=plan.alliance, requirement=requirement, by=w.officer
                )
            return plan
        if step == "deposit":
            first_deposit(w, plan, producer=producer)
            return plan
        if step == "pay_all":
            for tranche in plan.commitment.tranches.order_by("number"):
                pay_tranche(
                    w, tranche, producer=producer, reference=f"PAY-{plan.pk}-{tranche.number}"
                )
            plan.refresh_from_db()
            return plan
        actor = {
            "start_screening": w.officer,
            "pass_screening": w.officer,
            "fail_screening": w.officer,
            "request_revision": w.officer,
            "complete_appraisal": w.officer,
            "sign_agreement": w.officer,
            "suspend": w.officer,
            "cancel": w.officer,
            "complete": w.me_officer,
        }[step]
        return services.PLAN_ACTIONS[step](plan=plan, by=actor, comment="Reason given")


def report_entries(report, value="10") -> dict:
    """A complete set of values for every indicator the report's alliance enters by hand,
    each total `value` and, where disaggregated, 4 women and 3 youth."""

    entries = {}
    for indicator in indicators_for(report.alliance):
        if indicator.is_computed:
            continue
        entries[indicator.code] = {
            "value": value,
            "women": "4" if indicator.by_sex else None,
            "youth": "3" if indicator.by_youth else None,
        }
    return entries


def fill_report(report, *, by, narrative="Sales to the buyer rose this quarter.", value="10"):
    """Enter a complete report (values and narrative) through the service, not submitted."""

    return report_values_save(
        report=report, by=by, values=report_entries(report, value), narrative=narrative
    )
