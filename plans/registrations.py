"""What plans registers with the layers below it, once Django has loaded every model
(`PlansConfig.ready`): the plan's step table (its words, the colours of its stages, who
acts after each) and its "my tasks" sources.
"""

from accounts import steps, worklist
from core import labels

from .figures import plan_figures
from .models import BusinessPlan, PlanStatus
from .selectors import plan_tasks
from .workflow import PLAN_STEPS


def register() -> None:
    # The plan's steps: their words, the colours of its stages, and who acts after
    # each stage (the roles that may fire a transition from it).
    steps.register_table(
        BusinessPlan,
        PLAN_STEPS,
        states=PlanStatus,
        tones={
            "draft": labels.NEUTRAL,
            "submitted": labels.INFO,
            "screening": labels.INFO,
            "appraisal": labels.INFO,
            "committee": labels.INFO,
            "revision_requested": labels.WARNING,
            "approved": labels.SUCCESS,
            "active": labels.SUCCESS,
            "monitoring": labels.SUCCESS,
            "completed": labels.SUCCESS,
            "rejected": labels.DANGER,
            "withdrawn": labels.NEUTRAL,
            "cancelled": labels.DANGER,
            "suspended": labels.WARNING,
        },
    )
    worklist.register("plans", plan_tasks, order=10)
    worklist.register_figures("plans", plan_figures, order=10)
