"""Every page a role works from, in French and in Spanish, shows no English interface
text (DESIGN §2). User data (names and titles people typed) is taken out first; what is
left must not hold English words that the interface would have printed.

The catalogues are compiled by `make test` (gettext); without them the pages would be in
English and this test says so."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from monitoring.services import report_schedule_create
from plans.models import PlanStatus
from tests.factories import pay_tranche

pytestmark = pytest.mark.django_db

# Words that are English and neither French nor Spanish ("plan", "date", "budget",
# "tranche", "alliance", "total" are all three: left out).
ENGLISH = {
    "the", "and", "of", "to", "for", "with", "your", "this", "these", "is", "are", "not",
    "by", "from", "has", "have", "was", "were", "will", "must", "may", "which", "who",
    "what", "when", "there", "their", "its", "yet", "none", "all", "any", "each", "only",
    "report", "reports", "payment", "payments", "delivery", "deliveries", "indicator",
    "indicators", "members", "grant", "status", "submitted", "approved", "draft",
    "recorded", "confirmed", "paid", "requested", "verified", "authorized", "overdue",
    "accepted", "returned", "amount", "value", "name", "download", "save", "submit",
    "cancel", "back", "next", "previous", "search", "filter", "sign", "out", "my", "tasks",
    "home",
}  # fmt: skip
# Data the test world typed in English, and words both languages share with English.
USER_DATA = [
    "Maize shelling and storage", "Coop A maize", "Coop B maize", "Coop A", "Coop B",
    "Buyer One", "TA Co", "Maize", "Alibori", "Zou", "Bank statement", "PAY-",
]  # fmt: skip

PERSONAS = [
    "producer", "ta", "buyer_user", "officer", "regional_officer", "appraiser", "committee",
    "finance", "me_officer", "funder_user",
]  # fmt: skip


def visible_text(page: str) -> str:
    page = re.sub(r"(?s)<(script|style|svg)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    page = re.sub(r"<[^>]+>", " ", page)
    text = html.unescape(page)
    for data in USER_DATA:
        text = text.replace(data, " ")
    return text


def english_lines(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        words = re.findall(r"[^\W\d_]+", line)
        if {w for w in words if w.islower() or w.istitle()} & ENGLISH or {
            w.lower() for w in words
        } & {"the", "and", "your", "with", "this"}:
            found.append(line.strip())
    return found


@pytest.fixture(scope="module")
def scene(module_world, django_db_blocker):
    """Built once for the module in its world's transaction (tests/conftest.py
    `module_world`), with the builder's audit history: the pages only read it."""
    with django_db_blocker.unblock():
        return _scene(module_world, module_world.builder.build)


@pytest.fixture
def _private_media():
    """The scene's files stay in the module world's folder (conftest `module_world`)."""


def _scene(world, build):
    plan = build(PlanStatus.ACTIVE)
    pay_tranche(
        world, plan.commitment.tranches.get(number=1), producer=world.producer, reference="PAY-1"
    )
    report_schedule_create(alliance=plan.alliance, start=plan.alliance.created_at.date())
    build(PlanStatus.COMMITTEE)
    return plan


def urls(world, plan) -> list[str]:
    pk = plan.pk
    report = plan.alliance.monitoring_reports.order_by("period_start").first()
    return [
        reverse("home"),
        reverse("plan-list"),
        reverse("plan-detail", args=[pk]),
        reverse("plan-compare", args=[pk]),
        reverse("plan-agreement", args=[pk]),
        reverse("plan-legalization", args=[pk]),
        reverse("plan-disbursement", args=[pk]),
        reverse("plan-history", args=[pk]),
        reverse("monitoring:deliveries", args=[pk]),
        reverse("monitoring:indicators", args=[pk]),
        reverse("monitoring:reports"),
        reverse("monitoring:report", args=[report.pk]),
        reverse("monitoring:dashboard"),
        reverse("agreement-list"),
        reverse("finance-queue"),
        reverse("program-list"),
        reverse("program-ledger", args=[world.program.pk]),
        reverse("alliances:organizations"),
        reverse("alliances:organization", args=[world.org_a.pk]),
        reverse("notifications"),
        reverse("reports:list"),
        reverse("reports:new"),
        reverse("profile"),
    ]


@pytest.mark.parametrize("language", ["fr", "es"])
@pytest.mark.parametrize("who", PERSONAS)
def test_pages_speak_the_users_language(client, world, scene, who, language):
    client.force_login(getattr(world, who))
    client.cookies["django_language"] = language
    seen, english = 0, {}
    for url in urls(world, scene):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code != 200:
            continue  # not this role's page (403/404 are checked elsewhere)
        seen += 1
        lines = english_lines(visible_text(response.content.decode()))
        if lines:
            english[url] = lines[:5]
    assert seen >= 5
    assert english == {}
