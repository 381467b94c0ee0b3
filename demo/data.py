"""Demo data of DESIGN.md §11, built through the real services.

Two programmes that look like real ones: one in Benin in XOF (maize, rice and cassava;
French-speaking users; a focus on women and youth) and one in Colombia in COP (coffee
and fruit; Spanish-speaking users). Plans are driven to every state of the workflow by
the same service functions the pages and the API call, so the demo is also a check that
the workflow holds together. Everything is created in one transaction, and only when the
demo is not there yet: a second run changes nothing.

The programmes have a past: each step is taken on its own date (`demo.clock`), so that the
journal reads like a real one. An alliance signed a year ago was proposed some four months
before, screened, appraised and approved in between, and its tranches, deliveries and
monitoring reports follow its signing; plans still under way moved over the last weeks.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from faker import Faker
from faker.providers.person import Provider as PersonProvider

from accounts.models import Membership, Role, User
from alliances.models import (
    Buyer,
    Funder,
    Member,
    ProducerOrganization,
    Product,
    Region,
    TechnicalAssistanceProvider,
    ValueChain,
)
from core.dates import add_months
from demo.clock import Clock
from demo.common import buyer_user, pdf_upload
from demo.disbursement import load_disbursement
from demo.monitoring import MONITORING_MONTHS, load_monitoring, story_signed_on
from demo.notifications import load_notifications
from demo.reports import create_demo_reports
from funding import services as money
from funding.agreements import agreement_confirm, agreement_decline, agreement_draft, agreement_send
from funding.models import LegalizationRequirement, Program, ProgramFunding, RubricCriterion
from plans import services
from plans.documents import document_upload
from plans.models import BudgetLine, CashFlowRow, PlanStatus

D = Decimal
SENTINEL_PROGRAM = "BJ-PADAAM"

USERS = [
    # username, first name, last name, language, role, binding key, regions
    ("producer", "Adjoa", "Houngbédji", "fr", Role.PRODUCER, "org_a", ()),
    ("producer_b", "Camila", "Rojas", "es", Role.PRODUCER, "org_b", ()),
    ("buyer", "Koffi", "Mensah", "fr", Role.BUYER, "buyer_bj", ()),
    ("ta_provider", "Rachida", "Bio", "fr", Role.TA_PROVIDER, "provider", ()),
    ("officer", "Jean", "Dossou", "fr", Role.PROGRAMME_OFFICER, None, ()),
    ("regional_officer", "Mariam", "Sanni", "fr", Role.PROGRAMME_OFFICER, None, ("BJ-AL",)),
    ("appraiser", "Pascal", "Agossou", "fr", Role.APPRAISER, None, ()),
    ("appraiser2", "Andrés", "Gómez", "es", Role.APPRAISER, None, ()),
    ("committee", "Aminata", "Traoré", "fr", Role.COMMITTEE_MEMBER, None, ()),
    ("finance", "Luc", "Hounsou", "fr", Role.FINANCE_OFFICER, None, ()),
    ("finance2", "Diana", "Martínez", "es", Role.FINANCE_OFFICER, None, ()),
    ("me_officer", "Grace", "Okafor", "en", Role.ME_OFFICER, None, ()),
    ("funder", "Helen", "Carter", "en", Role.FUNDER, "ifad", ()),
]

FIRST_NAMES_BJ_F = [
    "Adjoa",
    "Afiavi",
    "Bernadette",
    "Chantal",
    "Edwige",
    "Fifamè",
    "Houéfa",
    "Mariam",
    "Nafissatou",
    "Rachida",
    "Sènami",
    "Yvette",
]
FIRST_NAMES_BJ_M = [
    "Abdou",
    "Bio",
    "Cosme",
    "Dieudonné",
    "Gbènou",
    "Issa",
    "Kossi",
    "Moussa",
    "Orou",
    "Rodrigue",
    "Sabi",
    "Yaya",
]
LAST_NAMES_BJ = [
    "Adjovi",
    "Agbodjan",
    "Bachabi",
    "Dossou",
    "Gounou",
    "Hounkpatin",
    "Kora",
    "Orou Guidou",
    "Sanni",
    "Tchobo",
    "Yarou",
    "Zinsou",
]
FIRST_NAMES_CO_F = [
    "Ana",
    "Beatriz",
    "Camila",
    "Diana",
    "Esperanza",
    "Gloria",
    "Luz Marina",
    "María",
    "Nohora",
    "Rosa",
    "Sandra",
    "Yolanda",
]
FIRST_NAMES_CO_M = [
    "Alirio",
    "Andrés",
    "Carlos",
    "Edilberto",
    "Fabio",
    "Hernán",
    "Jairo",
    "José",
    "Luis",
    "Orlando",
    "Ramiro",
    "Wilson",
]
LAST_NAMES_CO = [
    "Bolaños",
    "Cerón",
    "Chávez",
    "Gómez",
    "Guerrero",
    "Muñoz",
    "Ordóñez",
    "Perdomo",
    "Quintero",
    "Rojas",
    "Trujillo",
    "Vargas",
]


@dataclass
class Demo:
    today: datetime.date
    password: str
    log: Callable[[str], None]
    clock: Clock
    objects: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.objects[key]


def load(*, password: str, log: Callable[[str], None] = lambda message: None) -> bool:
    """Create the demo; return False (and change nothing) when it is already there."""
    if Program.objects.filter(code=SENTINEL_PROGRAM).exists():
        return False
    clock = Clock(timezone.now())
    demo = Demo(today=clock.today, password=password, log=log, clock=clock)
    # The clock stops before the commit: what runs on commit runs now.
    with transaction.atomic(), clock.running():
        # The programmes, their parties and users were set up before their call opened.
        clock.move_to(clock.at(add_months(demo.today, -PROGRAMME_AGE_MONTHS) - SETUP_DAYS, 9))
        _reference_data(demo)
        _programmes(demo)
        _parties(demo)
        _users(demo)
        _plans(demo)
        load_disbursement(demo)
        load_monitoring(demo)
        clock.run()
        load_notifications(demo)
    create_demo_reports(log=log)
    return True


# --- reference data ----------------------------------------------------------------------


def _reference_data(demo: Demo) -> None:
    regions = [
        ("BJ-AL", "Alibori", "BJ"),
        ("BJ-BO", "Borgou", "BJ"),
        ("BJ-ZO", "Zou", "BJ"),
        ("BJ-AT", "Atlantique", "BJ"),
        ("CO-HUI", "Huila", "CO"),
        ("CO-CAU", "Cauca", "CO"),
        ("CO-NAR", "Nariño", "CO"),
        ("CO-ANT", "Antioquia", "CO"),
    ]
    for code, name, country in regions:
        demo.objects[code] = Region.objects.create(code=code, name=name, country=country)
    chains = [
        # code, (English, French, Spanish), products: key, (English, French, Spanish), unit
        (
            "MAIZE",
            ("Maize", "Maïs", "Maíz"),
            [("maize", ("Grain maize", "Maïs grain", "Maíz en grano"), "kg")],
        ),
        (
            "RICE",
            ("Rice", "Riz", "Arroz"),
            [("rice", ("Paddy rice", "Riz paddy", "Arroz paddy"), "kg")],
        ),
        ("CASSAVA", ("Cassava", "Manioc", "Yuca"), [("gari", ("Gari", "Gari", "Gari"), "kg")]),
        (
            "COFFEE",
            ("Coffee", "Café", "Café"),
            [
                (
                    "coffee",
                    ("Dry parchment coffee", "Café parche sec", "Café pergamino seco"),
                    "kg",
                )
            ],
        ),
        (
            "FRUIT",
            ("Fruit", "Fruits", "Frutas"),
            [
                ("avocado", ("Hass avocado", "Avocat Hass", "Aguacate Hass"), "kg"),
                ("blackberry", ("Andean blackberry", "Mûre des Andes", "Mora de Castilla"), "kg"),
            ],
        ),
    ]
    for code, names, products in chains:
        chain = ValueChain.objects.create(code=code, **_in_languages("name", names))
        demo.objects[code] = chain
        for key, product_names, unit in products:
            demo.objects[key] = Product.objects.create(
                value_chain=chain, **_in_languages("name", product_names), unit=unit
            )


CRITERION_NAMES = {
    # code: (English, French, Spanish)
    "market": ("Market and buyer", "Marché et acheteur", "Mercado y comprador"),
    "technical": ("Technical feasibility", "Faisabilité technique", "Viabilidad técnica"),
    "financial": ("Financial return", "Rentabilité financière", "Rentabilidad financiera"),
    "organizational": (
        "Organizational capacity",
        "Capacité organisationnelle",
        "Capacidad organizacional",
    ),
    "environment": (
        "Environmental and social aspects",
        "Aspects environnementaux et sociaux",
        "Aspectos ambientales y sociales",
    ),
    "inclusion": (
        "Inclusion of women and youth",
        "Inclusion des femmes et des jeunes",
        "Inclusión de mujeres y jóvenes",
    ),
}
BJ_RUBRIC = [
    # code, category, weight
    ("market", "market", "25"),
    ("technical", "technical", "20"),
    ("financial", "financial", "20"),
    ("organizational", "organizational", "15"),
    ("environment", "environmental_social", "5"),
    ("inclusion", "inclusion", "15"),
]
CO_RUBRIC = [
    ("market", "market", "25"),
    ("technical", "technical", "20"),
    ("financial", "financial", "25"),
    ("organizational", "organizational", "15"),
    ("environment", "environmental_social", "10"),
    ("inclusion", "inclusion", "5"),
]
REQUIREMENT_LABELS = {
    # code: (English, French, Spanish)
    "agreement": (
        "Alliance agreement signed by all parties",
        "Accord d'alliance signé par toutes les parties",
        "Acuerdo de alianza firmado por todas las partes",
    ),
    "bank": (
        "Organization's bank account registered",
        "Compte bancaire de l'organisation enregistré",
        "Cuenta bancaria de la organización registrada",
    ),
    "trust": (
        "Fiduciary trust set up",
        "Mandat fiduciaire constitué",
        "Encargo fiduciario constituido",
    ),
    "deposit": (
        "First counterpart contribution verified",
        "Premier apport de contrepartie vérifié",
        "Primer aporte de contrapartida verificado",
    ),
}
BJ_CHECKLIST = ["agreement", "bank", "deposit"]
CO_CHECKLIST = ["agreement", "trust", "deposit"]


def _in_languages(field: str, texts: tuple[str, str, str]) -> dict[str, str]:
    """{field_en: ..., field_fr: ..., field_es: ...} for a translated column."""
    return dict(zip((f"{field}_en", f"{field}_fr", f"{field}_es"), texts, strict=True))


def _programmes(demo: Demo) -> None:
    funders = {
        "gov_bj": ("Gouvernement du Bénin (MAEP)", Funder.Kind.GOVERNMENT, "BJ"),
        "wb": ("Banque mondiale / World Bank", Funder.Kind.DEVELOPMENT_BANK, ""),
        "ifad": ("FIDA / IFAD", Funder.Kind.DONOR, ""),
        "gov_co": ("Ministerio de Agricultura y Desarrollo Rural", Funder.Kind.GOVERNMENT, "CO"),
    }
    for key, (name, kind, country) in funders.items():
        demo.objects[key] = Funder.objects.create(name=name, kind=kind, country=country)

    opens = add_months(demo.today, -PROGRAMME_AGE_MONTHS)
    closes = demo.today + datetime.timedelta(days=240)
    bj = Program.objects.create(
        code=SENTINEL_PROGRAM,
        name="Programme d'appui au développement des alliances agricoles productives",
        country="BJ",
        currency="XOF",
        opens_on=opens,
        closes_on=closes,
        max_grant_per_alliance=D("60000000"),
        max_grant_per_family=D("1500000"),
        max_grant_share=D("0.7000"),
        min_counterpart_share=D("0.2000"),
        discount_rate=D("0.1000"),
        score_threshold=D("65.00"),
        required_appraisals=2,
        tranche_count=3,
        monitoring_period_months=MONITORING_MONTHS,
        reporting_currency="USD",
        reporting_rate=D("0.00165000"),
        reporting_rate_date=demo.today,
    )
    bj.eligible_regions.set([demo["BJ-AL"], demo["BJ-BO"], demo["BJ-ZO"], demo["BJ-AT"]])
    bj.eligible_value_chains.set([demo["MAIZE"], demo["RICE"], demo["CASSAVA"]])
    for funder, amount in (("gov_bj", "500000000"), ("wb", "1500000000"), ("ifad", "500000000")):
        ProgramFunding.objects.create(program=bj, funder=demo[funder], amount=D(amount))

    co = Program.objects.create(
        code="CO-PAAP",
        name="Proyecto de Apoyo a Alianzas Productivas",
        country="CO",
        currency="COP",
        opens_on=opens,
        closes_on=closes,
        max_grant_per_alliance=D("800000000"),
        max_grant_per_family=D("15000000"),
        max_grant_share=D("0.7000"),
        min_counterpart_share=D("0.2000"),
        discount_rate=D("0.1200"),
        score_threshold=D("70.00"),
        required_appraisals=2,
        tranche_count=3,
        monitoring_period_months=MONITORING_MONTHS,
        reporting_currency="USD",
        reporting_rate=D("0.00025000"),
        reporting_rate_date=demo.today,
    )
    co.eligible_regions.set([demo["CO-HUI"], demo["CO-CAU"], demo["CO-NAR"], demo["CO-ANT"]])
    co.eligible_value_chains.set([demo["COFFEE"], demo["FRUIT"]])
    for funder, amount in (("gov_co", "20000000000"), ("ifad", "12000000000")):
        ProgramFunding.objects.create(program=co, funder=demo[funder], amount=D(amount))

    # Programme-defined texts people read, in English, French and Spanish (the admin
    # edits them side by side); each reader sees their language.
    for program, criteria in {bj: BJ_RUBRIC, co: CO_RUBRIC}.items():
        for order, (code, category, weight) in enumerate(criteria, start=1):
            RubricCriterion.objects.create(
                program=program,
                code=code,
                **_in_languages("name", CRITERION_NAMES[code]),
                category=category,
                weight=D(weight),
                max_score=10,
                order=order,
            )
    for program, items in {bj: BJ_CHECKLIST, co: CO_CHECKLIST}.items():
        for order, code in enumerate(items, start=1):
            LegalizationRequirement.objects.create(
                program=program,
                code=code,
                **_in_languages("label", REQUIREMENT_LABELS[code]),
                order=order,
            )
    demo.objects["bj"] = bj
    demo.objects["co"] = co


# --- organizations, buyers, providers ---------------------------------------------------

ORGANIZATIONS = [
    # key, name, legal form, region, members, women share (per 12), youth share (per 12)
    ("org_a", "Union communale des producteurs de maïs de Kandi", "union", "BJ-AL", 48, 6, 4),
    ("org_rice", "Coopérative des riziculteurs de Malanville", "cooperative", "BJ-AL", 36, 4, 3),
    (
        "org_gari",
        "Groupement des femmes transformatrices de manioc de Zogbodomey",
        "association",
        "BJ-ZO",
        30,
        11,
        5,
    ),
    ("org_borgou", "Coopérative agricole des jeunes de Nikki", "cooperative", "BJ-BO", 28, 4, 8),
    ("org_b", "Asociación de Caficultores de La Plata", "association", "CO-HUI", 60, 5, 3),
    ("org_cauca", "Cooperativa Frutícola del Cauca", "cooperative", "CO-CAU", 40, 6, 4),
    (
        "org_narino",
        "Asociación de Productores de Mora de Nariño",
        "association",
        "CO-NAR",
        32,
        7,
        4,
    ),
]


class BeninNames(PersonProvider):
    """Beninese first names and family names (Fon, Bariba, Dendi, Yoruba): Faker has no
    Beninese locale; its French one is the base (`member_names`)."""

    first_names_female = FIRST_NAMES_BJ_F
    first_names_male = FIRST_NAMES_BJ_M
    last_names = LAST_NAMES_BJ


class MemberNames:
    """Distinct member names of one country, the same at every run (a seeded Faker): a
    Colombian has two family names, a Beninese one."""

    def __init__(self, country: str, seed: int):
        self.country = country
        self.faker = Faker("es_CO" if country == "CO" else "fr_FR")
        if country != "CO":
            self.faker.add_provider(BeninNames)
        self.faker.seed_instance(seed)
        self.used: set[str] = set()

    def _one(self, female: bool) -> str:
        first = self.faker.first_name_female() if female else self.faker.first_name_male()
        if self.country == "CO":
            return f"{first} {self.faker.last_name()} {self.faker.last_name()}"
        return f"{first} {self.faker.last_name()}"

    def unique(self, *, female: bool) -> str:
        for _attempt in range(1000):
            name = self._one(female)
            if name not in self.used:
                self.used.add(name)
                return name
        raise ValueError("the demo ran out of distinct names")


def _parties(demo: Demo) -> None:
    year = demo.today.year
    # One stream of names per country: nobody has a namesake in the programme.
    names_of = {"BJ": MemberNames("BJ", seed=229), "CO": MemberNames("CO", seed=57)}
    for key, name, form, region, size, women, youth in ORGANIZATIONS:
        org = ProducerOrganization.objects.create(
            name=name,
            legal_form=form,
            region=demo[region],
            registration_number=f"{region}-{key.upper()}",
            founded_year=2008 + size % 10,
        )
        colombian = region.startswith("CO")
        names = names_of["CO" if colombian else "BJ"]
        members = []
        for i in range(size):
            female = i % 12 < women
            young = (i * 7) % 12 < youth
            members.append(
                Member(
                    organization=org,
                    name=names.unique(female=female),
                    sex=Member.Sex.FEMALE if female else Member.Sex.MALE,
                    birth_year=year - (22 + i % 12 if young else 36 + i % 25),
                    land_area_ha=D("0.5") + D(i % 8) / 2,
                    role=Member.MemberRole.PRESIDENT if i == 0 else Member.MemberRole.MEMBER,
                )
            )
        Member.objects.bulk_create(members)
        demo.objects[key] = org

    buyers = [
        ("buyer_bj", "AgroNova Bénin SA", Buyer.Kind.PROCESSOR, "BJ"),
        ("buyer_bj2", "Société de distribution Cotonou Vivres", Buyer.Kind.RETAILER, "BJ"),
        ("buyer_co", "Exportadora Andina de Café SAS", Buyer.Kind.EXPORTER, "CO"),
        ("buyer_co2", "Frutas del Pacífico SAS", Buyer.Kind.PROCESSOR, "CO"),
    ]
    for key, name, kind, country in buyers:
        demo.objects[key] = Buyer.objects.create(name=name, kind=kind, country=country)

    provider = TechnicalAssistanceProvider.objects.create(
        name="ONG Appui au Développement Rural (ADR)"
    )
    provider.organizations.set([demo["org_a"], demo["org_rice"], demo["org_gari"]])
    demo.objects["provider"] = provider


def _users(demo: Demo) -> None:
    for username, first, last, language, role, binding, regions in USERS:
        user = User.objects.create_user(
            username=username,
            password=demo.password,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.example.org",
            preferred_language=language,
        )
        field_name = {
            Role.PRODUCER: "producer_organization",
            Role.BUYER: "buyer",
            Role.TA_PROVIDER: "ta_provider",
            Role.FUNDER: "funder",
        }.get(role)
        membership = Membership.objects.create(
            user=user, role=role, **({field_name: demo[binding]} if field_name else {})
        )
        if regions:
            membership.regions.set([demo[code] for code in regions])
        demo.users[username] = user
    demo.users["admin"] = User.objects.create_superuser(
        username="admin",
        password=demo.password,
        email="admin@demo.example.org",
        first_name="Platform",
        last_name="Administrator",
        preferred_language="en",
    )


# --- plans -------------------------------------------------------------------------------

BENIN_TEXT = {
    "summary": "Renforcer la production et la commercialisation groupée des membres, avec un "
    "acheteur engagé sur des volumes et une prime de qualité.",
    "market": "L'acheteur s'engage sur un volume annuel, un prix de référence du marché de "
    "Parakou plus une prime qualité, et un paiement à 15 jours.",
    "technical": "Équipements de post-récolte, magasin de stockage, formation aux bonnes "
    "pratiques et semences certifiées.",
    "env": "Gestion des résidus de récolte, pas de défrichement, priorité aux femmes et "
    "aux jeunes dans les postes de transformation.",
}
COLOMBIA_TEXT = {
    "summary": "Mejorar la calidad y el volumen comercializado por los asociados con un "
    "comprador que reconoce una prima por calidad de taza.",
    "market": "El comprador se compromete con un volumen anual a precio de bolsa más prima de "
    "calidad, con pago contra entrega.",
    "technical": "Beneficiaderos ecológicos, secadores parabólicos, renovación de cafetales y "
    "asistencia técnica.",
    "env": "Manejo de aguas mieles, conservación de fuentes hídricas y participación de "
    "jóvenes y mujeres en la junta directiva.",
}

# key, programme, organization, buyer, product, name, grant (millions), target state
PLANS = [
    (
        "bj_draft",
        "bj",
        "org_a",
        "buyer_bj",
        "maize",
        "Maïs de Kandi – stockage",
        30,
        PlanStatus.DRAFT,
    ),
    (
        "bj_submitted",
        "bj",
        "org_a",
        "buyer_bj",
        "maize",
        "Maïs de Kandi – égrenage",
        25,
        PlanStatus.SUBMITTED,
    ),
    (
        "bj_revision",
        "bj",
        "org_a",
        "buyer_bj2",
        "maize",
        "Maïs de Kandi – semences",
        20,
        PlanStatus.REVISION_REQUESTED,
    ),
    (
        "bj_active",
        "bj",
        "org_a",
        "buyer_bj",
        "maize",
        "Maïs de Kandi – magasin",
        40,
        PlanStatus.ACTIVE,
    ),
    (
        "bj_monitoring",
        "bj",
        "org_a",
        "buyer_bj",
        "maize",
        "Maïs de Kandi – séchoirs",
        24,
        PlanStatus.MONITORING,
    ),
    (
        "bj_completed",
        "bj",
        "org_a",
        "buyer_bj",
        "maize",
        "Maïs de Kandi – décortiqueuses",
        18,
        PlanStatus.COMPLETED,
    ),
    (
        "bj_screening",
        "bj",
        "org_rice",
        "buyer_bj",
        "rice",
        "Riz de Malanville – étuvage",
        35,
        PlanStatus.SCREENING,
    ),
    (
        "bj_appraisal",
        "bj",
        "org_gari",
        "buyer_bj2",
        "gari",
        "Gari de Zogbodomey",
        22,
        PlanStatus.APPRAISAL,
    ),
    (
        "bj_committee",
        "bj",
        "org_rice",
        "buyer_bj",
        "rice",
        "Riz de Malanville – irrigation",
        45,
        PlanStatus.COMMITTEE,
    ),
    (
        "bj_approved",
        "bj",
        "org_gari",
        "buyer_bj",
        "gari",
        "Gari de Zogbodomey – séchage",
        16,
        PlanStatus.APPROVED,
    ),
    (
        "bj_rejected",
        "bj",
        "org_borgou",
        "buyer_bj2",
        "maize",
        "Maïs de Nikki",
        28,
        PlanStatus.REJECTED,
    ),
    (
        "co_draft",
        "co",
        "org_b",
        "buyer_co",
        "coffee",
        "Café de La Plata – secadores",
        300,
        PlanStatus.DRAFT,
    ),
    (
        "co_screening",
        "co",
        "org_b",
        "buyer_co",
        "coffee",
        "Café de La Plata – beneficio",
        420,
        PlanStatus.SCREENING,
    ),
    (
        "co_committee",
        "co",
        "org_cauca",
        "buyer_co2",
        "avocado",
        "Aguacate Hass del Cauca",
        520,
        PlanStatus.COMMITTEE,
    ),
    (
        "co_approved",
        "co",
        "org_b",
        "buyer_co",
        "coffee",
        "Café de La Plata – renovación",
        480,
        PlanStatus.APPROVED,
    ),
    (
        "co_active",
        "co",
        "org_cauca",
        "buyer_co2",
        "avocado",
        "Aguacate Hass – empaque",
        600,
        PlanStatus.ACTIVE,
    ),
    (
        "co_suspended",
        "co",
        "org_b",
        "buyer_co",
        "coffee",
        "Café de La Plata – tostión",
        350,
        PlanStatus.SUSPENDED,
    ),
    (
        "co_cancelled",
        "co",
        "org_narino",
        "buyer_co2",
        "blackberry",
        "Mora de Nariño",
        260,
        PlanStatus.CANCELLED,
    ),
    (
        "co_withdrawn",
        "co",
        "org_narino",
        "buyer_co2",
        "blackberry",
        "Mora de Nariño – vivero",
        150,
        PlanStatus.WITHDRAWN,
    ),
]

PATHS = {
    PlanStatus.DRAFT: [],
    PlanStatus.SUBMITTED: ["submit"],
    PlanStatus.SCREENING: ["submit", "start_screening"],
    PlanStatus.REVISION_REQUESTED: ["submit", "start_screening", "request_revision"],
    PlanStatus.REJECTED: ["submit", "start_screening", "screen", "fail_screening"],
    PlanStatus.WITHDRAWN: ["submit", "withdraw"],
    PlanStatus.APPRAISAL: ["submit", "start_screening", "screen", "pass_screening", "assign"],
}
PATHS[PlanStatus.COMMITTEE] = PATHS[PlanStatus.APPRAISAL][:-1] + ["appraise", "complete_appraisal"]
PATHS[PlanStatus.APPROVED] = PATHS[PlanStatus.COMMITTEE] + ["approve"]
SIGNED_PATH = PATHS[PlanStatus.APPROVED] + [
    "agreement_confirmed",
    "legalize",
    "deposit",  # the first counterpart deposit, verified: tranche 1's condition (§4)
    "sign_agreement",
]
# After the signing, "pay_n" takes tranche n from its request to its payment;
# "request_n", "verify_n" and "authorize_n" one action on it.
PATHS[PlanStatus.ACTIVE] = SIGNED_PATH + ["pay_1", "request_2"]
PATHS[PlanStatus.MONITORING] = SIGNED_PATH + ["pay_1", "pay_2", "pay_3"]
PATHS[PlanStatus.COMPLETED] = PATHS[PlanStatus.MONITORING] + ["complete"]
PATHS[PlanStatus.SUSPENDED] = SIGNED_PATH + ["request_1", "verify_1", "suspend"]
PATHS[PlanStatus.CANCELLED] = SIGNED_PATH + ["pay_1", "cancel"]

# Steps after the target state is reached, so that agreements and tranches are shown in
# each of their states too.
EXTRA_STEPS = {
    "bj_committee": ["agreement_draft"],
    "bj_approved": ["agreement_declined"],
    "co_approved": ["agreement_sent"],
    "co_active": ["verify_2", "authorize_2"],
}

# --- when ------------------------------------------------------------------------------

ONE_DAY = datetime.timedelta(days=1)
PROGRAMME_AGE_MONTHS = 30  # the calls opened this long ago
SETUP_DAYS = datetime.timedelta(days=21)  # the programmes were set up before
# Days from the start of a step of a plan's path to the start of the next; each plan adds
# 0 to 3 days of its own. Some steps last days themselves (`_step`): an appraisal, an
# agreement drafted, sent and confirmed, a tranche requested, verified, authorized, paid.
STEP_DAYS = {
    "submit": 6,
    "start_screening": 7,
    "screen": 8,
    "pass_screening": 2,
    "fail_screening": 3,
    "request_revision": 9,
    "withdraw": 12,
    "assign": 4,
    "appraise": 4,
    "complete_appraisal": 26,
    "approve": 24,
    "agreement_draft": 6,
    "agreement_confirmed": 6,
    "agreement_declined": 9,
    "agreement_sent": 6,
    "legalize": 18,
    "deposit": 12,
    "sign_agreement": 10,
}
# A tranche's actions: (days after its request, action); and at what time of day.
TRANCHE_ACTIONS = [(0, "request"), (4, "verify"), (7, "authorize"), (9, "pay")]
TRANCHE_HOURS = {"request": 10, "verify": 11, "authorize": 15, "pay": 10}
# Plans not signed: how many days ago their latest step began (they moved lately).
LATEST_STEP_DAYS_AGO = {
    "bj_submitted": 1,
    "bj_draft": 2,
    "bj_screening": 2,
    "bj_committee": 2,
    "bj_revision": 3,
    "co_screening": 3,
    "bj_appraisal": 4,
    "co_draft": 5,
    "co_approved": 7,
    "co_committee": 8,
    "bj_rejected": 9,
    "bj_approved": 12,
    "co_withdrawn": 15,
}
# Signed plans: signed as their monitoring story says (demo/monitoring.py), or lately.
SIGNED_DAYS_AGO = {"co_cancelled": 80}


@dataclass(frozen=True)
class After:
    """`days` after the signing."""

    days: int

    def on(self, signed: datetime.date, today: datetime.date) -> datetime.date:
        return signed + datetime.timedelta(days=self.days)


@dataclass(frozen=True)
class Ago:
    """`days` before the demo is loaded."""

    days: int

    def on(self, signed: datetime.date, today: datetime.date) -> datetime.date:
        return today - datetime.timedelta(days=self.days)


@dataclass(frozen=True)
class PeriodEnd:
    """The last day of the alliance's `number`th monitoring period."""

    number: int

    def on(self, signed: datetime.date, today: datetime.date) -> datetime.date:
        return add_months(signed, self.number * MONITORING_MONTHS) - ONE_DAY


