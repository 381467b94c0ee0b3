"""What the benchmark scripts share: a scratch PostgreSQL database of their own, migrated,
seeded step by step with `manage.py seed_portfolio`, and dropped at the end; commands run
in child processes with production-like settings (DEBUG off, no broker, a fresh secret).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def run(command: list[str], env: dict, *, capture: bool = False) -> str:
    result = subprocess.run(  # noqa: S603 - our own commands
        command, cwd=BASE_DIR, env=env, check=True, text=True, capture_output=capture
    )
    return result.stdout if capture else ""


# The static files' manifest, which pages need when DEBUG is off, collected without
# compressing the files: Brotli takes a minute over them, and no benchmark serves them.
COLLECT_STATIC = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

storages = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
with override_settings(STORAGES=storages):
    call_command("collectstatic", interactive=False, verbosity=0)
"""


def collect_static(env: dict) -> None:
    run([PYTHON, "-c", COLLECT_STATIC], env)


def admin_sql(url: str, statement: str, *, dbname: str = "postgres") -> list[tuple]:
    """Run one statement outside a transaction; the rows it returns, if any."""
    import psycopg2

    parts = urlparse(url)
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=dbname,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
        rows = cursor.fetchall() if cursor.description else []
    connection.close()
    return rows


def _database_name(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        sys.exit(f"unexpected database name: {name!r}")
    return name


def _environment(url: str, files: Path) -> dict:
    """Production-like settings for the child processes, files kept under `files`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")
    }
    env.update(
        DATABASE_URL=url,
        DEBUG="0",  # as in production: no query log kept in memory, compiled templates
        SECRET_KEY=secrets.token_urlsafe(50),
        PRIVATE_MEDIA_ROOT=str(files / "private"),
        STATIC_ROOT=str(files / "static"),
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    env.setdefault("CACHE_URL", "locmemcache://")  # required with DEBUG off
    return env


@contextmanager
def scratch_database(url: str, *, keep: bool, prefix: str) -> Iterator[tuple[dict, Path]]:
    """(environment, scratch folder): a new database at `url`, migrated, and a folder for
    private media (`private/`) and collected static files (`static/`). Both are removed
    at the end unless `keep` (the folder always is)."""
    name = _database_name(url)
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    env = _environment(url, scratch)
    admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_sql(url, f'CREATE DATABASE "{name}"')
    try:
        run([PYTHON, "manage.py", "migrate", "--verbosity", "0"], env)
        yield env, scratch
    finally:
        if not keep:
            admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(scratch, ignore_errors=True)


def seed_to(url: str, env: dict, *, size: int, seeded: int) -> float:
    """Seed the scratch database from `seeded` up to `size` alliances, then ANALYZE it (as
    autovacuum would on a live database: right after bulk inserts the planner has no
    statistics and some plans are far slower). Prints and returns the seconds taken."""
    started = time.perf_counter()
    run(
        [
            PYTHON, "manage.py", "seed_portfolio", "--force",
            "--alliances", str(size - seeded), "--seed", str(size),
        ],
        env,
        capture=True,
    )  # fmt: skip
    admin_sql(url, "ANALYZE", dbname=urlparse(url).path.lstrip("/"))
    seconds = time.perf_counter() - started
    print(f"seeded {size:,} alliances ({seconds:.1f} s for this step)", flush=True)
    return seconds


def kept_database(url: str, *, size: int, fresh: bool = False) -> dict:
    """The environment of a benchmark database kept between runs: created and migrated
    when missing (and always migrated, so a run measures the code's indexes), then seeded
    up to `size` alliances if it holds fewer (ANALYZEd after). Its private media and
    collected static files live in a folder of the system's temp folder named after it.
    `fresh` drops it first."""
    name = _database_name(url)
    files = Path(tempfile.gettempdir()) / f"{name}-files"
    if fresh:
        admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(files, ignore_errors=True)
    files.mkdir(exist_ok=True)
    env = _environment(url, files)
    exists = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608 - checked name
    if not admin_sql(url, exists):
        admin_sql(url, f'CREATE DATABASE "{name}"')
    run([PYTHON, "manage.py", "migrate", "--verbosity", "0"], env)
    [(seeded,)] = admin_sql(url, "SELECT count(*) FROM alliances_alliance", dbname=name)
    if seeded < size:
        seed_to(url, env, size=size, seeded=seeded)
    else:
        admin_sql(url, "ANALYZE", dbname=name)
        print(f"reusing {name}: {seeded:,} alliances", flush=True)
    return env
