"""The administration site, with the platform's sign-in.

The admin's own login form would sign a user in with a password alone; here it sends
people to the platform's sign-in page instead (password, then an authentication code
for those who use two-factor sign-in), and the admin opens only for a session signed in
with a code when the user must use one or has one.

Installed in place of `django.contrib.admin` (INSTALLED_APPS:
`accounts.admin_config.SecureAdminConfig`), so `admin.site` and `@admin.register` keep
working everywhere.
"""

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse

from . import policy, two_factor


class SecureAdminSite(AdminSite):
    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        user = request.user
        if user.is_verified():
            return True
        return not (policy.must_use_two_factor(user) or two_factor.has_two_factor(user))

    def login(self, request, extra_context=None):
        index = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated and self.has_permission(request):
            return HttpResponseRedirect(index)
        return redirect_to_login(request.GET.get("next") or index)
