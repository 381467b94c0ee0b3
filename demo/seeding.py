"""A realistic portfolio at scale, for trying the platform and measuring it (benchmarks).

This is a SEEDING TOOL: it writes consistent rows directly with `bulk_create`, without
going through the workflow services (which would take hours for 10,000 alliances).
It keeps the invariants the services keep:

- every alliance has a plan in one of the workflow states, with the records that state
  implies (frozen versions, screening, appraisals, decision, commitment, agreement,
  legalization checklist, tranches, payments, deliveries, transition log);
- budget lines split exactly by source, within the programme's caps;
- the tranches of a commitment sum to it; a requested tranche has its evidence (one
  shared small PDF); the net paid never exceeds it; a reversal undoes one payment,
  which is then paid again;
- the commitments of a programme never exceed its budget: the seeding funder's share is
  sized to fit;
- monitoring (§8), as `monitoring.services` keeps it: the indicator catalogue first
  (`catalogue_seed`); every signed alliance (active, monitoring, suspended, completed,
  cancelled) has one report per monitoring period of its programme from its signing
  date (the first tranche's planned date, and the date of its `sign_agreement` log
  entry) over the plan's horizon, due `report_grace_days` after the period ends; a
  completed alliance has none for the periods that start after its completion (the
  date of its `complete` log entry), and no delivery after it. Reports of periods long
  over are mostly accepted, a few submitted or returned; the latest ones over are often
  still due (overdue, or within their days to submit); periods under way or to come are
  due. A submitted, returned or accepted report has a value for every reported
  indicator in use (women and youth where the indicator is disaggregated), and an
  accepted one also the computed indicators as `monitoring.selectors.computed_values`
  gives them: the confirmed deliveries dated in the period (volume; volume times unit
  price to the cent) and revolving-fund repayments (0: no revolving fund is seeded).
  Report moves are in the transition log, dated.

The transition log of a signed plan is dated (steps before signing, signing, last
payment, completion, cancellation or suspension); other plans' entries are dated now.
Monitoring uses a random stream of its own, so the rest of a seeded portfolio is the
same for a given seed as before it was added.
Running it again adds N more alliances to the same seeded programmes.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from alliances.models import (
    YOUTH_AGE_LIMIT,
    Alliance,
    Buyer,
    Delivery,
    Funder,
    Member,
    ProducerOrganization,
    Product,
    Region,
    ValueChain,
)
from core.dates import add_months
from funding.models import (
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
from funding.services import tranche_split
from monitoring.catalogue import catalogue_seed
from monitoring.figures import portfolio_figures_rebuild
from monitoring.models import Indicator, IndicatorValue, MonitoringReport
from monitoring.selectors import indicators_by_program
from plans.models import (
    MANUAL_SCREENING_ITEMS,
    AppraisalAssignment,
    BudgetLine,
    BusinessPlan,
    CashFlowRow,
    CommitteeDecision,
    CriterionScore,
    PlanDocument,
    PlanStatus,
    PlanVersion,
    ScreeningCheck,
    TransitionLog,
)

D = Decimal
S = PlanStatus
BATCH = 500  # alliances written per round of bulk inserts
STEP_DAYS = 12  # days between a signed plan's dated steps before its signing

# How often each state occurs in the seeded portfolio (weights).
STATE_WEIGHTS = {
    S.DRAFT: 8,
    S.SUBMITTED: 5,
    S.SCREENING: 5,
    S.APPRAISAL: 6,
    S.COMMITTEE: 5,
    S.REVISION_REQUESTED: 4,
    S.APPROVED: 5,
    S.ACTIVE: 24,
    S.MONITORING: 14,
    S.COMPLETED: 8,
    S.REJECTED: 6,
    S.WITHDRAWN: 3,
    S.CANCELLED: 3,
    S.SUSPENDED: 4,
}

# The transitions that brought a plan to its state (for the log).
_TO_COMMITTEE = ["submit", "start_screening", "pass_screening", "complete_appraisal"]
_TO_ACTIVE = [*_TO_COMMITTEE, "approve", "sign_agreement"]
PATHS = {
    S.DRAFT: [],
    S.SUBMITTED: ["submit"],
    S.SCREENING: ["submit", "start_screening"],
    S.APPRAISAL: ["submit", "start_screening", "pass_screening"],
    S.COMMITTEE: _TO_COMMITTEE,
    S.REVISION_REQUESTED: ["submit", "start_screening", "request_revision"],
    S.APPROVED: [*_TO_COMMITTEE, "approve"],
    S.ACTIVE: _TO_ACTIVE,
    S.MONITORING: [*_TO_ACTIVE, "finish_disbursement"],
    S.COMPLETED: [*_TO_ACTIVE, "finish_disbursement", "complete"],
    S.REJECTED: [*_TO_COMMITTEE, "reject"],
    S.WITHDRAWN: ["submit", "withdraw"],
    S.CANCELLED: [*_TO_ACTIVE, "cancel"],
    S.SUSPENDED: [*_TO_ACTIVE, "suspend"],
}
_TARGETS = {
    "submit": S.SUBMITTED,
    "start_screening": S.SCREENING,
    "pass_screening": S.APPRAISAL,
    "complete_appraisal": S.COMMITTEE,
    "request_revision": S.REVISION_REQUESTED,
    "approve": S.APPROVED,
    "sign_agreement": S.ACTIVE,
    "finish_disbursement": S.MONITORING,
    "complete": S.COMPLETED,
    "reject": S.REJECTED,
    "withdraw": S.WITHDRAWN,
    "cancel": S.CANCELLED,
    "suspend": S.SUSPENDED,
}
SCREENED = {S.APPRAISAL, S.COMMITTEE, S.APPROVED, S.ACTIVE, S.MONITORING, S.COMPLETED}
SCREENED |= {S.REJECTED, S.CANCELLED, S.SUSPENDED}
APPRAISED = SCREENED - {S.APPRAISAL}
COMMITTED = {S.APPROVED, S.ACTIVE, S.MONITORING, S.COMPLETED, S.CANCELLED, S.SUSPENDED}
SIGNED = COMMITTED - {S.APPROVED}

PROGRAMMES = [
    # code, name, country, currency, rate to USD, grant range (whole units), regions,
    # chains: (value chain, product), each named in English, French and Spanish
    (
        "SEED-BJ",
        "Alliances productives du Bénin (portefeuille de démonstration)",
        "BJ",
        "XOF",
        D("0.00166000"),
        (5_000_000, 45_000_000),
        ["Alibori", "Borgou", "Zou", "Atlantique", "Collines", "Mono"],
        [
            (("Maize", "Maïs", "Maíz"), ("Maize grain", "Maïs grain", "Maíz en grano")),
            (("Rice", "Riz", "Arroz"), ("Paddy rice", "Riz paddy", "Arroz paddy")),
            (("Cassava", "Manioc", "Yuca"), ("Gari", "Gari", "Gari")),
        ],
    ),
    (
        "SEED-CO",
        "Alianzas productivas de Colombia (portafolio de demostración)",
        "CO",
        "COP",
        D("0.00025000"),
        (60_000_000, 600_000_000),
        ["Huila", "Cauca", "Nariño", "Antioquia", "Tolima"],
        [
            (("Coffee", "Café", "Café"), ("Parchment coffee", "Café parche", "Café pergamino")),
            (("Fruit", "Fruits", "Frutas"), ("Hass avocado", "Avocat Hass", "Aguacate Hass")),
            (("Cocoa", "Cacao", "Cacao"), ("Cocoa beans", "Fèves de cacao", "Granos de cacao")),
        ],
    ),
    (
        "SEED-KE",
        "Kenya productive partnerships (demonstration portfolio)",
        "KE",
        "KES",
        D("0.00775000"),
        (1_500_000, 9_000_000),
        ["Nakuru", "Meru", "Kiambu", "Nyeri"],
        [
            (("Dairy", "Lait", "Lácteos"), ("Raw milk", "Lait cru", "Leche cruda")),
            (("Tea", "Thé", "Té"), ("Green leaf tea", "Feuilles de thé vert", "Hoja verde de té")),
        ],
    ),
]

FIRST_NAMES = {
    "female": ["Adjoa", "Afiavi", "Ana", "Beatriz", "Camila", "Grace", "Mariam", "Wanjiru"],
    "male": ["Abdou", "Andrés", "Carlos", "Issa", "Kossi", "Luis", "Otieno", "Wilson"],
}
LAST_NAMES = ["Adjovi", "Bolaños", "Dossou", "Gómez", "Kamau", "Muñoz", "Sanni", "Wekesa"]


EVIDENCE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EVIDENCE_NAME = "plans/seed/evidence.pdf"


def _evidence_file() -> str:
    """One small PDF that every seeded tranche request shows as its evidence."""
    if not default_storage.exists(EVIDENCE_NAME):
        default_storage.save(EVIDENCE_NAME, ContentFile(EVIDENCE_PDF))
    return EVIDENCE_NAME


@dataclass
class Staff:
    officer: User
    appraisers: tuple[User, User]
    committee: User
    finance: tuple[User, User]
    producer: User
    me_officer: User


def _staff() -> Staff:
    """The people the seeded records name (never signed in with: unusable passwords)."""

    def user(username: str) -> User:
        u, created = User.objects.get_or_create(
            username=username, defaults={"first_name": username.replace("seed_", "").title()}
        )
        if created:
            u.set_unusable_password()
            u.save(update_fields=["password"])
        return u

    return Staff(
        officer=user("seed_officer"),
        appraisers=(user("seed_appraiser_1"), user("seed_appraiser_2")),
        committee=user("seed_committee"),
        finance=(user("seed_finance_1"), user("seed_finance_2")),
        producer=user("seed_producer"),
        me_officer=user("seed_me_officer"),
    )


@dataclass
class Setting:
    """One seeded programme and what its alliances draw from."""

    program: Program
    regions: list[Region]
    products: list[Product]
    buyers: list[Buyer]
    criteria: list[RubricCriterion]
    requirements: list[LegalizationRequirement]
    grant_range: tuple[int, int]


def _in_languages(names: tuple[str, str, str], field: str = "name") -> dict[str, str]:
    """{name_en: ..., name_fr: ..., name_es: ...} for a translated column."""
    return dict(zip((f"{field}_en", f"{field}_fr", f"{field}_es"), names, strict=True))


def _programmes(today: datetime.date) -> list[Setting]:
    funder, _ = Funder.objects.get_or_create(
        name="Seed portfolio fund", defaults={"kind": Funder.Kind.DONOR}
    )
    settings = []
    for code, name, country, currency, rate, grants, region_names, chains in PROGRAMMES:
        program, created = Program.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "country": country,
                "currency": currency,
                "opens_on": today - datetime.timedelta(days=1500),
                "closes_on": today + datetime.timedelta(days=365),
                "max_grant_per_alliance": D(grants[1]),
                "max_grant_per_family": D(grants[1]),
                "max_grant_share": D("0.7000"),
                "min_counterpart_share": D("0.2000"),
                "discount_rate": D("0.1000"),
                "score_threshold": D("60.00"),
                "required_appraisals": 2,
                "tranche_count": 3,
                "reporting_currency": "USD",
                "reporting_rate": rate,
                "reporting_rate_date": today,
            },
        )
        # A region or value chain of that name already there (load_demo's) is the same
        # one: two of them would show twice in the dashboard's filters and figures.
        regions = [
            Region.objects.filter(country=country, name=region).order_by("pk").first()
            or Region.objects.create(code=f"S-{country}-{n}"[:20], name=region, country=country)
            for n, region in enumerate(region_names, start=1)
        ]
        products = []
        for chain_names, product_names in chains:
            chain = ValueChain.objects.filter(name_en=chain_names[0]).order_by("pk").first()
            if chain is None:
                chain = ValueChain.objects.create(
                    code=f"S-{chain_names[0].upper()}"[:20], **_in_languages(chain_names)
                )
            products.append(
                Product.objects.get_or_create(
                    value_chain=chain,
                    name_en=product_names[0],
                    defaults={**_in_languages(product_names), "unit": "kg"},
                )[0]
            )
        if created:
            program.eligible_regions.set(regions)
            program.eligible_value_chains.set({p.value_chain for p in products})
            ProgramFunding.objects.create(program=program, funder=funder, amount=D(grants[1]))
            for order, (c_code, (en, fr, es), category, weight) in enumerate(
                [
                    (
                        "market",
                        ("Market and buyer", "Marché et acheteur", "Mercado y comprador"),
                        "market",
                        "30",
                    ),
                    (
                        "financial",
                        ("Financial return", "Rentabilité financière", "Rentabilidad financiera"),
                        "financial",
                        "30",
                    ),
                    (
                        "organizational",
                        ("Organization", "Organisation", "Organización"),
                        "organizational",
                        "20",
                    ),
                    (
                        "inclusion",
                        ("Women and youth", "Femmes et jeunes", "Mujeres y jóvenes"),
                        "inclusion",
                        "20",
                    ),
                ],
                start=1,
            ):
                RubricCriterion.objects.create(
                    program=program,
                    code=c_code,
                    name_en=en,
                    name_fr=fr,
                    name_es=es,
                    category=category,
                    weight=D(weight),
                    max_score=10,
                    order=order,
                )
            for order, (r_code, (en, fr, es)) in enumerate(
                [
                    (
                        "agreement",
                        (
                            "Alliance agreement signed",
                            "Accord d'alliance signé",
                            "Acuerdo de alianza firmado",
                        ),
                    ),
                    (
                        "bank",
                        (
                            "Bank account registered",
                            "Compte bancaire enregistré",
                            "Cuenta bancaria registrada",
                        ),
                    ),
                ],
                start=1,
            ):
                LegalizationRequirement.objects.create(
                    program=program, code=r_code, label_en=en, label_fr=fr, label_es=es, order=order
                )
        buyers = [
            Buyer.objects.get_or_create(
                name=f"{code} buyer {n}",
                defaults={"kind": Buyer.Kind.PROCESSOR, "country": country},
            )[0]
            for n in range(1, 21)
        ]
        settings.append(
            Setting(
                program,
                regions,
                products,
                buyers,
                list(program.criteria.all()),
                list(program.legalization_requirements.all()),
                grants,
            )
        )
    return settings


def seed_portfolio(
    alliances: int, *, seed: int = 1, log: Callable[[str], None] = lambda message: None
) -> dict[str, int]:
    """Add `alliances` alliances spread over every state; return row counts written."""
    rng = random.Random(seed)
    # Monitoring draws from a stream of its own: the rest of the portfolio stays the same.
    monitoring_rng = random.Random(f"monitoring-{seed}")
    today = timezone.localdate()
    staff = _staff()
    settings = _programmes(today)
    catalogue_seed(Indicator)  # the standard indicators, unless already there
    indicators = indicators_by_program([s.program.pk for s in settings])
    counts: dict[str, int] = {}
    states = list(STATE_WEIGHTS)
    weights = list(STATE_WEIGHTS.values())
    for setting in settings:
        # Room for every grant first (the database refuses commitments over the budget),
        # then the budget is fitted to what was committed.
        _presize_budget(setting.program, alliances)
    done = 0
    while done < alliances:
        size = min(BATCH, alliances - done)
        batch = Batch(rng, today, staff, settings, counts, monitoring_rng, indicators)
        with transaction.atomic():
            batch.write(
                [rng.choices(states, weights)[0] for _ in range(size)],
                # The first alliances cover every state, whatever N is.
                start=done,
            )
        done += size
        log(f"{done} alliances")
    for setting in settings:
        _fit_budget(setting.program)
    # Rows written directly, not through the steps: the dashboard's figures are rebuilt.
    portfolio_figures_rebuild()
    return counts


@contextmanager
def _dated_log() -> Iterator[None]:
    """Insert transition-log rows with the `at` they carry (not the time of insertion)."""
    field = TransitionLog._meta.get_field("at")
    saved = field.auto_now_add
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = saved


def _moment(day: datetime.date, now: datetime.datetime) -> datetime.datetime:
    """Ten in the morning of `day`, local time, and never after `now`."""
    return min(timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))), now)


def _presize_budget(program: Program, alliances: int) -> None:
    funding = program.fundings.get(funder__name="Seed portfolio fund")
    room = program.committed + program.max_grant_per_alliance * alliances
    if room > funding.amount:
        funding.amount = room
        funding.save(update_fields=["amount"])


def _fit_budget(program: Program) -> None:
    """Size the seeding funder's share so that commitments stay within the budget."""
    committed = program.committed
    others = program.fundings.exclude(funder__name="Seed portfolio fund").aggregate(
        t=Sum("amount")
    )["t"] or D(0)
    needed = (committed * D("1.25")).quantize(D("1"), ROUND_DOWN) - others
    funding = program.fundings.get(funder__name="Seed portfolio fund")
    if needed > 0 and needed != funding.amount:
        funding.amount = needed
        funding.save(update_fields=["amount"])


