"""Grant commitments in the API (§4, issue 19): the programme budget reserved for each
approved plan and what a cancellation released, read through `commitments_visible_to`
(those who read the alliance's money, §9a), as the disbursement page shows them. They
are made and released by the plan's steps (approve, cancel), never through the API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from accounts.policy import commitments_visible_to
from core.api import IdFilter, NotFoundMixin, alliance_filterset
from core.api_serializers import ModelSerializer

from .models import GrantCommitment


class CommitmentSerializer(ModelSerializer):
    alliance = serializers.IntegerField(source="plan.alliance_id", read_only=True)
    alliance_code = serializers.CharField(source="plan.alliance.code", read_only=True)
    currency = serializers.CharField(source="program.currency", read_only=True)

    class Meta:
        model = GrantCommitment
        fields = [
            "id",
            "plan",
            "alliance",
            "alliance_code",
            "program",
            "amount",
            "released_amount",
            "currency",
            "committed_at",
        ]
        read_only_fields = fields


class CommitmentFilter(alliance_filterset("plan__alliance")):
    plan = IdFilter(field_name="plan_id", help_text="Business plan id.")

    class Meta:
        model = GrantCommitment
        fields = []


@extend_schema_view(
    list=extend_schema(summary="List grant commitments"),
    retrieve=extend_schema(summary="A grant commitment"),
)
class CommitmentViewSet(NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """What each approval reserved of its programme's budget (`amount`) and what a
    cancellation gave back (`released_amount`)."""

    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilter
    ordering_fields = ["committed_at", "amount", "id"]
    ordering = ["-committed_at", "-id"]
    not_found_message = _("No such commitment.")

    def get_queryset(self):
        return commitments_visible_to(self.request.user).select_related("plan__alliance", "program")
