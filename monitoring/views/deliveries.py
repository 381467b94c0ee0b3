"""Deliveries to the buyer (§7): the PO records, the buyer confirms or disputes, the PO
corrects a disputed one. Pages of an alliance are keyed by its business plan's pk; every
change goes through `alliances.deliveries`, whose refusals become form errors or
messages. GET never writes; each POST does one thing and redirects."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.confirmation import confirmation_page, needs_confirmation
from accounts.policy import (
    INVALID,
    ActionRefused,
    alliances_visible_to,
    monitoring_alliances_visible_to,
)
from alliances import deliveries as delivery_services
from alliances.models import Delivery
from core.formats import format_date
from core.money import ZERO
from funding.models import PurchaseAgreement
from plans.views.common import enforce, plan_or_404

from ..charts import delivered_vs_agreed_svg
from ..forms import (
    ConfirmForm,
    CorrectionForm,
    DeliveryForm,
    DisputeForm,
)
from ..selectors import confirmed_sales
from .common import number_text, show_refusal, status_for

PAGE_SIZE = 50


# --- deliveries -------------------------------------------------------------------------


@dataclass
class DeliveryRow:
    delivery: Delivery
    value: Decimal
    volume_text: str = ""
    confirm_form: ConfirmForm | None = None
    dispute_form: DisputeForm | None = None
    correct_form: CorrectionForm | None = None


def _deliveries_context(request, plan, *, bound: dict | None = None) -> dict:
    """The page: `bound` holds a submitted form with errors, keyed ("record", None) or
    (action, delivery pk), shown in place of the blank one."""
    bound = bound or {}
    alliance = plan.alliance
    currency = alliance.program.currency
    agreement = PurchaseAgreement.objects.filter(alliance=alliance).first()
    terms = agreement.current_version if agreement else None
    unit = terms.unit if terms else alliance.product.unit
    user = request.user
    decide = delivery_services.delivery_step_decision
    po_side = bool(decide(user, alliance, "correct", state=False))
    can_record = bool(decide(user, alliance, "record"))

    deliveries = alliance.deliveries.order_by("-delivered_on", "-id")
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for d in page.object_list:
        row = DeliveryRow(d, d.volume * d.unit_price, number_text(d.volume))
        if decide(user, alliance, "confirm", d):
            row.confirm_form = bound.get(("confirm", d.pk)) or ConfirmForm(prefix=f"confirm-{d.pk}")
            row.dispute_form = bound.get(("dispute", d.pk)) or DisputeForm(prefix=f"dispute-{d.pk}")
        if decide(user, alliance, "correct", d):
            row.correct_form = bound.get(("correct", d.pk)) or CorrectionForm(
                prefix=f"correct-{d.pk}",
                unit=unit,
                currency=currency,
                initial={
                    "delivered_on": d.delivered_on,
                    "volume": d.volume,
                    "unit_price": d.unit_price,
                    "quality_grade": d.quality_grade,
                },
            )
        rows.append(row)

    volume, value = confirmed_sales([alliance.pk]).get(alliance.pk, (ZERO, ZERO))
    pending = alliance.deliveries.aggregate(
        recorded=Coalesce(Sum("volume", filter=Q(status=Delivery.Status.RECORDED)), ZERO),
        disputed=Coalesce(Sum("volume", filter=Q(status=Delivery.Status.DISPUTED)), ZERO),
    )
    record_form = bound.get(("record", None))
    if record_form is None and can_record:
        record_form = DeliveryForm(
            prefix="record",
            unit=unit,
            currency=currency,
            initial={
                "delivered_on": timezone.localdate(),
                "unit_price": terms.unit_price if terms else None,
            },
        )
    annual = terms.annual_volume if terms else None
    return {
        "plan": plan,
        "tab": "deliveries",
        "currency": currency,
        "unit": unit,
        "terms": terms,
        "page": page,
        "rows": rows,
        "confirmed": (volume, value.quantize(Decimal("0.01"))),
        "confirmed_volume": number_text(volume),
        "confirmed_value": value.quantize(Decimal("0.01")),
        "recorded_volume": number_text(pending["recorded"]),
        "disputed_volume": number_text(pending["disputed"]),
        "annual_volume": number_text(annual) if annual is not None else None,
        "share_of_annual": volume / annual if annual else None,
        "chart": delivered_vs_agreed_svg(alliance),
        "record_form": record_form,
        "po_side": po_side,
        "can_see_indicators": monitoring_alliances_visible_to(request.user)
        .filter(pk=alliance.pk)
        .exists(),
    }


def _render_deliveries(request, plan, *, bound=None, status=200) -> HttpResponse:
    context = _deliveries_context(request, plan, bound=bound)
    return render(request, "monitoring/deliveries.html", context, status=status)


def _delivery_for_user(request, pk: int) -> Delivery:
    """The delivery `pk` if the user sees its alliance (the buyer included); else 404."""
    delivery = (
        Delivery.objects.filter(pk=pk, alliance__in=alliances_visible_to(request.user))
        .select_related("alliance__plan")
        .first()
    )
    if delivery is None or not hasattr(delivery.alliance, "plan"):
        raise Http404(_("No such delivery."))
    return delivery


@login_required
@require_GET
def deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    """The alliance's deliveries, confirmed totals against the agreed annual volume, the
    chart, and the forms of the PO side (record, correct) and of the buyer (confirm,
    dispute)."""
    plan = plan_or_404(request, pk)
    return _render_deliveries(request, plan)


@login_required
@require_POST
def delivery_record(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    alliance = plan.alliance
    enforce(delivery_services.delivery_step_decision(request.user, alliance, "record", state=False))
    terms = getattr(
        PurchaseAgreement.objects.filter(alliance=alliance).first(), "current_version", None
    )
    form = DeliveryForm(
        request.POST,
        prefix="record",
        unit=terms.unit if terms else "",
        currency=alliance.program.currency,
    )
    status = 400
    if form.is_valid():
        try:
            delivery_services.delivery_record(alliance=alliance, by=request.user, **form.values())
        except ActionRefused as refusal:
            show_refusal(request, refusal, form)
            status = status_for(refusal)
        else:
            messages.success(request, _("Delivery recorded: the buyer will confirm it."))
            return redirect("monitoring:deliveries", pk=plan.pk)
    return _render_deliveries(request, plan, bound={("record", None): form}, status=status)


def _unit_of(alliance) -> str:
    """The unit volumes are counted in: the agreement's, else the product's."""
    agreement = PurchaseAgreement.objects.filter(alliance=alliance).first()
    terms = agreement.current_version if agreement else None
    return terms.unit if terms else alliance.product.unit


def _delivery_action(request, pk: int, action: str) -> HttpResponse:
    delivery = _delivery_for_user(request, pk)
    plan = plan_or_404(request, delivery.alliance.plan.pk)
    alliance = plan.alliance
    enforce(delivery_services.delivery_step_decision(request.user, alliance, action, state=False))
    prefix = f"{action}-{delivery.pk}"
    if action == "correct":
        terms = getattr(
            PurchaseAgreement.objects.filter(alliance=alliance).first(), "current_version", None
        )
        form = CorrectionForm(
            request.POST,
            prefix=prefix,
            unit=terms.unit if terms else "",
            currency=alliance.program.currency,
        )
    else:
        form = (ConfirmForm if action == "confirm" else DisputeForm)(request.POST, prefix=prefix)
    status = 400
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        confirm = delivery_services.DELIVERY_STEPS[action].confirm
        if needs_confirmation(request, confirm) and delivery_services.delivery_step_decision(
            request.user, alliance, action, delivery
        ):
            return confirmation_page(
                request,
                confirm=confirm,
                back=reverse("monitoring:deliveries", args=[plan.pk]) + f"#delivery-{delivery.pk}",
                form=form,
                subject=_("Delivery of %(date)s · %(volume)s %(unit)s")
                % {
                    "date": format_date(delivery.delivered_on),
                    "volume": number_text(delivery.volume),
                    "unit": _unit_of(alliance),
                },
            )
        try:
            if action == "confirm":
                delivery_services.delivery_confirm(
                    delivery=delivery, by=request.user, comment=comment
                )
                done = _("Delivery of %(date)s confirmed: it counts as a sale to the buyer.")
            elif action == "dispute":
                delivery_services.delivery_dispute(
                    delivery=delivery, by=request.user, comment=comment
                )
                done = _(
                    "Delivery of %(date)s disputed: the producer organization will correct it."
                )
            else:
                delivery_services.delivery_correct(
                    delivery=delivery, by=request.user, comment=comment, **form.values()
                )
                done = _("Delivery of %(date)s corrected: the buyer will confirm it.")
        except ActionRefused as refusal:
            if refusal.code == INVALID and refusal.fields:
                show_refusal(request, refusal, form)
            else:
                # The delivery moved on meanwhile (wrong state): say so above the list.
                show_refusal(request, refusal)
                form = None
            status = status_for(refusal)
        else:
            messages.success(request, done % {"date": format_date(delivery.delivered_on)})
            return redirect("monitoring:deliveries", pk=plan.pk)
    bound = {(action, delivery.pk): form} if form is not None else {}
    return _render_deliveries(request, plan, bound=bound, status=status)


@login_required
@require_POST
def delivery_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _delivery_action(request, pk, "confirm")


@login_required
@require_POST
def delivery_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    return _delivery_action(request, pk, "dispute")


@login_required
@require_POST
def delivery_correct(request: HttpRequest, pk: int) -> HttpResponse:
    return _delivery_action(request, pk, "correct")


urlpatterns = [
    path("plans/<int:pk>/deliveries/", deliveries, name="deliveries"),
    path("plans/<int:pk>/deliveries/record/", delivery_record, name="delivery-record"),
    path("deliveries/<int:pk>/confirm/", delivery_confirm, name="delivery-confirm"),
    path("deliveries/<int:pk>/dispute/", delivery_dispute, name="delivery-dispute"),
    path("deliveries/<int:pk>/correct/", delivery_correct, name="delivery-correct"),
]
