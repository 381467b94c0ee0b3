"""Funding's "my tasks" and home-page figures (registered in `accounts.worklist`): money
and agreements waiting for the user, each from its scope selector, each record leading to
the form where it is done. The producer's next tranche shows only once its conditions
hold (`services.tranches_requestable`, the set-wise twin of the rule its request obeys).
The figures: budget committed and paid for finance, the next tranche for the PO side."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.policy import (
    agreements_visible_to,
    commitments_visible_to,
    contributions_visible_to,
    deliveries_visible_to,
    payments_visible_to,
    plans_visible_to,
    tranches_visible_to,
)
from accounts.worklist import (
    Figure,
    Task,
    TaskItem,
    acting_as,
    alliance_subject,
    keeps,
    kept,
)
from alliances.models import Delivery
from core import labels
from core.formats import format_money, format_number
from core.money import ZERO
from plans.models import PlanStatus

from .agreements import AGREEMENT_STEPS
from .models import CounterpartContribution, PurchaseAgreement, Tranche, signed_payment
from .selectors import finance_queue
from .services import CONTRIBUTION_STATES, CONTRIBUTION_STEPS, TRANCHE_STEPS, tranches_requestable

TRANCHE = "funding.Tranche"
CONTRIBUTION = "funding.CounterpartContribution"
AGREEMENT = "funding.PurchaseAgreement"
PO_SIDE = (Role.PRODUCER, Role.TA_PROVIDER)
PLAN_PATH = "commitment__plan__alliance"
TRANCHE_ROWS = ("commitment__plan__alliance__producer_organization", "commitment__program")


def _tranche_item(tranche) -> TaskItem:
    alliance = tranche.commitment.plan.alliance
    return TaskItem(
        _("%(alliance)s · %(organization)s: tranche %(number)s, %(amount)s")
        % {
            "alliance": alliance.code,
            "organization": alliance.producer_organization.name,
            "number": tranche.number,
            "amount": format_money(tranche.amount, tranche.commitment.program.currency),
        },
        _tranche_url(tranche),
    )


def _contribution_item(contribution) -> TaskItem:
    alliance = contribution.plan.alliance
    return TaskItem(
        _("%(alliance)s · %(organization)s: %(kind)s, %(amount)s")
        % {
            "alliance": alliance.code,
            "organization": alliance.producer_organization.name,
            "kind": contribution.get_kind_display(),
            "amount": format_money(contribution.amount, alliance.program.currency),
        },
        reverse("plan-disbursement", args=[contribution.plan_id])
        + f"#contribution-{contribution.pk}",
    )


def _agreement_item(agreement) -> TaskItem:
    alliance = agreement.alliance
    return TaskItem(alliance_subject(alliance), reverse("plan-agreement", args=[alliance.plan.pk]))


def _plan_agreement_item(plan) -> TaskItem:
    return TaskItem(alliance_subject(plan.alliance), reverse("plan-agreement", args=[plan.pk]))


def _tranche_url(tranche) -> str:
    """The tranche on its alliance's disbursement page, where its steps are taken."""
    return reverse("plan-disbursement", args=[tranche.commitment.plan_id]) + (
        f"#tranche-{tranche.number}"
    )


def tranches_to_request(user):
    """The next tranche of each active alliance of the PO side whose conditions hold."""
    mine = tranches_visible_to(user).filter(acting_as(user, PO_SIDE, PLAN_PATH))
    return tranches_requestable(mine).select_related(*TRANCHE_ROWS).order_by("planned_date", "pk")


def tranches_to_verify(user):
    """Tranche requests of active alliances in the officer's regions."""
    return (
        tranches_visible_to(user)
        .filter(
            acting_as(user, TRANCHE_STEPS["verify"].roles, PLAN_PATH),
            status=Tranche.Status.REQUESTED,
            commitment__plan__status=PlanStatus.ACTIVE,
        )
        .select_related(*TRANCHE_ROWS)
        .order_by("requested_at", "pk")
    )


def contributions_to_verify(user):
    """Counterpart contributions recorded and not verified yet, in the officer's regions."""
    return (
        contributions_visible_to(user)
        .filter(
            acting_as(user, CONTRIBUTION_STEPS["verify"].roles, "plan__alliance"),
            status=CounterpartContribution.Status.RECORDED,
            plan__status__in=CONTRIBUTION_STATES,
        )
        .select_related("plan__alliance__producer_organization", "plan__alliance__program")
        .order_by("contributed_on", "pk")
    )


def agreements_to_confirm(user):
    """Agreements sent to the buyer this user represents."""
    return (
        agreements_visible_to(user)
        .filter(
            acting_as(user, AGREEMENT_STEPS["confirm"].roles), status=PurchaseAgreement.Status.SENT
        )
        .select_related("alliance__producer_organization", "alliance__plan")
        .order_by("pk")
    )


