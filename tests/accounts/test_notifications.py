"""Notifications: the in-app list (newest first, paginated, mark as read), the unread
count in the navigation, and the e-mail sent for each one (once, in the recipient's
language, to those who have not opted out)."""

import smtplib
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

import accounts.emails
from accounts.models import Notification, Role
from accounts.notifications import (
    alliance_path,
    notification_mark_read,
    notifications_mark_all_read,
    notify,
    unread_count,
)
from accounts.tasks import notify_transition, send_notification_email
from plans import services
from plans.models import PlanStatus, TransitionLog
from tests.factories import UserFactory, member_of


def notices(world, user, count, plan=None):
    alliance = (plan or world.build(PlanStatus.DRAFT)).alliance
    return [
        Notification.objects.create(recipient=user, alliance=alliance, message=f"Notice {i}")
        for i in range(count)
    ]


def unread(user):
    return sorted(
        Notification.objects.filter(recipient=user, read_at__isnull=True).values_list(
            "message", flat=True
        )
    )


def test_the_unread_count_is_kept_and_forgotten_when_it_changes(world, settings):
    # Every page's header shows it: kept as the task counts are (issue 17).
    settings.TASK_COUNTS_CACHE_SECONDS = 60
    cache.clear()
    user = world.producer
    first, _second = notices(world, user, 2)
    assert unread_count(user) == 2
    with CaptureQueriesContext(connection) as captured:
        assert unread_count(user) == 2
    assert len(captured) == 0  # from the cache
    notices(world, user, 1)  # a new notification
    assert unread_count(user) == 3
    notification_mark_read(notification_id=first.pk, user=user)
    assert unread_count(user) == 2
    notifications_mark_all_read(user=user)
    assert unread_count(user) == 0
    cache.clear()


# --- the list page -----------------------------------------------------------------------


def test_list_shows_the_users_notifications_newest_first(client, world):
    plan = world.build(PlanStatus.DRAFT)
    notices(world, world.producer, 3, plan)
    notices(world, world.producer_b, 1, plan)
    client.force_login(world.producer)
    response = client.get(reverse("notifications"))
    assert response.status_code == 200
    assert [n.message for n in response.context["page"].object_list] == [
        "Notice 2",
        "Notice 1",
        "Notice 0",
    ]
    body = response.content.decode()
    assert f'href="{alliance_path(plan.alliance)}">Notice 2</a>' in body
    # The navigation counts the unread ones.
    assert (
        f'<a href="{reverse("notifications")}">Notifications <span class="badge">3</span>' in body
    )


def test_list_is_paginated(client, world):
    notices(world, world.producer, 30)
    client.force_login(world.producer)
    first = client.get(reverse("notifications"))
    assert len(first.context["page"].object_list) == 25
    second = client.get(reverse("notifications"), {"page": 2})
    assert [n.message for n in second.context["page"].object_list] == [
        "Notice 4",
        "Notice 3",
        "Notice 2",
        "Notice 1",
        "Notice 0",
    ]


def test_empty_list(client, world):
    client.force_login(world.outsider)
    response = client.get(reverse("notifications"))
    assert response.status_code == 200
    assert "You have no notifications yet." in response.content.decode()
    assert 'class="badge">' not in response.content.decode().split("Notifications")[1][:40]


@pytest.mark.parametrize("count", [2, 50])
def test_list_query_count(client, world, count, django_assert_num_queries):
    notices(world, world.producer, count)
    client.force_login(world.producer)
    # user, memberships with their regions (the policy's scope, one query), count, page
    # (with alliance and plan); navigation: my tasks (all the producer's counts in one
    # query), unread notifications. Was 8 before the session came from the cache and the
    # regions with the memberships (issue 17).
    with django_assert_num_queries(QUERIES_NOTIFICATIONS):
        response = client.get(reverse("notifications"))
    assert len(response.context["page"].object_list) == min(count, 25)


QUERIES_NOTIFICATIONS = 6


