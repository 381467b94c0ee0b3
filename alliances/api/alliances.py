"""API of alliances (the legalization checklist an officer completes before signing is
funding's: `funding.api.AllianceViewSet` adds it)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from accounts.policy import alliances_visible_to
from core.api import IdsFirstMixin, NotFoundMixin, alliance_filterset
from core.api_serializers import ModelSerializer

from ..models import Alliance, PlanStatus
from .parties import (
    PartySerializer,
    ProductSerializer,
    ProgramRefSerializer,
    RegionSerializer,
    ValueChainSerializer,
)

# --- alliances -------------------------------------------------------------------------


class AllianceSerializer(ModelSerializer):
    program = ProgramRefSerializer(read_only=True)
    producer_organization = PartySerializer(read_only=True)
    buyer = PartySerializer(read_only=True)
    value_chain = ValueChainSerializer(read_only=True)
    product = ProductSerializer(read_only=True)
    region = RegionSerializer(read_only=True)
    plan = serializers.IntegerField(source="plan.pk", read_only=True, allow_null=True)
    status = serializers.ChoiceField(
        source="plan.status",
        choices=PlanStatus.choices,
        read_only=True,
        help_text=_("The alliance's stage: its business plan's status (§3)."),
    )

    class Meta:
        model = Alliance
        fields = [
            "id",
            "code",
            "name",
            "status",
            "plan",
            "program",
            "producer_organization",
            "buyer",
            "value_chain",
            "product",
            "region",
            "created_at",
        ]


class AllianceFilter(alliance_filterset("", updated="plan__updated_at")):
    status = filters.MultipleChoiceFilter(
        field_name="plan__status", choices=PlanStatus.choices, help_text="The plan's status."
    )

    class Meta:
        model = Alliance
        fields = []


@extend_schema_view(
    list=extend_schema(summary="List alliances"), retrieve=extend_schema(summary="An alliance")
)
class AllianceViewSet(IdsFirstMixin, NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """Alliances the user may see; an alliance's `status` is its business plan's status.
    Propose a new alliance with `POST /api/v1/plans/`."""

    serializer_class = AllianceSerializer
    filterset_class = AllianceFilter
    ordering_fields = ["code", "name", "created_at", "id"]
    ordering = ["code"]
    not_found_message = _("No such alliance.")

    def visible(self):
        return alliances_visible_to(self.request.user)

    def with_rows(self, queryset):
        return with_row_data(queryset)


def with_row_data(alliances):
    return alliances.select_related(
        "program", "producer_organization", "buyer", "value_chain", "product", "region", "plan"
    )
