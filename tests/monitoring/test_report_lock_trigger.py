"""PostgreSQL keeps accepted monitoring reports locked too (monitoring migration 0004)."""

import importlib

import pytest
from django.db import IntegrityError, connection, transaction

from monitoring.models import IndicatorValue, MonitoringReport
from monitoring.services import report_accept, report_submit
from plans.models import PlanStatus
from tests.factories import fill_report

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"
)


@pytest.fixture
def lock_triggers(db):
    """Installed with the migration's own code, inside the test's transaction (rolled
    back afterwards): the suite builds its database without running migrations."""
    migration = importlib.import_module("monitoring.migrations.0004_accepted_reports_locked")
    with connection.schema_editor() as schema_editor:
        migration._run(migration.CREATE)(None, schema_editor)


def refused(write, match):
    with pytest.raises(IntegrityError, match=match), transaction.atomic():
        write()


def test_accepted_reports_and_their_values_cannot_be_changed(world, lock_triggers):
    plan = world.build(PlanStatus.ACTIVE)
    report, second = plan.alliance.monitoring_reports.order_by("period_start")[:2]
    fill_report(report, by=world.producer)
    report_submit(report=report, by=world.producer)
    # The services pass: acceptance writes the computed values before the status.
    report_accept(report=report, by=world.me_officer)
    assert report.values.count() == 9
    jobs = report.values.get(indicator__code="jobs")
    refused(lambda: IndicatorValue.objects.filter(pk=jobs.pk).update(value=99), "locked")
    refused(lambda: IndicatorValue.objects.filter(pk=jobs.pk).delete(), "locked")
    refused(
        lambda: IndicatorValue.objects.create(report=report, indicator=jobs.indicator, value=1),
        "locked",
    )
    refused(
        lambda: MonitoringReport.objects.filter(pk=report.pk).update(status="returned"),
        "locked",
    )
    # Django deletes the values first (refused), the database the report itself.
    refused(lambda: MonitoringReport.objects.filter(pk=report.pk).delete(), "locked")

    def delete_row():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM monitoring_monitoringreport WHERE id = %s", [report.pk])

    refused(delete_row, "never deleted")
    report.refresh_from_db()
    assert (report.status, report.values.get(indicator__code="jobs").value) == ("accepted", 10)
    # A report not sent yet may still be dropped (the end of an alliance's life).
    MonitoringReport.objects.filter(pk=second.pk).delete()
    assert not MonitoringReport.objects.filter(pk=second.pk).exists()
