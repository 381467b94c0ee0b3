"""Fast at 50,000 alliances (issue 17): one command that measures every main page, API
list, the tasks homes, the dashboard and the reports at 1,000, 10,000 and 50,000 alliances,
each beside its raw-SQL floor measured in the same run, and prints one table per size.

    .venv/bin/python -m benchmarks                        # every group at every size
    .venv/bin/python -m benchmarks --sizes 10000 --only lists dashboard load
    .venv/bin/python -m benchmarks --sizes 50000 --only reports --runs 1
    .venv/bin/python -m benchmarks --sizes 1000 --fresh   # drop and seed that size again

Not a test: it prints figures (the ratio to the floor is what to compare between runs:
machines are noisy). Each size has a database of its own that the next run reuses
(`databases.py`); the measurements run in fresh processes with production-like settings
(`measure.py`). Groups: lists (lists.py), dashboard (dashboard.py), load (load.py),
reports (reports.py), weight (weight.py).

Environment: BENCH_POSTGRES, the server (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse

from . import dashboard, lists, load, reports, weight
from .databases import collect_static, kept_database
from .tables import Row, figures_table, weight_table

SIZES = [1_000, 10_000, 50_000]
GROUPS = ["lists", "dashboard", "load", "reports", "weight"]


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES, help="alliances")
    parser.add_argument("--only", nargs="+", choices=GROUPS, default=GROUPS, help="groups")
    parser.add_argument(
        "--runs",
        type=int,
        help=f"timed runs of each (default: {lists.RUNS} for pages, {reports.RUNS} for reports)",
    )
    parser.add_argument("--clients", type=int, default=load.CLIENTS, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=load.REQUESTS, help="per client")
    parser.add_argument("--fresh", action="store_true", help="drop the kept databases first")
    return parser.parse_args(argv)


def measure_size(size: int, args: argparse.Namespace) -> str:
    """Every group asked for at `size` alliances; the tables of figures."""
    env = kept_database(size, fresh=args.fresh)
    collect_static(env)  # pages need the static files' manifest when DEBUG is off
    results: dict[str, dict] = {}
    notes: list[str] = []

    def merge(figures: dict[str, dict]) -> None:
        for label, values in figures.items():
            results.setdefault(label, {}).update(values)

    if "lists" in args.only:
        merge(lists.measure(env, runs=args.runs or lists.RUNS))
    if "dashboard" in args.only:
        figures, notes = dashboard.measure(env, runs=args.runs or dashboard.RUNS)
        merge(figures)
    if "load" in args.only:
        loaded = load.measure(env, clients=args.clients, requests=args.requests)
        merge({label: {"p95": f["p95"]} for label, f in loaded.items()})
    if "reports" in args.only:
        merge(reports.measure(env, runs=args.runs or reports.RUNS))
    rows = [Row(t.label, "page", results[t.label]) for t in lists.TARGETS if t.label in results]
    rows += [
        Row(label, "page", results[label])
        for label in map(dashboard.label, dashboard.PERSONAS)
        if label in results
    ]
    rows += [
        Row(r.label, "report" if r.limited else "other", results[r.label])
        for r in reports.REPORTS
        if r.label in results
    ]
    runs = args.runs or f"{lists.RUNS} (reports: {reports.RUNS})"
    tables = []
    if rows:
        title = f"{size:,} alliances · median of {runs} runs after a warm-up"
        tables.append(figures_table(title, rows, clients=args.clients))
    if notes:
        tables.append("\n".join(notes))
    if "weight" in args.only:
        title = f"{size:,} alliances · page weight"
        tables.append(weight_table(title, weight.rows(weight.measure(env))))
    return "\n\n".join(tables)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    printed = []
    for size in sorted(args.sizes):
        printed.append(measure_size(size, args))
        print(f"\n{printed[-1]}\n", flush=True)
    if len(printed) > 1:  # every size's tables together at the end, to compare
        print("\n\n".join(printed))


if __name__ == "__main__":
    main()
