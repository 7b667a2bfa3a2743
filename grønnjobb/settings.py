"""Settings for GrønnJobb, read from the environment (django-environ).

DJANGO_ENV selects the configuration:
- "development" (manage.py's default): DEBUG on, SQLite, console e-mail, no secrets needed.
- "production" (wsgi/asgi's default): every secret must be set or start-up stops.
See .env.example for every variable.
"""

import datetime
from pathlib import Path

import django_stubs_ext
import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# Django's generic classes (ModelAdmin[Company] and the like) accept type arguments at run time,
# as their stubs declare.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="production")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")


def _required(name: str, development_default: str) -> str:
    """A setting that has a default for development and none in production."""
    if PRODUCTION:
        value: str = env.str(name, default="")
        if not value:
            raise ImproperlyConfigured(f"The environment variable {name} must be set in production.")
        return value
    default: str = env.str(name, default=development_default)
    return default


SECRET_KEY = _required("SECRET_KEY", "development-only-secret-key-not-for-production-use-0123456789")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("The environment variable ALLOWED_HOSTS must be set in production.")
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
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "hr",
    "tripletex",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "grønnjobb.middleware.LanguageMiddleware",
    "grønnjobb.middleware.ControlCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the lockout flag the authentication backend set on the way in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "grønnjobb.urls"

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
                "hr.context_processors.membership",
            ],
        },
    },
]

WSGI_APPLICATION = "grønnjobb.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
if (
    PRODUCTION
    and DATABASES["default"]["ENGINE"].endswith("sqlite3")
    and not env.bool("ALLOW_SQLITE_IN_PRODUCTION", default=False)
):
    raise ImproperlyConfigured("Set DATABASE_URL to a PostgreSQL database in production.")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # `make run` has the web, a Celery worker and beat writing one SQLite file at once. WAL lets
    # readers go on while one connection writes; IMMEDIATE takes the write lock when a transaction
    # begins, so a writer that has to wait waits (up to `timeout` seconds) instead of failing with
    # «database is locked» when a transaction that began by reading tries to write. (An in-memory
    # test database ignores WAL.) See docs/transfer.md#sqlite.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The same backend, told SQLite's real limit of parameters per statement (grønnjobb/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "grønnjobb.sqlite"
    # Tests in memory, as with Django's own engine (test runners recognise only that engine's name).
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No JIT compilation: PostgreSQL compiles a query whose estimated cost passes jit_above_cost,
    # which the per-entry transfer-state look-ups of «Rapporter» and its exports do at a month of a
    # company of 300: the compiling then took a third of the query's time (docs/performance.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "hr.User"
# Axes first: it refuses a locked-out username or address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "hr:home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "hr.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600  # an invitation link stays valid for a week

# Language and locale: Norwegian bokmål first, English through i18n.
LANGUAGE_CODE = "nb"
# Each language is named in itself, as language pickers do.
LANGUAGES = [("nb", "Norsk bokmål"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["grønnjobb.formats"]

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

# E-mail: the console in development; EMAIL_URL (smtp+tls://user:password@host:587) in production.
vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "consolemail://"))
if PRODUCTION and not env.str("EMAIL_URL", default=""):
    raise ImproperlyConfigured("The environment variable EMAIL_URL must be set in production.")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="GrønnJobb <noreply@gronnjobb.no>")
# The absolute address of the site, for links in e-mails sent outside a request.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# The cache holds the login-failure counters and the API's throttle counters, so in production it
# must be one every gunicorn worker shares (Redis); a per-process cache would multiply each limit
# by the number of workers.
CACHES = {"default": environ.Env.cache_url_config(_required("CACHE_URL", "locmemcache://"))}

# How many reverse proxies in front of the app append to X-Forwarded-For. 0: the client is the
# socket's peer and the header is ignored, since anyone can send it. n: the client is the address
# the outermost of our n proxies appended (the n-th from the right); whatever a client wrote to the
# left of it is never believed. Used by the login lockout and by the API's throttles alike.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT cannot be negative.")

