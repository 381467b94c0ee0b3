"""The benchmark databases, kept between runs, and the child processes that measure.

One PostgreSQL database per size, `alliances_bench_<size>` (`alliances_bench_10000`):
created and migrated when missing, always migrated again (a run measures the code's
indexes), seeded with `manage.py seed_portfolio` up to the size if it holds fewer
alliances, then vacuumed and ANALYZEd, its summaries rebuilt as the hourly task keeps
them. `--fresh` drops it first. Its private media and collected static files live in
`<temp folder>/alliances_bench_<size>-files/`.

Every measurement runs in a fresh child process (`python -m benchmarks.child`) with
production-like settings: DEBUG off, no broker, a fresh secret, static files collected
with their manifest and gzipped as WhiteNoise serves them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Where the databases live; each size is a database of its own on that server.
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


def database_url(size: int) -> str:
    server = os.environ.get("BENCH_POSTGRES", DEFAULT_SERVER).rstrip("/")
    return f"{server}/alliances_bench_{size}"


def run(command: list[str], env: dict, *, capture: bool = False) -> str:
    result = subprocess.run(  # noqa: S603 - our own commands
        command, cwd=BASE_DIR, env=env, check=False, text=True, capture_output=capture
    )
    if result.returncode:
        if capture:
            sys.stderr.write(result.stderr)
        raise subprocess.CalledProcessError(result.returncode, command[:4])
    return result.stdout if capture else ""


def child(env: dict, function: str, **arguments) -> dict:
    """What `benchmarks.measure.<function>(**arguments)` returns, run in a fresh process."""
    output = run(
        [PYTHON, "-m", "benchmarks.child", function, json.dumps(arguments)], env, capture=True
    )
    return json.loads(output.strip().splitlines()[-1])


# The static files' manifest, which pages need when DEBUG is off, collected without
# Brotli (a minute over the files), then gzipped as WhiteNoise's storage does in
# production: WhiteNoise serves the .gz file to a browser that accepts gzip.
COLLECT_STATIC = """
from pathlib import Path

import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from whitenoise.compress import Compressor

storages = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
with override_settings(STORAGES=storages):
    call_command("collectstatic", interactive=False, verbosity=0)
compressor = Compressor(use_brotli=False, quiet=True)
for path in Path(settings.STATIC_ROOT).rglob("*"):
    if path.is_file() and compressor.should_compress(path.name):
        compressor.compress(str(path))
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
        ALLOWED_HOSTS="testserver",  # the test Client's host
    )
    env.setdefault("CACHE_URL", "locmemcache://")  # required with DEBUG off
    return env


# What autovacuum does on a live database (some servers run with it off): statistics for
# the planner, and the visibility map without which a count reads every row of the table
# instead of an index (a count of 470,000 reports: 121 ms unvacuumed, 24 ms vacuumed).
VACUUM = "VACUUM (ANALYZE)"


def _seed(url: str, env: dict, *, size: int, seeded: int) -> None:
    """Seed from `seeded` up to `size` alliances, then VACUUM (ANALYZE) as autovacuum
    would on a live database: right after bulk inserts the planner has no statistics and
    some plans are far slower."""
    started = time.perf_counter()
    print(f"seeding {size - seeded:,} alliances (from {seeded:,} to {size:,})...", flush=True)
    run(
        [
            PYTHON, "manage.py", "seed_portfolio", "--force",
            "--alliances", str(size - seeded), "--seed", str(size),
        ],
        env,
        capture=True,
    )  # fmt: skip
    admin_sql(url, VACUUM, dbname=_database_name(url))
    print(f"seeded {size:,} alliances in {time.perf_counter() - started:.0f} s", flush=True)


def kept_database(size: int, *, fresh: bool = False) -> dict:
    """The environment of the benchmark database for `size` alliances (see the module's
    docstring): created, migrated, seeded up to `size`, vacuumed and ANALYZEd as needed."""
    url = database_url(size)
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
        _seed(url, env, size=size, seeded=seeded)
    else:
        admin_sql(url, VACUUM, dbname=name)
        print(f"reusing {name}: {seeded:,} alliances", flush=True)
        # The summaries as the hourly task keeps them in production: the status board's
        # columns are counted per day (monitoring/figures.py).
        run([PYTHON, "manage.py", "rebuild_portfolio_figures"], env, capture=True)
    return env
