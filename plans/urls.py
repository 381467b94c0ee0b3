from django.urls import path

from .views import editor, overview, review

urlpatterns = [
    path("", overview.home, name="home"),
    path("plans/", overview.plan_list, name="plan-list"),
    path("plans/new/", editor.plan_propose, name="plan-propose"),
    path("plans/<int:pk>/", overview.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/compare/", overview.plan_compare, name="plan-compare"),
    path("plans/<int:pk>/edit/", editor.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/budget/", editor.plan_budget, name="plan-budget"),
    path("plans/<int:pk>/budget/<int:line_pk>/", editor.plan_budget, name="plan-budget-line"),
    path(
        "plans/<int:pk>/budget/<int:line_pk>/delete/",
        editor.plan_budget_delete,
        name="plan-budget-delete",
    ),
    path("plans/<int:pk>/cash-flows/", editor.plan_cash_flows, name="plan-cash-flows"),
    path("plans/<int:pk>/analysis/", editor.plan_analysis_preview, name="plan-analysis"),
    path("plans/<int:pk>/documents/", editor.plan_documents, name="plan-documents"),
    path(
        "plans/<int:pk>/documents/<int:document_pk>/",
        editor.document_download,
        name="plan-document",
    ),
    path("plans/<int:pk>/do/<slug:name>/", review.plan_action, name="plan-action"),
    path("plans/<int:pk>/screening/", review.plan_screening, name="plan-screening"),
    path("plans/<int:pk>/appraisers/", review.plan_appraisers, name="plan-appraisers"),
    path("plans/<int:pk>/decision/", review.plan_decision, name="plan-decision"),
    path("appraisals/<int:pk>/", review.appraisal_page, name="appraisal"),
]
