"""Benchmark: time and peak memory of the portfolio XLSX on 1,000 and 10,000 alliances.

Not a test: it prints figures. It creates a scratch PostgreSQL database of its own
(`alliances_bench` by default, dropped at the end), migrates it, seeds the portfolio
with `manage.py seed_portfolio`, and for each size runs, each in a fresh process:

- report: the portfolio XLSX as a worker makes it (`report_generate` of a job asked
  for by a superuser, who sees every alliance): five sheets, money formats,
  reporting-currency columns, progress updates;
- floor: the same alliance rows straight from one query (`iterator`) into an openpyxl
  write-only sheet, nothing else.

Memory is the peak resident set size of that process (ru_maxrss), next to its size once
Django is loaded, before the work starts.

    .venv/bin/python benchmarks/portfolio_xlsx.py [--sizes 1000 10000] [--keep]

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/alliances_bench).
"""

from __future__ import annotations

import argparse
import json
import os

from scratch import PYTHON, run, scratch_database, seed_to

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alliances_bench"

# Runs in a child process: one measurement, printed as JSON on the last line.
CHILD = r"""
import json, os, resource, sys, time
import django
django.setup()
from pathlib import Path

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

from accounts.models import User
from reports import services
from reports.generators.base import Context, Progress
from reports.generators.portfolio import alliance_queryset

mode, out = sys.argv[1], Path(sys.argv[2])
user, _ = User.objects.get_or_create(
    username="bench_admin", defaults={"is_superuser": True, "is_staff": True}
)
services.enqueue = lambda job_id: None  # generated below, in this process
baseline = rss_mb()
started = time.perf_counter()
if mode == "report":
    job = services.report_request(kind="portfolio_xlsx", parameters={}, by=user, language="en")
    outcome = services.report_generate(job.pk, notify=False)
    job.refresh_from_db()
    assert outcome == "succeeded", job.error
    size = Path(job.file.path).stat().st_size
else:
    from openpyxl import Workbook
    ctx = Context(None, user, Progress(lambda percent: None), "en", {})
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Alliances")
    for row in alliance_queryset(ctx).iterator(chunk_size=2000):
        ws.append(row)
    wb.save(out)
    size = out.stat().st_size
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "peak_mb": rss_mb(), "baseline_mb": baseline,
                  "file_mb": size / 1e6}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    results = []
    with scratch_database(url, keep=args.keep, prefix="bench-xlsx-") as (env, scratch):
        seeded = 0
        for size in sorted(args.sizes):
            seed_to(url, env, size=size, seeded=seeded)
            seeded = size
            for mode in ("report", "floor"):
                output = run(
                    [PYTHON, "-c", CHILD, mode, str(scratch / f"floor-{size}.xlsx")],
                    env,
                    capture=True,
                )
                figures = json.loads(output.strip().splitlines()[-1])
                results.append((size, mode, figures))
                print(f"  {mode}: {figures}", flush=True)
    print()
    header = ("alliances", "what", "seconds", "peak MB", "base MB", "file MB")
    print("{:>10}  {:<36} {:>8} {:>8} {:>8} {:>8}".format(*header))
    labels = {
        "report": "portfolio XLSX (5 sheets, report job)",
        "floor": "floor: one query, write-only sheet",
    }
    for size, mode, f in results:
        print(
            f"{size:>10,}  {labels[mode]:<36} {f['seconds']:>8.2f} {f['peak_mb']:>8.1f} "
            f"{f['baseline_mb']:>8.1f} {f['file_mb']:>8.2f}"
        )


if __name__ == "__main__":
    main()
