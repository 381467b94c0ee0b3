"""Programmes and the public money that flows through them (§4).

A programme carries its currency, its budget (one row per funder), its caps and rules,
its appraisal rubric and its legalization checklist. Approval creates a grant
commitment; signing splits it into tranches; a tranche is paid by one payment, and a
correction is a reversal. Counterpart contributions are recorded and verified.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.fields import actor_field
from core.money import ZERO, money_field

share_validators = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class Program(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country (ISO 3166 code)"), max_length=2)
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3)
    opens_on = models.DateField(_("call opens on"))
    closes_on = models.DateField(_("call closes on"))
    eligible_regions = models.ManyToManyField(
        "alliances.Region", related_name="programs", verbose_name=_("eligible regions")
    )
    eligible_value_chains = models.ManyToManyField(
        "alliances.ValueChain", related_name="programs", verbose_name=_("eligible value chains")
    )
    max_grant_per_alliance = money_field(_("maximum grant per alliance"))
    max_grant_per_family = money_field(_("maximum grant per beneficiary family"))
    max_grant_share = models.DecimalField(
        _("maximum grant share of total investment"),
        max_digits=5,
        decimal_places=4,
        validators=share_validators,
        help_text=_("A fraction: 0.7000 for 70%."),
    )
    min_counterpart_share = models.DecimalField(
        _("minimum producer counterpart share"),
        max_digits=5,
        decimal_places=4,
        validators=share_validators,
        help_text=_("Producer cash and in kind, as a fraction of total investment."),
    )
    discount_rate = models.DecimalField(
        _("discount rate"), max_digits=5, decimal_places=4, validators=share_validators
    )
    score_threshold = models.DecimalField(
        _("appraisal score threshold (0-100)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    required_appraisals = models.PositiveSmallIntegerField(_("required appraisals"), default=2)
    tranche_count = models.PositiveSmallIntegerField(
        _("number of tranches"), default=3, validators=[MinValueValidator(1)]
    )
    monitoring_period_months = models.PositiveSmallIntegerField(
        _("monitoring period (months)"), default=3, validators=[MinValueValidator(1)]
    )
    report_grace_days = models.PositiveSmallIntegerField(
        _("days to submit a monitoring report"),
        default=30,
        help_text=_("A periodic report is due this many days after its period ends."),
    )
    indicators = models.ManyToManyField(
        "monitoring.Indicator",
        blank=True,
        related_name="programs",
        verbose_name=_("indicators reported"),
        help_text=_("Leave empty for every indicator of the catalogue in use."),
    )
    reporting_currency = models.CharField(_("reporting currency"), max_length=3, default="USD")
    reporting_rate = models.DecimalField(
        _("exchange rate to the reporting currency"),
        max_digits=18,
        decimal_places=8,
        help_text=_("Units of reporting currency for one unit of the programme's currency."),
    )
    reporting_rate_date = models.DateField(_("exchange rate date"))
    two_factor_required = models.BooleanField(
        _("two-factor sign-in required for its staff"),
        default=False,
        help_text=_(
            "Ministry staff who work on this programme must sign in with an authentication "
            "code as well as their password."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="program_dates"),
            models.CheckConstraint(
                condition=Q(max_grant_per_alliance__gt=0) & Q(max_grant_per_family__gt=0),
                name="program_caps_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_grant_share__gt=0, max_grant_share__lte=1)
                & Q(min_counterpart_share__gte=0, min_counterpart_share__lte=1)
                & Q(discount_rate__gte=0, discount_rate__lte=1),
                name="program_shares_valid",
            ),
            models.CheckConstraint(
                condition=Q(score_threshold__gte=0, score_threshold__lte=100),
                name="program_threshold_range",
            ),
            models.CheckConstraint(condition=Q(reporting_rate__gt=0), name="program_rate_pos"),
            models.CheckConstraint(condition=Q(required_appraisals__gte=1), name="program_appr"),
            models.CheckConstraint(condition=Q(tranche_count__gte=1), name="program_tranches"),
            models.CheckConstraint(
                condition=Q(monitoring_period_months__gte=1, monitoring_period_months__lte=12),
                name="program_monitoring_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def total_budget(self) -> Decimal:
        return self.fundings.aggregate(t=Coalesce(Sum("amount"), ZERO))["t"]

    @property
    def committed(self) -> Decimal:
        """Budget reserved by grant commitments, net of released (cancelled) amounts."""
        return self.commitments.aggregate(
            t=Coalesce(Sum(F("amount") - F("released_amount")), ZERO)
        )["t"]

    @property
    def available(self) -> Decimal:
        return self.total_budget - self.committed


class ProgramFunding(models.Model):
    """One funder's contribution to a programme's budget."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="fundings")
    funder = models.ForeignKey(
        "alliances.Funder", on_delete=models.PROTECT, related_name="fundings"
    )
    amount = money_field(_("amount"))

    class Meta:
        verbose_name = _("programme funding")
        verbose_name_plural = _("programme fundings")
        constraints = [
            models.UniqueConstraint(fields=["program", "funder"], name="funding_one_per_funder"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="funding_amount_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.funder} → {self.program.code}"


class RubricCriterion(models.Model):
    class Category(models.TextChoices):
        MARKET = "market", _("Market")
        TECHNICAL = "technical", _("Technical")
        FINANCIAL = "financial", _("Financial")
        ORGANIZATIONAL = "organizational", _("Organizational")
        ENVIRONMENTAL_SOCIAL = "environmental_social", _("Environmental and social")
        INCLUSION = "inclusion", _("Inclusion of women and youth")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)
    max_score = models.PositiveSmallIntegerField(_("maximum score"), default=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["program", "order", "id"]
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="criterion_unique_code"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_pos"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="criterion_max_pos"),
        ]

    def __str__(self) -> str:
        return self.name


class PurchaseAgreement(models.Model):
    """The PO-buyer agreement of an alliance (§7). Its terms live in versions. The buyer's
    confirmation is a condition of signing the grant agreement, with the legalization
    checklist: the three live here, in funding, with their pages."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent to the buyer")
        CONFIRMED = "confirmed", _("Confirmed by the buyer")
        DECLINED = "declined", _("Declined by the buyer")

    alliance = models.OneToOneField(
        "alliances.Alliance", on_delete=models.PROTECT, related_name="purchase_agreement"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "alliances_purchaseagreement"  # the table kept its name when it moved here
        verbose_name = _("purchase agreement")
        verbose_name_plural = _("purchase agreements")
        # The lists' sorts and the API's `updated_since` (issue 17).
        indexes = [
            models.Index(fields=["updated_at", "id"], name="agreement_updated_idx"),
            models.Index(fields=["created_at"], name="agreement_created_idx"),
        ]

    def __str__(self) -> str:
        return _("Purchase agreement of %(alliance)s") % {"alliance": self.alliance}

    @property
    def current_version(self) -> "PurchaseAgreementVersion | None":
        return self.versions.order_by("-number").first()


class PurchaseAgreementVersion(models.Model):
    class PriceType(models.TextChoices):
        FIXED = "fixed", _("Fixed price")
        MARKET_PLUS_PREMIUM = "market_premium", _("Market reference plus premium")

    agreement = models.ForeignKey(
        PurchaseAgreement, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    product = models.ForeignKey("alliances.Product", on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("unit"), max_length=20)
    annual_volume = models.DecimalField(_("annual volume"), max_digits=14, decimal_places=3)
    quality_specification = models.TextField(_("quality specification"), blank=True)
    price_type = models.CharField(
        _("price terms"), max_length=20, choices=PriceType.choices, default=PriceType.FIXED
    )
    unit_price = money_field(_("unit price (fixed price or premium)"))
    market_reference = models.CharField(_("market reference"), max_length=200, blank=True)
    delivery_schedule = models.TextField(_("delivery schedule"), blank=True)
    payment_terms = models.TextField(_("payment terms"), blank=True)
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"))
    buyer_support = models.TextField(
        _("buyer's support"),
        blank=True,
        help_text=_("Technical assistance, inputs, pre-financing."),
    )
    created_by = actor_field(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "alliances_purchaseagreementversion"
        ordering = ["agreement", "number"]
        verbose_name = _("purchase agreement version")
        verbose_name_plural = _("purchase agreement versions")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="agreement_version_unique"
            ),
            models.CheckConstraint(condition=Q(annual_volume__gt=0), name="agreement_volume_pos"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="agreement_price_nonneg"),
            models.CheckConstraint(condition=Q(duration_months__gt=0), name="agreement_duration"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


class LegalizationRequirement(models.Model):
    """An item of the programme's checklist that must be done before signing (§3)."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="legalization_requirements"
    )
    code = models.CharField(_("code"), max_length=30)
    label = models.CharField(_("label"), max_length=255)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["program", "order", "id"]
        verbose_name = _("legalization requirement")
        verbose_name_plural = _("legalization requirements")
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="legalization_unique_code")
        ]

    def __str__(self) -> str:
        return self.label


