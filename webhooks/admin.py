from django.contrib import admin

from .models import Delivery, Webhook


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "owner", "program", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "owner__username"]
    exclude = ["secret"]  # never shown; the owner sets it through the API
    readonly_fields = ["owner", "url", "events", "program", "created_at"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "webhook", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False
