"""Every number a person types is read the way their language writes it (DESIGN §2,
CONVENTIONS rule 15): "197,000" in English, "197 000" in French, "197.000" in Spanish.
What cannot be read without guessing is refused with a message saying how to write
numbers, and nothing is saved; no input is `type="number"`, so the browser never reads
the number its own way first."""

import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from alliances.forms import MemberForm, OrganizationForm
from core.formats import format_money
from core.number_fields import LocaleDecimalField, LocaleIntegerField, YearField
from core.numbers import NumberRefused, format_input, parse_decimal
from funding.forms import AgreementForm, ContributionForm, PayForm
from monitoring.forms import (
    CorrectionForm,
    DeliveryForm,
    ReportValuesForm,
    RevolvingFundEntryForm,
    TargetsForm,
)
from monitoring.models import IndicatorValue
from monitoring.selectors import indicators_for
from plans.forms import ApproveForm, BudgetLineForm, CashFlowForm, ScoringForm, VersionForm
from plans.models import BudgetLine, PlanStatus
from tests.factories import report_entries

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)

D = Decimal
ROOT = Path(__file__).resolve().parents[1]
NNBSP, NBSP = "\u202f", "\u00a0"

# --- the parser ---------------------------------------------------------------------------

# (language, text, decimals the field takes, the number read)
READ = [
    ("en", "197,000", 3, D("197000")),
    ("en", "197000", 2, D("197000")),
    ("en", "1,234,567.89", 2, D("1234567.89")),
    ("en", "1200.5", 2, D("1200.5")),
    ("en", ".5", 2, D("0.5")),
    ("en", "0.500", 2, D("0.5")),  # too many decimals for money: the field says so
    ("en", "850.000", 3, D("850")),  # a quantity of three decimals: the English reading
    ("en", "1.200", 3, D("1.2")),
    ("en", " 42 ", 0, D("42")),
    ("fr", "197 000", 3, D("197000")),
    ("fr", f"197{NBSP}000", 3, D("197000")),
    ("fr", f"197{NNBSP}000", 3, D("197000")),
    ("fr", "1 200,5", 3, D("1200.5")),
    ("fr", f"1{NBSP}200,5", 3, D("1200.5")),
    ("fr", f"1{NNBSP}200,5", 3, D("1200.5")),
    ("fr", "200 000 000,00", 2, D("200000000")),
    ("fr", "1200,5", 2, D("1200.5")),
    ("fr", "850,000", 3, D("850")),
    ("es", "197.000", 3, D("197000")),
    ("es", "1.234.567,89", 2, D("1234567.89")),
    ("es", "1.200", 2, D("1200")),
    ("es", "850.000", 2, D("850000")),
    ("es", "1234", 2, D("1234")),
    ("es", "1234,5", 2, D("1234.5")),
]

WRITE = {
    "en": "Write numbers like 1,234,567.89.",
    "fr": f"Écrivez les nombres ainsi : 1{NNBSP}234{NNBSP}567,89.",
    "es": "Escriba los números así: 1.234.567,89.",
}

# (language, text, decimals the field takes, the message)
REFUSED = [
    ("en", "1,2,3", 3, WRITE["en"]),
    ("en", "1,00,000", 3, WRITE["en"]),
    ("en", "1,2", 3, WRITE["en"]),
    ("en", "1 200", 2, WRITE["en"]),
    ("en", "1,200.", 2, WRITE["en"]),
    ("en", "5.", 2, WRITE["en"]),
    ("en", "+5", 2, WRITE["en"]),
    ("en", "1e5", 2, WRITE["en"]),
    ("en", "NaN", 2, WRITE["en"]),
    ("en", "١٢", 2, WRITE["en"]),
    ("en", "many", 2, WRITE["en"]),
    ("en", "-5", 2, "Enter zero or more."),
    ("en", "850.000", 2, "“850.000” could mean two different numbers. " + WRITE["en"]),
    ("en", "1.200", 0, "“1.200” could mean two different numbers. Write numbers like 1,234,567."),
    ("fr", "1,2,3", 3, WRITE["fr"]),
    ("fr", "1200.5", 3, WRITE["fr"]),
    ("fr", "1.200", 3, WRITE["fr"]),
    ("fr", "1,200.5", 3, WRITE["fr"]),
    ("fr", "12 00", 3, WRITE["fr"]),
    ("fr", "850,000", 2, "« 850,000 » peut désigner deux nombres différents. " + WRITE["fr"]),
    ("es", "1.2", 3, WRITE["es"]),
    ("es", "1,2,3", 3, WRITE["es"]),
    ("es", "12.34,5", 3, WRITE["es"]),
    ("es", "1 200", 3, WRITE["es"]),
    ("es", "1,200", 2, "“1,200” puede designar dos números distintos. " + WRITE["es"]),
]


