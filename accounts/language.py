"""Pages in the user's preferred language.

On sign-in (the `user_logged_in` signal) and when the profile is saved, the user's
preferred language becomes the active one: `use_language` activates it for the rest of
the request and asks `PreferredLanguageMiddleware` to set Django's language cookie on the
response, which `LocaleMiddleware` reads on the next requests. The language menu still
changes the cookie for the session at hand.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

_REQUEST_ATTRIBUTE = "_preferred_language"


def use_language(request, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        return
    translation.activate(language)
    setattr(request, _REQUEST_ATTRIBUTE, language)


@receiver(user_logged_in, dispatch_uid="accounts.language.sign_in")
def _sign_in_in_preferred_language(sender, request, user, **kwargs):
    if request is not None and getattr(user, "preferred_language", ""):
        use_language(request, user.preferred_language)


class PreferredLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        language = getattr(request, _REQUEST_ATTRIBUTE, None)
        if language:
            # As django.views.i18n.set_language does.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