def agreements_to_send(user):
    """Approved plans of the PO side whose purchase agreement is still to write, to send,
    or to amend after the buyer declined it (signing waits for a confirmed one)."""
    answered = PurchaseAgreement.objects.filter(
        alliance=OuterRef("alliance"),
        status__in=(PurchaseAgreement.Status.SENT, PurchaseAgreement.Status.CONFIRMED),
    )
    return (
        plans_visible_to(user)
        .filter(acting_as(user, AGREEMENT_STEPS["send"].roles & set(PO_SIDE)))
        .filter(status=PlanStatus.APPROVED)
        .exclude(Exists(answered))
        .with_list_data()
        .order_by("updated_at", "pk")
    )


def funding_tasks(user, s) -> list[Task]:
    """Money and agreements waiting for the user (registered in `accounts.worklist`)."""
    tasks = []
    if s.roles & set(PO_SIDE):
        tasks.append(
            Task(
                "to_request_tranche",
                gettext_lazy("Tranches to request"),
                reverse("plan-list") + "?status=active",
                records=tranches_to_request(user),
                item=_tranche_item,
                covers=((TRANCHE, "request"),),
            )
        )
        tasks.append(
            Task(
                "to_send_agreement",
                gettext_lazy("Purchase agreements to send to the buyer"),
                reverse("agreement-list"),
                records=agreements_to_send(user),
                item=_plan_agreement_item,
                covers=((AGREEMENT, "send"),),
            )
        )
    if Role.PROGRAMME_OFFICER in s.staff:
        tasks += [
            Task(
                "to_verify_tranche",
                gettext_lazy("Tranche requests to verify"),
                reverse("plan-list") + "?status=active",
                records=tranches_to_verify(user),
                item=_tranche_item,
                covers=((TRANCHE, "verify"),),
            ),
            Task(
                "to_verify_contribution",
                gettext_lazy("Counterpart contributions to verify"),
                reverse("plan-list"),
                records=contributions_to_verify(user),
                item=_contribution_item,
                covers=((CONTRIBUTION, "verify"),),
            ),
        ]
    if Role.FINANCE_OFFICER in s.staff:
        tasks.append(
            Task(
                "to_disburse",
                gettext_lazy("Tranches to authorize or pay"),
                reverse("finance-queue"),
                records=(tranches_visible_to(user) & finance_queue(user))
                .select_related(*TRANCHE_ROWS)
                .order_by("authorized_at", "verified_at", "pk"),
                item=_tranche_item,
                covers=((TRANCHE, "authorize"), (TRANCHE, "pay")),
            )
        )
    if s.buyer_ids:
        tasks.append(
            Task(
                "to_confirm_agreement",
                gettext_lazy("Agreements to confirm"),
                reverse("agreement-list") + "?status=sent",
                records=agreements_to_confirm(user),
                item=_agreement_item,
                covers=((AGREEMENT, "confirm"), (AGREEMENT, "decline")),
            )
        )
    return tasks


# --- the figures finance officers and the PO side watch (home page) ----------------------


FINANCE_TOTALS = keeps("finance")


def _finance_totals(user) -> dict:
    """Budget committed and paid in the finance officer's regions, by currency, and the
    tranches waiting for authorization and for payment: three queries, their sums and
    counts kept as the task counts are (`accounts.worklist.kept`): the sum of payments
    reads every payment of the officer's regions."""
    where = acting_as(user, {Role.FINANCE_OFFICER}, "plan__alliance")
    committed = list(
        commitments_visible_to(user)
        .filter(where)
        .values("program__currency")
        .annotate(t=Sum(F("amount") - F("released_amount")))
        .order_by("program__currency")
        .values_list("program__currency", "t")
    )
    paid = dict(
        payments_visible_to(user)
        .filter(acting_as(user, {Role.FINANCE_OFFICER}, "tranche__" + PLAN_PATH))
        .values("tranche__commitment__program__currency")
        .annotate(t=Sum(signed_payment()))
        .values_list("tranche__commitment__program__currency", "t")
    )
    waiting_statuses = (Tranche.Status.VERIFIED, Tranche.Status.AUTHORIZED)
    waiting = (
        tranches_visible_to(user)
        .filter(
            acting_as(user, {Role.FINANCE_OFFICER}, PLAN_PATH),
            commitment__plan__status=PlanStatus.ACTIVE,
            status__in=waiting_statuses,  # the few waiting, from the index on status
        )
        .aggregate(
            verified=Count("pk", filter=Q(status=Tranche.Status.VERIFIED)),
            authorized=Count("pk", filter=Q(status=Tranche.Status.AUTHORIZED)),
        )
    )
    return {"committed": committed, "paid": paid, "waiting": waiting}


