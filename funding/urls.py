"""Pages of agreements and programme money: a plan's agreement, checklist and
disbursement; the buyer's agreements; the finance queue; the programme ledgers."""

from django.urls import path

from alliances import agreement_views

from .views import disbursement, lists

urlpatterns = [
    path("plans/<int:pk>/agreement/", agreement_views.agreement_detail, name="plan-agreement"),
    path(
        "plans/<int:pk>/agreement/edit/",
        agreement_views.agreement_edit,
        name="plan-agreement-edit",
    ),
    path("plans/<int:pk>/agreement/pdf/", agreement_views.agreement_pdf, name="plan-agreement-pdf"),
    path("plans/<int:pk>/legalization/", agreement_views.legalization, name="plan-legalization"),
    path(
        "plans/<int:pk>/disbursement/",
        disbursement.plan_disbursement,
        name="plan-disbursement",
    ),
    path("agreements/", agreement_views.agreement_list, name="agreement-list"),
    path("finance/tranches/", lists.finance_queue, name="finance-queue"),
    path("programmes/", lists.program_list, name="program-list"),
    path("programmes/<int:pk>/ledger/", lists.program_ledger, name="program-ledger"),
]
