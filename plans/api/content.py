"""A plan's content in the API: budget lines and the cash-flow projection of the current
version, and its computed financial analysis (`plans.finance`, never typed).

Reading follows the plan's visibility; writing calls `plans.editing`, which lets only the
producer organization's side edit the open version of a draft or returned plan."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from accounts.policy import CONTENT, plans_visible_to
from core.api import NotFoundMixin
from core.api_serializers import ModelSerializer

from .. import editing, finance, workflow
from ..models import BudgetLine, BusinessPlan, CashFlowRow

MONEY = {"max_digits": 18, "decimal_places": 2}
# Amounts are stored with 18 digits, 2 of them decimals.
MAX_AMOUNT = Decimal(10) ** 16
# Computed sums (totals, flows, NPV) may need more digits than one stored amount.
SUM = {"max_digits": 30, "decimal_places": 2}
SUM_STRING = serializers.DecimalField(**SUM)


def money(value) -> str | None:
    return None if value is None else SUM_STRING.to_representation(value)


# --- reading ---------------------------------------------------------------------------


class BudgetLineSerializer(ModelSerializer):
    class Meta:
        model = BudgetLine
        fields = ["id", "category", "description", "quantity", "unit_cost", "amount"] + list(
            finance.SOURCES
        )
        read_only_fields = ["id", "amount"]
        extra_kwargs = {
            "amount": {"help_text": gettext_lazy("Quantity × unit cost, in the currency.")}
        }

    def validate(self, attrs):
        merged = {}
        if self.instance is not None:  # a partial update keeps the line's other values
            merged = {
                name: getattr(self.instance, name)
                for name, field in self.fields.items()
                if not field.read_only
            }
        merged.update(attrs)
        quantity, unit_cost = merged.get("quantity"), merged.get("unit_cost")
        if quantity is not None and unit_cost is not None and quantity * unit_cost >= MAX_AMOUNT:
            raise ValidationError({"unit_cost": [_("Quantity × unit cost is too large.")]})
        return merged


class CashFlowSerializer(ModelSerializer):
    year = serializers.IntegerField(min_value=0, max_value=30)

    class Meta:
        model = CashFlowRow
        fields = ["year", "revenue_with", "costs_with", "revenue_without", "costs_without"]


class AnalysisSerializer(serializers.Serializer):
    """The version's financial analysis, computed by `plans.finance` (§5)."""

    total_investment = serializers.DecimalField(**SUM)
    totals_by_source = serializers.DictField(child=serializers.DecimalField(**SUM))
    shares_by_source = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=4),
        help_text=gettext_lazy("Fractions of the total investment (0.7000 is 70%)."),
    )
    flows = serializers.ListField(
        child=serializers.DecimalField(**SUM),
        help_text=gettext_lazy("Incremental net flow of years 0..N, investment in year 0."),
    )
    npv = serializers.DecimalField(**SUM, help_text=gettext_lazy("At the discount rate."))
    irr = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    irr_status = serializers.ChoiceField(choices=[s.value for s in finance.IrrStatus])
    benefit_cost_ratio = serializers.DecimalField(**SUM, allow_null=True)
    payback_year = serializers.IntegerField(allow_null=True)
    grant_per_family = serializers.DecimalField(**SUM, allow_null=True)

    @staticmethod
    def of(version) -> dict | None:
        """`version.analysis()` as data; None while the projection is not complete."""
        try:
            a = version.analysis()
        except finance.FinanceInputError:
            return None
        return {
            "total_investment": money(a.total_investment),
            "totals_by_source": {k: money(v) for k, v in a.totals_by_source.items()},
            "shares_by_source": {k: f"{v:.4f}" for k, v in a.shares_by_source.items()},
            "flows": [money(f) for f in a.flows],
            "npv": money(a.npv),
            "irr": None if a.irr is None else f"{a.irr:.4f}",
            "irr_status": a.irr_status.value,
            "benefit_cost_ratio": money(a.benefit_cost_ratio),
            "payback_year": a.payback_year,
            "grant_per_family": money(a.grant_per_family),
        }


class BeneficiariesSerializer(serializers.Serializer):
    families = serializers.IntegerField()
    women = serializers.IntegerField()
    youth = serializers.IntegerField()

    @staticmethod
    def of(version) -> dict:
        return workflow.beneficiaries(version)


# --- writing ---------------------------------------------------------------------------

# Below a plan, the plan is `{id}` as in its actions (`plans/{id}/submit/`); a budget line
# is `{line_id}`. (The URLs are those of `plans/{plan_pk}/...` before.)
PLAN_PK = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Plan id.")
LINE_ID = OpenApiParameter(
    "line_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Budget line id."
)


class PlanContentMixin:
    """The plan named in the URL, if the user may read its content (else 404): its budget
    and cash flows are not the buyer's to read (§9a)."""

    def plan(self) -> BusinessPlan:
        if not hasattr(self, "_plan"):
            try:
                self._plan = generics.get_object_or_404(
                    plans_visible_to(self.request.user, reads=CONTENT).select_related(
                        "alliance__program", "alliance__producer_organization"
                    ),
                    pk=self.kwargs["id"],
                )
            except Http404 as exc:  # also for an id that is not a number
                raise NotFound(_("No such business plan.")) from exc
        return self._plan

    def current_version(self):
        return self.plan().current_version


