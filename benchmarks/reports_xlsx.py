"""Benchmark: the indicator table (XLSX) and the disbursement ledger (XLSX) at N alliances,
next to their floor, with their query count and peak memory.

Not a test: it prints figures. It seeds a PostgreSQL database of its own
(`alliances_bench_rep` by default) with `manage.py seed_portfolio` and KEEPS it: the next
run reuses it (seeded further only if it holds fewer alliances than asked; ANALYZEd).
`--fresh` starts from nothing.

For each report, each run in a fresh process, as a superuser (who sees every alliance):

- report: the file as a worker makes it (`report_generate` of a job: every sheet, number
  formats, filters, the job's progress bar), with the SQL queries of the whole job
  counted;
- floor: the same rows (the indicator rows with their figures and the reports sheet; the
  ledger's entries) from one hand-written query per sheet, appended as they come to an
  openpyxl write-only sheet, nothing else.

The figure is the median of --runs runs; memory is the peak resident set size of the
process (ru_maxrss), next to its size once Django is loaded. Targets (issue 17), at
50,000 alliances: each report at most twice its floor, peak memory at most 250 MB.

    .venv/bin/python benchmarks/reports_xlsx.py [--alliances 10000] [--runs 3] [--fresh]
    .venv/bin/python benchmarks/reports_xlsx.py --only ledger

Environment: BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/alliances_bench_rep).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

from scratch import PYTHON, kept_database, run

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alliances_bench_rep"
RUNS = 3

# The indicator rows: every alliance with a reporting schedule, crossed with its
# programme's indicators (or the whole catalogue in use), a row per "of which" part, with
# baseline, end-of-plan target and the accepted values in period order.
INDICATORS_FLOOR = """
SELECT g.code, a.code, a.name, rg.name, vc.name, i.code, i.name, part.label, i.unit,
       b.value, t.value, b.value, v.figures
FROM alliances_alliance a
JOIN funding_program g ON g.id = a.program_id
JOIN alliances_region rg ON rg.id = a.region_id
JOIN alliances_valuechain vc ON vc.id = a.value_chain_id
JOIN monitoring_indicator i ON i.active AND (
    EXISTS (SELECT 1 FROM funding_program_indicators pi
            WHERE pi.program_id = a.program_id AND pi.indicator_id = i.id)
    OR NOT EXISTS (SELECT 1 FROM funding_program_indicators pi
                   WHERE pi.program_id = a.program_id))
CROSS JOIN LATERAL (VALUES (0, ''), (1, 'women'), (2, 'youth')) AS part(n, label)
LEFT JOIN monitoring_indicatorbaseline b
    ON b.alliance_id = a.id AND b.indicator_id = i.id AND part.n = 0
LEFT JOIN monitoring_indicatortarget t
    ON t.alliance_id = a.id AND t.indicator_id = i.id AND t.year IS NULL AND part.n = 0
LEFT JOIN LATERAL (
    SELECT array_agg(CASE part.n WHEN 0 THEN iv.value WHEN 1 THEN iv.women ELSE iv.youth END
                     ORDER BY r.period_start) AS figures
    FROM monitoring_indicatorvalue iv
    JOIN monitoring_monitoringreport r ON r.id = iv.report_id
    WHERE r.alliance_id = a.id AND iv.indicator_id = i.id AND r.status = 'accepted'
) v ON true
WHERE EXISTS (SELECT 1 FROM monitoring_monitoringreport r WHERE r.alliance_id = a.id)
  AND (part.n = 0 OR (part.n = 1 AND i.by_sex) OR (part.n = 2 AND i.by_youth))
ORDER BY g.code, a.code, a.id, i.position, i.code, part.n
"""
REPORTS_FLOOR = """
SELECT g.code, a.code, r.period_start, r.period_end, r.due_on, r.status,
       r.submitted_at::date, su.first_name || ' ' || su.last_name,
       r.reviewed_at::date, ru.first_name || ' ' || ru.last_name, r.return_reason
FROM monitoring_monitoringreport r
JOIN alliances_alliance a ON a.id = r.alliance_id
JOIN funding_program g ON g.id = a.program_id
LEFT JOIN accounts_user su ON su.id = r.submitted_by_id
LEFT JOIN accounts_user ru ON ru.id = r.reviewed_by_id
WHERE r.period_start <= current_date
ORDER BY g.code, a.code, a.id, r.period_start
"""
# The ledger's entries: commitments, tranches and payments, in the ledger's order.
LEDGER_FLOOR = """
SELECT a.code, a.name, g.code, g.currency, e.day, e.entry, e.number, e.reference, e.note,
       e.committed, e.scheduled, e.paid, g.reporting_currency,
       round(e.committed * g.reporting_rate, 2), round(e.paid * g.reporting_rate, 2)
