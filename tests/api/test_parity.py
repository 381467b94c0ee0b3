"""Parity between the pages and the API (issue 19): every object a page shows or edits
has an endpoint, so that an outside system can do what a person does in the browser.

Two lists are derived from the code, not written down, so that neither a new page nor a
new object can arrive without the API noticing:

- the pages: every URL pattern of the web application (walked from the root URLconf),
  leaving out the API itself, the admin and the infrastructure (language switch, health
  check). Each page names the API routes that show or do what it shows or does
  (`PAGES`), or says why it has none (`BROWSER_ONLY`), or is a known gap (`NOT_YET`);
- the objects: every model of the apps that have pages. Each names the API routes that
  show it (`OBJECTS`), or is internal (`INTERNAL`, never shown by a page), or is a known
  gap (`OBJECTS_NOT_YET`).

A page walk alone would miss a new model shown on an existing page (a new kind of row on
the disbursement page); a model walk alone would miss a new page that acts on an existing
model (a "correct a delivery" page). The step tables and the label registry, the other
candidates, know only the stateful models (8 of the 40): they would have missed every
object of this issue (baselines, targets, revolving funds, documents, notifications).

Every route named must exist in the API's URLconf (`api:` names), and the gaps are a
ratchet: a gap that gets its endpoint must leave `NOT_YET`.
"""

from __future__ import annotations

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from plans.services import PLAN_ACTIONS
from plans.workflow import transitions_named

# Not pages of the product: the API and its docs, the admin, the language switch, the
# load balancers' health check.
NOT_PAGES = ("api/", "admin/", "i18n/", "healthz/")

PLAN_TRANSITIONS = tuple(f"plan-{transitions_named(name)[0].api_name}" for name in PLAN_ACTIONS)

# Page (URL name) -> the API routes (URL names in the `api` namespace) that do its work.
PAGES: dict[str, tuple[str, ...]] = {
    "home": ("plan-list", "appraisal-list"),
    "plan-list": ("plan-list",),
    "plan-propose": ("plan-list",),  # POST
    "plan-detail": ("plan-detail",),
    "plan-edit": ("plan-current-version",),
    "plan-budget": ("plan-budget-line-list",),
    "plan-budget-line": ("plan-budget-line-detail",),
    "plan-budget-delete": ("plan-budget-line-detail",),  # DELETE
    "plan-cash-flows": ("plan-cash-flows",),
    "plan-analysis": ("plan-current-version",),  # its `analysis`
    "plan-documents": ("plan-document-list",),  # GET, POST
    "plan-document": ("plan-document-detail", "plan-document-download"),
    "plan-action": PLAN_TRANSITIONS,
    "plan-screening": ("plan-screening",),
    "plan-appraisers": ("plan-appraisals",),
    "plan-decision": ("plan-approve", "plan-reject", "plan-request-revision"),
    "appraisal": ("appraisal-detail", "appraisal-declare-no-conflict", "appraisal-submit"),
    "plan-agreement": (
        "agreement-detail",
        "agreement-send",
        "agreement-confirm",
        "agreement-decline",
    ),
    "plan-agreement-edit": ("agreement-list", "agreement-detail"),  # POST, PATCH
    "plan-agreement-pdf": ("agreement-detail",),  # the same terms, as data
    "plan-legalization": ("alliance-legalization-checks",),
    "plan-disbursement": (
        "tranche-list",
        "tranche-evidence",
        "tranche-request",
        "tranche-verify",
        "tranche-authorize",
        "tranche-pay",
        "disbursement-list",
        "disbursement-reverse",
        "counterpart-contribution-list",
        "counterpart-contribution-verify",
    ),
    "agreement-list": ("agreement-list",),
    "finance-queue": ("tranche-list",),  # ?status=verified&status=authorized
    "program-list": ("program-list",),
    "program-ledger": ("disbursement-list",),  # ?program=
    "reports:list": ("report-list",),
    "reports:new": ("report-list",),  # POST
    "reports:detail": ("report-detail",),
    "reports:status": ("report-detail",),
    "reports:download": ("report-download",),
    "monitoring:reports": ("monitoring-report-list",),
    "monitoring:report": (
        "monitoring-report-detail",
        "monitoring-report-submit",
        "monitoring-report-accept",
        "monitoring-report-return-",
        "monitoring-report-evidence",
    ),
    "monitoring:deliveries": ("delivery-list",),
    "monitoring:delivery-confirm": ("delivery-confirm",),
    "monitoring:delivery-dispute": ("delivery-dispute",),
    "monitoring:indicators": ("alliance-indicator-target-list",),
    "monitoring:targets": ("alliance-indicator-target-list",),  # PATCH
    "monitoring:revolving-fund": ("revolving-fund-list", "revolving-fund-entry-list"),
    "monitoring:dashboard": ("portfolio",),
    "notifications": ("notification-list",),
    "notification-read": ("notification-read",),
    "notifications-read-all": ("notification-read-all",),
    "alliances:organizations": ("organization-list",),
    "alliances:organization": ("organization-detail", "organization-member-list"),
    "alliances:organization-edit": ("organization-detail",),  # PATCH
    "alliances:member-add": ("organization-member-list",),  # POST
    "alliances:member-edit": ("organization-member-detail",),  # PATCH
    # The page's three steps are one request: `dry_run` previews, without it imports.
    "alliances:roster-upload": ("organization-roster-import",),
    "alliances:roster-preview": ("organization-roster-import",),
    "alliances:roster-import": ("organization-roster-import",),
    "plan-compare": ("plan-version",),  # two versions, one request each
    "plan-history": ("plan-history",),
    "monitoring:delivery-record": ("delivery-list",),  # POST
    "monitoring:delivery-correct": ("delivery-correct",),
    "profile": ("me",),  # PATCH
}

