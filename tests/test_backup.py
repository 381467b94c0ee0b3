"""Backups (README "Backups"): `backup` then `restore` into an empty installation gives
the same rows in every table and the same files, on PostgreSQL (and on SQLite).

The commands run as an operator runs them, in `manage.py` subprocesses, against two
databases of this module's own on the test server (tests/installations.py), with their
own media and backup folders. The source is a migrated installation (a copy of the run's
migrated database) seeded with a portfolio of 40 alliances (`seed_portfolio`: every
workflow table, and plan documents on disk) plus a few files of our own.
"""

import hashlib
import secrets
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg2 import sql

from tests import installations
from tests.installations import (
    ON_POSTGRESQL,
    create_database,
    cursor_on,
    database_url,
    drop_database,
    finished,
    manage_env,
    migrated_copy,
    ok,
)

pytestmark = pytest.mark.heavy

# Files of our own beside the seed's: a nested name with a space and an accent, arbitrary
# bytes, and an empty file.
EXTRA_FILES = {
    "documents/backup test/note été.txt": "Sauvegardé puis restauré.\n".encode(),
    "documents/backup test/random.bin": secrets.token_bytes(70_000),
    "documents/backup test/empty.txt": b"",
}


def manage(*args: str, database: str, media: Path, backups: Path) -> subprocess.CompletedProcess:
    """`python manage.py *args` on this database, media folder and backup folder."""
    env = manage_env(
        database,
        PRIVATE_MEDIA_ROOT=str(media),
        BACKUP_DIR=str(backups),
        CELERY_TASK_ALWAYS_EAGER="1",
        EMAIL_URL="consolemail://",
    )
    return finished(installations.manage(*args, env=env))


def files_in(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


@dataclass
class Installation:
    database: str
    media: Path
    backups: Path

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return manage(
            *args, database=database_url(self.database), media=self.media, backups=self.backups
        )

    def ok(self, *args: str) -> str:
        return ok(self.manage(*args))

    def tables(self) -> dict[str, tuple[int, str]]:
        """Every table: its row count and an md5 of its rows in order."""
        with cursor_on(self.database) as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
            names = sorted(name for (name,) in cursor.fetchall())
            rows = {}
            for name in names:
                cursor.execute(
                    sql.SQL(
                        "SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"
                        " FROM {} t"
                    ).format(sql.Identifier(name))
                )
                rows[name] = cursor.fetchone()
            return rows

    def sequences(self) -> dict[str, int | None]:
        """Where each sequence stands, so that new rows get new ids after a restore."""
        with cursor_on(self.database) as cursor:
            cursor.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            )
            return dict(cursor.fetchall())

    def files(self) -> dict[str, str]:
        return files_in(self.media)

    def state(self) -> tuple:
        return self.tables(), self.sequences(), self.files()


@pytest.fixture(scope="module")
def backed_up(tmp_path_factory):
    """A seeded installation, its backup, and an empty installation reading the same
    backup folder; dropped at the end."""
    if not ON_POSTGRESQL:
        pytest.skip("the round trip runs on PostgreSQL (DATABASE_URL)")
    root = tmp_path_factory.mktemp("backup")
    with migrated_copy("alliances_bk_src") as migrated:
        source = Installation(migrated, root / "src-media", root / "backups")
        target = Installation(
            f"alliances_bk_dst_{secrets.token_hex(4)}", root / "dst-media", root / "backups"
        )
        create_database(target.database)
        try:
            # Set-up, not the subject: without the system checks (0.8 s of CPU a command).
            source.ok("seed_portfolio", "--alliances", "40", "--skip-checks")
            for name, content in EXTRA_FILES.items():
                (source.media / name).parent.mkdir(parents=True, exist_ok=True)
                (source.media / name).write_bytes(content)
            output = source.ok("backup")
            yield source, target, source.state(), output
        finally:
            drop_database(target.database)


def backup_name(backups: Path) -> str:
    (database_file,) = backups.glob("alliances-*-db.psql.bin")
    return database_file.name.removeprefix("alliances-").removesuffix("-db.psql.bin")


def test_backup_writes_the_database_and_the_media_under_one_name(backed_up):
    source, _, _, output = backed_up
    name = backup_name(source.backups)
    assert sorted(path.name for path in source.backups.iterdir()) == [
        f"alliances-{name}-db.psql.bin",
        f"alliances-{name}-db.psql.bin.metadata",
        f"alliances-{name}-media.tar.gz",
    ]
    assert output.startswith(f"Backup {name} written to {source.backups}:\n")
    assert f"python manage.py restore --name {name}\n" in output
    # They hold personal data: readable by their owner only.
    assert {path.stat().st_mode & 0o777 for path in source.backups.iterdir()} == {0o600}


