"""Business plans in the API: list, nested read, proposal, and every transition of §3 as
`POST /api/v1/plans/{id}/<transition>/` (the workflow's names with hyphens)."""

from __future__ import annotations

from django.apps import apps
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.models import Role
from accounts.policy import (
    APPRAISALS,
    CONTENT,
    SCORE,
    appraisals_visible_to,
    assigned_alliance_ids,
    can_read,
    organizations_known_to,
    plans_visible_to,
    readable_parts,
)
from alliances.api import AllianceSerializer
from alliances.models import Buyer, ProducerOrganization, Product
from core.api import (
    MAX_COMMENT,
    CommentSerializer,
    IdsFirstMixin,
    NotFoundMixin,
    action_examples,
    alliance_filterset,
)
from core.api_serializers import ModelSerializer

from .. import editing, services, workflow
from ..models import BusinessPlan, PlanStatus, PlanVersion, ScreeningCheck
from ..workflow import allowed_plan_transitions
from .appraisal import (
    SCREENING_EXAMPLE,
    AppraisalSerializer,
    AssignSerializer,
    ScreeningCheckSerializer,
    ScreeningRecordSerializer,
    appraisal_queryset,
)
from .content import (
    AnalysisSerializer,
    BeneficiariesSerializer,
    BudgetLineSerializer,
    CashFlowSerializer,
)
from .examples import plan_example
from .records import PlanRecordsMixin

# The programme is funding's (an app above): named by string.
Program = apps.get_model("funding", "Program")

MONEY = {"max_digits": 18, "decimal_places": 2}
EDITABLE = (PlanStatus.DRAFT, PlanStatus.REVISION_REQUESTED)


# --- reading ---------------------------------------------------------------------------


class PlanAllianceSerializer(AllianceSerializer):
    class Meta(AllianceSerializer.Meta):
        fields = [f for f in AllianceSerializer.Meta.fields if f not in ("status", "plan")]


class AllowedActionSerializer(serializers.Serializer):
    action = serializers.CharField(help_text=_("POST /api/v1/plans/{id}/<action>/"))
    label = serializers.CharField()
    reason_required = serializers.BooleanField()


class PlanSerializer(ModelSerializer):
    alliance = PlanAllianceSerializer(read_only=True)
    title = serializers.CharField(read_only=True, help_text=_("Title of the current version."))
    version = serializers.IntegerField(
        source="version_number", read_only=True, help_text=_("Number of the current version.")
    )
    currency = serializers.CharField(source="alliance.program.currency", read_only=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("Transitions the requesting user may fire now (guards not evaluated).")
    )

    class Meta:
        model = BusinessPlan
        fields = [
            "id",
            "status",
            "title",
            "version",
            "alliance",
            "currency",
            "approved_grant",
            "created_at",
            "updated_at",
            "allowed_actions",
        ]

    def parts(self, plan) -> frozenset[str]:
        """What of this plan the requesting user reads (§9a), once per plan."""
        user = self.context["request"].user
        if "_assigned" not in self.context:  # one query for the page, not one per row
            self.context["_assigned"] = assigned_alliance_ids(user)
        cache = self.context.setdefault("_readable_parts", {})
        if plan.pk not in cache:
            cache[plan.pk] = readable_parts(user, plan.alliance, assigned=self.context["_assigned"])
        return cache[plan.pk]

    def to_representation(self, plan):
        data = super().to_representation(plan)
        if "approved_grant" in data and CONTENT not in self.parts(plan):
            data["approved_grant"] = None  # a buyer reads nothing of the money (§9a)
        return data

    @extend_schema_field(AllowedActionSerializer(many=True))
    def get_allowed_actions(self, plan):
        user = self.context["request"].user
        return [
            {"action": t.api_name, "label": str(t.label), "reason_required": t.reason_required}
            for t in allowed_plan_transitions(user, plan)
        ]


class VersionSummarySerializer(ModelSerializer):
    class Meta:
        model = PlanVersion
        fields = ["number", "title", "frozen_at", "created_at"]


class VersionSerializer(ModelSerializer):
    budget_lines = BudgetLineSerializer(many=True, read_only=True)
    cash_flows = CashFlowSerializer(many=True, read_only=True)
    beneficiaries = serializers.SerializerMethodField(
        help_text=_("Frozen with the version; counted from the roster while it is open.")
    )
    analysis = serializers.SerializerMethodField(
        help_text=_("Computed, never typed; null while the projection is incomplete.")
    )

    class Meta:
        model = PlanVersion
        fields = [
            "number",
            "title",
            "summary",
            "market_description",
            "technical_description",
            "environmental_social",
            "horizon_years",
            "frozen_at",
            "created_at",
            "beneficiaries",
            "budget_lines",
            "cash_flows",
            "analysis",
        ]
        read_only_fields = ["number", "frozen_at", "created_at"]

    @extend_schema_field(BeneficiariesSerializer)
    def get_beneficiaries(self, version):
        return BeneficiariesSerializer.of(version)

    @extend_schema_field(AnalysisSerializer(allow_null=True))
    def get_analysis(self, version):
        return AnalysisSerializer.of(version)