class Batch:
    """The rows of one batch of alliances, inserted table by table."""

    def __init__(
        self,
        rng,
        today,
        staff: Staff,
        settings: list[Setting],
        counts: dict,
        monitoring_rng=None,
        indicators: dict[int, list[Indicator]] | None = None,
    ):
        self.rng = rng
        self.today = today
        self.staff = staff
        self.settings = settings
        self.counts = counts
        self.mrng = monitoring_rng or random.Random(rng.random())
        self.indicators = indicators or {}
        # Per alliance id: signing date, last payment, completion, cancellation or
        # suspension; per organization id: (members, women, youth) of its roster.
        self.signed_on: dict[int, datetime.date] = {}
        self.last_paid: dict[int, datetime.date] = {}
        self.ended_on: dict[int, datetime.date] = {}
        self.roster: dict[int, tuple[int, int, int]] = {}

    def _insert(self, model, rows: list) -> list:
        created = model.objects.bulk_create(rows, batch_size=2000)
        label = model._meta.verbose_name_plural
        self.counts[str(label)] = self.counts.get(str(label), 0) + len(created)
        return created

    def write(self, states: list[str], *, start: int) -> None:
        rng = self.rng
        all_states = list(STATE_WEIGHTS)
        if start == 0:
            states[: len(all_states)] = all_states[: len(states)]
        picks = [rng.choice(self.settings) for _ in states]
        sequence = {
            s.program.pk: Alliance.objects.filter(program=s.program).count() for s in self.settings
        }

        orgs = self._insert(
            ProducerOrganization,
            [
                ProducerOrganization(
                    name=f"{rng.choice(['Coopérative', 'Asociación', 'Union', 'Groupement'])} "
                    f"{region.name} {start + i + 1}",
                    legal_form=rng.choice(ProducerOrganization.LegalForm.values),
                    region=region,
                    founded_year=rng.randint(1985, 2020),
                )
                for i, region in enumerate(rng.choice(s.regions) for s in picks)
            ],
        )
        self._members(orgs)
        alliances = []
        for org, setting in zip(orgs, picks, strict=True):
            sequence[setting.program.pk] += 1
            product = rng.choice(setting.products)
            alliances.append(
                Alliance(
                    code=f"{setting.program.code}-{sequence[setting.program.pk]:05d}",
                    name=f"{org.name} · {product.name}",
                    program=setting.program,
                    producer_organization=org,
                    buyer=rng.choice(setting.buyers),
                    value_chain=product.value_chain,
                    product=product,
                    region=org.region,
                )
            )
        alliances = self._insert(Alliance, alliances)
        grants = [D(rng.randint(*s.grant_range) // 1000 * 1000) for s in picks]
        plans = self._insert(
            BusinessPlan,
            [
                BusinessPlan(
                    alliance=a,
                    status=state,
                    suspended_from=S.ACTIVE if state == S.SUSPENDED else "",
                    approved_grant=grant if state in COMMITTED else None,
                    approval_conditions="Quarterly reports to the programme."
                    if state in COMMITTED
                    else "",
                    created_by=self.staff.producer,
                )
                for a, state, grant in zip(alliances, states, grants, strict=True)
            ],
        )
        versions = self._versions(plans, states, grants)
        self._screening_and_appraisal(versions, states)
        self._money(plans, states, picks)
        self._milestones(plans, states)
        self._log(plans, states)
        self._agreements(alliances, states)
        deliveries = self._deliveries(alliances, states)
        horizons = {v.plan.alliance_id: v.horizon_years for v in versions}
        self._monitoring(alliances, states, picks, horizons, deliveries)

    def _members(self, orgs) -> None:
        rng, year = self.rng, self.today.year
        rows = []
        for org in orgs:
            women = youth = 0
            count = rng.randint(12, 40)
            for n in range(count):
                sex = "female" if rng.random() < 0.45 else "male"
                name = f"{rng.choice(FIRST_NAMES[sex])} {rng.choice(LAST_NAMES)}"
                birth_year = year - rng.randint(18, 70)
                women += sex == "female"
                youth += birth_year > year - YOUTH_AGE_LIMIT
                rows.append(
                    Member(
                        organization=org,
                        name=name,
                        sex=sex,
                        birth_year=birth_year,
                        land_area_ha=D(rng.randint(5, 80)) / 10,
                        role="president" if n == 0 else "member",
                    )
                )
            self.roster[org.pk] = (count, women, youth)
        self._insert(Member, rows)

    def _versions(self, plans, states, grants) -> list[PlanVersion]:
        """Version 1 of each plan (and an open version 2 after a revision request)."""
        now = timezone.now()
        rng = self.rng
        versions = []
        for plan, state in zip(plans, states, strict=True):
            families = rng.randint(12, 40)
            numbers = [1, 2] if state == S.REVISION_REQUESTED else [1]
            for number in numbers:
                frozen = state != S.DRAFT and not (state == S.REVISION_REQUESTED and number == 2)
                versions.append(
                    PlanVersion(
                        plan=plan,
                        number=number,
                        title=f"{plan.alliance.name}: storage and processing",
                        summary="Investment in storage, processing equipment and training.",
                        market_description="Sales to the buyer under a purchase agreement.",
                        technical_description="Equipment, inputs and technical assistance.",
                        environmental_social="No significant environmental risk identified.",
                        horizon_years=5,
                        beneficiary_families=families if frozen else 0,
                        women_members=families * 45 // 100 if frozen else 0,
                        youth_members=families * 30 // 100 if frozen else 0,
                        frozen_at=now if frozen else None,
                        created_by=self.staff.producer,
                    )
                )
        versions = self._insert(PlanVersion, versions)
        lines, flows = [], []
        grant_of = {plan.pk: grant for plan, grant in zip(plans, grants, strict=True)}
        for version in versions:
            grant = grant_of[version.plan_id]
            # Grant 60 % of the investment, producers 25 %, buyer 15 %.
            total = (grant / D("0.6")).quantize(D("1"), ROUND_DOWN)
            cash = (total * D("0.15")).quantize(D("1"), ROUND_DOWN)
            in_kind = (total * D("0.10")).quantize(D("1"), ROUND_DOWN)
            buyer = total - grant - cash - in_kind
            parts = [
                ("equipment", "Processing equipment", D("0.5")),
                ("infrastructure", "Storage building", D("0.3")),
                ("training", "Training and technical assistance", D("0.2")),
            ]
            spent = {"grant": D(0), "cash": D(0), "in_kind": D(0), "buyer": D(0)}
            for index, (category, description, share) in enumerate(parts):
                last = index == len(parts) - 1
                split = {}
                for key, amount in (
                    ("grant", grant),
                    ("cash", cash),
                    ("in_kind", in_kind),
                    ("buyer", buyer),
                ):
                    part = amount - spent[key] if last else (amount * share).quantize(D("1"))
                    spent[key] += part
                    split[key] = part
                amount = sum(split.values())
                lines.append(
                    BudgetLine(
                        version=version,
                        category=category,
                        description=description,
                        quantity=D(1),
                        unit_cost=amount,
                        amount=amount,
                        grant=split["grant"],
                        producer_cash=split["cash"],
                        producer_in_kind=split["in_kind"],
                        buyer=split["buyer"],
                    )
                )
            revenue = (total * D(self.rng.randint(70, 95)) / 100).quantize(D("1"))
            for year in range(version.horizon_years + 1):
                flows.append(
                    CashFlowRow(
                        version=version,
                        year=year,
                        revenue_with=D(0) if year == 0 else revenue,
                        costs_with=(revenue * D("0.4")).quantize(D("1")),
                        revenue_without=(revenue * D("0.35")).quantize(D("1")),
                        costs_without=(revenue * D("0.2")).quantize(D("1")),
                    )
                )
        self._insert(BudgetLine, lines)
        self._insert(CashFlowRow, flows)
        return [v for v in versions if v.number == 1]

    def _screening_and_appraisal(self, versions, states) -> None:
        rng = self.rng
        now = timezone.now()
        checks, assignments, decisions = [], [], []
        for version, state in zip(versions, states, strict=True):
            if state not in SCREENED:
                continue
            for item in MANUAL_SCREENING_ITEMS:
                checks.append(
                    ScreeningCheck(
                        version=version,
                        code=item.value,
                        passed=True,
                        checked_by=self.staff.officer,
                    )
                )
            if state not in APPRAISED:
                continue
            for appraiser in self.staff.appraisers:
                assignments.append(
                    AppraisalAssignment(
                        version=version,
                        appraiser=appraiser,
                        assigned_by=self.staff.officer,
                        no_conflict_declared_at=now,
                        recommendation=AppraisalAssignment.Recommendation.APPROVE,
                        comment="Sound plan with a committed buyer.",
                        completed_at=now,
                    )
                )
            if state in COMMITTED or state == S.REJECTED:
                approved = state != S.REJECTED
                decisions.append(
                    CommitteeDecision(
                        version=version,
                        outcome="approved" if approved else "rejected",
                        approved_grant=version.plan.approved_grant if approved else None,
                        conditions="Quarterly reports to the programme." if approved else "",
                        reason="" if approved else "The market risk is too high.",
                        decided_by=self.staff.committee,
                    )
                )
        self._insert(ScreeningCheck, checks)
        assignments = self._insert(AppraisalAssignment, assignments)
        criteria = {s.program.pk: s.criteria for s in self.settings}
        program_of = {v.pk: v.plan.alliance.program_id for v in versions}
        self._insert(
            CriterionScore,
            [
                CriterionScore(
                    assignment=a, criterion=c, score=D(rng.randint(6, 10)), comment="Good."
                )
                for a in assignments
                for c in criteria[program_of[a.version_id]]
            ],
        )
        self._insert(CommitteeDecision, decisions)

    def _log(self, plans, states) -> None:
        content_type = ContentType.objects.get_for_model(BusinessPlan)
        actors = {
            "submit": self.staff.producer,
            "withdraw": self.staff.producer,
            "approve": self.staff.committee,
            "reject": self.staff.committee,
            "finish_disbursement": None,
        }
        now = timezone.now()
        rows = []
        for plan, state in zip(plans, states, strict=True):
            current = S.DRAFT
            dates = self._path_dates(plan.alliance_id, state)
            for name in PATHS[state]:
                target = _TARGETS[name]
                rows.append(
                    TransitionLog(
                        alliance=plan.alliance,
                        content_type=content_type,
                        object_id=plan.pk,
                        transition=name,
                        from_state=current,
                        to_state=target,
                        actor=actors.get(name, self.staff.officer),
                        comment="Seeded." if name in ("reject", "cancel", "suspend") else "",
                        at=_moment(dates[name], now) if name in dates else now,
                    )
                )
                current = target
        with _dated_log():
            self._insert(TransitionLog, rows)

    def _path_dates(self, alliance_id: int, state: str) -> dict[str, datetime.date]:
        """When a signed plan went through each step of its path (an unsigned plan's
        steps are dated now: {})."""
        signed = self.signed_on.get(alliance_id)
        if signed is None:
            return {}
        path = PATHS[state]
        before = path[: path.index("sign_agreement")]
        dates = {
            name: signed - datetime.timedelta(days=STEP_DAYS * (len(before) - n))
            for n, name in enumerate(before)
        }
        dates["sign_agreement"] = signed
        if "finish_disbursement" in path:
            dates["finish_disbursement"] = self.last_paid.get(alliance_id, signed)
        for name in ("complete", "cancel", "suspend"):
            if name in path:
                dates[name] = self.ended_on[alliance_id]
        return dates

    def _milestones(self, plans, states) -> None:
        """Completion, cancellation or suspension dates: after the last payment (and at
        least six months after signing), never after today."""
        rng, today = self.mrng, self.today
        for plan, state in zip(plans, states, strict=True):
            if state not in (S.COMPLETED, S.CANCELLED, S.SUSPENDED):
                continue
            signed = self.signed_on[plan.alliance_id]
            earliest = max(
                self.last_paid.get(plan.alliance_id, signed),
                signed + datetime.timedelta(days=180),
            )
            earliest = min(earliest, today)
            if state == S.COMPLETED:
                back = rng.randint(0, (today - earliest).days)
            else:
                back = rng.randint(0, min(60, (today - earliest).days))
            self.ended_on[plan.alliance_id] = today - datetime.timedelta(days=back)

    def _money(self, plans, states, picks) -> list[GrantCommitment]:
        """Commitments, tranches, payments (and a few reversals) by state."""
        rng, today = self.rng, self.today
        officer, (finance_1, finance_2) = self.staff.officer, self.staff.finance
        selected = [
            (plan, state, setting)
            for plan, state, setting in zip(plans, states, picks, strict=True)
            if state in COMMITTED
        ]
        commitments = self._insert(
            GrantCommitment,
            [
                GrantCommitment(
                    plan=plan,
                    program=setting.program,
                    amount=plan.approved_grant,
                    committed_by=self.staff.committee,
                )  # fmt: skip
                for plan, _state, setting in selected
            ],
        )
        tranches, paid_counts = [], []
        now = timezone.now()
        for commitment, (plan, state, setting) in zip(commitments, selected, strict=True):
            program = setting.program
            start = today - datetime.timedelta(days=rng.randint(200, 900))
            if state in SIGNED:
                # Signed that day: the tranche schedule starts then, and so do the reports.
                self.signed_on[plan.alliance_id] = start
                # Committed when approved: the log's `approve`, a step before signing.
                approved_on = start - datetime.timedelta(days=STEP_DAYS)
                commitment.committed_at = _moment(approved_on, now)
            amounts = tranche_split(commitment.amount, program.tranche_count, program.currency)
            paid = {
                S.APPROVED: 0,
                S.ACTIVE: rng.randint(0, len(amounts) - 1),
                S.SUSPENDED: rng.randint(0, len(amounts) - 1),
                S.CANCELLED: rng.randint(0, len(amounts) - 1),
                S.MONITORING: len(amounts),
                S.COMPLETED: len(amounts),
            }[state]
            paid_counts.append(paid)
            if state == S.APPROVED:
                continue
            for number, amount in enumerate(amounts, start=1):
                if number <= paid:
                    status = Tranche.Status.PAID
                elif number == paid + 1 and state == S.ACTIVE:
                    status = rng.choice(Tranche.Status.values[:4])
                else:
                    status = Tranche.Status.PLANNED
                moved = status != Tranche.Status.PLANNED
                verified = status in (Tranche.Status.VERIFIED, "authorized", "paid")
                authorized = status in (Tranche.Status.AUTHORIZED, "paid")
                tranches.append(
                    Tranche(
                        commitment=commitment,
                        number=number,
                        amount=amount,
                        planned_date=add_months(start, (number - 1) * 3),
                        status=status,
                        requested_by=self.staff.producer if moved else None,
                        requested_at=now if moved else None,
                        verified_by=officer if verified else None,
                        verified_at=now if verified else None,
                        authorized_by=finance_2 if authorized else None,
                        authorized_at=now if authorized else None,
                    )
                )
            if state == S.CANCELLED:
                commitment.released_amount = sum(amounts[paid:], D(0))
        GrantCommitment.objects.bulk_update(commitments, ["released_amount", "committed_at"])
        tranches = self._insert(Tranche, tranches)
        evidence = _evidence_file()
        self._insert(
            PlanDocument,
            [
                PlanDocument(
                    plan_id=t.commitment.plan_id,
                    tranche=t,
                    kind=PlanDocument.Kind.EVIDENCE,
                    title="Bank statement",
                    file=evidence,
                    original_name="evidence.pdf",
                    content_type="application/pdf",
                    size=len(EVIDENCE_PDF),
                    uploaded_by=self.staff.producer,
                )  # fmt: skip
                for t in tranches
                if t.status != Tranche.Status.PLANNED
            ],
        )
        payments = []
        for tranche in tranches:
            if tranche.status != Tranche.Status.PAID:
                continue
            paid_on = min(tranche.planned_date + datetime.timedelta(days=20), today)
            reference = f"SEED-{tranche.commitment_id}-{tranche.number}"
            payments.append(
                Payment(
                    tranche=tranche,
                    amount=tranche.amount,
                    paid_on=paid_on,
                    reference=reference,
                    recorded_by=finance_1,
                )  # fmt: skip
            )
        payments = self._insert(Payment, payments)
        alliance_of = {plan.pk: plan.alliance_id for plan in plans}
        for p in payments:
            alliance_id = alliance_of[p.tranche.commitment.plan_id]
            self.last_paid[alliance_id] = max(p.paid_on, self.last_paid.get(alliance_id, p.paid_on))
        # About one paid tranche in forty had its payment corrected: reversed, paid again.
        corrected = [p for p in payments if rng.random() < 0.025]
        self._insert(
            Payment,
            [
                Payment(
                    tranche=p.tranche,
                    kind=Payment.Kind.REVERSAL,
                    amount=p.amount,
                    paid_on=p.paid_on,
                    reference=f"{p.reference}-REV",
                    reverses=p,
                    reason="Wrong bank account.",
                    recorded_by=finance_1,
                )  # fmt: skip
                for p in corrected
            ],
        )
        repaid = self._insert(
            Payment,
            [
                Payment(
                    tranche=p.tranche,
                    amount=p.amount,
                    paid_on=min(p.paid_on + datetime.timedelta(days=7), today),
                    reference=f"{p.reference}-B",
                    recorded_by=finance_1,
                )  # fmt: skip
                for p in corrected
            ],
        )
        for p in repaid:
            alliance_id = alliance_of[p.tranche.commitment.plan_id]
            self.last_paid[alliance_id] = max(p.paid_on, self.last_paid[alliance_id])
        requirements = {s.program.pk: s.requirements for s in self.settings}
        self._insert(
            LegalizationCheck,
            [
                LegalizationCheck(alliance=plan.alliance, requirement=r, done_by=officer)
                for plan, state, setting in selected
                if state in SIGNED
                for r in requirements[setting.program.pk]
            ],
        )
        return commitments

    def _agreements(self, alliances, states) -> None:
        rng = self.rng
        chosen = []
        for alliance, state in zip(alliances, states, strict=True):
            if state in SIGNED:
                status = PurchaseAgreement.Status.CONFIRMED
            elif state in (S.APPROVED, S.COMMITTEE):
                status = rng.choice(
                    [PurchaseAgreement.Status.SENT, PurchaseAgreement.Status.CONFIRMED]
                )
            elif state in (S.APPRAISAL, S.SCREENING):
                status = rng.choice(
                    [PurchaseAgreement.Status.DRAFT, PurchaseAgreement.Status.DECLINED]
                )
            else:
                continue
            chosen.append((alliance, status))
        agreements = self._insert(
            PurchaseAgreement,
            [
                PurchaseAgreement(
                    alliance=a,
                    status=status,
                    decline_reason="Volumes too low." if status == "declined" else "",
                )
                for a, status in chosen
            ],
        )
        now = timezone.now()
        self._insert(
            PurchaseAgreementVersion,
            [
                PurchaseAgreementVersion(
                    agreement=agreement,
                    number=1,
                    product=alliance.product,
                    unit="kg",
                    annual_volume=D(rng.randint(20, 400) * 1000),
                    unit_price=D(rng.randint(150, 900)),
                    duration_months=36,
                    created_by=self.staff.producer,
                    confirmed_at=now if status == PurchaseAgreement.Status.CONFIRMED else None,
                )
                for agreement, (alliance, status) in zip(agreements, chosen, strict=True)
            ],
        )

    def _deliveries(self, alliances, states) -> list[Delivery]:
        """A few deliveries of each signed alliance, over the last six months (before
        its completion or cancellation when it has ended)."""
        rng = self.rng
        rows = []
        for alliance, state in zip(alliances, states, strict=True):
            if state not in SIGNED:
                continue
            until = self.today
            if state in (S.COMPLETED, S.CANCELLED):
                until = self.ended_on[alliance.pk]
            for n in range(rng.randint(1, 6)):
                status = rng.choices(Delivery.Status.values, [2, 7, 1])[0]
                rows.append(
                    Delivery(
                        alliance=alliance,
                        delivered_on=until - datetime.timedelta(days=30 * n + rng.randint(0, 20)),
                        volume=D(rng.randint(2, 40) * 500),
                        quality_grade=rng.choice(["A", "B"]),
                        unit_price=D(rng.randint(150, 900)),
                        status=status,
                        dispute_reason="Moisture above the agreed level."
                        if status == "disputed"
                        else "",
                        recorded_by=self.staff.producer,
                    )
                )
        return self._insert(Delivery, rows)

    # --- monitoring (§8) ----------------------------------------------------------------

    def _monitoring(self, alliances, states, picks, horizons, deliveries) -> None:
        """The report schedule of each signed alliance, its reports' fates and values."""
        rng, today = self.mrng, self.today
        now = timezone.now()
        R = MonitoringReport.Status
        sales: dict[int, list[Delivery]] = defaultdict(list)
        for d in deliveries:
            if d.status == Delivery.Status.CONFIRMED:
                sales[d.alliance_id].append(d)
        reports, owners = [], []
        for alliance, state, setting in zip(alliances, states, picks, strict=True):
            if state not in SIGNED:
                continue
            program = setting.program
            signed = self.signed_on[alliance.pk]
            months = program.monitoring_period_months
            grace = datetime.timedelta(days=program.report_grace_days)
            ended = self.ended_on.get(alliance.pk) if state == S.COMPLETED else None
            periods = []
            for offset in range(0, horizons[alliance.pk] * 12, months):
                start = add_months(signed, offset)
                if ended is not None and start > ended:
                    break  # as `report_schedule_close` at completion
                end = add_months(signed, offset + months) - datetime.timedelta(days=1)
                periods.append((start, end))
            over = sum(1 for _start, end in periods if end < today)
            for index, (start, end) in enumerate(periods):
                due_on = end + grace
                status = self._fate(index, over, due_on, state)
                report = MonitoringReport(
                    alliance_id=alliance.pk,
                    period_start=start,
                    period_end=end,
                    due_on=due_on,
                    status=status,
                )
                if status != R.DUE:
                    sent = min(end + datetime.timedelta(days=rng.randint(3, 45)), today)
                    report.narrative = (
                        "Deliveries to the buyer as planned; members trained in harvest "
                        "and post-harvest practices during the period."
                    )
                    report.submitted_by_id = self.staff.producer.pk
                    report.submitted_at = _moment(sent, now)
                    if status in (R.ACCEPTED, R.RETURNED):
                        reviewed = min(sent + datetime.timedelta(days=rng.randint(1, 20)), today)
                        report.reviewed_by_id = self.staff.me_officer.pk
                        report.reviewed_at = max(_moment(reviewed, now), report.submitted_at)
                    if status == R.RETURNED:
                        report.return_reason = "The training attendance sheets are missing."
                reports.append(report)
                owners.append((alliance, index, len(periods)))
        # As the services do (and the database insists): an accepted report's values are
        # written while it is still submitted, then it is accepted.
        accepted = [r for r in reports if r.status == R.ACCEPTED]
        for report in accepted:
            report.status = R.SUBMITTED
        reports = self._insert(MonitoringReport, reports)
        for report in accepted:
            report.status = R.ACCEPTED
        self._report_values(reports, owners, sales)
        MonitoringReport.objects.filter(pk__in=[r.pk for r in accepted]).update(status=R.ACCEPTED)
        self._report_log(reports)

    def _fate(self, index: int, over: int, due_on: datetime.date, state: str) -> str:
        """The status of the report of period `index` when `over` periods have ended."""
        R = MonitoringReport.Status
        rng = self.mrng
        if index >= over:
            return R.DUE  # under way or to come
        if due_on >= self.today:  # over, still within its days to submit
            return rng.choices([R.DUE, R.SUBMITTED, R.ACCEPTED], [6, 3, 1])[0]
        if index >= over - 2:  # the latest ones: often still due (overdue)
            weights = [3, 2, 1, 4] if state == S.SUSPENDED else [6, 2, 1, 2]
            if index == over - 2:
                weights = [14, 2, 1, 1]
            return rng.choices([R.ACCEPTED, R.SUBMITTED, R.RETURNED, R.DUE], weights)[0]
        return rng.choices([R.ACCEPTED, R.SUBMITTED, R.RETURNED], [92, 3, 5])[0]

    def _report_values(self, reports, owners, sales) -> None:
        """Reported values of every sent report; computed ones of accepted reports."""
        rng = self.mrng
        R = MonitoringReport.Status
        rows = []
        profiles: dict[int, dict] = {}
        for report, (alliance, index, _count) in zip(reports, owners, strict=True):
            if report.status == R.DUE:
                continue
            profile = profiles.get(alliance.pk)
            if profile is None:
                profile = profiles[alliance.pk] = self._profile(alliance)
            for indicator in self.indicators[alliance.program_id]:
                if indicator.is_computed:
                    if report.status != R.ACCEPTED:
                        continue  # stored when the report is accepted
                    value = self._computed(indicator, report, sales[alliance.pk])
                    rows.append(
                        IndicatorValue(report_id=report.pk, indicator_id=indicator.pk, value=value)
                    )
                    continue
                value, women, youth = self._reported(indicator, profile, index, rng)
                rows.append(
                    IndicatorValue(
                        report_id=report.pk,
                        indicator_id=indicator.pk,
                        value=value,
                        women=women if indicator.by_sex else None,
                        youth=youth if indicator.by_youth else None,
                    )
                )
        self._insert(IndicatorValue, rows)

    @staticmethod
    def _computed(indicator: Indicator, report, confirmed: list[Delivery]) -> D:
        """As `computed_values`: confirmed deliveries dated in the period."""
        inside = [
            d for d in confirmed if report.period_start <= d.delivered_on <= report.period_end
        ]
        if indicator.source == Indicator.Source.DELIVERY_VOLUME:
            return sum((d.volume for d in inside), D(0))
        if indicator.source == Indicator.Source.DELIVERY_VALUE:
            return sum((d.volume * d.unit_price for d in inside), D(0)).quantize(D("0.01"))
        return D(0)  # revolving-fund repayments: no revolving fund is seeded

    def _profile(self, alliance) -> dict:
        """Where an alliance starts on the reported indicators."""
        rng = self.mrng
        members, women, youth = self.roster.get(alliance.producer_organization_id, (20, 9, 6))
        income = {"XOF": 250_000, "COP": 2_500_000, "KES": 90_000}
        return {
            "members": (members, women, youth),
            "yield": D(rng.randint(80, 400)) / 100,
            "income": D(income.get(alliance.program.currency, 3000) * rng.randint(60, 140) // 100),
            "area": D(rng.randint(50, 400)) / 10,
        }

    @staticmethod
    def _reported(indicator: Indicator, profile: dict, index: int, rng) -> tuple[D, D, D]:
        """(value, women, youth) of a reported indicator in the report of period `index`."""
        members, women, youth = profile["members"]
        growth = D(100 + 3 * index) / 100
        code = indicator.code
        if code == "members":  # the roster grew to today's
            value = D(max(members - max(0, 6 - index), 1))
            return value, min(D(women), value), min(D(youth), value)
        if code == "members_trained":
            value = D(rng.randint(0, max(members // 2, 1)))
        elif code == "jobs":
            value = D(rng.randint(0, 3))
        elif code == "yield":
            return (profile["yield"] * growth).quantize(D("0.01")), None, None
        elif code == "household_income":
            return (profile["income"] * growth).quantize(D("1")), None, None
        elif code == "improved_area":
            return (profile["area"] * growth).quantize(D("0.1")), None, None
        else:  # an indicator an administrator added
            value = D(rng.randint(0, 100))
        part_women = D(rng.randint(0, int(value)))
        part_youth = D(rng.randint(0, int(value)))
        return value, part_women, part_youth

    def _report_log(self, reports) -> None:
        """The report moves, as the services log them: submitted, then accepted or
        returned."""
        R = MonitoringReport.Status
        content_type = ContentType.objects.get_for_model(MonitoringReport)
        rows = []
        for report in reports:
            if report.status == R.DUE:
                continue
            base = {
                "alliance_id": report.alliance_id,
                "content_type_id": content_type.pk,
                "object_id": report.pk,
            }
            rows.append(
                TransitionLog(
                    **base,
                    transition="report_submit",
                    from_state=R.DUE,
                    to_state=R.SUBMITTED,
                    actor_id=self.staff.producer.pk,
                    at=report.submitted_at,
                )
            )
            if report.status in (R.ACCEPTED, R.RETURNED):
                returned = report.status == R.RETURNED
                rows.append(
                    TransitionLog(
                        **base,
                        transition="report_return" if returned else "report_accept",
                        from_state=R.SUBMITTED,
                        to_state=report.status,
                        actor_id=self.staff.me_officer.pk,
                        comment=report.return_reason,
                        at=report.reviewed_at,
                    )
                )
        with _dated_log():
            self._insert(TransitionLog, rows)
