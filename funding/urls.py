"""Pages of agreements and programme money: a plan's agreement, checklist and
disbursement; the buyer's agreements; the finance queue; the programme ledgers."""

from django.urls import path

from .views import agreements, disbursement, lists

urlpatterns = [
    path("plans/<int:pk>/agreement/", agreements.agreement_detail, name="plan-agreement"),
    path(
        "plans/<int:pk>/agreement/edit/",
        agreements.agreement_edit,
        name="plan-agreement-edit",
    ),
    path("plans/<int:pk>/agreement/pdf/", agreements.agreement_pdf, name="plan-agreement-pdf"),
    path("plans/<int:pk>/legalization/", agreements.legalization, name="plan-legalization"),
    path(
        "plans/<int:pk>/disbursement/",
        disbursement.plan_disbursement,
        name="plan-disbursement",
    ),
    path("agreements/", agreements.agreement_list, name="agreement-list"),
    path("finance/tranches/", lists.finance_queue, name="finance-queue"),
    path("programmes/", lists.program_list, name="program-list"),
    path("programmes/<int:pk>/ledger/", lists.program_ledger, name="program-ledger"),
]
