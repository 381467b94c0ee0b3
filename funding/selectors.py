"""Read-side questions about programme money, shared by services, pages and reports."""

from decimal import Decimal

from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.db.models.functions import Coalesce

from .models import Payment
from .money import ZERO

_SIGNED_AMOUNT = Case(
    When(kind=Payment.Kind.REVERSAL, then=-F("amount")),
    default=F("amount"),
    output_field=DecimalField(max_digits=18, decimal_places=2),
)


def net_paid(payments) -> Decimal:
    """Payments minus reversals."""
    return payments.aggregate(t=Coalesce(Sum(_SIGNED_AMOUNT), Value(ZERO)))["t"]


def tranche_net_paid(tranche) -> Decimal:
    return net_paid(Payment.objects.filter(tranche=tranche))


def commitment_net_paid(commitment) -> Decimal:
    return net_paid(Payment.objects.filter(tranche__commitment=commitment))
