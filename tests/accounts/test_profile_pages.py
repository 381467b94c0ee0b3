"""The profile page, the preferred language (on sign-in and on save), password change
and password reset by e-mail."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core import mail
from django.core.cache import cache
from django.template import loader
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
NEW_PASSWORD = "maize harvest under the baobab"
COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the reset e-mail throttle lives in the cache
    yield
    cache.clear()


def profile_of(user):
    user.refresh_from_db()
    return (
        user.first_name,
        user.last_name,
        user.email,
        user.preferred_language,
        user.email_notifications,
    )


PROFILE = {
    "first_name": "Adjoa",
    "last_name": "Houngbédji",
    "email": "adjoa@example.org",
    "preferred_language": "fr",
    "email_notifications": "",
}


# --- profile -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, db):
    for name in ("profile", "password_change", "notifications"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_profile_is_saved_and_its_language_becomes_active(client, world):
    client.force_login(world.producer)
    assert client.get(reverse("profile")).status_code == 200
    response = client.post(reverse("profile"), PROFILE)
    assert response.status_code == 302
    assert response.url == reverse("profile")
    assert profile_of(world.producer) == (
        "Adjoa",
        "Houngbédji",
        "adjoa@example.org",
        "fr",
        False,
    )
    assert response.cookies[COOKIE].value == "fr"
    # The next page is in French.
    page = client.get(reverse("profile"))
    assert page.headers["Content-Language"] == "fr"


def test_profile_without_a_language_leaves_the_cookie_alone(client, world):
    client.force_login(world.producer)
    response = client.post(reverse("profile"), {**PROFILE, "preferred_language": ""})
    assert response.status_code == 302
    assert COOKIE not in response.cookies
    assert profile_of(world.producer)[3] == ""


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"email": "not an address"}, {"email": ["Enter a valid email address."]}),
        (
            {"email": "PRODUCER_B@example.org"},
            {"email": ["Another account uses this e-mail address."]},
        ),
        (
            {"preferred_language": "de"},
            {
                "preferred_language": [
                    "Select a valid choice. de is not one of the available choices."
                ]
            },
        ),
    ],
)
def test_profile_errors_keep_the_input_and_save_nothing(client, world, changes, errors):
    before = profile_of(world.producer)
    client.force_login(world.producer)
    response = client.post(reverse("profile"), {**PROFILE, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert 'value="Houngbédji"' in response.content.decode()
    assert COOKIE not in response.cookies
    assert profile_of(world.producer) == before
    # The navigation still shows the saved name, not the one typed.
    assert response.context["user"].first_name == before[0]


def test_signing_in_sets_the_preferred_language(client, db):
    UserFactory(username="camila", preferred_language="es")
    response = client.post(reverse("login"), {"username": "camila", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "es"


def test_signing_in_without_a_preferred_language_sets_no_cookie(client, db):
    UserFactory(username="nolang")
    response = client.post(reverse("login"), {"username": "nolang", "password": PASSWORD})
    assert response.status_code == 302
    assert COOKIE not in response.cookies


# --- password change ---------------------------------------------------------------------


def test_password_is_changed(client, world):
    client.force_login(world.producer)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    assert client.get(response.url).status_code == 200
    assert authenticate(username="producer", password=NEW_PASSWORD) == world.producer


def test_password_change_errors_change_nothing(client, world):
    client.force_login(world.producer)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": "different"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "old_password": ["Your old password was entered incorrectly. Please enter it again."],
        "new_password2": ["The two password fields didn’t match."],
    }
    assert authenticate(username="producer", password=PASSWORD) == world.producer


# --- password reset ----------------------------------------------------------------------


def test_password_reset_sends_a_link_that_works(client, world):
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("password_reset"), {"email": "producer@example.org"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert client.get(response.url).status_code == 200
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["producer@example.org"]
    assert email.subject == "Choose a new password on testserver"
    assert "Your username is producer." in email.body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", email.body).group(1)

    form_page = client.get(link)  # Django swaps the token for a session and redirects
    assert form_page.status_code == 302
    assert client.get(form_page.url).context["validlink"] is True
    response = client.post(
        form_page.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("password_reset_complete")
    assert client.get(response.url).status_code == 200
    assert authenticate(username="producer", password=NEW_PASSWORD) == world.producer

    # The link works once.
    assert client.get(link).context["validlink"] is False


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_errors_keep_the_input(client, db):
    response = client.post(reverse("password_reset"), {"email": "not an address"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert 'value="not an address"' in response.content.decode()
    assert mail.outbox == []


def test_password_reset_email_is_written_in_the_users_language(client, db, monkeypatch):
    UserFactory(username="koffi", email="koffi@example.org", preferred_language="fr")
    languages = []
    render = loader.render_to_string

    def recording(template_name, *args, **kwargs):
        if template_name.startswith("registration/password_reset_"):
            languages.append(translation.get_language())
        return render(template_name, *args, **kwargs)

    monkeypatch.setattr(loader, "render_to_string", recording)
    client.post(reverse("password_reset"), {"email": "koffi@example.org"})
    assert languages == ["fr", "fr"]  # subject and body
    assert len(mail.outbox) == 1


def test_password_reset_mails_one_link_per_account_per_interval(client, world):
    for _ in range(3):
        response = client.post(reverse("password_reset"), {"email": "producer@example.org"})
        assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1


def test_inactive_user_gets_no_reset_link(client, db):
    User.objects.create_user("gone", "gone@example.org", PASSWORD, is_active=False)
    client.post(reverse("password_reset"), {"email": "gone@example.org"})
    assert mail.outbox == []
