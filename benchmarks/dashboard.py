"""The portfolio dashboard (GET /monitoring/portfolio/), next to its floor.

For each persona, in a fresh process: the page warm (its figures and markup from the
cache, as every reader after the first finds them until a slice is refreshed) and cold (a
cache miss: computed, rendered and stored); its floor: the summary rows the page shows,
read by hand-written SQL (4 statements); the same figures computed from the ledger's rows
(`monitoring.figures`, what each view would pay without the summary); for the superuser,
the summary's full rebuild and one slice's refresh. The personas: the superuser (sees
every alliance through the superuser's shortcut) and a member of the seeding fund, which
funds the three seeded programmes (the same alliances through the funder's scope).
"""

from __future__ import annotations

from .databases import child

RUNS = 7
PERSONAS = ("superuser", "funder")
PATH = "monitoring:dashboard"

# What the page shows, read from the summary (every slice: both personas see them all).
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


def label(persona: str) -> str:
    return f"GET /monitoring/portfolio/ · {persona}"


def measure(env: dict, *, runs: int) -> tuple[dict[str, dict], list[str]]:
    """({label: figures} per persona, notes: what the table has no column for)."""
    results, notes = {}, []
    for persona in PERSONAS:
        figures = child(env, "dashboard", persona=persona, floor=FLOOR, runs=runs)
        print(f"  {label(persona)}: {figures}", flush=True)
        results[label(persona)] = figures
        notes.append(
            f"dashboard · {persona}: cold (cache miss) {figures['cold'] * 1000:.1f} ms, "
            f"selector {figures['selector'] * 1000:.1f} ms, the same figures from the rows "
            f"{figures['from_rows']:.2f} s, {figures['kb']:.0f} KB"
        )
        if "rebuild" in figures:
            notes.append(
                f"dashboard summary: full rebuild {figures['rebuild']:.2f} s, one alliance's "
                f"slice refreshed {figures['refresh'] * 1000:.0f} ms"
            )
    return results, notes