def version_data(version: PlanVersion, *, content: bool) -> dict:
    """A version as the API shows it; without `content` (the buyer, §9a), the summary and
    market only."""
    data = VersionSerializer(version).data
    if not content:
        data.update(
            technical_description="",
            environmental_social="",
            budget_lines=[],
            cash_flows=[],
            analysis=None,
        )
    return data


class VersionUpdateSerializer(ModelSerializer):
    class Meta:
        model = PlanVersion
        fields = list(editing.VERSION_FIELDS)
        extra_kwargs = {"horizon_years": {"min_value": 1, "max_value": 30}}


class PlanDetailSerializer(PlanSerializer):
    suspended_from = serializers.ChoiceField(
        choices=PlanStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("Where `resume` returns to; empty unless suspended."),
    )
    current_version = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    can_edit_content = serializers.SerializerMethodField(
        help_text=_("May the user change the current version's content now?")
    )
    submission_problems = serializers.SerializerMethodField(
        help_text=_("What keeps a draft or returned plan from being submitted, in words.")
    )
    screening_checks = serializers.SerializerMethodField()
    appraisals = serializers.SerializerMethodField()
    appraisal_score = serializers.SerializerMethodField(
        help_text=_("Mean of the complete appraisals' weighted scores (0-100).")
    )

    class Meta(PlanSerializer.Meta):
        fields = PlanSerializer.Meta.fields + [
            "approval_conditions",
            "suspended_from",
            "can_edit_content",
            "submission_problems",
            "current_version",
            "versions",
            "screening_checks",
            "appraisals",
            "appraisal_score",
        ]

    def _current(self, plan) -> PlanVersion:
        return list(plan.versions.all())[-1]  # prefetched in number order

    @extend_schema_field(VersionSerializer)
    def get_current_version(self, plan):
        return version_data(self._current(plan), content=CONTENT in self.parts(plan))

    @extend_schema_field(VersionSummarySerializer(many=True))
    def get_versions(self, plan):
        return VersionSummarySerializer(plan.versions.all(), many=True).data

    @extend_schema_field(serializers.BooleanField())
    def get_can_edit_content(self, plan) -> bool:
        return services.can_edit_content(self.context["request"].user, plan)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_submission_problems(self, plan):
        if plan.status not in EDITABLE:
            return []
        guard = (
            workflow.guard_ready_to_submit
            if plan.status == PlanStatus.DRAFT
            else workflow.guard_ready_to_resubmit
        )
        return list(guard(plan).reasons)

    @extend_schema_field(ScreeningCheckSerializer(many=True))
    def get_screening_checks(self, plan):
        if CONTENT not in self.parts(plan):
            return []
        return ScreeningCheckSerializer(self._current(plan).screening_checks.all(), many=True).data

    @extend_schema_field(AppraisalSerializer(many=True))
    def get_appraisals(self, plan):
        """Individual appraisals: the committee and officers see all; an appraiser its
        own; the organization's side, the buyer and funders none (§9a)."""
        appraisals = self._current(plan).appraisals.all()
        if APPRAISALS not in self.parts(plan):
            user = self.context["request"].user
            appraisals = [a for a in appraisals if a.appraiser_id == user.pk]
        return AppraisalSerializer(appraisals, many=True).data

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True))
    def get_appraisal_score(self, plan):
        if SCORE not in self.parts(plan):
            return None  # an appraiser would work out a colleague's score from it
        score = workflow.plan_score(self._current(plan).appraisals.all())
        return None if score is None else f"{score:.2f}"


def with_row_data(plans):
    """What a plan's row shows: its alliance and the parties, the latest version."""
    latest = PlanVersion.objects.filter(plan=OuterRef("pk")).order_by("-number")
    return (
        plans.with_list_data()
        .select_related("alliance__buyer", "alliance__product")
        .annotate(
            version_number=Subquery(latest.values("number")[:1]),
            title=Subquery(latest.values("title")[:1]),
        )
    )


def with_detail(queryset):
    versions = PlanVersion.objects.order_by("number").prefetch_related(
        "budget_lines",
        "cash_flows",
        Prefetch("screening_checks", queryset=ScreeningCheck.objects.select_related("checked_by")),
        Prefetch("appraisals", queryset=appraisal_queryset()),
    )
    return queryset.prefetch_related(Prefetch("versions", queryset=versions))


