from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = _("Alliances")

    def ready(self):
        from core import labels

        from .deliveries import DELIVERY_LOG_STEPS
        from .models import Delivery, PurchaseAgreement
        from .services import AGREEMENT_LOG_STEPS

        labels.register(
            PurchaseAgreement, states=PurchaseAgreement.Status, steps=AGREEMENT_LOG_STEPS
        )
        labels.register(Delivery, states=Delivery.Status, steps=DELIVERY_LOG_STEPS)
