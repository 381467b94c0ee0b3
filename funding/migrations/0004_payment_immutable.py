"""A payment is never edited nor deleted (§4): the database refuses it too.

The admin and the services already never change a payment row; this trigger makes the
rule hold for anything else that reaches the database (a shell, a script, a bug). A
correction is a reversal row. PostgreSQL only: SQLite (the first-look database) keeps the
application-level rule alone.

TRUNCATE (used by the test suite to empty tables) fires no row trigger.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION funding_payment_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'A payment is never edited or deleted (payment %); record a reversal.',
        OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER funding_payment_immutable
    BEFORE UPDATE OR DELETE ON funding_payment
    FOR EACH ROW EXECUTE FUNCTION funding_payment_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS funding_payment_immutable ON funding_payment;
DROP FUNCTION IF EXISTS funding_payment_immutable();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the SQL goes to the server as written (its % stays).
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0003_program_two_factor_required"),
    ]

    operations = [
        migrations.RunPython(_run(CREATE), _run(DROP), elidable=False),
    ]
