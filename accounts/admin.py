"""Admin for users, their memberships (roles) and their notifications."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import STAFF_ROLES, Membership, Notification, Role, User

# The organization a role binds its holder to (§1); staff roles bind to none.
ROLE_BINDING = {
    Role.PRODUCER: "producer_organization",
    Role.BUYER: "buyer",
    Role.FUNDER: "funder",
    Role.TA_PROVIDER: "ta_provider",
}
BINDING_FIELDS = ("producer_organization", "buyer", "funder", "ta_provider")


class MembershipForm(forms.ModelForm):
    """Says in words what the `membership_binding_matches_role` constraint enforces."""

    class Meta:
        model = Membership
        fields = ("role", *BINDING_FIELDS, "regions")

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if not role:
            return cleaned
        required = ROLE_BINDING.get(role)
        for name in BINDING_FIELDS:
            value = cleaned.get(name)
            if name == required and not value:
                self.add_error(name, _("This role needs its organization."))
            elif name != required and value:
                self.add_error(name, _("Leave this empty for the chosen role."))
        if role not in STAFF_ROLES and cleaned.get("regions"):
            self.add_error("regions", _("Only ministry staff roles are scoped to regions."))
        return cleaned


class MembershipInline(admin.StackedInline):
    model = Membership
    form = MembershipForm
    extra = 0
    fields = ("role", *BINDING_FIELDS, "regions")
    autocomplete_fields = BINDING_FIELDS
    filter_horizontal = ("regions",)
    verbose_name = _("role")
    verbose_name_plural = _("roles")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("preferred_language", "email_notifications")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    inlines = (MembershipInline,)
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "roles",
        "is_staff",
        "is_active",
    )
    list_filter = (*DjangoUserAdmin.list_filter, "memberships__role", "preferred_language")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships")

    def get_inline_instances(self, request, obj=None):
        # Roles are given on the change page, once the user exists.
        if obj is None:
            return []
        return super().get_inline_instances(request, obj)

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(str(m.get_role_display()) for m in obj.memberships.all())


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    fields = ("user", "role", *BINDING_FIELDS, "regions")
    list_display = ("user", "role", "bound_to", "region_names")
    list_filter = ("role", "regions")
    search_fields = (
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "producer_organization__name",
        "buyer__name",
        "funder__name",
        "ta_provider__name",
    )
    autocomplete_fields = ("user", *BINDING_FIELDS)
    filter_horizontal = ("regions",)
    list_select_related = ("user", *BINDING_FIELDS)
    ordering = ("user__username", "role")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("regions")

    @admin.display(description=_("bound to"))
    def bound_to(self, obj: Membership) -> str:
        bound = obj.producer_organization or obj.buyer or obj.funder or obj.ta_provider
        return str(bound) if bound else "—"

    @admin.display(description=_("regions"))
    def region_names(self, obj: Membership) -> str:
        names = [r.name for r in obj.regions.all()]
        if names:
            return ", ".join(names)
        return str(_("national")) if obj.role in STAFF_ROLES else "—"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """In-app notices are written by the workflow; the admin only reads them."""

    list_display = ("recipient", "alliance", "notice", "created_at", "read_at", "emailed_at")
    list_filter = (
        ("read_at", admin.EmptyFieldListFilter),
        ("emailed_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("recipient__username", "alliance__code", "message")
    list_select_related = ("recipient", "alliance", "transition_log")
    date_hierarchy = "created_at"

    @admin.display(description=_("message"))
    def notice(self, obj: Notification) -> str:
        return obj.text  # in the administrator's language

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
