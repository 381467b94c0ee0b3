"""What monitoring registers with the layers below it, once Django has loaded every
model (`MonitoringConfig.ready`): the report's step table, its notice kind and "my
tasks" source, its part of a plan's transitions, and the next tranche's condition.
"""

from accounts import steps, worklist
from accounts.models import register_notice_kind
from accounts.policy import MONITORING
from core import labels
from funding.services import register_next_tranche_condition
from plans import workflow

from . import services
from .models import MonitoringReport
from .reminders import REMINDER_NOTICE, reminder_text
from .selectors import monitoring_tasks


def register() -> None:
    # A report's steps: their words, colours, and who acts after each state.
    steps.register_table(
        MonitoringReport,
        services.REPORT_STEPS,
        states=MonitoringReport.Status,
        tones={
            "due": labels.NEUTRAL,  # "Overdue" beside it is a warning of its own
            "submitted": labels.INFO,
            "accepted": labels.SUCCESS,
            "returned": labels.WARNING,  # to correct
        },
        reads=MONITORING,
    )
    register_notice_kind(REMINDER_NOTICE, reminder_text)
    worklist.register("monitoring", monitoring_tasks, order=40)

    # Monitoring's part of a plan's transitions, and of the next tranche's conditions.
    workflow.on_transition("sign_agreement", services.on_plan_signed)
    workflow.on_transition("complete", services.on_plan_closed)
    workflow.on_transition("cancel", services.on_plan_closed)
    register_next_tranche_condition(services.reports_pending_before_tranche)
