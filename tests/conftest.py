import contextlib
import copy
import gc
import socket
from types import SimpleNamespace
from unittest import mock

import pytest
from auditlog.context import disable_auditlog
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import transaction
from django.db.backends.postgresql.operations import DatabaseOperations as PostgreSQLOperations
from django.test import override_settings
from django.test.testcases import LiveServerThread
from django.utils import translation

from accounts import steps
from accounts.models import Role
from alliances.models import TechnicalAssistanceProvider
from core import outbox
from monitoring.catalogue import catalogue_seed
from monitoring.models import Indicator
from monitoring.registrations import portfolio_figures_after_step
from plans.models import BusinessPlan, PlanStatus
from tests import installations
from tests.factories import (
    BuyerFactory,
    OrganizationFactory,
    PlanBuilder,
    ProductFactory,
    ProgramFactory,
    RegionFactory,
    UserFactory,
    member_of,
)

# The demo users' API journey is a module of steps that `tests/test_demo.py` runs, not a
# test module: pytest rewrites its asserts too, so that a failing step says what it got.
pytest.register_assert_rewrite("tests.api.demo_journey")

# What the test connections set (see `django_db_modify_db_settings`).
TEST_CONNECTION = "-c synchronous_commit=off -c join_collapse_limit=1"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Test databases need no durability: a commit (transactional tests, live servers,
    real workers) does not wait for the disk. And their connections plan joins in the
    order the ORM writes them (`join_collapse_limit=1`): PostgreSQL otherwise weighs
    every order of up to eight joined tables, which on the tests' few rows costs more
    than the query (the API's plan record: 12 ms to plan, 0.2 ms to run; the walks,
    workflow and money modules: 75 s instead of 83 to 87 s). A query's answer does not
    depend on its plan; production keeps PostgreSQL's search, whose plans the benchmarks
    measure at 50,000 alliances. Everything else is the settings' own."""
    for database in settings.DATABASES.values():
        if database["ENGINE"] == "django.db.backends.postgresql":
            options = database.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} {TEST_CONNECTION}".strip()


@pytest.fixture(scope="session", autouse=True)
def _tables_emptied_with_delete():
    """After a transactional test (a live server, threads, a real worker), Django empties
    every table with one TRUNCATE of all of them, which makes new files for each table
    and index: 0.5 to 0.9 s. The few rows such a test leaves are deleted instead (foreign
    keys checked at the end, when every table is empty): 0.1 to 0.4 s. The suite's
    database has no row trigger to refuse a DELETE: it is built without migrations, and
    the tests of the migrations' triggers make them inside their own transaction."""
    with mock.patch.object(PostgreSQLOperations, "sql_flush", _sql_flush_with_delete):
        yield


_sql_flush_with_truncate = PostgreSQLOperations.sql_flush


