"""API of programme money: programmes, tranches and their steps, disbursements (§4)."""

from __future__ import annotations

from django.db.models import DecimalField, F, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.policy import payments_visible_to, programs_visible_to, tranches_visible_to
from alliances import api as alliances_api
from alliances.api import RegionSerializer
from alliances.models import Product, ValueChain
from core.api import (
    MAX_COMMENT,
    MAX_ID,
    CommentSerializer,
    IdFilter,
    IdsFirstMixin,
    NotFoundMixin,
    action_examples,
    alliance_filterset,
)
from core.api_input import JSONParser
from core.api_serializers import ModelSerializer
from core.dates import validate_typed_date
from core.money import ZERO
from plans.api.documents import EvidenceUploadSerializer
from plans.documents import document_upload
from plans.models import PlanDocument

from . import services
from .models import (
    GrantCommitment,
    LegalizationCheck,
    LegalizationRequirement,
    Payment,
    Program,
    ProgramFunding,
    RubricCriterion,
    Tranche,
)

MONEY = {"max_digits": 18, "decimal_places": 2}
TOTAL = {"max_digits": 24, "decimal_places": 2}  # sums of many amounts


def _money_sum(expression, queryset) -> Coalesce:
    total = queryset.values("program").annotate(t=Sum(expression)).values("t")
    return Coalesce(Subquery(total), ZERO, output_field=DecimalField(**TOTAL))


# --- programmes ------------------------------------------------------------------------


class FundingSerializer(ModelSerializer):
    funder = serializers.CharField(source="funder.name", read_only=True)
    funder_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = ProgramFunding
        fields = ["funder_id", "funder", "amount"]


class ProductRefSerializer(ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "unit"]


class EligibleValueChainSerializer(ModelSerializer):
    products = ProductRefSerializer(many=True, read_only=True)

    class Meta:
        model = ValueChain
        fields = ["id", "code", "name", "products"]


class CriterionSerializer(ModelSerializer):
    class Meta:
        model = RubricCriterion
        fields = ["id", "code", "name", "category", "weight", "max_score", "order"]


class RequirementSerializer(ModelSerializer):
    class Meta:
        model = LegalizationRequirement
        fields = ["id", "code", "label", "order"]


class ProgramSerializer(ModelSerializer):
    # Annotations of the view's queryset (the model's properties would query per row).
    total_budget = serializers.DecimalField(**TOTAL, source="budget_total", read_only=True)
    committed = serializers.DecimalField(
        **TOTAL,
        source="committed_total",
        read_only=True,
        help_text=_("Reserved by grant commitments, net of releases."),
    )
    available = serializers.SerializerMethodField()
    fundings = FundingSerializer(many=True, read_only=True)
    eligible_regions = RegionSerializer(many=True, read_only=True)
    eligible_value_chains = EligibleValueChainSerializer(many=True, read_only=True)
    criteria = CriterionSerializer(
        many=True, read_only=True, help_text=_("The appraisal rubric (§6).")
    )
    legalization_requirements = RequirementSerializer(
        many=True, read_only=True, help_text=_("The checklist to complete before signing.")
    )

    class Meta:
        model = Program
        fields = [
            "id",
            "code",
            "name",
            "country",
            "currency",
            "opens_on",
            "closes_on",
            "max_grant_per_alliance",
            "max_grant_per_family",
            "max_grant_share",
            "min_counterpart_share",
            "discount_rate",
            "score_threshold",
            "required_appraisals",
            "tranche_count",
            "monitoring_period_months",
            "reporting_currency",
            "reporting_rate",
            "reporting_rate_date",
            "total_budget",
            "committed",
            "available",
            "fundings",
            "eligible_regions",
            "eligible_value_chains",
            "criteria",
            "legalization_requirements",
        ]

    @extend_schema_field(serializers.DecimalField(**TOTAL))
    def get_available(self, program) -> str:
        return serializers.DecimalField(**TOTAL).to_representation(
            program.budget_total - program.committed_total
        )


class ProgramFilter(filters.FilterSet):
    country = filters.CharFilter(max_length=2, help_text="ISO 3166 country code.")
    currency = filters.CharFilter(max_length=3, help_text="ISO 4217 currency code.")

    class Meta:
        model = Program
        fields = ["country", "currency"]


