from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self):
        from accounts.models import register_notice_kind
        from core import labels

        from .models import MonitoringReport
        from .reminders import REMINDER_NOTICE, reminder_text
        from .services import REPORT_LOG_STEPS

        labels.register(MonitoringReport, states=MonitoringReport.Status, steps=REPORT_LOG_STEPS)
        register_notice_kind(REMINDER_NOTICE, reminder_text)

        # Who acts after each step of a report (the notifications read it).
        from accounts import steps
        from accounts.models import Role
        from accounts.policy import MONITORING

        steps.register(
            MonitoringReport,
            acts_next={MonitoringReport.Status.SUBMITTED: {Role.ME_OFFICER}},
            reads=MONITORING,
        )

        from accounts import worklist

        from .selectors import monitoring_tasks

        worklist.register("monitoring", monitoring_tasks, order=40)
