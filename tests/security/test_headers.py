"""Security headers on the pages, production settings, and `check --deploy`."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.test_deployment import SETTINGS_VARIABLES

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 30 + "-production-like-secret-key-for-the-test-only",
    "ALLOWED_HOSTS": "alliances.example.org",
    "CACHE_URL": "redis://127.0.0.1:6379/15",  # required in production; fails open
}


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter with production-like settings only: none of the
    settings variables of this process, nor the async-unsafe switch the browser tests set."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in SETTINGS_VARIABLES and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **variables)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_code(client, admin_client):
    for response in (client.get(reverse("login")), admin_client.get(reverse("admin:index"))):
        assert response.status_code == 200
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        directives = _csp(response)
        assert directives["default-src"] == ["'self'"]
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["img-src"] == ["'self'", "data:"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["object-src"] == ["'none'"]


@pytest.mark.django_db
def test_pages_deny_framing_sniffing_and_foreign_referrers(client):
    response = client.get(reverse("login"))

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_hsts_is_sent_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000

    response = client.get(reverse("login"), secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_templates_have_no_inline_script_style_or_handlers():
    offenders = []
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path.name}: inline <script>")
        if re.search(r"<style\b|\sstyle=", text):
            offenders.append(f"{path.name}: inline style")
        if re.search(r"\son[a-z]+=", text):
            offenders.append(f"{path.name}: inline event handler")
    assert offenders == []


def test_check_deploy_is_clean_with_production_settings():
    result = run_python(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_secure_the_cookies_and_the_transport():
    code = """
import json
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in (
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "X_FRAME_OPTIONS",
)}))
"""
    result = run_python(code, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "X_FRAME_OPTIONS": "DENY",
    }


def test_docker_compose_over_plain_http_does_not_redirect_to_https():
    import yaml

    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())

    assert compose["x-app-env"]["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-0}"
