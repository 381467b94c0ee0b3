"""Screening and appraisal in the API (§3, §6): the screening checklist, appraisers'
assignment, their declaration of no conflict of interest, and their scores."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from accounts.policy import appraisals_visible_to
from core.api import MAX_COMMENT, MAX_ID, NotFoundMixin
from core.api_serializers import ModelSerializer

from .. import services, workflow
from ..models import AppraisalAssignment, CriterionScore, ScreeningCheck

# --- screening -------------------------------------------------------------------------


class ScreeningCheckSerializer(ModelSerializer):
    label = serializers.CharField(
        read_only=True, help_text=_("The item, in the language of the request.")
    )
    checked_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ScreeningCheck
        fields = ["code", "label", "passed", "automatic", "note", "checked_by", "checked_at"]


class CheckAnswerSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_COMMENT)


ScreeningAnswersSerializer = type(
    "ScreeningAnswersSerializer",
    (serializers.Serializer,),
    {
        code: CheckAnswerSerializer(help_text=str(label))
        for code, label in services.MANUAL_SCREENING_CHECKS.items()
    },
)


class ScreeningRecordSerializer(serializers.Serializer):
    checks = ScreeningAnswersSerializer(
        help_text=_("The officer's answer to every item; the platform adds the automatic ones.")
    )


SCREENING_EXAMPLE = {
    "checks": {code: {"passed": True, "note": ""} for code in services.MANUAL_SCREENING_CHECKS}
}


# --- appraisals ------------------------------------------------------------------------


class CriterionScoreSerializer(ModelSerializer):
    criterion_code = serializers.CharField(source="criterion.code", read_only=True)

    class Meta:
        model = CriterionScore
        fields = ["criterion", "criterion_code", "score", "comment"]


class AppraisalSerializer(ModelSerializer):
    plan = serializers.IntegerField(source="version.plan_id", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    appraiser = serializers.SlugRelatedField(slug_field="username", read_only=True)
    score = serializers.SerializerMethodField(
        help_text=_("Weighted score on a 0-100 scale, once scored.")
    )
    scores = CriterionScoreSerializer(many=True, read_only=True)

    class Meta:
        model = AppraisalAssignment
        fields = [
            "id",
            "plan",
            "version",
            "appraiser",
            "assigned_at",
            "no_conflict_declared_at",
            "recommendation",
            "comment",
            "completed_at",
            "score",
            "scores",
        ]

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True))
    def get_score(self, assignment):
        score = workflow.appraisal_score(assignment)
        return None if score is None else f"{score:.2f}"


def appraisal_queryset(assignments=None):
    assignments = AppraisalAssignment.objects.all() if assignments is None else assignments
    return assignments.select_related("version", "appraiser").prefetch_related(
        Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion"))
    )


class AssignSerializer(serializers.Serializer):
    appraiser = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        help_text=_("Username of an appraiser of the alliance's region."),
    )


class ScoreInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("Rubric criterion id.")
    )
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=MAX_COMMENT)


class AppraisalSubmitSerializer(serializers.Serializer):
    scores = ScoreInputSerializer(many=True, help_text=_("One score per rubric criterion."))
    recommendation = serializers.ChoiceField(choices=AppraisalAssignment.Recommendation.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=MAX_COMMENT)


@extend_schema_view(
    list=extend_schema(summary="List appraisals"), retrieve=extend_schema(summary="An appraisal")
)
class AppraisalViewSet(NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """Appraisals (one per appraiser and plan version). The assigned appraiser declares
    no conflict of interest, then scores every criterion of the programme's rubric and
    recommends. Officers assign appraisers with `POST /api/v1/plans/{id}/appraisals/`."""

    serializer_class = AppraisalSerializer
    ordering_fields = ["assigned_at", "id"]
    ordering = ["-assigned_at", "-id"]
    filterset_fields = ["recommendation"]
    not_found_message = _("No such appraisal.")

    def get_queryset(self):
        return appraisal_queryset(appraisals_visible_to(self.request.user))

    def _answer(self, assignment):
        return Response(self.get_serializer(self.get_queryset().get(pk=assignment.pk)).data)

    @extend_schema(
        summary="Declare no conflict of interest (the assigned appraiser)",
        request=None,
        responses={200: AppraisalSerializer},
    )
    @action(detail=True, methods=["post"], url_path="declare-no-conflict")
    def declare_no_conflict(self, request, pk=None):
        assignment = self.get_object()
        services.appraisal_declare_no_conflict(assignment=assignment, by=request.user)
        return self._answer(assignment)

    @extend_schema(
        summary="Score and recommend (the assigned appraiser)",
        description="Scores every criterion of the rubric (0 to its maximum) and completes "
        "the appraisal.",
        request=AppraisalSubmitSerializer,
        responses={200: AppraisalSerializer},
        examples=[
            OpenApiExample(
                "Scores",
                value={
                    "scores": [
                        {"criterion": 1, "score": "8", "comment": "Buyer committed"},
                        {"criterion": 2, "score": "7", "comment": ""},
                    ],
                    "recommendation": "approve",
                    "comment": "Sound plan.",
                },
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        assignment = self.get_object()
        body = AppraisalSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.appraisal_submit(
            assignment=assignment,
            by=request.user,
            scores={s["criterion"]: (s["score"], s.get("comment", "")) for s in data["scores"]},
            recommendation=data["recommendation"],
            comment=data.get("comment", ""),
        )
        return self._answer(assignment)
