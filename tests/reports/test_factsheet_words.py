"""The alliance fact sheet names every step and state in the reader's language: in French,
no code and no English label of a state or step (the timeline of an alliance that has
been through a step of every kind)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from core import labels
from reports.models import ReportKind
from reports.services import report_request
from tests.journeys import every_step

from .support import pdf_text

pytestmark = pytest.mark.django_db


def test_the_french_fact_sheet_says_steps_and_states_in_french(
    world, django_capture_on_commit_callbacks
):
    plan = every_step(world)
    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind=ReportKind.ALLIANCE_FACTSHEET_PDF,
            parameters={"alliance": plan.alliance_id},
            by=world.producer,
            language="fr",
        )
    job.refresh_from_db()
    assert (job.status, job.error) == ("succeeded", "")

    text = pdf_text(job.file.path)
    for username in get_user_model().objects.values_list("username", flat=True):
        text = re.sub(rf"\b{re.escape(username)}\b", "USER", text)  # the actors

    codes, english = set(), set()
    for machine in labels.machines():
        codes |= {*machine.states, *machine.steps}
        with translation.override("en"):
            english |= {str(t) for t in (*machine.states.values(), *machine.steps.values())}
    assert sorted(c for c in codes if re.search(rf"\b{re.escape(c)}\b", text)) == []
    assert re.findall(r"\b[a-z]+_[a-z_]+\b", text) == []
    assert sorted(e for e in english if re.search(rf"\b{re.escape(e)}\b", text)) == []
    with translation.override("fr"):
        said = [
            labels.step_label("alliances.Delivery", "delivery_confirm"),
            labels.step_label("funding.Tranche", "tranche_pay"),
            labels.step_label("monitoring.MonitoringReport", "report_return"),
            " – ".join(labels.state_label("funding.Tranche", s) for s in ("authorized", "paid")),
            labels.state_label("alliances.Delivery", "recorded"),
            labels.state_label("alliances.PurchaseAgreement", "confirmed"),
        ]
    assert said[:2] == ["Livraison confirmée par l'acheteur", "Tranche payée"]
    assert [s for s in said if s not in text] == []
