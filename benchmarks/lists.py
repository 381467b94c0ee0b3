"""The list pages, the tasks home per role and the API lists, next to their raw-SQL floor.

For each, in a fresh process, signed in as its persona (`measure.persona_user`): the first
page through the Django test Client (view, queries, template or serializer, middleware,
gzip), the median of --runs runs after a warm-up, the SQL queries of one run; and its
floor: the same rows (the same columns, the members counted, the latest version's title)
from one hand-written query, timed the same way in the same process. A floor's `{scope}`
is the persona's scope as a condition on the alliance `a` (`measure.scope_sql`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .databases import child

RUNS = 7

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
# The plans the persona sees, newest activity first (home shows 25, without the buyer).
PLANS_FLOOR = """
SELECT p.id, p.status, a.id, a.code, a.name, o.name, g.code, r.name, vc.name{buyer}
FROM (SELECT p.* FROM plans_businessplan p JOIN alliances_alliance a ON a.id = p.alliance_id
      WHERE {{scope}} ORDER BY p.updated_at DESC, p.id DESC LIMIT 25) p
JOIN alliances_alliance a ON a.id = p.alliance_id
JOIN alliances_producerorganization o ON o.id = a.producer_organization_id
JOIN funding_program g ON g.id = a.program_id
JOIN alliances_region r ON r.id = a.region_id
JOIN alliances_valuechain vc ON vc.id = a.value_chain_id{buyer_join}
ORDER BY p.updated_at DESC, p.id DESC
"""
HOME_FLOOR = PLANS_FLOOR.format(buyer="", buyer_join="")
PLAN_LIST_FLOOR = PLANS_FLOOR.format(
    buyer=", b.name", buyer_join="\nJOIN alliances_buyer b ON b.id = a.buyer_id"
)
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
AGREEMENTS_FLOOR = """
SELECT pa.id, pa.status, pa.updated_at, a.code, a.name, p.id, o.name, b.name, pr.name
FROM (SELECT * FROM alliances_purchaseagreement ORDER BY updated_at DESC, id DESC LIMIT 25) pa
JOIN alliances_alliance a ON a.id = pa.alliance_id
JOIN plans_businessplan p ON p.alliance_id = a.id
JOIN alliances_producerorganization o ON o.id = a.producer_organization_id
JOIN alliances_buyer b ON b.id = a.buyer_id
JOIN alliances_product pr ON pr.id = a.product_id
ORDER BY pa.updated_at DESC, pa.id DESC
"""
# Tranches waiting for authorization or payment on active plans (a national officer who
# has touched none of them).
FINANCE_QUEUE_FLOOR = """
SELECT t.id, t.number, t.amount, t.status, g.currency, p.id, a.code, a.name, o.name,
       u.first_name, u.last_name, u.username
FROM (SELECT t.* FROM funding_tranche t
      JOIN funding_grantcommitment c ON c.id = t.commitment_id
      JOIN plans_businessplan p ON p.id = c.plan_id
      WHERE p.status = 'active' AND t.status IN ('verified', 'authorized')
      ORDER BY t.status, t.planned_date, t.id LIMIT 25) t
JOIN funding_grantcommitment c ON c.id = t.commitment_id
JOIN funding_program g ON g.id = c.program_id
JOIN plans_businessplan p ON p.id = c.plan_id
JOIN alliances_alliance a ON a.id = p.alliance_id
JOIN alliances_producerorganization o ON o.id = a.producer_organization_id
LEFT JOIN accounts_user u ON u.id = t.verified_by_id
ORDER BY t.status, t.planned_date, t.id
"""

# The M&E status board (`monitoring:reports`, ministry staff and funders): the first page
# of its default column ("missing": due and past its date), then its counts per column by
# programme, by region and in all (a row each, ids and names with them) from the summary
# kept per slice (`monitoring.figures`, `PortfolioBoard`; the slice is `a`, which has the
# alliance's programme and region for `{scope}`), in one statement.
BOARD_FLOOR = """
(SELECT r.id, a.code, a.name, o.name, g.id, g.code, rg.id, rg.name, r.period_start,
        r.period_end, r.due_on, r.status,
        NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint
 FROM (SELECT r.* FROM monitoring_monitoringreport r JOIN alliances_alliance a
       ON a.id = r.alliance_id
       WHERE {scope} AND r.status = 'due' AND r.due_on < current_date
       ORDER BY r.due_on, r.id LIMIT 25) r
 JOIN alliances_alliance a ON a.id = r.alliance_id
 JOIN alliances_producerorganization o ON o.id = a.producer_organization_id
 JOIN funding_program g ON g.id = a.program_id
 JOIN alliances_region rg ON rg.id = a.region_id
 ORDER BY r.due_on, r.id)
