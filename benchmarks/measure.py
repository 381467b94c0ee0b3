"""The measurements themselves, run inside a child process with Django set up
(`python -m benchmarks.child <function> <json>`); each returns a dict of figures.

Times are seconds, memory is the peak resident set size of the process (ru_maxrss) in MB.
Pages are asked for as a browser asks: over HTTPS, accepting gzip, signed in as one of the
personas below (created in the benchmark database on first use).
"""

from __future__ import annotations

import gzip
import multiprocessing
import re
import resource
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock
from urllib.parse import urljoin

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import Membership, Role, User
from accounts.policy import plans_visible_to, programs_visible_to
from accounts.worklist import tasks_for
from alliances.models import Alliance, Funder
from monitoring import figures
from monitoring.dashboard import portfolio
from plans.views.overview import TASK_ITEMS
from reports import services
from reports.generators.base import Context, Progress
from reports.generators.portfolio import alliance_queryset

SEED_FUND = "Seed portfolio fund"  # demo/seeding.py: funds the three seeded programmes


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _busiest(field: str) -> int:
    """The id of the organization or buyer with the most alliances (ties: the first)."""
    row = Alliance.objects.values(field).annotate(n=Count("id")).order_by("-n", field).first()
    return row[field]


def persona_user(persona: str) -> User:
    """superuser (sees everything through the superuser's shortcut); officer and finance:
    a national programme or finance officer; producer and buyer: a representative of the
    organization or buyer with the most alliances; funder: a member of the seeding fund,
    which funds the three seeded programmes (the funder's scope, not the shortcut)."""
    if persona == "superuser":
        return User.objects.get_or_create(
            username="bench_admin", defaults={"is_superuser": True, "is_staff": True}
        )[0]
    user = User.objects.get_or_create(username=f"bench_{persona}")[0]
    binding = {
        "officer": {"role": Role.PROGRAMME_OFFICER},
        "finance": {"role": Role.FINANCE_OFFICER},
        "funder": {"role": Role.FUNDER, "funder": Funder.objects.get(name=SEED_FUND)},
        "producer": {
            "role": Role.PRODUCER,
            "producer_organization_id": _busiest("producer_organization"),
        },
        "buyer": {"role": Role.BUYER, "buyer_id": _busiest("buyer")},
    }[persona]
    Membership.objects.get_or_create(user=user, **binding)
    return user


def scope_sql(user: User) -> str:
    """A floor's `{scope}`: the condition on the alliance `a` that the persona's scope
    amounts to on the seeded portfolio."""
    membership = user.memberships.first()
    if membership is None or membership.role in (Role.PROGRAMME_OFFICER, Role.FINANCE_OFFICER):
        return "TRUE"  # a superuser, national staff
    if membership.role == Role.PRODUCER:
        return f"a.producer_organization_id = {membership.producer_organization_id:d}"
    if membership.role == Role.BUYER:
        return f"a.buyer_id = {membership.buyer_id:d}"
    ids = ", ".join(str(pk) for pk in programs_visible_to(user).values_list("pk", flat=True))
    return f"a.program_id IN ({ids or 'NULL'})"


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_ENCODING="gzip, deflate")
    client.force_login(user)
    return client


def _url(path: str) -> str:
    return path if path.startswith("/") else reverse(path)


def _get(client: Client, url: str, status: int = 200) -> tuple[float, int]:
    """(seconds, bytes transferred) of one request."""
    started = time.perf_counter()
    response = client.get(url, secure=True)
    elapsed = time.perf_counter() - started
    assert response.status_code == status, (url, response.status_code)
    return elapsed, len(response.content)


# What any request costs before it reads its rows, as the same persona through the same
# stack (middleware, session, scope, and for a page the base layout with its menu and
# task counts): an API answer of no rows (`me/`, the user's own record) and, for pages,
# the "not found" page, which is the base layout around one sentence.
EMPTY_API = ("/api/v1/me/", 200)
EMPTY_PAGE = ("/benchmarks-empty-page/", 404)


def _empty(url: str) -> tuple[str, int]:
    return EMPTY_API if url.startswith("/api/") else EMPTY_PAGE


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _read(sql: str | list[str]) -> int:
    """Run the floor's statements, fetching every row; the number of rows."""
    rows = 0
    with connection.cursor() as cursor:
        for statement in [sql] if isinstance(sql, str) else sql:
            cursor.execute(statement)
            rows += len(cursor.fetchall())
    return rows


