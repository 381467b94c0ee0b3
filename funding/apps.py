from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Funding")

    def ready(self):
        from core import labels

        from .models import CounterpartContribution, Tranche
        from .services import CONTRIBUTION_LOG_STEPS, TRANCHE_LOG_STEPS

        labels.register(Tranche, states=Tranche.Status, steps=TRANCHE_LOG_STEPS)
        labels.register(
            CounterpartContribution,
            states=CounterpartContribution.Status,
            steps=CONTRIBUTION_LOG_STEPS,
        )
