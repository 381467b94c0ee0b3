"""Demo money after the plans are built: counterpart contributions recorded and verified
with their evidence, a payment reversed and paid again, and an amended agreement that
waits for the buyer. Everything goes through the real services, like the rest of the demo.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from demo.common import pdf_upload, producer_side
from funding import services as money
from funding.agreements import agreement_draft, agreement_send
from funding.models import CounterpartContribution, Payment

D = Decimal
KIND = CounterpartContribution.Kind

# plan key: (kind, share of the plan's budget for that source, days ago, verified, text)
CONTRIBUTIONS = {
    "bj_active": [
        (KIND.PRODUCER_CASH, D("0.50"), 40, True, "Premier apport en numéraire des membres"),
        (KIND.PRODUCER_IN_KIND, D("0.40"), 12, False, "Main-d'œuvre pour la construction"),
    ],
    "bj_monitoring": [
        (KIND.PRODUCER_CASH, D("1"), 200, True, "Apport en numéraire des membres"),
        (KIND.PRODUCER_IN_KIND, D("1"), 150, True, "Terrain et main-d'œuvre"),
        (KIND.BUYER, D("1"), 120, True, "Semences améliorées fournies par l'acheteur"),
    ],
    "co_active": [
        (KIND.PRODUCER_CASH, D("0.60"), 60, True, "Aporte en efectivo de los socios"),
        (KIND.BUYER, D("0.50"), 20, False, "Prefinanciación de cajas de empaque"),
    ],
    "co_approved": [
        (KIND.PRODUCER_CASH, D("0.25"), 5, False, "Primer aporte en efectivo"),
    ],
}


def _planned(plan, kind: str) -> Decimal:
    return sum((getattr(line, kind) for line in plan.current_version.budget_lines.all()), D(0))


def _contributions(demo) -> int:
    u = demo.users
    count = 0
    for key, rows in CONTRIBUTIONS.items():
        plan = demo[key]
        producer = producer_side(demo, plan)
        for kind, share, days_ago, verified, text in rows:
            amount = (_planned(plan, kind) * share).quantize(D("1"))
            contribution = money.contribution_record(
                plan=plan,
                by=producer,
                kind=kind,
                amount=amount,
                contributed_on=demo.today - datetime.timedelta(days=days_ago),
                description=text,
                upload=pdf_upload(text),
            )
            if verified:
                money.contribution_verify(contribution=contribution, by=u["officer"])
            count += 1
    return count


def _reversal(demo) -> None:
    """The first payment of the Colombian active alliance went to a closed account: it is
    reversed and paid again under a new reference."""
    u = demo.users
    plan = demo["co_active"]
    first = plan.commitment.tranches.get(number=1)
    payment = Payment.objects.get(tranche=first, kind=Payment.Kind.PAYMENT)
    money.payment_reverse(
        payment=payment,
        by=u["finance2"],
        reason="Cuenta del encargo fiduciario cerrada; el banco devolvió la transferencia.",
    )
    money.tranche_pay(
        tranche=first,
        by=u["finance"],
        amount=first.amount,
        paid_on=demo.today,
        reference=f"TRF-{plan.alliance.code}-1B",
    )


def _amendment(demo) -> None:
    """The maize buyer raises its volume: an amendment sent back for its confirmation."""
    plan = demo["bj_monitoring"]
    agreement = plan.alliance.purchase_agreement
    current = agreement.current_version
    agreement = agreement_draft(
        alliance=plan.alliance,
        by=demo.users["officer"],
        annual_volume=current.annual_volume + D("30000"),
        buyer_support="Préfinancement des sacs et appui technique au séchage",
    )
    agreement_send(agreement=agreement, by=demo.users["officer"])


def load_disbursement(demo) -> None:
    count = _contributions(demo)
    _reversal(demo)
    _amendment(demo)
    demo.log(f"  {count} counterpart contributions, a reversal, an amended agreement")