# Signed plans' steps after the signing. Tranche n+1 is requested once the monitoring
# reports due since tranche n was requested are accepted (§4): tranche 2 before the first
# report falls due, tranche 3 once it is accepted (demo/monitoring.py reviews it).
AFTER_SIGNING = {
    "bj_active": {"pay_1": After(20), "request_2": After(98)},
    "bj_monitoring": {"pay_1": After(20), "pay_2": After(97), "pay_3": After(190)},
    "bj_completed": {
        "pay_1": After(18),
        "pay_2": After(96),
        "pay_3": After(188),
        # At the end of its seventh and last period; that period's report follows.
        "complete": PeriodEnd(7),
    },
    "co_active": {
        "pay_1": After(24),
        # Once the third report was accepted, before the fourth fell due.
        "request_2": Ago(75),
        "verify_2": Ago(68),
        "authorize_2": Ago(61),
    },
    "co_suspended": {"request_1": Ago(52), "verify_1": Ago(46), "suspend": Ago(21)},
    "co_cancelled": {"pay_1": After(21), "cancel": Ago(12)},
}


def signed_on(key: str, today: datetime.date) -> datetime.date | None:
    """When the demo plan `key` was signed (None: it is not)."""
    signed = story_signed_on(key, today)
    if signed is not None:
        return signed
    if key in SIGNED_DAYS_AGO:
        return today - datetime.timedelta(days=SIGNED_DAYS_AGO[key])
    return None


