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


APP_SERVICES = ("migrate", "web", "worker", "beat")


def test_compose_services(compose):
    assert {"db", "redis", *APP_SERVICES} <= set(compose["services"])
    assert compose["services"]["db"]["image"].startswith("postgres:16")
    assert compose["services"]["redis"]["image"].startswith("redis:7")


def test_compose_commands(compose):
    services = compose["services"]
    web = services["web"]["command"]
    assert "gunicorn" in web
    assert "config.wsgi:application" in web
    assert "migrate" not in web  # replicas would race: the one-shot service migrates
    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")


def test_compose_app_services_wait_for_the_migration_and_their_services(compose):
    services = compose["services"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}, name


def test_compose_every_long_running_service_has_a_healthcheck_and_a_grace_period(compose):
    services = compose["services"]
    for name in ("db", "redis", "web", "worker", "beat"):
        check = services[name]["healthcheck"]
        assert check["test"] and check["interval"] and check["retries"], name
        assert services[name]["stop_grace_period"], name
    assert services["web"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "manage.py",
        "healthcheck",
        "web",
    ]
    assert "inspect ping" in services["worker"]["healthcheck"]["test"][1]
    assert services["beat"]["healthcheck"]["test"][:5] == [
        "CMD",
        "python",
        "manage.py",
        "healthcheck",
        "beat",
    ]
    # A worker stopping gets longer than a request to finish what it runs.
    seconds = {
        name: int(service["stop_grace_period"].rstrip("s"))
        for name, service in services.items()
        if "stop_grace_period" in service
    }
    assert seconds["worker"] > seconds["web"]


def test_compose_app_environment(compose):
    app_env = compose["x-app-env"]
    unknown = set(app_env) - SETTINGS_VARIABLES
    assert unknown == set(), f"not read by config/settings.py: {sorted(unknown)}"
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "ALLOWED_HOSTS"} <= set(app_env)
    assert {"SITE_URL", "BACKUP_DIR", "PRIVATE_MEDIA_ROOT"} <= set(app_env)
    assert app_env["DEBUG"] == "0"
    assert app_env["CACHE_URL"].startswith("redis://redis:6379/")
    assert app_env["DATABASE_URL"] == (
        "postgres://alliances:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@db:5432/alliances"
    )
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["environment"] == app_env, name
        assert service["env_file"] == [{"path": ".env", "required": True}], name


def test_compose_has_no_literal_secret(compose):
    """Passwords and keys come from .env: the file only refers to them."""
    text = (BASE_DIR / "docker-compose.yml").read_text()
    assert "SECRET_KEY" not in compose["x-app-env"]  # from .env (env_file), required there
    secrets = re.findall(
        r"^\s*(\w*(?:PASSWORD|SECRET|TOKEN)\w*):\s+(\S+)", text, flags=re.MULTILINE
    )
    assert secrets, "the pattern must see the database password line"
    for name, value in secrets:
        assert value.strip('"').startswith("${"), f"{name} is written in the file"
    assert compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )
    # The password inside DATABASE_URL is the same variable, never a literal.
    assert re.search(r"postgres://alliances:\$\{POSTGRES_PASSWORD", text)


def test_compose_files_on_volumes_shared_by_web_and_worker(compose):
    app_env = compose["x-app-env"]
    for root in (app_env["PRIVATE_MEDIA_ROOT"], app_env["BACKUP_DIR"]):
        for name in ("web", "worker", "migrate"):
            assert any(
                volume.split(":")[1] == root and volume.split(":")[0] in compose["volumes"]
                for volume in compose["services"][name]["volumes"]
            ), (name, root)


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
    result = run_python(SETUP, DEBUG="0", SECRET_KEY="k" * 60, CACHE_URL="redis://redis:6379/1")
    assert result.returncode == 0, result.stderr


def test_refuses_a_cache_per_process_when_debug_is_off():
    # Throttles and lockout counts must be shared by every process of an installation.
    result = run_python(SETUP, DEBUG="0", SECRET_KEY="k" * 60)
    assert result.returncode != 0
    assert "CACHE_URL must be set when DEBUG is off" in result.stderr


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
