"""`GET /api/v1/portfolio/` (DESIGN §10): the portfolio dashboard's figures as data.

The same figures as the dashboard page, from the same door: `monitoring.dashboard.portfolio`
over the stored slices the reader sees (ministry staff of their regions, funders of their
programmes; 403 for everyone else), narrowed by the same three filters. A filter outside
what the reader sees is a 400 on that filter, never a hint that the programme exists.
Amounts are decimal strings in their currency; `*_reporting` in the programme's
reporting currency at its stated rate.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.policy import can_view_portfolio
from core.api import MAX_ID

from .dashboard import NotAllowedFilter, check_filters, portfolio, portfolio_slices

MONEY = {"max_digits": 20, "decimal_places": 2}


class PortfolioFilters(serializers.Serializer):
    program = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Programme id."
    )
    region = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Region id."
    )
    value_chain = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Value chain id."
    )


class PortfolioChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()


class PortfolioChoicesSerializer(serializers.Serializer):
    programs = PortfolioChoiceSerializer(many=True)
    regions = PortfolioChoiceSerializer(many=True)
    value_chains = PortfolioChoiceSerializer(many=True)


class PortfolioCountSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key")
    label = serializers.CharField()
    count = serializers.IntegerField()


class PortfolioStageCountSerializer(serializers.Serializer):
    stage = serializers.CharField(source="key", help_text="The plan's state code.")
    label = serializers.CharField(help_text="The stage, in the reader's language.")
    count = serializers.IntegerField()


class PortfolioProgramMoneySerializer(serializers.Serializer):
    program = serializers.IntegerField(source="program.id")
    program_code = serializers.CharField(source="program.code")
    currency = serializers.CharField()
    committed = serializers.DecimalField(**MONEY, help_text=gettext_lazy("Net of released."))
    paid = serializers.DecimalField(**MONEY, help_text=gettext_lazy("Net of reversals."))
    remaining = serializers.DecimalField(**MONEY)
    reporting_currency = serializers.CharField(source="program.reporting_currency")
    reporting_rate = serializers.DecimalField(
        source="program.reporting_rate", max_digits=20, decimal_places=8
    )
    committed_reporting = serializers.DecimalField(**MONEY)
    paid_reporting = serializers.DecimalField(**MONEY)


class PortfolioReportingTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    committed = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    remaining = serializers.DecimalField(**MONEY)


class PortfolioMoneyOverTimeSerializer(serializers.Serializer):
    currency = serializers.CharField()
    quarters = serializers.ListField(
        child=serializers.DateField(), help_text="First day of each calendar quarter."
    )
    committed = serializers.ListField(child=serializers.DecimalField(**MONEY))
    paid = serializers.ListField(child=serializers.DecimalField(**MONEY))


class PortfolioBeneficiariesSerializer(serializers.Serializer):
    planned_families = serializers.IntegerField()
    planned_women = serializers.IntegerField()
    planned_youth = serializers.IntegerField()
    plans = serializers.IntegerField(help_text="Approved plans counted in the planned figures.")
    reached_members = serializers.DecimalField(max_digits=20, decimal_places=2)
    reached_women = serializers.DecimalField(max_digits=20, decimal_places=2)
    reached_youth = serializers.DecimalField(max_digits=20, decimal_places=2)
    reporting = serializers.IntegerField(
        help_text="Alliances whose latest accepted report gives the members reached."
    )


class PortfolioSalesSerializer(serializers.Serializer):
    value_chain = serializers.IntegerField(source="value_chain_id")
    value_chain_name = serializers.CharField(source="value_chain")
    unit = serializers.CharField()
    agreements = serializers.IntegerField(help_text="Confirmed purchase agreements.")
    agreed_annual = serializers.DecimalField(max_digits=20, decimal_places=3)
    delivered_last_12_months = serializers.DecimalField(max_digits=20, decimal_places=3)
    delivered_total = serializers.DecimalField(max_digits=20, decimal_places=3)
    deliveries = serializers.IntegerField()
    share_of_agreed = serializers.DecimalField(
        max_digits=12, decimal_places=4, allow_null=True, help_text="Of the last 12 months."
    )
    values = serializers.DictField(
        child=serializers.DecimalField(**MONEY),
        help_text="Value of the confirmed deliveries, per programme currency.",
    )


class PortfolioSerializer(serializers.Serializer):
    program = serializers.IntegerField(source="program_id", allow_null=True)
    region = serializers.IntegerField(source="region_id", allow_null=True)
    value_chain = serializers.IntegerField(source="value_chain_id", allow_null=True)
    choices = serializers.SerializerMethodField()
    refreshed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the oldest of the figures shown was computed."
    )
    alliance_count = serializers.IntegerField()
    by_stage = PortfolioStageCountSerializer(many=True)
    by_program = PortfolioCountSerializer(many=True)
    by_region = PortfolioCountSerializer(many=True)
    by_value_chain = PortfolioCountSerializer(many=True)
    money = PortfolioProgramMoneySerializer(many=True)
    money_totals = PortfolioReportingTotalSerializer(many=True)
    money_over_time = PortfolioMoneyOverTimeSerializer(many=True)
    beneficiaries = PortfolioBeneficiariesSerializer()
    sales = PortfolioSalesSerializer(many=True)

    @extend_schema_field(PortfolioChoicesSerializer)
    def get_choices(self, result) -> dict:
        return PortfolioChoicesSerializer(
            {
                "programs": result.programs,
                "regions": result.regions,
                "value_chains": result.value_chains,
            }
        ).data


class PortfolioView(APIView):
    @extend_schema(
        operation_id="portfolio",
        summary="The portfolio dashboard's figures",
        description=(
            "Alliances by stage, programme, region and value chain; committed and paid per "
            "programme, in total per reporting currency and quarter by quarter; planned "
            "and reached beneficiaries; agreed and delivered sales per value chain: the "
            "figures of the dashboard page, for the same readers (ministry staff of "
            "their regions, funders of their programmes; 403 for others), narrowed by "
            "the same filters (400 for one the reader may not choose). `choices` lists "
            "what the filters may take."
        ),
        parameters=[PortfolioFilters],
        responses={200: PortfolioSerializer},
    )
    def get(self, request):
        if not can_view_portfolio(request.user):
            raise exceptions.PermissionDenied(_("The portfolio is for ministry staff and funders."))
        filters = PortfolioFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        chosen = {name: filters.validated_data.get(name) for name in PortfolioFilters().fields}
        slices = portfolio_slices(request.user)
        wrong = {}
        for name, value in chosen.items():
            try:
                check_filters(slices, **{name: value})
            except NotAllowedFilter:
                wrong[name] = [_("Not one of the values you may choose.")]
        if wrong:
            raise exceptions.ValidationError(wrong)
        return Response(PortfolioSerializer(portfolio(request.user, slices=slices, **chosen)).data)
