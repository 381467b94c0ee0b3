from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Funding")

    def ready(self):
        from core import labels

        from .models import CounterpartContribution, Tranche
        from .services import CONTRIBUTION_LOG_STEPS, TRANCHE_LOG_STEPS

        labels.register(
            Tranche,
            states=Tranche.Status,
            steps=TRANCHE_LOG_STEPS,
            tones={
                "planned": labels.NEUTRAL,
                "requested": labels.INFO,
                "verified": labels.INFO,
                "authorized": labels.INFO,
                "paid": labels.SUCCESS,
            },
        )
        labels.register(
            CounterpartContribution,
            states=CounterpartContribution.Status,
            steps=CONTRIBUTION_LOG_STEPS,
            tones={"recorded": labels.INFO, "verified": labels.SUCCESS},
        )

        # Who acts after each step; money steps are read by those who read the money (§9a).
        from accounts import steps
        from accounts.models import Role
        from accounts.policy import MONEY

        from .models import Payment
        from .services import TRANCHE_STEPS

        steps.register(
            Tranche,
            acts_next=lambda state: {
                role
                for step in TRANCHE_STEPS.values()
                if step.source == state
                for role in step.roles
            },
            reads=MONEY,
        )
        steps.register(
            CounterpartContribution,
            acts_next={CounterpartContribution.Status.RECORDED: {Role.PROGRAMME_OFFICER}},
            reads=MONEY,
        )
        steps.register(Payment, acts_next={}, reads=MONEY)

        from accounts import worklist

        from .selectors import funding_tasks

        worklist.register("funding", funding_tasks, order=20)

        # Funding's part of a plan's transitions (plans.workflow.on_transition).
        from plans import workflow

        from . import services

        workflow.on_transition("approve", services.on_plan_approved)
        workflow.on_transition("sign_agreement", services.on_plan_signed)
        workflow.on_transition("cancel", services.on_plan_cancelled)

        from plans.documents import register_evidence_rule

        register_evidence_rule(services.evidence_attach_decision)
