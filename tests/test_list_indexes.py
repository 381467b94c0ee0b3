"""Indexes for every sort and filter the lists and the API offer, and trigram indexes for
the search box (issue 17).

The suite's database is built from the models (no migrations): the B-tree indexes are
checked there, and `tests/test_project.py` checks that the migrations say the same. The
migrations themselves run here as an operator runs them, `manage.py migrate` in a
subprocess, on a new PostgreSQL database (the trigram indexes, which only a migration
makes, are there; a copy of the run's migrated database, tests/installations.py) and on
a new SQLite file (where they are skipped), then backwards.
"""

import importlib
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Q

from alliances.models import Buyer, ProducerOrganization
from plans.models import BusinessPlan
from plans.selectors import search_plans
from tests.factories import RegionFactory
from tests.installations import (
    MIGRATE,
    ON_POSTGRESQL,
    cursor_on,
    database_url,
    manage,
    manage_env,
    migrated_copy,
    succeeded,
)

pytestmark = pytest.mark.heavy

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_indexes and pg_trgm are PostgreSQL's"
)

# (table, index name, indexed columns) of the lists' sorts and filters.
BTREE = [
    ("plans_businessplan", "plan_updated_idx", "(updated_at, id)"),  # home, lists, updated_since
    ("plans_businessplan", "plan_created_idx", "(created_at)"),
    ("plans_appraisalassignment", "appraisal_assigned_idx", "(assigned_at, id)"),
    ("plans_appraisalassignment", "appraisal_recommendation_idx", "(recommendation)"),
    ("alliances_producerorganization", "organization_name_idx", "(name, id)"),
    ("alliances_producerorganization", "organization_created_idx", "(created_at)"),
    ("alliances_producerorganization", "organization_legal_form_idx", "(legal_form)"),
    ("alliances_buyer", "buyer_name_idx", "(name, id)"),
    ("alliances_buyer", "buyer_kind_idx", "(kind)"),
    ("alliances_buyer", "buyer_country_idx", "(country)"),
    ("alliances_alliance", "alliance_name_idx", "(name)"),
    ("alliances_alliance", "alliance_created_idx", "(created_at)"),
    ("alliances_delivery", "delivery_delivered_idx", "(delivered_on, id)"),
    ("alliances_delivery", "delivery_updated_idx", "(updated_at)"),
    ("alliances_purchaseagreement", "agreement_updated_idx", "(updated_at, id)"),
    ("alliances_purchaseagreement", "agreement_created_idx", "(created_at)"),
    ("funding_tranche", "tranche_planned_idx", "(planned_date, id)"),
    ("funding_payment", "payment_recorded_idx", "(recorded_at, id)"),
    ("funding_payment", "payment_paid_on_idx", "(paid_on, id)"),
    ("funding_payment", "payment_kind_idx", "(kind)"),
    ("monitoring_monitoringreport", "report_period_idx", "(period_start, id)"),
    ("monitoring_monitoringreport", "report_board_idx", "(status, due_on, id)"),
    ("accounts_notification", "notification_recent_idx", "(recipient_id, created_at, id)"),
]
TRIGRAM = [
    ("alliances_alliance", "alliance_code_trgm", "gin (upper((code)::text) gin_trgm_ops)"),
    ("alliances_alliance", "alliance_name_trgm", "gin (upper((name)::text) gin_trgm_ops)"),
    (
        "alliances_producerorganization",
        "organization_name_trgm",
        "gin (upper((name)::text) gin_trgm_ops)",
    ),
    ("alliances_buyer", "buyer_name_trgm", "gin (upper((name)::text) gin_trgm_ops)"),
    (  # the organizations list's search (issue 18)
        "alliances_producerorganization",
        "organization_registration_trgm",
        "gin (upper((registration_number)::text) gin_trgm_ops)",
    ),
]


def definitions(cursor) -> dict[str, tuple[str, str]]:
    cursor.execute(
        "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'"
    )
    return {name: (table, definition) for name, table, definition in cursor.fetchall()}


def expected_btree() -> dict[str, tuple[str, str]]:
    return {
        name: (table, f"CREATE INDEX {name} ON public.{table} USING btree {columns}")
        for table, name, columns in BTREE
    }


