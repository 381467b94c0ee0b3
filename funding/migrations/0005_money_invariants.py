"""The money rules of §4, held by PostgreSQL as well as by funding/services.py.

- A tranche is never paid more than its amount, nor a commitment more than its amount
  (payments minus reversals); a reversal reverses a payment of the same tranche, for
  the same amount.
- The commitments of a programme (net of released amounts) never exceed its budget,
  including when a funder's contribution is lowered or removed.
- At commit, the tranches of a commitment add up exactly to it (a deferred check, so
  that a schedule is written in several statements).

Row triggers raise `restrict_violation`; PostgreSQL only (SQLite, the first-look
database, keeps the application-level rules alone).
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION funding_payment_within_amounts() RETURNS trigger AS $$
DECLARE
    v_tranche_amount numeric;
    v_tranche_paid numeric;
    v_commitment bigint;
    v_commitment_amount numeric;
    v_commitment_paid numeric;
    original funding_payment%ROWTYPE;
BEGIN
    IF NEW.kind = 'reversal' THEN
        SELECT * INTO original FROM funding_payment WHERE id = NEW.reverses_id;
        IF original.kind <> 'payment' OR original.tranche_id <> NEW.tranche_id
           OR original.amount <> NEW.amount THEN
            RAISE EXCEPTION 'A reversal must reverse a payment of the same tranche, for its amount.'
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    SELECT t.amount, t.commitment_id INTO v_tranche_amount, v_commitment
        FROM funding_tranche t WHERE t.id = NEW.tranche_id;
    SELECT COALESCE(SUM(CASE WHEN kind = 'reversal' THEN -amount ELSE amount END), 0)
        INTO v_tranche_paid FROM funding_payment WHERE tranche_id = NEW.tranche_id;
    IF v_tranche_paid > v_tranche_amount THEN
        RAISE EXCEPTION 'Tranche % would be paid % for an amount of %.',
            NEW.tranche_id, v_tranche_paid, v_tranche_amount USING ERRCODE = 'restrict_violation';
    END IF;
    SELECT c.amount INTO v_commitment_amount FROM funding_grantcommitment c
        WHERE c.id = v_commitment;
    SELECT COALESCE(SUM(CASE WHEN p.kind = 'reversal' THEN -p.amount ELSE p.amount END), 0)
        INTO v_commitment_paid
        FROM funding_payment p JOIN funding_tranche t ON t.id = p.tranche_id
        WHERE t.commitment_id = v_commitment;
    IF v_commitment_paid > v_commitment_amount THEN
        RAISE EXCEPTION 'Commitment % would be paid % for an amount of %.',
            v_commitment, v_commitment_paid, v_commitment_amount
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER funding_payment_within_amounts
    AFTER INSERT ON funding_payment
    FOR EACH ROW EXECUTE FUNCTION funding_payment_within_amounts();

CREATE FUNCTION funding_program_within_budget(program bigint) RETURNS void AS $$
DECLARE
    v_budget numeric;
    v_committed numeric;
BEGIN
    SELECT COALESCE(SUM(amount), 0) INTO v_budget
        FROM funding_programfunding WHERE program_id = program;
    SELECT COALESCE(SUM(amount - released_amount), 0) INTO v_committed
        FROM funding_grantcommitment WHERE program_id = program;
    IF v_committed > v_budget THEN
        RAISE EXCEPTION 'Programme % would commit % of a budget of %.',
            program, v_committed, v_budget USING ERRCODE = 'restrict_violation';
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION funding_commitment_within_budget() RETURNS trigger AS $$
BEGIN
    PERFORM funding_program_within_budget(NEW.program_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER funding_commitment_within_budget
    AFTER INSERT OR UPDATE ON funding_grantcommitment
    FOR EACH ROW EXECUTE FUNCTION funding_commitment_within_budget();

CREATE FUNCTION funding_budget_covers_commitments() RETURNS trigger AS $$
BEGIN
    PERFORM funding_program_within_budget(OLD.program_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER funding_budget_covers_commitments
    AFTER UPDATE OR DELETE ON funding_programfunding
    FOR EACH ROW EXECUTE FUNCTION funding_budget_covers_commitments();

CREATE FUNCTION funding_tranches_sum_to_commitment() RETURNS trigger AS $$
DECLARE
    v_scheduled numeric;
    v_committed numeric;
BEGIN
    SELECT COALESCE(SUM(amount), 0) INTO v_scheduled
        FROM funding_tranche WHERE commitment_id = NEW.commitment_id;
    SELECT amount INTO v_committed FROM funding_grantcommitment WHERE id = NEW.commitment_id;
    IF v_scheduled <> v_committed THEN
        RAISE EXCEPTION 'The tranches of commitment % add up to %, not %.',
            NEW.commitment_id, v_scheduled, v_committed USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER funding_tranches_sum_to_commitment
    AFTER INSERT OR UPDATE OF amount ON funding_tranche
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION funding_tranches_sum_to_commitment();
"""

DROP = """
DROP TRIGGER IF EXISTS funding_tranches_sum_to_commitment ON funding_tranche;
DROP FUNCTION IF EXISTS funding_tranches_sum_to_commitment();
DROP TRIGGER IF EXISTS funding_budget_covers_commitments ON funding_programfunding;
DROP FUNCTION IF EXISTS funding_budget_covers_commitments();
DROP TRIGGER IF EXISTS funding_commitment_within_budget ON funding_grantcommitment;
DROP FUNCTION IF EXISTS funding_commitment_within_budget();
DROP FUNCTION IF EXISTS funding_program_within_budget(bigint);
DROP TRIGGER IF EXISTS funding_payment_within_amounts ON funding_payment;
DROP FUNCTION IF EXISTS funding_payment_within_amounts();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("funding", "0004_payment_immutable")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
