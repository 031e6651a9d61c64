"""Basispoort settings.

Everything comes from the environment (django-environ); every value has an embedded default so a
bare checkout runs on SQLite, a local-memory cache and console e-mail. See .env.example and the
configuration table in README.md.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from basispoort.hashing import parse_hash_keys

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")


def env_bool(name, default):
    """A yes/no setting, strictly: "1", "true", "yes", "on" or "0", "false", "no", "off" (any
    case). Anything else stops start-up, so a typo such as DJANGO_SECURE=ture can never switch
    HTTPS, HSTS and Secure cookies off without a word."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value: use 1 or 0 (true/false, yes/no, on/off)."
    )


def _env_number(kind, name, default, what):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return kind(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not {what}.") from None


def env_int(name, default):
    """A whole number; anything else stops start-up with the setting's name (django-environ's
    env.int would say only "invalid literal for int()")."""
    return _env_number(int, name, default, "a whole number (such as 60)")


def env_float(name, default):
    """A number, decimals allowed; anything else stops start-up with the setting's name."""
    return _env_number(float, name, default, "a number (such as 0.5)")


def _require(name, value, why):
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DJANGO_DEBUG is off: {why} "
            "On a development machine, set DJANGO_DEBUG=1 (the Makefile's targets do)."
        )
    return value


DEBUG = env_bool("DJANGO_DEBUG", default=False)

# A development key is embedded only for DEBUG; production must bring its own.
SECRET_KEY = env.str("SECRET_KEY", default="")
if DEBUG and not SECRET_KEY:
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789"
_require("SECRET_KEY", SECRET_KEY, "sessions, signed cookies and tokens depend on it.")

# Keys for the keyed hash of PINs, picture passwords, home login codes and device tokens
# (basispoort/hashing.py). Format "id:base64key,oldid:base64key"; the first one hashes new
# secrets, the others still verify. They live outside the database on purpose: a stolen database
# alone does not reveal a single PIN.
SECRET_HASH_KEYS = env.str("SECRET_HASH_KEYS", default="")
if DEBUG and not SECRET_HASH_KEYS:
    SECRET_HASH_KEYS = "dev:ZGV2LW9ubHktaW5zZWN1cmUta2V5ZWQtaGFzaC1rZXk="
_require("SECRET_HASH_KEYS", SECRET_HASH_KEYS, "PINs and home login codes are hashed with it.")
parse_hash_keys(SECRET_HASH_KEYS)  # a malformed value stops start-up with a clear message

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
# Links in e-mails are built from SITE_URL, never from the request's Host header.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "oauth2_provider",
    # Staff's second step: an authenticator app (TOTP) and recovery codes (static tokens).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "schools",
    "software",
    "pupils",
    "homelogin",
    "teachers",
    # The publishers' REST API: Django REST framework, its OpenAPI document (drf-spectacular)
    # and a reference page whose Swagger UI files are served from here (the sidecar), no CDN.
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]
# The demo publisher: a small relying party that logs in through Basispoort like a real
# publisher's software would. On in DEBUG (the demo world) or with DEMO_PUBLISHER=1.
DEMO_PUBLISHER = env_bool("DEMO_PUBLISHER", default=DEBUG)
DEMO_PUBLISHER_SECRET = env.str("DEMO_PUBLISHER_SECRET", default="demo-uitgever-geheim-2026")
if DEMO_PUBLISHER:
    INSTALLED_APPS.append("demo_publisher")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "basispoort.middleware.DutchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads a POST's whole body: a view's upload limit
    # (basispoort.middleware.upload_limit) is enforced from the Content-Length alone.
    "basispoort.middleware.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session did its second step (teachers/decorators.py).
    "django_otp.middleware.OTPMiddleware",
    "basispoort.middleware.AdultSessionLimitsMiddleware",
    "pupils.middleware.PupilSessionMiddleware",
    "homelogin.middleware.HomeDeviceSessionMiddleware",
    "basispoort.middleware.NoStoreWhenLoggedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "basispoort.middleware.ContentSecurityPolicyMiddleware",  # django-csp's
    # Last, as django-axes asks: it turns a lockout raised during authenticate() into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "basispoort.urls"
