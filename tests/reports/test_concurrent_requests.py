"""Identical report requests sent at the same moment, from several connections (as from
several web processes) on real PostgreSQL, make one job (§9)."""

from __future__ import annotations

import pytest

from plans.models import PlanStatus
from reports import services
from reports.models import ReportJob, ReportKind
from tests.plans.test_concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_identical_requests_at_once_make_one_job(world, monkeypatch):
    plan = world.build(PlanStatus.ACTIVE)
    monkeypatch.setattr(services, "enqueue", lambda job_id: None)  # the job stays queued
    jobs: list[int] = []

    def ask(_i: int) -> None:
        job = services.report_request(
            kind=ReportKind.ALLIANCE_FACTSHEET_PDF,
            parameters={"alliance": plan.alliance_id},
            by=type(world.producer).objects.get(pk=world.producer.pk),
        )
        jobs.append(job.pk)

    outcomes = race(8, ask)
    assert outcomes == [("ok",)] * 8
    assert ReportJob.objects.count() == 1
    assert set(jobs) == {ReportJob.objects.get().pk}


def test_a_finished_request_can_be_asked_again(world, monkeypatch):
    plan = world.build(PlanStatus.ACTIVE)
    monkeypatch.setattr(services, "enqueue", lambda job_id: None)
    params = {"alliance": plan.alliance_id}
    first = services.report_request(
        kind=ReportKind.ALLIANCE_FACTSHEET_PDF, parameters=params, by=world.producer
    )
    ReportJob.objects.filter(pk=first.pk).update(status=ReportJob.Status.FAILED)
    again = services.report_request(
        kind=ReportKind.ALLIANCE_FACTSHEET_PDF, parameters=params, by=world.producer
    )
    assert again.pk != first.pk
    assert ReportJob.objects.count() == 2
