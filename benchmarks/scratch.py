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


def admin_sql(url: str, statement: str, *, dbname: str = "postgres") -> None:
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
    connection.close()


@contextmanager
def scratch_database(url: str, *, keep: bool, prefix: str) -> Iterator[tuple[dict, Path]]:
    """(environment, scratch folder): a new database at `url`, migrated, and a folder for
    private media (`private/`) and collected static files (`static/`). Both are removed
    at the end unless `keep` (the folder always is)."""
    name = urlparse(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        sys.exit(f"unexpected database name: {name!r}")
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")
    }
    env.update(
        DATABASE_URL=url,
        DEBUG="0",  # as in production: no query log kept in memory, compiled templates
        SECRET_KEY=secrets.token_urlsafe(50),
        PRIVATE_MEDIA_ROOT=str(scratch / "private"),
        STATIC_ROOT=str(scratch / "static"),
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
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
