"""What the plan's pages show besides its content, in the API (issue 19): the committee's
decisions and the timeline (the plan page), and the audit history (the history page).

The same doors as the pages: the plan from the viewset's scope (`plans_visible_to`: 404
otherwise); the decisions only for those who read the plan's content (§9a: not the
buyer); the history through
`policy.check_plan_history_access` (the programme's officers: 403 for others who see
the plan), its rows worded by `accounts.history` as on the page.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import policy
from accounts.audit import plan_history
from accounts.history import history_rows
from accounts.steps import journal_visible_to
from core import labels
from core.api import Pagination
from core.api_serializers import ModelSerializer

from ..models import CommitteeDecision, TransitionLog


class DecisionSerializer(ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = CommitteeDecision
        fields = ["version", "outcome", "approved_grant", "conditions", "reason", "decided_at"]
        read_only_fields = fields


class TimelineEntrySerializer(ModelSerializer):
    record = serializers.CharField(
        source="record_label",
        help_text=_("The model of the record the step moved, e.g. `funding.Tranche`."),
    )
    record_id = serializers.IntegerField(source="object_id")
    step = serializers.CharField(source="step_label", help_text=_("The step, in words."))
    actor = serializers.CharField(
        source="actor.username",
        allow_null=True,
        default=None,
        help_text=_("Empty when the platform took the step by itself."),
    )

    class Meta:
        model = TransitionLog
        fields = [
            "id",
            "record",
            "record_id",
            "transition",
            "step",
            "from_state",
            "to_state",
            "actor",
            "comment",
            "at",
        ]
        read_only_fields = fields


class ChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class HistoryRowSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="entry.timestamp")
    actor = serializers.CharField(source="entry.actor.username", allow_null=True, default=None)
    record = serializers.CharField(source="model", help_text=_("The kind of record."))
    name = serializers.CharField(help_text=_("Which one (may be empty)."))
    action = serializers.CharField(help_text=_("Created, changed, deleted, or a step."))
    changes = ChangeSerializer(many=True)
    comment = serializers.CharField()


class PlanRecordsMixin:
    """Actions of `PlanViewSet` (`plans/{id}/...`) reading the plan's records."""

    def _paginated(self, queryset, rows, serializer_class) -> Response:
        """A page of `queryset` (not of plans: the viewset's `page_rows` is the plan
        list's), its rows made by `rows(page)`."""
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, self.request)
        return paginator.get_paginated_response(serializer_class(rows(page), many=True).data)

    def _content_reader(self, plan) -> bool:
        return policy.can_read(self.request.user, plan.alliance, policy.CONTENT)

    @extend_schema(
        summary="The committee's decisions on the plan, newest first",
        description="Outcome, grant, conditions and reasons; for the buyer, none.",
        responses={200: DecisionSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def decisions(self, request, pk=None):
        plan = self.get_object()
        decisions = CommitteeDecision.objects.none()
        if self._content_reader(plan):
            decisions = CommitteeDecision.objects.filter(version__plan=plan).select_related(
                "version"
            )
        return Response(DecisionSerializer(decisions, many=True).data)

    @extend_schema(
        summary="The alliance's timeline: every step taken, oldest first",
        description=(
            "The steps of the plan and of its alliance's records (agreement, tranches, "
            "deliveries, reports...), as the plan page's timeline lists them."
        ),
        responses={200: TimelineEntrySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def timeline(self, request, pk=None):
        plan = self.get_object()
        logs = journal_visible_to(request.user, plan.alliance).select_related("actor")

        def rows(page):
            for row in labels.label_logs(page):
                row.record_label = labels.log_model(row)
                yield row

        return self._paginated(logs.order_by("at", "id"), rows, TimelineEntrySerializer)

    @extend_schema(
        summary="The plan's audit history, newest first",
        description=(
            "Every change to the plan and what hangs from it (versions, budget, decisions, "
            "tranches...), with the values before and after, as the history page shows "
            "it: for the programme's officers (403 for others who see the plan)."
        ),
        responses={200: HistoryRowSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        plan = self.get_object()
        policy.check_plan_history_access(request.user, plan).raise_if_refused()
        currency = plan.alliance.program.currency
        return self._paginated(
            plan_history(plan),
            lambda page: history_rows(page, currency=currency),
            HistoryRowSerializer,
        )