class PlanFilter(alliance_filterset("alliance", updated="updated_at")):
    status = filters.MultipleChoiceFilter(choices=PlanStatus.choices)

    class Meta:
        model = BusinessPlan
        fields = []


# --- writing ---------------------------------------------------------------------------


class PlanCreateSerializer(serializers.Serializer):
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.all())
    producer_organization = serializers.PrimaryKeyRelatedField(
        queryset=ProducerOrganization.objects.none(),
        help_text=_(
            "The proposing organization: the user's own, or one their TA provider accompanies."
        ),
    )
    buyer = serializers.PrimaryKeyRelatedField(queryset=Buyer.objects.all())
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    name = serializers.CharField(max_length=200, help_text=_("Name of the alliance."))
    title = serializers.CharField(max_length=200, help_text=_("Title of the business plan."))
    horizon_years = serializers.IntegerField(min_value=1, max_value=30, default=5)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["producer_organization"].queryset = organizations_known_to(request.user)


class ApproveSerializer(CommentSerializer):
    approved_grant = serializers.DecimalField(
        **MONEY, help_text=_("The grant the committee approves, in the programme's currency.")
    )
    conditions = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_COMMENT, default=""
    )


def _role_list(roles) -> str:
    return ", ".join(sorted(str(Role(r).label).lower() for r in roles))


def _transition_action(name: str):
    """`POST /plans/{id}/<name-with-hyphens>/`: calls `plans.services.plan_<name>`."""
    entries = workflow.transitions_named(name)
    api_name = entries[0].api_name
    body_class = ApproveSerializer if name == "approve" else CommentSerializer
    service = services.PLAN_ACTIONS[name]
    rows = "\n".join(
        f"- from `{'`, `'.join(sorted(t.sources))}` to `{t.target or 'the state it left'}`"
        f" by a {_role_list(t.roles)}" + (" (a reason is required)" if t.reason_required else "")
        for t in entries
    )
    description = (
        f"Fires `{name}` (DESIGN.md §3):\n\n{rows}\n\n"
        "Answers with the plan. 403 for a wrong role, 409 when not possible from the plan's "
        "status or when a guard refuses (the reasons say what is missing)."
    )
    example = {"comment": "Checked with the buyer."}
    if name == "approve":
        example = {"approved_grant": "14000000.00", "conditions": "", "comment": "Sound plan."}

    def fire(self, request, pk=None):
        plan = self.get_object()
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        service(plan=plan, by=request.user, **body.validated_data)
        return self.detail_response(plan.pk)

    fire.__name__ = name
    fire = action(detail=True, methods=["post"], url_path=api_name, url_name=api_name)(fire)
    return extend_schema(
        operation_id=f"plans_{name}",
        summary=f"{entries[0].label}",
        description=description,
        request=body_class,
        responses={200: PlanDetailSerializer},
        examples=action_examples(
            api_name,
            request=example,
            # `resume` goes back to where the plan was suspended from: say, active.
            response=plan_example(entries[0].target or PlanStatus.ACTIVE),
        ),
        tags=["plan transitions"],
    )(fire)


