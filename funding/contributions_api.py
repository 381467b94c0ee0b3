"""API of counterpart contributions (§4): the producer organization's side records a
contribution (cash, in kind, the buyer's) with its evidence; a programme officer verifies
it. The same services as the disbursement page: `services.contribution_record` and
`services.contribution_verify`; reads from `contributions_visible_to` (§9a: money)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.policy import contributions_visible_to, plans_visible_to
from core.api import (
    MAX_ID,
    CommentSerializer,
    IdFilter,
    NotFoundMixin,
    action_examples,
    alliance_filterset,
)
from core.api_input import JSONParser
from core.api_serializers import ModelSerializer
from core.dates import validate_typed_date
from plans.api.documents import PlanDocumentSerializer, document_file_field
from plans.models import PlanDocument

from . import services
from .models import CounterpartContribution

MONEY = {"max_digits": 18, "decimal_places": 2}


class ContributionSerializer(ModelSerializer):
    alliance = serializers.IntegerField(source="plan.alliance_id", read_only=True)
    alliance_code = serializers.CharField(source="plan.alliance.code", read_only=True)
    currency = serializers.CharField(source="plan.alliance.program.currency", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)
    verified_by = serializers.SerializerMethodField()
    evidence = PlanDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = CounterpartContribution
        fields = [
            "id",
            "plan",
            "alliance",
            "alliance_code",
            "kind",
            "amount",
            "currency",
            "contributed_on",
            "description",
            "status",
            "recorded_by",
            "verified_by",
            "verified_at",
            "evidence",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_verified_by(self, contribution) -> str | None:
        user = contribution.verified_by
        return user.username if user is not None else None


class ContributionRecordSerializer(serializers.Serializer):
    plan = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of the alliance's business plan."
    )
    kind = serializers.ChoiceField(choices=CounterpartContribution.Kind.choices)
    amount = serializers.DecimalField(
        **MONEY, help_text="In the programme's currency, no finer than its minor unit."
    )
    contributed_on = serializers.DateField(
        validators=[validate_typed_date], help_text="Not in the future."
    )
    description = serializers.CharField(
        max_length=255, help_text=gettext_lazy("What was contributed")
    )
    title = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Title of the evidence document; default: the description.",
    )
    file = document_file_field()


class ContributionFilter(alliance_filterset("plan__alliance")):
    plan = IdFilter(field_name="plan_id", help_text="Business plan id.")
    kind = filters.MultipleChoiceFilter(choices=CounterpartContribution.Kind.choices)
    status = filters.MultipleChoiceFilter(choices=CounterpartContribution.Status.choices)
    contributed_after = filters.DateFilter(field_name="contributed_on", lookup_expr="gte")
    contributed_before = filters.DateFilter(field_name="contributed_on", lookup_expr="lte")

    class Meta:
        model = CounterpartContribution
        fields = []


RECORD_EXAMPLE = {
    "plan": 3,
    "kind": "producer_cash",
    "amount": "500000",
    "contributed_on": "2025-02-20",
    "description": "First deposit",
}


def contribution_example(status: str, **changes) -> dict:
    """A contribution as the API answers it, at `status`, for the schema's examples."""
    verified = status == "verified"
    return {
        "id": 9,
        "alliance": 3,
        "alliance_code": "BJ-2025-0003",
        **RECORD_EXAMPLE,
        "amount": "500000.00",
        "currency": "XOF",
        "status": status,
        "recorded_by": "producer",
        "verified_by": "officer" if verified else None,
        "verified_at": "2025-02-24T09:00:00Z" if verified else None,
        "evidence": [
            {
                "id": 41,
                "plan": 3,
                "version": 1,
                "kind": "evidence",
                "title": "First deposit",
                "original_name": "deposit-slip.pdf",
                "content_type": "application/pdf",
                "size": 48213,
                "tranche": None,
                "contribution": 9,
                "monitoring_report": None,
                "uploaded_by": "producer",
                "uploaded_at": "2025-02-20T14:12:00Z",
                "download_url": "https://alliances.example.org/api/v1/plans/3/documents/41/download/",
            }
        ],
        **changes,
    }


@extend_schema_view(
    list=extend_schema(summary="List counterpart contributions"),
    retrieve=extend_schema(summary="A counterpart contribution"),
    create=extend_schema(
        summary="Record a counterpart contribution, with its evidence",
        description=(
            "A `multipart/form-data` upload by the producer organization's side (or its TA "
            "provider) while the alliance is approved, active or in monitoring (409 "
            "otherwise). The evidence file is checked as every document is: typed from its "
            "content, up to 10 MB. Contribution and document are stored both or neither. "
            "A plan the user may not see is a 404."
        ),
        request={"multipart/form-data": ContributionRecordSerializer},
        responses={201: ContributionSerializer},
        examples=action_examples(
            "Cash deposit",
            request={**RECORD_EXAMPLE, "file": "(the bank slip, a PDF)"},
            response=contribution_example("recorded"),
            status_code=201,
            media_type="multipart/form-data",
        ),
    ),
)
class ContributionViewSet(NotFoundMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Counterpart contributions of the alliances whose money the user reads (§4, §9a):
    `recorded -> verified`."""

    serializer_class = ContributionSerializer
    filterset_class = ContributionFilter
    ordering_fields = ["contributed_on", "amount", "id"]
    ordering = ["-contributed_on", "-id"]
    parser_classes = [MultiPartParser, JSONParser]
    not_found_message = gettext_lazy("No such contribution.")

    def get_queryset(self):
        evidence = PlanDocument.objects.select_related("uploaded_by", "version").order_by("id")
        return (
            contributions_visible_to(self.request.user)
            .select_related("plan__alliance__program", "recorded_by", "verified_by")
            .prefetch_related(Prefetch("evidence", queryset=evidence))
        )

    def _answer(self, contribution, status_code=status.HTTP_200_OK):
        contribution = self.get_queryset().get(pk=contribution.pk)
        return Response(self.get_serializer(contribution).data, status=status_code)

    def create(self, request, *args, **kwargs):
        body = ContributionRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        plan = plans_visible_to(request.user).filter(pk=data.pop("plan")).first()
        if plan is None:
            raise NotFound(_("No such business plan."))
        contribution = services.contribution_record(
            plan=plan, by=request.user, upload=data.pop("file"), **data
        )
        return self._answer(contribution, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Verify the contribution against its evidence (programme officer)",
        description=(
            "A recorded contribution of an approved, active or monitored alliance; a "
            "verified one is a 409."
        ),
        request=CommentSerializer,
        responses={200: ContributionSerializer},
        examples=action_examples(
            "Slip matches",
            request={"comment": "The bank slip matches the statement."},
            response=contribution_example("verified"),
        ),
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def verify(self, request, pk=None):
        contribution = self.get_object()
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.contribution_verify(
            contribution=contribution, by=request.user, comment=body.validated_data["comment"]
        )
        return self._answer(contribution)
