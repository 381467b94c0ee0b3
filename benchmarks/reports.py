"""The reports: indicator table, disbursement ledger and portfolio (XLSX), next to their
floor, with their query count and peak memory.

Each run in a fresh process, as the superuser (who sees every alliance): the report as a
worker makes it (`report_generate` of a job: every sheet, number formats, filters, the
job's progress bar), with the whole job's SQL queries counted; and its floor: the same
rows from one hand-written query per sheet (the portfolio: the generator's own alliance
query), appended as they come to an openpyxl write-only sheet, nothing else. Report and
floor alternate, so that both see the same machine. Memory is the peak resident set size
of the process (ru_maxrss).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .databases import child

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


@dataclass(frozen=True)
class Report:
    label: str
    kind: str  # the report kind a job asks for
    floors: list[str]  # one statement per sheet; none: the generator's own query
    limited: bool  # held to the targets (<= 2x its floor, <= 250 MB)


REPORTS = [
    Report("indicator table XLSX", "indicators_xlsx", [INDICATORS_FLOOR, REPORTS_FLOOR], True),
    Report("disbursement ledger XLSX", "disbursement_ledger_xlsx", [LEDGER_FLOOR], True),
    Report("portfolio XLSX", "portfolio_xlsx", [], False),
]


def measure(env: dict, *, runs: int) -> dict[str, dict]:
    """{label: figures} for every report: medians of `runs` runs, the peak of them all."""
    results = {}
    for report in REPORTS:
        runs_of = {"report": [], "floor": []}
        for _ in range(runs):
            for mode, done in runs_of.items():
                done.append(child(env, "report", kind=report.kind, mode=mode, floors=report.floors))
                print(f"  {report.label} {mode}: {done[-1]}", flush=True)
        made = runs_of["report"]
        results[report.label] = {
            "median": statistics.median(r["seconds"] for r in made),
            "floor": statistics.median(r["seconds"] for r in runs_of["floor"]),
            "queries": made[0]["queries"],
            "peak_mb": max(r["peak_mb"] for r in made),
            "floor_peak_mb": max(r["peak_mb"] for r in runs_of["floor"]),
            "file_mb": made[0]["file_mb"],
        }
    return results
