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
            PurchaseAgreement,
            states=PurchaseAgreement.Status,
            steps=AGREEMENT_LOG_STEPS,
            tones={
                "draft": labels.NEUTRAL,
                "sent": labels.INFO,  # the buyer's turn
                "confirmed": labels.SUCCESS,
                "declined": labels.DANGER,
            },
        )
        labels.register(
            Delivery,
            states=Delivery.Status,
            steps=DELIVERY_LOG_STEPS,
            tones={
                "recorded": labels.INFO,  # waiting for the buyer
                "confirmed": labels.SUCCESS,
                "disputed": labels.WARNING,  # to correct
            },
        )

        # Who acts after each step (the notifications read it): a sent agreement waits for
        # the buyer, an answered one for the officer; a recorded delivery for the buyer.
        from accounts import steps
        from accounts.models import Role

        steps.register(
            PurchaseAgreement,
            acts_next=lambda state: (
                {Role.BUYER} if state == PurchaseAgreement.Status.SENT else {Role.PROGRAMME_OFFICER}
            ),
        )
        steps.register(Delivery, acts_next={Delivery.Status.RECORDED: {Role.BUYER}})
