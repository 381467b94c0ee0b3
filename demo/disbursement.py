"""Demo money after the plans are built: counterpart contributions recorded and verified
with their evidence, a payment reversed and paid again, and an amended agreement that
waits for the buyer. Everything goes through the real services, like the rest of the demo,
each step at its date (stories of `demo.clock`, see demo/clock.py).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from demo.common import pdf_upload, producer_side
from demo.monitoring import story_signed_on
from funding import services as money
from funding.agreements import agreement_draft, agreement_send
from funding.models import CounterpartContribution, Payment

D = Decimal
KIND = CounterpartContribution.Kind
ONE_DAY = datetime.timedelta(days=1)
# The Colombian active alliance's first tranche is paid 33 days after its signing
# (demo/data.py): its payment comes back 12 days later and is made again 4 days after.
REVERSED_AFTER = datetime.timedelta(days=45)
PAID_AGAIN_AFTER = datetime.timedelta(days=4)

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


def _contribution(demo, key, kind, share, days_ago, verified, text):
    """A contribution recorded the day after it was made, and verified three days later
    (a story of `demo.clock`)."""
    made = demo.today - datetime.timedelta(days=days_ago)
    yield demo.clock.at(made + ONE_DAY, 10, 30)
    plan = demo[key]
    contribution = money.contribution_record(
        plan=plan,
        by=producer_side(demo, plan),
        kind=kind,
        amount=(_planned(plan, kind) * share).quantize(D("1")),
        contributed_on=made,
        description=text,
        upload=pdf_upload(text),
    )
    if verified:
        yield demo.clock.at(made + 4 * ONE_DAY, 15)
        money.contribution_verify(contribution=contribution, by=demo.users["officer"])


def _reversal(demo):
    """The first payment of the Colombian active alliance went to a closed account: it is
    reversed and paid again under a new reference."""
    signed = story_signed_on("co_active", demo.today)
    yield demo.clock.at(signed + REVERSED_AFTER, 11)
    u = demo.users
    plan = demo["co_active"]
    first = plan.commitment.tranches.get(number=1)
    payment = Payment.objects.get(tranche=first, kind=Payment.Kind.PAYMENT)
    money.payment_reverse(
        payment=payment,
        by=u["finance2"],
        reason="Cuenta del encargo fiduciario cerrada; el banco devolvió la transferencia.",
    )
    yield demo.clock.at(signed + REVERSED_AFTER + PAID_AGAIN_AFTER, 10)
    money.tranche_pay(
        tranche=first,
        by=u["finance"],
        amount=first.amount,
        paid_on=timezone.localdate(),
        reference=f"TRF-{plan.alliance.code}-1B",
    )


def _amendment(demo):
    """The maize buyer raises its volume: an amendment drafted last week and sent back
    for its confirmation."""
    yield demo.clock.at(demo.today - 9 * ONE_DAY, 10)
    plan = demo["bj_monitoring"]
    agreement = plan.alliance.purchase_agreement
    current = agreement.current_version
    agreement = agreement_draft(
        alliance=plan.alliance,
        by=demo.users["officer"],
        annual_volume=current.annual_volume + D("30000"),
        buyer_support="Préfinancement des sacs et appui technique au séchage",
    )
    yield demo.clock.at(demo.today - 7 * ONE_DAY, 16)
    agreement_send(agreement=agreement, by=demo.users["officer"])


def load_disbursement(demo) -> None:
    """Start the stories of the demo's money on `demo.clock`."""
    count = 0
    for key, rows in CONTRIBUTIONS.items():
        for row in rows:
            demo.clock.add(_contribution(demo, key, *row))
            count += 1
    demo.clock.add(_reversal(demo))
    demo.clock.add(_amendment(demo))
    demo.log(f"  {count} counterpart contributions, a reversal, an amended agreement")
