"""Business plans, their frozen versions, appraisal, decisions and the transition log.

A plan's `status` moves only through `plans.services` (see `plans.workflow` for the
state table). Its content lives in versions: the PO edits the open version; submitting
freezes it; a revision request opens a new version copied from the frozen one.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from alliances.models import PlanStatus  # noqa: F401  (the plan carries the stage)
from core.fields import actor_field
from core.money import ZERO, money_field
from core.uploads import download_name, stored_name

from . import finance


class BusinessPlanQuerySet(models.QuerySet):
    def for_step(self):
        """The plan rows locked for a step, with what every step reads (the programme):
        the one way a step locks a plan. Lock the plan before anything that hangs from it,
        everywhere, so that two steps never deadlock."""
        return self.select_for_update(of=("self",)).select_related("alliance__program")

    def with_list_data(self):
        return self.select_related(
            "alliance",
            "alliance__producer_organization",
            "alliance__program",
            "alliance__region",
            "alliance__value_chain",
        )


class BusinessPlan(models.Model):
    alliance = models.OneToOneField(
        "alliances.Alliance", on_delete=models.PROTECT, related_name="plan"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PlanStatus.choices,
        default=PlanStatus.DRAFT,
        db_index=True,
        editable=False,
    )
    # Where `resume` returns to; set by `suspend`.
    suspended_from = models.CharField(
        max_length=20, choices=PlanStatus.choices, blank=True, editable=False
    )
    approved_grant = money_field(_("approved grant"), null=True, blank=True, editable=False)
    approval_conditions = models.TextField(_("approval conditions"), blank=True, editable=False)
    created_by = actor_field(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BusinessPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("business plan")
        verbose_name_plural = _("business plans")
        # The lists' sorts and the API's `updated_since` (issue 17).
        indexes = [
            models.Index(fields=["updated_at", "id"], name="plan_updated_idx"),
            models.Index(fields=["created_at"], name="plan_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_grant__isnull=True) | Q(approved_grant__gt=0),
                name="plan_approved_grant_pos",
            )
        ]

    def __str__(self) -> str:
        return _("Business plan of %(alliance)s") % {"alliance": self.alliance}

    @property
    def program(self):
        return self.alliance.program

    @property
    def currency(self) -> str:
        return self.alliance.program.currency

    @property
    def current_version(self) -> "PlanVersion":
        return self.versions.order_by("-number").first()


class PlanVersion(models.Model):
    """The content of a plan. Frozen (read-only) once `frozen_at` is set."""

    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    market_description = models.TextField(_("market and buyer"), blank=True)
    technical_description = models.TextField(_("technical description"), blank=True)
    environmental_social = models.TextField(_("environmental and social aspects"), blank=True)
    horizon_years = models.PositiveSmallIntegerField(_("horizon (years)"), default=5)
    # Beneficiaries counted from the roster when the version is frozen (§5).
    beneficiary_families = models.PositiveIntegerField(_("beneficiary families"), default=0)
    women_members = models.PositiveIntegerField(_("women"), default=0)
    youth_members = models.PositiveIntegerField(_("youth (under 35)"), default=0)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    created_by = actor_field(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique"),
            models.CheckConstraint(
                condition=Q(horizon_years__gte=1) & Q(horizon_years__lte=30),
                name="plan_version_horizon",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    def budget_splits(self) -> list[finance.BudgetSplit]:
        return [line.split() for line in self.budget_lines.all()]

    def cash_flow_years(self) -> list[finance.CashFlowYear]:
        return [row.as_year() for row in self.cash_flows.all()]

    @property
    def families(self) -> int:
        """Beneficiary families: frozen with the version, else counted from the roster."""
        if self.is_frozen:
            return self.beneficiary_families
        return self.plan.alliance.producer_organization.members.active().count()

    def analysis(self) -> finance.PlanAnalysis:
        return finance.analyse(
            lines=self.budget_splits(),
            years=self.cash_flow_years(),
            discount_rate=self.plan.alliance.program.discount_rate,
            families=self.families,
        )


class BudgetLine(models.Model):
    class Category(models.TextChoices):
        INFRASTRUCTURE = "infrastructure", _("Infrastructure")
        EQUIPMENT = "equipment", _("Equipment and machinery")
        INPUTS = "inputs", _("Inputs")
        WORKING_CAPITAL = "working_capital", _("Working capital")
        TECHNICAL_ASSISTANCE = "technical_assistance", _("Technical assistance")
        TRAINING = "training", _("Training")
        OTHER = "other", _("Other")

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    description = models.CharField(_("description"), max_length=255)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_cost = money_field(_("unit cost"))
    amount = money_field(_("amount"), help_text=_("Quantity × unit cost."))
    grant = money_field(_("grant"), default=ZERO)
    producer_cash = money_field(_("producer cash"), default=ZERO)
    producer_in_kind = money_field(_("producer in kind"), default=ZERO)
    buyer = money_field(_("buyer"), default=ZERO)
    credit = money_field(_("credit"), default=ZERO)
    other = money_field(_("other"), default=ZERO)

    SOURCES = finance.SOURCES

    class Meta:
        ordering = ["version", "id"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(unit_cost__gte=0),
                name="budget_line_quantity_cost",
            ),
            models.CheckConstraint(
                condition=Q(grant__gte=0)
                & Q(producer_cash__gte=0)
                & Q(producer_in_kind__gte=0)
                & Q(buyer__gte=0)
                & Q(credit__gte=0)
                & Q(other__gte=0),
                name="budget_line_sources_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount=F("grant")
                    + F("producer_cash")
                    + F("producer_in_kind")
                    + F("buyer")
                    + F("credit")
                    + F("other")
                ),
                name="budget_line_split_sums_to_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def split(self) -> finance.BudgetSplit:
        return finance.BudgetSplit(**{source: getattr(self, source) for source in self.SOURCES})


class CashFlowRow(models.Model):
    """One year of the projection, with and without the project (investment excluded)."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="cash_flows")
    year = models.PositiveSmallIntegerField(_("year"))
    revenue_with = money_field(_("revenue with the project"), default=ZERO)
    costs_with = money_field(_("operating costs with the project"), default=ZERO)
    revenue_without = money_field(_("revenue without the project"), default=ZERO)
    costs_without = money_field(_("operating costs without the project"), default=ZERO)

    class Meta:
        ordering = ["version", "year"]
        verbose_name = _("cash-flow year")
        verbose_name_plural = _("cash-flow years")
        constraints = [
            models.UniqueConstraint(fields=["version", "year"], name="cash_flow_year_unique"),
            models.CheckConstraint(
                condition=Q(revenue_with__gte=0)
                & Q(costs_with__gte=0)
                & Q(revenue_without__gte=0)
                & Q(costs_without__gte=0),
                name="cash_flow_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.year}"

    def as_year(self) -> finance.CashFlowYear:
        return finance.CashFlowYear(
            year=self.year,
            revenue_with=self.revenue_with,
            costs_with=self.costs_with,
            revenue_without=self.revenue_without,
            costs_without=self.costs_without,
        )


class ScreeningItem(models.TextChoices):
    """The items of the screening checklist: the officer's (`MANUAL_SCREENING_ITEMS`)
    and those the platform computes from the programme's rules. A recorded check keeps
    only its code; its label is read from here, in the reader's language."""

    LEGAL_STATUS = "legal_status", _("The organization is legally registered.")
    ROSTER_VERIFIED = "roster_verified", _("The member roster was verified.")
    BUYER_INTENT = "buyer_intent", _("The buyer's letter of intent is on file.")
    FIELD_VISIT = "field_visit", _("A field visit confirmed the plan's premises.")
    ELIGIBLE_REGION = "eligible_region", _("The region is eligible for the programme.")
    ELIGIBLE_VALUE_CHAIN = (
        "eligible_value_chain",
        _("The value chain is eligible for the programme."),
    )
    MONEY_RULES = "money_rules", _("The plan meets the programme's money rules.")


MANUAL_SCREENING_ITEMS = (
    ScreeningItem.LEGAL_STATUS,
    ScreeningItem.ROSTER_VERIFIED,
    ScreeningItem.BUYER_INTENT,
    ScreeningItem.FIELD_VISIT,
)


class ScreeningCheck(models.Model):
    """One eligibility item checked during screening: automatic (rules) or by an officer."""

    version = models.ForeignKey(
        PlanVersion, on_delete=models.CASCADE, related_name="screening_checks"
    )
    code = models.CharField(_("code"), max_length=40, choices=ScreeningItem.choices)
    passed = models.BooleanField(_("passed"))
    automatic = models.BooleanField(_("computed by the platform"), default=False)
    note = models.TextField(_("note"), blank=True)
    checked_by = actor_field(_("checked by"), optional=True)
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["version", "id"]
        verbose_name = _("screening check")
        verbose_name_plural = _("screening checks")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="screening_check_unique")
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        """The item in the reader's language (`ScreeningItem`)."""
        return self.get_code_display()


class AppraisalAssignment(models.Model):
    class Recommendation(models.TextChoices):
        APPROVE = "approve", _("Approve")
        APPROVE_WITH_CONDITIONS = "approve_with_conditions", _("Approve with conditions")
        REVISE = "revise", _("Return for revision")
        REJECT = "reject", _("Reject")

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="appraisals")
    appraiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appraisals"
    )
    assigned_by = actor_field(_("assigned by"))
    assigned_at = models.DateTimeField(auto_now_add=True)
    no_conflict_declared_at = models.DateTimeField(
        _("no conflict of interest declared at"), null=True, blank=True
    )
    recommendation = models.CharField(
        _("recommendation"), max_length=30, choices=Recommendation.choices, blank=True
    )
    comment = models.TextField(_("overall comment"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["version", "assigned_at", "id"]
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        indexes = [
            models.Index(fields=["assigned_at", "id"], name="appraisal_assigned_idx"),
            models.Index(fields=["recommendation"], name="appraisal_recommendation_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["version", "appraiser"], name="appraisal_once"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True)
                | (Q(no_conflict_declared_at__isnull=False) & ~Q(recommendation="")),
                name="appraisal_complete_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appraiser} · {self.version}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class CriterionScore(models.Model):
    assignment = models.ForeignKey(
        AppraisalAssignment, on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        "funding.RubricCriterion", on_delete=models.PROTECT, related_name="scores"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_once"),
            models.CheckConstraint(condition=Q(score__gte=0), name="score_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class CommitteeDecision(models.Model):
    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for revision")

    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    approved_grant = money_field(_("approved grant"), null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = actor_field(_("decided by"))
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("committee decision")
        verbose_name_plural = _("committee decisions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(outcome="approved") & Q(approved_grant__gt=0))
                | (~Q(outcome="approved") & Q(approved_grant__isnull=True) & ~Q(reason="")),
                name="decision_shape",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} · {self.version}"


class TransitionLog(models.Model):
    """Who moved what from which state to which, when and why. Append-only."""

    alliance = models.ForeignKey(
        "alliances.Alliance", on_delete=models.PROTECT, related_name="transition_logs"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    transition = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=20)
    to_state = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the platform fired it by itself."),
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("transition log entry")
        verbose_name_plural = _("transition log")
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.transition}: {self.from_state} → {self.to_state}"


def document_path(instance: "PlanDocument", filename: str) -> str:
    """Private storage path: a generated name with the extension of the type read from the
    content (`page.html` holding a PDF is stored as `<uuid>.pdf`); the user's file name is
    kept only as metadata."""
    return f"plans/{instance.plan_id}/{stored_name(instance.content_type)}"


class PlanDocument(models.Model):
    """A supporting document (PDF, image, spreadsheet) of a plan, stored privately."""

    class Kind(models.TextChoices):
        QUOTATION = "quotation", _("Quotation")
        BUYER_LETTER = "buyer_letter", _("Buyer's letter of intent")
        LEGAL = "legal", _("Legal document")
        PHOTO = "photo", _("Photo")
        FINANCIAL = "financial", _("Financial statement")
        EVIDENCE = "evidence", _("Evidence for a tranche or contribution")
        MONITORING = "monitoring", _("Evidence for a monitoring report")
        OTHER = "other", _("Other")

    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="documents")
    version = models.ForeignKey(
        PlanVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    # Evidence attached to a tranche request or a counterpart contribution.
    tranche = models.ForeignKey(
        "funding.Tranche",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    contribution = models.ForeignKey(
        "funding.CounterpartContribution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    monitoring_report = models.ForeignKey(
        "monitoring.MonitoringReport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = actor_field(_("uploaded by"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-uploaded_at", "-id"]
        verbose_name = _("plan document")
        verbose_name_plural = _("plan documents")

    def __str__(self) -> str:
        return self.title

    @property
    def download_name(self) -> str:
        """The user's file name, with the extension of the type read from the content."""
        return download_name(self.original_name, self.content_type)
