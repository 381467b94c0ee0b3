"""A producer organization's revolving fund (§8): repayments in, loans out, the balance
after each entry. Keyed by the organization's pk; entries go through
`monitoring.services.revolving_fund_record`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, DecimalField, F, Q, Sum, When, Window
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.policy import (
    ActionRefused,
    can_keep_revolving_fund,
    get_organization_for_user,
)
from core.money import ZERO, format_money
from plans.views.common import enforce

from .. import services
from ..forms import (
    RevolvingFundEntryForm,
)
from ..models import RevolvingFund, RevolvingFundEntry
from .common import show_refusal, status_for

PAGE_SIZE = 50


# --- the revolving fund ------------------------------------------------------------------

SIGNED = Case(
    When(kind=RevolvingFundEntry.Kind.REPAYMENT, then=F("amount")),
    default=-F("amount"),
    output_field=DecimalField(max_digits=20, decimal_places=2),
)


@login_required
@require_http_methods(["GET", "POST"])
def revolving_fund(request: HttpRequest, pk: int) -> HttpResponse:
    """Balance, repayments in, loans out, the history with the balance after each entry;
    the organization's keepers record a repayment or a loan here."""
    organization = get_organization_for_user(request.user, pk)
    may_keep = can_keep_revolving_fund(request.user, organization)
    if request.method == "POST":
        enforce(may_keep)
    fund = RevolvingFund.objects.filter(organization=organization).first()
    currency = fund.currency if fund is not None else services.fund_currency(organization) or ""
    form = None
    status = 200
    if may_keep:
        form = RevolvingFundEntryForm(
            request.POST if request.method == "POST" else None,
            organization=organization,
            currency=currency,
            initial={
                "kind": RevolvingFundEntry.Kind.REPAYMENT,
                "occurred_on": timezone.localdate(),
            },
        )
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.revolving_fund_record(
                    organization=organization,
                    by=request.user,
                    kind=data["kind"],
                    amount=data["amount"],
                    occurred_on=data["occurred_on"],
                    member=data["member"],
                    note=data["note"],
                )
            except ActionRefused as refusal:
                show_refusal(request, refusal, form)
                status = status_for(refusal)
            else:
                messages.success(
                    request,
                    _("%(kind)s of %(amount)s recorded.")
                    % {
                        "kind": entry.get_kind_display(),
                        "amount": format_money(entry.amount, entry.fund.currency),
                    },
                )
                return redirect("monitoring:revolving-fund", pk=organization.pk)

    totals = {"repaid": ZERO, "lent": ZERO}
    page = None
    if fund is not None:
        totals = fund.entries.aggregate(
            repaid=Coalesce(Sum("amount", filter=Q(kind=RevolvingFundEntry.Kind.REPAYMENT)), ZERO),
            lent=Coalesce(Sum("amount", filter=Q(kind=RevolvingFundEntry.Kind.LOAN)), ZERO),
        )
        # The balance after each entry, in the order entries happened; newest shown first.
        history = (
            fund.entries.select_related("member", "recorded_by")
            .annotate(
                balance_after=Window(Sum(SIGNED), order_by=[F("occurred_on").asc(), F("id").asc()])
            )
            .order_by("-occurred_on", "-id")
        )
        page = Paginator(history, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/revolving_fund.html",
        {
            "organization": organization,
            "fund": fund,
            "currency": currency,
            "repaid": totals["repaid"],
            "lent": totals["lent"],
            "balance": totals["repaid"] - totals["lent"],
            "page": page,
            "form": form,
        },
        status=status,
    )


urlpatterns = [
    path("organizations/<int:pk>/revolving-fund/", revolving_fund, name="revolving-fund"),
]
