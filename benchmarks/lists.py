"""Benchmark: the list pages and API lists at N alliances, next to their raw-SQL floor.

Not a test: it prints figures. It seeds a PostgreSQL database of its own
(`alliances_bench_lists` by default) with `manage.py seed_portfolio` and KEEPS it: the
next run reuses it (migrated again, so it measures the code's indexes; seeded further
only if it holds fewer alliances than asked; ANALYZEd). `--fresh` starts from nothing.

For each list, in a fresh process, signed in as a superuser (who sees every row):

- the page or API list, first page, through the Django test Client (view, queries,
  template or serializer, middleware): the median of --runs runs after one warm-up run,
  and the number of SQL queries of one run;
- its floor: the same rows (the same columns, the members counted, the latest version's
  title), fetched by one hand-written query, timed the same way in the same process.

The ratio page / floor is what to compare between runs: machines are noisy.

    .venv/bin/python benchmarks/lists.py [--alliances 10000] [--runs 7] [--fresh]
    .venv/bin/python benchmarks/lists.py --only organizations api-plans

Environment: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/alliances_bench_lists).
"""

from __future__ import annotations

import argparse
import json
import os

from scratch import PYTHON, collect_static, kept_database, run

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alliances_bench_lists"
RUNS = 7

# The floors: one query each, for the rows of the first page (PostgreSQL).
ORGANIZATIONS_FLOOR = """
SELECT o.id, o.name, o.legal_form, r.name,
       (SELECT count(*) FROM alliances_member m WHERE m.organization_id = o.id AND m.active)
FROM (SELECT * FROM alliances_producerorganization ORDER BY name, id LIMIT 50) o
JOIN alliances_region r ON r.id = o.region_id
ORDER BY o.name, o.id
"""
API_ORGANIZATIONS_FLOOR = """
SELECT o.id, o.name, o.registration_number, o.legal_form, o.founded_year, o.address,
       o.email, o.phone, o.created_at, r.id, r.code, r.name, r.country,
       m.members, m.women, m.youth
FROM (SELECT * FROM alliances_producerorganization ORDER BY name, id LIMIT 50) o
JOIN alliances_region r ON r.id = o.region_id
LEFT JOIN LATERAL (
    SELECT count(*) AS members,
           count(*) FILTER (WHERE sex = 'female') AS women,
           count(*) FILTER (WHERE birth_year > extract(year FROM now()) - 35) AS youth
    FROM alliances_member WHERE organization_id = o.id AND active
) m ON true
ORDER BY o.name, o.id
"""
PLANS_FLOOR = """
SELECT p.id, p.status, a.id, a.code, a.name, o.name, g.code, r.name, vc.name{buyer}
FROM (SELECT * FROM plans_businessplan ORDER BY updated_at DESC, id DESC LIMIT 25) p
JOIN alliances_alliance a ON a.id = p.alliance_id
JOIN alliances_producerorganization o ON o.id = a.producer_organization_id
JOIN funding_program g ON g.id = a.program_id
JOIN alliances_region r ON r.id = a.region_id
JOIN alliances_valuechain vc ON vc.id = a.value_chain_id{buyer_join}
ORDER BY p.updated_at DESC, p.id DESC
"""
API_PLANS_FLOOR = """
SELECT p.id, p.status, p.approved_grant, p.created_at, p.updated_at, v.number, v.title,
       a.id, a.code, a.name, a.created_at, g.id, g.code, g.currency, o.id, o.name,
       b.id, b.name, vc.id, vc.code, vc.name, pr.id, pr.name, pr.unit, pr.value_chain_id,
       r.id, r.code, r.name, r.country
FROM (SELECT * FROM plans_businessplan ORDER BY updated_at DESC, id DESC LIMIT 50) p
JOIN alliances_alliance a ON a.id = p.alliance_id
JOIN alliances_producerorganization o ON o.id = a.producer_organization_id
JOIN funding_program g ON g.id = a.program_id
JOIN alliances_region r ON r.id = a.region_id
JOIN alliances_valuechain vc ON vc.id = a.value_chain_id
JOIN alliances_buyer b ON b.id = a.buyer_id
JOIN alliances_product pr ON pr.id = a.product_id
LEFT JOIN LATERAL (
    SELECT number, title FROM plans_planversion WHERE plan_id = p.id
    ORDER BY number DESC LIMIT 1
) v ON true
ORDER BY p.updated_at DESC, p.id DESC
"""
TARGETS = {
    # name: (label, URL name or path, floor)
    "organizations": ("GET /organizations/", "alliances:organizations", ORGANIZATIONS_FLOOR),
    "plans": (
        "GET /plans/",
        "plan-list",
        PLANS_FLOOR.format(
            buyer=", b.name", buyer_join="\nJOIN alliances_buyer b ON b.id = a.buyer_id"
        ),
    ),
    "home": ("GET / (home)", "home", PLANS_FLOOR.format(buyer="", buyer_join="")),
    "api-organizations": (
        "GET /api/v1/producer-organizations/",
        "/api/v1/producer-organizations/",
        API_ORGANIZATIONS_FLOOR,
    ),
    "api-plans": ("GET /api/v1/plans/", "/api/v1/plans/", API_PLANS_FLOOR),
}

