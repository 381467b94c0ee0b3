"""Settings for the productive alliance platform.

Every value comes from an environment variable with a safe development default, so
that `make run` works with nothing set: SQLite, Celery tasks run eagerly, e-mail on the
console, DEBUG on. Each variable is documented in README.md and .env.example.
"""

import datetime
import tempfile
from pathlib import Path

import csp.constants as csp
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-insecure-key-change-me"  # noqa: S105 - refused when DEBUG is off

env = environ.Env()
if env.bool("READ_DOT_ENV", default=False):
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Translated system data (indicator names, rubric criteria, checklists): before the
    # admin, as django-modeltranslation requires.
    "modeltranslation",
    # django.contrib.admin, with the platform's sign-in (two-factor aware).
    "accounts.admin_config.SecureAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Security (issue 8): two-factor sign-in, lockout, audit history, CSP.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "auditlog",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "health_check",  # /healthz/ (core/health.py)
    "dbbackup",  # `manage.py backup` and `restore` (core/management/commands)
    # The project's apps, lowest layer first (README, "Architecture"; `make lint`
    # enforces the order with an import contract).
    "core",
    "accounts",
    "alliances",
    "funding",
    "plans",
    "monitoring",
    "reports",
    "webhooks",
    "demo",
]

MIDDLEWARE = [
    # First: every response gets an X-Request-ID, and every record logged below carries it
    # (core/log_context.py; the user id is read when a record is made, after sign-in too).
    "core.log_context.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API answers gzipped for clients that accept it (below WhiteNoise, which
    # serves its own pre-compressed static files); BREACH: Django pads each compressed
    # body with up to 100 random bytes, and CSRF tokens are masked anew per request.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # was this session signed in with a code?
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.language.PreferredLanguageMiddleware",  # sign-in and profile set the language
    "accounts.two_factor.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.audit.AuditActorMiddleware",  # who made each audited change
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "plans.context_processors.tasks",
                "accounts.context_processors.notifications",
            ],
        },
    },
]

# Database: SQLite for a first look, PostgreSQL (psycopg2) whenever DATABASE_URL is set.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection is checked before a request reuses it (a restarted database).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's planner prices a random page read at 4 sequential ones, a figure for
# spinning disks; on SSDs, with the working set in memory, 1.1 is the usual one. At 4, one
# buyer's or one region's rows (a few hundred alliances of 50,000) are found by reading
# whole tables instead of their indexes (issue 17: 3.5 ms to 0.7 ms for one buyer's plans at
# 10,000). Set per connection; PG_RANDOM_PAGE_COST="" keeps the server's own.
PG_RANDOM_PAGE_COST = env.str("PG_RANDOM_PAGE_COST", default="1.1")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and PG_RANDOM_PAGE_COST:
    try:
        _page_cost = float(PG_RANDOM_PAGE_COST)
    except ValueError:
        raise ImproperlyConfigured("PG_RANDOM_PAGE_COST must be a number, e.g. 1.1.") from None
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options["options"] = (
        f"{_db_options.get('options', '')} -c random_page_cost={_page_cost}"
    ).strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalization: English, French and Spanish are shipped.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Where our date formats differ from Django's (a 24-hour clock in English); see core/formats.py.
