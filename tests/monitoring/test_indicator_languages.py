"""Indicator names and units are data in English, French and Spanish (CONVENTIONS rule
15): each reader sees their language, English where a translation is empty, and the admin
edits the three side by side."""

import html
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from monitoring.catalogue import STANDARD_INDICATORS
from monitoring.models import Indicator
from plans.models import PlanStatus


@pytest.fixture
def plan(world):
    return world.build(PlanStatus.ACTIVE)


def page_in(client, user, language: str, url: str) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language
    return response.content.decode()


def row_heading(page: str, code: str) -> str:
    """The text of an indicator's row heading on the indicators page."""
    found = re.search(rf'<tr id="indicator-{code}">\s*<th scope="row">(.*?)</th>', page, re.S)
    assert found, code
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def test_the_indicators_page_shows_the_readers_language(client, world, plan):
    url = reverse("monitoring:indicators", args=[plan.pk])
    english = page_in(client, world.producer, "en", url)
    french = page_in(client, world.producer, "fr", url)
    spanish = page_in(client, world.producer, "es", url)
    shown = {
        language: [row_heading(page, code) for code in ("yield", "members_trained", "jobs")]
        for language, page in (("en", english), ("fr", french), ("es", spanish))
    }
    assert shown == {
        "en": ["Yield (t/ha)", "Members trained (people)", "Jobs created (jobs)"],
        "fr": ["Rendement (t/ha)", "Membres formés (personnes)", "Emplois créés (emplois)"],
        "es": [
            "Rendimiento (t/ha)",
            "Miembros capacitados (personas)",
            "Empleos creados (empleos)",
        ],
    }
    assert "Members trained" not in french
    assert "Members trained" not in spanish


def test_english_is_shown_where_a_translation_is_empty(client, world, plan):
    Indicator.objects.filter(code="yield").update(name_fr=None, unit_fr="")
    Indicator.objects.filter(code="jobs").update(name_fr="")
    url = reverse("monitoring:indicators", args=[plan.pk])
    french = page_in(client, world.producer, "fr", url)
    assert [row_heading(french, code) for code in ("yield", "jobs", "members")] == [
        "Yield (t/ha)",
        "Jobs created (emplois)",
        "Membres de l'organisation (personnes)",
    ]


def test_every_standard_indicator_is_seeded_in_the_three_languages(world):
    seeded = {
        i.code: (i.name_en, i.name_fr, i.name_es, i.unit_en, i.unit_fr, i.unit_es)
        for i in Indicator.objects.all()
    }
    assert seeded == {
        code: (name["en"], name["fr"], name["es"], unit["en"], unit["fr"], unit["es"])
        for code, name, unit, *_rest in STANDARD_INDICATORS
    }
    assert all(all(row[:3]) for row in seeded.values())  # no empty name
    with translation.override("es"):
        assert Indicator.objects.get(code="members").label == "Miembros de la organización"


def test_the_report_form_labels_its_boxes_in_the_readers_language(client, world, plan):
    report = plan.alliance.monitoring_reports.order_by("period_start").first()
    client.force_login(world.producer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    form = client.get(reverse("monitoring:report", args=[report.pk])).context["values_form"]
    assert str(form.fields["jobs-value"].label) == "Emplois créés (emplois)"
    assert str(form.fields["jobs-women"].label).startswith("Emplois créés")


def test_the_admin_edits_the_three_languages_side_by_side(admin_client, world):
    jobs = Indicator.objects.get(code="jobs")
    url = reverse("admin:monitoring_indicator_change", args=[jobs.pk])
    page = admin_client.get(url).content.decode()
    # One row of the form holds the English, French and Spanish names, in that order.
    assert 'class="form-row field-name_en field-name_fr field-name_es"' in page
    assert 'class="form-row field-unit_en field-unit_fr field-unit_es"' in page
    labels = re.findall(r'<label[^>]*for="id_name_(en|fr|es)"[^>]*>([^<]*)</label>', page)
    assert labels == [("en", "Name [en]:"), ("fr", "Name [fr]:"), ("es", "Name [es]:")]
    assert 'name="name"' not in page  # no fourth, language-less name

    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data |= {"name_en": "Jobs created", "name_fr": "Emplois nouveaux", "name_es": ""}
    for flag in ("is_money", "by_sex", "by_youth", "active"):
        if not data.get(flag):
            data.pop(flag, None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    jobs.refresh_from_db()
    assert (jobs.name_en, jobs.name_fr, jobs.name_es) == ("Jobs created", "Emplois nouveaux", None)
    with translation.override("es"):
        assert jobs.label == "Jobs created"  # no Spanish name: the English one


def test_the_admin_requires_the_english_name(admin_client, world):
    jobs = Indicator.objects.get(code="jobs")
    url = reverse("admin:monitoring_indicator_change", args=[jobs.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data |= {"name_en": "", "name_fr": "Emplois"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["name_en"]
    jobs.refresh_from_db()
    assert (jobs.name_en, jobs.name_fr) == ("Jobs created", "Emplois créés")
