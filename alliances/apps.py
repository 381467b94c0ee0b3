from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = _("Alliances")

    def ready(self):
        # Django has loaded every model by now; apps.py itself must not import them.
        from accounts import steps
        from core import labels

        from .deliveries import DELIVERY_STEPS
        from .models import Delivery

        # A delivery's steps: their words, colours, and who acts after each state.
        steps.register_table(
            Delivery,
            DELIVERY_STEPS,
            states=Delivery.Status,
            tones={
                "recorded": labels.INFO,  # waiting for the buyer
                "confirmed": labels.SUCCESS,
                "disputed": labels.WARNING,  # to correct
            },
        )
