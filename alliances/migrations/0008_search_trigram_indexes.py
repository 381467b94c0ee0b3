"""Trigram indexes for the plan list's search box (issue 17), PostgreSQL only.

The search (`plans.selectors.search_plans`) looks for the typed text anywhere in the
alliance's code and name, the producer organization's name and the buyer's name,
ignoring case: Django writes `UPPER(column::text) LIKE UPPER('%text%')`, which no B-tree
index serves. A GIN index of pg_trgm's `gin_trgm_ops` on that same `UPPER(column)` does,
for any text of three characters or more. (Written in SQL: Django's `GinIndex` takes
`opclasses` for plain columns only, and an operator class on an expression, `OpClass`,
needs `django.contrib.postgres` among the installed apps.)

PostgreSQL only: SQLite (the first-look database) has no such index and searches by
scanning. The indexes are not in the models' state (their `Meta.indexes`) on purpose: a
later migration that rebuilds one of these tables on SQLite would otherwise try to create
them there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (table, column, index name)
SEARCHED = [
    ("alliances_alliance", "code", "alliance_code_trgm"),
    ("alliances_alliance", "name", "alliance_name_trgm"),
    ("alliances_producerorganization", "name", "organization_name_trgm"),
    ("alliances_buyer", "name", "buyer_name_trgm"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    q = schema_editor.quote_name
    for table, column, name in SEARCHED:
        # The expression exactly as Django's icontains writes it, so the planner matches it.
        schema_editor.execute(
            f"CREATE INDEX {q(name)} ON {q(table)} USING gin ((UPPER({q(column)})) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, _column, name in SEARCHED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class CreateTrigramExtension(TrigramExtension):
    """`CREATE EXTENSION pg_trgm`. Django's does nothing forwards on other databases, but
    asks PostgreSQL's catalogue backwards: skipped there too."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("alliances", "0007_list_indexes"),
    ]

    operations = [
        CreateTrigramExtension(),
        migrations.RunPython(create, drop, elidable=False),
    ]
