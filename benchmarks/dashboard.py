"""Benchmark: the portfolio dashboard at N alliances, next to its floors, and under load.

Not a test: it prints figures. It seeds a PostgreSQL database of its own
(`alliances_bench_dash` by default) with `manage.py seed_portfolio` (which rebuilds the
dashboard's summary at its end) and KEEPS it: the next run reuses it (migrated again;
seeded further only if it holds fewer alliances than asked; ANALYZEd). `--fresh` starts
from nothing.

For each user, in a fresh process (the median of --runs runs after one warm-up run):

- page: GET /monitoring/portfolio/ with the Django test Client, signed in (view, charts,
  template, middleware), its query count and size: warm (the figures and their markup
  from the cache, as every reader after the first finds them until a slice is refreshed)
  and cold (a cache miss: computed, rendered and stored);
- selector: `monitoring.dashboard.portfolio(user)`, every figure of the dashboard;
- floor: the summary rows the page shows, read by hand-written SQL (4 statements); the
  ratio page / floor is the target (<= 3);
- from rows: the same figures computed from the ledger's rows by the summary's set-based
  queries (`monitoring.figures`, what each page view would pay without the summary);
- rebuild: `portfolio_figures_rebuild()`, every slice recomputed and written (superuser
  only), and the refresh of one slice after a step.

Then --clients processes (8 by default) each ask for the page --requests times at once:
the median and p95 of every request's time.

Users: a superuser (sees every alliance), and a funder: a member for the seeding fund,
which funds the three seeded programmes, so that it sees the same alliances through the
funder's scope (the programmes it funds) instead of the superuser's shortcut.

    .venv/bin/python benchmarks/dashboard.py [--alliances 50000] [--runs 7] [--fresh]

Environment: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/alliances_bench_dash).
"""

from __future__ import annotations

import argparse
import json
import os

from scratch import PYTHON, collect_static, kept_database, run

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alliances_bench_dash"
RUNS = 7

# The floor: what the page shows, read from the summary by hand-written SQL (PostgreSQL),
# for every slice (the superuser's and the seeding funder's view: every programme).
FLOOR = [
    """SELECT s.program_id, s.region_id, s.value_chain_id, st.stage, st.alliances, st.plans,
              st.planned_families, st.planned_women, st.planned_youth, st.reporting,
              st.reached_members, st.reached_women, st.reached_youth
       FROM monitoring_portfoliostage st JOIN monitoring_portfolioslice s ON s.id = st.slice_id""",
    """SELECT s.program_id, m.month, sum(m.committed), sum(m.paid)
       FROM monitoring_portfoliomonth m JOIN monitoring_portfolioslice s ON s.id = m.slice_id
       GROUP BY s.program_id, m.month""",
    """SELECT s.value_chain_id, a.unit, sum(a.agreements), sum(a.annual_volume)
       FROM monitoring_portfolioagreed a JOIN monitoring_portfolioslice s ON s.id = a.slice_id
       GROUP BY s.value_chain_id, a.unit""",
    """SELECT s.value_chain_id, d.unit, g.currency, sum(d.volume),
              sum(d.volume) FILTER (
                  WHERE d.month >= date_trunc('month', now()) - interval '11 months'),
              sum(d.value), sum(d.deliveries)
       FROM monitoring_portfoliodelivered d JOIN monitoring_portfolioslice s ON s.id = d.slice_id
       JOIN funding_program g ON g.id = s.program_id
       GROUP BY s.value_chain_id, d.unit, g.currency""",
]

SETUP = r"""
import json, resource, statistics, sys, time
import django
django.setup()

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, Role, User
from alliances.models import Alliance, Funder

def bench_user(persona):
    if persona == "superuser":
        return User.objects.get_or_create(
            username="bench_admin", defaults={"is_superuser": True, "is_staff": True}
        )[0]
    user = User.objects.get_or_create(username="bench_funder")[0]
    Membership.objects.get_or_create(
        user=user, role=Role.FUNDER, funder=Funder.objects.get(name="Seed portfolio fund")
    )
    return user

settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
url = reverse("monitoring:dashboard")

def get(client):
    started = time.perf_counter()
    response = client.get(url, secure=True)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed, len(response.content)
"""

