"""Monitoring pages (§7 deliveries, §8 monitoring), under /monitoring/."""

from .views import dashboard, deliveries, indicators, reports, revolving_fund

app_name = "monitoring"

urlpatterns = (
    reports.urlpatterns
    + deliveries.urlpatterns
    + indicators.urlpatterns
    + revolving_fund.urlpatterns
    + dashboard.urlpatterns
)
