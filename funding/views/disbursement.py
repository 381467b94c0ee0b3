"""The disbursement page of an alliance: its ledger, the tranche schedule with each step
(evidence, request, verification, authorization, payment, reversal) and the counterpart
contributions. One page, one POST per action; the services decide, the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.confirmation import confirmation_page, needs_confirmation
from accounts.models import Role
from accounts.policy import (
    CONFLICT,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    WRONG_STATE,
    ActionRefused,
    Decision,
    check_program_ledger_access,
    require_roles,
    roles_for_alliance,
)
from core.formats import format_money
from core.money import ZERO
from plans.documents import document_upload
from plans.models import PlanDocument
from plans.views.common import enforce, plan_or_404, report_refusal

from .. import selectors, services
from ..forms import CommentForm, ContributionForm, EvidenceForm, PayForm, ReverseForm
from ..models import CounterpartContribution, Payment, Tranche

# Who reads the disbursement page: the alliance's producer side, the ministry staff who
# follow its money and its funders. Buyers and appraisers have no business here.
PAGE_ROLES = frozenset(
    {
        Role.PRODUCER,
        Role.TA_PROVIDER,
        Role.PROGRAMME_OFFICER,
        Role.FINANCE_OFFICER,
        Role.ME_OFFICER,
        Role.COMMITTEE_MEMBER,
        Role.FUNDER,
    }
)

STEP_FORMS = {"request": CommentForm, "verify": CommentForm, "authorize": CommentForm}
STEP_BUTTONS = {
    "request": gettext_lazy("Request this tranche"),
    "verify": gettext_lazy("Verify the request"),
    "authorize": gettext_lazy("Authorize the payment"),
    "pay": gettext_lazy("Record the payment"),
}
DONE = {
    "evidence": gettext_lazy("Evidence attached to tranche %(number)s."),
    "request": gettext_lazy("Tranche %(number)s requested."),
    "verify": gettext_lazy("Tranche %(number)s verified."),
    "authorize": gettext_lazy("Tranche %(number)s authorized."),
    "pay": gettext_lazy("Payment of tranche %(number)s recorded."),
    "reverse": gettext_lazy("Payment of tranche %(number)s reversed."),
    "record": gettext_lazy("Contribution recorded; an officer will verify it."),
    "verify_contribution": gettext_lazy("Contribution verified."),
}


@dataclass
class StepForm:
    """A form the user may submit now, with the hidden fields that name its target."""

    action: str
    label: str
    form: django_forms.Form
    target: int
    danger: bool = False
    multipart: bool = False


@dataclass
class Blocked:
    """A step the user takes on this tranche, but not yet: its button, disabled, and why."""

    action: str
    label: str
    reason: str
    target: int


@dataclass
class TrancheRow:
    tranche: Tranche
    evidence: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    forms: list[StepForm] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """Why the steps this user would take cannot be taken yet."""
        return [b.reason for b in self.blocked]


def _prefix(action: str, target: int) -> str:
    return f"{action}-{target}"


def _pending_note(decision: Decision, held, roles) -> str | None:
    """A refusal worth explaining next to the tranche: the user would act, but not yet."""
    if decision or not (held & roles) or decision.code not in (CONFLICT, FORBIDDEN):
        return None
    return decision.reason


def _tranche_rows(request, plan, held, bound: dict) -> list[TrancheRow]:
    user = request.user
    tranches = list(
        plan.commitment.tranches.order_by("number").select_related(
            "requested_by", "verified_by", "authorized_by"
        )
    )
    evidence = PlanDocument.objects.filter(tranche__in=tranches).order_by("uploaded_at", "id")
    payments = (
        Payment.objects.filter(tranche__in=tranches)
        .select_related("recorded_by", "reversal")
        .order_by("recorded_at", "id")
    )
    rows = {t.pk: TrancheRow(t) for t in tranches}
    for document in evidence:
        rows[document.tranche_id].evidence.append(document)
    for payment in payments:
        rows[payment.tranche_id].payments.append(payment)
    for row in rows.values():
        t = row.tranche
        if services.evidence_attach_decision(user, plan, tranche=t):
            key = _prefix("evidence", t.pk)
            form = bound.get(key) or EvidenceForm(prefix=key)
            row.forms.append(StepForm("evidence", _("Attach evidence"), form, t.pk, multipart=True))
        for name, step in services.TRANCHE_STEPS.items():
            if t.status not in step.sources:
                continue
            decision = services.tranche_step_decision(user, plan, t, name)
            if decision:
                key = _prefix(name, t.pk)
                if name == "pay":
                    initial = {"amount": t.amount, "paid_on": timezone.localdate()}
                    form = bound.get(key) or PayForm(
                        prefix=key, initial=initial, currency=plan.alliance.program.currency
                    )
                else:
                    form = bound.get(key) or STEP_FORMS[name](prefix=key)
                row.forms.append(StepForm(name, str(STEP_BUTTONS[name]), form, t.pk))
            else:
                note = _pending_note(decision, held, step.roles)
                if note:
                    row.blocked.append(Blocked(name, str(STEP_BUTTONS[name]), note, t.pk))
        for payment in row.payments:
            if services.payment_reverse_decision(user, plan, payment):
                key = _prefix("reverse", payment.pk)
                form = bound.get(key) or ReverseForm(prefix=key)
                label = _("Reverse payment %(reference)s") % {"reference": payment.reference}
                payment.reverse_form = StepForm("reverse", label, form, payment.pk, danger=True)
    return list(rows.values())


def _contributions(request, plan, bound: dict) -> tuple[list, StepForm | None]:
    user = request.user
    contributions = list(
        CounterpartContribution.objects.filter(plan=plan)
        .select_related("recorded_by", "verified_by")
        .prefetch_related("evidence")
        .order_by("contributed_on", "id")
    )
    for c in contributions:
        c.verify_form = None
        if services.contribution_verify_decision(user, plan, c):
            key = _prefix("verify_contribution", c.pk)
            form = bound.get(key) or CommentForm(prefix=key)
            c.verify_form = StepForm("verify_contribution", _("Verify"), form, c.pk)
    record = None
    if services.contribution_record_decision(user, plan):
        form = bound.get("record-0") or ContributionForm(prefix="record-0")
        record = StepForm("record", _("Record the contribution"), form, 0, multipart=True)
    return contributions, record


def _context(request, plan, bound: dict | None = None) -> dict:
    bound = bound or {}
    held = roles_for_alliance(request.user, plan.alliance)
    contributions, record_form = _contributions(request, plan, bound)
    counterpart = selectors.counterpart_by_kind(plan)
    investment = plan.current_version.budget_lines.aggregate(
        t=Coalesce(Sum("amount"), Value(ZERO))
    )["t"]
    return {
        "plan": plan,
        "tab": "disbursement",
        "currency": plan.alliance.program.currency,
        "ledger": selectors.alliance_ledger(plan),
        "rows": _tranche_rows(request, plan, held, bound),
        "contributions": contributions,
        "record_form": record_form,
        "counterpart": counterpart,
        "counterpart_totals": {
            "planned": sum(r.planned for r in counterpart),
            "recorded": sum(r.recorded for r in counterpart),
            "verified": sum(r.verified for r in counterpart),
        },
        "investment": investment,
        "is_officer": Role.PROGRAMME_OFFICER in held,
        "is_committee": Role.COMMITTEE_MEMBER in held,
        "signed": plan.commitment.tranches.exists(),
        "can_see_program_ledger": bool(
            check_program_ledger_access(request.user, plan.alliance.program)
        ),
    }


def _disbursement_plan(request, pk):
    plan = plan_or_404(request, pk)
    enforce(require_roles(request.user, plan.alliance, PAGE_ROLES, _("see its disbursement")))
    if not hasattr(plan, "commitment"):
        raise Http404(_("No grant is committed to this alliance yet."))
    return plan


# --- the actions of the page ---------------------------------------------------------------


def _target(plan, action: str, raw: str):
    """The tranche, payment or contribution of this plan that `action` is about (or 404)."""
    if action == "record":
        return None
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise Http404(_("No such item.")) from None
    if action == "reverse":
        found = Payment.objects.select_related("tranche").filter(
            pk=pk, tranche__commitment__plan=plan
        )
    elif action == "verify_contribution":
        found = CounterpartContribution.objects.filter(pk=pk, plan=plan)
    else:
        found = Tranche.objects.select_related("commitment").filter(pk=pk, commitment__plan=plan)
    target = found.first()
    if target is None:
        raise Http404(_("No such item."))
    return target


def _decision(request, plan, action: str, target) -> Decision:
    user = request.user
    if action == "evidence":
        return services.evidence_attach_decision(user, plan, tranche=target)
    if action == "reverse":
        return services.payment_reverse_decision(user, plan, target)
    if action == "verify_contribution":
        return services.contribution_verify_decision(user, plan, target)
    if action == "record":
        return services.contribution_record_decision(user, plan)
    return services.tranche_step_decision(user, plan, target, action)


def _form_for(action: str, key: str, data, files):
    form_class = {
        "evidence": EvidenceForm,
        "pay": PayForm,
        "reverse": ReverseForm,
        "record": ContributionForm,
    }.get(action, CommentForm)
    return form_class(data, files, prefix=key)


def _perform(request, plan, action: str, target, form):
    data, user = form.cleaned_data, request.user
    if action == "evidence":
        return document_upload(
            plan=plan,
            by=user,
            kind=PlanDocument.Kind.EVIDENCE,
            title=data["title"],
            upload=data["file"],
            tranche=target,
        )
    if action == "pay":
        return services.tranche_pay(
            tranche=target,
            by=user,
            amount=data["amount"],
            paid_on=data["paid_on"],
            reference=data["reference"],
            comment=data["comment"],
        )
    if action == "reverse":
        return services.payment_reverse(payment=target, by=user, reason=data["reason"])
    if action == "record":
        return services.contribution_record(
            plan=plan,
            by=user,
            kind=data["kind"],
            amount=data["amount"],
            contributed_on=data["contributed_on"],
            description=data["description"],
            upload=data["file"],
        )
    if action == "verify_contribution":
        return services.contribution_verify(contribution=target, by=user, comment=data["comment"])
    step = getattr(services, f"tranche_{action}")
    return step(tranche=target, by=user, comment=data["comment"])


def _confirm_of(action: str):
    """The question asked before `action`, when it cannot be undone."""
    if action == "reverse":
        return services.PAYMENT_REVERSE_CONFIRM
    if action in services.TRANCHE_STEPS:
        return services.TRANCHE_STEPS[action].confirm
    return None


def _check_before_confirming(plan, action: str, target, form) -> None:
    """Refuse now what the service would refuse after the confirmation (bad input)."""
    if action == "pay":
        data = form.cleaned_data
        errors = services.tranche_pay_errors(
            target,
            amount=data["amount"],
            paid_on=data["paid_on"],
            reference=data["reference"],
            currency=plan.alliance.program.currency,
        )
        if errors:
            raise ActionRefused(
                [m for ms in errors.values() for m in ms], code=INVALID, fields=errors
            )


def _confirmation(request, plan, action: str, target, form, confirm) -> HttpResponse:
    currency = plan.alliance.program.currency
    tranche = target.tranche if isinstance(target, Payment) else target
    subject = _("Tranche %(number)s · %(amount)s") % {
        "number": tranche.number,
        "amount": format_money(tranche.amount, currency),
    }
    if isinstance(target, Payment):
        subject = _("Payment %(reference)s of tranche %(number)s · %(amount)s") % {
            "reference": target.reference,
            "number": tranche.number,
            "amount": format_money(target.amount, currency),
        }
    back = reverse("plan-disbursement", args=[plan.pk]) + f"#tranche-{tranche.number}"
    return confirmation_page(
        request, confirm=confirm, back=back, form=form, subject=subject, currency=currency
    )


def _number_of(action, target) -> int | str:
    if isinstance(target, Tranche):
        return target.number
    if isinstance(target, Payment):
        return target.tranche.number
    return ""


ACTIONS = ("evidence", *services.TRANCHE_STEPS, "reverse", "record", "verify_contribution")


@login_required
@require_http_methods(["GET", "POST"])
def plan_disbursement(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _disbursement_plan(request, pk)
    if request.method == "GET":
        return render(request, "funding/disbursement.html", _context(request, plan))
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Http404(_("Unknown action."))
    target = _target(plan, action, request.POST.get("target"))
    decision = _decision(request, plan, action, target)
    if decision.code in (NOT_FOUND, FORBIDDEN):
        enforce(decision)
    key = _prefix(action, target.pk if target is not None else 0)
    form = _form_for(action, key, request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            confirm = _confirm_of(action)
            if decision and needs_confirmation(request, confirm):
                _check_before_confirming(plan, action, target, form)
                return _confirmation(request, plan, action, target, form, confirm)
            _perform(request, plan, action, target, form)
        except ActionRefused as refusal:
            # 404/403 are raised; bad input goes to the form; the rest is a message.
            report_refusal(request, refusal, form)
            status = 409 if refusal.code in (CONFLICT, WRONG_STATE) else 400
        else:
            messages.success(request, DONE[action] % {"number": _number_of(action, target)})
            anchor = "#contributions" if action in ("record", "verify_contribution") else ""
            return redirect(reverse("plan-disbursement", args=[plan.pk]) + anchor)
    plan.refresh_from_db()
    context = _context(request, plan, {key: form})
    context["failed"] = key
    return render(request, "funding/disbursement.html", context, status=status)
