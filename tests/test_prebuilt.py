"""The `prebuilt` marker (tests/conftest.py): a plan built once with the module's world,
handed to each test as it was built, whatever the test before did to it."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from plans import services
from plans.models import BusinessPlan, PlanStatus

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)

SEEN: list[int] = []  # the prebuilt plan's id, as each test of the module got it


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_gets_the_prebuilt_plan_as_it_was_built(world, round_):
    plan = world.build(PlanStatus.ACTIVE)
    assert plan.status == PlanStatus.ACTIVE  # the first round suspended it: undone
    assert plan.commitment.tranches.count() == world.program.tranche_count
    SEEN.append(plan.pk)
    assert [plan.pk] * round_ == SEEN  # the same plan in both rounds
    services.plan_suspend(plan=plan, by=world.officer, comment="Checked.")
    assert BusinessPlan.objects.get(pk=plan.pk).status == PlanStatus.SUSPENDED


def test_it_is_handed_out_once_and_other_builds_build(world):
    first = world.build(PlanStatus.ACTIVE)
    second = world.build(PlanStatus.ACTIVE)
    with_org = world.build(PlanStatus.ACTIVE, org=world.org_b)
    assert len({first.pk, second.pk, with_org.pk}) == 3
    assert first.pk < second.pk < with_org.pk  # the prebuilt plan is the oldest
    assert with_org.alliance.producer_organization == world.org_b


@pytest.mark.audited
def test_an_audited_test_builds_its_own(world):
    """A prebuilt plan has no audit history; an audited test's plans have one."""
    plan = world.build(PlanStatus.ACTIVE)
    assert plan.pk not in SEEN
    plans = ContentType.objects.get_for_model(BusinessPlan)
    assert LogEntry.objects.filter(content_type=plans, object_id=plan.pk).exists()
