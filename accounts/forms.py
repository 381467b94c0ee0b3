"""The user's own pages: profile (with language and e-mail opt-out) and password reset."""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import User

# One reset e-mail per account per interval: the form cannot be used to flood a mailbox.
RESET_EMAIL_INTERVAL_SECONDS = 120


class ProfileForm(forms.ModelForm):
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=[("", _("The language chosen in the menu"))] + list(settings.LANGUAGES),
        required=False,
        help_text=_("Pages and e-mails are shown in this language after you sign in."),
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "preferred_language", "email_notifications"]
        help_texts = {
            "email": _("Notifications and password reset links are sent to this address."),
            "email_notifications": _(
                "Untick to stop e-mails; notifications stay listed on the Notifications page."
            ),
        }
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists()
        if email and taken:
            raise forms.ValidationError(
                _("Another account uses this e-mail address."), code="duplicate"
            )
        return email


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form; the e-mail is written in the user's preferred language."""

    def get_users(self, email):
        for user in super().get_users(email):
            if cache.add(f"password-reset-sent:{user.pk}", 1, RESET_EMAIL_INTERVAL_SECONDS):
                yield user

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        language = context["user"].preferred_language or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