def plan_dates(number: int, key: str, steps: list[str], today: datetime.date) -> dict:
    """The day the plan was proposed ("propose") and the day each of its steps began:
    back from its signing (or its latest step) to its proposal, then after its signing."""
    signed = signed_on(key, today)
    before = steps[: steps.index("sign_agreement") + 1] if signed else steps
    day = signed or today - datetime.timedelta(days=LATEST_STEP_DAYS_AGO[key])
    dates = {}
    for index in range(len(before) - 1, -1, -1):
        dates[before[index]] = day
        day -= datetime.timedelta(days=STEP_DAYS[before[index]] + (3 * number + index) % 4)
    dates["propose"] = day
    for step in steps[len(before) :]:
        dates[step] = AFTER_SIGNING[key][step].on(signed, today)
    return dates


REASONS = {
    "request_revision": "Préciser le plan de commercialisation et ajouter les devis des "
    "équipements.",
    "fail_screening": "La région de l'organisation n'est pas éligible au programme cette année.",
    "withdraw": "La asamblea decidió presentar la propuesta en la próxima convocatoria.",
    "suspend": "Auditoría en curso sobre el uso del primer desembolso.",
    "cancel": "La organización se disolvió; los socios se unieron a otra asociación.",
    "complete": "Objectifs atteints : ventes à l'acheteur supérieures de 12 % au volume convenu.",
}


