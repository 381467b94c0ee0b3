"""The user's own pages: profile, notifications, password change and reset.

Sign-in and sign-out live in `accounts.security_views`; the password pages are Django's
views with the project's templates.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .forms import PasswordResetForm, ProfileForm
from .language import use_language
from .models import Notification
from .notifications import (
    notification_mark_read,
    notification_path,
    notifications_mark_all_read,
    notifications_of,
)

NOTIFICATIONS_PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    # A copy: a form that does not validate must not change the signed-in user's name.
    form = ProfileForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(request.user)
    )
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.preferred_language:
            use_language(request, user.preferred_language)
        messages.success(request, _("Your profile is saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of(request.user), NOTIFICATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for notification in page.object_list:
        notification.link = notification_path(notification)
    return render(request, "accounts/notifications.html", {"page": page})


def _back_to_list(request) -> HttpResponse:
    page = request.POST.get("page", "")
    url = reverse("notifications")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(notification_id=pk, user=request.user)
    return _back_to_list(request)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)
    messages.success(request, _("All your notifications are marked as read."))
    return _back_to_list(request)


password_change = auth_views.PasswordChangeView.as_view()
password_change_done = auth_views.PasswordChangeDoneView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    form_class=PasswordResetForm,
    subject_template_name="registration/password_reset_subject.txt",
    email_template_name="registration/password_reset_email.txt",
)
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