def test_mark_one_as_read(client, world):
    first, second = notices(world, world.producer, 2)
    client.force_login(world.producer)
    response = client.post(reverse("notification-read", args=[first.pk]), {"page": "1"})
    assert response.status_code == 302
    assert response.url == reverse("notifications") + "?page=1"
    assert unread(world.producer) == ["Notice 1"]
    # Again: nothing changes, no error.
    read_at = Notification.objects.get(pk=first.pk).read_at
    assert client.post(reverse("notification-read", args=[first.pk])).status_code == 302
    assert Notification.objects.get(pk=first.pk).read_at == read_at


def test_mark_as_read_is_a_post(client, world):
    (notice,) = notices(world, world.producer, 1)
    client.force_login(world.producer)
    assert client.get(reverse("notification-read", args=[notice.pk])).status_code == 405
    assert unread(world.producer) == ["Notice 0"]


def test_another_users_notification_is_not_found(client, world):
    (theirs,) = notices(world, world.producer_b, 1)
    client.force_login(world.producer)
    assert client.post(reverse("notification-read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification-read", args=[999999])).status_code == 404
    assert unread(world.producer_b) == ["Notice 0"]


def test_mark_all_as_read(client, world):
    notices(world, world.producer, 3)
    notices(world, world.producer_b, 1)
    client.force_login(world.producer)
    response = client.post(reverse("notifications-read-all"))
    assert response.status_code == 302
    assert unread(world.producer) == []
    assert unread(world.producer_b) == ["Notice 0"]


# --- e-mail ------------------------------------------------------------------------------


@pytest.fixture
def recipients(world):
    """Who hears of a submission by the TA provider: national officers and the producer.
    One officer reads Spanish, the producer French; another officer opted out."""
    world.officer.email_notifications = False
    world.officer.save()
    world.producer.preferred_language = "fr"
    world.producer.save()
    officer_es = member_of(
        UserFactory(username="officer_es", preferred_language="es"), Role.PROGRAMME_OFFICER
    )
    return officer_es


@pytest.fixture
def languages(monkeypatch):
    """The active language whenever a notification e-mail is rendered."""
    seen = []
    render = accounts.emails.render_to_string

    def recording(template_name, context=None, *args, **kwargs):
        seen.append((context["user"].username, template_name, translation.get_language()))
        return render(template_name, context, *args, **kwargs)

    monkeypatch.setattr(accounts.emails, "render_to_string", recording)
    return seen


def submit_by_ta(world, django_capture_on_commit_callbacks):
    plan = world.build(PlanStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_submit(plan=plan, by=world.ta)
    return plan


def test_transition_emails_each_recipient_who_wants_it_in_their_language(
    world, recipients, languages, django_capture_on_commit_callbacks
):
    plan = submit_by_ta(world, django_capture_on_commit_callbacks)
    notified = Notification.objects.filter(alliance=plan.alliance)
    assert sorted(notified.values_list("recipient__username", flat=True)) == [
        "officer",
        "officer_es",
        "producer",
    ]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "officer_es@example.org",
        "producer@example.org",
    ]
    assert sorted(languages) == [
        ("officer_es", "accounts/email/notification_body.txt", "es"),
        ("officer_es", "accounts/email/notification_subject.txt", "es"),
        ("producer", "accounts/email/notification_body.txt", "fr"),
        ("producer", "accounts/email/notification_subject.txt", "fr"),
    ]
    assert sorted(
        notified.filter(emailed_at__isnull=False).values_list("recipient__username", flat=True)
    ) == [
        "officer_es",
        "producer",
    ]

    email = next(m for m in mail.outbox if m.to == ["producer@example.org"])
    notice = notified.get(recipient=world.producer)
    with translation.override("fr"):
        site_name = translation.gettext("Productive alliances")
        text = notice.text
    assert text == f"{plan.alliance.code}\xa0: Soumettre (Brouillon → Soumis)"
    assert email.subject == f"[{site_name}] {text}"
    assert text in email.body
    assert f"{settings.SITE_URL}{alliance_path(plan.alliance)}" in email.body
    assert f"{settings.SITE_URL}{reverse('profile')}" in email.body
    assert email.from_email == settings.DEFAULT_FROM_EMAIL