FORMAT_MODULE_PATH = "core.locale_formats"
# System data users read has a column per language (name_en, name_fr, name_es: each app's
# translation.py); English is required and shown when a translation is empty.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "fr", "es")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Uploaded documents and generated reports are private: never under STATIC or a public URL.
MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private")
MEDIA_URL = "/private-media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Media in an S3-compatible bucket (AWS S3, MinIO, Ceph...) instead of PRIVATE_MEDIA_ROOT,
# when MEDIA_S3_BUCKET is set (django-storages). Files stay private: no public URL, every
# download goes through the permission-checked views. Report workers then write their
# part files in REPORT_WORK_DIR and upload them when finished.
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "access_key": env.str("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
REPORT_WORK_DIR = env.path(
    "REPORT_WORK_DIR", default=Path(tempfile.gettempdir()) / "alliances-reports"
)

# Cache: Redis (redis://...) in production, where throttles, lockout counts and cached
# figures must be shared by every process; local memory is allowed only with DEBUG on.
if not DEBUG and "CACHE_URL" not in env.ENVIRON:
    raise ImproperlyConfigured(
        "CACHE_URL must be set when DEBUG is off (e.g. redis://redis:6379/1): a cache per "
        "process would give each process its own throttles."
    )
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Fail open (core/cache.py): an unreachable Redis makes a miss and a logged warning,
    # never an error for the user; and it is given up on within half a second.
    CACHES["default"]["BACKEND"] = "core.cache.FailOpenRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    )
# Sessions are kept in the database and read through the cache (issue 17: no query for
# the session on every page); the database stays the record, so a cache that is away or
# emptied signs no one out (issue 16): a miss reads the row, a write goes to both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# "My tasks" counts in every page's header are kept per user this many seconds, and
# forgotten at every step concerning the user (accounts/worklist.py); 0: always counted.
TASK_COUNTS_CACHE_SECONDS = env.int("TASK_COUNTS_CACHE_SECONDS", default=60)

# E-mail: printed on the console by default; smtp://user:pass@host:587 in production.
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="alliances@localhost")

# Celery on Redis. Without a broker configured, tasks run eagerly in the process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default="CELERY_BROKER_URL" not in env.ENVIRON
)
CELERY_TASK_EAGER_PROPAGATES = True
# A web process that cannot reach the broker gives up on a message at once (the outbox
# keeps it for the sweep, core/outbox.py) instead of retrying for seconds in the request.
# A message taken by a worker that dies unacknowledged goes back to the queue after
# visibility_timeout (longer than any task, retry waits included); the report recovery
# sweep does not wait that long (REPORT_STALE_SECONDS).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "visibility_timeout": 3600,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TIMEZONE = TIME_ZONE
# Beat's scheduler touches BEAT_HEARTBEAT_FILE at each tick (the beat healthcheck, core/health.py).
CELERY_BEAT_SCHEDULER = "core.health.Scheduler"
BEAT_HEARTBEAT_FILE = env.path("BEAT_HEARTBEAT_FILE", default="/tmp/celerybeat-alive")  # noqa: S108
# The worker keeps LOGGING's handler (JSON lines with job_id) instead of its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Reports (issue 6; README "Reports") -------------------------------------------------

