"""API of periodic monitoring reports (§8). Read-only for now: submitting, accepting and
returning a report come with the monitoring work, which adds their services."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from config.api import NotFoundMixin, alliance_filterset, visible_through_alliance

from .models import MonitoringReport


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
