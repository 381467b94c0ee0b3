"""Reminders of overdue monitoring reports (§8): at the date boundaries, once a day, to
the producer organization's side, in their language, e-mailed to those who want it."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from freezegun import freeze_time

from accounts.models import Notification
from monitoring.models import MonitoringReport
from monitoring.reminders import REMINDER_NOTICE, overdue_reminders_send
from monitoring.services import report_accept, report_submit
from monitoring.tasks import send_overdue_reminders
from plans.models import PlanStatus
from tests.factories import fill_report

DAY = datetime.timedelta(days=1)


def first_report(plan) -> MonitoringReport:
    return plan.alliance.monitoring_reports.order_by("period_start").first()


def sent(today, capture) -> int:
    """Run the reminders on `today` (time frozen there), e-mails sent on commit."""
    with freeze_time(today), capture(execute=True):
        return overdue_reminders_send(today=today)


def notices(report) -> list[tuple[str, str]]:
    """Who was reminded, and what each reads, in their language."""
    said = []
    for notice in (
        Notification.objects.filter(alliance=report.alliance, kind=REMINDER_NOTICE)
        .select_related("recipient", "alliance")
        .order_by("id")
    ):
        with translation.override(notice.recipient.preferred_language or "en"):
            said.append((notice.recipient.username, notice.text))
    return said


def expected(report, language="en") -> str:
    with translation.override(language):
        start, end, due = (
            date_format(d, "DATE_FORMAT")
            for d in (report.period_start, report.period_end, report.due_on)
        )
    if language == "fr":
        return (
            f"{report.alliance.code}\xa0: le rapport de suivi de la période {start} – {end} "
            f"était à remettre le {due}."
        )
    return f"{report.alliance.code}: the monitoring report for {start} – {end} was due on {due}."


@pytest.fixture
def plan(world):
    return world.build(PlanStatus.ACTIVE)


def test_due_on_its_date_overdue_the_next_day_reminded_once_a_day(
    world, plan, client, django_capture_on_commit_callbacks
):
    report = first_report(plan)
    due = report.due_on
    world.ta.preferred_language = "fr"
    world.ta.save(update_fields=["preferred_language"])
    with freeze_time(due):
        assert report.is_overdue is False
    assert sent(due, django_capture_on_commit_callbacks) == 0
    assert (notices(report), len(mail.outbox)) == ([], 0)

    with freeze_time(due + DAY):
        assert report.is_overdue is True
    assert sent(due + DAY, django_capture_on_commit_callbacks) == 2
    assert notices(report) == [
        ("producer", expected(report)),
        ("ta_provider", expected(report, "fr")),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "producer@example.org",
        "ta_provider@example.org",
    ]
    # Worded when read: the same reminder in Spanish once the TA provider switches.
    world.ta.preferred_language = "es"
    world.ta.save(update_fields=["preferred_language"])
    with translation.override("es"):
        start, end, due_on = (
            date_format(d, "DATE_FORMAT")
            for d in (report.period_start, report.period_end, report.due_on)
        )
    assert notices(report)[1] == (
        "ta_provider",
        f"{report.alliance.code}: el informe de seguimiento del {start} al {end} debía "
        f"presentarse el {due_on}.",
    )
    # Both lead to the report itself, in the app and in the e-mail.
    link = f"/monitoring/reports/{report.pk}/"
    assert all(f"{settings.SITE_URL.rstrip('/')}{link}" in m.body for m in mail.outbox)
    client.force_login(world.producer)
    assert f'href="{link}"' in client.get(reverse("notifications")).content.decode()
    report.refresh_from_db()
    assert report.reminded_on == due + DAY

    # Twice the same day: nothing more.
    assert sent(due + DAY, django_capture_on_commit_callbacks) == 0
    assert (len(notices(report)), len(mail.outbox)) == (2, 2)

    # The next day, again.
    assert sent(due + 2 * DAY, django_capture_on_commit_callbacks) == 2
    assert (len(notices(report)), len(mail.outbox)) == (4, 4)
    report.refresh_from_db()
    assert report.reminded_on == due + 2 * DAY


def test_e_mail_respects_the_opt_out(world, plan, django_capture_on_commit_callbacks):
    world.ta.email_notifications = False
    world.ta.save(update_fields=["email_notifications"])
    report = first_report(plan)
    assert sent(report.due_on + DAY, django_capture_on_commit_callbacks) == 2
    assert [m.to for m in mail.outbox] == [["producer@example.org"]]
    assert mail.outbox[0].body.count(expected(report)) == 1


def test_submitted_and_accepted_reports_are_never_reminded(
    world, plan, django_capture_on_commit_callbacks
):
    report = first_report(plan)
    fill_report(report, by=world.producer)
    report_submit(report=report, by=world.producer)
    assert sent(report.due_on + DAY, django_capture_on_commit_callbacks) == 0
    report_accept(report=report, by=world.me_officer)
    assert sent(report.due_on + 2 * DAY, django_capture_on_commit_callbacks) == 0
    report.refresh_from_db()
    assert (report.status, report.reminded_on, notices(report)) == ("accepted", None, [])


def test_a_completed_alliance_is_not_reminded_a_suspended_one_is(
    world, django_capture_on_commit_callbacks
):
    completed = world.build(PlanStatus.COMPLETED)
    suspended = world.build(PlanStatus.SUSPENDED, org=world.org_b)
    done, paused = first_report(completed), first_report(suspended)
    assert (done.status, paused.status) == ("due", "due")
    assert sent(done.due_on + DAY, django_capture_on_commit_callbacks) == 1
    assert notices(done) == []
    assert notices(paused) == [("producer_b", expected(paused))]


def test_the_daily_task_reminds_as_of_today(world, plan, django_capture_on_commit_callbacks):
    report = first_report(plan)
    with freeze_time(report.due_on + DAY), django_capture_on_commit_callbacks(execute=True):
        assert send_overdue_reminders.delay().get() == 2
        assert send_overdue_reminders.delay().get() == 0
    assert len(notices(report)) == 2
