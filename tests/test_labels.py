"""The label registry (core/labels.py): every state and step of every stateful model has
words in English, French and Spanish, every step the code writes to the transition log
is registered, and a code without words is never shown silently."""

import logging
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

from accounts.steps import record_step
from core import labels
from plans.models import BusinessPlan, PlanStatus, TransitionLog
from plans.workflow import TRANSITION_NAMES

ROOT = Path(__file__).resolve().parents[1]
PROJECT_APPS = ("accounts", "alliances", "funding", "plans", "monitoring", "reports")
STATEFUL = {
    "plans.BusinessPlan",
    "funding.Tranche",
    "funding.CounterpartContribution",
    "funding.PurchaseAgreement",
    "alliances.Delivery",
    "monitoring.MonitoringReport",
    "reports.ReportJob",
}


def stateful_models():
    """Every model of ours with a `status` field of choices."""
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            field = next((f for f in model._meta.fields if f.name == "status"), None)
            if field is not None and field.choices:
                yield model, field


def test_every_stateful_model_registers_its_states():
    found = {}
    for model, field in stateful_models():
        found[model._meta.label] = set(labels.machine(model).states)
        assert found[model._meta.label] == {str(value) for value, _label in field.choices}
    assert set(found) == STATEFUL


def words():
    for machine in labels.machines():
        for kind in ("states", "steps"):
            for code, text in getattr(machine, kind).items():
                yield machine.model, kind, code, text


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_every_state_and_step_has_words_other_than_its_code(language):
    wrong = []
    for model, kind, code, text in words():
        with translation.override(language):
            said = str(text)
        if not said.strip() or said == code or "_" in said:
            wrong.append((model, kind, code, said))
    assert wrong == []


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_state_and_step_is_translated(language):
    # A French or Spanish label equal to the English one is a missing translation.
    untranslated = []
    for model, kind, code, text in words():
        with translation.override("en"):
            english = str(text)
        with translation.override(language):
            if str(text) == english:
                untranslated.append((model, kind, code, english))
    assert untranslated == []


def test_plan_steps_are_its_transitions():

    assert set(labels.machine(BusinessPlan).steps) == set(TRANSITION_NAMES)


# Every `transition=...` the code writes (services, seeding, demo): its string literals
# (not the arguments of a helper such as `log_name("record")`, which are tested by use).
TRANSITION_ARGUMENT = re.compile(r"\btransition=([^\n]+)")
LITERAL = re.compile(r"(?<!\()\"([a-z_]+)\"")


def written_step_names() -> set[str]:
    names = set()
    for path in ROOT.glob("*/**/*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in ("tests", ".venv") or "migrations" in parts:
            continue
        for argument in TRANSITION_ARGUMENT.findall(path.read_text(encoding="utf-8")):
            names |= set(LITERAL.findall(argument))
    return names


def test_every_step_name_written_in_the_code_is_registered():
    registered = {code for machine in labels.machines() for code in machine.steps}
    written = written_step_names()
    assert {"report_submit", "report_accept", "report_return"} <= written  # the seeding's
    assert written - registered == set()


def test_a_step_without_words_is_never_written(world):
    plan = world.build(PlanStatus.DRAFT)
    with pytest.raises(labels.UnknownCode):
        record_step(
            subject=plan,
            alliance=plan.alliance,
            transition="tranche_pay",  # a tranche's step, not a plan's
            from_state="draft",
            to_state="draft",
            by=world.producer,
        )
    assert not TransitionLog.objects.filter(transition="tranche_pay").exists()


def test_an_unknown_code_raises_when_strict(settings):
    settings.LABELS_STRICT = True
    with pytest.raises(labels.UnknownCode):
        labels.state_label(BusinessPlan, "archived")
    with pytest.raises(labels.UnknownCode):
        labels.step_label("funding.Tranche", "submit")


def test_an_unknown_code_is_logged_not_hidden_in_production(settings, caplog):
    settings.LABELS_STRICT = False
    with caplog.at_level(logging.ERROR, logger="core.labels"):
        assert labels.state_label(BusinessPlan, "archived") == "archived"
    assert caplog.messages == ["plans.BusinessPlan: no label for the state 'archived'"]


def test_the_same_code_means_what_its_model_says():
    with translation.override("en"):
        assert labels.state_label("alliances.Delivery", "recorded") == "Recorded"
        assert labels.state_label("funding.CounterpartContribution", "recorded") == "Recorded"
        assert labels.state_label("monitoring.MonitoringReport", "submitted") == "Submitted"
        assert labels.state_change("alliances.Delivery", "", "recorded") == "Recorded"
        assert labels.state_change(BusinessPlan, "draft", "submitted") == "Draft → Submitted"
        assert labels.step_label("funding.Tranche", "tranche_pay") == "Tranche paid"
    with translation.override("fr"):
        assert labels.state_label(BusinessPlan, PlanStatus.DRAFT) == "Brouillon"
        assert labels.step_label("funding.Tranche", "tranche_pay") == "Tranche payée"