def task_items_sql(user: User) -> list[str]:
    """What home reads of the user's tasks beside its plans: the first records of each
    task with records waiting (`accounts.worklist.with_items`), each as the SQL the ORM
    writes for it, with its values in place. The page shows those rows; the floor reads
    them too, raw."""
    statements = []
    with connection.cursor() as cursor:
        for task in tasks_for(user):
            if task.count and task.records is not None and task.item is not None:
                sql, params = task.records[:TASK_ITEMS].query.sql_with_params()
                statements.append(cursor.mogrify(sql, params).decode())
    return statements


def page(
    *, path: str, persona: str, floor: str | list[str], runs: int, task_items: bool = False
) -> dict:
    """A page or API list: the median of `runs` requests after a warm-up, the queries of
    one, and its floor (`floor`, SQL with `{scope}`; with `task_items`, home's, the SQL of
    the task items too) timed the same way."""
    user = persona_user(persona)
    scope = scope_sql(user)
    floor_sql = [
        sql.replace("{scope}", scope) for sql in ([floor] if isinstance(floor, str) else floor)
    ]
    if task_items:
        floor_sql += task_items_sql(user)
    client, url = _client(user), _url(path)
    _get(client, url)  # the warm-up runs
    floor_rows = _read(floor_sql)
    with CaptureQueriesContext(connection) as captured:
        _, size = _get(client, url)
    queries = len(captured)  # read now: the next request empties the connection's log
    times = [_get(client, url)[0] for _ in range(runs)]
    floors = [_timed(lambda: _read(floor_sql)) for _ in range(runs)]
    empty_url, empty_status = _empty(url)
    _get(client, empty_url, empty_status)
    stack = [_get(client, empty_url, empty_status)[0] for _ in range(runs)]
    return {
        "median": statistics.median(times),
        "floor": statistics.median(floors),
        "stack": statistics.median(stack),
        "floor_rows": floor_rows,
        "queries": queries,
        "kb": size / 1024,
        "peak_mb": rss_mb(),
    }


def _load_worker(url: str, user: User, requests: int, start, results) -> None:
    client = _client(user)
    _get(client, url)  # warm-up: this process's connection, templates and cache
    start.wait()
    results.put([_get(client, url)[0] for _ in range(requests)])
    connection.close()


def load(*, path: str, persona: str, clients: int, requests: int) -> dict:
    """`clients` processes each ask for the page `requests` times at once: the median and
    the 95th percentile of every request's time, and the requests served per second."""
    user, url = persona_user(persona), _url(path)
    connection.close()  # each process opens its own
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(clients), context.Queue()
    processes = [
        context.Process(target=_load_worker, args=(url, user, requests, start, results))
        for _ in range(clients)
    ]
    began = time.perf_counter()
    for process in processes:
        process.start()
    times = sorted(t for _ in processes for t in results.get())
    wall = time.perf_counter() - began
    for process in processes:
        process.join()
    return {
        "median": statistics.median(times),
        "p95": times[max(0, round(len(times) * 0.95) - 1)],
        "per_second": len(times) / wall,
    }


class _ColdCache:
    """The cache as the first reader after a refresh finds it: a miss (a real round trip),
    then the entry written."""

    def get(self, key, default=None):
        return cache.get(f"{key}:cold", default)

    def set(self, *args, **kwargs):
        return cache.set(*args, **kwargs)


def dashboard(*, persona: str, floor: list[str], runs: int) -> dict:
    """The portfolio dashboard: warm (its figures and markup from the cache) and cold (a
    miss), its floor (the summary rows it shows, by hand-written SQL), the selector, the
    same figures computed from the ledger's rows, and (superuser) the summary's rebuild
    and one slice's refresh."""
    user = persona_user(persona)
    client, url = _client(user), reverse("monitoring:dashboard")

    def median_of(function, n=runs):
        function()  # the warm-up run
        return statistics.median(_timed(function) for _ in range(n))

    _get(client, url)  # the warm-up run
    with CaptureQueriesContext(connection) as captured:
        _, size = _get(client, url)
    queries = len(captured)
    pages = [_get(client, url)[0] for _ in range(runs)]
    with mock.patch("monitoring.views.dashboard.cache", _ColdCache()):
        cold = [_get(client, url)[0] for _ in range(runs)]
    out = {
        "median": statistics.median(pages),
        "cold": statistics.median(cold),
        "queries": queries,
        "kb": size / 1024,
        # A fresh user each time: the policy caches its scope on the user object.
        "selector": median_of(lambda: portfolio(User.objects.get(pk=user.pk))),
        "floor": median_of(lambda: _read(floor)),
        "from_rows": median_of(
            lambda: figures._compute(Alliance.objects.all(), timezone.localdate()), n=1
        ),
        "peak_mb": rss_mb(),
    }
    if persona == "superuser":
        out["rebuild"] = median_of(figures.portfolio_figures_rebuild, n=1)
        one = Alliance.objects.order_by("pk").values_list("pk", flat=True)[0]
        out["refresh"] = median_of(lambda: figures.portfolio_figures_refresh(alliance_ids=[one]))
    return out


