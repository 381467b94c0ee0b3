"""A report is written in its job's language, figures included (core/formats.py): the
committee dossier in French has grouped amounts with their ISO code and decimal commas,
never a decimal point."""

import re

import pytest

from plans.models import PlanStatus
from reports.models import ReportKind
from reports.services import report_request

from .support import pdf_text

pytestmark = pytest.mark.django_db


def dossier_text(world, plan, language: str, capture) -> str:
    with capture(execute=True):
        job = report_request(
            kind=ReportKind.COMMITTEE_DOSSIER_PDF,
            parameters={"plan": plan.pk},
            by=world.officer,
            language=language,
        )
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return pdf_text(job.file.path)


def test_the_french_committee_dossier_has_no_decimal_point(
    world, django_capture_on_commit_callbacks
):
    plan = world.build(PlanStatus.COMMITTEE)
    text = dossier_text(world, plan, "fr", django_capture_on_commit_callbacks)
    assert re.findall(r"\d\.\d", text) == []
    assert re.findall(r"\d{5,}", text) == []
    # (pdf_text reads no-break spaces as spaces.)
    for shown in (
        "Maize sheller 1 20 000 000 XOF 20 000 000 XOF 14 000 000 XOF",  # quantity 1
        "Valeur actuelle nette (VAN) -8 976 119 XOF",
        "Taux de rentabilité interne (TRI) -2,5 %",
        "0,73",
        "Subvention 14 000 000 XOF (70 %)",
        "Marché 2 8 / 10",  # weight 2, score 8 out of 10
    ):
        assert shown in text, shown


def test_the_english_committee_dossier(world, django_capture_on_commit_callbacks):
    plan = world.build(PlanStatus.COMMITTEE)
    text = dossier_text(world, plan, "en", django_capture_on_commit_callbacks)
    for shown in (
        "Maize sheller 1 XOF 20,000,000 XOF 20,000,000 XOF 14,000,000",
        "Net present value -XOF 8,976,119",
        "Internal rate of return -2.5%",
        "Benefit-cost ratio 0.73",
        "Grant XOF 14,000,000 (70%)",
        "Market 2 8 / 10",
        "Weighted score (0-100) 80 80",
        "Plan score: 80 (threshold 60; 2 of 2 appraisals complete).",
    ):
        assert shown in text, shown
    assert "a.m." not in text and "p.m." not in text