# Signing in and keeping one's credentials: the API signs in with `auth/token/`.
BROWSER_ONLY = {
    "login": "the API signs in with POST auth/token/ (with `code` for two factors)",
    "login_verify": "the second step of the browser's sign-in",
    "logout": "the API revokes its token with DELETE auth/token/",
    "two_factor": "setting up an authenticator app is done in the browser, once",
    "two_factor_setup": "as above",
    "two_factor_backup_codes": "as above",
    "two_factor_turn_off": "as above",
    "password_change": "a password is changed where it is typed, never through a token",
    "password_change_done": "as above",
    "password_reset": "the reset link arrives by e-mail and opens in the browser",
    "password_reset_done": "as above",
    "password_reset_confirm": "as above",
    "password_reset_complete": "as above",
}

# Known gaps: pages whose work has no endpoint yet (none left: keep the ratchet).
NOT_YET: dict[str, str] = {}

# Model -> the API routes that show it (itself, or nested in what they answer).
OBJECTS: dict[str, tuple[str, ...]] = {
    "accounts.User": ("me",),
    "accounts.Membership": ("me",),  # its `roles`
    "accounts.Notification": ("notification-list",),
    "alliances.Region": ("organization-list", "program-list"),
    "alliances.ValueChain": ("program-list", "alliance-list"),
    "alliances.Product": ("program-list",),
    "alliances.ProducerOrganization": ("organization-list",),
    "alliances.Member": ("organization-member-list",),
    "alliances.Buyer": ("buyer-list",),
    "alliances.Funder": ("funder-list",),
    "alliances.Alliance": ("alliance-list",),
    "alliances.Delivery": ("delivery-list",),
    "plans.BusinessPlan": ("plan-list",),
    "plans.PlanVersion": ("plan-current-version", "plan-version", "plan-detail"),
    "plans.CommitteeDecision": ("plan-decisions",),
    "plans.TransitionLog": ("plan-timeline",),
    "plans.BudgetLine": ("plan-budget-line-list",),
    "plans.CashFlowRow": ("plan-cash-flows",),
    "plans.ScreeningCheck": ("plan-screening",),
    "plans.AppraisalAssignment": ("appraisal-list",),
    "plans.CriterionScore": ("appraisal-detail",),
    "plans.PlanDocument": ("plan-document-list", "plan-document-download"),
    "funding.Program": ("program-list",),
    "funding.ProgramFunding": ("program-detail",),
    "funding.RubricCriterion": ("program-detail",),
    "funding.PurchaseAgreement": ("agreement-list",),
    "funding.PurchaseAgreementVersion": ("agreement-detail",),
    "funding.LegalizationRequirement": ("program-detail", "alliance-legalization-checks"),
    "funding.LegalizationCheck": ("alliance-legalization-checks",),
    "funding.Tranche": ("tranche-list",),
    "funding.Payment": ("disbursement-list",),
    "funding.GrantCommitment": ("commitment-list",),
    "funding.CounterpartContribution": ("counterpart-contribution-list",),
    "monitoring.MonitoringReport": ("monitoring-report-list",),
    "monitoring.Indicator": ("indicator-list",),
    "monitoring.IndicatorBaseline": ("alliance-indicator-target-list",),
    "monitoring.IndicatorTarget": ("alliance-indicator-target-list",),
    "monitoring.IndicatorValue": ("monitoring-report-detail",),
    "monitoring.RevolvingFund": ("revolving-fund-list",),
    "monitoring.RevolvingFundEntry": ("revolving-fund-entry-list",),
    "reports.ReportJob": ("report-list",),
    # The dashboard's stored figures, added up for the reader as on the page.
    **{
        f"monitoring.Portfolio{part}": ("portfolio",)
        for part in ("Slice", "Stage", "Month", "Agreed", "Delivered")
    },
    # The status board's counts of reports per column: the reports list, by status and
    # due date, with its count.
    "monitoring.PortfolioBoard": ("monitoring-report-list",),
}

