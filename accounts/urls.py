"""Signing in and out, and the user's two-factor sign-in pages (under /accounts/)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import security_views

urlpatterns = [
    path("login/", security_views.SignInView.as_view(), name="login"),
    path("login/code/", security_views.SignInVerifyView.as_view(), name="login_verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", security_views.TwoFactorView.as_view(), name="two_factor"),
    path("two-factor/setup/", security_views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path(
        "two-factor/backup-codes/",
        security_views.BackupCodesView.as_view(),
        name="two_factor_backup_codes",
    ),
    path(
        "two-factor/turn-off/",
        security_views.TwoFactorTurnOffView.as_view(),
        name="two_factor_turn_off",
    ),
]
