"""An accepted monitoring report is a record (§8): the database refuses to change it, its
values, or to delete a report that was ever sent.

The services already refuse this; the triggers make the rule hold for anything else that
reaches the database (a shell, a script, a bug). Values are written at acceptance in the
same transaction, before the status changes, so the services pass. PostgreSQL only:
SQLite (the first-look database) keeps the application-level rule alone.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION monitoring_report_locked() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.status <> 'due' THEN
        RAISE EXCEPTION 'Monitoring report % was sent: it is never deleted.', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'accepted' THEN
        RAISE EXCEPTION 'Monitoring report % is accepted: it is locked.', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER monitoring_report_locked
    BEFORE UPDATE OR DELETE ON monitoring_monitoringreport
    FOR EACH ROW EXECUTE FUNCTION monitoring_report_locked();

CREATE FUNCTION monitoring_value_locked() RETURNS trigger AS $$
DECLARE
    report_id bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        report_id := OLD.report_id;
    ELSE
        report_id := NEW.report_id;
    END IF;
    IF EXISTS (
        SELECT 1 FROM monitoring_monitoringreport
        WHERE id = report_id AND status = 'accepted'
    ) OR (TG_OP = 'UPDATE' AND EXISTS (
        SELECT 1 FROM monitoring_monitoringreport
        WHERE id = OLD.report_id AND status = 'accepted'
    )) THEN
        RAISE EXCEPTION 'Monitoring report % is accepted: its values are locked.', report_id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER monitoring_value_locked
    BEFORE INSERT OR UPDATE OR DELETE ON monitoring_indicatorvalue
    FOR EACH ROW EXECUTE FUNCTION monitoring_value_locked();
"""

DROP = """
DROP TRIGGER IF EXISTS monitoring_value_locked ON monitoring_indicatorvalue;
DROP FUNCTION IF EXISTS monitoring_value_locked();
DROP TRIGGER IF EXISTS monitoring_report_locked ON monitoring_monitoringreport;
DROP FUNCTION IF EXISTS monitoring_report_locked();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the SQL goes to the server as written (its % stays).
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0003_standard_indicators")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
