"""Read-side questions about programme money, shared by services, pages and reports."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import Role
from accounts.policy import user_scope
from core.money import ZERO
from plans.models import BudgetLine, PlanStatus, PlanVersion

from .models import CounterpartContribution, GrantCommitment, Payment, Tranche


def net_paid(payments) -> Decimal:
    """Payments minus reversals (`PaymentQuerySet.net_paid`)."""
    return payments.net_paid()


def tranche_net_paid(tranche) -> Decimal:
    return net_paid(Payment.objects.filter(tranche=tranche))


def commitment_net_paid(commitment) -> Decimal:
    return net_paid(Payment.objects.filter(tranche__commitment=commitment))


# --- ledgers -------------------------------------------------------------------------------

MONEY_OUTPUT = DecimalField(max_digits=18, decimal_places=2)
REQUESTED_OR_LATER = (
    Tranche.Status.REQUESTED,
    Tranche.Status.VERIFIED,
    Tranche.Status.AUTHORIZED,
    Tranche.Status.PAID,
)
AUTHORIZED_OR_LATER = (Tranche.Status.AUTHORIZED, Tranche.Status.PAID)
# Contribution kinds are named like the budget's sources of the same money.
COUNTERPART_KINDS = tuple(CounterpartContribution.Kind.values)


def _sum_of(queryset, group: str, expression) -> Coalesce:
    """A correlated subquery: the sum of `expression` over `queryset` for the outer row."""
    total = queryset.order_by().values(group).annotate(t=Sum(expression)).values("t")
    return Coalesce(Subquery(total, output_field=MONEY_OUTPUT), Value(ZERO))


def _latest_version_lines():

    latest = PlanVersion.objects.filter(plan=OuterRef(OuterRef("plan"))).order_by("-number")
    return BudgetLine.objects.filter(version=Subquery(latest.values("pk")[:1]))


def ledger_annotations() -> dict:
    """Per grant commitment: what was requested, authorized, paid and reversed, and the
    counterpart planned in the plan's budget against the counterpart verified."""
    tranches = Tranche.objects.filter(commitment=OuterRef("pk"))
    payments = Payment.objects.filter(tranche__commitment=OuterRef("pk"))
    contributions = CounterpartContribution.objects.filter(
        plan=OuterRef("plan"), status=CounterpartContribution.Status.VERIFIED
    )
    counterpart = sum((F(kind) for kind in COUNTERPART_KINDS[1:]), F(COUNTERPART_KINDS[0]))
    return {
        "requested": _sum_of(
            tranches.filter(status__in=REQUESTED_OR_LATER), "commitment", F("amount")
        ),
        "authorized": _sum_of(
            tranches.filter(status__in=AUTHORIZED_OR_LATER), "commitment", F("amount")
        ),
        "paid": _sum_of(
            payments.filter(kind=Payment.Kind.PAYMENT), "tranche__commitment", F("amount")
        ),
        "reversed": _sum_of(
            payments.filter(kind=Payment.Kind.REVERSAL), "tranche__commitment", F("amount")
        ),
        "counterpart_planned": _sum_of(_latest_version_lines(), "version", counterpart),
        "counterpart_verified": _sum_of(contributions, "plan", F("amount")),
    }


LEDGER_FIGURES = (
    "committed",
    "released",
    "requested",
    "authorized",
    "paid",
    "reversed",
    "counterpart_planned",
    "counterpart_verified",
)


@dataclass
class Ledger:
    """Money of one alliance, or of several added up (same currency)."""

    currency: str
    committed: Decimal = ZERO
    released: Decimal = ZERO
    requested: Decimal = ZERO
    authorized: Decimal = ZERO
    paid: Decimal = ZERO
    reversed: Decimal = ZERO
    counterpart_planned: Decimal = ZERO
    counterpart_verified: Decimal = ZERO

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.reversed

    @property
    def remaining(self) -> Decimal:
        """Committed, less what went back to the programme, less what was paid."""
        return self.committed - self.released - self.net_paid

    @classmethod
    def of(cls, commitment) -> Ledger:
        """From a commitment annotated with `ledger_annotations()`."""
        return cls(
            currency=commitment.program.currency,
            committed=commitment.amount,
            released=commitment.released_amount,
            **{f: getattr(commitment, f) for f in LEDGER_FIGURES[2:]},
        )


