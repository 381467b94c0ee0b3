"""A trigram index for the organizations list's search box (issue 18), PostgreSQL only.

The list finds an organization by its name (index of 0008) or its registration number,
ignoring case (`UPPER(registration_number::text) LIKE UPPER('%text%')`): the same GIN
index of pg_trgm's `gin_trgm_ops` on that expression, skipped on SQLite like 0008's.
"""

from django.db import migrations

NAME = "organization_registration_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    q = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE INDEX {q(NAME)} ON {q('alliances_producerorganization')} "
        f"USING gin ((UPPER({q('registration_number')})) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(NAME)}")


class Migration(migrations.Migration):
    dependencies = [
        ("alliances", "0008_search_trigram_indexes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