@pytest.mark.parametrize(("language", "text", "places", "number"), READ)
def test_the_parser_reads_the_languages_way(language, text, places, number):
    assert parse_decimal(text, language, decimal_places=places) == number


@pytest.mark.parametrize(("language", "text", "places", "message"), REFUSED)
def test_the_parser_refuses_what_it_would_have_to_guess(language, text, places, message):
    with pytest.raises(NumberRefused) as refused:
        parse_decimal(text, language, decimal_places=places)
    assert refused.value.message == message


def test_the_parser_reads_the_active_language():
    readings = {}
    for language in ("en", "fr", "es"):
        with translation.override(language):
            readings[language] = parse_decimal("1,200")
    assert readings == {"en": D("1200"), "fr": D("1.2"), "es": D("1.2")}


def test_a_minus_sign_only_where_the_field_takes_negatives():
    assert parse_decimal("-1,200.5", "en", allow_negative=True) == D("-1200.5")
    assert parse_decimal("\u22123,5", "fr", allow_negative=True) == D("-3.5")
    with pytest.raises(NumberRefused):
        parse_decimal("-0", "en")


def test_digits_only_where_grouping_is_off():
    assert parse_decimal("1984", "en", grouping=False) == D("1984")
    for text in ("1,984", "1 984", "1984.0"):
        with pytest.raises(NumberRefused) as refused:
            parse_decimal(text, "en", grouping=False)
        assert refused.value.message == "Write this number with digits only."


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize(
    ("value", "places"),
    [
        (D("1200.500"), None),
        (D("14000000.00"), 0),
        (D("14000000.00"), 2),
        (D("1234567.89"), 2),
        (D("0.001"), None),
        (D("850.000"), None),
        (D("100.50"), 0),  # never drops a decimal the value has
    ],
)
def test_what_a_form_shows_reads_back_as_the_same_number(language, value, places):
    text = format_input(value, language, places=places)
    assert parse_decimal(text, language) == value


def test_what_a_form_shows():
    shown = {
        language: (
            format_input(D("1200.500"), language),
            format_input(D("14000000.00"), language, places=2),
            format_input(D("14000000.00"), language, places=0),
            format_input(1984, language, grouping=False),
        )
        for language in ("en", "fr", "es")
    }
    assert shown == {
        "en": ("1,200.5", "14,000,000.00", "14,000,000", "1984"),
        "fr": (f"1{NNBSP}200,5", f"14{NNBSP}000{NNBSP}000,00", f"14{NNBSP}000{NNBSP}000", "1984"),
        "es": ("1.200,5", "14.000.000,00", "14.000.000", "1984"),
    }


# --- the fields ---------------------------------------------------------------------------


def test_the_field_is_a_text_box_with_a_numeric_keyboard_and_shows_the_languages_way():
    field = LocaleDecimalField(max_digits=18, decimal_places=2)
    field.for_currency("USD")
    with translation.override("fr"):
        html = field.widget.render("amount", field.prepare_value(D("1200.5")))
    assert html == (
        f'<input type="text" name="amount" value="1{NNBSP}200,50" inputmode="decimal" '
        'autocomplete="off">'
    )
    whole = LocaleIntegerField(min_value=1)
    year = YearField()
    with translation.override("en"):
        assert whole.widget.render("n", whole.prepare_value(1200)) == (
            '<input type="text" name="n" value="1,200" inputmode="numeric" autocomplete="off">'
        )
        assert year.prepare_value(1984) == "1984"
        assert (whole.clean("1,200"), year.clean("1984")) == (1200, 1984)


def test_a_refused_number_is_shown_again_as_typed():
    with translation.override("en"):
        form = ApproveForm({"approved_grant": "1,2,3"}, currency="XOF")
        assert not form.is_valid()
        assert form.errors["approved_grant"] == [WRITE["en"]]
        assert 'value="1,2,3"' in str(form["approved_grant"])