# Brute-force protection (django-axes): after LOGIN_FAILURE_LIMIT failures for one username, or
# from one address, within LOGIN_LOCKOUT_MINUTES, logins from it are refused until the time has
# passed or an administrator lifts the lockout. Counted on the login page, the API's token endpoint
# and the password reset form.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_USERNAME_CALLABLE = "grønnjobb.security.login_username"
AXES_CLIENT_IP_CALLABLE = "grønnjobb.security.client_ip"
AXES_LOCKOUT_CALLABLE = "grønnjobb.security.lockout_response"
# Only failures count; a lockout is not prolonged by further tries during it, so it ends on time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
if not PRODUCTION:
    # Development and the tests keep the counters in a per-process memory cache on purpose.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]

# API keys expire this many days after they are made (a new one is made on «Min profil» or with
# POST /api/v1/auth/token/).
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=90)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "hr.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the schema then promises one body format, and every field is checked the same way.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("API_TOKEN_RATE", default="10/min")},
    # The throttles find the client the same way the lockout does (grønnjobb.security.client_ip).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GrønnJobb API",
    "DESCRIPTION": "Timeregistrering og godkjenning.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are for the company's own users: logged in, or with an API key.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_AUTHENTICATION": ["hr.authentication.ApiTokenAuthentication", "hr.api.CsrfSessionAuthentication"],
    # Swagger UI and ReDoc from our own static files (drf-spectacular-sidecar): no CDN, so the docs
    # work offline and the Content-Security-Policy needs no third-party origin.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hr.api_schema.add_common_responses",
    ],
}

# Content-Security-Policy (django-csp): everything from our own origin, no inline styles or
# scripts, no framing. A template that really needs an inline script gives it
# nonce="{{ request.csp_nonce }}"; the nonce then joins script-src for that response only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Celery. Long waits live in the database rows, never in countdowns (docs/transfer.md#celery): the
# visibility timeout only has to exceed the hard time limit plus the one short countdown (a wizard
# fetch waiting for Tripletex's rate limit, at most two minutes).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="" if PRODUCTION else "memory://")
if PRODUCTION and not CELERY_BROKER_URL:
    raise ImproperlyConfigured("The environment variable CELERY_BROKER_URL must be set in production.")
# Without a broker (development's in-memory default, and the tests) tasks run in the request itself.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_ACKS_LATE = True
# A company's approvals within this many seconds reach Tripletex in one delivery (one list of up to a
# hundred entries); 0 delivers after every approval. An eager run (no broker) never waits.
TRIPLETEX_COALESCE_SECONDS = env.float("TRIPLETEX_COALESCE_SECONDS", default=1.0)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # `make run`'s embedded broker: messages are files under var/, shared by web, worker and beat.
    _queue = BASE_DIR / "var" / "celery"
    _queue.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {"data_folder_in": str(_queue), "data_folder_out": str(_queue), "control_folder": str(_queue)}
    )
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE = {
    "transfer-sweep": {"task": "tripletex.transfer_sweep", "schedule": 60.0},
    # Weekly reminders (hr/reminders.py): each run sends what is due and not yet sent.
    # A run left waiting behind a stopped worker is dropped: the next one does the same work.
    "reminders": {"task": "hr.tasks.reminders_send_task", "schedule": 300.0, "options": {"expires": 290}},
}
CELERY_TIMEZONE = TIME_ZONE

# Tripletex: where it lives is configuration, never user input. Development talks to the project's
# offline sandbox (`make run` starts it on port 8089) with the sandbox's fixed demo consumer token.
if PRODUCTION:
    TRIPLETEX_BASE_URL = env.str("TRIPLETEX_BASE_URL", default="https://tripletex.no/v2")
    TRIPLETEX_CONSUMER_TOKEN = _required("TRIPLETEX_CONSUMER_TOKEN", "")
else:
    from tripletex.sandbox.demo import DEMO_CONSUMER_TOKEN

    TRIPLETEX_BASE_URL = env.str("TRIPLETEX_BASE_URL", default="http://127.0.0.1:8089/v2")
    TRIPLETEX_CONSUMER_TOKEN = env.str("TRIPLETEX_CONSUMER_TOKEN", default=DEMO_CONSUMER_TOKEN)

# Keys that encrypt secrets at rest (tripletex/crypto.py): "id:fernet-key", comma-separated, the
# first one writes. Development derives one from SECRET_KEY so `make run` needs no setup.
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[])
if not ENCRYPTION_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured("The environment variable ENCRYPTION_KEYS must be set in production.")
    from tripletex.crypto import development_key

    ENCRYPTION_KEYS = [f"dev:{development_key(SECRET_KEY)}"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
