from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Business plans")

    def ready(self):
        # Django has loaded every model by now; apps.py itself must not import them.
        from accounts import steps, worklist
        from core import labels

        from .models import BusinessPlan, PlanStatus
        from .selectors import delivery_tasks, plan_tasks
        from .workflow import PLAN_STEPS

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
        worklist.register("deliveries", delivery_tasks, order=30)
