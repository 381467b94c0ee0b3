"""API of deliveries (§7): recorded by the PO side, confirmed or disputed by the buyer.
(The purchase agreements' API is funding's: `funding/agreements_api.py`.)"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.policy import deliveries_visible_to
from core.api import (
    CommentSerializer,
    NotFoundMixin,
    alliance_filterset,
)

from .. import deliveries
from ..models import Delivery

# --- purchase agreements ---------------------------------------------------------------


# --- deliveries ------------------------------------------------------------------------


class DeliverySerializer(serializers.ModelSerializer):
    alliance_code = serializers.CharField(source="alliance.code", read_only=True)
    currency = serializers.CharField(source="alliance.program.currency", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "alliance",
            "alliance_code",
            "delivered_on",
            "volume",
            "quality_grade",
            "unit_price",
            "currency",
            "status",
            "dispute_reason",
            "created_at",
            "updated_at",
        ]


class DeliveryFilter(alliance_filterset("alliance", updated="updated_at")):
    status = filters.MultipleChoiceFilter(choices=Delivery.Status.choices)

    class Meta:
        model = Delivery
        fields = []


@extend_schema_view(
    list=extend_schema(summary="List deliveries"), retrieve=extend_schema(summary="A delivery")
)
class DeliveryViewSet(NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """Deliveries to the buyer (§7): `recorded -> confirmed | disputed`; the buyer
    confirms or disputes (with a reason) through `alliances.deliveries`."""

    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter
    ordering_fields = ["delivered_on", "updated_at", "id"]
    ordering = ["-delivered_on", "-id"]
    not_found_message = _("No such delivery.")

    def get_queryset(self):
        return deliveries_visible_to(self.request.user).select_related("alliance__program")

    def _move(self, request, service):
        delivery = self.get_object()
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service(delivery=delivery, by=request.user, comment=body.validated_data["comment"])
        return Response(self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data)

    @extend_schema(
        summary="Confirm the delivery (buyer)",
        request=CommentSerializer,
        responses={200: DeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._move(request, deliveries.delivery_confirm)

    @extend_schema(
        summary="Dispute the delivery (buyer), with a reason",
        request=CommentSerializer,
        responses={200: DeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        return self._move(request, deliveries.delivery_dispute)
