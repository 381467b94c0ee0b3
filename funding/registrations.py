"""What funding registers with the layers below it, once Django has loaded every model
(`FundingConfig.ready`): the step tables of tranches, contributions and agreements, its
"my tasks" source, and its part of a plan's transitions (effects and the signing guard)
and of its documents (who may attach evidence).
"""

from accounts import steps, worklist
from accounts.policy import MONEY
from core import labels
from plans import workflow
from plans.documents import register_evidence_rule

from . import agreements, services
from .models import CounterpartContribution, Payment, PurchaseAgreement, Tranche
from .worklist import funding_figures, funding_tasks


def register() -> None:
    # The words and colours of states and steps.
    steps.register_table(
        Tranche,
        services.TRANCHE_STEPS,
        states=Tranche.Status,
        tones={
            "planned": labels.NEUTRAL,
            "requested": labels.INFO,
            "verified": labels.INFO,
            "authorized": labels.INFO,
            "paid": labels.SUCCESS,
        },
        reads=MONEY,
    )
    steps.register_table(
        CounterpartContribution,
        services.CONTRIBUTION_STEPS,
        states=CounterpartContribution.Status,
        tones={"recorded": labels.INFO, "verified": labels.SUCCESS},
        reads=MONEY,
    )
    steps.register_table(
        PurchaseAgreement,
        agreements.AGREEMENT_STEPS,
        states=PurchaseAgreement.Status,
        tones={
            "draft": labels.NEUTRAL,
            "sent": labels.INFO,  # the buyer's turn
            "confirmed": labels.SUCCESS,
            "declined": labels.DANGER,
        },
        # Who is told after an agreement's step: the officer, but the buyer for a sent one.
        acts_next=agreements.agreement_acts_next,
    )

    # Who acts after each step; money steps are read by those who read the money (§9a).
    steps.register(Payment, acts_next={}, reads=MONEY)

    worklist.register("funding", funding_tasks, order=20)
    worklist.register_figures("funding", funding_figures, order=20)

    # Funding's part of a plan's transitions.
    workflow.on_transition("approve", services.on_plan_approved)
    workflow.on_transition("sign_agreement", services.on_plan_signed)
    workflow.on_transition("cancel", services.on_plan_cancelled)
    workflow.add_guard("sign_agreement", agreements.guard_agreement_ready)
    register_evidence_rule(services.evidence_attach_decision)