FROM (
    SELECT p.alliance_id, c.committed_at::date AS day, 0 AS number, 0 AS step, 0::bigint AS id,
           'Commitment' AS entry, '' AS reference, '' AS note,
           c.amount AS committed, NULL::numeric AS scheduled, NULL::numeric AS paid
    FROM funding_grantcommitment c JOIN plans_businessplan p ON p.id = c.plan_id
    UNION ALL
    SELECT p.alliance_id, t.planned_date, t.number, 0, t.id, 'Tranche scheduled', '', t.status,
           NULL, t.amount, NULL
    FROM funding_tranche t
    JOIN funding_grantcommitment c ON c.id = t.commitment_id
    JOIN plans_businessplan p ON p.id = c.plan_id
    UNION ALL
    SELECT p.alliance_id, y.paid_on, t.number, 1, y.id, y.kind, y.reference, y.reason, NULL,
           NULL, CASE WHEN y.kind = 'reversal' THEN -y.amount ELSE y.amount END
    FROM funding_payment y
    JOIN funding_tranche t ON t.id = y.tranche_id
    JOIN funding_grantcommitment c ON c.id = t.commitment_id
    JOIN plans_businessplan p ON p.id = c.plan_id
) e
JOIN alliances_alliance a ON a.id = e.alliance_id
JOIN funding_program g ON g.id = a.program_id
ORDER BY g.code, a.code, a.id, e.number, e.step, e.day, e.id
"""
TARGETS = {
    # name: (label, report kind, floor queries, one per sheet)
    "indicators": ("indicator table XLSX", "indicators_xlsx", [INDICATORS_FLOOR, REPORTS_FLOOR]),
    "ledger": ("disbursement ledger XLSX", "disbursement_ledger_xlsx", [LEDGER_FLOOR]),
}

# Runs in a child process: one measurement, printed as JSON on the last line.
CHILD = r"""
import json, resource, sys, tempfile, time
import django
django.setup()
from pathlib import Path

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

from accounts.models import User
from reports import services

mode, kind, floors = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
user, _ = User.objects.get_or_create(
    username="bench_admin", defaults={"is_superuser": True, "is_staff": True}
)
services.enqueue = lambda job_id: None  # generated below, in this process
baseline = rss_mb()
queries = rows = 0
started = time.perf_counter()
if mode == "report":
    job = services.report_request(kind=kind, parameters={}, by=user, language="en")
    with CaptureQueriesContext(connection) as captured:
        outcome = services.report_generate(job.pk, notify=False)
    queries = len(captured)
    job.refresh_from_db()
    assert outcome == "succeeded", job.error
    size = Path(job.file.path).stat().st_size
else:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    for number, sql in enumerate(floors):
        ws = wb.create_sheet(f"Sheet {number + 1}")
        # A server-side cursor read in chunks, as the report reads its queries.
        with transaction.atomic(), connection.connection.cursor(name=f"floor{number}") as cursor:
            cursor.execute(sql)
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    if isinstance(row[-1], list):  # the indicator's figures per period
                        row = (*row[:-1], *row[-1])
                    ws.append(row)
                    rows += 1
    out = Path(tempfile.mkdtemp()) / "floor.xlsx"
    wb.save(out)
    size = out.stat().st_size
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "peak_mb": rss_mb(), "baseline_mb": baseline,
                  "file_mb": size / 1e6, "queries": queries, "rows": rows}))
"""


def measure(env: dict, mode: str, kind: str, floors: list[str]) -> dict:
    output = run([PYTHON, "-c", CHILD, mode, kind, json.dumps(floors)], env, capture=True)
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alliances", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs of each")
    parser.add_argument("--only", nargs="+", choices=list(TARGETS), default=list(TARGETS))
    parser.add_argument("--fresh", action="store_true", help="drop the kept database first")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    env = kept_database(url, size=args.alliances, fresh=args.fresh)
    results = []
    for name in args.only:
        label, kind, floors = TARGETS[name]
        runs = {"report": [], "floor": []}
        for _ in range(args.runs):  # alternated, so that both see the same machine
            for mode in runs:
                runs[mode].append(measure(env, mode, kind, floors))
                print(f"  {name} {mode}: {runs[mode][-1]}", flush=True)
        results.append((label, runs))
    print()
    print(f"{args.alliances:,} alliances, median of {args.runs} runs")
    header = ("report", "median s", "floor s", "ratio", "queries", "peak MB", "floor MB", "MB")
    print("{:<26} {:>9} {:>8} {:>6} {:>8} {:>8} {:>9} {:>6}".format(*header))
    for label, runs in results:
        report = statistics.median(r["seconds"] for r in runs["report"])
        floor = statistics.median(r["seconds"] for r in runs["floor"])
        peak = max(r["peak_mb"] for r in runs["report"])
        floor_peak = max(r["peak_mb"] for r in runs["floor"])
        queries = runs["report"][0]["queries"]
        size = runs["report"][0]["file_mb"]
        print(
            f"{label:<26} {report:>9.2f} {floor:>8.2f} {report / floor:>6.2f} {queries:>8} "
            f"{peak:>8.1f} {floor_peak:>9.1f} {size:>6.1f}"
        )


if __name__ == "__main__":
    main()