class LegalizationCheck(models.Model):
    """A checklist item done for one alliance."""

    alliance = models.ForeignKey(
        "alliances.Alliance", on_delete=models.CASCADE, related_name="legalization_checks"
    )
    requirement = models.ForeignKey(
        LegalizationRequirement, on_delete=models.PROTECT, related_name="checks"
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    done_by = actor_field(_("done by"))
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("legalization check")
        verbose_name_plural = _("legalization checks")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "requirement"], name="legalization_check_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alliance_id} · {self.requirement}"


class GrantCommitment(models.Model):
    """Programme budget reserved for one approved plan."""

    plan = models.OneToOneField(
        "plans.BusinessPlan", on_delete=models.PROTECT, related_name="commitment"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="commitments")
    amount = money_field(_("committed amount"))
    released_amount = money_field(
        _("released amount"),
        default=ZERO,
        help_text=_("Undisbursed amount given back to the programme on cancellation."),
    )
    committed_by = actor_field(_("committed by"))
    committed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("grant commitment")
        verbose_name_plural = _("grant commitments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="commitment_amount_pos"),
            models.CheckConstraint(
                condition=Q(released_amount__gte=0) & Q(released_amount__lte=F("amount")),
                name="commitment_release_range",
            ),
        ]

    def __str__(self) -> str:
        return _("Commitment for %(plan)s") % {"plan": self.plan}