# Runs in a child process: one user's figures, printed as JSON on the last line.
CHILD = (
    SETUP
    + r"""
from unittest import mock

from django.core.cache import cache

from monitoring import figures
from monitoring.dashboard import portfolio

persona, runs, floor_sql = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
user = bench_user(persona)
client = Client()
client.force_login(user)

def timed(function):
    started = time.perf_counter()
    function()
    return time.perf_counter() - started

def median_of(function, n=runs):
    function()  # the warm-up run
    return statistics.median(timed(function) for _ in range(n))

def floor():
    with connection.cursor() as cursor:
        for sql in floor_sql:
            cursor.execute(sql)
            cursor.fetchall()

get(client)  # the warm-up run
with CaptureQueriesContext(connection) as captured:  # one run, its queries counted
    _, size = get(client)
queries = len(captured)
pages = [get(client)[0] for _ in range(runs)]

class Cold:
    # The cache as the first reader after a refresh finds it: a miss (a real round
    # trip), then the entry written.
    def get(self, key, default=None):
        return cache.get(f"{key}:cold", default)
    def set(self, *args, **kwargs):
        return cache.set(*args, **kwargs)

with mock.patch("monitoring.views.dashboard.cache", Cold()):
    cold = [get(client)[0] for _ in range(runs)]
out = {
    "median": statistics.median(pages), "min": min(pages), "max": max(pages),
    "cold": statistics.median(cold),
    "queries": queries, "kb": size / 1024,
    # A fresh user each time: the policy caches its scope on the user object.
    "selector": median_of(lambda: portfolio(User.objects.get(pk=user.pk))),
    "floor": median_of(floor),
    "from_rows": median_of(lambda: figures._compute(Alliance.objects.all()), n=3),
    "alliances": portfolio(User.objects.get(pk=user.pk)).alliance_count,
}
if persona == "superuser":
    out["rebuild"] = median_of(figures.portfolio_figures_rebuild, n=2)
    one = Alliance.objects.order_by("pk").values_list("pk", flat=True)[0]
    out["refresh"] = median_of(lambda: figures.portfolio_figures_refresh(alliance_ids=[one]))
print(json.dumps(out))
"""
)

# Runs in a child process: `clients` processes each ask for the page `requests` times.
CONCURRENT = (
    SETUP
    + r"""
import multiprocessing

persona, clients, requests = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
user = bench_user(persona)
connection.close()  # each process opens its own

def worker(start, results):
    client = Client()
    client.force_login(user)
    get(client)  # warm-up
    start.wait()
    results.put([get(client)[0] for _ in range(requests)])
    connection.close()

context = multiprocessing.get_context("fork")
start, results = context.Barrier(clients), context.Queue()
processes = [context.Process(target=worker, args=(start, results)) for _ in range(clients)]
began = time.perf_counter()
for p in processes:
    p.start()
times = sorted(t for _ in processes for t in results.get())
wall = time.perf_counter() - began
for p in processes:
    p.join()
print(json.dumps({
    "median": statistics.median(times),
    "p95": times[max(0, round(len(times) * 0.95) - 1)],
    "max": times[-1], "requests": len(times), "per_second": len(times) / wall,
}))
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alliances", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs after the warm-up")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    parser.add_argument("--fresh", action="store_true", help="drop the kept database first")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    env = kept_database(url, size=args.alliances, fresh=args.fresh)
    collect_static(env)  # pages need the static files' manifest when DEBUG is off
    results = []
    for persona in ("superuser", "funder"):
        output = run(
            [PYTHON, "-c", CHILD, persona, str(args.runs), json.dumps(FLOOR)], env, capture=True
        )
        figures = json.loads(output.strip().splitlines()[-1])
        output = run(
            [PYTHON, "-c", CONCURRENT, persona, str(args.clients), str(args.requests)],
            env,
            capture=True,
        )
        figures["load"] = json.loads(output.strip().splitlines()[-1])
        results.append((persona, figures))
        print(f"  {persona}: {figures}", flush=True)
    print()
    print(f"{args.alliances:,} alliances, GET /monitoring/portfolio/, median of {args.runs} (ms)")
    header = ("user", "median", "floor", "ratio", "cold", "ratio", "queries", "KB", "selector")
    header += ("from rows", f"p50 x{args.clients}", f"p95 x{args.clients}", "req/s")
    print(
        "{:<10} {:>7} {:>6} {:>6} {:>6} {:>6} {:>7} {:>6} {:>8} {:>9} {:>7} {:>7} {:>6}".format(
            *header
        )
    )
    for persona, f in results:
        load = f["load"]
        print(
            f"{persona:<10} {f['median'] * 1000:>7.1f} {f['floor'] * 1000:>6.2f} "
            f"{f['median'] / f['floor']:>6.1f} {f['cold'] * 1000:>6.1f} "
            f"{f['cold'] / f['floor']:>6.1f} {f['queries']:>7} {f['kb']:>6.1f} "
            f"{f['selector'] * 1000:>8.1f} {f['from_rows'] * 1000:>9.0f} "
            f"{load['median'] * 1000:>7.1f} {load['p95'] * 1000:>7.1f} {load['per_second']:>6.1f}"
        )
    for _persona, f in results:
        if "rebuild" in f:
            print(
                f"rebuild of every slice: {f['rebuild']:.2f} s; refresh of one alliance's "
                f"slice: {f['refresh'] * 1000:.1f} ms"
            )


if __name__ == "__main__":
    main()
