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

        labels.register(
            MonitoringReport,
            states=MonitoringReport.Status,
            steps=REPORT_LOG_STEPS,
            tones={
                "due": labels.NEUTRAL,  # "Overdue" beside it is a warning of its own
                "submitted": labels.INFO,
                "accepted": labels.SUCCESS,
                "returned": labels.WARNING,  # to correct
            },
        )
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

        # Monitoring's part of a plan's transitions (plans.workflow.on_transition).
        from plans import workflow

        from . import services as monitoring_services

        workflow.on_transition("sign_agreement", monitoring_services.on_plan_signed)
        workflow.on_transition("complete", monitoring_services.on_plan_closed)
        workflow.on_transition("cancel", monitoring_services.on_plan_closed)

        from funding.services import register_next_tranche_condition

        register_next_tranche_condition(monitoring_services.reports_pending_before_tranche)
