"""The parties of an alliance and what they trade.

Regions, value chains and products; producer organizations and their member roster;
buyers, public funders and technical-assistance providers; the alliance itself and the
deliveries made to its buyer. (The purchase agreement is funding's: it is signed with the
grant agreement.)
"""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import actor_field
from core.money import money_field

YOUTH_AGE_LIMIT = 35  # §5: youth are members under 35


# The stages of an alliance's life (§3). Its business plan carries the stage
# (`plans.BusinessPlan.status`) and the plan's workflow moves it; it is named here, at
# the alliance, because deliveries, agreements and lists of alliances read it too.
class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    APPRAISAL = "appraisal", _("Appraisal")
    COMMITTEE = "committee", _("Committee decision")
    REVISION_REQUESTED = "revision_requested", _("Revision requested")
    APPROVED = "approved", _("Approved")
    ACTIVE = "active", _("Active")
    MONITORING = "monitoring", _("Monitoring")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")
    SUSPENDED = "suspended", _("Suspended")


class Region(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country (ISO 3166 code)"), max_length=2)

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class ValueChain(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("value chain")
        verbose_name_plural = _("value chains")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    value_chain = models.ForeignKey(ValueChain, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=20, help_text=_("e.g. kg, t, l"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["value_chain", "name"], name="product_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class ProducerOrganization(models.Model):
    class LegalForm(models.TextChoices):
        COOPERATIVE = "cooperative", _("Cooperative")
        ASSOCIATION = "association", _("Association")
        UNION = "union", _("Union of cooperatives")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    registration_number = models.CharField(_("registration number"), max_length=60, blank=True)
    legal_form = models.CharField(
        _("legal form"), max_length=20, choices=LegalForm.choices, default=LegalForm.COOPERATIVE
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organizations")
    founded_year = models.PositiveSmallIntegerField(_("year founded"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Personal and financial data: shown only where `policy.can_see_personal_data` allows.
    bank_name = models.CharField(_("bank"), max_length=120, blank=True)
    bank_account_number = models.CharField(_("bank account number"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("producer organization")
        verbose_name_plural = _("producer organizations")
        # The lists' sorts and filters (issue 17); the name's trigram index, for search, is
        # PostgreSQL's (migration 0007).
        indexes = [
            models.Index(fields=["name", "id"], name="organization_name_idx"),
            models.Index(fields=["created_at"], name="organization_created_idx"),
            models.Index(fields=["legal_form"], name="organization_legal_form_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["registration_number"],
                condition=~Q(registration_number=""),
                name="organization_unique_registration",
            )
        ]

    def __str__(self) -> str:
        return self.name


class MemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def youth(self, on: datetime.date | None = None):
        year = (on or datetime.date.today()).year
        return self.filter(birth_year__gt=year - YOUTH_AGE_LIMIT)

    def counts(self, on: datetime.date | None = None) -> dict[str, int]:
        """Beneficiary figures of §5, counted from the roster: members, women, youth."""
        year = (on or datetime.date.today()).year
        return self.aggregate(
            members=models.Count("id"),
            women=models.Count("id", filter=Q(sex=Member.Sex.FEMALE)),
            youth=models.Count("id", filter=Q(birth_year__gt=year - YOUTH_AGE_LIMIT)),
        )


class Member(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    class MemberRole(models.TextChoices):
        MEMBER = "member", _("Member")
        PRESIDENT = "president", _("President")
        TREASURER = "treasurer", _("Treasurer")
        SECRETARY = "secretary", _("Secretary")
        BOARD = "board", _("Board member")

    organization = models.ForeignKey(
        ProducerOrganization, on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("name"), max_length=200)
    # Personal data: shown only where `policy.can_see_personal_data` allows.
    national_id = models.CharField(_("national ID number"), max_length=40, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    land_area_ha = models.DecimalField(
        _("land area (ha)"), max_digits=9, decimal_places=2, default=0
    )
    role = models.CharField(
        _("role in the organization"),
        max_length=20,
        choices=MemberRole.choices,
        default=MemberRole.MEMBER,
    )
    active = models.BooleanField(_("active"), default=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__gte=1900) & Q(birth_year__lte=2100),
                name="member_birth_year_plausible",
            ),
            models.CheckConstraint(condition=Q(land_area_ha__gte=0), name="member_land_nonneg"),
        ]

    def __str__(self) -> str:
        return self.name


class Buyer(models.Model):
    class Kind(models.TextChoices):
        PROCESSOR = "processor", _("Processor")
        EXPORTER = "exporter", _("Exporter")
        RETAILER = "retailer", _("Retailer")
        INSTITUTIONAL = "institutional", _("Institutional purchaser")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.CharField(_("country (ISO 3166 code)"), max_length=2)
    registration_number = models.CharField(_("registration number"), max_length=60, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        indexes = [
            models.Index(fields=["name", "id"], name="buyer_name_idx"),
            models.Index(fields=["kind"], name="buyer_kind_idx"),
            models.Index(fields=["country"], name="buyer_country_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Funder(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government")
        DEVELOPMENT_BANK = "development_bank", _("Development bank")
        DONOR = "donor", _("Bilateral or multilateral donor")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.CharField(_("country (ISO 3166 code)"), max_length=2, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("funder")
        verbose_name_plural = _("funders")

    def __str__(self) -> str:
        return self.name


class TechnicalAssistanceProvider(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    organizations = models.ManyToManyField(
        ProducerOrganization,
        blank=True,
        related_name="ta_providers",
        verbose_name=_("accompanied organizations"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("technical assistance provider")
        verbose_name_plural = _("technical assistance providers")

    def __str__(self) -> str:
        return self.name


class Alliance(models.Model):
    """A producer organization, a buyer and a programme around one business plan.

    Its stage is its business plan's status (`stage`)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    program = models.ForeignKey(
        "funding.Program", on_delete=models.PROTECT, related_name="alliances"
    )
    producer_organization = models.ForeignKey(
        ProducerOrganization, on_delete=models.PROTECT, related_name="alliances"
    )
    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="alliances")
    value_chain = models.ForeignKey(ValueChain, on_delete=models.PROTECT, related_name="alliances")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="alliances")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="alliances")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")
        indexes = [
            models.Index(fields=["name"], name="alliance_name_idx"),
            models.Index(fields=["created_at"], name="alliance_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def stage(self) -> str | None:
        plan = getattr(self, "plan", None)
        return plan.status if plan else None

    @property
    def currency(self) -> str:
        return self.program.currency


class Delivery(models.Model):
    """A delivery to the buyer, recorded by the PO and confirmed or disputed (§7)."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        CONFIRMED = "confirmed", _("Confirmed by the buyer")
        DISPUTED = "disputed", _("Disputed by the buyer")

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField(_("delivery date"))
    volume = models.DecimalField(_("volume"), max_digits=14, decimal_places=3)
    quality_grade = models.CharField(_("quality grade"), max_length=40, blank=True)
    unit_price = money_field(_("unit price"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECORDED, db_index=True
    )
    dispute_reason = models.TextField(_("reason for dispute"), blank=True)
    recorded_by = actor_field(_("recorded by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["delivered_on", "id"], name="delivery_delivered_idx"),
            models.Index(fields=["updated_at"], name="delivery_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(volume__gt=0), name="delivery_volume_pos"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="delivery_price_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.alliance.code} · {self.delivered_on}"
