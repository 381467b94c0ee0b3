"""The transition log is append-only: the database refuses to change or delete a row.

The admin and the API never offer it; this trigger makes the rule hold for anything else
that reaches the database. PostgreSQL only (SQLite, the first-look database, keeps the
application-level rule alone). TRUNCATE, used by the test suite, fires no row trigger.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION plans_transitionlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The transition log is append-only (entry %).', OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER plans_transitionlog_append_only
    BEFORE UPDATE OR DELETE ON plans_transitionlog
    FOR EACH ROW EXECUTE FUNCTION plans_transitionlog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS plans_transitionlog_append_only ON plans_transitionlog;
DROP FUNCTION IF EXISTS plans_transitionlog_append_only();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("plans", "0003_document_evidence")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
