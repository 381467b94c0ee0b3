"""What webhooks registers with the layers below it, once every model is loaded
(`WebhooksConfig.ready`): a hook on every step of every step table."""

from accounts import steps

from . import services


def register() -> None:
    steps.on_step(services.step_recorded)