def test_the_approved_grant_in_french():
    with translation.override("fr"):
        form = ApproveForm({"approved_grant": "200 000 000,00"}, currency="XOF")
        assert form.is_valid(), form.errors
    assert form.cleaned_data["approved_grant"] == D("200000000")


def test_whole_numbers_refuse_decimals():
    with translation.override("en"):
        form = VersionForm({"title": "T", "horizon_years": "5.5"})
        assert form.errors["horizon_years"] == ["Enter a whole number."]
        form = VersionForm({"title": "T", "horizon_years": "1,2"})
        assert form.errors["horizon_years"] == ["Write numbers like 1,234,567."]


def test_every_number_of_the_forms_is_a_locale_field_in_a_text_box(world):
    plan = world.build(PlanStatus.ACTIVE)
    indicators = indicators_for(plan.alliance)
    number_forms = [
        BudgetLineForm(currency="XOF"),
        CashFlowForm(currency="XOF"),
        ApproveForm(currency="XOF"),
        ScoringForm(criteria=world.program.criteria.all()),
        VersionForm(),
        DeliveryForm(currency="XOF"),
        ReportValuesForm(indicators=indicators, currency="XOF"),
        TargetsForm(indicators=indicators, years=2, currency="XOF"),
        MemberForm(),
        OrganizationForm(),
        AgreementForm(alliance=plan.alliance),
        PayForm(currency="XOF"),
        ContributionForm(),
        CorrectionForm(currency="XOF"),
        RevolvingFundEntryForm(organization=world.org_a, currency="XOF"),
    ]
    for form in number_forms:
        numbers = [
            bf
            for bf in form.visible_fields()
            if isinstance(bf.field, forms.DecimalField | forms.IntegerField)
        ]
        assert numbers, type(form).__name__
        for bf in numbers:
            assert isinstance(bf.field, LocaleDecimalField | LocaleIntegerField), bf.name
            html = str(bf)
            assert 'type="text"' in html and "inputmode=" in html, html


def test_no_number_input_is_left_in_templates_or_forms():
    """A browser reads a `type="number"` input its own way: "1 200,5" becomes 12005."""
    pattern = re.compile(r"""type=["']?number|NumberInput\(|input_type\s*=\s*["']number""")
    found = []
    for folder in ("templates", "accounts", "alliances", "plans", "funding", "monitoring"):
        for path in (ROOT / folder).rglob("*"):
            if (
                path.suffix in (".html", ".py")
                and "migrations" not in path.parts
                and pattern.search(path.read_text(encoding="utf-8"))
            ):
                found.append(str(path.relative_to(ROOT)))
    assert found == []


# --- through the pages ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _language_not_kept():
    """A request activates its language for the thread; the next test starts in English."""
    yield
    translation.deactivate()


def in_language(client, user, language):
    client.force_login(user)
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: language})
    return client


@pytest.fixture
def report(world):
    plan = world.build(PlanStatus.ACTIVE)
    return plan.alliance.monitoring_reports.order_by("period_start").first()


def report_post(report, **overrides) -> dict:
    data = {"action": "save", "narrative": "Trainings held."}
    for code, entry in report_entries(report, "10").items():
        for part in ("value", "women", "youth"):
            if entry[part] is not None:
                data[f"{code}-{part}"] = entry[part]
    data.update(overrides)
    return data


def stored(report, code: str):
    return IndicatorValue.objects.filter(report=report, indicator__code=code).values_list(
        "value", flat=True
    )


@pytest.mark.parametrize(
    ("language", "typed"),
    [("en", "197,000"), ("fr", "197 000"), ("fr", f"197{NNBSP}000"), ("es", "197.000")],
)
def test_a_report_value_is_stored_as_the_number_typed(client, world, report, language, typed):
    url = reverse("monitoring:report", args=[report.pk])
    in_language(client, world.producer, language)
    response = client.post(url, report_post(report, **{"members_trained-value": typed}))
    assert response.status_code == 302
    assert list(stored(report, "members_trained")) == [D("197000")]
    assert list(stored(report, "yield")) == [D("10")]
    page = client.get(url).content.decode()
    shown = {"en": "197,000", "fr": f"197{NNBSP}000", "es": "197.000"}[language]
    assert f'name="members_trained-value" value="{shown}"' in page


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("en", "1,2,3", WRITE["en"]),
        ("fr", "1200.5", WRITE["fr"]),
        ("es", "1.2", WRITE["es"]),
        (
            "en",
            "850.000",
            "“850.000” could mean two different numbers. Write numbers like 1,234,567.",
        ),
    ],
)
def test_a_report_value_that_would_be_a_guess_is_refused_and_nothing_saved(
    client, world, report, language, typed, message
):
    url = reverse("monitoring:report", args=[report.pk])
    in_language(client, world.producer, language)
    # household_income is money (XOF: no decimals): "850.000" is 850 or 850,000.
    field = "household_income-value" if typed == "850.000" else "members_trained-value"
    response = client.post(url, report_post(report, **{field: typed}))
    assert response.status_code == 400
    with translation.override(language):
        assert response.context["values_form"].errors == {field: [message]}
    assert f'value="{typed}"' in response.content.decode()
    assert not IndicatorValue.objects.filter(report=report).exists()