UNION ALL
(SELECT NULL, NULL, NULL, NULL, g.id, g.code, rg.id, rg.name, NULL, NULL, NULL, NULL,
        c.missing, c.late, c.waiting, c.open
 FROM (SELECT a.program_id, a.region_id,
              sum(b.reports) FILTER (WHERE b.column = 'missing') AS missing,
              sum(b.reports) FILTER (WHERE b.column = 'late') AS late,
              sum(b.reports) FILTER (WHERE b.column = 'waiting') AS waiting,
              sum(b.reports) FILTER (WHERE b.column = 'open') AS open
       FROM monitoring_portfolioboard b JOIN monitoring_portfolioslice a ON a.id = b.slice_id
       WHERE {scope}
       GROUP BY GROUPING SETS ((a.program_id), (a.region_id), ())) c
 LEFT JOIN funding_program g ON g.id = c.program_id
 LEFT JOIN alliances_region rg ON rg.id = c.region_id
 ORDER BY g.code, rg.name)
"""

# The API lists below are read as the superuser, who sees everything: no `{scope}`.
API_ALLIANCES_FLOOR = """
SELECT a.id, a.code, a.name, p.status, p.id, g.id, g.code, g.currency, o.id, o.name,
       b.id, b.name, vc.id, vc.code, vc.name, pr.id, pr.name, pr.unit, pr.value_chain_id,
       r.id, r.code, r.name, r.country, a.created_at
FROM (SELECT * FROM alliances_alliance ORDER BY code LIMIT 50) a
JOIN funding_program g ON g.id = a.program_id
JOIN alliances_producerorganization o ON o.id = a.producer_organization_id
JOIN alliances_buyer b ON b.id = a.buyer_id
JOIN alliances_valuechain vc ON vc.id = a.value_chain_id
JOIN alliances_product pr ON pr.id = a.product_id
JOIN alliances_region r ON r.id = a.region_id
LEFT JOIN plans_businessplan p ON p.alliance_id = a.id
ORDER BY a.code
"""
# With the terms of the current (latest) version.
API_AGREEMENTS_FLOOR = """
SELECT pa.id, pa.alliance_id, a.code, pa.status, pa.decline_reason, v.number, v.product_id,
       v.unit, v.annual_volume, v.quality_specification, v.price_type, v.unit_price,
       v.market_reference, v.delivery_schedule, v.payment_terms, v.duration_months,
       v.buyer_support, v.created_at, v.confirmed_at, pa.created_at, pa.updated_at
FROM (SELECT * FROM alliances_purchaseagreement ORDER BY updated_at DESC, id DESC LIMIT 50) pa
JOIN alliances_alliance a ON a.id = pa.alliance_id
LEFT JOIN LATERAL (
    SELECT * FROM alliances_purchaseagreementversion WHERE agreement_id = pa.id
    ORDER BY number DESC LIMIT 1
) v ON true
ORDER BY pa.updated_at DESC, pa.id DESC
"""
# With the three people of its steps, and its payments (each with who recorded it) and
# their net (payments minus reversals) from one lateral subquery.
API_TRANCHES_FLOOR = """
SELECT t.id, c.plan_id, p.alliance_id, a.code, t.number, t.amount, g.currency,
       t.planned_date, t.release_conditions, t.status, ru.username, t.requested_at,
       vu.username, t.verified_at, au.username, t.authorized_at, y.net_paid, y.payments
FROM (SELECT t.* FROM funding_tranche t JOIN funding_grantcommitment c ON c.id = t.commitment_id
      ORDER BY c.plan_id, t.number LIMIT 50) t