def test_restore_into_an_empty_installation_gives_the_same_rows_and_files(backed_up):
    source, target, backed_up_state, _ = backed_up
    tables, sequences, files = backed_up_state
    # The yardstick is not empty: the seed fills the workflow's tables and writes files.
    for table in ("accounts_user", "plans_businessplan", "funding_payment", "alliances_delivery"):
        assert tables[table][0] > 0, table
    assert EXTRA_FILES.keys() < files.keys()
    assert any(name.startswith("plans/") for name in files)

    output = target.ok("restore", "--noinput")

    name = backup_name(source.backups)
    assert output.startswith(f"Backup {name} restored: the database {target.database} from ")
    assert target.tables() == tables
    assert target.sequences() == sequences
    assert target.files() == files


def test_restore_refuses_a_database_with_tables_and_changes_nothing(backed_up):
    source, _, backed_up_state, _ = backed_up
    before = source.state()

    result = source.manage("restore", "--noinput")

    assert result.returncode == 1
    assert result.stderr == (
        "CommandError: This installation is not empty, so nothing was restored: the database "
        f"{source.database} has {len(before[0])} tables and the media folder {source.media} "
        f"holds {len(before[2])} files. Restore into a new, empty database (not migrated) and "
        "an empty media folder, or give --force-overwrite to replace what is there.\n"
    )
    assert source.state() == before == backed_up_state


def test_restore_force_overwrite_puts_back_the_backed_up_rows_and_files(backed_up):
    source, _, backed_up_state, _ = backed_up
    with cursor_on(source.database) as cursor:
        cursor.execute("UPDATE accounts_user SET first_name = 'Changed'")
        cursor.execute("DELETE FROM django_session")
        cursor.execute("INSERT INTO django_session VALUES ('k', 'd', now())")
    (source.media / "documents/backup test/random.bin").write_bytes(b"changed")
    assert source.state() != backed_up_state

    source.ok("restore", "--noinput", "--force-overwrite")

    assert source.state() == backed_up_state


def test_restore_without_a_backup_says_so_and_changes_nothing(backed_up, tmp_path):
    _, target, _, _ = backed_up
    empty = Installation(target.database, target.media, tmp_path / "no-backups")
    before = empty.state()

    result = empty.manage("restore", "--noinput")

    assert result.returncode == 1
    assert result.stderr == (
        f"CommandError: There is no backup in {empty.backups} (BACKUP_DIR): make one with "
        "`python manage.py backup`, or copy both files of one into that folder.\n"
    )
    assert empty.state() == before


def test_restore_of_an_unknown_name_lists_the_backups(backed_up):
    source, target, _, _ = backed_up
    before = target.state()

    result = target.manage("restore", "--noinput", "--name", "2001-01-01-000000")

    assert result.returncode == 1
    assert result.stderr == (
        f"CommandError: There is no backup named 2001-01-01-000000 in {source.backups}. "
        f"Backups: {backup_name(source.backups)}.\n"
    )
    assert target.state() == before


def test_sqlite_round_trip(tmp_path):
    """The embedded default backs up and restores too (the database file, whole)."""
    source, target = tmp_path / "source.sqlite3", tmp_path / "target.sqlite3"
    rows = [(1, "Coopérative A"), (2, "it's quoted"), (3, None)]
    with closing(sqlite3.connect(source)) as database:
        database.execute("CREATE TABLE parties (id integer PRIMARY KEY, name text)")
        database.executemany("INSERT INTO parties VALUES (?, ?)", rows)
        database.commit()
    for name, content in EXTRA_FILES.items():
        (tmp_path / "src-media" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src-media" / name).write_bytes(content)
    backups = tmp_path / "backups"

    ok(
        manage(
            "backup", database=f"sqlite:///{source}", media=tmp_path / "src-media", backups=backups
        )
    )
    ok(
        manage(
            "restore",
            "--noinput",
            database=f"sqlite:///{target}",
            media=tmp_path / "dst-media",
            backups=backups,
        )
    )

    with closing(sqlite3.connect(target)) as database:
        assert database.execute("SELECT * FROM parties ORDER BY id").fetchall() == rows
    assert files_in(tmp_path / "dst-media") == files_in(tmp_path / "src-media")
