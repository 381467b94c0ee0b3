"""Installations as an operator makes them, for the tests of the migrations and of the
backups: `manage.py` in a subprocess, against a PostgreSQL database of the test's own on
the suite's server (DATABASE_URL), never pytest-django's test database.

`manage.py migrate` on an empty database is the slowest command the tests run (some
6 s of CPU: Django renders the models' state after each of the migrations' operations).
`migrated_copy` gives each test that needs a database so made a copy of one made once
per test run (`CREATE DATABASE … TEMPLATE`): the first test process that asks makes it,
the others wait for it, under a lock of the run's own. The run's first process
(`pytest_configure` in tests/conftest.py: the controller of pytest-xdist's workers, or
the only process) names the run and drops the database when the run ends
(`pytest_sessionfinish`).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg2
from psycopg2 import sql

BASE_DIR = Path(__file__).resolve().parent.parent
# The server of the suite (`make test`'s default), reached as DATABASE_URL says.
SERVER = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alliances"))
ON_POSTGRESQL = SERVER.scheme in {"postgres", "postgresql", "pgsql"}
# Set by the run's first process, inherited by pytest-xdist's workers.
RUN = "ALLIANCES_TEST_RUN"


def name_the_run() -> None:
    """Called by the run's first process before any worker starts."""
    os.environ.setdefault(RUN, f"{os.getpid()}_{secrets.token_hex(3)}")


def database_url(database: str) -> str:
    return SERVER._replace(path=f"/{database}").geturl()


@contextmanager
def cursor_on(database: str) -> Iterator:
    """A cursor in autocommit on `database` of the suite's server."""
    connection = psycopg2.connect(
        host=SERVER.hostname,
        port=SERVER.port or 5432,
        user=unquote(SERVER.username or ""),
        password=unquote(SERVER.password or ""),
        dbname=database,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def manage_env(database: str, **settings: str) -> dict[str, str]:
    """The environment of `manage.py` for an installation on `database` (a URL): the
    suite's own, without its broker and cache, in DEBUG, with `settings` added."""
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "CACHE_URL"}}
    env.update(DATABASE_URL=database, DEBUG="1", **settings)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.Popen:
    """`python manage.py *args`, started (several can run side by side); `finished` or
    `succeeded` waits for it."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen) -> subprocess.CompletedProcess:
    """The command once it has ended: its exit code and what it wrote."""
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def ok(result: subprocess.CompletedProcess) -> str:
    """What a command that succeeded wrote; a failure shows what it wrote on stderr."""
    assert result.returncode == 0, f"{' '.join(result.args[1:])}:\n{result.stderr}"
    return result.stdout


def succeeded(*processes: subprocess.Popen) -> None:
    for process in processes:
        ok(finished(process))


# The set-up's migrate: without the system checks (0.8 s of CPU a run), which are the
# deployment tests' subject.
MIGRATE = ("migrate", "--noinput", "-v", "0", "--skip-checks")


def create_database(name: str, *, template: str | None = None) -> None:
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with cursor_on("postgres") as cursor:
        cursor.execute(statement)


def drop_database(name: str) -> None:
    with cursor_on("postgres") as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _migrated_name() -> str:
    return f"alliances_migrated_{os.environ[RUN]}"


def _lock_path() -> Path:
    return Path(tempfile.gettempdir()) / f"{_migrated_name()}.lock"


@contextmanager
def _run_lock() -> Iterator[None]:
    """A lock held by one test process of the run at a time."""
    with _lock_path().open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _migrated() -> str:
    """The run's database made by `manage.py migrate` from nothing, made if need be;
    nobody connects to it (a template must have no session), only copies are used."""
    name = _migrated_name()
    with cursor_on("postgres") as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            return name
    # Made under another name and renamed when whole: a failed migrate leaves nothing
    # that a later test would take for the migrated database.
    making = f"{name}_making"
    drop_database(making)
    create_database(making)
    try:
        succeeded(manage(*MIGRATE, env=manage_env(database_url(making))))
        with cursor_on("postgres") as cursor:
            cursor.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(making), sql.Identifier(name)
                )
            )
    finally:
        drop_database(making)
    return name


@contextmanager
def migrated_copy(prefix: str) -> Iterator[str]:
    """A new database (its name starts with `prefix`) as `manage.py migrate` leaves an
    empty one; dropped at the end."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    with _run_lock():
        create_database(name, template=_migrated())
    try:
        yield name
    finally:
        drop_database(name)


def drop_the_runs_database() -> None:
    """Called by the run's first process when the run ends."""
    lock = _lock_path()
    if lock.exists():  # a test asked for a migrated database
        drop_database(_migrated_name())
        lock.unlink()