# Never shown by a page as such.
INTERNAL = {
    "accounts.ApiTokenGrant": "how an API token was issued (auth/token/ hands out the token)",
    "alliances.TechnicalAssistanceProvider": "set up in the admin; its users act for the "
    "organizations it accompanies",
}

# Known gaps: objects the pages show that no endpoint shows yet (none left).
OBJECTS_NOT_YET: dict[str, str] = {}


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield route, f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern


def pages() -> dict[str, URLPattern]:
    return {
        name: pattern
        for route, name, pattern in _walk(get_resolver().url_patterns)
        if not route.startswith(NOT_PAGES)
    }


def page_apps() -> set[str]:
    """The project's apps that have pages: those whose modules hold the pages' views."""
    modules = {getattr(p.callback, "__module__", "").split(".")[0] for p in pages().values()}
    return {config.label for config in apps.get_app_configs() if config.name in modules}


def api_names() -> set[str]:
    v1 = get_resolver("config.api_urls").url_patterns[0]
    return {name.removeprefix("api:") for _route, name, _pattern in _walk(v1.url_patterns)}


def test_every_page_is_accounted_for():
    accounted = set(PAGES) | set(BROWSER_ONLY) | set(NOT_YET)
    names = set(pages())
    assert sorted(names - accounted) == [], "a page without its API routes: add it to PAGES"
    assert sorted(accounted - names) == [], "no such page any more"
    assert not set(PAGES) & set(NOT_YET), "a page with its routes is no longer a gap"


def test_every_object_of_the_pages_is_accounted_for():
    assert {"accounts", "alliances", "plans", "funding", "monitoring", "reports"} <= page_apps()
    models = {
        model._meta.label
        for app in page_apps()
        for model in apps.get_app_config(app).get_models()
        if not model._meta.auto_created
    }
    accounted = set(OBJECTS) | set(INTERNAL) | set(OBJECTS_NOT_YET)
    assert sorted(models - accounted) == [], "an object without its API routes: add it to OBJECTS"
    assert sorted(accounted - models) == [], "no such model any more"
    assert not set(OBJECTS) & set(OBJECTS_NOT_YET), "an object with its routes is no longer a gap"


def test_every_route_named_exists_in_the_api():
    named = {name for names in (*PAGES.values(), *OBJECTS.values()) for name in names}
    assert sorted(named - api_names()) == []


def test_the_objects_of_issue_19_have_their_endpoints():
    """What the issue names: baselines and targets, revolving-fund movements and balance,
    counterpart contributions (record, verify), documents (list, upload, download),
    notifications (list, mark read)."""
    assert {
        "alliance-indicator-target-list",
        "revolving-fund-list",
        "revolving-fund-entry-list",
        "counterpart-contribution-list",
        "counterpart-contribution-verify",
        "plan-document-list",
        "plan-document-download",
        "monitoring-report-evidence",
        "notification-list",
        "notification-read",
        "notification-read-all",
    } <= api_names()