# Links in e-mails (a finished report) point to this address.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Generated report files are deleted this many days after they are ready.
REPORT_RETENTION_DAYS = env.int("REPORT_RETENTION_DAYS", default=30)
# A running report beats every REPORT_HEARTBEAT_SECONDS; one silent for
# REPORT_STALE_SECONDS lost its worker and is run again (at most REPORT_MAX_RUNS runs) by
# the recovery sweep (every REPORT_RECOVERY_SECONDS, and when a worker starts). A job
# queued for REPORT_RESEND_QUEUED_SECONDS without starting is sent to the queue again.
REPORT_HEARTBEAT_SECONDS = env.int("REPORT_HEARTBEAT_SECONDS", default=15)
REPORT_STALE_SECONDS = env.int("REPORT_STALE_SECONDS", default=60)
REPORT_RECOVERY_SECONDS = env.int("REPORT_RECOVERY_SECONDS", default=30)
REPORT_RESEND_QUEUED_SECONDS = env.int("REPORT_RESEND_QUEUED_SECONDS", default=600)
REPORT_MAX_RUNS = env.int("REPORT_MAX_RUNS", default=3)
# The IATI export (reports/generators/iati.py) is published by this organisation: its IATI
# organisation identifier (org-id.guide; "XX-" marks the default as unregistered) prefixes
# each activity's identifier (`<ref>-<alliance code>`), and its name is the reporting-org.
IATI_REPORTING_ORG_REF = env.str("IATI_REPORTING_ORG_REF", default="XX-ALLIANCES")
IATI_REPORTING_ORG_NAME = env.str(
    "IATI_REPORTING_ORG_NAME", default="Productive alliance programme"
)
# Celery beat (`celery -A config beat`): what runs when, in TIME_ZONE.
CELERY_BEAT_SCHEDULE = {
    # Tasks a committed action asked for while the broker was unreachable (core/outbox.py).
    "outbox-sweep": {"task": "core.tasks.deliver_outbox", "schedule": 60.0},
    # Webhook deliveries whose retry is due (their message may be lost: webhooks/services.py).
    "webhook-deliveries": {"task": "webhooks.tasks.deliver_due", "schedule": 60.0},
    # Report jobs whose worker died, or whose message was lost (reports/services.py).
    "report-recovery": {
        "task": "reports.tasks.recover_reports",
        "schedule": float(REPORT_RECOVERY_SECONDS),
    },
    "monthly-funder-portfolio-report": {
        "task": "reports.tasks.send_monthly_funder_reports",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
    },
    "daily-report-cleanup": {
        "task": "reports.tasks.cleanup_reports",
        "schedule": crontab(minute=30, hour=3),
    },
    "daily-overdue-report-reminders": {
        "task": "monitoring.tasks.send_overdue_reminders",
        "schedule": crontab(minute=0, hour=7),
    },
    # The dashboard's figures, all recomputed: steps refresh their own slice after commit,
    # this catches what changed without a step (monitoring/figures.py).
    "hourly-portfolio-figures": {
        "task": "monitoring.tasks.rebuild_portfolio_figures",
        "schedule": crontab(minute=20),
    },
}

# Webhooks (DESIGN §10; webhooks/): attempts per delivery before it fails, and whether
# they may go to loopback or private addresses (never in production: request forgery).
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=8)
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=False)

# Demo data (`python manage.py load_demo`).
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo")

# --- Backups (README "Backups") -----------------------------------------------------------

# `manage.py backup` writes the database and PRIVATE_MEDIA_ROOT (django-dbbackup) into
# BACKUP_DIR as two files sharing one name, the UTC time of the backup:
# alliances-2025-06-01-031500-db.psql.bin and alliances-2025-06-01-031500-media.tar.gz.
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "backups")
# Backups hold personal data: readable by their owner only.
STORAGES["dbbackup"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": str(BACKUP_DIR),
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}
DBBACKUP_FILENAME_TEMPLATE = "alliances-{datetime}-db.{extension}"
DBBACKUP_MEDIA_FILENAME_TEMPLATE = "alliances-{datetime}-media.{extension}"

# --- Security (issue 8; README "Security") -----------------------------------------------

# Cookies: over HTTPS only in production, and never readable by scripts (pages put the
# CSRF token in their forms; no script reads it from the cookie).
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS: plain http is redirected, and browsers are told to use only https (HSTS) for
# SECURE_HSTS_SECONDS. Behind TRUSTED_PROXY_COUNT reverse proxies, the client's address
# and scheme come from the X-Forwarded-For and X-Forwarded-Proto headers they set.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # probes from inside the network speak plain http
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: everything from our own origin; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

# Two-factor sign-in (django-otp): required for ministry staff site-wide when set, or
# per programme (Program.two_factor_required); see accounts.policy.must_use_two_factor.
TWO_FACTOR_REQUIRED_FOR_STAFF = env.bool("TWO_FACTOR_REQUIRED_FOR_STAFF", default=False)
OTP_TOTP_ISSUER = "Productive alliances"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows secrets or backup codes

