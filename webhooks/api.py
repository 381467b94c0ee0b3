"""API of webhooks (DESIGN §10): `/api/v1/webhooks/` registers an endpoint for the
caller's programmes, `.../{id}/ping/` sends a test event, `.../{id}/deliveries/` is the
delivery log, `.../events/` names the events. A user sees only their own webhooks;
everything goes through `webhooks.services`."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.policy import programs_visible_to
from core.api import NotFoundMixin, action_examples
from core.api_serializers import ModelSerializer

from . import services
from .models import Delivery, Webhook

LOG_LENGTH = 100  # deliveries shown in a webhook's log


class WebhookSerializer(ModelSerializer):
    events = serializers.ListField(
        child=serializers.CharField(max_length=80),
        min_length=1,
        max_length=100,
        help_text=_('Event names (GET /api/v1/webhooks/events/), or ["*"] for all.'),
    )
    secret = serializers.CharField(
        write_only=True,
        min_length=16,
        max_length=200,
        help_text=_("Signs every body: X-Signature: sha256=<hex HMAC-SHA256 of the body>."),
    )
    program = serializers.PrimaryKeyRelatedField(
        queryset=apps.get_model("funding", "Program").objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Only events of this programme; empty: every programme you read."),
    )

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "secret", "program", "is_active", "created_at"]
        read_only_fields = ["id", "is_active", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:  # only the programmes the caller works in can be named
            fields["program"].queryset = programs_visible_to(request.user)
        return fields


class WebhookDeliverySerializer(ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "payload",
        ]
        read_only_fields = fields


class EventListSerializer(serializers.Serializer):
    events = serializers.ListField(child=serializers.CharField())


NOW = "2025-05-02T08:00:00Z"
WEBHOOK_EXAMPLE = {
    "url": "https://erp.example.org/hooks/alliances",
    "events": ["plan.approved", "payment.recorded"],
    "program": 1,
}


@extend_schema_view(
    list=extend_schema(summary="My webhooks"),
    retrieve=extend_schema(summary="A webhook"),
    destroy=extend_schema(summary="Remove a webhook"),
    create=extend_schema(
        summary="Register a webhook",
        examples=action_examples(
            "Approvals and payments",
            request={**WEBHOOK_EXAMPLE, "secret": "a-long-random-shared-secret"},
            response={**WEBHOOK_EXAMPLE, "id": 5, "is_active": True, "created_at": NOW},
            status_code=201,
        ),
    ),
)
class WebhookViewSet(
    NotFoundMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WebhookSerializer
    queryset = Webhook.objects.none()
    not_found_message = _("No such webhook.")

    def get_queryset(self):
        return services.webhooks_of(self.request.user)

    def create(self, request, *args, **kwargs):
        body = WebhookSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        webhook = services.webhook_register(by=request.user, **body.validated_data)
        data = WebhookSerializer(webhook, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send a test event",
        description=(
            "Queues a `ping` event to the webhook's address, signed as every event is; "
            "answers with the delivery, whose log (`deliveries/`) shows how it went."
        ),
        request=None,
        responses={202: WebhookDeliverySerializer},
        examples=action_examples(
            "Queued",
            response={
                "id": 88,
                "event": "ping",
                "status": "pending",
                "attempts": 0,
                "last_status_code": None,
                "last_error": "",
                "next_attempt_at": NOW,
                "delivered_at": None,
                "created_at": NOW,
                "payload": {"event": "ping", "object": {"id": 5}, "occurred_at": NOW},
            },
            status_code=202,
        ),
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        delivery = services.webhook_ping(webhook=self.get_object(), by=request.user)
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The webhook's last deliveries, newest first",
        responses=WebhookDeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"], serializer_class=WebhookDeliverySerializer)
    def deliveries(self, request, pk=None):
        deliveries = self.get_object().deliveries.all()[:LOG_LENGTH]
        return Response(WebhookDeliverySerializer(deliveries, many=True).data)

    @extend_schema(summary="The events a webhook can ask for", responses=EventListSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def events(self, request):
        return Response({"events": services.events_known()})
