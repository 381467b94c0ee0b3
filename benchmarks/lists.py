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

# The personas whose tasks home is measured (`measure.persona_user`).
HOME_PERSONAS = ("superuser", "officer", "finance", "producer", "buyer", "funder")


@dataclass(frozen=True)
class Target:
    label: str
    path: str  # a URL name or a path
    persona: str
    floor: str


TARGETS = [
    *(Target(f"GET / (home) · {p}", "home", p, HOME_FLOOR) for p in HOME_PERSONAS),
    Target("GET /plans/", "plan-list", "superuser", PLAN_LIST_FLOOR),
    Target("GET /organizations/", "alliances:organizations", "superuser", ORGANIZATIONS_FLOOR),
    Target("GET /agreements/", "agreement-list", "superuser", AGREEMENTS_FLOOR),
    Target("GET /finance/tranches/ · finance", "finance-queue", "finance", FINANCE_QUEUE_FLOOR),
    Target(
        "GET /api/v1/producer-organizations/",
        "/api/v1/producer-organizations/",
        "superuser",
        API_ORGANIZATIONS_FLOOR,
    ),
    Target("GET /api/v1/plans/", "/api/v1/plans/", "superuser", API_PLANS_FLOOR),
]


def measure(env: dict, *, runs: int) -> dict[str, dict]:
    """{label: figures} for every target."""
    results = {}
    for target in TARGETS:
        figures = child(
            env, "page", path=target.path, persona=target.persona, floor=target.floor, runs=runs
        )
        print(f"  {target.label}: {figures}", flush=True)
        results[target.label] = figures
    return results
