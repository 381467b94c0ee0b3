"""API of periodic monitoring reports (§8): the PO submits, the M&E officer accepts or
returns them (with a reason), through `monitoring.services`. Indicator values come with
the rest of the monitoring work."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api import (
    CommentSerializer,
    NotFoundMixin,
    alliance_filterset,
    visible_through_alliance,
)

from . import services
from .models import MonitoringReport


class SubmitSerializer(CommentSerializer):
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class MonitoringReportSerializer(serializers.ModelSerializer):
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
        ]


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
    """Periodic monitoring reports of the alliances the user may see:
    `due -> submitted -> accepted | returned`."""

    serializer_class = MonitoringReportSerializer
    filterset_class = MonitoringReportFilter
    ordering_fields = ["due_on", "period_start", "id"]
    ordering = ["-due_on", "-id"]
    not_found_message = _("No such monitoring report.")

    def get_queryset(self):
        return visible_through_alliance(
            MonitoringReport.objects.select_related("alliance", "submitted_by", "reviewed_by"),
            self.request.user,
            "alliance",
        )

    def _move(self, request, service, **extra):
        report = self.get_object()
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service(report=report, by=request.user, comment=body.validated_data["comment"], **extra)
        return Response(self.get_serializer(self.get_queryset().get(pk=report.pk)).data)

    @extend_schema(
        summary="Submit the report (producer organization)",
        request=SubmitSerializer,
        responses={200: MonitoringReportSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        narrative = body.validated_data.get("narrative")
        return self._move(request, services.report_submit, narrative=narrative)

    @extend_schema(
        summary="Accept the report (M&E officer)",
        request=CommentSerializer,
        responses={200: MonitoringReportSerializer},
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
