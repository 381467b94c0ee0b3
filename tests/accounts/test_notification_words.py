"""Notifications say each step in words, with both states or, for a step that creates its
record, the one state; and they are worded when read, in the reader's language, whatever
language was active when they were recorded."""

import importlib
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.emails import deliver_notification
from accounts.models import STEP_NOTICE, Notification
from accounts.notifications import notify
from core import labels
from plans.models import TransitionLog
from tests.accounts.test_history_words import visible_text
from tests.journeys import every_step

pytestmark = pytest.mark.django_db

COLON = r"[\s\xa0]?:"  # French writes a space before the colon


@pytest.fixture
def plan(world):
    """Every kind of step, notified while English is active."""
    plan = every_step(world)
    with translation.override("en"):
        for log in TransitionLog.objects.order_by("at", "id"):
            notify(log)
    return plan


def test_every_step_names_both_states_or_the_one(world, plan):
    notices = Notification.objects.select_related("alliance", "transition_log")
    models = set()
    with translation.override("en"):
        for notice in notices:
            log = notice.transition_log
            model = labels.log_model(log)
            models.add(model)
            step = re.escape(labels.step_label(model, log.transition))
            to = re.escape(labels.state_label(model, log.to_state))
            if log.from_state:
                was = re.escape(labels.state_label(model, log.from_state))
                pattern = rf"{plan.alliance.code}: {step} \({was} → {to}\)"
            else:
                pattern = rf"{plan.alliance.code}: {step} \({to}\)"
            assert re.fullmatch(pattern, notice.text), notice.text
            assert not re.search(r"\( →|→ \)|\(\)|\b[a-z]+_[a-z_]+\b", notice.text)
    assert models == {
        "plans.BusinessPlan",
        "funding.PurchaseAgreement",
        "alliances.Delivery",
        "funding.Tranche",
        "funding.CounterpartContribution",
        "monitoring.MonitoringReport",
    }
    assert set(notices.values_list("kind", flat=True)) == {STEP_NOTICE}
    assert set(notices.values_list("message", flat=True)) == {""}  # nothing frozen
    with translation.override("en"):
        texts = {n.text.split(": ", 1)[1] for n in notices}
    assert {
        "Delivery recorded (Recorded)",
        "Counterpart contribution recorded (Recorded)",
        "Tranche paid (Authorized → Paid)",
        "Delivery confirmed by the buyer (Recorded → Confirmed by the buyer)",
        "Monitoring report returned (Submitted → Returned)",
        "Agreement amended (Declined by the buyer → Draft)",
    } <= texts


def test_a_french_reader_reads_french_though_english_was_active(client, world, plan):
    code = re.escape(plan.alliance.code)
    # The reader's language: signing in sets this cookie from their preference.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    client.force_login(world.producer)
    pages = [
        visible_text(client.get(reverse("notifications"), {"page": n}).content.decode())
        for n in (1, 2)
    ]
    assert re.search(rf"{code}{COLON} Tranche payée \(Autorisé → Payé\)", " ".join(pages))

    client.force_login(world.buyer_user)
    page = visible_text(client.get(reverse("notifications")).content.decode())
    assert re.search(rf"{code}{COLON} Livraison enregistrée \(Enregistré\)", page)
    assert "Delivery recorded" not in page


def test_the_email_is_worded_in_the_language_of_the_recipient_when_sent(world, plan):
    notice = Notification.objects.get(
        recipient=world.buyer_user, transition_log__transition="delivery_record"
    )
    world.buyer_user.preferred_language = "es"  # chosen after the step was notified
    world.buyer_user.save(update_fields=["preferred_language"])

    assert deliver_notification(notice.pk) is True

    with translation.override("es"):
        step = labels.step_label("alliances.Delivery", "delivery_record")
        state = labels.state_label("alliances.Delivery", "recorded")
    assert (step, state) == ("Entrega registrada", "Registrado")
    (email,) = mail.outbox
    assert f"{step} ({state})" in email.subject
    assert f"{step} ({state})" in email.body


def test_notices_recorded_before_are_still_read(world, plan):
    """Step notices recorded with their text are worded from their step by the data
    migration; a reminder recorded with its text only keeps it."""
    log = TransitionLog.objects.filter(transition="tranche_pay").first()
    old_step = Notification.objects.get(recipient=world.producer, transition_log=log)
    Notification.objects.filter(pk=old_step.pk).update(
        kind="", message=f"{plan.alliance.code}: Tranche paid (Authorized → Paid)"
    )
    old_reminder = Notification.objects.create(
        recipient=world.producer,
        alliance=plan.alliance,
        message="P-1: the monitoring report for 1 Jan – 31 Mar was due on 30 Apr.",
    )
    migration = importlib.import_module("accounts.migrations.0006_notification_worded_when_read")

    migration.word_steps_when_read(apps, None)

    old_step.refresh_from_db()
    old_reminder.refresh_from_db()
    with translation.override("fr"):
        assert re.fullmatch(
            rf"{plan.alliance.code}{COLON} Tranche payée \(Autorisé → Payé\)", old_step.text
        )
        assert old_reminder.text == old_reminder.message


def test_the_list_reads_its_notices_in_a_constant_number_of_queries(
    client, world, plan, django_assert_num_queries
):
    client.force_login(world.producer)
    client.get(reverse("notifications"))  # content types cached, as in a running server
    # A page of step notices, of every kind of record: as many queries as a page of
    # text-only ones (tests/accounts/test_notifications.py).
    with django_assert_num_queries(6):
        response = client.get(reverse("notifications"))
    assert (
        len(response.context["page"].object_list) == 22
    )  # every step of the journey told to the producer (the first deposit verified too)
