"""Admin for the parties of an alliance, the alliance, its agreement and deliveries.

Alliances and purchase agreements are created and moved by their services
(`plans.services.alliance_propose`, `funding.agreements.agreement_*`): here their
status is shown, never edited.
"""

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from accounts import policy
from core.dates import ADMIN_DATES
from core.money import format_money
from core.number_fields import ADMIN_NUMBERS

from .models import (
    Alliance,
    Buyer,
    Delivery,
    Funder,
    Member,
    PlanStatus,
    ProducerOrganization,
    Product,
    Region,
    TechnicalAssistanceProvider,
    ValueChain,
)
from .personal_data import mask


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "country")
    list_filter = ("country",)
    search_fields = ("code", "name")


NAMES = ("name_en", "name_fr", "name_es")


class ProductInline(TranslationTabularInline):
    """Product names in English, French and Spanish side by side (alliances/translation.py)."""

    model = Product
    extra = 0
    fields = ("name", "unit")


@admin.register(ValueChain)
class ValueChainAdmin(TranslationAdmin):
    """Names in English, French and Spanish side by side (alliances/translation.py); the
    list shows them in the reader's language."""

    list_display = ("code", "name")
    search_fields = ("code", *NAMES)
    fields = ("code", NAMES)
    inlines = (ProductInline,)


@admin.register(Product)
class ProductAdmin(TranslationAdmin):
    list_display = ("name", "unit", "value_chain")
    list_filter = ("value_chain",)
    search_fields = (*NAMES, *(f"value_chain__{name}" for name in NAMES))
    fields = ("value_chain", NAMES, "unit")
    list_select_related = ("value_chain",)


class PersonalDataMixin:
    """National ID numbers and bank details, for a staff user the policy does not let see
    them (`can_see_personal_data`), are shown masked and cannot be changed. Entering them
    on an add page reveals nothing, so the field is open there."""

    personal_fields: tuple[str, ...] = ()

    def organization_of(self, obj):
        return obj

    def hides_personal_data(self, request, obj) -> bool:
        return obj is not None and not policy.can_see_personal_data(
            request.user, self.organization_of(obj)
        )

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self.hides_personal_data(request, obj):
            return fields
        return [f"{f}_masked" if f in self.personal_fields else f for f in fields]

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not self.hides_personal_data(request, obj):
            return readonly
        return readonly + tuple(f"{f}_masked" for f in self.personal_fields)

    @admin.display(description=_("national ID number"))
    def national_id_masked(self, obj) -> str:
        return mask(obj.national_id) if obj and obj.national_id else "—"

    @admin.display(description=_("bank account number"))
    def bank_account_number_masked(self, obj) -> str:
        return mask(obj.bank_account_number) if obj and obj.bank_account_number else "—"


class MemberInline(PersonalDataMixin, admin.TabularInline):
    model = Member
    extra = 0
    formfield_overrides = {**ADMIN_DATES, **ADMIN_NUMBERS}
    fields = (
        "name",
        "national_id",
        "sex",
        "birth_year",
        "land_area_ha",
        "role",
        "active",
        "joined_on",
    )
    # The inline is given the organization as obj (None on its add page: no members yet).
    personal_fields = ("national_id",)


@admin.register(ProducerOrganization)
class ProducerOrganizationAdmin(PersonalDataMixin, admin.ModelAdmin):
    list_display = ("name", "registration_number", "legal_form", "region", "member_count")
    list_filter = ("legal_form", "region")
    search_fields = ("name", "registration_number")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    readonly_fields = ("created_at",)
    inlines = (MemberInline,)
    personal_fields = ("bank_account_number",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=Count("members"))

    @admin.display(description=_("members"), ordering="_member_count")
    def member_count(self, obj: ProducerOrganization) -> int:
        return obj._member_count


@admin.register(Member)
class MemberAdmin(PersonalDataMixin, admin.ModelAdmin):
    list_display = ("name", "organization", "sex", "birth_year", "land_area_ha", "role", "active")
    list_filter = ("sex", "role", "active")
    search_fields = ("name", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    personal_fields = ("national_id",)
    formfield_overrides = {**ADMIN_DATES, **ADMIN_NUMBERS}

    def organization_of(self, obj: Member) -> ProducerOrganization:
        return obj.organization


@admin.register(Buyer)
class BuyerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country", "registration_number", "email")
    list_filter = ("kind", "country")
    search_fields = ("name", "registration_number")


@admin.register(Funder)
class FunderAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(TechnicalAssistanceProvider)
class TechnicalAssistanceProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "organization_count")
    search_fields = ("name",)
    filter_horizontal = ("organizations",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_organization_count=Count("organizations"))

    @admin.display(description=_("accompanied organizations"), ordering="_organization_count")
    def organization_count(self, obj: TechnicalAssistanceProvider) -> int:
        return obj._organization_count


@admin.register(Alliance)
class AllianceAdmin(admin.ModelAdmin):
    """Alliances are proposed with their plan (`alliance_propose`); only the name is edited
    here: the parties and the programme are fixed once the plan exists."""

    list_display = (
        "code",
        "name",
        "program",
        "producer_organization",
        "buyer",
        "region",
        "stage_display",
    )
    list_filter = ("program", "region", "value_chain", "plan__status")
    search_fields = ("code", "name", "producer_organization__name", "buyer__name")
    list_select_related = ("program", "producer_organization", "buyer", "region", "plan")
    fields = (
        "code",
        "name",
        "program",
        "producer_organization",
        "buyer",
        "value_chain",
        "product",
        "region",
        "stage_display",
        "plan_link",
        "created_at",
    )
    readonly_fields = (
        "code",
        "program",
        "producer_organization",
        "buyer",
        "value_chain",
        "product",
        "region",
        "stage_display",
        "plan_link",
        "created_at",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("stage"), ordering="plan__status")
    def stage_display(self, obj: Alliance) -> str:
        stage = obj.stage
        return PlanStatus(stage).label if stage else "—"

    @admin.display(description=_("business plan"))
    def plan_link(self, obj: Alliance) -> str:
        plan = getattr(obj, "plan", None)
        if plan is None:
            return "—"
        url = reverse("admin:plans_businessplan_change", args=[plan.pk])
        return format_html('<a href="{}">{}</a>', url, plan)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The buyer confirms or disputes a delivery; once it has, the record stays as is."""

    list_display = (
        "alliance",
        "delivered_on",
        "volume",
        "quality_grade",
        "price",
        "status",
        "recorded_by",
    )
    list_filter = ("status", "alliance__program")
    search_fields = ("alliance__code", "alliance__name", "quality_grade")
    list_select_related = ("alliance", "alliance__program", "recorded_by")
    date_hierarchy = "delivered_on"
    autocomplete_fields = ("alliance", "recorded_by")
    readonly_fields = ("status", "dispute_reason", "created_at", "updated_at")
    formfield_overrides = {**ADMIN_DATES, **ADMIN_NUMBERS}

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != Delivery.Status.RECORDED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Delivery.Status.RECORDED:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("unit price"), ordering="unit_price")
    def price(self, obj: Delivery) -> str:
        return format_money(obj.unit_price, obj.alliance.program.currency)