class Tranche(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        REQUESTED = "requested", _("Requested")
        VERIFIED = "verified", _("Verified")
        AUTHORIZED = "authorized", _("Authorized")
        PAID = "paid", _("Paid")

    commitment = models.ForeignKey(
        GrantCommitment, on_delete=models.PROTECT, related_name="tranches"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    amount = money_field(_("amount"))
    planned_date = models.DateField(_("planned date"))
    # Conditions added to the programme's standard ones (`standard_conditions`), as written.
    release_conditions = models.TextField(_("release conditions"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    requested_by = actor_field(_("requested by"), optional=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    verified_by = actor_field(_("verified by"), optional=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    authorized_by = actor_field(_("authorized by"), optional=True)
    authorized_at = models.DateTimeField(null=True, blank=True)
    # Moved by every save and every step (payments and reversals included): the API's
    # `updated_since` reads it through its index.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["commitment", "number"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        indexes = [
            models.Index(fields=["planned_date", "id"], name="tranche_planned_idx"),
            models.Index(fields=["updated_at", "id"], name="tranche_updated_idx"),
            # The tranches waiting for finance (a few of all), in the orders their lists
            # read them: the payments queue's page, the home's "to authorize or pay".
            models.Index(
                fields=["status", "planned_date", "id"],
                name="tranche_finance_queue_idx",
                condition=Q(status__in=["verified", "authorized"]),
            ),
            models.Index(
                fields=["authorized_at", "verified_at", "id"],
                name="tranche_finance_tasks_idx",
                condition=Q(status__in=["verified", "authorized"]),
            ),
            # The requests waiting for the officer's verification, oldest first.
            models.Index(
                fields=["requested_at", "id"],
                name="tranche_to_verify_idx",
                condition=Q(status="requested"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "number"], name="tranche_unique_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tranche_amount_pos"),
            models.CheckConstraint(condition=Q(number__gte=1), name="tranche_number_pos"),
            # Maker-checker: the person who verified never authorizes.
            models.CheckConstraint(
                condition=Q(authorized_by__isnull=True)
                | Q(verified_by__isnull=True)
                | ~Q(authorized_by=F("verified_by")),
                name="tranche_maker_checker",
            ),
        ]

    def __str__(self) -> str:
        return _("Tranche %(number)s of %(plan)s") % {
            "number": self.number,
            "plan": self.commitment.plan,
        }

    @property
    def standard_conditions(self) -> str:
        """The rule every tranche is released under (§4), worded in the reader's language:
        the first at signing, each next one after the previous is paid and the monitoring
        reports due since are accepted (`funding.services.tranche_step_decision`)."""
        return standard_conditions(self.number)

    @property
    def conditions_text(self) -> str:
        """The standard conditions, then any the programme added, as written."""
        extra = self.release_conditions.strip()
        if extra and extra in generated_conditions(self.number):
            extra = ""  # a schedule made before the rule was worded when read
        return f"{self.standard_conditions} {extra}".strip()


def standard_conditions(number: int) -> str:
    if number == 1:
        return gettext("Agreement signed and first counterpart deposit verified.")
    return gettext("Tranche %(previous)s paid and the monitoring report due since accepted.") % {
        "previous": number - 1
    }


def generated_conditions(number: int) -> set[str]:
    """The standard conditions in every shipped language: what schedules made before
    they were worded when read stored in `release_conditions`."""
    texts = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.add(standard_conditions(number))
    return texts


def signed_payment(path: str = ""):
    """A payment's amount counted as money out: a reversal counts negative. The one
    expression of "payments minus reversals"; `path` reaches the payment from another
    model ("payments__" from a tranche)."""
    return models.Case(
        models.When(**{f"{path}kind": Payment.Kind.REVERSAL}, then=-F(f"{path}amount")),
        default=F(f"{path}amount"),
        output_field=models.DecimalField(max_digits=18, decimal_places=2),
    )


class PaymentQuerySet(models.QuerySet):
    def net_paid(self) -> Decimal:
        """Payments minus reversals: the one door for "net paid" (tranche, commitment,
        programme ledgers all ask it)."""
        return self.aggregate(t=Coalesce(Sum(signed_payment()), models.Value(ZERO)))["t"]


class Payment(models.Model):
    """Money sent for a tranche. Never edited: a correction is a reversal row."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        REVERSAL = "reversal", _("Reversal")

    tranche = models.ForeignKey(Tranche, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PAYMENT)
    amount = money_field(_("amount"))
    paid_on = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=100)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name=_("reverses payment"),
    )
    reason = models.TextField(_("reason"), blank=True)
    recorded_by = actor_field(_("recorded by"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["tranche", "recorded_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        # The disbursements' sorts and filters (`updated_since` is `recorded_at`).
        indexes = [
            models.Index(fields=["recorded_at", "id"], name="payment_recorded_idx"),
            models.Index(fields=["paid_on", "id"], name="payment_paid_on_idx"),
            models.Index(fields=["kind"], name="payment_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_pos"),
            models.CheckConstraint(
                condition=(Q(kind="payment") & Q(reverses__isnull=True))
                | (Q(kind="reversal") & Q(reverses__isnull=False) & ~Q(reason="")),
                name="payment_reversal_shape",
            ),
            models.UniqueConstraint(
                fields=["reference"], condition=Q(kind="payment"), name="payment_unique_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class CounterpartContribution(models.Model):
    class Kind(models.TextChoices):
        PRODUCER_CASH = "producer_cash", _("Producer cash")
        PRODUCER_IN_KIND = "producer_in_kind", _("Producer in kind")
        BUYER = "buyer", _("Buyer")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        VERIFIED = "verified", _("Verified")

    plan = models.ForeignKey(
        "plans.BusinessPlan", on_delete=models.PROTECT, related_name="contributions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = money_field(_("amount"))
    contributed_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=255)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECORDED
    )
    recorded_by = actor_field(_("recorded by"))
    verified_by = actor_field(_("verified by"), optional=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "contributed_on", "id"]
        verbose_name = _("counterpart contribution")
        verbose_name_plural = _("counterpart contributions")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contribution_amount_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.amount}"
