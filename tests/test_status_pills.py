"""Status pills: a state on a page is named by the label registry (core/labels.py) in the
reader's language, through the `labels` template library, and its pill takes the tone
registered next to the label (`tone-neutral`, `-info`, `-success`, `-warning`,
`-danger`), coloured by static/css/app.css with a readable contrast."""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import translation

from core import labels
from plans.models import BusinessPlan, PlanStatus
from tests.factories import pay_tranche

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
CSS = ROOT / "static" / "css" / "app.css"

# Pills that show something other than a state, so have no registered tone (the plain,
# neutral `.status` look): a revolving-fund entry's kind and an inactive member.
NOT_STATES = {
    "monitoring/revolving_fund.html": ["entry.get_kind_display"],
    "alliances/organization_detail.html": ['translate "Inactive"'],
}


def page(client, user, url, language="fr") -> str:
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def pills(content: str) -> list[tuple[set[str], str]]:
    """(classes, text) of every status pill of a page."""
    return [
        (set(classes.split()), " ".join(text.split()))
        for classes, text in re.findall(
            r'<span class="(status\b[^"]*)"[^>]*>(.*?)</span>', content, re.S
        )
    ]


@pytest.mark.django_db
def test_a_french_page_names_the_state_from_the_registry_with_its_tone(client, world):
    plan = world.build(PlanStatus.ACTIVE)
    with translation.override("fr"):
        active = labels.state_label(BusinessPlan, "active")
        planned = labels.state_label("funding.Tranche", "planned")
        confirmed = labels.state_label("funding.PurchaseAgreement", "confirmed")
    assert active != "Active"  # the French catalogue is compiled

    detail = pills(page(client, world.producer, reverse("plan-detail", args=[plan.pk])))
    assert ({"status", "status-active", "tone-success"}, active) in detail

    plans = pills(page(client, world.officer, reverse("plan-list")))
    assert ({"status", "status-active", "tone-success"}, active) in plans

    money = pills(page(client, world.producer, reverse("plan-disbursement", args=[plan.pk])))
    assert ({"status", "tranche-planned", "tone-neutral"}, planned) in money

    agreements = pills(page(client, world.officer, reverse("agreement-list")))
    assert ({"status", "agreement-confirmed", "tone-success"}, confirmed) in agreements


@pytest.mark.django_db
def test_a_paid_tranche_and_a_plan_waiting_for_revision(client, world):
    plan = world.build(PlanStatus.ACTIVE)
    tranche = plan.commitment.tranches.get(number=1)
    pay_tranche(world, tranche, producer=world.producer, reference="PAY-1")
    returned = world.build(PlanStatus.REVISION_REQUESTED, org=world.org_b)
    with translation.override("es"):
        paid = labels.state_label("funding.Tranche", "paid")
        revision = labels.state_label(BusinessPlan, "revision_requested")
    money = pills(page(client, world.producer, reverse("plan-disbursement", args=[plan.pk]), "es"))
    assert ({"status", "tranche-paid", "tone-success"}, paid) in money
    header = pills(page(client, world.producer_b, reverse("plan-detail", args=[returned.pk]), "es"))
    assert ({"status", "status-revision_requested", "tone-warning"}, revision) in header


def test_no_template_shows_a_state_with_get_status_display():
    used = sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.*")
        if "get_status_display" in path.read_text(encoding="utf-8")
    )
    assert used == []


def test_every_pill_of_a_state_has_its_registered_tone():
    wrong = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(
            r'<span class="status\b(?P<classes>[^"]*)"[^>]*>(?P<text>.*?)</span>', source, re.S
        ):
            classes, text = match["classes"], match["text"]
            if any(marker in text for marker in NOT_STATES.get(name, ())):
                continue
            if "tone-" not in classes or ("state_label" in text and "|state_tone" not in classes):
                wrong.append((name, match[0][:120]))
            if "_display" in text:
                wrong.append((name, match[0][:120]))
    assert wrong == []


def test_every_state_has_a_tone():
    missing = []
    for machine in labels.machines():
        assert set(machine.tones) <= set(machine.states), machine.model
        missing += [(machine.model, code) for code in machine.states if code not in machine.tones]
        assert set(machine.tones.values()) <= set(labels.TONES), machine.model
    assert missing == []
    assert labels.state_tone(BusinessPlan, "rejected") == labels.DANGER
    assert labels.state_tone("reports.ReportJob", "running") == labels.INFO


def test_a_tone_is_registered_once_and_from_the_list():
    with pytest.raises(ValueError, match="tones must be one of"):
        labels.register("tests.Nothing", tones={"on": "green"})
    with pytest.raises(ValueError, match="registered twice"):
        labels.register(BusinessPlan, tones={"draft": labels.DANGER})
    labels.register(BusinessPlan, tones={"draft": labels.NEUTRAL})  # the same: no change


def test_an_untoned_state_is_a_bug_like_an_unlabelled_one(settings, caplog):
    settings.LABELS_STRICT = True
    with pytest.raises(labels.UnknownCode):
        labels.state_tone(BusinessPlan, "archived")
    settings.LABELS_STRICT = False
    with caplog.at_level(logging.ERROR, logger="core.labels"):
        assert labels.state_tone(BusinessPlan, "archived") == labels.NEUTRAL
    assert caplog.messages == ["plans.BusinessPlan: no tone for the state 'archived'"]


@pytest.mark.django_db
def test_the_filters_take_an_object_or_a_code_and_its_model(world):
    plan = world.build(PlanStatus.DRAFT)
    template = Template(
        "{% load labels %}{{ plan|state_label }}|{{ plan|state_tone }}|"
        "{{ code|state_label:'monitoring.MonitoringReport' }}|"
        "{{ code|state_tone:'monitoring.MonitoringReport' }}|{{ none|state_label }}"
    )
    with translation.override("fr"):
        said = template.render(Context({"plan": plan, "code": "returned", "none": None}))
        expected = [
            labels.state_label(BusinessPlan, "draft"),
            "neutral",
            labels.state_label("monitoring.MonitoringReport", "returned"),
            "warning",
            "",
        ]
    assert said.split("|") == expected
    with pytest.raises(TemplateSyntaxError):
        Template("{% load labels %}{{ code|state_label }}").render(Context({"code": "draft"}))


# --- the colours ----------------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_every_tone_has_colours_with_a_readable_contrast():
    css = CSS.read_text(encoding="utf-8")
    colours = {
        tone: (fg, bg)
        for tone, fg, bg in re.findall(
            r"\.status\.tone-(\w+) \{ color: (#[0-9a-f]{6}); background: (#[0-9a-f]{6}); \}", css
        )
    }
    assert set(colours) == set(labels.TONES)
    ratios = {tone: round(contrast(fg, bg), 2) for tone, (fg, bg) in colours.items()}
    assert {tone: r for tone, r in ratios.items() if r < 4.5} == {}, ratios
    assert len({bg for _fg, bg in colours.values()}) == len(colours)  # five distinct pills