# Lockout (django-axes; accounts/lockout.py): LOGIN_FAILURE_LIMIT failures within
# LOGIN_LOCKOUT_MINUTES on one account from one address lock that account for that
# address, and LOGIN_ACCOUNT_FAILURE_LIMIT failures on one account from anywhere lock the
# account, for that long. An address alone is never locked (an office behind one NAT
# address). An administrator unlocks at once by deleting the access attempts in the admin.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=20)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockoutBackend",  # first: refuses a locked-out account or address
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_USE_ATTEMPT_EXPIRATION = True  # only failures within the window count
# The account from one address, and the account alone (the order LockoutHandler reads).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip_address"
AXES_VERBOSE = False  # no banner on every start; lockouts are still logged

# Audit history (django-auditlog): the domain models are registered in accounts/audit.py.
AUDITLOG_DISABLE_ON_RAW_SAVE = True  # fixtures loaded with loaddata are not changes

# REST API v1 (§10): token or session authentication, JSON only, throttled per user and
# per address (throttle counts live in the default cache). A JSON body larger than
# API_MAX_BODY_BYTES, or nested deeper than core.api_input.MAX_JSON_DEPTH, is refused (400).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1_048_576)
# An API token expires this many days after it was issued; the user then asks for a new one.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token, refused once API_TOKEN_TTL_DAYS old, after a password change or
        # deactivation, or without the second factor the user's role requires.
        "accounts.api_tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api_input.JSONParser"],
    "DEFAULT_METADATA_CLASS": "core.api_input.Metadata",  # OPTIONS never a 500
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    # anon: per address; user: per signed-in user; auth: token requests, per address.
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "1200/minute", "auth": "10/minute"},
    # The client address as the lockout reads it: REMOTE_ADDR, or X-Forwarded-For as
    # written by TRUSTED_PROXY_COUNT proxies, so a forged header cannot dodge the throttle.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Productive alliances API",
    "DESCRIPTION": (
        "REST API v1 of the productive alliance platform (DESIGN.md §10). Authenticate with "
        "`POST /api/v1/auth/token/` and send `Authorization: Token <token>`; a browser "
        "session works too. Every list is paginated (`page`, `page_size` up to 200). "
        "Transitions are `POST` actions named as in the workflow, with hyphens. Errors are "
        "`{detail, reasons, fields}`: 400 bad input, 401 not signed in, 403 wrong role, "
        "404 not found or not visible, 409 not possible in the current state."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the sidecar package's static files: nothing fetched from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "PlanStatusEnum": "plans.models.PlanStatus",
        "TrancheStatusEnum": "funding.models.Tranche.Status",
        "AgreementStatusEnum": "funding.models.PurchaseAgreement.Status",
        "DeliveryStatusEnum": "alliances.models.Delivery.Status",
        "BuyerKindEnum": "alliances.models.Buyer.Kind",
        "FunderKindEnum": "alliances.models.Funder.Kind",
        "PaymentKindEnum": "funding.models.Payment.Kind",
        "MonitoringReportStatusEnum": "monitoring.models.MonitoringReport.Status",
        "ReportKindEnum": "reports.models.ReportKind",
        "ReportStatusEnum": "reports.models.ReportJob.Status",
        "PlanDocumentKindEnum": "plans.models.PlanDocument.Kind",
        "ContributionKindEnum": "funding.models.CounterpartContribution.Kind",
        "RevolvingFundEntryKindEnum": "monitoring.models.RevolvingFundEntry.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.add_error_responses",
    ],
}

# Logs on stderr: JSON lines in production (LOG_FORMAT=json, the default when DEBUG is off),
# one line each, with the request, user and job ids of core/log_context.py as fields (and
# any bound with `log_context`); a readable line with the ids in brackets in development.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.log_context.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message", "request_id", "user_id", "job_id"],
            "rename_fields": {
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
                "stack_info": "stack",
            },
            "timestamp": True,  # ISO 8601, UTC
        },
        "text": {
            "()": "core.log_context.TextFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(_ids)s%(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Eager tasks log every run at INFO; that is noise in a first look and in tests.
    # django-axes logs every sign-in at INFO; failures and lockouts are WARNING.
    "loggers": {"celery.app.trace": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
