from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The bottom layer: its template libraries and the outbox (core/outbox.py)."""

    name = "core"
    verbose_name = _("Core")
