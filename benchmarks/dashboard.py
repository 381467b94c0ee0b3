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

from scratch import PYTHON, collect_static, run, scratch_database, seed_to

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs after the warm-up")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    results = []
    with scratch_database(url, keep=args.keep, prefix="bench-dashboard-") as (env, _scratch):
        collect_static(env)  # pages need the static files' manifest when DEBUG is off
        seeded = 0
        for size in sorted(args.sizes):
            seed_to(url, env, size=size, seeded=seeded)
            seeded = size
            for persona in ("superuser", "funder"):
                for mode in ("selector", "page"):
                    output = run(
                        [PYTHON, "-c", CHILD, persona, mode, str(args.runs)], env, capture=True
                    )
                    figures = json.loads(output.strip().splitlines()[-1])
                    results.append((size, persona, mode, figures))
                    print(f"  {persona} {mode}: {figures}", flush=True)
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
