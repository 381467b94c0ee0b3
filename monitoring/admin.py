"""Admin of monitoring: the indicator catalogue is configured here; reports, their values
and revolving funds are read here and changed only through their pages and services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from core.dates import ADMIN_DATES
from core.number_fields import ADMIN_NUMBERS

from .models import (
    Indicator,
    IndicatorBaseline,
    IndicatorTarget,
    IndicatorValue,
    MonitoringReport,
    RevolvingFund,
    RevolvingFundEntry,
)


@admin.register(Indicator)
class IndicatorAdmin(TranslationAdmin):
    """Names, units and descriptions are edited in English, French and Spanish side by
    side (monitoring/translation.py); the list shows them in the reader's language."""

    list_display = ("code", "name", "unit", "aggregation", "source", "by_sex", "by_youth", "active")
    list_filter = ("source", "aggregation", "active")
    search_fields = ("code", "name_en", "name_fr", "name_es")
    list_editable = ("active",)
    ordering = ("position", "code")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    ("name_en", "name_fr", "name_es"),
                    ("unit_en", "unit_fr", "unit_es"),
                    ("description_en", "description_fr", "description_es"),
                )
            },
        ),
        (
            _("Values"),
            {
                "fields": (
                    "aggregation",
                    "source",
                    "is_money",
                    "by_sex",
                    "by_youth",
                    "position",
                    "active",
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # Reports and exports refer to the code: it stays once values use it.
        if obj is not None and obj.values.exists():
            return ("code", "source")
        return ()


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class IndicatorValueInline(ReadOnlyInline):
    model = IndicatorValue
    fields = readonly_fields = ("indicator", "value", "women", "youth")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MonitoringReport)
class MonitoringReportAdmin(ReadOnlyAdmin):
    list_display = ("alliance", "period_start", "period_end", "due_on", "status")
    list_filter = ("status", "alliance__program", "alliance__region")
    search_fields = ("alliance__code", "alliance__name")
    date_hierarchy = "due_on"
    list_select_related = ("alliance",)
    inlines = [IndicatorValueInline]


@admin.register(IndicatorBaseline)
class IndicatorBaselineAdmin(admin.ModelAdmin):
    list_display = ("alliance", "indicator", "value", "measured_on")
    list_filter = ("indicator", "alliance__program")
    search_fields = ("alliance__code",)
    list_select_related = ("alliance", "indicator")
    autocomplete_fields = ("alliance",)
    formfield_overrides = {**ADMIN_DATES, **ADMIN_NUMBERS}


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(admin.ModelAdmin):
    list_display = ("alliance", "indicator", "year_label", "value")
    list_filter = ("indicator", "alliance__program")
    search_fields = ("alliance__code",)
    list_select_related = ("alliance", "indicator")
    autocomplete_fields = ("alliance",)
    formfield_overrides = ADMIN_NUMBERS

    @admin.display(description=_("plan year"), ordering="year")
    def year_label(self, obj):
        return obj.year or _("End of plan")


class RevolvingFundEntryInline(ReadOnlyInline):
    model = RevolvingFundEntry
    fields = readonly_fields = ("occurred_on", "kind", "amount", "member", "note", "recorded_by")


@admin.register(RevolvingFund)
class RevolvingFundAdmin(ReadOnlyAdmin):
    list_display = ("organization", "currency", "opened_on")
    search_fields = ("organization__name",)
    inlines = [RevolvingFundEntryInline]
