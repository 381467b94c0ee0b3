"""Monitoring pages, by topic: periodic reports and the M&E status board (`reports`),
deliveries, indicators and revolving funds (`deliveries`), the portfolio dashboard
(`dashboard`). Each module lists its own `urlpatterns`."""