WSGI_APPLICATION = "basispoort.wsgi.application"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise (PostgreSQL in production).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'basispoort.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("DB_CONN_MAX_AGE", default=60))
    # No health-check query before every request (a round trip each in the 08:30 storm): a
    # connection broken by a database restart fails one request with the 503 page, and Django
    # then closes it; DB_CONN_HEALTH_CHECKS=1 switches the check back on.
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env_bool("DB_CONN_HEALTH_CHECKS", default=False))
    # The storm's statements (basispoort/compiled.py) bind their parameters on the server, and
    # psycopg prepares each on a connection after this many runs: PostgreSQL then plans them once
    # per connection instead of at every login. Every other query binds on the client and is
    # never prepared. DB_PREPARE_THRESHOLD=off for a pooler that cannot keep prepared statements
    # (PgBouncer before 1.21, or without max_prepared_statements: docs/deploy.md).
    _prepare = env.str("DB_PREPARE_THRESHOLD", default="5").strip().lower()
    if _prepare not in ("off", "none", "") and not _prepare.isdigit():
        raise ImproperlyConfigured(f"DB_PREPARE_THRESHOLD must be a number or 'off', not {_prepare!r}")
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "prepare_threshold", int(_prepare) if _prepare.isdigit() else None)
    # No prepared statements (Django's default, client-side binding): with server-side binding
    # PostgreSQL plans a repeated statement once per connection (measured: a pupil session's
    # query 1.4 -> 0.4 ms of database CPU), but a statement may then carry at most 65,535
    # parameters, and the import of a big school's file sends lists longer than that.
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers on one SQLite file: write-ahead log, and transactions that take
    # the write lock up front, so concurrent logins wait their turn instead of failing with
    # "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
    # Tests on a file too, not in memory: the task worker thread and the test server's threads
    # then have connections of their own, as in `make demo`, instead of sharing one. One file
    # per test run, so two runs side by side do not share it.
    DATABASES["default"].setdefault("TEST", {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory unless CACHE_URL says otherwise. A redis:// URL gets Django's Redis backend
# behind a circuit breaker (basispoort/cache.py): when Redis does not answer within
# CACHE_SOCKET_TIMEOUT seconds, each server carries on with a local-memory cache of its own.
_cache_url = env.str("CACHE_URL", default="locmemcache://basispoort")
_redis_cache = _cache_url.startswith(("redis://", "rediss://"))
CACHES = {
    "default": env.cache_url_config(
        _cache_url, backend="basispoort.cache.FailoverRedisCache" if _redis_cache else None,
    )
}
if _redis_cache:
    _cache_timeout = env_float("CACHE_SOCKET_TIMEOUT", default=0.5)
    CACHES["default"].setdefault("OPTIONS", {}).update({
        "socket_connect_timeout": _cache_timeout, "socket_timeout": _cache_timeout,
    })
# The parts of every page that only depend on the language and the code (base.html's header
# and footer: static and reversed URLs, translations), rendered once per process: nothing to
# share or invalidate between processes, so local memory whatever CACHE_URL says.
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments"}
# Sessions in the database behind the cache, written once per request (basispoort/sessions.py).
SESSION_ENGINE = "basispoort.sessions"

# Background tasks (imports, mail to many people) on Django's tasks framework: django-tasks, the
# backport of Django 6's django.tasks, with django-tasks-db's database backend, so the queue is a
# table in this database (basispoort/taskworker.py). Production runs `manage.py db_worker`
# processes and sets TASKS_IN_PROCESS_WORKER=0; the embedded default runs the queue in a thread
# of the web process, so `make demo` and a bare runserver need no extra process.
TASKS = {"default": {"BACKEND": "basispoort.taskworker.DatabaseBackend"}}
TASKS_IN_PROCESS_WORKER = env_bool("TASKS_IN_PROCESS_WORKER", default=True)

# E-mail: printed on the console unless EMAIL_URL says otherwise
# (smtp+tls://user:pass@host:587, or filemail:// with EMAIL_FILE_PATH=/abs/dir).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# A teacher's mail to one family is sent while the teacher waits (a failure is shown in words):
# a mail server that hangs must fail the request after this many seconds, not hold it until
# gunicorn kills it. Mail to many people goes through the task queue (teachers/staff.py).
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", default=10)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Basispoort <noreply@basispoort.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: it refuses locked-out credentials before any check runs.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.PasswordBackend",
    "pupils.backends.PupilSecretBackend",
    "homelogin.backends.HomeCodeBackend",
    "homelogin.backends.RescueCodeBackend",
]
PASSWORD_HASHERS = [
    "basispoort.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "basispoort.hashers.ClientSecretHasher",  # OAuth client secrets only, never passwords
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/leerkracht/inloggen/"
LOGIN_REDIRECT_URL = "/leerkracht/"
# Secrets shown once after saving must not travel in a cookie: messages live in the session.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Retention (manage.py prune_logs, run daily): audit entries and login records older than this.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", default=400)
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", default=90)
TASK_RESULT_RETENTION_DAYS = env_int("TASK_RESULT_RETENTION_DAYS", default=7)  # finished tasks

# The school import's upload (/leerkracht/import/). One school's export is well under 5 MB (400
# pupils with every field: about 0.5 MB); a bigger upload is a mistake or an attack, refused from
# its Content-Length before it is read. The command (manage.py import_school) has no limit.
IMPORT_UPLOAD_MAX_MB = 20

# Staff and parents' sessions end after (idle seconds, absolute seconds) (basispoort/middleware.py).
# An adult who is staff anywhere gets the staff limits, also when they came in at the parents'
# door: the same session reaches their class.
SESSION_LIMITS = {
    "staff": (env_int("STAFF_SESSION_IDLE", default=30 * 60),
              env_int("STAFF_SESSION_MAX", default=12 * 3600)),
    "guardian": (env_int("GUARDIAN_SESSION_IDLE", default=3 * 3600),
                 env_int("GUARDIAN_SESSION_MAX", default=24 * 3600)),
}
# The second step: the issuer name authenticator apps show beside the account, and django-otp's
# delay after wrong codes (1, 2, 4, 8 ... seconds per device).
OTP_TOTP_ISSUER = "Basispoort"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Pupil sessions end after this many idle seconds (and at the end of the day).
PUPIL_SESSION_IDLE = env_int("PUPIL_SESSION_IDLE", default=20 * 60)

# A classroom device (school tablet) shows one group's name tiles until a teacher disconnects it
# or this many seconds pass (default: one school year).
CLASSROOM_COOKIE_AGE = env_int("CLASSROOM_COOKIE_AGE", default=365 * 24 * 3600)

# Lockout (basispoort/lockout.py, counted by django-axes): 10 failures lock one counter for an
# hour. A pupil has one counter per gate (school, home), reachable only through that gate;
# password forms count under their own prefix, so no typed name can reach a pupil's counter.
# A failure during a lock does not stretch it (otherwise anyone could keep a pupil locked out
# forever); a success resets the count (each gate does it, in lockout.succeeded()).
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "basispoort.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "basispoort.lockout.lockout_response"
AXES_HANDLER = "basispoort.lockout.LockoutHandler"
# Successful logins are in our own audit log (schools.AuditEntry); axes' access log would record
# every one a second time, at two extra writes per login in the 08:30 storm.
AXES_DISABLE_ACCESS_LOG = True
# Never store a secret in django-axes' attempt log (it keeps the POST data of failures).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "pin", "pictures", "code",
                             "new_password1", "new_password2"]
# Locks are per account, not per IP: a whole school shares one IP address, and ten typos across a
# class must not lock every pupil out. Failures across accounts are slowed down instead
# (fixed windows, counted in the cache): wrong PINs and pictures per device and per address,
# wrong passwords per address. A device is one classroom tablet, one home device, or one
# parent's session.
PUPIL_FAILURE_THROTTLES = {
    "device": env.list("THROTTLE_PUPIL_FAILURES_DEVICE", default=["15/5m", "40/h"]),
    "ip": env.list("THROTTLE_PUPIL_FAILURES_IP", default=["100/10m", "300/h"]),
}
PASSWORD_FAILURE_THROTTLES = {
    "ip": env.list("THROTTLE_PASSWORD_FAILURES_IP", default=["20/10m", "60/h"]),
}
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Client IP behind a TLS proxy: only as many X-Forwarded-For hops as there are trusted proxies
# (basispoort/client_ip.py); used by django-axes, the throttles and the audit log alike.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "basispoort.client_ip.client_ip"

# --- Parents' e-mail accounts (homelogin/guardian_views.py) ---------------------------------
# A set-password link (the invitation when a teacher enters a parent's e-mail, and every "forgot"
# mail) is a Django password-reset token: it works for this many seconds (default three days),
# and only once, because setting the password changes what the token is made from.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
if PASSWORD_RESET_TIMEOUT <= 0:
    raise ImproperlyConfigured("PASSWORD_RESET_TIMEOUT must be a positive number of seconds.")
# --- end of parents' e-mail accounts -------------------------------------------------------

# Rate limits beyond the lockout (basispoort/throttle.py): (per client IP, whole site).
# A family enters a handful of codes; a class entering codes at school shares one address.
THROTTLES = {
    "home_code": (env.str("THROTTLE_HOME_CODE_IP", default="60/h"),
                  env.str("THROTTLE_HOME_CODE_SITE", default="6000/m")),
    "password_mail": (env.str("THROTTLE_PASSWORD_MAIL_IP", default="10/h"),
                      env.str("THROTTLE_PASSWORD_MAIL_SITE", default="2000/h")),
    "invite_mail": (env.str("THROTTLE_INVITE_MAIL_IP", default="200/h"),
                    env.str("THROTTLE_INVITE_MAIL_SITE", default="5000/h")),
}
RATELIMIT_USE_CACHE = "default"

# Home login device cookie lifetime (seconds); default one school year.
HOME_LOGIN_COOKIE_AGE = env_int("HOME_LOGIN_COOKIE_AGE", default=365 * 24 * 3600)

# Language: Dutch first. The parents' and pupils' pages are also in the languages many
# families in Dutch schools speak at home; teachers' pages in Dutch and English. Each language
# is named in itself, untranslated, so a parent finds their own in the switcher.
LANGUAGE_CODE = "nl"
LANGUAGES = [
    ("nl", "Nederlands"), ("en", "English"), ("ar", "العربية"), ("tr", "Türkçe"),
    ("pl", "Polski"), ("uk", "Українська"),
]
# The staff pages (teachers/, all under this path) are translated to English only; in the
# families' other languages they are shown in Dutch (basispoort/middleware.py).
STAFF_PATH = "/leerkracht/"
STAFF_LANGUAGES = ("nl", "en")
LOCALE_PATHS = [BASE_DIR / "basispoort" / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# HTTPS-only switches: on whenever DEBUG is off, unless DJANGO_SECURE=0 (the test server speaks
# plain HTTP). Behind a TLS proxy the proxy must set X-Forwarded-Proto.
SECURE = env_bool("DJANGO_SECURE", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = SECURE
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer asks over plain HTTP
SECURE_HSTS_SECONDS = 63072000 if SECURE else 0  # two years
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The language cookie like every other: only our server reads it (DutchFirstLocaleMiddleware),
# the switcher is a plain form post, so no script needs it.
LANGUAGE_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Content Security Policy (django-csp): only our own files, nothing from a CDN, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}


# OpenID Connect for publishers (django-oauth-toolkit). The signing key (PEM) comes from
# OIDC_RSA_PRIVATE_KEY, or from the file OIDC_RSA_PRIVATE_KEY_FILE names; on a development
# machine from var/oidc-signing-key.pem, which `manage.py make_dev_oidc_key` writes (`make demo`
# runs it). Importing the settings never writes a file.
DEV_OIDC_KEY_FILE = VAR_DIR / "oidc-signing-key.pem"


def _oidc_signing_key():
    key = env.str("OIDC_RSA_PRIVATE_KEY", default="").replace("\\n", "\n")
    path = env.str("OIDC_RSA_PRIVATE_KEY_FILE", default="")
    if not key and path:
        try:
            key = (BASE_DIR / path).read_text()  # a relative path is relative to the project
        except OSError as error:
            raise ImproperlyConfigured(f"OIDC_RSA_PRIVATE_KEY_FILE cannot be read: {error}") from None
    if not key and DEBUG and DEV_OIDC_KEY_FILE.is_file():
        key = DEV_OIDC_KEY_FILE.read_text()
    if not key and DEBUG:
        # A key for this process only (nothing written): enough for runserver; `make demo`
        # writes a lasting one with manage.py make_dev_oidc_key.
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        return rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption(),
        ).decode()
    _require("OIDC_RSA_PRIVATE_KEY", key, "ID tokens for publishers are signed with it.")
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        load_pem_private_key(key.encode(), password=None)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "OIDC_RSA_PRIVATE_KEY is not an unencrypted PEM private key (one line with \\n is fine)."
        ) from None
    return key


OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"  # software.Software links to it
OIDC_KEY_FROM_ENVIRONMENT = bool(env.str("OIDC_RSA_PRIVATE_KEY", default="")
                                 or env.str("OIDC_RSA_PRIVATE_KEY_FILE", default=""))
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _oidc_signing_key(),
    "OIDC_ISS_ENDPOINT": SITE_URL,
    "OIDC_SUBJECT_TYPES_SUPPORTED": ["pairwise"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OAUTH2_VALIDATOR_CLASS": "software.oidc.BasispoortValidator",
    "OAUTH2_SERVER_CLASS": "software.oidc.BasispoortServer",  # authorization code + refresh only
    "CLIENT_SECRET_HASHER": "pbkdf2_sha256_client_secret",
    # "profile" because many client libraries ask it by default; the licence decides the claims.
    "SCOPES": {"openid": "OpenID Connect", "profile": "Profiel (volgens de licentie)"},
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    # Short-lived by design: a code for a minute, tokens for five minutes, no refresh tokens
    # beyond an hour.
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 300,
    "ID_TOKEN_EXPIRE_SECONDS": 300,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"] if DEBUG else ["https"],
    "REQUEST_APPROVAL_PROMPT": "auto",
    # RFC 9700 (OAuth 2.0 security best current practice): no implicit or password grant,
    # PKCE with S256 only, tokens not in URLs, hashed token storage, exact redirect URIs.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}


# The publishers' REST API (api/): JSON only, tokens of publishers' API clients only (each view
# says so), Dutch errors, and an OpenAPI document that tests validate responses against.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Basispoort API voor uitgevers",
    "DESCRIPTION": "Roosters van scholen die u toestemming gaven; zie docs/publishers.md.",
    "VERSION": "2",
    "SCHEMA_PATH_PREFIX": "/api/v2",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
