"""API of purchase agreements (§7, §10): draft, amend, send, confirm, decline."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from accounts.policy import agreements_visible_to, alliances_visible_to
from alliances.models import Alliance, Product
from core.api import (
    MAX_COMMENT,
    CommentSerializer,
    FileNegotiation,
    NotFoundMixin,
    action_examples,
    alliance_filterset,
    file_accepted,
    file_responses,
    nested,
)
from core.api_serializers import ModelSerializer

from . import agreements as services
from .agreement_pdf import PDF, agreement_pdf_response
from .models import PurchaseAgreement, PurchaseAgreementVersion

# --- purchase agreements ---------------------------------------------------------------


class AgreementTermsSerializer(ModelSerializer):
    class Meta:
        model = PurchaseAgreementVersion
        fields = [
            "number",
            "product",
            "unit",
            "annual_volume",
            "quality_specification",
            "price_type",
            "unit_price",
            "market_reference",
            "delivery_schedule",
            "payment_terms",
            "duration_months",
            "buyer_support",
            "created_at",
            "confirmed_at",
        ]


class PurchaseAgreementSerializer(ModelSerializer):
    alliance_code = serializers.CharField(read_only=True)  # annotated by the viewset
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseAgreement
        fields = [
            "id",
            "alliance",
            "alliance_code",
            "status",
            "decline_reason",
            "current_version",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(AgreementTermsSerializer(allow_null=True))
    def get_current_version(self, agreement):
        versions = agreement.versions_in_order  # prefetched
        return (
            nested(self, AgreementTermsSerializer).to_representation(versions[-1])
            if versions
            else None
        )


TEXT = {"required": False, "allow_blank": True, "max_length": MAX_COMMENT}


class AgreementWriteSerializer(serializers.Serializer):
    """The terms of §7. On create, `alliance` and the main terms are required; on update
    (an amendment) any subset of terms."""

    alliance = serializers.PrimaryKeyRelatedField(queryset=Alliance.objects.none())
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    unit = serializers.CharField(max_length=20)
    annual_volume = serializers.DecimalField(max_digits=14, decimal_places=3)
    quality_specification = serializers.CharField(**TEXT)
    price_type = serializers.ChoiceField(
        choices=PurchaseAgreementVersion.PriceType.choices, required=False
    )
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=2)
    market_reference = serializers.CharField(required=False, allow_blank=True, max_length=200)
    delivery_schedule = serializers.CharField(**TEXT)
    payment_terms = serializers.CharField(**TEXT)
    duration_months = serializers.IntegerField(min_value=0, max_value=32767)
    buyer_support = serializers.CharField(**TEXT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if self.instance is not None:
            del self.fields["alliance"]
        elif request is not None:
            self.fields["alliance"].queryset = alliances_visible_to(request.user)


class AgreementPdfSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=32767,
        required=False,
        help_text=_("The version's number; the current version when not given."),
    )


class AgreementFilter(alliance_filterset("alliance", updated="updated_at")):
    status = filters.MultipleChoiceFilter(choices=PurchaseAgreement.Status.choices)

    class Meta:
        model = PurchaseAgreement
        fields = []


AGREEMENT_EXAMPLE = {
    "alliance": 1,
    "product": 1,
    "unit": "kg",
    "annual_volume": "120000.000",
    "price_type": "fixed",
    "unit_price": "235.00",
    "duration_months": 36,
    "delivery_schedule": "Monthly, November to March",
    "payment_terms": "30 days after delivery",
}


def agreement_example(status: str, **changes) -> dict:
    """An agreement as the API answers it, at `status`, for the schema's examples."""
    terms = {
        **{key: AGREEMENT_EXAMPLE[key] for key in ("product", "unit", "annual_volume")},
        "quality_specification": "Grade 1, moisture under 13%",
        **{key: AGREEMENT_EXAMPLE[key] for key in ("price_type", "unit_price")},
        "market_reference": "",
        **{key: AGREEMENT_EXAMPLE[key] for key in ("delivery_schedule", "payment_terms")},
        "duration_months": 36,
        "buyer_support": "Seed and training",
        "number": 1,
        "created_at": "2025-01-20T10:00:00Z",
        "confirmed_at": "2025-01-28T16:40:00Z" if status == "confirmed" else None,
    }
    return {
        "id": 4,
        "alliance": 1,
        "alliance_code": "BJ-2025-0001",
        "status": status,
        "decline_reason": "",
        "current_version": terms,
        "created_at": "2025-01-20T10:00:00Z",
        "updated_at": "2025-01-28T16:40:00Z",
        **changes,
    }


ALLIANCE_CODE = Alliance.objects.filter(pk=OuterRef("alliance_id")).values("code")[:1]