def _floor_workbook(floors: list[str]) -> tuple[Workbook, int]:
    """The floors' rows appended as they come to an openpyxl write-only workbook, one
    sheet per statement, each read from a server-side cursor in chunks (as reports do)."""
    workbook, rows = Workbook(write_only=True), 0
    for number, sql in enumerate(floors):
        sheet = workbook.create_sheet(f"Sheet {number + 1}")
        with transaction.atomic(), connection.connection.cursor(name=f"floor{number}") as cursor:
            cursor.execute(sql)
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    if isinstance(row[-1], list):  # the indicator's figures per period
                        row = (*row[:-1], *row[-1])
                    sheet.append(row)
                    rows += 1
    return workbook, rows


def report(*, kind: str, mode: str, floors: list[str]) -> dict:
    """`mode` "report": the file as a worker makes it (`report_generate` of a job asked for
    by the superuser, every sheet, formats, progress bar), the whole job's queries counted.
    `mode` "floor": the same rows from `floors` (one statement per sheet), or for the
    portfolio the generator's own alliance query, into a write-only sheet, nothing else."""
    user = persona_user("superuser")
    baseline, queries, rows = rss_mb(), 0, 0
    started = time.perf_counter()
    # Generated below, in this process: the request queues nothing (and, run inside the
    # test suite, leaves the queueing of later tests as it was).
    with mock.patch.object(services, "enqueue", lambda job_id: None):
        job = services.report_request(kind=kind, parameters={}, by=user, language="en")
    if mode == "report":
        with CaptureQueriesContext(connection) as captured:
            outcome = services.report_generate(job.pk, notify=False)
        queries = len(captured)
        job.refresh_from_db()
        assert outcome == "succeeded", job.error
        size = Path(job.file.path).stat().st_size
    else:
        if floors:
            workbook, rows = _floor_workbook(floors)
        else:
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("Alliances")
            ctx = Context(job, user, Progress(lambda percent: None), "en", {})
            for row in alliance_queryset(ctx).iterator(chunk_size=2000):
                sheet.append(row)
                rows += 1
        out = Path(tempfile.mkdtemp()) / "floor.xlsx"
        workbook.save(out)
        size = out.stat().st_size
    return {
        "seconds": time.perf_counter() - started,
        "peak_mb": rss_mb(),
        "baseline_mb": baseline,
        "file_mb": size / 1e6,
        "queries": queries,
        "rows": rows,
    }


ASSETS = re.compile(
    r'<link[^>]+rel="(?:stylesheet|icon)"[^>]*href="([^"]+)"|<script[^>]+src="([^"]+)"'
)
CSS_URLS = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _text(response, body: bytes) -> str:
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return body.decode()


def weight(*, persona: str) -> dict:
    """What a browser accepting gzip transfers (bodies): the persona's first page (home)
    with the assets a first visit loads (stylesheets, scripts, one icon, what the
    stylesheets load), then later pages with the assets cached (HTML only)."""
    user = persona_user(persona)
    client = _client(user)
    home = client.get(reverse("home"), secure=True)
    assert home.status_code == 200, home.status_code
    html = _body(home)
    assets, icon = [], False
    for stylesheet_or_icon, script in ASSETS.findall(_text(home, html)):
        if stylesheet_or_icon and "favicon" in stylesheet_or_icon:
            if icon:
                continue  # a browser loads one of the icons offered
            icon = True
        assets.append(stylesheet_or_icon or script)
    loaded = []
    for url in assets:
        response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)
        body = _body(response)
        loaded.append((url, len(body), response.get("Content-Encoding", "")))
        if url.endswith(".css"):
            for ref in CSS_URLS.findall(_text(response, body)):
                if not ref.startswith("data:"):
                    assets.append(urljoin(url, ref))
    plan = plans_visible_to(user).order_by("-updated_at", "-id").first()
    later = {"home": reverse("home"), "plans": reverse("plan-list")}
    if plan is not None:
        later["plan"] = reverse("plan-detail", args=[plan.pk])
    later_bytes = {}
    for name, url in later.items():
        response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)
        later_bytes[name] = [len(_body(response)), response.get("Content-Encoding", "")]
    return {
        "first": len(html),
        "first_encoding": home.get("Content-Encoding", ""),
        "assets": loaded,
        "later": later_bytes,
    }