def _content(demo: Demo, plan, grant_millions: int) -> None:
    """Budget lines split by source so the plan meets its programme's rules, and cash flows."""
    version = plan.current_version
    colombian = plan.alliance.program.currency == "COP"
    text = COLOMBIA_TEXT if colombian else BENIN_TEXT
    version.summary = text["summary"]
    version.market_description = text["market"]
    version.technical_description = text["technical"]
    version.environmental_social = text["env"]
    version.horizon_years = 6
    version.save()
    grant = D(grant_millions) * 1_000_000
    total = grant / D("0.64")  # grant 64% of the investment, under the 70% cap
    lines = (
        [
            ("infrastructure", "Beneficiadero y bodega", D("0.45")),
            ("equipment", "Secadores parabólicos", D("0.35")),
            ("technical_assistance", "Asistencia técnica y capacitación", D("0.20")),
        ]
        if colombian
        else [
            ("infrastructure", "Magasin de stockage de 200 t", D("0.45")),
            ("equipment", "Égreneuses et séchoirs", D("0.35")),
            ("training", "Formation aux bonnes pratiques", D("0.20")),
        ]
    )
    for category, description, share in lines:
        amount = (total * share).quantize(D("1"))
        line_grant = (grant * share).quantize(D("1"))
        cash = (amount * D("0.14")).quantize(D("1"))
        in_kind = (amount * D("0.10")).quantize(D("1"))
        buyer = amount - line_grant - cash - in_kind
        BudgetLine.objects.create(
            version=version,
            category=category,
            description=description,
            quantity=D("1"),
            unit_cost=amount,
            amount=amount,
            grant=line_grant,
            producer_cash=cash,
            producer_in_kind=in_kind,
            buyer=buyer,
        )
    revenue_without = (total * D("0.30")).quantize(D("1"))
    CashFlowRow.objects.bulk_create(
        CashFlowRow(
            version=version,
            year=year,
            revenue_with=revenue_without if year == 0 else (total * D("0.62")).quantize(D("1")),
            costs_with=(total * D("0.18")).quantize(D("1")),
            revenue_without=revenue_without,
            costs_without=(total * D("0.12")).quantize(D("1")),
        )
        for year in range(version.horizon_years + 1)
    )


