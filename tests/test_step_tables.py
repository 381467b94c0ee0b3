"""Every step table, pinned from the tables themselves (accounts/steps.py).

Each stateful model declares its steps once (from, to, who, reason); the services take
them, the label registry words them and the notifications read who acts next from them.
These tests walk every registered table: each step is worded in three languages, each
state is reached, who acts next is what the table says, and, for the records of an
alliance, every step × role × state is allowed exactly when the table says so.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.utils import translation

from accounts import steps
from accounts.models import Role
from core import labels
from funding.agreements import agreement_acts_next
from plans.models import PlanStatus

TABLES = steps.tables()


def states_of(model: str) -> set[str]:
    """The model's states, from its `status` field's choices."""
    return {code for code, _label in apps.get_model(model)._meta.get_field("status").choices}


MODELS = [
    "plans.BusinessPlan",
    "funding.Tranche",
    "funding.CounterpartContribution",
    "funding.PurchaseAgreement",
    "alliances.Delivery",
    "monitoring.MonitoringReport",
]


def test_every_stateful_model_has_a_table():
    assert sorted(TABLES) == sorted(MODELS)


@pytest.mark.parametrize("model", MODELS)
def test_every_state_is_reached_and_every_step_goes_somewhere_known(model):
    table = TABLES[model]
    states = states_of(model)
    for step in table.all:
        assert step.sources <= states, step.name
        assert step.target is None or step.target in states, step.name
    reached = {s.target for s in table.all if s.target} | {
        state for s in table.all for state in s.sources
    }
    # The plan's "withdrawn", "rejected" and so on are targets; a model's initial state
    # is a source. A state no step touches would be a state nobody can leave or reach.
    assert states <= reached, states - reached


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("model", MODELS)
def test_every_journaled_step_has_words(model, language):
    table = TABLES[model]
    with translation.override(language):
        for step in table.all:
            if step.journaled:
                words = labels.step_label(model, step.journal_name)
                assert words and words != step.journal_name


@pytest.mark.parametrize("model", MODELS)
def test_who_acts_next_is_read_from_the_table(model):
    table = TABLES[model]
    owner = steps.owner(model)
    for state in states_of(model):
        expected = {r for s in table.from_state(state) if not s.system for r in s.roles}
        if model == "funding.PurchaseAgreement":
            expected = agreement_acts_next(state)  # the officer takes on an answered one
        assert set(owner.acts_next(state)) == expected, state


# --- every step × role × state, for the records that hang from an alliance --------------

ROLE_USERS = {
    Role.PRODUCER: "producer",
    Role.TA_PROVIDER: "ta",
    Role.BUYER: "buyer_user",
    Role.PROGRAMME_OFFICER: "officer",
    Role.ME_OFFICER: "me_officer",
    Role.FINANCE_OFFICER: "finance",
    Role.COMMITTEE_MEMBER: "committee",
    Role.APPRAISER: "appraiser",
    Role.FUNDER: "funder_user",
}
ALLIANCE_RECORDS = [
    "funding.PurchaseAgreement",
    "alliances.Delivery",
    "monitoring.MonitoringReport",
]


@pytest.mark.django_db
@pytest.mark.parametrize("model", ALLIANCE_RECORDS)
def test_each_step_is_allowed_exactly_to_its_roles_in_its_states(world, model):

    plan = world.build(PlanStatus.ACTIVE)
    table = TABLES[model]
    record_class = apps.get_model(model)
    for step in table.all:
        if not step.sources:  # creates its record: asked of the alliance, not a record
            continue
        for role, attribute in ROLE_USERS.items():
            user = getattr(world, attribute)
            for state in states_of(model):
                record = record_class(alliance=plan.alliance, status=state)
                decision = table.decide(user, record, step.name)
                allowed = role in step.roles and state in step.sources
                assert bool(decision) == allowed, (step.name, role, state, decision.reason)
                if not allowed:
                    assert decision.reason  # a person is told why