@extend_schema_view(
    list=extend_schema(summary="List business plans"),
    retrieve=extend_schema(
        summary="A business plan",
        description=(
            "The plan with its current version (budget lines, cash flows and the computed "
            "analysis), its versions, screening checks, appraisals, and the actions the "
            "user may take."
        ),
        responses={200: PlanDetailSerializer},
    ),
    create=extend_schema(
        summary="Propose an alliance",
        description=(
            "A producer organization (or its technical assistance provider) proposes an "
            "alliance: the alliance, its business plan and version 1, in `draft`."
        ),
        request=PlanCreateSerializer,
        responses={201: PlanDetailSerializer},
        examples=[
            OpenApiExample(
                "Proposal",
                value={
                    "program": 1,
                    "producer_organization": 1,
                    "buyer": 1,
                    "product": 1,
                    "name": "Kandi maize",
                    "title": "Maize shelling and storage",
                    "horizon_years": 5,
                },
                request_only=True,
            )
        ],
    ),
)
class PlanViewSet(
    PlanRecordsMixin,
    IdsFirstMixin,
    NotFoundMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Business plans the user may see (another organization's plan is a 404)."""

    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["updated_at", "created_at", "id", "status"]
    ordering = ["-updated_at", "-id"]
    not_found_message = _("No such business plan.")

    def visible(self):
        return plans_visible_to(self.request.user)

    def with_rows(self, queryset):
        return with_row_data(queryset)

    def get_serializer_class(self):
        return PlanDetailSerializer if self.action == "retrieve" else PlanSerializer

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return with_detail(queryset) if self.action == "retrieve" else queryset

    def detail_response(self, pk, status_code=status.HTTP_200_OK):
        plan = with_detail(self.get_queryset()).get(pk=pk)
        data = PlanDetailSerializer(plan, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        body = PlanCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        plan = services.alliance_propose(by=request.user, **body.validated_data)
        return self.detail_response(plan.pk, status.HTTP_201_CREATED)

    # --- the current version's texts ---------------------------------------------------

    @extend_schema(
        methods=["GET"], summary="The plan's current version", responses={200: VersionSerializer}
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Change the current version's texts or horizon",
        description=(
            "Producer organization side only, on the open version of a draft or returned "
            "plan (a frozen version answers 409). A shorter horizon drops the projection "
            "years beyond it."
        ),
        request=VersionUpdateSerializer,
        responses={200: VersionSerializer},
    )
    @action(detail=True, methods=["get", "patch"], url_path="current-version")
    def current_version(self, request, pk=None):
        plan = self.get_object()
        if request.method == "PATCH":
            body = VersionUpdateSerializer(data=request.data, partial=True)
            body.is_valid(raise_exception=True)
            editing.version_update(plan=plan, by=request.user, data=body.validated_data)
        version = with_detail(BusinessPlan.objects.filter(pk=plan.pk)).get().versions.all()
        return Response(VersionSerializer(list(version)[-1]).data)

    @extend_schema(
        summary="A version of the plan, frozen or current",
        description=(
            "A version as it was submitted (the compare page shows two side by side). For "
            "the buyer, the summary and market only: no budget, cash flows or analysis."
        ),
        parameters=[
            OpenApiParameter(
                "number",
                OpenApiTypes.INT,
                OpenApiParameter.PATH,
                description="The version's number.",
            )
        ],
        responses={200: VersionSerializer},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"versions/(?P<number>[^/.]+)",
        url_name="version",
        filter_backends=[],
    )
    def version(self, request, pk=None, number=None):
        plan = self.get_object()
        version = (
            PlanVersion.objects.filter(plan=plan, number=int(number))
            .prefetch_related("budget_lines", "cash_flows")
            .first()
            if number.isascii() and number.isdigit() and len(number) < 10
            else None
        )
        if version is None:
            raise NotFound(_("No such version."))
        content = can_read(request.user, plan.alliance, CONTENT)
        return Response(version_data(version, content=content))

    # --- screening and appraisal -------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="The screening checklist of the current version",
        responses={200: ScreeningCheckSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record the screening checklist (programme officer)",
        description=(
            "Answers every manual item; the platform records the automatic ones (eligible "
            "region and value chain, money rules). The plan must be in `screening`."
        ),
        request=ScreeningRecordSerializer,
        responses={200: ScreeningCheckSerializer(many=True)},
        examples=[OpenApiExample("All passed", value=SCREENING_EXAMPLE, request_only=True)],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def screening(self, request, pk=None):
        plan = self.get_object()
        if request.method == "POST":
            body = ScreeningRecordSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            checks = {
                code: (answer["passed"], answer.get("note", ""))
                for code, answer in body.validated_data["checks"].items()
            }
            services.screening_record(plan=plan, by=request.user, checks=checks)
        elif not can_read(request.user, plan.alliance, CONTENT):
            return Response([])  # the buyer reads the summary and market only (§9a)
        checks = ScreeningCheck.objects.filter(version=plan.current_version).select_related(
            "checked_by"
        )
        return Response(ScreeningCheckSerializer(checks.order_by("id"), many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Appraisals of the current version",
        responses={200: AppraisalSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Assign an appraiser (programme officer)",
        description="The plan must be in `appraisal`; the appraiser must cover its region.",
        request=AssignSerializer,
        responses={201: AppraisalSerializer},
        examples=[OpenApiExample("Assign", value={"appraiser": "appraiser"}, request_only=True)],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def appraisals(self, request, pk=None):
        plan = self.get_object()
        if request.method == "POST":
            body = AssignSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            assignment = services.appraisal_assign(
                plan=plan, by=request.user, appraiser=body.validated_data["appraiser"]
            )
            assignment = appraisal_queryset().get(pk=assignment.pk)
            return Response(AppraisalSerializer(assignment).data, status=status.HTTP_201_CREATED)
        assignments = appraisal_queryset(appraisals_visible_to(request.user)).filter(
            version=plan.current_version
        )
        return Response(AppraisalSerializer(assignments, many=True).data)


for _name in services.PLAN_ACTIONS:
    setattr(PlanViewSet, _name, _transition_action(_name))