JOIN funding_grantcommitment c ON c.id = t.commitment_id
JOIN funding_program g ON g.id = c.program_id
JOIN plans_businessplan p ON p.id = c.plan_id
JOIN alliances_alliance a ON a.id = p.alliance_id
LEFT JOIN accounts_user ru ON ru.id = t.requested_by_id
LEFT JOIN accounts_user vu ON vu.id = t.verified_by_id
LEFT JOIN accounts_user au ON au.id = t.authorized_by_id
LEFT JOIN LATERAL (
    SELECT coalesce(sum(CASE WHEN y.kind = 'reversal' THEN -y.amount ELSE y.amount END), 0)
               AS net_paid,
           json_agg(json_build_array(y.id, y.kind, y.amount, y.paid_on, y.reference,
                                     y.reverses_id, y.reason, u.username, y.recorded_at)
                    ORDER BY y.recorded_at, y.id) AS payments
    FROM funding_payment y JOIN accounts_user u ON u.id = y.recorded_by_id
    WHERE y.tranche_id = t.id
) y ON true
ORDER BY c.plan_id, t.number
"""
API_DELIVERIES_FLOOR = """
SELECT d.id, d.alliance_id, a.code, d.delivered_on, d.volume, d.quality_grade, d.unit_price,
       g.currency, d.status, d.dispute_reason, d.created_at, d.updated_at
FROM (SELECT * FROM alliances_delivery ORDER BY delivered_on DESC, id DESC LIMIT 50) d
JOIN alliances_alliance a ON a.id = d.alliance_id
JOIN funding_program g ON g.id = a.program_id
ORDER BY d.delivered_on DESC, d.id DESC
"""
# With each report's values (`selectors.report_cells_for`): the stored ones, except that
# until the report is accepted the computed indicators its programme's alliances report
# (`used`: the programme's active choice, else every active indicator) are the live
# figures of its period (confirmed deliveries; revolving-fund repayments).
API_MONITORING_REPORTS_FLOOR = """
WITH used AS (
    SELECT g.id AS program_id, i.id AS indicator_id, i.source
    FROM funding_program g JOIN monitoring_indicator i ON i.active
    WHERE EXISTS (SELECT FROM funding_program_indicators c
                  WHERE c.program_id = g.id AND c.indicator_id = i.id)
       OR NOT EXISTS (SELECT FROM funding_program_indicators c
                      JOIN monitoring_indicator j ON j.id = c.indicator_id AND j.active
                      WHERE c.program_id = g.id)
)
SELECT r.id, r.alliance_id, a.code, r.period_start, r.period_end, r.due_on, r.status,
       r.status = 'due' AND r.due_on < current_date, r.narrative, r.return_reason,
       su.username, r.submitted_at, ru.username, r.reviewed_at, v.cells