@extend_schema_view(
    list=extend_schema(summary="List purchase agreements"),
    retrieve=extend_schema(summary="A purchase agreement"),
    create=extend_schema(
        summary="Draft the purchase agreement of an alliance",
        description=(
            "The producer organization, its TA provider or a programme officer writes the "
            "terms (version 1, in `draft`). An alliance has one agreement: change it with "
            "PATCH."
        ),
        request=AgreementWriteSerializer,
        responses={201: PurchaseAgreementSerializer},
        examples=[OpenApiExample("Fixed price", value=AGREEMENT_EXAMPLE, request_only=True)],
    ),
    partial_update=extend_schema(
        summary="Amend the purchase agreement",
        description=(
            "A draft is edited in place; a sent, confirmed or declined agreement gets a new "
            "version, back in `draft`, that the buyer confirms again."
        ),
        request=AgreementWriteSerializer,
        responses={200: PurchaseAgreementSerializer},
    ),
)
class PurchaseAgreementViewSet(
    NotFoundMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Purchase agreements (§7): `draft -> sent -> confirmed | declined`."""

    serializer_class = PurchaseAgreementSerializer
    filterset_class = AgreementFilter
    ordering_fields = ["updated_at", "created_at", "id"]
    ordering = ["-updated_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    not_found_message = _("No such purchase agreement.")

    def get_queryset(self):
        # The alliance's code alone, not its row (a subquery: the pager's count drops it,
        # where a join would stay); the versions as a list (`to_attr`): a list of 50
        # agreements then builds no queryset and no alliance per row.
        return (
            agreements_visible_to(self.request.user)
            .annotate(alliance_code=Subquery(ALLIANCE_CODE))
            .prefetch_related(
                Prefetch(
                    "versions",
                    queryset=PurchaseAgreementVersion.objects.order_by("number"),
                    to_attr="versions_in_order",
                )
            )
        )

    def create(self, request, *args, **kwargs):
        body = AgreementWriteSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        terms = dict(body.validated_data)
        alliance = terms.pop("alliance")
        if PurchaseAgreement.objects.filter(alliance=alliance).exists():
            raise ValidationError(
                {"alliance": [_("This alliance already has an agreement: amend it with PATCH.")]}
            )
        agreement = services.agreement_draft(alliance=alliance, by=request.user, **terms)
        agreement = self.get_queryset().get(pk=agreement.pk)
        return Response(self.get_serializer(agreement).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        agreement = self.get_object()
        body = AgreementWriteSerializer(
            agreement, data=request.data, partial=True, context={"request": request}
        )
        body.is_valid(raise_exception=True)
        services.agreement_draft(
            alliance=agreement.alliance, by=request.user, **body.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=agreement.pk)).data)

    def update(self, request, *args, **kwargs):  # PUT is not offered
        return self.partial_update(request, *args, **kwargs)

    def _move(self, request, service):
        agreement = self.get_object()
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service(agreement=agreement, by=request.user, comment=body.validated_data["comment"])
        return Response(self.get_serializer(self.get_queryset().get(pk=agreement.pk)).data)

    @extend_schema(
        summary="Send the agreement to the buyer",
        request=CommentSerializer,
        responses={200: PurchaseAgreementSerializer},
        examples=action_examples(
            "Sent",
            request={"comment": "Terms as agreed at the meeting of 18 January."},
            response=agreement_example("sent"),
        ),
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self._move(request, services.agreement_send)

    @extend_schema(
        summary="Confirm the agreement (buyer)",
        request=CommentSerializer,
        responses={200: PurchaseAgreementSerializer},
        examples=action_examples(
            "Confirmed", request={"comment": ""}, response=agreement_example("confirmed")
        ),
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._move(request, services.agreement_confirm)

    @extend_schema(
        summary="Decline the agreement (buyer), with a reason",
        request=CommentSerializer,
        responses={200: PurchaseAgreementSerializer},
        examples=action_examples(
            "Reason",
            request={"comment": "Price above market."},
            response=agreement_example("declined", decline_reason="Price above market."),
        ),
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._move(request, services.agreement_decline)

    @extend_schema(
        summary="The agreement as a PDF for signature",
        description=(
            "The terms of a version (the current one unless `version` is given) with the "
            "parties and signature blocks, as the agreement page prints them. `Accept` may "
            "name `application/pdf`, a wildcard, or nothing; any other is a 406."
        ),
        parameters=[AgreementPdfSerializer],
        responses=file_responses(PDF),
    )
    @action(
        detail=True,
        methods=["get"],
        content_negotiation_class=FileNegotiation,
        filter_backends=[],
        pagination_class=None,
    )
    def pdf(self, request, pk=None):
        agreement = self.get_object()
        file_accepted(request, PDF)
        query = AgreementPdfSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        versions = agreement.versions_in_order  # prefetched in number order
        number = query.validated_data.get("version", versions[-1].number if versions else None)
        version = next((v for v in versions if v.number == number), None)
        if version is None:
            raise NotFound(_("No such version."))
        return agreement_pdf_response(agreement, version)
