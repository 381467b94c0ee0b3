"""Never a 5xx (DESIGN.md §10): every URL pattern of /api/v1/, with the ids of real objects
(anonymously, as a producer and as a programme officer) and with unknown or malformed ids
(anonymously and as the officer), by every method (OPTIONS and HEAD included), with no
body and with junk bodies.

The patterns come from the URL resolver, so a new endpoint is walked by itself; one whose
collection has no real object here fails until `real_ids` names one. Each request runs in
a savepoint that is rolled back, so every request meets the same data."""

import datetime
import logging
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from alliances.models import Delivery
from config.api_urls import router
from funding import services as money
from funding.models import PurchaseAgreement
from monitoring.models import Indicator, MonitoringReport
from plans import services
from plans.models import PlanStatus
from reports.models import ReportJob
from tests.api.parity_objects import parity_real_ids
from tests.factories import attach_evidence
from webhooks.models import Webhook

pytestmark = pytest.mark.heavy

METHODS_WITHOUT_BODY = ["GET", "HEAD", "OPTIONS", "DELETE"]
METHODS_WITH_BODY = ["POST", "PUT", "PATCH"]
JSON = "application/json"
JUNK_VALUES = (
    b'{"comment": {"a": [1]}, "years": "x", "kind": [], "parameters": "x", '
    b'"approved_grant": {}, "title": null, "id": -1, "amount": "1e999", "file": 3}'
)
NUL_VALUES = (  # PostgreSQL refuses NUL in text and in jsonb
    b'{"comment": "\\u0000", "kind": "portfolio_xlsx", "parameters": {"program": "\\u0000"}, '
    b'"reason": "\\u0000", "title": "\\u0000", "name": "a\\u0000b"}'
)
# (content type, body): the first is also sent to unknown ids, the second to a method the
# URL does not answer.
BODIES = [
    (None, None),
    (JSON, b"not json"),
    (JSON, b"{}"),
    (JSON, b'[1, "x", null]'),
    (JSON, b'"a string"'),
    (JSON, JUNK_VALUES),
    (JSON, b"\xff\xfe\x00{"),
    (JSON, NUL_VALUES),
    ("text/plain", b"hello"),
    ("multipart/form-data; boundary=xx", b"--xx\r\nnot a part"),
]
UNKNOWN_IDS = ["999999999", "abc", "9" * 25, "\x00"]
JUNK_QUERY = (
    "?page=99999999999999999999999&page_size=-1&ordering=nope&program=x&status=%00"
    "&updated_since=never&alliance=%00&kind=%00&search=%00"
)


def allowed_methods(view) -> set[str]:
    actions = getattr(view, "actions", None)  # a viewset's methods for this URL
    if actions is not None:
        return {method.upper() for method in actions}
    return {m.upper() for m in view.cls.http_method_names if hasattr(view.cls, m)}


def api_patterns():
    """(name, path kwargs, methods it answers) of every URL pattern of the API's namespace."""
    found = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif namespace == "api":
                kwargs = sorted(pattern.pattern.regex.groupindex)
                found.append((pattern.name, kwargs, allowed_methods(pattern.callback)))

    walk(get_resolver().url_patterns, None)
    return found


@pytest.fixture
def real_ids(world):
    """The id of a real object of each collection, by the router's basename."""
    draft = world.build(PlanStatus.DRAFT)
    active = world.build(PlanStatus.ACTIVE)
    appraised = world.build(PlanStatus.APPRAISAL)
    appraisal = services.appraisal_assign(
        plan=appraised, appraiser=world.appraiser, by=world.officer
    )
    tranches = active.commitment.tranches.order_by("number")
    evidence = attach_evidence(tranches[0], by=world.producer)
    money.tranche_request(tranche=tranches[0], by=world.producer)
    money.tranche_verify(tranche=tranches[0], by=world.officer)
    money.tranche_authorize(tranche=tranches[0], by=world.finance)
    payment = money.tranche_pay(
        tranche=tranches[0],
        by=world.finance2,
        amount=tranches[0].amount,
        paid_on=timezone.localdate(),
        reference="WALK-1",
    )
    delivery = Delivery.objects.create(
        alliance=active.alliance,
        delivered_on=timezone.localdate(),
        volume=Decimal("1000"),
        unit_price=Decimal("240"),
        recorded_by=world.producer,
    )
    start = timezone.localdate() - datetime.timedelta(days=90)
    report = MonitoringReport.objects.create(
        alliance=active.alliance,
        period_start=start,
        period_end=start + datetime.timedelta(days=89),
        due_on=start + datetime.timedelta(days=105),
    )
    job = ReportJob.objects.create(
        kind="portfolio_xlsx", requester=world.producer, title="Portfolio", filename="p.xlsx"
    )
    return {
        "plan_pk": draft.pk,
        "organization": world.org_a.pk,
        "buyer": world.buyer.pk,
        "funder": world.funder.pk,
        "program": world.program.pk,
        "alliance": active.alliance_id,
        "plan": active.pk,
        "plan-budget-line": draft.current_version.budget_lines.first().pk,
        "appraisal": appraisal.pk,
        "agreement": PurchaseAgreement.objects.get(alliance=active.alliance).pk,
        "delivery": delivery.pk,
        "tranche": tranches[1].pk,
        "disbursement": payment.pk,
        "monitoring-report": report.pk,
        "indicator": Indicator.objects.order_by("pk").first().pk,
        "report": job.pk,
        "webhook": Webhook.objects.create(
            owner=world.officer, url="https://example.org/hook", events=["*"], secret="x" * 20
        ).pk,
        **parity_real_ids(world, active, evidence),
    }


