"""A plan's history page says each change in words, in the reader's language: the record
by its name ("Version 2", "Tranche 1"), its fields by their labels, choices and states
by their labels, steps by their names; never "None", "app.Model", a field's or a step's
code."""

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from core import labels
from funding.models import Tranche
from tests.journeys import every_step

# Plans built here keep their audit history: the tests read it.
pytestmark = [pytest.mark.django_db, pytest.mark.audited]


def visible_text(content: str) -> str:
    main = content.split("<main", 1)[-1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def history(client, plan, language) -> tuple[str, list]:
    """Every page of the plan's history: the text the reader sees (the personas' user
    names, some written with underscores, taken out) and the rows."""
    text, rows, page = [], [], 1
    while True:
        response = client.get(
            reverse("plan-history", args=[plan.pk]), {"page": page}, HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 200
        text.append(visible_text(response.content.decode()))
        rows += response.context["rows"]
        if not response.context["page"].has_next():
            break
        page += 1
    joined = " ".join(text)
    for username in get_user_model().objects.values_list("username", flat=True):
        if "_" in username:
            joined = re.sub(rf"\b{re.escape(username)}\b", "USER", joined)
    return joined, rows


CODES = (
    re.compile(r"\bNone\b"),
    re.compile(r"\b[a-z]+\.[A-Z][A-Za-z]+\b"),  # app.Model
    re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),  # snake_case: field names, steps, states
    re.compile(r"\b(create|update|delete)\b"),  # auditlog's untranslated actions
)

ENGLISH = (
    "Plan version: Version 2",
    "Tranche: Tranche 1 Tranche paid Status Authorized → Paid",
    "Tranche: Tranche 1 Payment reversed Status Paid → Authorized Wrong bank account",
    "Delivery recorded Status — → Recorded",
    "Monitoring report returned Status Submitted → Returned Attendance sheets missing",
    "Business plan Resume Status Suspended → Active",
    "Purchase agreement Agreement sent to the buyer Status Draft → Sent to the buyer",
    "Screening check: The organization is legally registered. Created",
    "Passed — → Yes",
    "Payment: Payment · PAY-",
    "Amount — → XOF",
)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_history_says_each_change_in_words(client, world, language):
    plan = every_step(world)
    client.force_login(world.officer)

    text, rows = history(client, plan, language)

    assert [m.group(0) for pattern in CODES for m in pattern.finditer(text)] == []
    with translation.override(language):
        status = capfirst(Tranche._meta.get_field("status").verbose_name)
        said = {
            translation.gettext("Version %(number)s") % {"number": 2},
            translation.gettext("Tranche %(number)s") % {"number": 1},
            labels.step_label("funding.Tranche", "tranche_pay"),
            labels.state_change("funding.Tranche", "authorized", "paid"),
            labels.step_label("alliances.Delivery", "delivery_record"),
            labels.step_label("plans.BusinessPlan", "resume"),
        }
    assert [s for s in said if s not in text] == []
    if language == "en":
        assert [s for s in ENGLISH if s not in text] == []
        return
    # What happened and each status, in the reader's language: no code, no English.
    shown = [row.action for row in rows] + [
        value
        for row in rows
        for change in row.changes
        if change.label == status
        for value in (change.before, change.after)
    ]
    assert len(shown) > 50
    codes, english = set(), set()
    for machine in labels.machines():
        codes |= {*machine.states, *machine.steps}
        with translation.override("en"):
            english |= {str(t) for t in (*machine.states.values(), *machine.steps.values())}
    assert sorted({s for s in shown if s in codes | english}) == []