@extend_schema_view(
    list=extend_schema(summary="List programmes"), retrieve=extend_schema(summary="A programme")
)
class ProgramViewSet(IdsFirstMixin, NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """Funding programmes (calls): currency, budget by funder, caps, eligible regions and
    value chains (with their products), appraisal rubric and legalization checklist."""

    serializer_class = ProgramSerializer
    filterset_class = ProgramFilter
    ordering_fields = ["code", "opens_on", "closes_on", "id"]
    ordering = ["code"]
    not_found_message = _("No such programme.")

    def visible(self):
        return programs_visible_to(self.request.user)

    def with_rows(self, queryset):
        return with_totals(queryset)  # their money summed


def with_totals(programs):
    """With the budget and the commitments summed, and what the programme's page nests."""
    fundings = ProgramFunding.objects.filter(program=OuterRef("pk"))
    commitments = GrantCommitment.objects.filter(program=OuterRef("pk"))
    return programs.annotate(
        budget_total=_money_sum("amount", fundings),
        committed_total=_money_sum(F("amount") - F("released_amount"), commitments),
    ).prefetch_related(
        Prefetch("fundings", queryset=ProgramFunding.objects.select_related("funder")),
        "eligible_regions",
        "eligible_value_chains__products",
        "criteria",
        "legalization_requirements",
    )


# --- tranches and payments -------------------------------------------------------------


class PaymentSerializer(ModelSerializer):
    currency = serializers.CharField(source="tranche.commitment.program.currency", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "tranche",
            "kind",
            "amount",
            "currency",
            "paid_on",
            "reference",
            "reverses",
            "reason",
            "recorded_by",
            "recorded_at",
        ]


class TranchePaymentSerializer(PaymentSerializer):
    currency = None

    class Meta(PaymentSerializer.Meta):
        fields = [f for f in PaymentSerializer.Meta.fields if f not in ("tranche", "currency")]


PERSON = {"read_only": True, "allow_null": True}  # a username, until the step is taken


class TrancheSerializer(ModelSerializer):
    # Read from the row's annotations (`_tranche_queryset`), not from related records.
    plan = serializers.IntegerField(source="row_plan", read_only=True)
    alliance = serializers.IntegerField(source="row_alliance", read_only=True)
    alliance_code = serializers.CharField(source="row_alliance_code", read_only=True)
    currency = serializers.CharField(source="row_currency", read_only=True)
    requested_by = serializers.CharField(source="requested_by_name", **PERSON)
    verified_by = serializers.CharField(source="verified_by_name", **PERSON)
    authorized_by = serializers.CharField(source="authorized_by_name", **PERSON)
    net_paid = serializers.SerializerMethodField(help_text=_("Payments minus reversals."))
    payments = TranchePaymentSerializer(many=True, read_only=True)
    release_conditions = serializers.CharField(
        source="conditions_text",
        read_only=True,
        help_text=_("The conditions of the release, in the language of the request."),
    )

    class Meta:
        model = Tranche
        fields = [
            "id",
            "plan",
            "alliance",
            "alliance_code",
            "number",
            "amount",
            "currency",
            "planned_date",
            "release_conditions",
            "status",
            "requested_by",
            "requested_at",
            "verified_by",
            "verified_at",
            "authorized_by",
            "authorized_at",
            "net_paid",
            "payments",
        ]

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_net_paid(self, tranche) -> str:
        net = sum(
            (-p.amount if p.kind == Payment.Kind.REVERSAL else p.amount)
            for p in tranche.payments.all()
        )
        return serializers.DecimalField(**MONEY).to_representation(net or ZERO)


class TrancheFilter(alliance_filterset("commitment__plan__alliance")):
    status = filters.MultipleChoiceFilter(choices=Tranche.Status.choices)
    plan = IdFilter(field_name="commitment__plan_id", help_text="Business plan id.")
    updated_since = filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only tranches created or changed (a step, a payment, a reversal) at or "
        "after this time (ISO 8601).",
    )

    class Meta:
        model = Tranche
        fields = []


class PaySerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        **MONEY, help_text=_("The tranche amount, in the programme's currency.")
    )
    paid_on = serializers.DateField(
        validators=[validate_typed_date],
        help_text=_("Date of the transfer; not before 2000-01-01 nor in the future."),
    )
    reference = serializers.CharField(
        max_length=100, allow_blank=True, help_text=_("Bank or treasury reference.")
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_COMMENT, default=""
    )


class EvidenceSerializer(ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)

    class Meta:
        model = PlanDocument
        fields = [
            "id",
            "title",
            "original_name",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
        ]


