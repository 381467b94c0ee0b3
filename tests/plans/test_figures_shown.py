"""The plan pages write every figure the reader's way (core/formats.py): amounts with
their ISO code and grouping, quantities without useless decimals, weights and scores as
numbers, shares as percentages."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from plans import services
from plans.models import PlanStatus

D = Decimal
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture(autouse=True)
def _active_language_restored():
    # A request in French leaves French active in the test thread (LocaleMiddleware).
    language = translation.get_language()
    yield
    translation.activate(language)


def visible_text(content: bytes, start: str = "<main", end: str = "</main>") -> str:
    """The text a reader sees between `start` and `end`, tags removed, spaces collapsed
    (no-break spaces kept)."""
    page = content.decode()
    page = page[page.index(start) : page.index(end)]
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"[ \t\r\n]+", " ", text)


@pytest.mark.parametrize("page", ["plan-detail", "plan-budget"])
def test_a_french_plan_page_groups_every_computed_figure(client, world, page):
    plan = world.build(PlanStatus.DRAFT)
    client.force_login(world.producer)
    response = client.get(reverse(page, args=[plan.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    text = visible_text(response.content)
    # No run of five digits or more: every figure of a thousand and up is grouped.
    assert re.findall(r"\d{5,}", text) == []
    analysis = visible_text(response.content, 'id="analysis"', "</aside>")
    for shown in (
        f"20{NNBSP}000{NNBSP}000{NBSP}XOF",  # total investment
        f"14{NNBSP}000{NNBSP}000{NBSP}XOF",  # grant
        f"-8{NNBSP}976{NNBSP}119{NBSP}XOF",  # net present value
        f"466{NNBSP}667{NBSP}XOF",  # grant per family
        f"-2,5{NBSP}%",  # internal rate of return
        "0,73",  # benefit-cost ratio
        f"70{NBSP}%",  # the grant's share
    ):
        assert shown in analysis, shown
    # The budget line's quantity is "1", not "1,000" (one thousandth in French).
    budget = visible_text(response.content, "<table", "</table>")
    assert f" Maize sheller 1 20{NNBSP}000{NNBSP}000{NBSP}XOF " in budget


def test_an_english_plan_page_writes_the_currency_code_apart(client, world):
    plan = world.build(PlanStatus.DRAFT)
    client.force_login(world.producer)
    response = client.get(reverse("plan-detail", args=[plan.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = visible_text(response.content)
    assert f"Total investment XOF{NBSP}20,000,000" in text
    assert "F CFA" not in text and f"F{NNBSP}CFA" not in text
    assert f"Grant XOF{NBSP}14,000,000 70%" in text


def test_the_decision_page_writes_scores_without_useless_decimals(client, world):
    plan = world.build(PlanStatus.COMMITTEE)
    client.force_login(world.committee)
    response = client.get(reverse("plan-decision", args=[plan.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    text = visible_text(response.content)
    assert "80,00" not in text and "80.00" not in text
    assert re.findall(r"\d{5,}", text) == []


@pytest.mark.parametrize(
    ("language", "helps"),
    [
        ("en", ["From 0 to 10; weight 20", "From 0 to 10; weight 12.5"]),
        ("fr", [f"De 0 à 10{NBSP}; pondération 20", f"De 0 à 10{NBSP}; pondération 12,5"]),
    ],
)
def test_the_appraisal_page_shows_weights_as_numbers(client, world, language, helps):
    market, financial = world.program.criteria.order_by("order")
    market.weight, financial.weight = D("20"), D("12.5")
    market.save(update_fields=["weight"])
    financial.save(update_fields=["weight"])
    plan = world.build(PlanStatus.APPRAISAL)
    assignment = services.appraisal_assign(plan=plan, appraiser=world.appraiser, by=world.officer)
    services.appraisal_declare_no_conflict(assignment=assignment, by=world.appraiser)
    client.force_login(world.appraiser)
    response = client.get(reverse("appraisal", args=[assignment.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    shown = re.findall(r'<small class="help"[^>]*>([^<]*)</small>', response.content.decode())
    assert [html.unescape(s) for s in shown[:2]] == helps
    # Nowhere "20.00" or "12.50" (figures such as "20,000,000" aside).
    weights = re.findall(r"(?<![\d.,])(?:20|12)[.,]\d0(?![\d.,])", visible_text(response.content))
    assert weights == []
