"""`python -m benchmarks` keeps working (issue 17): every measurement it makes runs on a
small seeded portfolio (in this process, on the test database: each list and its floor,
the dashboard, each report and its floor, the page weight), and its tables say which
targets are met. The figures themselves are the command's business, not the suite's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from benchmarks import __main__ as command
from benchmarks import dashboard, lists, measure, reports, weight
from benchmarks.tables import Row, figures_table, weight_table
from demo.seeding import seed_portfolio


@pytest.fixture
def portfolio(db):
    seed_portfolio(20)


def test_the_command_measures_every_group_at_three_sizes_by_default():
    args = command.arguments([])
    assert args.sizes == [1_000, 10_000, 50_000]
    assert args.only == ["lists", "dashboard", "load", "reports", "weight"]
    assert (args.runs, args.clients, args.fresh) == (None, 8, False)
    args = command.arguments(["--sizes", "50", "--only", "lists", "--runs", "1"])
    assert (args.sizes, args.only, args.runs) == ([50], ["lists"], 1)


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_every_list_and_its_floor_run(portfolio):
    assert len(lists.TARGETS) == 18
    for target in lists.TARGETS:
        figures = measure.page(
            path=target.path,
            persona=target.persona,
            floor=target.floors,
            runs=1,
            task_items=target.task_items,
        )
        assert set(figures) == {
            "median", "floor", "stack", "floor_rows", "queries", "kb", "peak_mb"
        }  # fmt: skip
        assert figures["queries"] > 0, target.label


@override_settings(ALLOWED_HOSTS=["testserver"])
@pytest.mark.parametrize("persona", lists.HOME_PERSONAS)
def test_each_home_floor_reads_the_task_items_home_shows(portfolio, client, persona):
    """A home's floor reads, besides its plans, as many records of each task as home
    shows: the rows of the page, by raw SQL."""
    (target,) = [t for t in lists.TARGETS if t.path == "home" and t.persona == persona]
    assert target.task_items
    user = measure.persona_user(persona)
    client.force_login(user)
    response = client.get(measure._url(target.path), secure=True)
    shown = [len(task.items) for task in response.context["my_tasks"] if task.items]
    read = []
    with connection.cursor() as cursor:
        for statement in measure.task_items_sql(user):
            cursor.execute(statement)
            read.append(len(cursor.fetchall()))
    assert read == shown, persona
    if persona in ("officer", "finance", "producer"):  # work waits for them in this seed
        assert shown, persona  # rows to compare: [] == [] would prove nothing


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_each_floor_counts_what_its_list_counts(portfolio, client):
    """A paged list's floor counts its rows as its pager (or the API's `count`) does."""
    counted = [target for target in lists.TARGETS if target.count]
    assert len(counted) == 12  # every list but the six homes
    for target in counted:
        user = measure.persona_user(target.persona)
        client.force_login(user)
        response = client.get(measure._url(target.path), secure=True)
        api = target.path.startswith("/api/")
        shown = response.json()["count"] if api else response.context["page"].paginator.count
        assert shown > 0, target.label  # rows to count: 0 == 0 would prove nothing
        with connection.cursor() as cursor:
            cursor.execute(target.count.replace("{scope}", measure.scope_sql(user)))
            assert cursor.fetchone() == (shown,), target.label


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_the_dashboard_and_its_floor_run(portfolio):
    figures = measure.dashboard(persona="superuser", floor=dashboard.FLOOR, runs=1)
    assert {"median", "cold", "floor", "from_rows", "rebuild", "refresh"} <= set(figures)
    figures = measure.dashboard(persona="funder", floor=dashboard.FLOOR, runs=1)
    assert "rebuild" not in figures


def test_each_report_and_its_floor_run(portfolio):
    for report in reports.REPORTS:
        made = measure.report(kind=report.kind, mode="report", floors=report.floors)
        floor = measure.report(kind=report.kind, mode="floor", floors=report.floors)
        assert made["queries"] > 0 and made["file_mb"] > 0, report.label
        assert floor["rows"] > 0, report.label


@override_settings(
    ALLOWED_HOSTS=["testserver"], WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True
)
def test_the_page_weight_counts_the_first_visits_assets(portfolio):
    figures = measure.weight(persona=weight.PERSONA)
    loaded = [url.rsplit("/", 1)[-1] for url, _, _ in figures["assets"]]
    assert loaded == ["favicon.svg", "app.css", "htmx.min.js"]  # one icon of the three
    assert set(figures["later"]) == {"home", "plans", "plan"}
    table = weight_table("weight", weight.rows(figures))
    assert table.count("< 40 KB") == 1 and table.count("< 15 KB") == 3


def test_the_table_shows_each_target_and_whether_it_is_met():
    """A page's floor is its rows by raw SQL plus an empty answer through the same stack."""
    rows = [
        Row(
            "GET /plans/",
            "page",
            {"median": 0.012, "floor": 0.002, "stack": 0.002, "queries": 9, "p95": 0.2},
        ),
        Row("GET / (home)", "page", {"median": 0.013, "floor": 0.004, "p95": 0.31}),
        Row("ledger", "report", {"median": 19.0, "floor": 9.6, "peak_mb": 120.0}),
        Row("portfolio", "other", {"median": 2.0, "floor": 1.0}),
    ]
    table = figures_table("10,000 alliances", rows, clients=8).splitlines()
    assert table[0] == "10,000 alliances"
    assert table[1].split() == [
        "what", "median", "SQL", "+", "stack", "ratio", "to", "SQL", "queries", "peak", "MB",
        "p95", "×8", "target",
    ]  # fmt: skip
    assert table[3].split() == [
        "GET", "/plans/", "12.0", "ms", "2.00", "ms", "4.00", "ms", "3.0×", "6.0×", "9", "—",
        "200.0", "ms", "≤3×", "floor,", "p95", "≤300", "ms", "✓",
    ]  # fmt: skip
    assert table[4].endswith("✗")  # p95 over 300 ms
    assert table[5].split()[1:8] == ["19.00", "s", "9.60", "s", "—", "2.0×", "—"]
    assert table[5].endswith("≤2× floor, ≤250 MB      ✓")
    assert table[6].endswith("—")