def _tranche_queryset(tranches):
    """What a tranche's answer shows, as columns of its row: the plan, alliance, currency
    and people's names are read, not their records (a page of 50 tranches built 350
    related records for seven values each)."""
    return tranches.annotate(
        row_plan=F("commitment__plan_id"),
        row_alliance=F("commitment__plan__alliance_id"),
        row_alliance_code=F("commitment__plan__alliance__code"),
        row_currency=F("commitment__program__currency"),
        requested_by_name=F("requested_by__username"),
        verified_by_name=F("verified_by__username"),
        authorized_by_name=F("authorized_by__username"),
    ).prefetch_related(
        Prefetch(
            "payments",
            queryset=Payment.objects.select_related("recorded_by").order_by("recorded_at", "id"),
        )
    )


def tranche_example(status: str, **done) -> dict:
    """A tranche as the API answers it, at `status`, for the schema's examples."""
    steps = ("requested", "verified", "authorized")
    people = {"requested": "producer", "verified": "officer", "authorized": "finance"}
    times = {"requested": "2025-03-03", "verified": "2025-03-05", "authorized": "2025-03-10"}
    reached = steps[: steps.index(status) + 1] if status in steps else steps
    example = {
        "id": 7,
        "plan": 3,
        "alliance": 3,
        "alliance_code": "BJ-2025-0003",
        "number": 1,
        "amount": "4666666.00",
        "currency": "XOF",
        "planned_date": "2025-03-01",
        "release_conditions": "Agreement signed; first counterpart deposit verified.",
        "status": status,
        "net_paid": "0.00",
        "payments": [],
        **{f"{step}_by": people[step] if step in reached else None for step in steps},
        **{f"{step}_at": f"{times[step]}T09:30:00Z" if step in reached else None for step in steps},
    }
    return {**example, **done}


PAYMENT_EXAMPLE = {"amount": "4666666.00", "paid_on": "2025-03-14", "reference": "TR-0042"}


@extend_schema_view(
    list=extend_schema(summary="List tranches"), retrieve=extend_schema(summary="A tranche")
)
class TrancheViewSet(IdsFirstMixin, NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """Tranches of grant commitments (§4): `planned -> requested` (producer organization)
    `-> verified` (programme officer) `-> authorized` (finance officer, not the verifier)
    `-> paid` (a finance officer who neither verified nor authorized it records the
    payment: three different people)."""

    serializer_class = TrancheSerializer
    filterset_class = TrancheFilter
    ordering_fields = ["planned_date", "number", "id"]
    ordering = ["commitment__plan_id", "number"]
    not_found_message = _("No such tranche.")

    def visible(self):
        return tranches_visible_to(self.request.user)

    def with_rows(self, queryset):
        return _tranche_queryset(queryset)

    def _step(self, request, service):
        tranche = self.get_object()
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service(tranche=tranche, by=request.user, comment=body.validated_data["comment"])
        return Response(self.get_serializer(self.get_queryset().get(pk=tranche.pk)).data)

    @extend_schema(
        summary="Request the tranche (producer organization)",
        request=CommentSerializer,
        responses={200: TrancheSerializer},
        examples=action_examples(
            "Works started",
            request={"comment": "The sheller is ordered; the quotation is attached."},
            response=tranche_example("requested"),
        ),
    )
    # Not named `request`: the view's request attribute would hide it.
    @action(detail=True, methods=["post"], url_path="request", url_name="request")
    def request_tranche(self, request, pk=None):
        return self._step(request, services.tranche_request)

    @extend_schema(
        summary="Verify the tranche request (programme officer)",
        request=CommentSerializer,
        responses={200: TrancheSerializer},
        examples=action_examples(
            "Evidence checked",
            request={"comment": "Quotation and deposit slip checked."},
            response=tranche_example("verified"),
        ),
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._step(request, services.tranche_verify)

    @extend_schema(
        summary="Authorize the tranche (finance officer who did not verify it)",
        request=CommentSerializer,
        responses={200: TrancheSerializer},
        examples=action_examples(
            "Authorized",
            request={"comment": ""},
            response=tranche_example("authorized"),
        ),
    )
    @action(detail=True, methods=["post"])
    def authorize(self, request, pk=None):
        return self._step(request, services.tranche_authorize)

    @extend_schema(
        methods=["GET"],
        summary="Evidence attached to the tranche request",
        responses={200: EvidenceSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Attach evidence to the tranche request (producer organization)",
        description=(
            "A `multipart/form-data` upload. The producer organization's side attaches at "
            "least one document to a planned tranche of an active alliance before requesting it."
        ),
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, JSONParser],
        pagination_class=None,
        filter_backends=[],
    )
    def evidence(self, request, pk=None):
        tranche = self.get_object()
        if request.method == "POST":
            body = EvidenceUploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            document = document_upload(
                plan=tranche.commitment.plan,
                by=request.user,
                kind=PlanDocument.Kind.EVIDENCE,
                title=body.validated_data["title"],
                upload=body.validated_data["file"],
                tranche=tranche,
            )
            return Response(EvidenceSerializer(document).data, status=status.HTTP_201_CREATED)
        documents = tranche.evidence.select_related("uploaded_by").order_by("id")
        return Response(EvidenceSerializer(documents, many=True).data)

    @extend_schema(
        summary="Record the payment of the tranche (a third finance officer)",
        description=(
            "By a finance officer who neither verified nor authorized the tranche (403 "
            "otherwise). The amount must be the tranche's amount; the reference is unique; "
            "the date is not before 2000-01-01 nor in the future. Paying the last tranche "
            "moves the plan to `monitoring`."
        ),
        request=PaySerializer,
        responses={200: TrancheSerializer},
        examples=action_examples(
            "Payment",
            request=PAYMENT_EXAMPLE,
            response=tranche_example(
                "paid",
                net_paid="4666666.00",
                payments=[
                    {
                        "id": 12,
                        "kind": "payment",
                        **PAYMENT_EXAMPLE,
                        "reverses": None,
                        "reason": "",
                        "recorded_by": "finance2",
                        "recorded_at": "2025-03-14T11:02:00Z",
                    }
                ],
            ),
        ),
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        tranche = self.get_object()
        body = PaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.tranche_pay(tranche=tranche, by=request.user, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=tranche.pk)).data)


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=MAX_COMMENT, allow_blank=True, help_text=_("Why the payment is reversed.")
    )