def test_no_email_twice_when_the_tasks_run_again(
    world, recipients, django_capture_on_commit_callbacks
):
    plan = submit_by_ta(world, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    log = TransitionLog.objects.get(alliance=plan.alliance, transition="submit")
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_transition(log.pk) == 0
    for notice in Notification.objects.filter(alliance=plan.alliance):
        assert send_notification_email(notice.pk) is False
    assert len(mail.outbox) == 2


def test_the_task_sends_a_notification_once(world):
    (notice,) = notices(world, world.producer, 1)
    assert send_notification_email(notice.pk) is True
    assert send_notification_email(notice.pk) is False
    assert [m.to for m in mail.outbox] == [["producer@example.org"]]
    notice.refresh_from_db()
    assert notice.emailed_at is not None


@pytest.mark.parametrize(
    "change",
    [{"email_notifications": False}, {"email": ""}, {"is_active": False}],
)
def test_no_email_to_users_who_opted_out_or_cannot_receive_it(world, change):
    (notice,) = notices(world, world.producer, 1)
    for name, value in change.items():
        setattr(world.producer, name, value)
    world.producer.save()
    assert send_notification_email(notice.pk) is False
    assert mail.outbox == []
    notice.refresh_from_db()
    assert notice.emailed_at is None


def test_a_missing_notification_sends_nothing(db):
    assert send_notification_email(987654) is False
    assert mail.outbox == []


def test_a_failed_send_is_left_for_the_retry(world, monkeypatch):
    (notice,) = notices(world, world.producer, 1)

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        accounts.emails.deliver_notification(notice.pk)
    notice.refresh_from_db()
    assert notice.emailed_at is None

    monkeypatch.undo()
    assert accounts.emails.deliver_notification(notice.pk) is True
    assert len(mail.outbox) == 1


def test_the_email_task_survives_restarts_and_retries_smtp_errors():
    task = send_notification_email
    assert task.acks_late is True
    assert smtplib.SMTPException in task.autoretry_for
    assert OSError in task.autoretry_for  # refused connections, time-outs
    assert (task.retry_backoff, task.max_retries) == (30, 8)


@pytest.mark.urls("tests.accounts.urls_plan_detail")
def test_link_goes_to_the_plan_page_when_there_is_one(world):
    plan = world.build(PlanStatus.DRAFT)
    assert alliance_path(plan.alliance) == f"/plans/{plan.pk}/"


@pytest.mark.urls("tests.accounts.urls_home_only")
def test_link_falls_back_to_the_home_page(world):
    plan = world.build(PlanStatus.DRAFT)
    assert alliance_path(plan.alliance) == "/"


def _submitted_log(world):
    plan = world.build(PlanStatus.DRAFT)
    with mock.patch("accounts.notifications.notify", return_value=[]):  # told below
        services.plan_submit(plan=plan, by=world.producer)
    return TransitionLog.objects.get(alliance=plan.alliance, transition="submit")


def test_telling_more_people_of_a_step_takes_no_more_queries(world):
    """A step's notices: who acts next, each one's scope and the notices themselves are
    read and written set-wise, however many officers the programme has (issue 17)."""

    def told(log) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            created = notify(log)
        return len(created), len(captured)

    few = told(_submitted_log(world))
    for i in range(6):
        member_of(UserFactory(username=f"officer_{i}"), Role.PROGRAMME_OFFICER)
    many = told(_submitted_log(world))
    assert (few[0], many[0]) == (1, 7)  # the officers (the producer took the step)
    assert many[1] == few[1]


def test_a_step_told_twice_at_once_gives_each_person_one_notice(world):
    """Two runs of the same step's notices at the same moment (the step's own and its
    task's): the second finds the first's rows as it inserts, and tells nobody twice."""
    log = _submitted_log(world)
    first = notify(log)
    already = {notice.recipient_id for notice in first}
    with mock.patch.object(
        Notification.objects, "filter", wraps=Notification.objects.filter
    ) as filtered:
        filtered.return_value.values_list.return_value = []  # it has not seen them yet
        assert notify(log) == []
    assert sorted(
        Notification.objects.filter(transition_log=log).values_list("recipient_id", flat=True)
    ) == sorted(already)
