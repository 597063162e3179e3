"""Settings for Super SIM Admin, read from the environment only (django-environ).

Nothing configured -> SQLite file + Celery tasks run in-process (eager) + the embedded sandbox.
``DATABASE_URL`` / ``REDIS_URL`` set -> PostgreSQL + Redis + a real Celery worker.
``PRODUCTION=true`` -> the hardened settings that pass ``manage.py check --deploy``.
Every secret may also be given as ``NAME_FILE`` (a path whose content is the value).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file() and not os.environ.get("SUPERSIM_IGNORE_DOTENV"):
    environ.Env.read_env(BASE_DIR / ".env")


def env_secret(name: str, default: str = "") -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker/K8s secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return env.str(name, default=default)


PRODUCTION = env.bool("PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

_DEV_SECRET = "dev-insecure-secret-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = env_secret("SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("PRODUCTION=true needs a long random SECRET_KEY (or SECRET_KEY_FILE).")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "django_tables2",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "apps.core",
    "apps.accounts",
    "apps.audit",
    "apps.supersim",
    "apps.fleets",
    "apps.networks",
    "apps.sims",
    "apps.esims",
    "apps.commands",
    "apps.usage",
    "apps.sync",
    "apps.sandbox",
    "apps.api",
    "apps.events",
    "apps.annotations",  # before the apps that register their models in its local-data backup
    "apps.alerts",
    "apps.search",
    "apps.savedviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.audit.middleware.RequestIdMiddleware",
    "apps.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.SessionTimeoutMiddleware",
    "apps.core.middleware.HtmxLoginRequiredMiddleware",  # LoginRequiredMiddleware + htmx 401
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.core.middleware.HtmxMessagesMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "supersim_admin.urls"
WSGI_APPLICATION = "supersim_admin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions + a busy timeout: the threaded dev server, the embedded sandbox and
    # in-process sync tasks write to one file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -------------------------------------------------------------------------------
REDIS_URL = env_secret("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=1800)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=1900)
_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=7200)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": _VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": _VISIBILITY_TIMEOUT}
CELERY_VISIBILITY_TIMEOUT = _VISIBILITY_TIMEOUT
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10.0
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
SYNC_INTERVAL_SECONDS = env.int("SYNC_INTERVAL_SECONDS", default=900)
CELERY_BEAT_SCHEDULE: dict = {
    # every resource synced every SYNC_INTERVAL_SECONDS, and at once after an interrupted run; runs of a
    # killed worker failed, queued runs whose message was lost (Redis restarted) sent again
    # (a tick a busy worker has not started within its period is dropped: the next one does the same)
    "sync-reconcile": {"task": "sync.reconcile", "schedule": 10.0, "options": {"expires": 9.0}},
    # background jobs whose worker died: re-queue their unfinished items (leases make it safe)
    "jobs-resume-stalled": {"task": "core.jobs_resume_stalled", "schedule": 60.0},
    # connection events: prune past the retention; re-queue batches whose queueing was lost
    "events-prune": {"task": "events.prune", "schedule": 3600.0},
    "events-process-queued": {"task": "events.process_queued", "schedule": 300.0},
    # alert rules evaluated (also after each usage sync and batch of connection events: apps.alerts.signals)
    "alerts-evaluate": {
        "task": "alerts.evaluate",
        "schedule": float(env.int("ALERT_EVALUATE_SECONDS", default=300)),
        "options": {"expires": 60.0},
    },
}
# connection events are processed on a queue of their own (a worker of their own: docker-compose.yml)
CELERY_TASK_ROUTES = {"events.*": {"queue": "events"}}
# apps.sync: lock lifetime (kept alive by the running sync's heartbeat; a killed worker's lock is free this
# long after it stopped), task retries on rate limits/outages, usage windows
SYNC_LOCK_TIMEOUT = env.int("SYNC_LOCK_TIMEOUT", default=20)
SYNC_TASK_MAX_RETRIES = env.int("SYNC_TASK_MAX_RETRIES", default=3)
SYNC_RETRY_BASE_SECONDS = env.float("SYNC_RETRY_BASE_SECONDS", default=30.0)
SYNC_RETRY_MAX_SECONDS = env.float("SYNC_RETRY_MAX_SECONDS", default=600.0)
SYNC_QUEUED_STALE_SECONDS = env.int("SYNC_QUEUED_STALE_SECONDS", default=_VISIBILITY_TIMEOUT)
SYNC_USAGE_INITIAL_DAYS = env.int("SYNC_USAGE_INITIAL_DAYS", default=90)
SYNC_USAGE_HOURLY_DAYS = env.int("SYNC_USAGE_HOURLY_DAYS", default=2)
# apps.sims: SIM counts per fleet and status, cached until a SIM is written (at most this long)
SIM_COUNTS_CACHE_SECONDS = env.int("SIM_COUNTS_CACHE_SECONDS", default=60)
# Code-level defaults (not read from the environment; tests override them): the onboarding CSV's limits,
# the usage warning threshold (% of a fleet's data limit) and the usage cache, and how long after a command
# is sent its page refreshes it from the API.
ONBOARDING_CSV_MAX_BYTES = 5 * 1024 * 1024
ONBOARDING_CSV_MAX_ROWS = 20_000
USAGE_WARNING_PERCENT = 80
USAGE_CACHE_SECONDS = 3600
COMMANDS_REFRESH_AFTER_SECONDS = 5

# --- The Super SIM API (Twilio or KORE) -----------------------------------------------------------------
SUPERSIM_API_BASE_URL = env.str("SUPERSIM_API_BASE_URL", default="https://supersim.twilio.com").rstrip("/")
# "basic": Twilio HTTP Basic (account SID + auth token, or API key SID + secret).
# "kore": OAuth2 client credentials against KORE_TOKEN_URL, bearer token.
SUPERSIM_AUTH_MODE = env.str("SUPERSIM_AUTH_MODE", default="basic")
TWILIO_ACCOUNT_SID = env_secret("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env_secret("TWILIO_AUTH_TOKEN", default="")
TWILIO_API_KEY = env_secret("TWILIO_API_KEY", default="")
TWILIO_API_SECRET = env_secret("TWILIO_API_SECRET", default="")
KORE_CLIENT_ID = env_secret("KORE_CLIENT_ID", default="")
KORE_CLIENT_SECRET = env_secret("KORE_CLIENT_SECRET", default="")
KORE_TOKEN_URL = env.str(
    "KORE_TOKEN_URL", default="https://api.korewireless.com/api-services/v1/auth/token"
)  # kore_token_api_v1.json
SUPERSIM_CONNECT_TIMEOUT = env.float("SUPERSIM_CONNECT_TIMEOUT", default=5.0)
SUPERSIM_READ_TIMEOUT = env.float("SUPERSIM_READ_TIMEOUT", default=30.0)
SUPERSIM_MAX_RETRIES = env.int("SUPERSIM_MAX_RETRIES", default=5)
SUPERSIM_PAGE_SIZE = env.int("SUPERSIM_PAGE_SIZE", default=1000)
SUPERSIM_RETRY_BACKOFF = env.float("SUPERSIM_RETRY_BACKOFF", default=0.5)  # seconds, doubled per retry
SUPERSIM_RETRY_BACKOFF_MAX = env.float("SUPERSIM_RETRY_BACKOFF_MAX", default=30.0)
SUPERSIM_RETRY_AFTER_MAX = env.float("SUPERSIM_RETRY_AFTER_MAX", default=60.0)  # cap on Retry-After
SUPERSIM_TOKEN_RENEW_MARGIN = env.float("SUPERSIM_TOKEN_RENEW_MARGIN", default=60.0)  # KORE token

# Webhooks: "twilio" (X-Twilio-Signature, HMAC-SHA1 with the auth token) or "kore" (kore-signature).
WEBHOOK_SIGNATURE_SCHEME = env.str("WEBHOOK_SIGNATURE_SCHEME", default="twilio")
KORE_WEBHOOK_SECRET = env_secret("KORE_WEBHOOK_SECRET", default="")
# The public URL Twilio/KORE calls (the signature covers it); empty -> built from the request.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")

# Connection events (apps.events): the ingest webhook's HTTP Basic credentials (the sink URL's user info),
# its size cap, the retention and what "online" means.
CONNECTION_EVENTS_BASIC_USERNAME = env.str("CONNECTION_EVENTS_BASIC_USERNAME", default="")
CONNECTION_EVENTS_BASIC_PASSWORD = env_secret("CONNECTION_EVENTS_BASIC_PASSWORD", default="")
CONNECTION_EVENTS_MAX_BYTES = env.int("CONNECTION_EVENTS_MAX_BYTES", default=1024 * 1024)
CONNECTION_EVENTS_RETENTION_DAYS = env.int("CONNECTION_EVENTS_RETENTION_DAYS", default=30)
CONNECTION_EVENTS_PRUNE_BATCH = env.int("CONNECTION_EVENTS_PRUNE_BATCH", default=5000)
# online = attached within this many minutes, or in a data session updated within the stale limit
CONNECTION_EVENTS_ONLINE_MINUTES = env.int("CONNECTION_EVENTS_ONLINE_MINUTES", default=60)
CONNECTION_EVENTS_SESSION_STALE_HOURS = env.int("CONNECTION_EVENTS_SESSION_STALE_HOURS", default=6)
# the map of last-known locations: a tile server's URL template ({z}/{x}/{y}, optional {s}) where a deployment
# has one (its origin is then allowed in the map page's CSP); empty: the vendored world outline
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")

# Alerts (apps/alerts): evaluation triggers, deliveries (webhooks retried with backoff), digests.
ALERT_EVALUATE_SECONDS = env.int("ALERT_EVALUATE_SECONDS", default=300)  # the beat schedule above
ALERT_TRIGGER_DEBOUNCE_SECONDS = env.int("ALERT_TRIGGER_DEBOUNCE_SECONDS", default=30)
ALERT_DELIVERY_MAX_RETRIES = env.int("ALERT_DELIVERY_MAX_RETRIES", default=5)
ALERT_RETRY_BASE_SECONDS = env.float("ALERT_RETRY_BASE_SECONDS", default=30.0)  # doubled per retry
ALERT_RETRY_MAX_SECONDS = env.float("ALERT_RETRY_MAX_SECONDS", default=1800.0)
ALERT_WEBHOOK_TIMEOUT = env.float("ALERT_WEBHOOK_TIMEOUT", default=10.0)
ALERT_CHANNEL_FAILING_AFTER = env.int("ALERT_CHANNEL_FAILING_AFTER", default=3)  # failed attempts in a row
ALERT_DIGEST_LIST = env.int("ALERT_DIGEST_LIST", default=50)  # alerts listed in a digest message
ALERT_DIGEST_MAX_IDS = 10_000  # alert ids a digest delivery keeps

# Email (alert notifications): Django's SMTP backend, configured from the environment.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Super SIM Admin <alerts@localhost>")

# --- The sandbox (API emulator) -------------------------------------------------------------------------
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=not PRODUCTION)
SANDBOX_ACCOUNT_SID = env.str("SANDBOX_ACCOUNT_SID", default="AC00000000000000000000000000000000")
SANDBOX_AUTH_TOKEN = env_secret("SANDBOX_AUTH_TOKEN", default="sandbox-auth-token")
SANDBOX_API_KEY = env.str("SANDBOX_API_KEY", default="SK00000000000000000000000000000000")
SANDBOX_API_SECRET = env_secret("SANDBOX_API_SECRET", default="sandbox-api-secret")
SANDBOX_KORE_CLIENT_ID = env.str("SANDBOX_KORE_CLIENT_ID", default="sandbox-kore-client")
SANDBOX_KORE_CLIENT_SECRET = env_secret("SANDBOX_KORE_CLIENT_SECRET", default="sandbox-kore-secret")
SANDBOX_PORT = env.int("SANDBOX_PORT", default=8765)
# connection events the sandbox posts (apps/sandbox/events.py): sink URLs, credentials in the user info
SANDBOX_EVENT_SINKS = env.list("SANDBOX_EVENT_SINKS", default=[])
# fault injection of those deliveries: the share of batches sent shuffled and then once more (0..1)
SANDBOX_EVENT_FAULT_RATE = env.float("SANDBOX_EVENT_FAULT_RATE", default=0.0)
# Whose API the sandbox plays: "twilio" (Basic auth, Twilio's spec) or "kore" (bearer tokens only, KORE's
# spec and PageSize caps, callbacks signed with kore-signature).
SANDBOX_PROVIDER = env.str("SANDBOX_PROVIDER", default="twilio").lower()
SANDBOX_TOKEN_TTL_SECONDS = env.int("SANDBOX_TOKEN_TTL_SECONDS", default=3600)
SANDBOX_KORE_WEBHOOK_SECRET = env_secret("SANDBOX_KORE_WEBHOOK_SECRET", default="sandbox-kore-webhook-secret")
SANDBOX_SCHEDULE_DELAY_SECONDS = env.float("SANDBOX_SCHEDULE_DELAY_SECONDS", default=3.0)
# Fault injection: share of requests (0..1) answered 429 / 5xx, and an added delay in ms.
SANDBOX_FAULT_429_RATE = env.float("SANDBOX_FAULT_429_RATE", default=0.0)
SANDBOX_FAULT_500_RATE = env.float("SANDBOX_FAULT_500_RATE", default=0.0)
SANDBOX_FAULT_DELAY_MS = env.int("SANDBOX_FAULT_DELAY_MS", default=0)
SANDBOX_FAULT_503_RATE = 0.0  # (tests set these; not deployment knobs)
SANDBOX_FAULT_RETRY_AFTER = 1  # the Retry-After (s) of an injected 429
# the sandbox's background dispatcher (callbacks, scheduled changes): off while pytest runs
SANDBOX_DISPATCHER_ENABLED = "pytest" not in sys.modules

# --- Auth, sessions, login throttling -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "apps.accounts.oidc.SsoBackend",  # OpenID Connect; answers nothing unless OIDC_ISSUER is set
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 3600)  # absolute lifetime
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Trusted reverse proxies in front of the app: the client IP is the PROXY_COUNT-th X-Forwarded-For entry
# from the right (apps/accounts/ip.py), for axes and the audit log alike.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "apps.accounts.ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# the second factor's code never lands in axes' AccessAttempt.post_data
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# Two-factor login (apps/accounts/mfa.py): TOTP via django-otp + single-use recovery codes. MFA_REQUIRED:
# "none" (who enrolled is asked), "admins" (admins must enrol, at their next login), "all".
MFA_REQUIRED = env.str("MFA_REQUIRED", default="none").strip().lower()
if MFA_REQUIRED not in ("none", "admins", "all"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("MFA_REQUIRED must be none, admins or all.")
MFA_LOGIN_STEP_SECONDS = env.int("MFA_LOGIN_STEP_SECONDS", default=300)  # password -> code, at most
OTP_TOTP_ISSUER = env.str("MFA_ISSUER", default="Super SIM Admin")
OTP_TOTP_THROTTLE_FACTOR = 0  # failed codes are throttled by django-axes (the login's lockout), not here

# Single sign-on with any OpenID Connect provider (apps/accounts/oidc.py, on mozilla-django-oidc). The
# provider's endpoints come from its discovery document ({OIDC_ISSUER}/.well-known/openid-configuration).
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env_secret("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_RP_SIGN_ALGO = env.str("OIDC_SIGN_ALGO", default="RS256")
# the claim holding the user's groups, and group -> role ("dash-admins=admin,dash-ops=operator,staff=viewer");
# the highest mapped role wins, evaluated at every login; no mapped group -> OIDC_DEFAULT_ROLE, empty: refused
OIDC_ROLE_CLAIM = env.str("OIDC_ROLE_CLAIM", default="groups")
OIDC_ROLE_MAP = env.dict("OIDC_ROLE_MAP", default={})
OIDC_DEFAULT_ROLE = env.str("OIDC_DEFAULT_ROLE", default="")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="single sign-on")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
OIDC_STORE_ID_TOKEN = True  # for the provider's logout (id_token_hint)
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
# false: only superusers (break-glass) log in with a password; everyone else through OIDC
PASSWORD_LOGIN = env.bool("PASSWORD_LOGIN", default=True)

# --- Security headers -----------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
elif env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- I18N, static ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DJANGO_TABLES2_TEMPLATE = "core/_table.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Background jobs (apps/core/jobs.py) ------------------------------------------------------------------
JOB_CHUNK_SIZE = env.int("JOB_CHUNK_SIZE", default=200)
JOB_ITEM_LEASE_SECONDS = env.int("JOB_ITEM_LEASE_SECONDS", default=300)
# Without a broker (make run on SQLite) jobs run in a background thread so pages answer at once.
JOBS_RUN_IN_THREAD = env.bool("JOBS_RUN_IN_THREAD", default=not REDIS_URL)

# --- REST API (apps/api, /api/v1/) -------------------------------------------------------------------------
# Per-token (per-user for the session) request rate, counted in the cache (Redis when configured).
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/min")
# Invalid tokens per client address and minute before that address is told to wait (429), whatever token.
API_AUTH_FAILURES_PER_MINUTE = env.int("API_AUTH_FAILURES_PER_MINUTE", default=30)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.api.auth.ApiTokenAuthentication",
        "apps.api.auth.ApiSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.auth.RolePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.auth.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.IdCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],  # no browsable API: inline scripts
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Super SIM Admin API",
    "DESCRIPTION": "The dashboard's data and actions. Authenticate with `Authorization: Bearer <token>` "
    "(tokens: /api/v1/tokens/). Errors are RFC 9457 problem details (application/problem+json).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["apps.api.auth.RolePermission"],  # the schema for signed-in users / tokens
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"HttpMethodEnum": "apps.fleets.choices.HttpMethod"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.add_problem_responses",
    ],
}
