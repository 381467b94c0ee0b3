"""What monitoring registers with the layers below it, once Django has loaded every
model (`MonitoringConfig.ready`): the report's step table, its notice kind and "my
tasks" source, its part of a plan's transitions, the next tranche's condition, and the
dashboard's figures refreshed after every step.
"""

from accounts import steps, worklist
from accounts.models import register_notice_kind
from accounts.policy import MONITORING
from core import labels, outbox
from funding.services import register_next_tranche_condition
from plans import workflow

from . import services
from .models import MonitoringReport
from .reminders import REMINDER_NOTICE, reminder_text
from .worklist import monitoring_figures, monitoring_tasks


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
    worklist.register_figures("monitoring", monitoring_figures, order=40)

    # Monitoring's part of a plan's transitions, and of the next tranche's conditions.
    workflow.on_transition("sign_agreement", services.on_plan_signed)
    workflow.on_transition("complete", services.on_plan_closed)
    workflow.on_transition("cancel", services.on_plan_closed)
    register_next_tranche_condition(
        services.reports_pending_before_tranche,
        holds=services.no_reports_pending_before_tranche,
    )

    # The dashboard's figures of the step's slice, recomputed after commit (figures.py).
    steps.on_step(portfolio_figures_after_step)


def portfolio_figures_after_step(log) -> None:
    """In the step's transaction: ask for its alliance's figures once it commits."""
    outbox.enqueue("monitoring.tasks.refresh_portfolio_figures", [log.alliance_id])
