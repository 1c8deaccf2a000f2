"""LedgerBridge settings: every value comes from the environment (see .env.example).

Defaults give a newcomer a working portal: SQLite, django-q2 on the ORM broker, the database
cache. Set DATABASE_URL for PostgreSQL and REDIS_URL for the Redis broker and cache.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="insecure-dev-only-change-me-" + "x" * 32)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Key that encrypts connection credentials at rest (Fernet, urlsafe base64 of 32 bytes).
# Several keys may be given, comma-separated, newest first, to rotate.
# The default is for development only; `manage.py check --deploy` warns while it is in use.
CREDENTIALS_KEYS = env.list("CREDENTIALS_KEYS", default=["kTqV8N1xv0Vb6mK3yJm3l0a8c7xWm1bJ0e3s9Zt2Q5c="])

# The sandbox (KashFlow + AX simulators) is on in the demo and tests, off in production unless enabled.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)
# Shared token guarding the sandbox control API, reads too; without one it answers only while DEBUG is on.
SANDBOX_CONTROL_TOKEN = env("SANDBOX_CONTROL_TOKEN", default="")
# Requests per minute the simulated KashFlow demo account accepts before answering 429.
SANDBOX_KASHFLOW_RATE_LIMIT = env.int("SANDBOX_KASHFLOW_RATE_LIMIT", default=600)
# The portal's own base URL: the sandbox tells connectors where its simulators live.
PORTAL_URL = env("PORTAL_URL", default="http://127.0.0.1:8000")

# Hosts (names, addresses or networks such as 10.20.0.0/16) inside the network that connections and alert
# webhooks may reach: an on-premises AX server, the sandbox in the demo. Everything else that resolves to a
# loopback, link-local, private or multicast address is refused (server-side request forgery).
# With the sandbox on, its own host (PORTAL_URL's) is allowed unless the variable says otherwise.
ALLOWED_PRIVATE_HOSTS = env.list(
    "ALLOWED_PRIVATE_HOSTS", default=[urlsplit(PORTAL_URL).hostname or ""] if SANDBOX_ENABLED else []
)

# HMAC secret of webhook pushes. Empty, short (< 32) or an example value: the endpoint refuses every push.
WEBHOOK_SECRET = env("WEBHOOK_SECRET", default="")

# --- Sync engine (read through integrations.sync.config) ----------------------------------------
# Retries of one remote call: calls in all, first backoff, longest wait, longest Retry-After honoured (s).
SYNC_RETRY = {
    "attempts": env.int("SYNC_RETRY_ATTEMPTS", default=5),
    "base": env.float("SYNC_RETRY_BASE_SECONDS", default=0.5),
    "cap": env.float("SYNC_RETRY_CAP_SECONDS", default=30.0),
    "max_retry_after": env.float("SYNC_RETRY_MAX_RETRY_AFTER_SECONDS", default=120.0),
}
SYNC_HEARTBEAT_SECONDS = env.float("SYNC_HEARTBEAT_SECONDS", default=5.0)
SYNC_STALL_SECONDS = env.int("SYNC_STALL_SECONDS", default=120)
# Circuit breaker: records (or runs) in a row that cannot reach the remote system pause the flow this long.
# Flow health reads the same threshold: that many failed runs in a row is "failing".
SYNC_CIRCUIT_THRESHOLD = env.int("SYNC_CIRCUIT_THRESHOLD", default=3)
SYNC_CIRCUIT_PAUSE_SECONDS = env.int("SYNC_CIRCUIT_PAUSE_SECONDS", default=300)
SYNC_TIMEOUTS_BEFORE_BATCHING = env.int("SYNC_TIMEOUTS_BEFORE_BATCHING", default=3)
# A document AX acknowledged only by "Duplicate message" (create-only services) whose key reconciliation has not
# confirmed after this many hours goes to the exception queue.
SYNC_UNCONFIRMED_KEY_HOURS = env.float("SYNC_UNCONFIRMED_KEY_HOURS", default=24.0)
SYNC_WATERMARK_OVERLAP_SECONDS = env.float("SYNC_WATERMARK_OVERLAP_SECONDS", default=2.0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_htmx",
    "django_q",
    "axes",
    "config.apps.ConfigConfig",
    "accounts",
    "integrations",
    "integrations.sandbox",
    "integrations.reconciliation",
    "mappings",
    "mappings.banking",
    "mappings.refdata",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: answers 429 to a locked-out login
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.context_processors.portal",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + immediate transactions let the web server and the worker cluster share one file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_ledgerbridge")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, workers ------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A database cache is shared by every process, so the per-connection rate limiter holds across workers.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "ledgerbridge_cache"}}

# A company with at most this many linked records is reconciled within the page's request; a larger one in the worker.
RECONCILE_INLINE_MAX_LINKS = env.int("RECONCILE_INLINE_MAX_LINKS", default=500)

Q_CLUSTER = {
    "name": "ledgerbridge",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=1800),
    "retry": env.int("Q_RETRY", default=1900),  # must stay above timeout (see django-q2 docs)
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 1000,
    "poll": 0.5,
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Brute force on /login/ and /admin/login/ (both authenticate through these backends): django-axes counts
# failures per username and, separately, per client address; at the limit that username or that address is
# locked out (429) for the cool-off time. Attempts and lockouts are in the admin ("Axes"), where an
# administrator also lifts one early.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
# Proxies in front of the portal that append to X-Forwarded-For (0: REMOTE_ADDR is the client).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "monitoring:dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- I18N, static ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies through config.json_guard: deep nesting, huge numbers and NaN are a 400 listing the problems.
    "DEFAULT_PARSER_CLASSES": [
        "config.api_parsers.GuardedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LedgerBridge API",
    "VERSION": "1.0.0",
    # Swagger UI and Redoc from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}
# API tokens (django-rest-knox): stored as a SHA-512 digest, shown once, and each expires.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_DAYS", default=30)),
    "TOKEN_PREFIX": "lb_",
    "TOKEN_LIMIT_PER_USER": 20,
    "AUTO_REFRESH": False,
}

# --- Email (alerts) --------------------------------------------------------------------------
# EMAIL_URL as django-environ reads it, e.g. smtp+tls://user:password@mail.example.com:587
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ledgerbridge@localhost")

# --- Security (production) -------------------------------------------------------------------
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp; Django 5.2 has none of its own). Scripts only from our own static
# files: no inline script, no eval (page behaviours are data attributes read by static/js/*.js).
# No inline styles either: templates carry no style attribute or element (a test checks), htmx is told not to
# inject its indicator style nor copy style attributes when it settles a swap (base.html's htmx-config), and
# only the API docs pages, whose Swagger UI and Redoc style themselves at run time, add 'unsafe-inline' for
# styles (config/urls.py). Redoc runs a worker from a blob: URL.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Logging: one JSON object per line ------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
    "filters": {"redact": {"()": "config.logging.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "zeep": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