# Routes below a plan: the plan is `id`, what lies below it names itself.
KWARG_KEYS = {
    ("plan-budget-line", "id"): "plan_pk",
    ("plan-budget-line", "line_id"): "plan-budget-line",
    ("plan-cash", "id"): "plan_pk",  # plan-cash-flows
    ("plan-document", "document_id"): "document_id",
    ("plan", "number"): "version_number",  # plans/{id}/versions/{number}/
    ("organization-member", "member_id"): "member_id",
}


def basename_of(name: str) -> str | None:
    names = [basename for _prefix, _viewset, basename in router.registry]
    matches = [b for b in names if name.startswith(f"{b}-")]
    return max(matches, key=len) if matches else None


def urls_of(name: str, kwargs: list[str], ids: dict, *, unknown=True) -> list[tuple[str, bool]]:
    """(URL, has real ids) for a pattern: real ids, then (`unknown`) unknown ones in each
    place."""
    if not kwargs:
        return [(reverse(f"api:{name}"), True)]
    real = {}
    for kwarg in kwargs:
        key = KWARG_KEYS.get((name.rsplit("-", 1)[0], kwarg)) or basename_of(name)
        assert key in ids, f"no real object for {kwarg} of {name}: add one to real_ids"
        real[kwarg] = ids[key]
    urls = [(reverse(f"api:{name}", kwargs=real), True)]
    for kwarg in kwargs if unknown else ():
        for unknown in UNKNOWN_IDS:
            urls.append((reverse(f"api:{name}", kwargs={**real, kwarg: unknown}), False))
    return urls


@pytest.fixture
def no_throttle(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None, "auth": None}
    )


@pytest.mark.parametrize("persona", [None, "producer", "officer"])
def test_no_request_gets_a_server_error(api, world, real_ids, persona, no_throttle, caplog):
    client = api(getattr(world, persona) if persona else None)
    client.raise_request_exception = False  # a 500 is an answer to report, not a crash
    patterns = api_patterns()
    assert len(patterns) >= 70
    failures = []
    sent = 0

    def send(method, url, content_type=None, body=None):
        nonlocal sent
        sent += 1
        extra = {"content_type": content_type} if content_type else {}
        with transaction.atomic():
            try:
                response = client.generic(method, url, body or b"", **extra)
            finally:
                transaction.set_rollback(True)
        if response.status_code >= 500:
            failures.append(f"{method} {url} {content_type} {body!r}: {response.status_code}")

    # Unknown ids are sent anonymously and by the officer, who passes the permission
    # checks of nearly every lookup; the producer, whose scope is the narrowest, sends
    # the real ones (an unknown id meets the same lookup whoever sends it).
    unknown = persona != "producer"
    for name, kwargs, allowed in patterns:
        for url, real in urls_of(name, kwargs, real_ids, unknown=unknown):
            for method in METHODS_WITHOUT_BODY:
                send(method, url)
            if real:
                send("GET", url + JUNK_QUERY)
            for method in METHODS_WITH_BODY:
                # A method the URL does not answer is a 405 whatever the body and the id:
                # sent once, with the real ids.
                if method not in allowed:
                    if real:
                        send(method, url, *BODIES[1])
                    continue
                # An unknown id is refused before the body is read: sent without one.
                for content_type, body in BODIES if real else BODIES[:1]:
                    send(method, url, content_type, body)
    assert failures == []
    assert sent > (1000 if unknown else 500), sent
    # OPTIONS leaves out what it cannot describe; it must not be because of a bug.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