def ledger_queryset():
    return (
        GrantCommitment.objects.select_related(
            "program", "plan__alliance__producer_organization", "plan__alliance__region"
        )
        .annotate(**ledger_annotations())
        .order_by("plan__alliance__code")
    )


def alliance_ledger(plan) -> Ledger | None:
    """The ledger of one alliance; None before its grant is committed."""
    commitment = ledger_queryset().filter(plan=plan).first()
    return Ledger.of(commitment) if commitment else None


def program_ledger_rows(program, alliances):
    """One row (an annotated commitment) per alliance of `program` among `alliances`."""
    return ledger_queryset().filter(program=program, plan__alliance__in=alliances)


def program_ledger_totals(program, rows) -> Ledger:
    """The rows added up: a few aggregates whose number does not grow with the rows."""

    ids = rows.order_by().values("pk")

    def sums(queryset, **expressions) -> dict:
        found = queryset.aggregate(**expressions)
        return {k: v or ZERO for k, v in found.items()}

    latest = PlanVersion.objects.filter(plan=OuterRef("version__plan")).order_by("-number")
    lines = BudgetLine.objects.filter(
        version__plan__commitment__in=ids,
        version__number=Subquery(latest.values("number")[:1]),
    )
    counterpart = sum((F(kind) for kind in COUNTERPART_KINDS[1:]), F(COUNTERPART_KINDS[0]))
    return Ledger(
        currency=program.currency,
        **sums(
            GrantCommitment.objects.filter(pk__in=ids),
            committed=Sum("amount"),
            released=Sum("released_amount"),
        ),
        **sums(
            Tranche.objects.filter(commitment__in=ids),
            requested=Sum("amount", filter=Q(status__in=REQUESTED_OR_LATER)),
            authorized=Sum("amount", filter=Q(status__in=AUTHORIZED_OR_LATER)),
        ),
        **sums(
            Payment.objects.filter(tranche__commitment__in=ids),
            paid=Sum("amount", filter=Q(kind=Payment.Kind.PAYMENT)),
            reversed=Sum("amount", filter=Q(kind=Payment.Kind.REVERSAL)),
        ),
        **sums(lines, counterpart_planned=Sum(counterpart)),
        **sums(
            CounterpartContribution.objects.filter(
                plan__commitment__in=ids, status=CounterpartContribution.Status.VERIFIED
            ),
            counterpart_verified=Sum("amount"),
        ),
    )


@dataclass
class CounterpartRow:
    kind: str
    label: str
    planned: Decimal
    recorded: Decimal
    verified: Decimal


def counterpart_by_kind(plan) -> list[CounterpartRow]:
    """Planned (the plan's budget, by source) against recorded and verified, by kind."""
    version = plan.current_version
    planned = version.budget_lines.aggregate(
        **{k: Coalesce(Sum(k), Value(ZERO)) for k in COUNTERPART_KINDS}
    )
    done = {
        (row["kind"], row["status"]): row["t"]
        for row in CounterpartContribution.objects.filter(plan=plan)
        .values("kind", "status")
        .annotate(t=Sum("amount"))
        .order_by()
    }
    verified_status = CounterpartContribution.Status.VERIFIED
    rows = []
    for kind, label in CounterpartContribution.Kind.choices:
        verified = done.get((kind, verified_status), ZERO)
        recorded = done.get((kind, CounterpartContribution.Status.RECORDED), ZERO) + verified
        rows.append(CounterpartRow(kind, str(label), planned[kind], recorded, verified))
    return rows


# --- queues --------------------------------------------------------------------------------


def finance_queue(user):
    """Tranches waiting for this finance officer: to authorize (verified by someone else)
    or to pay (authorized, by someone else, and verified by someone else: three people
    touch every payment), on active alliances of the officer's regions."""

    scope = user_scope(user)
    if Role.FINANCE_OFFICER not in scope.staff:
        return Tranche.objects.none()
    regions = scope.staff[Role.FINANCE_OFFICER]
    qs = Tranche.objects.filter(commitment__plan__status=PlanStatus.ACTIVE).filter(
        (Q(status=Tranche.Status.VERIFIED) & ~Q(verified_by=user))
        | (Q(status=Tranche.Status.AUTHORIZED) & ~Q(verified_by=user) & ~Q(authorized_by=user))
    )
    if regions is not None:
        qs = qs.filter(commitment__plan__alliance__region_id__in=regions)
    return qs
