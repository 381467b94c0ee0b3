import importlib

import pytest
from django.db import IntegrityError, connection, transaction

from plans.models import PlanStatus, TransitionLog


@pytest.fixture
def log_trigger(db):
    """The trigger of plans' migration 0004, installed with the migration's own code (the
    suite builds its database without migrations; the test's transaction rolls it back)."""
    migration = importlib.import_module("plans.migrations.0004_transition_log_append_only")
    with connection.schema_editor() as schema_editor:
        migration._run(migration.CREATE)(None, schema_editor)


def test_database_refuses_to_change_or_delete_a_log_entry(world, log_trigger):
    plan = world.build(PlanStatus.SUBMITTED)
    entry = TransitionLog.objects.get(object_id=plan.pk, transition="submit")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        TransitionLog.objects.filter(pk=entry.pk).update(comment="rewritten")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        TransitionLog.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.comment == ""
    # New entries are still written.
    world.build(PlanStatus.SCREENING)
