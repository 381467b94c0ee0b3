"""API of an alliance's baselines and targets (§8), per indicator:
`GET /api/v1/alliances/{id}/indicator-targets/` gives, for every indicator the alliance
reports, its baseline, its targets by plan year and for the end of the plan, and the value
reached to date (the indicators page's table, `selectors.indicator_table`);
`PATCH` sets baselines and targets through `services.targets_save`, all or nothing, as
the targets page does.

Reading follows the pages' door: the alliances whose monitoring the user reads
(`monitoring_alliances_visible_to`; not the buyer's business).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.policy import monitoring_alliances_visible_to

from . import services
from .api import FigureField
from .selectors import indicator_table, volume_unit

FIGURE = {"max_digits": 18, "decimal_places": 3}
ALLIANCE_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Alliance id."
)


class TargetSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="Plan year: 1 is the first year from the signing.")
    value = serializers.DecimalField(**FIGURE)


class IndicatorTargetsSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text=gettext_lazy("The indicator's code."))
    name = serializers.CharField(help_text="In the language of the request.")
    unit = serializers.CharField(
        help_text="Its own unit; for money the programme's currency, for delivered "
        "volumes the purchase agreement's unit."
    )
    is_money = serializers.BooleanField()
    baseline = serializers.DecimalField(**FIGURE, allow_null=True)
    targets = TargetSerializer(many=True, help_text="By plan year, first year first.")
    end_target = serializers.DecimalField(
        **FIGURE, allow_null=True, help_text="The target for the end of the plan."
    )
    to_date = serializers.DecimalField(
        max_digits=30,
        decimal_places=3,
        allow_null=True,
        help_text="Reached to date: accepted reports, confirmed deliveries, repayments.",
    )
    progress = serializers.IntegerField(
        allow_null=True, help_text="Per cent of the end-of-plan target reached to date."
    )


class TargetsEntrySerializer(serializers.Serializer):
    baseline = FigureField(required=False, allow_null=True, help_text="null removes it.")
    targets = serializers.DictField(
        child=FigureField(allow_null=True),
        required=False,
        help_text='By plan year, "1" to "30"; null removes that year\'s target.',
    )
    end_target = FigureField(required=False, allow_null=True, help_text="null removes it.")


class TargetsUpdateSerializer(serializers.Serializer):
    indicators = serializers.DictField(
        child=TargetsEntrySerializer(),
        help_text=(
            "By indicator code. What is left out stays as it is. Messages of values that "
            "are not valid are keyed `code.baseline`, `code.target.<year|end>`."
        ),
    )


def _year(key: str) -> int | str:
    """A plan year as JSON keys write it ("1"); anything else is left for the service to
    refuse with its message."""
    return int(key) if key.isascii() and key.isdigit() and len(key) <= 3 else key


class IndicatorTargetsViewSet(viewsets.GenericViewSet):
    """An alliance's baselines and targets, per indicator it reports."""

    serializer_class = IndicatorTargetsSerializer
    pagination_class = None  # one row per indicator of the catalogue in use
    filter_backends = []

    def alliance(self):
        try:
            return generics.get_object_or_404(
                monitoring_alliances_visible_to(self.request.user).select_related(
                    "program", "product"
                ),
                pk=self.kwargs["id"],
            )
        except Http404 as exc:  # also for an id that is not a number
            raise NotFound(_("No such alliance.")) from exc

    def _table(self, alliance) -> Response:
        _reports, rows = indicator_table(alliance)
        units = {"currency": alliance.program.currency, "volume_unit": volume_unit(alliance)}
        data = [
            {
                "indicator": row.indicator.code,
                "name": row.indicator.label,
                "unit": row.indicator.unit_for(**units),
                "is_money": row.indicator.is_money,
                "baseline": row.baseline,
                "targets": [
                    {"year": year, "value": value}
                    for year, value in sorted((y, v) for y, v in row.targets.items() if y)
                ],
                "end_target": row.end_target,
                "to_date": row.to_date,
                "progress": row.progress,
            }
            for row in rows
        ]
        return Response(IndicatorTargetsSerializer(data, many=True).data)

    @extend_schema(
        summary="Baselines and targets of the alliance, per indicator",
        parameters=[ALLIANCE_ID],
        responses={200: IndicatorTargetsSerializer(many=True)},
    )
    def show(self, request, *args, **kwargs):
        return self._table(self.alliance())

    @extend_schema(
        summary="Set baselines and targets of the alliance",
        description=(
            "Programme officers and M&E officers (403 for others who read the alliance's "
            "monitoring). Values are zero or more, with at most three decimals; `null` "
            "removes a baseline or a target. All or nothing: one value that is not valid "
            "and nothing is saved (400). Answers with the whole table."
        ),
        parameters=[ALLIANCE_ID],
        request=TargetsUpdateSerializer,
        responses={200: IndicatorTargetsSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Yield and jobs",
                value={
                    "indicators": {
                        "yield": {
                            "baseline": "1.2",
                            "targets": {"1": "1.5", "2": "1.8"},
                            "end_target": "2.2",
                        },
                        "jobs": {"targets": {"3": None}, "end_target": 12},
                    }
                },
                request_only=True,
            )
        ],
    )
    def change(self, request, *args, **kwargs):
        alliance = self.alliance()
        body = TargetsUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        baselines, targets = {}, {}
        for code, entry in body.validated_data["indicators"].items():
            if "baseline" in entry:
                baselines[code] = entry["baseline"]
            years = {_year(key): value for key, value in entry.get("targets", {}).items()}
            if "end_target" in entry:
                years[None] = entry["end_target"]
            if years:
                targets[code] = years
        services.targets_save(
            alliance=alliance, by=request.user, baselines=baselines, targets=targets
        )
        return self._table(alliance)