def test_a_budget_line_in_french(client, world):
    plan = world.build(PlanStatus.DRAFT)
    in_language(client, world.producer, "fr")
    url = reverse("plan-budget", args=[plan.pk])
    page = client.get(url).content.decode()
    assert re.search(r'<input type="text" name="quantity"[^>]* inputmode="decimal"', page)
    data = {
        "category": "equipment",
        "description": "Séchoir",
        "quantity": "1 200,5",
        "unit_cost": "2 000",
        "grant": f"2{NBSP}401{NBSP}000",
        "producer_cash": "0",
        "producer_in_kind": "0",
        "buyer": "0",
        "credit": "0",
        "other": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    line = BudgetLine.objects.get(description="Séchoir")
    assert (line.quantity, line.unit_cost, line.amount, line.grant) == (
        D("1200.5"),
        D("2000"),
        D("2401000"),
        D("2401000"),
    )


def test_a_budget_line_that_would_be_a_guess_keeps_the_input_and_saves_nothing(client, world):
    plan = world.build(PlanStatus.DRAFT)
    in_language(client, world.producer, "en")
    data = {
        "category": "equipment",
        "description": "Dryer",
        "quantity": "1,2,3",
        "unit_cost": "2,000",
        "grant": "0",
        "producer_cash": "0",
        "producer_in_kind": "0",
        "buyer": "0",
        "credit": "0",
        "other": "0",
    }
    response = client.post(reverse("plan-budget", args=[plan.pk]), data)
    assert response.status_code == 400
    assert 'value="1,2,3"' in response.content.decode()
    assert not BudgetLine.objects.filter(description="Dryer").exists()


def test_the_committee_approves_a_grant_typed_in_french(client, world):
    plan = world.build(PlanStatus.COMMITTEE)
    in_language(client, world.committee, "fr")
    url = reverse("plan-decision", args=[plan.pk])
    page = client.get(url).content.decode()
    # The grant requested, shown the French way (XOF: no decimals), in a text box.
    assert (
        f'<input type="text" name="approve-approved_grant" value="14{NNBSP}000{NNBSP}000" '
        'inputmode="decimal" autocomplete="off"'
    ) in page
    typed = {
        "decision": "approve",
        "approve-approved_grant": "13 000 000,00",
        "approve-conditions": "Ouvrir un compte",
    }
    # Approval cannot be undone: the page asks first, with the grant read the French way,
    # and its "Yes" sends back the text as typed.
    asked = client.post(url, typed)
    assert asked.status_code == 200
    assert format_money(D("13000000"), "XOF", "fr") in html.unescape(asked.content.decode())
    assert dict(asked.context["resent"]) == typed
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMMITTEE
    response = client.post(url, {**typed, "confirmed": "yes"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.approved_grant) == (PlanStatus.APPROVED, D("13000000"))


def test_a_member_typed_in_spanish(client, world):
    in_language(client, world.producer, "es")
    url = reverse("alliances:member-add", args=[world.org_a.pk])
    data = {
        "name": "Ana",
        "sex": "female",
        "birth_year": "1.984",
        "land_area_ha": "2,5",
        "role": "member",
        "active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with its errors
    with translation.override("es"):
        assert response.context["form"].errors == {
            "birth_year": ["Escriba este número solo con cifras."]
        }
    assert world.org_a.members.filter(name="Ana").count() == 0
    data["birth_year"] = "1984"
    response = client.post(url, data)
    assert response.status_code == 302
    member = world.org_a.members.get(name="Ana")
    assert (member.birth_year, member.land_area_ha) == (1984, D("2.5"))
