"""What alliances registers with the layers below it, once Django has loaded every
model (`AlliancesConfig.ready`): the words, colours and step table of a delivery.
"""

from accounts import steps
from core import labels

from .deliveries import DELIVERY_STEPS
from .models import Delivery


def register() -> None:
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