def _sql_flush_with_delete(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    if reset_sequences or not tables:
        return _sql_flush_with_truncate(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    deletes = [f"{style.SQL_KEYWORD('DELETE FROM')} {self.quote_name(t)};" for t in tables]
    return ["SET CONSTRAINTS ALL DEFERRED;", *deletes]


class NoDelayWSGIServer(ThreadedWSGIServer):
    """The live server, each connection with TCP_NODELAY: a response leaves in two sends
    or more (its headers, then its body), and with Nagle's algorithm the second waited for
    the browser's delayed acknowledgement of the first, 40 ms on Linux, on every page."""

    def get_request(self):
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


@pytest.fixture(scope="session")
def _no_delay_server():
    with mock.patch.object(LiveServerThread, "server_class", NoDelayWSGIServer):
        yield


@pytest.fixture(scope="session")
def live_server(_no_delay_server, live_server):
    """pytest-django's live server (the browser journeys, the generated API client, the
    web healthcheck), started as a `NoDelayWSGIServer`."""
    return live_server


@pytest.fixture(autouse=True)
def _celery_join_flag():
    # Celery marks "inside an eager task" in one flag for the whole process, saved and
    # put back around each eager run; two runs at once in a live server's threads can
    # put it back in the wrong order and leave it set, and a later test's `.get()` of an
    # eager result is then refused as if it ran inside a task. Each test starts clear.
    _set_task_join_will_block(False)
    yield


@pytest.fixture(autouse=True)
def _default_language():
    # A request in French leaves French active in this thread; each test starts in the
    # default language, whatever ran before it.
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # The real hasher is slow by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _labels_strict(settings):
    # A state or step code without a label (core/labels.py) fails the test that shows it.
    settings.LABELS_STRICT = True


@pytest.fixture(autouse=True)
def _task_counts_uncached(settings):
    # Tests change records behind the steps' back (`.update()`): "my tasks" counts are
    # read afresh on each page, except in the tests of their cache.
    settings.TASK_COUNTS_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Uploaded documents and reports go to a temporary folder, never the working tree.
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def world(shared_world, db, request):
    """The world of most tests, built without audit entries: the audit history of a test
    starts with what the test itself does. Plans built with `world.build` have no audit
    history either, unless the test is marked `audited` (the audit and history tests):
    auditing is a third of a build.

    Built once per module (`shared_world`) and handed to each test as fresh copies of its
    records, as Django's `TestCase.setUpTestData` does: each test runs in a savepoint of
    the module's transaction, so what it writes is rolled back and what it changes on a
    copy stays in its copy. A module with a transactional test (threads, a live server, a
    real worker: they need committed rows), or with a test marked `empty_database`, builds
    a world for each test instead (`pytest_collection_modifyitems`)."""
    audited = request.node.get_closest_marker("audited") is not None
    if shared_world is None:
        if request.node.get_closest_marker("prebuilt") is not None:
            pytest.fail("`prebuilt` needs the module's shared world (no transactional test)")
        return _quiet_world(audited=audited)
    # Ids repeat from test to test now: nothing cached by a previous test may answer.
    cache.clear()
    records = copy.deepcopy({k: v for k, v in vars(shared_world).items() if k not in BUILDER})
    w = _quietly_built(SimpleNamespace(**records), audited=audited)
    if not audited:  # a prebuilt plan has no audit history
        _hand_out_prebuilt(w)
    return w


def _hand_out_prebuilt(w: SimpleNamespace) -> None:
    """`world.build(status)`, with no other argument, returns the module's plan prebuilt
    in that status (the `prebuilt` marker) the first time a test asks: the plan as the
    module built it, since each test's savepoint undoes what the test before did to it.
    Any other build builds. A module of many tests that each begin with an active plan
    pays for its thirty steps once, not once per test."""
    waiting = dict(w.prebuilt)
    build = w.build

    def build_or_hand_out(status=PlanStatus.DRAFT, **kwargs):
        if not kwargs and status in waiting:
            return BusinessPlan.objects.get(pk=waiting.pop(status))
        return build(status, **kwargs)

    w.build = build_or_hand_out


BUILDER = ("builder", "build")


@pytest.fixture(scope="module")
def shared_world(request):
    """The module's world (see `world`), or None where a world is built for each test."""
    if request.module.__name__ not in request.config.stash[SHARING_MODULES]:
        yield None
        return
    yield request.getfixturevalue("module_world")


SHARING_MODULES = pytest.StashKey[set]()


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the run's first process, before its workers
        installations.name_the_run()


def pytest_sessionfinish(session):
    if not hasattr(session.config, "workerinput"):  # after the workers have finished
        installations.drop_the_runs_database()


def pytest_collection_finish(session):
    """The test process's garbage collector: what is loaded by now (Django, the apps, the
    test modules) is set aside for good (`gc.freeze`), and a collection waits for 100,000
    new objects instead of 700. Tests make many short-lived objects and few cycles: ORM-heavy
    modules run 3 to 4 % faster, for up to 30 % more memory (570 MB a worker at most)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)


def pytest_collection_modifyitems(config, items):
    """A module shares one world unless one of its tests is transactional, or is marked
    `empty_database` (a test that loads the demo, or counts every user, must not meet a
    world it did not ask for). A database test of a sharing module that does not ask for
    the world may run after one that did, in the module's transaction, and meet it."""
    modules: dict[str, bool] = {}
    for item in items:
        name = item.module.__name__
        fixtures = set(getattr(item, "fixturenames", ()))
        shares = not _transactional(item, fixtures)
        shares = shares and item.get_closest_marker("empty_database") is None
        modules[name] = modules.get(name, True) and shares
    config.stash[SHARING_MODULES] = {name for name, shares in modules.items() if shares}
    items[:] = _heavy_first(items)


def _heavy_first(items: list) -> list:
    """The modules marked `heavy` first, then the others, most tests first; each module's
    tests in their order. pytest-xdist hands out whole files in this order (`make test`
    runs it with --no-loadscope-reorder): a file of a minute or more handed out last would
    leave the other worker idle while it runs."""
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)

    def weight(tests: list) -> tuple[bool, int]:
        return (tests[0].get_closest_marker("heavy") is None, -len(tests))

    return [item for tests in sorted(modules.values(), key=weight) for item in tests]


def _transactional(item, fixtures: set) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & fixtures)


