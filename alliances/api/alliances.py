"""API of alliances, with the legalization checklist an officer completes before signing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.policy import alliances_visible_to
from core.api import MAX_ID, NotFoundMixin, alliance_filterset
from funding.models import LegalizationCheck, LegalizationRequirement
from funding.services import legalization_check_record
from plans.models import PlanStatus

from ..models import Alliance
from .parties import (
    PartySerializer,
    ProductSerializer,
    ProgramRefSerializer,
    RegionSerializer,
    ValueChainSerializer,
)

# --- alliances -------------------------------------------------------------------------


class AllianceSerializer(serializers.ModelSerializer):
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


class LegalizationItemSerializer(serializers.Serializer):
    requirement = serializers.IntegerField()
    code = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    done_by = serializers.CharField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)


class LegalizationCheckRequestSerializer(serializers.Serializer):
    requirement = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=_("Id of an item of the programme's legalization checklist."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")


@extend_schema_view(
    list=extend_schema(summary="List alliances"), retrieve=extend_schema(summary="An alliance")
)
class AllianceViewSet(NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """Alliances the user may see; an alliance's `status` is its business plan's status.
    Propose a new alliance with `POST /api/v1/plans/`."""

    serializer_class = AllianceSerializer
    filterset_class = AllianceFilter
    ordering_fields = ["code", "name", "created_at", "id"]
    ordering = ["code"]
    not_found_message = _("No such alliance.")

    def get_queryset(self):
        return alliances_visible_to(self.request.user).select_related(
            "program", "producer_organization", "buyer", "value_chain", "product", "region", "plan"
        )

    def _checklist(self, alliance) -> list[dict]:
        done = {
            c.requirement_id: c
            for c in LegalizationCheck.objects.filter(alliance=alliance).select_related("done_by")
        }
        items = []
        for requirement in alliance.program.legalization_requirements.all():
            check = done.get(requirement.pk)
            items.append(
                {
                    "requirement": requirement.pk,
                    "code": requirement.code,
                    "label": requirement.label,
                    "done": check is not None,
                    "note": check.note if check else "",
                    "done_by": check.done_by.username if check else None,
                    "done_at": check.done_at if check else None,
                }
            )
        return items

    @extend_schema(
        methods=["GET"],
        summary="The alliance's legalization checklist",
        responses={200: LegalizationItemSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Tick an item of the legalization checklist",
        description="Programme officers only. Answers with the whole checklist.",
        request=LegalizationCheckRequestSerializer,
        responses={200: LegalizationItemSerializer(many=True)},
        examples=[OpenApiExample("Bank account", value={"requirement": 2, "note": "IBAN seen"})],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filter_backends=[],
        url_path="legalization-checks",
    )
    def legalization_checks(self, request, pk=None):
        alliance = self.get_object()
        if request.method == "POST":
            body = LegalizationCheckRequestSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            requirement = LegalizationRequirement.objects.filter(
                pk=body.validated_data["requirement"]
            ).first()
            if requirement is None:
                raise ValidationError({"requirement": [_("No such checklist item.")]})
            legalization_check_record(
                alliance=alliance,
                requirement=requirement,
                by=request.user,
                note=body.validated_data["note"],
            )
        return Response(LegalizationItemSerializer(self._checklist(alliance), many=True).data)