def _documents(plan, producer) -> None:
    """A quotation and the buyer's letter of intent, uploaded while the plan is a draft."""

    colombian = plan.alliance.program.currency == "COP"
    for kind, title in (
        ("quotation", "Cotización de equipos" if colombian else "Devis des équipements"),
        (
            "buyer_letter",
            "Carta de intención del comprador" if colombian else "Lettre d'intention de l'acheteur",
        ),
    ):
        upload = pdf_upload(title, f"{kind}.pdf")
        document_upload(plan=plan, by=producer, kind=kind, title=title, upload=upload)


def attach_evidence(tranche, producer) -> None:
    """The evidence a tranche request needs: the bank statement of the counterpart deposit
    for the first tranche, the progress report of the works for the next ones."""

    colombian = tranche.commitment.program.currency == "COP"
    if tranche.number == 1:
        title = "Extracto bancario del aporte" if colombian else "Relevé bancaire de l'apport"
    else:
        title = "Informe de avance de obras" if colombian else "Rapport d'avancement des travaux"
    upload = pdf_upload(title)
    document_upload(
        plan=tranche.commitment.plan,
        by=producer,
        kind="evidence",
        title=title,
        upload=upload,
        tranche=tranche,
    )


def _plans(demo: Demo) -> None:
    for number, row in enumerate(PLANS):
        demo.clock.add(_plan_story(demo, number, *row))


