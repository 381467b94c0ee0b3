"""Benchmark: the portfolio dashboard on 1,000 and 10,000 alliances.

Not a test: it prints figures. It creates a scratch PostgreSQL database of its own
(`alliances_bench_dash` by default, dropped at the end unless --keep), migrates it, seeds
the portfolio with `manage.py seed_portfolio` (plans in every state, payments, deliveries,
monitoring reports and their indicator values), and for each size and each user measures,
each in a fresh process:

- selector: `monitoring.dashboard.portfolio(user)`, every figure of the dashboard;
- page: GET /monitoring/portfolio/ (`monitoring:dashboard`) with the Django test Client,
  signed in: the view, its charts, the template, middleware and context processors.

Users: a superuser (sees every alliance), and a funder: a member for the seeding fund,
which funds the three seeded programmes, so that it sees the same alliances through the
funder's scope (the programmes it funds) instead of the superuser's shortcut.

Figures: wall time, the median of 5 runs after one warm-up run (min and max shown too);
the number of SQL queries of one run (after the warm-up); the peak resident set size of
the process (ru_maxrss), next to its size once Django is loaded, before the first run.
DEBUG is off as in production, so the static files are collected first (into a scratch
directory, removed at the end); the database is ANALYZEd after each seeding step.

    .venv/bin/python benchmarks/dashboard.py [--sizes 1000 10000] [--keep]

Environment: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/alliances_bench_dash).
"""

from __future__ import annotations

import argparse
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
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alliances_bench_dash"
RUNS = 5

# Runs in a child process: one measurement, printed as JSON on the last line.
CHILD = r"""
import json, resource, statistics, sys, time
import django
django.setup()

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, Role, User
from alliances.models import Funder
from monitoring.dashboard import portfolio

persona, mode, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
if persona == "superuser":
    user, _ = User.objects.get_or_create(
        username="bench_admin", defaults={"is_superuser": True, "is_staff": True}
    )
else:
    user, _ = User.objects.get_or_create(username="bench_funder")
    Membership.objects.get_or_create(
        user=user, role=Role.FUNDER, funder=Funder.objects.get(name="Seed portfolio fund")
    )
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
url = reverse("monitoring:dashboard")
client = Client()
client.force_login(user)

def once():
    if mode == "selector":
        # A fresh user each time: the policy caches its scope on the user object.
        fresh = User.objects.get(pk=user.pk)
        started = time.perf_counter()
        result = portfolio(fresh)
        return time.perf_counter() - started, result.alliance_count, 0
    started = time.perf_counter()
    response = client.get(url, secure=True)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed, None, len(response.content)

baseline = rss_mb()
once()  # the warm-up run
with CaptureQueriesContext(connection) as captured:  # one run, its queries counted
    _seconds, alliances, size = once()
queries = len(captured)
if mode == "selector":
    queries -= 1  # the fresh user, read before the clock starts
times = [once()[0] for _ in range(runs)]
print(json.dumps({
    "median": statistics.median(times), "min": min(times), "max": max(times),
    "queries": queries, "peak_mb": rss_mb(), "baseline_mb": baseline,
    "alliances": alliances, "page_kb": size / 1024,
}))
"""


def run(command: list[str], env: dict, *, capture: bool = False) -> str:
    result = subprocess.run(  # noqa: S603 - our own commands
        command, cwd=BASE_DIR, env=env, check=True, text=True, capture_output=capture
    )
    return result.stdout if capture else ""


def admin_sql(url, statement: str, *, dbname: str = "postgres") -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs after the warm-up")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = urlparse(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        sys.exit(f"unexpected database name: {name!r}")
    scratch = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
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
        # Pages need the static files' manifest when DEBUG is off: collected here.
        STATIC_ROOT=str(scratch / "static"),
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_sql(url, f'CREATE DATABASE "{name}"')
    results = []
    try:
        run([PYTHON, "manage.py", "migrate", "--verbosity", "0"], env)
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
        seeded = 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            run(
                [
                    PYTHON, "manage.py", "seed_portfolio", "--force",
                    "--alliances", str(size - seeded), "--seed", str(size),
                ],
                env,
                capture=True,
            )  # fmt: skip
            # Planner statistics, as autovacuum keeps them on a live database (right after
            # bulk inserts they are missing, and some plans are far slower).
            admin_sql(url, "ANALYZE", dbname=name)
            seed_seconds = time.perf_counter() - started
            seeded = size
            print(f"seeded {size:,} alliances ({seed_seconds:.1f} s for this step)", flush=True)
            for persona in ("superuser", "funder"):
                for mode in ("selector", "page"):
                    output = run(
                        [PYTHON, "-c", CHILD, persona, mode, str(args.runs)], env, capture=True
                    )
                    figures = json.loads(output.strip().splitlines()[-1])
                    results.append((size, persona, mode, figures))
                    print(f"  {persona} {mode}: {figures}", flush=True)
    finally:
        if not args.keep:
            admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(scratch, ignore_errors=True)
    print()
    header = ("alliances", "user", "what", "median s", "min s", "max s", "queries")
    header += ("peak MB", "base MB")
    print("{:>9}  {:<9}  {:<26} {:>8} {:>7} {:>7} {:>7} {:>8} {:>8}".format(*header))
    labels = {"selector": "portfolio(user)", "page": "GET /monitoring/portfolio/"}
    for size, persona, mode, f in results:
        print(
            f"{size:>9,}  {persona:<9}  {labels[mode]:<26} {f['median']:>8.3f} "
            f"{f['min']:>7.3f} {f['max']:>7.3f} {f['queries']:>7} {f['peak_mb']:>8.1f} "
            f"{f['baseline_mb']:>8.1f}"
        )


if __name__ == "__main__":
    main()
