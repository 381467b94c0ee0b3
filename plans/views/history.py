"""A plan's audit history page: every change to the plan and what hangs from it.

Readable by the programme's officers (in their regions) and administrators, as the
policy says: a user who cannot see the plan gets 404, one who sees it but is neither
gets 403. Each change is shown in words (`accounts.history`).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import audit, policy
from accounts.history import history_rows

from ..models import BusinessPlan

PAGE_SIZE = 50


@require_GET
@login_required
def plan_history(request, pk: int):
    plan = BusinessPlan.objects.with_list_data().filter(pk=pk).first()
    if plan is None:
        raise Http404
    decision = policy.check_plan_history_access(request.user, plan)
    if decision.code == policy.NOT_FOUND:
        raise Http404(decision.reason)
    if not decision:
        raise PermissionDenied(decision.reason)
    page = Paginator(audit.plan_history(plan), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/plan_history.html",
        {
            "plan": plan,
            "page": page,
            "rows": history_rows(page.object_list, currency=plan.alliance.program.currency),
        },
    )