# Runs in a child process: one list and its floor, printed as JSON on the last line.
CHILD = r"""
import json, statistics, sys, time
import django
django.setup()

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User

target, floor_sql, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
user, _ = User.objects.get_or_create(
    username="bench_admin", defaults={"is_superuser": True, "is_staff": True}
)
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
url = target if target.startswith("/") else reverse(target)
client = Client()
client.force_login(user)

def page():
    started = time.perf_counter()
    response = client.get(url, secure=True)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed, len(response.content)

def floor():
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(floor_sql)
        rows = cursor.fetchall()
    return time.perf_counter() - started, len(rows)

page()  # the warm-up runs
_, floor_rows = floor()
with CaptureQueriesContext(connection) as captured:  # one run, its queries counted
    _, size = page()
queries = len(captured)  # read now: the next request empties the connection's log
times = [page()[0] for _ in range(runs)]
floors = [floor()[0] for _ in range(runs)]
print(json.dumps({
    "median": statistics.median(times), "min": min(times), "max": max(times),
    "floor": statistics.median(floors), "floor_rows": floor_rows,
    "queries": queries, "kb": size / 1024,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alliances", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs after the warm-up")
    parser.add_argument("--only", nargs="+", choices=list(TARGETS), default=list(TARGETS))
    parser.add_argument("--fresh", action="store_true", help="drop the kept database first")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    env = kept_database(url, size=args.alliances, fresh=args.fresh)
    collect_static(env)  # pages need the static files' manifest when DEBUG is off
    results = []
    for name in args.only:
        label, target, floor_sql = TARGETS[name]
        output = run([PYTHON, "-c", CHILD, target, floor_sql, str(args.runs)], env, capture=True)
        figures = json.loads(output.strip().splitlines()[-1])
        results.append((label, figures))
        print(f"  {name}: {figures}", flush=True)
    print()
    print(f"{args.alliances:,} alliances, median of {args.runs} runs (ms)")
    header = ("list", "median", "min", "max", "floor", "ratio", "queries", "KB")
    print("{:<36} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7} {:>6}".format(*header))
    for label, f in results:
        print(
            f"{label:<36} {f['median'] * 1000:>8.1f} {f['min'] * 1000:>8.1f} "
            f"{f['max'] * 1000:>8.1f} {f['floor'] * 1000:>8.2f} "
            f"{f['median'] / f['floor']:>6.1f} {f['queries']:>7} {f['kb']:>6.1f}"
        )


if __name__ == "__main__":
    main()