def _plan_story(demo: Demo, number, key, program, org, buyer, product, name, grant, status):
    """One plan's life, each step at its date (a story of `demo.clock`)."""
    steps = PATHS[status] + EXTRA_STEPS.get(key, [])
    dates = plan_dates(number, key, steps, demo.today)
    yield demo.clock.at(dates["propose"], 9, 30)
    u = demo.users
    producer = u["producer"] if org == "org_a" else (u["producer_b"] if org == "org_b" else None)
    # Organizations without a demo user propose through their TA provider, or (Colombia,
    # Borgou) through a representative created here.
    if producer is None:
        producer = _representative(demo, org)
    plan = services.alliance_propose(
        program=demo[program],
        producer_organization=demo[org],
        buyer=demo[buyer],
        product=demo[product],
        name=name,
        title=name,
        by=producer,
    )
    _content(demo, plan, grant)
    demo.objects[key] = plan
    yield demo.clock.at(dates["propose"] + ONE_DAY, 15)
    _documents(plan, producer)
    for step in steps:
        plan = yield from _step(demo, plan, step, producer, dates[step])
        demo.objects[key] = plan
    assert plan.status == status, (key, plan.status, status)
    demo.log(f"  {plan.alliance.code} {status}")


def _representative(demo: Demo, org_key: str) -> User:
    if org_key in ("org_rice", "org_gari"):
        return demo.users["ta_provider"]
    username = f"rep_{org_key.removeprefix('org_')}"
    user = demo.users.get(username)
    if user is None:
        user = User.objects.create_user(
            username=username,
            password=demo.password,
            preferred_language="es" if "co" in username else "fr",
        )
        Membership.objects.create(
            user=user, role=Role.PRODUCER, producer_organization=demo[org_key]
        )
        demo.users[username] = user
    return user


