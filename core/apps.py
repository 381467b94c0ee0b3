from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The bottom layer: its template libraries, the outbox (core/outbox.py) and the
    context of log records (core/log_context.py)."""

    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import log_context

        # Records logged while a Celery task runs (in a worker, or eagerly) carry its id.
        log_context.connect_celery_signals()
