"""The PDFs name every step and state in the reader's language: in French and in Spanish,
no code and no English label of a state or step. The alliance fact sheet (the timeline
of an alliance that has been through a step of every kind), the committee dossier of
that alliance's plan, and the portfolio summary."""

import re

import pytest
from django.utils import translation

from core import labels
from reports.models import ReportKind
from reports.services import report_request
from tests.journeys import every_step
from tests.test_page_languages import ENGLISH, USER_DATA

from .support import codes_and_english_labels, pdf_text, without_users

pytestmark = pytest.mark.django_db

# What the test world and the journey typed in English (names, comments, reasons).
TYPED = [
    *USER_DATA, "Maize sheller", "Reason given", "Good",
    "Price too high", "Wrong bank account", "First deposit", "Short weight",
    "Attendance sheets missing", "Audit",
]  # fmt: skip

# What the fact sheet's timeline must say, in each language (the catalogues' words).
SAID = {
    "fr": ["Livraison confirmée par l'acheteur", "Tranche payée"],
    "es": ["Entrega confirmada por el comprador", "Tramo pagado"],
}


def report_text(world, kind, parameters, by, language, capture) -> str:
    with capture(execute=True):
        job = report_request(kind=kind, parameters=parameters, by=by, language=language)
    job.refresh_from_db()
    assert (job.status, job.error) == ("succeeded", "")
    return without_users(pdf_text(job.file.path))


def interface_english(text: str) -> list[str]:
    """English words of the interface left in a French or Spanish report, once what
    people typed is taken out (tests/test_page_languages.py)."""
    for typed in sorted(TYPED, key=len, reverse=True):
        text = text.replace(typed, " ")
    text = re.sub(r"\b(Programme|Value chain|Product|Region) \d+\b", " ", text)  # factories'
    return sorted({w for w in re.findall(r"[^\W\d_]+", text) if w.lower() in ENGLISH})


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_fact_sheet_says_steps_and_states_in_the_readers_language(
    world, language, django_capture_on_commit_callbacks
):
    plan = every_step(world)
    text = report_text(
        world,
        ReportKind.ALLIANCE_FACTSHEET_PDF,
        {"alliance": plan.alliance_id},
        world.producer,
        language,
        django_capture_on_commit_callbacks,
    )
    assert codes_and_english_labels(text) == ([], [], [])
    assert interface_english(text) == []
    with translation.override(language):
        said = [
            labels.step_label("alliances.Delivery", "delivery_confirm"),
            labels.step_label("funding.Tranche", "tranche_pay"),
            labels.step_label("monitoring.MonitoringReport", "report_return"),
            " – ".join(labels.state_label("funding.Tranche", s) for s in ("authorized", "paid")),
            labels.state_label("alliances.Delivery", "recorded"),
            labels.state_label("funding.PurchaseAgreement", "confirmed"),
            labels.state_label("plans.BusinessPlan", plan.status),
        ]
    assert said[:2] == SAID[language]
    assert [s for s in said if s not in text] == []


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_committee_dossier_says_states_in_the_readers_language(
    world, language, django_capture_on_commit_callbacks
):
    plan = every_step(world)
    text = report_text(
        world,
        ReportKind.COMMITTEE_DOSSIER_PDF,
        {"plan": plan.pk},
        world.officer,
        language,
        django_capture_on_commit_callbacks,
    )
    assert codes_and_english_labels(text) == ([], [], [])
    assert interface_english(text) == []


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_portfolio_summary_says_stages_in_the_readers_language(
    world, language, django_capture_on_commit_callbacks
):
    from .support import build_portfolio

    build_portfolio(world)
    every_step(world)
    text = report_text(
        world,
        ReportKind.PORTFOLIO_PDF,
        {},
        world.officer,
        language,
        django_capture_on_commit_callbacks,
    )
    assert codes_and_english_labels(text) == ([], [], [])
    assert interface_english(text) == []
    with translation.override(language):
        stages = [labels.state_label("plans.BusinessPlan", s) for s in ("active", "committee")]
    assert [s for s in stages if s not in text] == []
