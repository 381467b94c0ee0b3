"""API of report jobs (§10): `POST /api/v1/reports/` queues one, `GET .../{id}/` follows it.

Everything goes through `reports.services`: the same checks of kind, parameters and
permission as the pages; a job is visible to its requester and to users allowed to see
every alliance it covers.
"""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api import FileNegotiation, file_accepted, file_responses
from core.api_serializers import ModelSerializer

from . import services
from .generators import KINDS
from .models import ReportJob, ReportKind
from .views import file_response


class ReportJobSerializer(ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text=_("Where to download the file, once the job has succeeded.")
    )

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "kind",
            "parameters",
            "title",
            "status",
            "progress",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        if services.report_download_url(job) is None:
            return None
        url = reverse("api:report-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    parameters = serializers.JSONField(
        required=False,
        default=dict,
        help_text=_('{"alliance": id}, {"plan": id}, {"program": id}, or nothing.'),
    )


@extend_schema_view(
    list=extend_schema(summary="My report jobs, newest first"),
    retrieve=extend_schema(summary="A report job: status, progress and download link"),
    create=extend_schema(
        summary="Queue a report",
        request=ReportRequestSerializer,
        responses={201: ReportJobSerializer},
        examples=[
            OpenApiExample(
                "Fact sheet",
                value={"kind": "alliance_factsheet_pdf", "parameters": {"alliance": 1}},
                request_only=True,
            ),
            OpenApiExample(
                "Whole portfolio",
                value={"kind": "portfolio_xlsx", "parameters": {}},
                request_only=True,
            ),
        ],
    ),
)
class ReportJobViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReportJobSerializer
    queryset = ReportJob.objects.none()

    def get_queryset(self):
        return services.reports_requested_by(self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else services.report_files_checked(page)

    def get_object(self):
        try:
            return services.get_report_for_user(self.request.user, self.kwargs["pk"])
        except Http404 as exc:
            raise NotFound(_("No such report.")) from exc

    def create(self, request, *args, **kwargs):
        body = ReportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = services.report_request(
            kind=body.validated_data["kind"],
            parameters=body.validated_data["parameters"],
            by=request.user,
        )
        job.refresh_from_db()  # eager runs may already have finished it
        data = ReportJobSerializer(job, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download the report's file",
        description=(
            "The file as an attachment, of the type of the job's kind: PDF "
            "(`*_pdf`), XLSX (`*_xlsx`), CSV (`*_csv`) or XML (`iati_activities_xml`). "
            "`Accept` may name that type, a wildcard, or nothing; any other is a 406."
        ),
        responses=file_responses(*sorted({spec.content_type for spec in KINDS.values()})),
    )
    @action(detail=True, methods=["get"], content_negotiation_class=FileNegotiation)
    def download(self, request, pk=None):
        try:
            job = services.get_report_file_for_user(request.user, pk)
        except Http404 as exc:
            raise NotFound(_("No such report.")) from exc
        file_accepted(request, KINDS[job.kind].content_type)
        try:
            return file_response(job)
        except Http404 as exc:
            raise NotFound(_("This report has no file to download.")) from exc
