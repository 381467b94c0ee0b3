"""The admin reads and writes numbers the user's way too (issue 14): its decimal fields
(money, quantities, shares, indicator values) are text boxes with a numeric keyboard,
never `type="number"`, read with `core.numbers` in the active language. "1 200,5" in
French is 1200.5; what would need a guess ("1,200" in French) or is no number ("1.2.3")
is refused next to the field, and nothing is saved."""

import re
from decimal import Decimal

import pytest
from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from alliances.models import Member
from core.number_fields import LocaleDecimalField
from core.numbers import NumberRefused, parse_decimal
from funding.models import Program
from tests.factories import OrganizationFactory, ProductFactory, ProgramFactory, RegionFactory

D = Decimal
NNBSP, NBSP = "\u202f", "\u00a0"


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def french_admin(admin_client):
    admin_client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "fr"})
    return admin_client


@pytest.fixture
def program(db):
    # In dollars: an amount with cents is a whole amount of the currency's minor unit.
    program = ProgramFactory(currency="USD", max_grant_per_alliance=D("30000000"))
    program.eligible_regions.set([RegionFactory()])
    program.eligible_value_chains.set([ProductFactory().value_chain])
    return program


def _input(html: str, name: str) -> str:
    """The <input> tag of the field `name` on the page."""
    tags = re.findall(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert len(tags) == 1, (name, tags)
    return tags[0]


def _page_data(response) -> dict:
    """What the change page posts when saved as shown: the form, then every inline."""
    page_forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        page_forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict = {}
    for form in page_forms:
        for bound in form:
            widget = getattr(bound.field.widget, "widget", bound.field.widget)  # related wrapper
            value = bound.value()
            if isinstance(widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(widget, forms.SelectMultiple):
                data[bound.html_name] = [str(v) for v in value or []]
            elif value is None:
                data[bound.html_name] = ""
            else:
                shown = widget.format_value(value)
                data[bound.html_name] = shown[0] if isinstance(shown, list) else shown or ""
    return data


def _errors(response) -> dict:
    """The form's and the inlines' errors of a page that was not saved."""
    errors = dict(response.context["adminform"].form.errors)
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            errors |= {f"{form.prefix}-{name}": e for name, e in form.errors.items()}
    return errors


def _refusal(text: str, language: str, decimal_places: int) -> NumberRefused:
    with pytest.raises(NumberRefused) as refused:
        parse_decimal(text, language, decimal_places=decimal_places)
    return refused.value


# --- what the page shows ---------------------------------------------------------------


@pytest.mark.django_db
def test_money_is_a_text_box_with_a_decimal_keyboard_in_french(french_admin, program):
    response = french_admin.get(_url(Program, "change", program.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="fr"' in html
    for name, shown in [
        ("max_grant_per_alliance", f"30{NNBSP}000{NNBSP}000"),
        ("fundings-0-amount", f"100{NNBSP}000{NNBSP}000"),
        ("max_grant_share", "0,7"),
        ("reporting_rate", "0,00166"),
        ("criteria-0-weight", "2"),
    ]:
        tag = _input(html, name)
        assert 'type="text"' in tag
        assert 'inputmode="decimal"' in tag
        assert 'type="number"' not in tag
        assert f'value="{shown}"' in tag


@pytest.mark.django_db
def test_a_page_saved_as_shown_in_french_changes_no_number(french_admin, program):
    url = _url(Program, "change", program.pk)
    data = _page_data(french_admin.get(url))

    response = french_admin.post(url, data)

    assert response.status_code == 302, response.context and _errors(response)
    program.refresh_from_db()
    assert program.max_grant_per_alliance == D("30000000")
    assert program.max_grant_share == D("0.7")
    assert program.reporting_rate == D("0.00166")
    assert program.fundings.get().amount == D("100000000")


# --- what is typed ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1 200,5", f"1{NNBSP}200,5", f"1{NBSP}200,5", "1200,5"])
def test_french_money_is_read_the_french_way(french_admin, program, typed):
    url = _url(Program, "change", program.pk)
    data = _page_data(french_admin.get(url))
    data |= {"max_grant_per_alliance": typed, "fundings-0-amount": typed}

    response = french_admin.post(url, data)

    assert response.status_code == 302, response.context and _errors(response)
    program.refresh_from_db()
    assert program.max_grant_per_alliance == D("1200.5")
    assert program.fundings.get().amount == D("1200.5")


@pytest.mark.django_db
def test_french_shares_and_rates_are_read_the_french_way(french_admin, program):
    url = _url(Program, "change", program.pk)
    data = _page_data(french_admin.get(url))
    data |= {"max_grant_share": "0,75", "reporting_rate": "0,0015", "criteria-0-weight": "1,5"}

    response = french_admin.post(url, data)

    assert response.status_code == 302, response.context and _errors(response)
    program.refresh_from_db()
    assert (program.max_grant_share, program.reporting_rate) == (D("0.75"), D("0.0015"))
    assert program.criteria.get(code="market").weight == D("1.5")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "code"), [("1,200", "ambiguous_number"), ("1.2.3", "invalid_number")]
)
def test_a_number_that_needs_a_guess_is_refused_and_nothing_changes(
    french_admin, program, typed, code
):
    url = _url(Program, "change", program.pk)
    data = _page_data(french_admin.get(url))
    data |= {"name": "Renamed", "max_grant_per_alliance": typed}

    response = french_admin.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()["max_grant_per_alliance"]
    assert [(e.code, e.message) for e in errors] == [(code, _refusal(typed, "fr", 2).message)]
    assert _refusal(typed, "fr", 2).message in response.content.decode()
    # The box shows what was typed, for the user to correct.
    assert f'value="{typed}"' in _input(response.content.decode(), "max_grant_per_alliance")
    program.refresh_from_db()
    assert program.name != "Renamed"
    assert program.max_grant_per_alliance == D("30000000")


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1,200", "1.2.3", "-5"])
def test_a_refused_budget_line_keeps_the_budget(french_admin, program, typed):
    url = _url(Program, "change", program.pk)
    data = _page_data(french_admin.get(url))
    data |= {"fundings-0-amount": typed}

    response = french_admin.post(url, data)

    assert response.status_code == 200
    funding_form = next(
        f
        for inline in response.context["inline_admin_formsets"]
        for f in inline.formset.forms
        if f.prefix == "fundings-0"
    )
    assert funding_form.errors["amount"]
    assert program.fundings.get().amount == D("100000000")


@pytest.mark.django_db
def test_model_rules_still_apply_to_numbers_typed_in_french(french_admin, program):
    url = _url(Program, "change", program.pk)
    data = _page_data(french_admin.get(url))
    data |= {"max_grant_share": "1,5", "max_grant_per_alliance": "12,3456"}

    response = french_admin.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in errors["max_grant_share"]] == ["max_value"]  # a share is at most 1
    assert [e.code for e in errors["max_grant_per_alliance"]] == ["max_decimal_places"]
    program.refresh_from_db()
    assert program.max_grant_share == D("0.7")


@pytest.mark.django_db
def test_a_member_land_area_in_french(french_admin):
    member = Member.objects.create(
        organization=OrganizationFactory(members=0),
        name="Awa",
        sex="female",
        birth_year=1990,
        land_area_ha=D("2.5"),
    )
    url = _url(Member, "change", member.pk)
    page = french_admin.get(url)
    assert 'value="2,5"' in _input(page.content.decode(), "land_area_ha")
    data = _page_data(page)

    refused = french_admin.post(url, data | {"land_area_ha": "2.5"})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["land_area_ha"]
    member.refresh_from_db()
    assert member.land_area_ha == D("2.5")

    saved = french_admin.post(url, data | {"land_area_ha": "12,75"})
    assert saved.status_code == 302
    member.refresh_from_db()
    assert member.land_area_ha == D("12.75")


@pytest.mark.django_db
def test_english_money_is_read_the_english_way(admin_client, program):
    url = _url(Program, "change", program.pk)
    data = _page_data(admin_client.get(url))
    assert data["max_grant_per_alliance"] == "30,000,000"
    data |= {"max_grant_per_alliance": "1,200.5"}

    assert admin_client.post(url, data).status_code == 302
    program.refresh_from_db()
    assert program.max_grant_per_alliance == D("1200.5")


# --- every admin --------------------------------------------------------------------------


def _admins_that_write(request):
    """Every admin page and inline a superuser may add or change rows with."""
    for model_admin in admin.site._registry.values():
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
            yield model_admin
        for inline in model_admin.get_inline_instances(request):
            if inline.has_add_permission(request, None) or inline.has_change_permission(
                request, None
            ):
                yield inline


def _editable_decimal_fields(request):
    """(admin, model field) of every decimal field an admin page or inline lets a
    superuser type (on an add page, or the change page of a version not yet frozen)."""
    for some_admin in _admins_that_write(request):
        readonly = set(some_admin.get_readonly_fields(request))
        for name in some_admin.get_fields(request):
            if name in readonly:
                continue
            try:
                field = some_admin.model._meta.get_field(name)
            except FieldDoesNotExist:  # a form-only field
                continue
            if isinstance(field, models.DecimalField):
                yield some_admin, field


@pytest.mark.django_db
def test_every_decimal_the_admin_edits_is_typed_the_users_way(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    checked = set()
    for some_admin, field in _editable_decimal_fields(request):
        form_field = some_admin.formfield_for_dbfield(field, request)
        label = f"{type(some_admin).__name__}.{field.name}"
        assert isinstance(form_field, LocaleDecimalField), label
        assert form_field.widget.input_type == "text", label
        assert form_field.widget.attrs["inputmode"] == "decimal", label
        assert (form_field.max_digits, form_field.decimal_places) == (
            field.max_digits,
            field.decimal_places,
        ), label
        assert form_field.required is not field.blank, label
        checked.add(label)
    assert {
        "ProgramAdmin.max_grant_per_alliance",
        "ProgramAdmin.reporting_rate",
        "ProgramFundingInline.amount",
        "RubricCriterionInline.weight",
        "MemberAdmin.land_area_ha",
        "MemberInline.land_area_ha",
        "DeliveryAdmin.unit_price",
        "DeliveryAdmin.volume",
        "IndicatorBaselineAdmin.value",
        "IndicatorTargetAdmin.value",
        "BudgetLineInline.unit_cost",
        "BudgetLineInline.quantity",
        "CashFlowRowInline.revenue_with",
    } <= checked
