"""What the programme defines and the platform checks is read in the reader's language
(CONVENTIONS rule 15): screening items are stored as codes and labelled when shown,
rubric criteria and the legalization checklist have English, French and Spanish texts,
English where a translation is empty."""

import html
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from accounts.policy import ActionRefused
from funding.agreements import guard_agreement_ready
from funding.models import LegalizationRequirement, RubricCriterion
from plans import services
from plans.models import PlanStatus, ScreeningItem

# French words for the screening items, used when the compiled French catalogue does not
# have them yet: the test is about when they are looked up, not about the catalogue
# (tests/test_translations.py checks that one).
FRENCH = {
    ScreeningItem.LEGAL_STATUS: "L'organisation est légalement enregistrée.",
    ScreeningItem.ROSTER_VERIFIED: "La liste des membres a été vérifiée.",
    ScreeningItem.BUYER_INTENT: "La lettre d'intention de l'acheteur est au dossier.",
    ScreeningItem.FIELD_VISIT: "Une visite de terrain a confirmé les hypothèses du plan.",
    ScreeningItem.ELIGIBLE_REGION: "La région est éligible au programme.",
    ScreeningItem.ELIGIBLE_VALUE_CHAIN: "La filière est éligible au programme.",
    ScreeningItem.MONEY_RULES: "Le plan respecte les règles financières du programme.",
}


@pytest.fixture
def french_items():
    """item -> its French label, as the French catalogue has it (or as FRENCH says)."""
    catalog = trans_real.translation("fr")._catalog
    english = english_items()
    added = [item for item in ScreeningItem if english[item] not in catalog]
    for item in added:
        catalog[english[item]] = FRENCH[item]
    with translation.override("fr"):
        words = {item: str(item.label) for item in ScreeningItem}
    yield words
    for item in added:
        catalog._catalogs[0].pop(english[item], None)


def english_items() -> dict:
    with translation.override("en"):
        return {item: str(item.label) for item in ScreeningItem}


def page_in(client, user, language: str, url: str) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def checks_shown(page: str) -> list[str]:
    """The screening items listed on a page, as "✔ label" or "✘ label — note"."""
    items = re.findall(r'<ul class="checks">(.*?)</ul>', page, re.S)
    return [
        " ".join(re.sub(r"<[^>]+>", "", li).split())
        for block in items
        for li in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)
    ]


def test_screening_recorded_in_english_is_read_in_french(client, world, french_items):
    with translation.override("en"):
        plan = world.build(PlanStatus.SCREENING)
        checks = dict.fromkeys(services.MANUAL_SCREENING_CHECKS, (True, ""))
        services.screening_record(plan=plan, by=world.officer, checks=checks)
    stored = plan.current_version.screening_checks.order_by("id")
    assert [c.code for c in stored] == [
        "legal_status",
        "roster_verified",
        "buyer_intent",
        "field_visit",
        "eligible_region",
        "eligible_value_chain",
        "money_rules",
    ]
    page = page_in(client, world.officer, "fr", reverse("plan-screening", args=[plan.pk]))
    automatic = [f"✔ {french_items[item]}" for item in list(ScreeningItem)[4:]]
    assert checks_shown(page)[:3] == automatic  # computed now, in French
    plan_page = page_in(client, world.officer, "fr", reverse("plan-detail", args=[plan.pk]))
    assert checks_shown(plan_page) == [f"✔ {french_items[item]}" for item in ScreeningItem]
    for english in english_items().values():
        assert english not in plan_page


def test_the_screening_form_asks_in_french(client, world, french_items):
    plan = world.build(PlanStatus.SCREENING)
    page = page_in(client, world.officer, "fr", reverse("plan-screening", args=[plan.pk]))
    legends = re.findall(r'<fieldset class="check[^"]*"><legend>(.*?)</legend>', page)
    assert legends == [french_items[item] for item in list(ScreeningItem)[:4]]


def test_a_failed_item_is_named_in_the_readers_language(world, french_items):
    with translation.override("en"):
        plan = world.build(PlanStatus.SCREENING)
        checks = dict.fromkeys(services.MANUAL_SCREENING_CHECKS, (True, ""))
        checks["roster_verified"] = (False, "")
        services.screening_record(plan=plan, by=world.officer, checks=checks)
    with translation.override("fr"), pytest.raises(ActionRefused) as refused:
        services.plan_pass_screening(plan=plan, by=world.officer)
    message = " ".join(refused.value.reasons)
    assert french_items[ScreeningItem.ROSTER_VERIFIED].rstrip(".") in message
    assert "The member roster was verified" not in message
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SCREENING


def test_the_committee_reads_the_rubric_in_its_language(client, world):
    plan = world.build(PlanStatus.COMMITTEE)
    url = reverse("plan-decision", args=[plan.pk])
    rows = {}
    for language in ("en", "fr", "es"):
        page = page_in(client, world.committee, language, url)
        rows[language] = re.findall(r'<tr><th scope="row">([^<]*) <small>/ 10</small>', page)
    assert rows == {
        "en": ["Market", "Financial"],
        "fr": ["Marché", "Finances"],
        "es": ["Mercado", "Finanzas"],
    }


def test_an_untranslated_criterion_is_shown_in_english(client, world):
    plan = world.build(PlanStatus.COMMITTEE)
    RubricCriterion.objects.filter(program=world.program, code="financial").update(name_fr=None)
    page = page_in(client, world.committee, "fr", reverse("plan-decision", args=[plan.pk]))
    assert re.findall(r'<tr><th scope="row">([^<]*) <small>/ 10</small>', page) == [
        "Marché",
        "Financial",
    ]


def test_the_legalization_checklist_is_read_in_the_readers_language(client, world):
    plan = world.build(PlanStatus.APPROVED)
    LegalizationRequirement.objects.filter(program=world.program, code="bank").update(label_es="")
    url = reverse("plan-legalization", args=[plan.pk])
    labels = {}
    for language in ("fr", "es"):
        page = page_in(client, world.officer, language, url)
        labels[language] = re.findall(r"☐ ([^<\n]*?)\s*<", page)
    assert labels == {
        "fr": ["Accord d'alliance signé", "Compte bancaire enregistré"],
        "es": ["Acuerdo de alianza firmado", "Bank account registered"],
    }
    with translation.override("fr"):
        problems = guard_agreement_ready(plan).reasons
    assert any("Accord d'alliance signé; Compte bancaire enregistré" in p for p in problems)


def test_the_admin_edits_criteria_and_checklist_in_three_languages(admin_client, world):
    url = reverse("admin:funding_program_change", args=[world.program.pk])
    page = admin_client.get(url).content.decode()
    for prefix, field in (("criteria", "name"), ("legalization_requirements", "label")):
        names = re.findall(rf'name="{prefix}-0-({field}_\w\w|{field})"', page)
        assert names == [f"{field}_en", f"{field}_fr", f"{field}_es"], prefix
    assert 'value="Marché"' in page
    assert 'value="Compte bancaire enregistré"' in page
