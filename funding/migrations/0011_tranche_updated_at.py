"""Tranches get `updated_at` (moved by every save and step), indexed for the API's
`updated_since`. A tranche already moved takes the time of its last step or payment; one
never moved keeps the migration's time (a change an integrator reads once)."""

from django.conf import settings
from django.db import migrations, models

LAST_CHANGE = {
    "postgresql": """
        UPDATE funding_tranche AS t SET updated_at = GREATEST(
            t.requested_at, t.verified_at, t.authorized_at,
            (SELECT MAX(p.recorded_at) FROM funding_payment p WHERE p.tranche_id = t.id))
        WHERE t.requested_at IS NOT NULL
           OR EXISTS (SELECT 1 FROM funding_payment p WHERE p.tranche_id = t.id)
    """,
    "sqlite": """
        UPDATE funding_tranche SET updated_at = MAX(
            COALESCE(requested_at, ''), COALESCE(verified_at, ''),
            COALESCE(authorized_at, ''),
            COALESCE((SELECT MAX(p.recorded_at) FROM funding_payment p
                      WHERE p.tranche_id = funding_tranche.id), ''))
        WHERE requested_at IS NOT NULL
           OR EXISTS (SELECT 1 FROM funding_payment p WHERE p.tranche_id = funding_tranche.id)
    """,
}


def last_change(apps, schema_editor):
    sql = LAST_CHANGE.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0010_list_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="tranche",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.RunPython(last_change, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="tranche",
            index=models.Index(fields=["updated_at", "id"], name="tranche_updated_idx"),
        ),
    ]
