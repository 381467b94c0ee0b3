"""load_demo gives every demo user with notifications a few unread ones and sends none."""

import re

from django.core import mail
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import translation

from accounts.models import Notification
from demo.notifications import UNREAD_PER_USER


def test_demo_notifications_some_read_none_emailed(db, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    per_user = Notification.objects.values("recipient__username").annotate(
        total=Count("id"), unread=Count("id", filter=Q(read_at__isnull=True))
    )
    assert {row["recipient__username"] for row in per_user} >= {
        "producer",
        "producer_b",
        "officer",
        "regional_officer",
        "committee",
        "finance",
    }
    for row in per_user:
        assert row["unread"] == min(row["total"], UNREAD_PER_USER), row
    assert Notification.objects.filter(read_at__isnull=False).count() > 0
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert mail.outbox == []
    # Each transition's people were told: one notification per recipient and event.
    assert Notification.objects.filter(transition_log__isnull=True).count() == 0
    # Each says its step with both states, or the one of a step that creates its record;
    # never an empty state, never a code, in any language.
    notices = list(Notification.objects.select_related("alliance", "transition_log"))
    for language in ("en", "fr", "es"):
        with translation.override(language):
            wrong = [n.text for n in notices if re.search(r"\( →|→ \)|\b[a-z]+_[a-z_]+\b", n.text)]
        assert wrong == []
