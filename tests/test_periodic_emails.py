"""The e-mails the schedules send (config/settings.py CELERY_BEAT_SCHEDULE) are written in
their recipient's language: the monthly portfolio report for a funder
(`reports.tasks.send_monthly_funder_reports`) and the daily reminder of an overdue
monitoring report (`monitoring.tasks.send_overdue_reminders`). In Spanish: no English
interface word, no code of a state or step, dates written the Spanish way."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format
from freezegun import freeze_time

from core import labels
from monitoring.tasks import send_overdue_reminders
from plans.models import PlanStatus
from reports.models import ReportJob
from reports.tasks import send_monthly_funder_reports
from tests.reports.support import xlsx_rows
from tests.test_page_languages import ENGLISH

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
# Words of English the e-mails could only hold if a text were not translated (besides
# those of the pages' test): greetings, links and report words.
ENGLISH_IN_MAILS = ENGLISH | {
    "hello", "dear", "open", "here", "kept", "until", "ready", "could", "made", "link",
    "receive", "because", "turn", "off", "profile", "notifications", "monitoring",
    "summary", "portfolio", "alliances", "you", "can", "see", "due", "on", "productive",
}  # fmt: skip


def english_words(text: str) -> list[str]:
    text = re.sub(r"https?://\S+", " ", text)  # links are addresses, not words
    return sorted({w for w in re.findall(r"[^\W\d_]+", text) if w.lower() in ENGLISH_IN_MAILS})


def codes_in(text: str) -> list[str]:
    codes = {code for m in labels.machines() for code in (*m.states, *m.steps)}
    found = {c for c in codes if re.search(rf"(?<![\w/-]){re.escape(c)}(?![\w/-])", text)}
    return sorted(found | set(re.findall(r"\b[a-z]+_[a-z_]+\b", text)))


def spanish(user) -> None:
    user.preferred_language = "es"
    user.save(update_fields=["preferred_language"])


def test_the_monthly_funder_report_mail_is_in_spanish(world, django_capture_on_commit_callbacks):
    world.build(PlanStatus.ACTIVE)
    spanish(world.funder_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_monthly_funder_reports.delay().get() == 1
    [message] = mail.outbox
    assert message.to == [world.funder_user.email]
    text = f"{message.subject}\n{message.body}"
    assert english_words(text) == []
    assert codes_in(text) == []
    with translation.override("es"):
        title = "Resumen de la cartera (XLSX) · todas las alianzas que usted puede ver"
        kept = date_format(timezone.localdate() + datetime.timedelta(days=30), "DATE_FORMAT")
    assert message.subject == f"Su informe está listo: {title}"
    assert re.match(r"Hola, \w+:\n", message.body), message.body[:40]
    assert kept in message.body
    # And the workbook it links to: stages named in Spanish, never a code.
    job = ReportJob.objects.get(requester=world.funder_user)
    assert (job.language, job.status) == ("es", "succeeded")
    sheets = xlsx_rows(job.file.path)
    cells = [*sheets, *(str(c) for rows in sheets.values() for r in rows for c in r if c)]
    assert codes_in("\n".join(cells)) == []
    with translation.override("es"):
        assert labels.state_label("plans.BusinessPlan", "active") in cells


def test_the_daily_overdue_reminder_mail_is_in_spanish(world, django_capture_on_commit_callbacks):
    plan = world.build(PlanStatus.ACTIVE)
    report = plan.alliance.monitoring_reports.order_by("period_start").first()
    spanish(world.producer)
    world.ta.email_notifications = False
    world.ta.save(update_fields=["email_notifications"])
    with freeze_time(report.due_on + DAY), django_capture_on_commit_callbacks(execute=True):
        assert send_overdue_reminders.delay().get() == 2
    [message] = mail.outbox
    assert message.to == [world.producer.email]
    text = f"{message.subject}\n{message.body}"
    assert english_words(text) == []
    assert codes_in(text) == []
    with translation.override("es"):
        start, end, due = (
            date_format(d, "DATE_FORMAT")
            for d in (report.period_start, report.period_end, report.due_on)
        )
    said = (
        f"{plan.alliance.code}: el informe de seguimiento del {start} al {end} debía "
        f"presentarse el {due}."
    )
    assert said in message.subject and said in message.body
