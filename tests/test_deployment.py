"""Deployment files stay in step with the settings.

The settings read their configuration from environment variables; docker-compose.yml,
.env.example and README.md must name exactly those, and the settings themselves must
refuse an insecure production start and fall back to the embedded default (SQLite, eager
tasks, console e-mail) when nothing is set.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_FILE = BASE_DIR / "config" / "settings.py"

# env.bool("DEBUG", ...), env.db("DATABASE_URL", ...), and the presence test used for
# CELERY_TASK_ALWAYS_EAGER's default.
ENV_CALL = re.compile(r'\benv\.\w+\(\s*"([A-Z][A-Z0-9_]*)"')
ENV_PRESENCE = re.compile(r'"([A-Z][A-Z0-9_]*)" not in env\.ENVIRON')
ANY_ENV_CALL = re.compile(r"\benv\.(?!ENVIRON\b)\w+\(")


def settings_variables() -> set[str]:
    source = SETTINGS_FILE.read_text()
    # Every env.<type>(...) call must name its variable literally, or this list is incomplete.
    assert len(ANY_ENV_CALL.findall(source)) == len(ENV_CALL.findall(source))
    return set(ENV_CALL.findall(source)) | set(ENV_PRESENCE.findall(source))


SETTINGS_VARIABLES = settings_variables()


def test_settings_variables_are_found():
    # Guards the regular expressions: a pattern that matched nothing would make the
    # checks below pass vacuously.
    assert {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "READ_DOT_ENV",
    } <= SETTINGS_VARIABLES


# --- docker-compose.yml ---------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    import yaml  # imported here so that a missing PyYAML fails these tests only

    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_services(compose):
    assert {"db", "redis", "web", "worker", "beat"} <= set(compose["services"])
    assert compose["services"]["db"]["image"].startswith("postgres:16")
    assert compose["services"]["redis"]["image"].startswith("redis:7")


def test_compose_commands(compose):
    services = compose["services"]
    web = services["web"]["command"]
    assert "gunicorn" in web
    assert "config.wsgi:application" in web
    assert "manage.py migrate" in web
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")


def test_compose_app_environment(compose):
    app_env = compose["x-app-env"]
    unknown = set(app_env) - SETTINGS_VARIABLES
    assert unknown == set(), f"not read by config/settings.py: {sorted(unknown)}"
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ALLOWED_HOSTS"} <= set(app_env)
    assert app_env["DEBUG"] == "0"
    assert app_env["DATABASE_URL"] == "postgres://alliances:alliances@db:5432/alliances"
    # No default secret: compose refuses to start without one.
    assert app_env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    for name in ("web", "worker", "beat"):
        assert compose["services"][name]["environment"] == app_env, name


def test_compose_private_media_shared_by_web_and_worker(compose):
    root = compose["x-app-env"]["PRIVATE_MEDIA_ROOT"]
    for name in ("web", "worker"):
        assert any(
            volume.split(":")[1] == root and volume.split(":")[0] in compose["volumes"]
            for volume in compose["services"][name]["volumes"]
        ), name


def test_dockerfile_build_key_passes_the_settings_check():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    match = re.search(r"SECRET_KEY=(\S+)", dockerfile)
    assert match is not None
    assert len(match.group(1)) >= 50
    assert "collectstatic" in dockerfile


# --- .env.example and README.md -------------------------------------------------------


def test_env_example_documents_exactly_the_settings_variables():
    text = (BASE_DIR / ".env.example").read_text()
    assigned = set(re.findall(r"^#?[ \t]*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))
    described = set(re.findall(r"^#[ \t]*([A-Z][A-Z0-9_]*):", text, flags=re.MULTILINE))
    assert assigned == SETTINGS_VARIABLES
    assert described == SETTINGS_VARIABLES


def test_readme_documents_every_variable_and_the_two_commands():
    text = (BASE_DIR / "README.md").read_text()
    missing = {name for name in SETTINGS_VARIABLES if f"`{name}`" not in text}
    assert missing == set()
    assert "make run" in text
    assert "make test" in text


# --- settings in a fresh process ------------------------------------------------------


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    """Run code in a new interpreter with none of the settings variables set but these."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **variables)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


SETUP = "import django; django.setup()"


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_python(SETUP, DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_refuses_a_short_secret_key_when_debug_is_off():
    result = run_python(SETUP, DEBUG="0", SECRET_KEY="x" * 49)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_starts_with_debug_off_and_a_long_secret_key():
    result = run_python(SETUP, DEBUG="0", SECRET_KEY="k" * 60)
    assert result.returncode == 0, result.stderr


READ_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "email_backend": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
}))
"""


def read_settings(**variables: str) -> dict:
    result = run_python(READ_SETTINGS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_with_nothing_set():
    assert read_settings() == {
        "engine": "django.db.backends.sqlite3",
        "eager": True,
        "email_backend": "django.core.mail.backends.console.EmailBackend",
        "debug": True,
    }


def test_database_url_selects_postgresql():
    values = read_settings(DATABASE_URL="postgres://alliances:alliances@db:5432/alliances")
    assert values["engine"] == "django.db.backends.postgresql"


def test_broker_url_turns_eager_tasks_off():
    assert read_settings(CELERY_BROKER_URL="redis://redis:6379/0")["eager"] is False
