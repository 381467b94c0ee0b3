"""API of deliveries (§7): recorded by the PO side, confirmed or disputed by the buyer.
(The purchase agreements' API is funding's: `funding/agreements_api.py`.)"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.policy import alliances_visible_to, deliveries_visible_to
from core.api import (
    MAX_COMMENT,
    MAX_ID,
    CommentSerializer,
    NotFoundMixin,
    action_examples,
    alliance_filterset,
)
from core.api_serializers import ModelSerializer

from .. import deliveries
from ..models import Delivery

# --- purchase agreements ---------------------------------------------------------------


# --- deliveries ------------------------------------------------------------------------


class DeliverySerializer(ModelSerializer):
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


class DeliveryValuesSerializer(serializers.Serializer):
    """What the producer organization's side types on the delivery forms; the service
    checks the rules (no future date, volume above zero, price in whole minor units)."""

    delivered_on = serializers.DateField()
    volume = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit_price = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text=_("In the programme's currency.")
    )
    quality_grade = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )


class DeliveryRecordSerializer(DeliveryValuesSerializer):
    alliance = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class DeliveryCorrectSerializer(DeliveryValuesSerializer):
    comment = serializers.CharField(
        max_length=MAX_COMMENT, required=False, allow_blank=True, default=""
    )


class DeliveryFilter(alliance_filterset("alliance", updated="updated_at")):
    status = filters.MultipleChoiceFilter(choices=Delivery.Status.choices)

    class Meta:
        model = Delivery
        fields = []


def delivery_example(status: str, **changes) -> dict:
    """A delivery as the API answers it, at `status`, for the schema's examples."""
    return {
        "id": 31,
        "alliance": 1,
        "alliance_code": "BJ-2025-0001",
        "delivered_on": "2025-11-14",
        "volume": "12000.000",
        "quality_grade": "Grade 1",
        "unit_price": "235.00",
        "currency": "XOF",
        "status": status,
        "dispute_reason": "",
        "created_at": "2025-11-14T15:20:00Z",
        "updated_at": "2025-11-16T08:05:00Z",
        **changes,
    }


@extend_schema_view(
    list=extend_schema(summary="List deliveries"),
    retrieve=extend_schema(summary="A delivery"),
    create=extend_schema(
        summary="Record a delivery to the buyer (producer organization)",
        description=(
            "By the producer organization's side once the alliance's agreement is signed "
            "(409 before). An alliance the user may not see is a 404. The delivery waits "
            "for the buyer's confirmation (`recorded`)."
        ),
        request=DeliveryRecordSerializer,
        responses={201: DeliverySerializer},
        examples=action_examples(
            "Delivery",
            request={
                "alliance": 1,
                "delivered_on": "2025-11-14",
                "volume": "12000.000",
                "unit_price": "235.00",
                "quality_grade": "Grade 1",
            },
            response=delivery_example("recorded"),
            status_code=201,
        ),
    ),
)
class DeliveryViewSet(NotFoundMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
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

    def create(self, request, *args, **kwargs):
        body = DeliveryRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        alliance = (
            alliances_visible_to(request.user)
            .select_related("program", "plan")
            .filter(pk=values.pop("alliance"))
            .first()
        )
        if alliance is None:
            raise NotFound(_("No such alliance."))
        delivery = deliveries.delivery_record(alliance=alliance, by=request.user, **values)
        data = self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct a disputed delivery (producer organization)",
        description=(
            "The corrected date, volume, price and grade; the delivery goes back to the "
            "buyer (`recorded`). Only a disputed delivery (409 otherwise)."
        ),
        request=DeliveryCorrectSerializer,
        responses={200: DeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        delivery = self.get_object()
        body = DeliveryCorrectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        deliveries.delivery_correct(delivery=delivery, by=request.user, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data)

    @extend_schema(
        summary="Confirm the delivery (buyer)",
        request=CommentSerializer,
        responses={200: DeliverySerializer},
        examples=action_examples(
            "Received", request={"comment": ""}, response=delivery_example("confirmed")
        ),
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._move(request, deliveries.delivery_confirm)

    @extend_schema(
        summary="Dispute the delivery (buyer), with a reason",
        request=CommentSerializer,
        responses={200: DeliverySerializer},
        examples=action_examples(
            "Short weight",
            request={"comment": "11,400 kg weighed at the store, not 12,000."},
            response=delivery_example(
                "disputed", dispute_reason="11,400 kg weighed at the store, not 12,000."
            ),
        ),
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        return self._move(request, deliveries.delivery_dispute)
