from types import SimpleNamespace
from unittest import mock

import pytest
from auditlog.context import disable_auditlog
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from accounts.models import Role
from alliances.models import TechnicalAssistanceProvider
from monitoring.catalogue import catalogue_seed
from monitoring.models import Indicator
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
def world(db, request):
    """The world of most tests, built without audit entries: the audit history of a test
    starts with what the test itself does (and the world costs half as much to build).
    Plans built with `world.build` have no audit history either, unless the test is
    marked `audited` (the audit and history tests): auditing is a third of a build."""
    return _quiet_world(audited=request.node.get_closest_marker("audited") is not None)


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The same world, built once for a module whose tests only read it (or write through
    requests rolled back): built in a transaction rolled back at the module's end, each
    test running in a savepoint of it. Its files go to a folder of the module. A module
    uses it by overriding `world` (and `_private_media`, so that the files stay where the
    world's documents point):

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
        yield _quiet_world(audited=False)
        transaction.set_rollback(True)


def _quiet_world(*, audited: bool) -> SimpleNamespace:
    with disable_auditlog():
        w = _world()
    build = w.build

    def build_quietly(*args, **kwargs):
        """A plan in the state asked for, as if it had always been there: its steps tell
        nobody (a test sees the notices of the steps it takes itself) and, unless the
        test is `audited`, leave no audit history."""
        with mock.patch("accounts.notifications.notify", return_value=[]):
            if audited:
                return build(*args, **kwargs)
            with disable_auditlog():
                return build(*args, **kwargs)

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
    w.builder = PlanBuilder(w)
    w.build = w.builder.build
    return w
