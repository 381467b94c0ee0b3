"""Lists of programme money: the finance officers' queue and the programme ledgers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.policy import (
    MONEY,
    alliances_visible_to,
    check_program_ledger_access,
    programs_visible_to,
    programs_with_ledger_for,
    user_scope,
)
from core import labels
from core.pagination import IdsFirstPaginator
from plans.selectors import alliances_matching
from plans.views.common import enforce

from .. import selectors
from ..models import Program, Tranche

PAGE_SIZE = 25


@login_required
@require_GET
def finance_queue(request: HttpRequest) -> HttpResponse:
    """Tranches waiting for this finance officer's authorization or payment, filtered by
    programme and state and searched by alliance, organization or buyer."""
    if Role.FINANCE_OFFICER not in user_scope(request.user).staff:
        raise PermissionDenied(_("Only finance officers have a disbursement queue."))
    tranches = selectors.finance_queue(request.user)
    programs = programs_visible_to(request.user).order_by("code")
    program = _int_param(request, "program")
    if program is not None:
        tranches = tranches.filter(commitment__program_id=program)
    status = request.GET.get("status", "")
    if status not in (Tranche.Status.VERIFIED, Tranche.Status.AUTHORIZED):
        status = ""
    if status:
        tranches = tranches.filter(status=status)
    text = request.GET.get("q", "").strip()
    if text:
        tranches = tranches.filter(commitment__plan__alliance__in=alliances_matching(text))
    # The page's ids from the scope, filters and order alone, then those rows (issue 17).
    rows = Tranche.objects.select_related(
        "commitment__program",
        "commitment__plan__alliance__producer_organization",
        "verified_by",
        "authorized_by",
    )
    ordered = tranches.order_by("status", "planned_date", "id")
    page = IdsFirstPaginator(ordered, PAGE_SIZE, rows=rows).get_page(request.GET.get("page"))
    return render(
        request,
        "funding/finance_queue.html",
        {
            "page": page,
            "statuses": Tranche.Status,
            "programs": programs,
            "program": program,
            "status": status,
            "q": text,
            "status_choices": [
                (code, labels.state_label(Tranche, code))
                for code in (Tranche.Status.VERIFIED, Tranche.Status.AUTHORIZED)
            ],
        },
    )


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@login_required
@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    """The programmes whose ledger the user reads."""
    scope = user_scope(request.user)
    if not (scope.staff or scope.funder_ids or request.user.is_superuser):
        raise PermissionDenied(
            _("Only ministry staff and the programme's funders read its ledger.")
        )
    programs = programs_with_ledger_for(request.user)
    return render(request, "funding/program_list.html", {"programs": programs.order_by("code")})


@login_required
@require_GET
def program_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    """One row per alliance of the programme (those the user may see), with totals."""
    program = Program.objects.filter(pk=pk).first()
    if program is None:
        raise Http404(_("No such programme."))
    enforce(check_program_ledger_access(request.user, program))
    rows = selectors.program_ledger_rows(program, alliances_visible_to(request.user, reads=MONEY))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    ledgers = [(c, selectors.Ledger.of(c)) for c in page.object_list]
    return render(
        request,
        "funding/program_ledger.html",
        {
            "program": program,
            "page": page,
            "ledgers": ledgers,
            "totals": selectors.program_ledger_totals(program, rows),
            "currency": program.currency,
        },
    )
