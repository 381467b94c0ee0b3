from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Business plans")

    def ready(self):
        from core import labels

        from .models import BusinessPlan, PlanStatus
        from .workflow import LOG_STEPS

        labels.register(
            BusinessPlan,
            states=PlanStatus,
            steps=LOG_STEPS,
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

        # Who acts after each step: the roles that may fire a transition from the new state.
        from accounts import steps

        from .workflow import next_roles

        steps.register(BusinessPlan, acts_next=next_roles)

        from accounts import worklist

        from .selectors import delivery_tasks, plan_tasks

        worklist.register("plans", plan_tasks, order=10)
        worklist.register("deliveries", delivery_tasks, order=30)
