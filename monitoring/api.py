"""API of monitoring (§8, §10): the indicator catalogue (`indicators`) and the periodic
monitoring reports (`monitoring-reports`), which the PO submits with its values and the
M&E officer accepts or returns (with a reason), through `monitoring.services`.

A report carries its values: those entered by the PO and, for indicators the platform
computes (confirmed deliveries, the revolving fund), the live figure until the report is
accepted, then the figure stored at acceptance (`selectors.report_cells`). Lists compute
the live figures of a whole page at once, in a fixed number of queries.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.policy import monitoring_reports_visible_to
from core.api import (
    CommentSerializer,
    NotFoundMixin,
    action_examples,
    alliance_filterset,
    nested,
)
from core.api_input import JSONParser
from core.api_serializers import ModelSerializer
from plans.api.documents import EvidenceUploadSerializer, PlanDocumentSerializer

from . import services
from .models import Indicator, MonitoringReport
from .report_evidence import report_evidence_attach
from .selectors import report_cells, report_cells_for

# --- the indicator catalogue ---------------------------------------------------------------


class IndicatorSerializer(ModelSerializer):
    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "name",
            "unit",
            "aggregation",
            "source",
            "is_money",
            "by_sex",
            "by_youth",
        ]


@extend_schema_view(
    list=extend_schema(summary="List the indicators in use"),
    retrieve=extend_schema(summary="An indicator of the catalogue"),
)
class IndicatorViewSet(NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """The catalogue of indicators in use (§8). `source` says where values come from:
    `reported` (entered in the periodic report) or computed by the platform. An empty
    `unit` with `is_money` means the programme's currency; for delivered volumes, the
    purchase agreement's unit. `name` and `unit` are in the language of the request
    (`Accept-Language`: en, fr or es), in English where no translation was given."""

    serializer_class = IndicatorSerializer
    queryset = Indicator.objects.filter(active=True).order_by("position", "code")
    filterset_fields = ["source"]
    ordering_fields = ["position", "code"]
    ordering = ["position", "code"]
    not_found_message = _("No such indicator.")


# --- monitoring reports -------------------------------------------------------------------


# `null` is a branch of its own: OpenAPI 3.0 ignores `nullable` beside a bare `oneOf`.
@extend_schema_field(
    {"oneOf": [{"type": "number", "nullable": True}, {"type": "string"}], "example": "12.5"}
)
class FigureField(serializers.Field):
    """A figure as typed: a number or a string of digits (the service checks it, and its
    messages name the indicator)."""

    default_error_messages = {"invalid": _("Give a number.")}

    def to_internal_value(self, data):
        if data is None or isinstance(data, str):
            return data
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return str(data)

    def to_representation(self, value):
        return value


class EntrySerializer(serializers.Serializer):
    value = FigureField(required=False, allow_null=True)
    women = FigureField(
        required=False, allow_null=True, help_text=_("Of which women, where disaggregated.")
    )
    youth = FigureField(
        required=False, allow_null=True, help_text=_("Of which youth, where disaggregated.")
    )


class SubmitSerializer(CommentSerializer):
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    values = serializers.DictField(
        child=EntrySerializer(),
        required=False,
        help_text=_(
            "The values entered by the producer organization, by indicator code: "
            '`{"yield": {"value": "2.4"}, "jobs": {"value": 3, "women": 1, "youth": 2}}`. '
            "Given, they replace the report's entered values; every reported indicator "
            "needs a value to submit. Messages of values that are not valid are keyed by "
            "the indicator code (`jobs`, `jobs.women`)."
        ),
    )


class ValueSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text=_("The indicator's code."))
    value = serializers.DecimalField(max_digits=18, decimal_places=3, allow_null=True)
    women = serializers.DecimalField(max_digits=18, decimal_places=3, allow_null=True)
    youth = serializers.DecimalField(max_digits=18, decimal_places=3, allow_null=True)
    computed = serializers.BooleanField(
        help_text=_(
            "Computed by the platform (confirmed deliveries, revolving fund): live until "
            "the report is accepted, then as it stood at acceptance."
        )
    )


class MonitoringReportSerializer(ModelSerializer):
    alliance_code = serializers.CharField(source="alliance.code", read_only=True)
    submitted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    reviewed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    overdue = serializers.BooleanField(
        source="is_overdue", read_only=True, help_text=_("Due, and past its date.")
    )
    values = serializers.SerializerMethodField()

    class Meta:
        model = MonitoringReport
        fields = [
            "id",
            "alliance",
            "alliance_code",
            "period_start",
            "period_end",
            "due_on",
            "status",
            "overdue",
            "narrative",
            "return_reason",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "values",
        ]

    @extend_schema_field(ValueSerializer(many=True))
    def get_values(self, report) -> list[dict]:
        page_cells = self.context.get("cells")
        cells = page_cells[report.pk] if page_cells is not None else report_cells(report)
        indicators = self.context.get("indicators") or {
            i.pk: i for i in Indicator.objects.filter(pk__in=cells)
        }
        rows = sorted(
            ((indicators[pk], cell) for pk, cell in cells.items()),
            key=lambda row: (row[0].position, row[0].code),
        )
        return nested(self, ValueSerializer, many=True).to_representation(
            [
                {
                    "indicator": indicator.code,
                    "value": cell.value,
                    "women": cell.women,
                    "youth": cell.youth,
                    "computed": cell.computed,
                }
                for indicator, cell in rows
            ]
        )


def report_example(status: str, **changes) -> dict:
    """A monitoring report as the API answers it, at `status`, for the schema's examples."""
    return {
        "id": 21,
        "alliance": 1,
        "alliance_code": "BJ-2025-0001",
        "period_start": "2025-07-01",
        "period_end": "2025-09-30",
        "due_on": "2025-10-15",
        "status": status,
        "overdue": False,
        "narrative": "Sales to the buyer rose this quarter.",
        "return_reason": "",
        "submitted_by": "producer",
        "submitted_at": "2025-10-06T17:45:00Z",
        "reviewed_by": None,
        "reviewed_at": None,
        "values": [
            {"indicator": code, "value": value, "women": women, "youth": youth, "computed": auto}
            for code, value, women, youth, auto in (
                ("sales_volume", "36000.000", None, None, True),
                ("yield", "2.400", None, None, False),
                ("jobs", "3.000", "1.000", "2.000", False),
            )
        ],
        **changes,
    }


