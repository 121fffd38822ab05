"""One settings module, driven by the environment.

SQLite (WAL mode) in a data folder is the embedded default; PostgreSQL in production through
DATABASE_URL. Production security is on unless FREEASSOC_DEBUG asks otherwise.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def envbool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envfloat(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("FREEASSOC_DEBUG")
# The demo (`freeassoc demo` sets this) and development (FREEASSOC_DEBUG) run with no
# configuration at all. Anything else is production: it needs a key and a data folder of its
# own, given explicitly, so that no host quietly makes up a key of its own or writes data into
# whichever folder it was started from.
DEMO = envbool("FREEASSOC_DEMO")
PRODUCTION = not (DEBUG or DEMO)

_missing = [name for name in ("SECRET_KEY", "FREEASSOC_DATA_DIR") if not os.environ.get(name)]
if PRODUCTION and _missing:
    raise ImproperlyConfigured(
        f"{' and '.join(_missing)} must be set: Free Association runs in production mode "
        "unless FREEASSOC_DEMO=1 (the demo) or FREEASSOC_DEBUG=1 (development). "
        "See docs/operating.md for every setting."
    )

DATA_DIR = Path(os.environ.get("FREEASSOC_DATA_DIR") or Path.cwd() / "data").resolve()


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # The demo or development without a key: keep a random one in the data folder, so
    # sessions survive a restart without anyone committing a key to the repository.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "freeassoc.core",
    "freeassoc.orgs",
    "freeassoc.surveys",
    "freeassoc.findings",
    "freeassoc.groups",
    "freeassoc.surgeries",
    "freeassoc.imports",
    "freeassoc.pools",
    "freeassoc.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "freeassoc.orgs.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "freeassoc.urls"
WSGI_APPLICATION = "freeassoc.wsgi.application"

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

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'freeassoc.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two concurrent
        # submissions queue instead of failing with "database is locked" half-way through.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # secure_delete: deleted rows are overwritten with zeros, not left in free space where
        # a copy of the file would still hold them (docs/privacy.md).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            " PRAGMA secure_delete=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Server-side parameters, so that psycopg prepares a statement the second time a
    # connection runs it: the respondents' page POSTs then skip PostgreSQL's planning of the
    # draft lookup's joins (bench/serve_bench.py: page POSTs rose from about 0.42 to 0.50 of the
    # floor). Not for a transaction-pooling proxy such as PgBouncer, which cannot keep
    # prepared statements: set FREEASSOC_PG_PREPARE=0 there.
    if envbool("FREEASSOC_PG_PREPARE", True):
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "freeassoc_cache",
    }
}
if cache_url := os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": cache_url,
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "surveys:dashboard"
LOGOUT_REDIRECT_URL = "home"

# Sign-in throttling (django-axes). Wrong passwords are counted per account *and* address, so
# failures typed anywhere else never lock the real user out (the second step, required of
# everyone, is what stops a guessed password). axes sees the address only as a keyed digest
# whose key lives in memory (freeassoc.orgs.throttle), and its cache handler keeps nothing but
# a counter under a hash of the account and that digest, which expires with the lockout: no
# address, user agent or attempt row is stored. Why, in docs/organisations.md.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "axes"
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours: how long a lockout, and so every counter, lasts
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "freeassoc.orgs.throttle.client_digest"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # log lines name no user agent; account and digest are masked
AXES_ENABLE_ADMIN = False  # its tables stay empty: nothing to show
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
if "redis" in CACHES["default"]["BACKEND"]:
    CACHES["axes"] = CACHES["default"]  # Redis expires each counter exactly on time
else:
    # A table of its own. MAX_ENTRIES 0 makes every write first delete the expired rows (what
    # Django's database cache does when it is over its size); the huge CULL_FREQUENCY then
    # culls nothing else, so a live counter is never dropped early.
    CACHES["axes"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "freeassoc_sign_in_throttle",
        "OPTIONS": {"MAX_ENTRIES": 0, "CULL_FREQUENCY": 2**31},
    }

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG or envbool("FREEASSOC_STATIC_FROM_SOURCE", True):
    # Serve straight from the apps' static folders: no collectstatic step for the demo.
    WHITENOISE_USE_FINDERS = True
    STATIC_ROOT = None
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Security headers. HTTPS settings are on unless the operator says the site is plain HTTP
# (the embedded demo on localhost).
HTTPS = envbool("FREEASSOC_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# The header only says the site consents to browsers' preload lists; submitting it to one is
# the operator's choice. Off (FREEASSOC_HSTS_PRELOAD=0) for a domain with plain-HTTP subdomains.
SECURE_HSTS_PRELOAD = HTTPS and envbool("FREEASSOC_HSTS_PRELOAD", True)
SECURE_SSL_REDIRECT = HTTPS and envbool("FREEASSOC_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
# "same-origin": no other site ever learns which page a visitor came from, as with
# "no-referrer"; but under "no-referrer" browsers send `Origin: null` with our own form POSTs,
# which Django's CSRF protection rightly refuses.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Logging: request lines carry the path and status, never the client's address or agent.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FREEASSOC_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Survey behaviour.
FREEASSOC_DRAFT_DAYS = envint("FREEASSOC_DRAFT_DAYS", 30)
FREEASSOC_RATELIMIT_START = os.environ.get("FREEASSOC_RATELIMIT_START", "30/h")
FREEASSOC_RATELIMIT_SUBMIT = os.environ.get("FREEASSOC_RATELIMIT_SUBMIT", "20/h")
FREEASSOC_RATELIMIT_RESUME = os.environ.get("FREEASSOC_RATELIMIT_RESUME", "10/h")

FREEASSOC_RATELIMIT = envbool("FREEASSOC_RATELIMIT", True)

# Find a group: join requests are relayed by email.
FREEASSOC_RATELIMIT_JOIN = os.environ.get("FREEASSOC_RATELIMIT_JOIN", "5/h")
FREEASSOC_RATELIMIT_LISTING = os.environ.get("FREEASSOC_RATELIMIT_LISTING", "5/h")
FREEASSOC_RATELIMIT_SURGERY_JOIN = os.environ.get("FREEASSOC_RATELIMIT_SURGERY_JOIN", "30/h")
FREEASSOC_JOIN_REQUEST_DAYS = envint("FREEASSOC_JOIN_REQUEST_DAYS", 14)

# The API: requests per key, and the largest file an import through it may send.
FREEASSOC_RATELIMIT_API = os.environ.get("FREEASSOC_RATELIMIT_API", "600/m")
FREEASSOC_API_MAX_IMPORT_BYTES = int(envfloat("FREEASSOC_API_IMPORT_MAX_MB", 200) * 1024 * 1024)

# Findings: decoded answers cached per survey (see findings/cache.py).
FINDINGS_CACHE = envbool("FREEASSOC_FINDINGS_CACHE", True)
FINDINGS_CACHE_DIR = Path(
    os.environ.get("FREEASSOC_FINDINGS_CACHE_DIR") or DATA_DIR / "findings-cache"
)

# Imports. Uploads wait here for the organiser's confirmation and for the worker: the web
# server and `freeassoc worker` must both see this folder (the same machine, or shared storage).
FREEASSOC_IMPORT_DIR = Path(os.environ.get("FREEASSOC_IMPORT_DIR") or DATA_DIR / "imports")
FREEASSOC_IMPORT_MAX_MB = envfloat("FREEASSOC_IMPORT_MAX_MB", 200)  # an upload on the web
# Checked before a file is parsed, on the web, through the API and on the command line.
FREEASSOC_IMPORT_MAX_ROWS = envint("FREEASSOC_IMPORT_MAX_ROWS", 2_000_000)
FREEASSOC_IMPORT_MAX_COLUMNS = envint("FREEASSOC_IMPORT_MAX_COLUMNS", 2_000)
# An .xlsx is a zip: the most its parts may hold once inflated, and how many times their
# compressed size (a "zip bomb" of 1 MB can inflate to gigabytes).
FREEASSOC_IMPORT_XLSX_MAX_MB = envfloat("FREEASSOC_IMPORT_XLSX_MAX_MB", 1024)
FREEASSOC_IMPORT_XLSX_MAX_RATIO = envint("FREEASSOC_IMPORT_XLSX_MAX_RATIO", 100)

# Microdata exports made by the worker wait here for their one download, at most this long.
FREEASSOC_EXPORT_DIR = Path(os.environ.get("FREEASSOC_EXPORT_DIR") or DATA_DIR / "exports")
FREEASSOC_EXPORT_KEEP_MINUTES = envint("FREEASSOC_EXPORT_KEEP_MINUTES", 60)

# Background jobs: Django's tasks API (the django-tasks backport) on the database, run by
# `freeassoc worker`. See docs/operating.md.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# How long a finished job's record is kept (its arguments are ids, never answers).
FREEASSOC_JOB_RESULTS_DAYS = envint("FREEASSOC_JOB_RESULTS_DAYS", 7)

# The console backend prints mail, addresses included: only for development and the demo.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Free Association <no-reply@localhost>")

# The server behind its proxy (docs/operating.md).
# X-Forwarded-For is believed only from these addresses or networks. Loopback by default: the
# documented deployment runs `freeassoc serve` on 127.0.0.1 behind a proxy on the same machine,
# and no client elsewhere can connect from a loopback address to have its header believed.
# Set it to the proxy's address when the proxy runs on another host; empty trusts none.
FREEASSOC_TRUSTED_PROXIES = envlist("FREEASSOC_TRUSTED_PROXIES", "127.0.0.0/8,::1")
# With Redis, every web host shares each rate-limit window's key (kept there until the window
# ends); without, each `freeassoc serve` makes its own in memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Respondent pages are never written to the request log below 500 (the time would date them).
LOGGING["filters"] = {"respondent_pages": {"()": "freeassoc.core.logs.SkipRespondentPages"}}
for _logger in ("django.request", "django.security.csrf"):
    LOGGING["loggers"][_logger] = {"filters": ["respondent_pages"]}