def _step(demo: Demo, plan, step: str, producer, day: datetime.date):  # noqa: C901 - flat
    """Take `step`, begun on `day`: yields the moment of each of its actions (a step may
    last days), returns the plan."""
    u = demo.users
    officer, committee = u["officer"], u["committee"]
    colombian = plan.alliance.program.currency == "COP"

    def on(days: int = 0, hour: int = 9 + len(step) % 8, minute: int = 0):
        return demo.clock.at(day + datetime.timedelta(days=days), hour, minute)

    if step == "submit":
        yield on(hour=16)
        return services.plan_submit(plan=plan, by=producer)
    if step == "withdraw":
        yield on()
        return services.plan_withdraw(
            plan=plan,
            by=producer if producer.username != "ta_provider" else u["producer"],
            comment=REASONS["withdraw"],
        )
    if step == "screen":
        yield on(hour=15)
        checks = dict.fromkeys(services.MANUAL_SCREENING_CHECKS, (True, ""))
        checks["field_visit"] = (True, "Visite du 12 : magasin et parcelles vérifiés.")
        services.screening_record(plan=plan, by=officer, checks=checks)
        return plan
    if step in ("assign", "appraise"):
        yield on(hour=9)
        appraisers = (u["appraiser"], u["appraiser2"])
        assignments = [
            services.appraisal_assign(plan=plan, appraiser=appraiser, by=officer)
            for appraiser in appraisers
        ]
        # The second appraiser of a plan at appraisal has not started: a task in their queue.
        started = 1 if step == "assign" else 2
        for number in range(started):
            yield on(1 + number, 11)
            services.appraisal_declare_no_conflict(
                assignment=assignments[number], by=appraisers[number]
            )
        if step == "assign":
            return plan
        criteria = plan.alliance.program.criteria.all()
        for number in range(started):
            yield on(15 + 5 * number, 17)
            services.appraisal_submit(
                assignment=assignments[number],
                by=appraisers[number],
                recommendation="approve",
                comment="Plan solide, acheteur engagé."
                if not colombian
                else "Plan sólido con comprador comprometido.",
                scores={c.pk: (D(8 - number + c.order % 2), "") for c in criteria},
            )
        return plan
    if step == "approve":
        yield on(hour=14)
        requested = plan.current_version.analysis().totals_by_source["grant"]
        return services.plan_approve(
            plan=plan,
            by=committee,
            approved_grant=requested,
            conditions="Ouvrir un compte dédié avant le premier décaissement."
            if not colombian
            else "Constituir el encargo fiduciario antes del primer desembolso.",
        )
    if step.startswith("agreement_"):
        yield on(hour=10)
        alliance = plan.alliance
        agreement = agreement_draft(
            alliance=alliance,
            by=officer,
            product=alliance.product,
            unit=alliance.product.unit,
            annual_volume=D("120000") if not colombian else D("90000"),
            unit_price=D("210") if not colombian else D("1500"),
            price_type="market_premium",
            market_reference="Parakou" if not colombian else "Bolsa de Nueva York (contrato C)",
            duration_months=36,
            quality_specification="Humidité < 13 %, impuretés < 2 %"
            if not colombian
            else "Factor de rendimiento 92, taza limpia",
            delivery_schedule="Mensuel, d'octobre à mars" if not colombian else "Quincenal",
            payment_terms="15 jours après livraison" if not colombian else "Contra entrega",
        )
        if step == "agreement_draft":
            return plan
        yield on(2, 11)
        agreement_send(agreement=agreement, by=officer)
        if step == "agreement_sent":
            return plan
        yield on(8, 15)
        buyer = buyer_user(demo, alliance.buyer)
        if step == "agreement_confirmed":
            agreement_confirm(agreement=agreement, by=buyer)
        else:
            agreement_decline(
                agreement=agreement,
                by=buyer,
                comment="Le prix de référence proposé est trop élevé pour nos clients.",
            )
        return plan
    if step == "legalize":
        requirements = LegalizationRequirement.objects.filter(program=plan.alliance.program)
        for number, requirement in enumerate(requirements.order_by("order")):
            yield on(2 * number, 10 + number)
            money.legalization_check_record(
                alliance=plan.alliance, requirement=requirement, by=officer
            )
        return plan
    if step == "deposit":
        yield on(hour=9)
        text = (
            "Depósito inicial de contrapartida en la cuenta de la alianza"
            if colombian
            else "Dépôt initial de contrepartie sur le compte de l'alliance"
        )
        planned = sum(
            (line.producer_cash for line in plan.current_version.budget_lines.all()), D(0)
        )
        contribution = money.contribution_record(
            plan=plan,
            by=producer,
            kind="producer_cash",
            amount=(planned * D("0.30")).quantize(D("1")),
            contributed_on=timezone.localdate() - ONE_DAY,
            description=text,
            upload=pdf_upload(text),
        )
        yield on(3, 14)
        money.contribution_verify(contribution=contribution, by=officer)
        return plan
    action, _, number = step.rpartition("_")
    if number.isdigit():  # "pay_1", "request_2"...: tranche 1, 2...
        tranche = plan.commitment.tranches.get(number=int(number))
        # "pay_n" takes tranche n from its request to its payment, over nine days.
        actions = TRANCHE_ACTIONS if action == "pay" else [(0, action)]
        for days, name in actions:
            yield on(days, TRANCHE_HOURS[name])
            if name == "request":
                attach_evidence(tranche, producer)
                money.tranche_request(tranche=tranche, by=producer)
            elif name == "verify":
                money.tranche_verify(tranche=tranche, by=officer)
            elif name == "authorize":
                money.tranche_authorize(tranche=tranche, by=u["finance2"])
            else:
                money.tranche_pay(
                    tranche=tranche,
                    by=u["finance"],
                    amount=tranche.amount,
                    paid_on=timezone.localdate(),
                    reference=f"TRF-{plan.alliance.code}-{tranche.number}",
                )
        plan.refresh_from_db()
        return plan
    yield on()
    actor = {"complete": u["me_officer"]}.get(step, officer)
    reason = REASONS.get(step, "")
    return services.PLAN_ACTIONS[step](plan=plan, by=actor, comment=reason)
