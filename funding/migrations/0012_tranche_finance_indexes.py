"""Partial indexes on the tranches waiting for finance (verified or authorized: a few of
all), in the orders their lists read them: the payments queue (status, planned date) and
the home's "to authorize or pay" (authorized, verified). Issue 17: both read their first
rows from the index instead of sorting every waiting tranche."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0011_tranche_updated_at"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="tranche",
            index=models.Index(
                condition=models.Q(("status__in", ["verified", "authorized"])),
                fields=["status", "planned_date", "id"],
                name="tranche_finance_queue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="tranche",
            index=models.Index(
                condition=models.Q(("status__in", ["verified", "authorized"])),
                fields=["authorized_at", "verified_at", "id"],
                name="tranche_finance_tasks_idx",
            ),
        ),
    ]