def _finance_figures(user) -> list[Figure]:
    """Budget committed and paid by currency, and the tranches waiting for finance."""
    totals = kept(user, FINANCE_TOTALS, lambda: _finance_totals(user))
    paid, waiting = totals["paid"], totals["waiting"]
    figures = []
    for currency, committed in totals["committed"]:
        figures += [
            Figure(_("Grants committed"), format_money(committed, currency)),
            Figure(_("Grants paid"), format_money(paid.get(currency) or ZERO, currency)),
        ]
    queue = reverse("finance-queue")
    return figures + [
        Figure(
            _("Tranches awaiting authorization"),
            format_number(waiting["verified"], digits=0),
            url=queue,
        ),
        Figure(
            _("Tranches awaiting payment"),
            format_number(waiting["authorized"], digits=0),
            url=queue,
        ),
    ]


def next_tranches(user):
    """The next tranche not paid yet of each active alliance of the PO side."""
    mine = tranches_visible_to(user).filter(
        acting_as(user, PO_SIDE, PLAN_PATH), commitment__plan__status=PlanStatus.ACTIVE
    )
    first_unpaid = (
        Tranche.objects.filter(commitment=OuterRef("commitment"))
        .exclude(status=Tranche.Status.PAID)
        .order_by("number")
        .values("number")[:1]
    )
    return (
        mine.exclude(status=Tranche.Status.PAID)
        .filter(number=Subquery(first_unpaid))
        .select_related(*TRANCHE_ROWS)
        .order_by("commitment__plan__alliance__code")
    )


def _next_tranche_figures(user) -> list[Figure]:
    """Each active alliance's next tranche, and whether it may be requested now (the
    rule of `services.tranches_requestable`): two queries, whatever the alliances."""
    rows = list(next_tranches(user)[:10])
    if not rows:
        return []
    ready = set(
        tranches_requestable(Tranche.objects.filter(pk__in=[t.pk for t in rows])).values_list(
            "pk", flat=True
        )
    )
    figures = []
    for tranche in rows:
        alliance = tranche.commitment.plan.alliance
        if tranche.status != Tranche.Status.PLANNED:
            note = _("Status: %(status)s.") % {
                "status": labels.state_label(Tranche, tranche.status)
            }
        elif tranche.pk in ready:
            note = _("Its conditions hold: you can request it.")
        else:
            note = _("Waiting for its conditions: %(conditions)s") % {
                "conditions": tranche.conditions_text
            }
        figures.append(
            Figure(
                _("%(alliance)s: next tranche, number %(number)s")
                % {"alliance": alliance.code, "number": tranche.number},
                format_money(tranche.amount, tranche.commitment.program.currency),
                note,
                _tranche_url(tranche),
            )
        )
    return figures


def funding_figures(user, s) -> list[Figure]:
    """Registered in `accounts.worklist`: finance's money, the PO side's next tranches,
    the buyer's agreements and deliveries."""
    figures = []
    if Role.FINANCE_OFFICER in s.staff:
        figures += _finance_figures(user)
    if s.roles & set(PO_SIDE):
        figures += _next_tranche_figures(user)
    if Role.BUYER in s.roles:
        figures += _buyer_figures(user)
    return figures


# Kept per user as the task counts are (`accounts.worklist.kept`): a buyer's figures count
# every agreement and delivery of its alliances.
BUYER_COUNTS = keeps("buyer_figures")


def _buyer_counts(user) -> dict[str, int]:
    buyer = acting_as(user, {Role.BUYER})
    confirmed = agreements_visible_to(user).filter(buyer, status=PurchaseAgreement.Status.CONFIRMED)
    since = timezone.localdate() - datetime.timedelta(days=365)
    delivered = deliveries_visible_to(user).filter(
        buyer, status=Delivery.Status.CONFIRMED, delivered_on__gte=since
    )
    return {"agreements": confirmed.count(), "deliveries": delivered.count()}


def _buyer_figures(user) -> list[Figure]:
    """The buyer's purchase agreements in force, and the deliveries it confirmed in the
    last twelve months: two queries, kept between steps."""
    counts = kept(user, BUYER_COUNTS, lambda: _buyer_counts(user))
    return [
        Figure(
            _("Purchase agreements in force"),
            format_number(counts["agreements"], digits=0),
            url=reverse("agreement-list") + f"?status={PurchaseAgreement.Status.CONFIRMED}",
        ),
        Figure(
            _("Deliveries confirmed in the last 12 months"),
            format_number(counts["deliveries"], digits=0),
        ),
    ]
