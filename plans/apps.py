from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Business plans")

    def ready(self):
        from core import labels

        from .models import BusinessPlan, PlanStatus
        from .workflow import LOG_STEPS

        labels.register(BusinessPlan, states=PlanStatus, steps=LOG_STEPS)