@pytest.fixture(scope="module")
def module_world(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The same world, built once for a module in a transaction rolled back at the
    module's end, each test running in a savepoint of it; its files go to a folder of the
    module. `world` hands out copies of it; a module whose tests only read (the
    schemathesis walk) may share it as it is, by overriding `world` (and `_private_media`,
    so that files stay where the world's documents point):

        @pytest.fixture
        def world(module_world, db):
            return module_world
    """
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("module-media"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            LABELS_STRICT=True,
        ),
        transaction.atomic(),
    ):
        w = _quiet_world(audited=False)
        # The plans of the module's `prebuilt` marker, built with its world: {status: pk}.
        marker = request.node.get_closest_marker("prebuilt")
        w.prebuilt = {status: w.build(status).pk for status in (marker.args if marker else ())}
        yield w
        transaction.set_rollback(True)


def _quiet_world(*, audited: bool) -> SimpleNamespace:
    with disable_auditlog():
        w = _world()
    return _quietly_built(w, audited=audited)


def _quietly_built(w: SimpleNamespace, *, audited: bool) -> SimpleNamespace:
    w.builder = PlanBuilder(w)
    build = w.builder.build

    def build_quietly(*args, **kwargs):
        """A plan in the state asked for, as if it had always been there: its steps tell
        nobody (a test sees the notices of the steps it takes itself) and, unless the
        test is `audited`, leave no audit history.

        Nobody is told after the commit either (the notices' task, which tops them up
        and e-mails them, is not asked for), and the dashboard's figures of its alliance
        are asked for once, as its last step asks for them, instead of after every step:
        the same figures, recomputed from the rows. In a test that commits (a live
        server), both ran after each step: 14 of the suite's 101 s of plan building."""
        enqueue = outbox.enqueue

        def enqueue_but_notices(task: str, *args):
            return None if task == steps.NOTICES_TASK else enqueue(task, *args)

        steps_taken = []
        listeners = [
            steps_taken.append if listener is portfolio_figures_after_step else listener
            for listener in steps._STEP_LISTENERS
        ]
        with (
            mock.patch("accounts.notifications.notify", return_value=[]),
            mock.patch.object(outbox, "enqueue", enqueue_but_notices),
            mock.patch.object(steps, "_STEP_LISTENERS", listeners),
            contextlib.nullcontext() if audited else disable_auditlog(),
        ):
            plan = build(*args, **kwargs)
        if steps_taken:
            portfolio_figures_after_step(steps_taken[-1])
        return plan

    w.build = build_quietly
    return w


def _world():
    """The personas of CONVENTIONS.md: a producer of organization A, one of B, a buyer,
    a TA provider of A, national and regional officers, two appraisers, a committee
    member, two finance officers, an M&E officer, a funder and an outsider; and the
    standard indicator catalogue, as the data migration seeds it."""
    catalogue_seed(Indicator)
    region_a = RegionFactory(name="Alibori")
    region_b = RegionFactory(name="Zou")
    product = ProductFactory(name="Maize")
    program = ProgramFactory()
    program.eligible_regions.set([region_a, region_b])
    program.eligible_value_chains.set([product.value_chain])
    org_a = OrganizationFactory(name="Coop A", region=region_a)
    org_b = OrganizationFactory(name="Coop B", region=region_b)
    buyer = BuyerFactory(name="Buyer One")
    provider = TechnicalAssistanceProvider.objects.create(name="TA Co")
    provider.organizations.set([org_a])
    funder = program.fundings.get().funder
    w = SimpleNamespace(
        region_a=region_a,
        region_b=region_b,
        product=product,
        program=program,
        org_a=org_a,
        org_b=org_b,
        buyer=buyer,
        provider=provider,
        funder=funder,
    )
    w.producer = member_of(
        UserFactory(username="producer"), Role.PRODUCER, producer_organization=org_a
    )
    w.producer_b = member_of(
        UserFactory(username="producer_b"), Role.PRODUCER, producer_organization=org_b
    )
    w.buyer_user = member_of(UserFactory(username="buyer"), Role.BUYER, buyer=buyer)
    w.ta = member_of(UserFactory(username="ta_provider"), Role.TA_PROVIDER, ta_provider=provider)
    w.officer = member_of(UserFactory(username="officer"), Role.PROGRAMME_OFFICER)
    w.regional_officer = member_of(
        UserFactory(username="regional_officer"), Role.PROGRAMME_OFFICER, regions=[region_b]
    )
    w.appraiser = member_of(UserFactory(username="appraiser"), Role.APPRAISER)
    w.appraiser2 = member_of(UserFactory(username="appraiser2"), Role.APPRAISER)
    w.committee = member_of(UserFactory(username="committee"), Role.COMMITTEE_MEMBER)
    w.finance = member_of(UserFactory(username="finance"), Role.FINANCE_OFFICER)
    w.finance2 = member_of(UserFactory(username="finance2"), Role.FINANCE_OFFICER)
    w.me_officer = member_of(UserFactory(username="me_officer"), Role.ME_OFFICER)
    w.funder_user = member_of(UserFactory(username="funder"), Role.FUNDER, funder=funder)
    w.outsider = UserFactory(username="outsider")
    return w