class DisbursementFilter(
    alliance_filterset("tranche__commitment__plan__alliance", updated="recorded_at")
):
    kind = filters.ChoiceFilter(choices=Payment.Kind.choices)
    tranche = IdFilter(field_name="tranche_id", help_text="Tranche id.")
    plan = IdFilter(field_name="tranche__commitment__plan_id", help_text="Business plan id.")
    paid_after = filters.DateFilter(field_name="paid_on", lookup_expr="gte")
    paid_before = filters.DateFilter(field_name="paid_on", lookup_expr="lte")

    class Meta:
        model = Payment
        fields = []


@extend_schema_view(
    list=extend_schema(summary="List disbursements"),
    retrieve=extend_schema(summary="A disbursement"),
)
class DisbursementViewSet(NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """Disbursements: payments of tranches and their reversals. A payment is never
    edited; a correction is a reversal (`POST .../reverse/`)."""

    serializer_class = PaymentSerializer
    filterset_class = DisbursementFilter
    ordering_fields = ["paid_on", "recorded_at", "id"]
    ordering = ["-recorded_at", "-id"]
    not_found_message = _("No such disbursement.")

    def get_queryset(self):
        return payments_visible_to(self.request.user).select_related(
            "tranche__commitment__program", "recorded_by"
        )

    @extend_schema(
        summary="Reverse a payment (finance officer), with a reason",
        description="Records a reversal; the tranche goes back to `authorized`.",
        request=ReverseSerializer,
        responses={201: PaymentSerializer},
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        payment = self.get_object()
        body = ReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reversal = services.payment_reverse(
            payment=payment, by=request.user, reason=body.validated_data["reason"]
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=reversal.pk)).data,
            status=status.HTTP_201_CREATED,
        )


# --- the alliance's legalization checklist ---------------------------------------------------


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


class AllianceViewSet(alliances_api.AllianceViewSet):
    """The alliances of `alliances.api`, with the legalization checklist an officer
    completes before signing (`/api/v1/alliances/{id}/legalization-checks/`)."""

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
        examples=[
            OpenApiExample(
                "Bank account", value={"requirement": 2, "note": "IBAN seen"}, request_only=True
            )
        ],
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
            services.legalization_check_record(
                alliance=alliance,
                requirement=requirement,
                by=request.user,
                note=body.validated_data["note"],
            )
        return Response(LegalizationItemSerializer(self._checklist(alliance), many=True).data)
