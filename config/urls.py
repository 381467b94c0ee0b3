from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from accounts import views as account_views
from core.health import health
from plans.views import history as plan_history

urlpatterns = [
    path("", include("plans.urls")),
    # Agreements, legalization, disbursement, finance queue, programme ledgers (issue 4).
    path("", include("funding.urls")),
    # Sign-in (password, then a code for two-factor users), sign-out, two-factor pages.
    path("accounts/", include("accounts.urls")),
    path("plans/<int:pk>/history/", plan_history.plan_history, name="plan-history"),
    # REST API v1, its OpenAPI schema and docs (DESIGN.md §10).
    path("api/", include("config.api_urls")),
    path("reports/", include("reports.urls")),
    # Monitoring reports, deliveries, indicators, revolving funds, portfolio (issue 5).
    path("monitoring/", include("monitoring.urls")),
    # --- profile, notifications, password change and reset; producer organizations ---
    path("accounts/profile/", account_views.profile, name="profile"),
    path("accounts/password/change/", account_views.password_change, name="password_change"),
    path(
        "accounts/password/change/done/",
        account_views.password_change_done,
        name="password_change_done",
    ),
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        account_views.password_reset_done,
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        account_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        account_views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("notifications/", account_views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", account_views.notification_read, name="notification-read"),
    path(
        "notifications/read-all/",
        account_views.notifications_read_all,
        name="notifications-read-all",
    ),
    path("organizations/", include("alliances.urls")),
    # --- end of profile, notifications and organizations ---
    path("i18n/", include("django.conf.urls.i18n")),
    # Database, cache, media storage and broker, for load balancers and compose (core/health.py).
    path("healthz/", health, name="healthz"),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page links: the static icon (base.html).
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("img/favicon.ico"), permanent=True),
    ),
]

# Error pages that show the user's message (a 404 written for them) and never the server.
handler404 = "core.error_pages.page_not_found"
handler500 = "core.error_pages.server_error"