def expected_trigram() -> dict[str, tuple[str, str]]:
    return {
        name: (table, f"CREATE INDEX {name} ON public.{table} USING {how}")
        for table, name, how in TRIGRAM
    }


@on_postgresql
def test_every_list_sort_and_filter_has_its_index(db):
    with connection.cursor() as cursor:
        indexes = definitions(cursor)
    assert {name: indexes.get(name) for name in expected_btree()} == expected_btree()


@on_postgresql
def test_search_is_answered_from_the_trigram_indexes(db):
    """The migration's own code, run in the test's transaction (rolled back after)."""
    # Enough organizations and buyers that reading a whole index costs more than the
    # trigram one; the planner is then told not to scan tables, to see what it can use.
    region = RegionFactory()
    ProducerOrganization.objects.bulk_create(
        ProducerOrganization(name=f"Union {i}", region=region) for i in range(2000)
    )
    Buyer.objects.bulk_create(Buyer(name=f"Buyer {i}", country="BJ") for i in range(2000))
    migrations = [
        importlib.import_module(f"alliances.migrations.{name}")
        for name in ("0008_search_trigram_indexes", "0009_organization_registration_trigram")
    ]
    with connection.schema_editor() as schema_editor:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: may index
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for migration in migrations:
            migration.create(None, schema_editor)
    with connection.cursor() as cursor:
        indexes = definitions(cursor)
        cursor.execute("ANALYZE alliances_producerorganization, alliances_buyer")
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert {name: indexes.get(name) for name in expected_trigram()} == expected_trigram()
    plan = search_plans(BusinessPlan.objects.all(), "kandi").explain()
    # The organizations list's search box (alliances.views.organization_list).
    plan += ProducerOrganization.objects.filter(
        Q(name__icontains="kandi") | Q(registration_number__icontains="kandi")
    ).explain()
    for name in expected_trigram():
        assert f"Bitmap Index Scan on {name}" in plan, plan


# --- the migrations, as an operator runs them --------------------------------------------


def migrate(database_url: str, *args: str) -> subprocess.Popen:
    return manage(*MIGRATE, *args, env=manage_env(database_url))


def sqlite_indexes(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    return {name for (name,) in rows}


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the migrations run on the suite's PostgreSQL")
def test_migrations_make_the_indexes_on_postgresql_and_skip_trigrams_on_sqlite(tmp_path):
    sqlite = f"sqlite:///{tmp_path / 'first-look.sqlite3'}"
    sqlite_migrating = migrate(sqlite)  # beside the PostgreSQL one, if that is not made yet
    with migrated_copy("alliances_i17_migrate") as scratch:
        succeeded(sqlite_migrating)
        postgresql = database_url(scratch)
        with cursor_on(scratch) as cursor:
            indexes = definitions(cursor)
            cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
            assert cursor.fetchall() == [("pg_trgm",)]
        expected = {**expected_btree(), **expected_trigram()}
        assert {name: indexes.get(name) for name in expected} == expected
        on_sqlite = sqlite_indexes(tmp_path / "first-look.sqlite3")
        assert {name for _table, name, _columns in BTREE} <= on_sqlite
        assert not {name for _table, name, _how in TRIGRAM} & on_sqlite

        # Backwards: the trigram indexes go (and the extension); SQLite has nothing to undo.
        succeeded(migrate(postgresql, "alliances", "0007"), migrate(sqlite, "alliances", "0007"))
        with cursor_on(scratch) as cursor:
            indexes = definitions(cursor)
            cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
            assert cursor.fetchall() == []
    assert not expected_trigram().keys() & indexes.keys()
    # monitoring 0008 onwards depend on alliances 0009: going back takes them, and the
    # board's index (monitoring 0009), with it; every other B-tree index stays.
    assert expected_btree().keys() - {"report_board_idx"} <= indexes.keys()


@on_postgresql
@pytest.mark.django_db
def test_the_planner_prices_random_reads_for_ssd_storage(settings):
    """The app's connections ask the planner to price a random page read at
    PG_RANDOM_PAGE_COST (1.1), so that one buyer's or one region's rows are found through
    their indexes instead of by reading whole tables."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
    assert settings.PG_RANDOM_PAGE_COST == "1.1"
