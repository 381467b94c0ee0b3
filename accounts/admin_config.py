"""django.contrib.admin with the platform's admin site (`accounts.admin_site`).

A module of its own: an AppConfig is imported before the models are loaded."""

from django.contrib.admin.apps import AdminConfig


class SecureAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.SecureAdminSite"