def page_cells(reports: list[MonitoringReport]) -> tuple[dict, dict]:
    """({report id: {indicator id: Cell}}, {indicator id: Indicator}) of a page of reports,
    in a fixed number of queries (`selectors.report_cells_for`)."""
    catalogue = {i.pk: i for i in Indicator.objects.all()}
    return report_cells_for(reports, catalogue), catalogue


class MonitoringReportFilter(alliance_filterset("alliance")):
    status = filters.MultipleChoiceFilter(choices=MonitoringReport.Status.choices)
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = MonitoringReport
        fields = []


@extend_schema_view(
    list=extend_schema(summary="List monitoring reports"),
    retrieve=extend_schema(summary="A monitoring report"),
)
class MonitoringReportViewSet(NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """Periodic monitoring reports of the alliances whose monitoring the user may read
    (not buyers): `due -> submitted -> accepted | returned`, with their values."""

    serializer_class = MonitoringReportSerializer
    filterset_class = MonitoringReportFilter
    ordering_fields = ["due_on", "period_start", "id"]
    ordering = ["-due_on", "-id"]
    not_found_message = _("No such monitoring report.")

    def get_queryset(self):
        return monitoring_reports_visible_to(self.request.user).select_related(
            "alliance", "submitted_by", "reviewed_by"
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        reports = list(page if page is not None else queryset)
        cells, indicators = page_cells(reports)
        context = {**self.get_serializer_context(), "cells": cells, "indicators": indicators}
        data = MonitoringReportSerializer(reports, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _answer(self, report):
        return Response(self.get_serializer(self.get_queryset().get(pk=report.pk)).data)

    def _move(self, request, service, **extra):
        report = self.get_object()
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service(report=report, by=request.user, comment=body.validated_data["comment"], **extra)
        return self._answer(report)

    @extend_schema(
        summary="Submit the report (producer organization), with its values",
        request=SubmitSerializer,
        responses={200: MonitoringReportSerializer},
        examples=action_examples(
            "With values",
            request={
                "narrative": "Sales to the buyer rose this quarter.",
                "values": {"yield": {"value": "2.4"}, "jobs": {"value": 3, "women": 1, "youth": 2}},
            },
            response=report_example("submitted"),
        ),
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        report = self.get_object()
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        values = data.get("values")
        if values is not None:
            values = {code: dict(entry) for code, entry in values.items()}
        services.report_submit(
            report=report,
            by=request.user,
            narrative=data.get("narrative"),
            values=values,
            comment=data["comment"],
        )
        return self._answer(report)

    @extend_schema(
        summary="Accept the report (M&E officer)",
        request=CommentSerializer,
        responses={200: MonitoringReportSerializer},
        examples=action_examples(
            "Accepted",
            request={"comment": "Figures match the store records."},
            response=report_example(
                "accepted", reviewed_by="me_officer", reviewed_at="2025-10-08T10:15:00Z"
            ),
        ),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._move(request, services.report_accept)

    @extend_schema(
        summary="Return the report (M&E officer), with a reason",
        request=CommentSerializer,
        responses={200: MonitoringReportSerializer},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._move(request, services.report_return)

    @extend_schema(
        methods=["GET"],
        summary="Evidence attached to the monitoring report",
        responses={200: PlanDocumentSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Attach evidence to the report (producer organization)",
        description=(
            "A `multipart/form-data` upload by the producer organization's side while the "
            "report is due or returned (409 once submitted), checked as every document is: "
            "typed from its content, up to 10 MB. The document is one of the plan's "
            "(`/api/v1/plans/{id}/documents/`), seen only by those who read monitoring."
        ),
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: PlanDocumentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, JSONParser],
        pagination_class=None,
        filter_backends=[],
    )
    def evidence(self, request, pk=None):
        report = self.get_object()
        context = self.get_serializer_context()
        if request.method == "POST":
            body = EvidenceUploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            document = report_evidence_attach(
                report=report,
                by=request.user,
                title=body.validated_data["title"],
                upload=body.validated_data["file"],
            )
            return Response(
                PlanDocumentSerializer(document, context=context).data,
                status=status.HTTP_201_CREATED,
            )
        documents = report.evidence.select_related("uploaded_by", "version").order_by(
            "uploaded_at", "id"
        )
        return Response(PlanDocumentSerializer(documents, many=True, context=context).data)
