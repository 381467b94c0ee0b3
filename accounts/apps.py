from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self):
        # api_tokens and two_factor connect their receivers.
        from . import api_tokens, audit, two_factor  # noqa: F401

        audit.register_domain_models()
        from . import models, notifications

        models.register_notice_kind(models.STEP_NOTICE, notifications.step_notice)
        from . import (
            language,  # noqa: F401 - connects sign-in to the preferred language
            steps,
            worklist,
        )

        # A step changes the work of the people of its alliance: their cached counts go.
        steps.on_step(worklist.forget_after_step)
