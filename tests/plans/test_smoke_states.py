import pytest

from plans.models import PlanStatus


@pytest.mark.parametrize("status", PlanStatus.values)
def test_builder_reaches_every_state(world, status):
    plan = world.build(status)
    assert plan.status == status
