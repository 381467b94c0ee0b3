"""URLs of the REST API: `/api/v1/` (DESIGN.md §10), its OpenAPI 3 schema and its docs."""

from typing import ClassVar

from django.urls import include, path, re_path
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from accounts.api import MeView, NotificationViewSet, TokenView
from alliances.api import (
    BuyerViewSet,
    DeliveryViewSet,
    FunderViewSet,
    ProducerOrganizationViewSet,
)
from alliances.api.roster import MemberViewSet
from core.api import FileNegotiation
from funding.agreements_api import PurchaseAgreementViewSet
from funding.api import AllianceViewSet, DisbursementViewSet, ProgramViewSet, TrancheViewSet
from funding.commitments_api import CommitmentViewSet
from funding.contributions_api import ContributionViewSet
from monitoring.api import IndicatorViewSet, MonitoringReportViewSet
from monitoring.dashboard_api import PortfolioView
from monitoring.revolving_fund_api import RevolvingFundEntryViewSet, RevolvingFundViewSet
from monitoring.targets_api import IndicatorTargetsViewSet
from plans.api import AppraisalViewSet, BudgetLineViewSet, CashFlowViewSet, PlanViewSet
from plans.api.documents import PlanDocumentViewSet
from reports.api import ReportJobViewSet
from reports.iati_api import IatiActivitiesView
from webhooks.api import WebhookViewSet


class Router(DefaultRouter):
    include_format_suffixes = False


router = Router()
router.register("producer-organizations", ProducerOrganizationViewSet, basename="organization")
router.register("buyers", BuyerViewSet, basename="buyer")
router.register("funders", FunderViewSet, basename="funder")
router.register("programs", ProgramViewSet, basename="program")
router.register("alliances", AllianceViewSet, basename="alliance")
router.register("plans", PlanViewSet, basename="plan")
router.register(
    r"plans/(?P<id>[^/.]+)/budget-lines", BudgetLineViewSet, basename="plan-budget-line"
)
router.register("appraisals", AppraisalViewSet, basename="appraisal")
router.register("purchase-agreements", PurchaseAgreementViewSet, basename="agreement")
router.register("deliveries", DeliveryViewSet, basename="delivery")
router.register("tranches", TrancheViewSet, basename="tranche")
router.register("disbursements", DisbursementViewSet, basename="disbursement")
router.register("monitoring-reports", MonitoringReportViewSet, basename="monitoring-report")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("reports", ReportJobViewSet, basename="report")
router.register("webhooks", WebhookViewSet, basename="webhook")
# Issue 19: what the pages show and edit, with the same services (README "REST API").
router.register(
    "counterpart-contributions", ContributionViewSet, basename="counterpart-contribution"
)
router.register("revolving-funds", RevolvingFundViewSet, basename="revolving-fund")
router.register(
    "revolving-fund-entries", RevolvingFundEntryViewSet, basename="revolving-fund-entry"
)
router.register("notifications", NotificationViewSet, basename="notification")
router.register("commitments", CommitmentViewSet, basename="commitment")

# Below an object, the object is `{id}`, as in the actions of the router's viewsets
# (`plans/{id}/submit/`), and what lies below it names itself: `plans/{id}/budget-lines/
# {line_id}/`, `plans/{id}/documents/{document_id}/`.
nested = [
    path(
        "plans/<str:id>/documents/",
        PlanDocumentViewSet.as_view({"get": "list", "post": "create"}),
        name="plan-document-list",
    ),
    path(
        "plans/<str:id>/documents/<str:document_id>/",
        PlanDocumentViewSet.as_view({"get": "retrieve"}),
        name="plan-document-detail",
    ),
    path(
        "plans/<str:id>/documents/<str:document_id>/download/",
        PlanDocumentViewSet.as_view({"get": "download"}, content_negotiation_class=FileNegotiation),
        name="plan-document-download",
    ),
    path(
        "producer-organizations/<str:id>/members/",
        MemberViewSet.as_view({"get": "list", "post": "create"}),
        name="organization-member-list",
    ),
    path(
        "producer-organizations/<str:id>/members/import/",
        MemberViewSet.as_view({"post": "roster_import"}),
        name="organization-roster-import",
    ),
    path(
        "producer-organizations/<str:id>/members/<str:member_id>/",
        MemberViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="organization-member-detail",
    ),
    path(
        "alliances/<str:id>/indicator-targets/",
        IndicatorTargetsViewSet.as_view({"get": "show", "patch": "change"}),
        name="alliance-indicator-target-list",
    ),
]

v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("portfolio/", PortfolioView.as_view(), name="portfolio"),
    path("iati/activities/", IatiActivitiesView.as_view(), name="iati-activities"),
    path(
        "plans/<str:id>/cash-flows/",
        CashFlowViewSet.as_view({"get": "projection", "put": "replace"}),
        name="plan-cash-flows",
    ),
    *nested,
    *router.urls,
]


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
def not_found(request, path=""):
    """Any other address under /api/: a 404 in the API's error shape, not an HTML page."""
    raise NotFound(_("No such address in the API."))


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, each schema generated once per process (by language
    and version) instead of on every request: it takes a second and a half of CPU, and
    only changes with the code, which a deployment restarts. The schema is the public
    one (SERVE_PUBLIC), the same for every caller; each format is rendered from it."""

    _schemas: ClassVar[dict[tuple, dict]] = {}

    def _get_schema_response(self, request):
        if not self.serve_public:  # a schema of the caller's own: made for each request
            return super()._get_schema_response(request)
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version)
        if key not in self._schemas:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            self._schemas[key] = generator.get_schema(request=request, public=True)
        filename = self._get_filename(request, version)
        return Response(
            data=self._schemas[key],
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )


urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path(
        "docs/",
        # The split view loads its start-up script from a URL instead of inlining it, so
        # the page works under a Content-Security-Policy without inline script.
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    re_path(r"^(?P<path>.*)$", not_found),
]