BUDGET_LINE_EXAMPLE = {
    "category": "equipment",
    "description": "Maize sheller, 2 t/h",
    "quantity": "2.000",
    "unit_cost": "4500000.00",
    "grant": "6300000.00",
    "producer_cash": "1200000.00",
    "producer_in_kind": "600000.00",
    "buyer": "900000.00",
    "credit": "0.00",
    "other": "0.00",
}


@extend_schema_view(
    list=extend_schema(summary="Budget lines of the plan's current version", parameters=[PLAN_PK]),
    retrieve=extend_schema(summary="A budget line", parameters=[PLAN_PK, LINE_ID]),
    create=extend_schema(
        summary="Add a budget line",
        description=(
            "Producer organization side only, while the plan is a draft or returned for "
            "revision. The amount is quantity × unit cost rounded to the programme's "
            "currency; the split by source must add up to it exactly (else 400). A frozen "
            "(submitted) version answers 409."
        ),
        parameters=[PLAN_PK],
        examples=[OpenApiExample("Equipment", value=BUDGET_LINE_EXAMPLE, request_only=True)],
    ),
    update=extend_schema(summary="Replace a budget line", parameters=[PLAN_PK, LINE_ID]),
    partial_update=extend_schema(summary="Change a budget line", parameters=[PLAN_PK, LINE_ID]),
    destroy=extend_schema(summary="Remove a budget line", parameters=[PLAN_PK, LINE_ID]),
)
class BudgetLineViewSet(PlanContentMixin, NotFoundMixin, viewsets.ModelViewSet):
    serializer_class = BudgetLineSerializer
    lookup_url_kwarg = "line_id"
    pagination_class = None  # a version has a handful of lines
    filter_backends = []
    not_found_message = gettext_lazy("No such budget line.")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no plan
            return BudgetLine.objects.none()
        return BudgetLine.objects.filter(version=self.current_version()).order_by("id")

    def _save(self, serializer, line=None):
        data = serializer.validated_data
        return editing.budget_line_save(
            plan=self.plan(),
            by=self.request.user,
            category=data["category"],
            description=data["description"],
            quantity=data["quantity"],
            unit_cost=data["unit_cost"],
            split={s: data.get(s) or Decimal(0) for s in finance.SOURCES},
            line=line,
        )

    def create(self, request, *args, **kwargs):
        self.plan()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line = self._save(serializer)
        return Response(BudgetLineSerializer(line).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        line = self.get_object()
        serializer = self.get_serializer(
            line, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        return Response(BudgetLineSerializer(self._save(serializer, line)).data)

    def destroy(self, request, *args, **kwargs):
        line = self.get_object()
        editing.budget_line_delete(plan=self.plan(), by=request.user, line=line)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectionSerializer(serializers.Serializer):
    years = CashFlowSerializer(
        many=True,
        help_text=gettext_lazy("One row per year, 0 to the plan's horizon; investment excluded."),
    )


class CashFlowViewSet(PlanContentMixin, viewsets.GenericViewSet):
    """The projection is read and replaced whole: `GET` and `PUT` on the collection."""

    serializer_class = ProjectionSerializer  # the body of PUT, as OPTIONS describes it
    lookup_url_kwarg = "id"
    pagination_class = None
    filter_backends = []

    def get_object(self):
        """What PUT replaces is the plan's projection: the plan, if the user may see it."""
        return self.plan()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CashFlowRow.objects.none()
        return CashFlowRow.objects.filter(version=self.current_version()).order_by("year")

    @extend_schema(
        summary="Cash-flow projection of the plan's current version",
        parameters=[PLAN_PK],
        responses={200: ProjectionSerializer},
    )
    def projection(self, request, *args, **kwargs):
        self.plan()
        rows = CashFlowSerializer(self.get_queryset(), many=True).data
        return Response({"years": rows})

    @extend_schema(
        summary="Replace the cash-flow projection",
        description=(
            "Every year from 0 to the plan's horizon, with and without the project. Producer "
            "organization side only, on the open version (a frozen version answers 409)."
        ),
        parameters=[PLAN_PK],
        request=ProjectionSerializer,
        responses={200: ProjectionSerializer},
        examples=[
            OpenApiExample(
                "Two years",
                value={
                    "years": [
                        {
                            "year": 0,
                            "revenue_with": "0.00",
                            "costs_with": "5000000.00",
                            "revenue_without": "4000000.00",
                            "costs_without": "2000000.00",
                        },
                        {
                            "year": 1,
                            "revenue_with": "12000000.00",
                            "costs_with": "5000000.00",
                            "revenue_without": "4000000.00",
                            "costs_without": "2000000.00",
                        },
                    ]
                },
                request_only=True,
            )
        ],
    )
    def replace(self, request, *args, **kwargs):
        plan = self.plan()
        body = ProjectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        years = [dict(y) for y in body.validated_data["years"]]
        if len({y["year"] for y in years}) != len(years):
            raise ValidationError({"years": [_("Give each year once.")]})
        editing.cash_flows_save(plan=plan, by=request.user, years=years)
        return self.projection(request)
