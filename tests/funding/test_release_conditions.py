"""A tranche's release conditions are the programme's rule, worded when read in the
reader's language (not stored in the language of whoever signed), followed by any
condition written for it; schedules stored with the worded rule read the same."""

import html

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from funding.models import Tranche
from plans.models import PlanStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def tranches(world):
    with translation.override("en"):  # signed while English was active
        plan = world.build(PlanStatus.ACTIVE)
    return list(Tranche.objects.filter(commitment__plan=plan).order_by("number"))


def test_the_rule_is_worded_in_the_readers_language(tranches):
    first, second, third = tranches
    assert [t.release_conditions for t in tranches] == ["", "", ""]
    with translation.override("fr"):
        assert first.conditions_text == (
            "Accord signé et premier dépôt de l'apport de contrepartie vérifié."
        )
        assert third.conditions_text.startswith("Tranche 2 ")
    with translation.override("en"):
        assert second.conditions_text == (
            "Tranche 1 paid and the monitoring report due since accepted."
        )


def test_a_stored_rule_is_not_said_twice_and_added_conditions_follow(tranches):
    first, second, _third = tranches
    with translation.override("es"):  # a schedule made before, by a Spanish reader
        first.release_conditions = first.standard_conditions
    second.release_conditions = "Invoices of the storage works on file."
    with translation.override("fr"):
        assert first.conditions_text == first.standard_conditions
        assert second.conditions_text == (
            f"{second.standard_conditions} Invoices of the storage works on file."
        )


def test_the_page_and_the_api_read_the_readers_language(client, world, tranches):
    plan = tranches[0].commitment.plan
    client.force_login(world.producer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = html.unescape(client.get(reverse("plan-disbursement", args=[plan.pk])).content.decode())
    assert "Accord signé et premier dépôt de l'apport de contrepartie vérifié." in page
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    api = client.get(f"/api/v1/tranches/{tranches[1].pk}/", HTTP_ACCEPT_LANGUAGE="es").json()
    with translation.override("es"):
        assert api["release_conditions"] == tranches[1].standard_conditions
    assert api["release_conditions"].startswith("Tramo 1 ")
