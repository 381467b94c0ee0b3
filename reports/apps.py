from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from core import labels

        from .models import ReportJob

        # A job's status moves in `reports.services` and is not journaled: states only.
        labels.register(
            ReportJob,
            states=ReportJob.Status,
            tones={
                "queued": labels.NEUTRAL,
                "running": labels.INFO,
                "succeeded": labels.SUCCESS,
                "failed": labels.DANGER,
            },
        )