FROM (SELECT * FROM monitoring_monitoringreport ORDER BY due_on DESC, id DESC LIMIT 50) r
JOIN alliances_alliance a ON a.id = r.alliance_id
LEFT JOIN accounts_user su ON su.id = r.submitted_by_id
LEFT JOIN accounts_user ru ON ru.id = r.reviewed_by_id
LEFT JOIN LATERAL (
    SELECT coalesce(sum(volume), 0) AS volume,
           round(coalesce(sum(volume * unit_price), 0), 2) AS value
    FROM alliances_delivery
    WHERE r.status <> 'accepted' AND alliance_id = a.id AND status = 'confirmed'
      AND delivered_on BETWEEN r.period_start AND r.period_end
) d ON true
LEFT JOIN LATERAL (
    SELECT coalesce(sum(e.amount), 0) AS repaid
    FROM monitoring_revolvingfundentry e JOIN monitoring_revolvingfund f ON f.id = e.fund_id
    WHERE r.status <> 'accepted' AND f.organization_id = a.producer_organization_id
      AND e.kind = 'repayment' AND e.occurred_on BETWEEN r.period_start AND r.period_end
) f ON true
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_array(i.code, x.value, x.women, x.youth, x.computed)
                    ORDER BY i.position, i.code) AS cells
    FROM (
        SELECT s.indicator_id, s.value, s.women, s.youth, i.source <> 'reported' AS computed
        FROM monitoring_indicatorvalue s JOIN monitoring_indicator i ON i.id = s.indicator_id
        WHERE s.report_id = r.id
          AND (r.status = 'accepted' OR i.source = 'reported'
               OR NOT EXISTS (SELECT FROM used u
                              WHERE u.program_id = a.program_id AND u.indicator_id = i.id))
        UNION ALL
        SELECT u.indicator_id,
               CASE u.source WHEN 'delivery_volume' THEN d.volume
                             WHEN 'delivery_value' THEN d.value ELSE f.repaid END,
               NULL, NULL, true
        FROM used u
        WHERE r.status <> 'accepted' AND u.program_id = a.program_id
          AND u.source <> 'reported'
    ) x
    JOIN monitoring_indicator i ON i.id = x.indicator_id
) v ON true
ORDER BY r.due_on DESC, r.id DESC
"""

# The personas whose tasks home is measured (`measure.persona_user`).
HOME_PERSONAS = ("superuser", "officer", "finance", "producer", "buyer", "funder")


@dataclass(frozen=True)
class Target:
    label: str
    path: str  # a URL name or a path
    persona: str
    floor: str
    count: str = ""  # the pager's count (or the API's `count`), by raw SQL
    task_items: bool = False  # home: the floor reads the task items it shows too

    @property
    def floors(self) -> list[str]:
        return [self.floor, self.count] if self.count else [self.floor]


def counted(table: str, where: str = "TRUE") -> str:
    """`count(*)` of `table` (alias `t`) where `where`. The lists counted are read by
    national staff or the superuser, who see every row: no `{scope}`."""
    return f"SELECT count(*) FROM {table} t WHERE {where}"  # noqa: S608 - our constants


ORGANIZATIONS_COUNT = counted("alliances_producerorganization")
AGREEMENTS_COUNT = counted("alliances_purchaseagreement")

TARGETS = [
    *(Target(f"GET / (home) · {p}", "home", p, HOME_FLOOR, task_items=True) for p in HOME_PERSONAS),
    Target(
        "GET /plans/",
        "plan-list",
        "superuser",
        PLAN_LIST_FLOOR,
        counted("plans_businessplan"),
    ),
    Target(
        "GET /organizations/",
        "alliances:organizations",
        "superuser",
        ORGANIZATIONS_FLOOR,
        ORGANIZATIONS_COUNT,
    ),
    Target(
        "GET /agreements/",
        "agreement-list",
        "superuser",
        AGREEMENTS_FLOOR,
        AGREEMENTS_COUNT,
    ),
    Target(
        "GET /finance/tranches/ · finance",
        "finance-queue",
        "finance",
        FINANCE_QUEUE_FLOOR,
        """SELECT count(*) FROM funding_tranche t
           JOIN funding_grantcommitment c ON c.id = t.commitment_id
           JOIN plans_businessplan p ON p.id = c.plan_id
           WHERE p.status = 'active' AND t.status IN ('verified', 'authorized')""",
    ),
    Target(
        "GET /api/v1/producer-organizations/",
        "/api/v1/producer-organizations/",
        "superuser",
        API_ORGANIZATIONS_FLOOR,
        ORGANIZATIONS_COUNT,
    ),
    Target(
        "GET /monitoring/reports/ · officer",
        "monitoring:reports",
        "officer",
        BOARD_FLOOR,
        counted("monitoring_monitoringreport", "t.status = 'due' AND t.due_on < current_date"),
    ),
    Target(
        "GET /api/v1/plans/",
        "/api/v1/plans/",
        "superuser",
        API_PLANS_FLOOR,
        counted("plans_businessplan"),
    ),
    Target(
        "GET /api/v1/alliances/",
        "/api/v1/alliances/",
        "superuser",
        API_ALLIANCES_FLOOR,
        counted("alliances_alliance"),
    ),
    Target(
        "GET /api/v1/purchase-agreements/",
        "/api/v1/purchase-agreements/",
        "superuser",
        API_AGREEMENTS_FLOOR,
        AGREEMENTS_COUNT,
    ),
    Target(
        "GET /api/v1/tranches/",
        "/api/v1/tranches/",
        "superuser",
        API_TRANCHES_FLOOR,
        counted("funding_tranche"),
    ),
    Target(
        "GET /api/v1/deliveries/",
        "/api/v1/deliveries/",
        "superuser",
        API_DELIVERIES_FLOOR,
        counted("alliances_delivery"),
    ),
    Target(
        "GET /api/v1/monitoring-reports/",
        "/api/v1/monitoring-reports/",
        "superuser",
        API_MONITORING_REPORTS_FLOOR,
        counted("monitoring_monitoringreport"),
    ),
]


def measure(env: dict, *, runs: int) -> dict[str, dict]:
    """{label: figures} for every target."""
    results = {}
    for target in TARGETS:
        figures = child(
            env,
            "page",
            path=target.path,
            persona=target.persona,
            floor=target.floors,
            runs=runs,
            task_items=target.task_items,
        )
        print(f"  {target.label}: {figures}", flush=True)
        results[target.label] = figures
    return results
