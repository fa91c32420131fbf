"""Settings for Spoedinzage, read from the environment.

Every setting that differs between a laptop and production comes from an
environment variable. Without any, the portal runs on a bare machine: SQLite
under ``var/`` and Celery tasks executed in-process. With ``DATABASE_URL`` and
``REDIS_URL`` set it uses the real PostgreSQL, Redis, a Celery worker and beat.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SPOEDINZAGE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

# A development key is only acceptable while DEBUG is on; in production a
# forged session or CSRF token would give access to patient data.
_DEV_SECRET_KEY = "django-insecure-spoedinzage-development-only"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for DEBUG=0: use at least 32 random characters."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Addresses of reverse proxies whose X-Forwarded-For we believe. Anyone else
# could forge the client address that lands in the access ledger.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_guid",
    "rest_framework",
    # registry.models.PracticeAPIKey builds on its abstract model; its own APIKey model is
    # not used (registry/admin.py takes it out of the admin).
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us: no CDN (docs/api.md)
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",  # django-csp: Content-Security-Policy (settings: Security)
    "portal",
    "audit",
    "consent",
    "summaries",
    "registry",
    "oversight",
    "triage",
    "patients",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "portal.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.DutchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a login unless it is explicitly
    # marked @login_not_required (login pages, /healthz).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.SessionLimitsMiddleware",
    # After authentication: no second factor, no portal (only enrolment).
    "portal.middleware.SecondFactorRequiredMiddleware",
    # Last, as django-axes asks: turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
# Django's, with the <input> widgets written by Python (portal/widgets.py).
FORM_RENDERER = "portal.widgets.PortalFormRenderer"
WSGI_APPLICATION = "portal.wsgi.application"
SILENCED_SYSTEM_CHECKS = ["templates.W003"]  # the i18n library, on purpose (TEMPLATES)

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
            ],
            # {% load i18n %}: Django's library, constant translations rendered directly
            # (portal/templatetags/i18n_constant.py). Django warns that the name is taken
            # twice (templates.W003, silenced below); tests/portal/test_i18n_constant.py
            # checks that no other name is.
            "libraries": {"i18n": "portal.templatetags.i18n_constant"},
        },
    },
]

# --- Database -------------------------------------------------------------
# Embedded default: SQLite under var/. IMMEDIATE transactions make SQLite
# take its write lock at BEGIN, so two writers of the access ledger are
# serialised just as the advisory lock serialises them on PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Every patient page repeats the same few statements; planning them cost PostgreSQL
        # more than running them (docs/performance.md, "Lookup"). Server-side binding lets
        # psycopg prepare a statement after its 5th use on a connection. Behind a
        # transaction-mode pooler (PgBouncer without prepared-statement support) set
        # DATABASE_PREPARE_THRESHOLD=off.
        # After a migration that changes a column's type, restart the web processes:
        # a statement prepared before it fails ("cached plan must not change result type")
        # until its connection is replaced (CONN_MAX_AGE).
        threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip().lower()
        if threshold not in ("off", "") and not threshold.isdigit():
            raise ImproperlyConfigured(
                f"DATABASE_PREPARE_THRESHOLD must be a number of uses or 'off', not {threshold!r}"
            )
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True,
            prepare_threshold=int(threshold) if threshold.isdigit() else None,
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "spoedinzage.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery and the cache ---------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Shared by all web processes when Redis is there: a TOTP code used once must be
# refused by every process (allauth remembers used codes in the cache).
CACHES = {
    "default": {
        "BACKEND": "portal.cache.SharedClientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "spoedinzage",
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Markup that pages repeat for everyone alike, kept in each process ({% cache ... using=
    # "fragments" %}): a round trip to Redis would cost more than rendering it again.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # Embedded default: no broker, tasks run in the calling process.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# How often the monitoring rules read the ledger's new events (docs/monitoring.md).
MONITORING_SCAN_SECONDS = int(os.environ.get("MONITORING_SCAN_SECONDS", "300"))
CELERY_BEAT_SCHEDULE = {
    # Every minute: enqueue one pull task per practice whose schedule is due.
    "summaries-pull-due": {"task": "summaries.pull_due_practices", "schedule": 60},
    # Walk the access ledger's hash chain every night and anchor its head,
    # so that removing the newest events is detectable too.
    "audit-verify-nightly": {
        "task": "audit.verify_ledger",
        "schedule": 24 * 60 * 60,
    },
    # The misuse rules over the events since the last scan (oversight.monitoring).
    "oversight-monitoring-scan": {
        "task": "oversight.monitoring_scan",
        "schedule": MONITORING_SCAN_SECONDS,
    },
    # Each organisation's report of the previous month, once (oversight.reports): daily,
    # so a month is not missed when the beat was down on the first.
    "oversight-reports-monthly": {"task": "oversight.reports_monthly", "schedule": 24 * 60 * 60},
    # The ledger's months: the next ones made ahead, those past retention dropped (audit).
    "audit-ledger-months": {"task": "audit.ledger_months", "schedule": 24 * 60 * 60},
}

# --- Authentication -------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses while an account is locked out after failed logins.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# Accounts are issued by an administrator, never self-registered.
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "portal.forms.LoginForm"}
ACCOUNT_SESSION_REMEMBER = False
# Staff accounts are issued and reset by the organisation: no self-service password reset,
# sign-up or e-mail flows (portal/urls.py answers 404 for them). A patient opens their own
# account with an activation code from their GP practice (patients/, docs/identity.md),
# and confirms their e-mail address through allauth's confirmation link: that mail goes
# to the console in development, through SMTP otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "spoedinzage@localhost")
# allauth's own limit on failed logins would lock a username from everywhere;
# django-axes locks username + address instead (below). allauth keeps a per-address cap.
# Opening a patient's account with an activation code: 10 tries an hour from one address
# (a code has 78 bits, and five wrong birth dates end it: patients.identity).
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip", "patient_activation": "10/h/ip"}
# How long the activation code a GP practice prints for a patient can be used.
ACTIVATION_CODE_DAYS = int(os.environ.get("ACTIVATION_CODE_DAYS", "30"))
# Which proof links a patient's account to their BSN (patients.identity): the activation
# code today; a DigiD connection can take its place (docs/identity.md).
PATIENT_IDENTITY = os.environ.get("PATIENT_IDENTITY", "patients.identity.ActivationCodeIdentity")
# Second factor (allauth.mfa): TOTP or a security key (WebAuthn), plus recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "Spoedinzage"
MFA_FORMS = {"authenticate": "portal.forms.SecondFactorForm"}  # a wrong code is in the ledger
MFA_PASSKEY_LOGIN_ENABLED = False
# WebAuthn needs https, except on localhost during development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# Lockout (django-axes): 5 failed logins for one username from one address lock that
# combination for 15 minutes. Not the username alone: anyone could then lock a
# nurse out of her own workstation at 2 a.m. by guessing at her name.
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
# The same client address as the ledger: X-Forwarded-For only from a trusted proxy.
AXES_CLIENT_IP_CALLABLE = "portal.middleware.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "portal.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- UZI-pas: the TLS proxy verifies the card and forwards it (deploy/nginx.conf) ----
# A PEM bundle of the UZI CA certificates we accept (defence in depth: the proxy
# checks the chain too). Without it no card is accepted.
UZI_CA_CERTS_FILE = os.environ.get("UZI_CA_CERTS_FILE", "")
UZI_CERT_HEADER = "HTTP_X_SSL_CLIENT_CERT"  # nginx: $ssl_client_escaped_cert
UZI_VERIFY_HEADER = "HTTP_X_SSL_CLIENT_VERIFY"  # nginx: $ssl_client_verify
# The proxy->app hop is authenticated: the proxy adds this secret to every request
# (deploy/nginx.conf), and the portal believes the proxy's headers (client address,
# https, the card) only with it. Any other local process that can reach the app does
# not know it. Without it no UZI-pas is accepted.
PROXY_SECRET = os.environ.get("PROXY_SECRET", "")
PROXY_SECRET_HEADER = "HTTP_X_PROXY_SECRET"  # noqa: S105 (a header name; nginx sets it)
if UZI_CA_CERTS_FILE and len(PROXY_SECRET) < 32:
    raise ImproperlyConfigured(
        "UZI_CA_CERTS_FILE is set but PROXY_SECRET is not (or shorter than 32 characters): "
        "the UZI-pas login needs the secret that the TLS proxy adds to each request."
    )

# --- Triage -------------------------------------------------------------------------
TRIAGE_PATIENTS_PER_HOUR = int(os.environ.get("TRIAGE_PATIENTS_PER_HOUR", "30"))
# Searches that found nobody, per user in a sliding hour: beyond it no search, and an alert
# (guessing a birth date to a BSN fails most of the time). Ten, not fewer: a patient whose
# practice is not connected is "nobody" too, and a nurse retypes a birth date now and then.
TRIAGE_FAILED_SEARCHES_PER_HOUR = int(os.environ.get("TRIAGE_FAILED_SEARCHES_PER_HOUR", "10"))
TRIAGE_ENCOUNTER_MINUTES = int(os.environ.get("TRIAGE_ENCOUNTER_MINUTES", "60"))
EMERGENCY_ACCESS_MINUTES = int(os.environ.get("EMERGENCY_ACCESS_MINUTES", "60"))

# --- Monitoring: the misuse rules over the ledger (oversight.monitoring, docs/monitoring.md) ---
# Events read per scan at most; a ledger that grew by more is read in batches.
MONITORING_SCAN_MAX_EVENTS = int(os.environ.get("MONITORING_SCAN_MAX_EVENTS", "1000000"))
# Rules switched off, by the kind of alert they raise (e.g. "unusual_hours,view_volume").
MONITORING_RULES_OFF = [
    kind.strip() for kind in os.environ.get("MONITORING_RULES_OFF", "").split(",") if kind.strip()
]
# Different patients viewed by one user within an hour; below TRIAGE_PATIENTS_PER_HOUR,
# where searching stops.
MONITORING_PATIENTS_PER_HOUR = int(os.environ.get("MONITORING_PATIENTS_PER_HOUR", "15"))
# Searches that found nobody, by one user within a shift: guessing slower than the throttle.
MONITORING_FAILED_SEARCHES = int(os.environ.get("MONITORING_FAILED_SEARCHES", "20"))
MONITORING_FAILED_SEARCHES_MINUTES = int(
    os.environ.get("MONITORING_FAILED_SEARCHES_MINUTES", "480")
)
# One BSN searched without a match this many times by one user within the minutes.
MONITORING_BSN_RETRIES = int(os.environ.get("MONITORING_BSN_RETRIES", "3"))
MONITORING_BSN_RETRIES_MINUTES = int(os.environ.get("MONITORING_BSN_RETRIES_MINUTES", "60"))
# Usual hours: learned from the last DAYS days, judged once the user worked on MIN_DAYS of
# them; an hour within MARGIN hours of a usual one is usual.
MONITORING_USUAL_HOURS_DAYS = int(os.environ.get("MONITORING_USUAL_HOURS_DAYS", "56"))
MONITORING_USUAL_HOURS_MIN_DAYS = int(os.environ.get("MONITORING_USUAL_HOURS_MIN_DAYS", "10"))
MONITORING_USUAL_HOURS_MARGIN = int(os.environ.get("MONITORING_USUAL_HOURS_MARGIN", "1"))
# What makes a patient a possible relative or neighbour: "surname", "postal_code", or both.
MONITORING_SHARED_SIGNALS = [
    signal.strip()
    for signal in os.environ.get("MONITORING_SHARED_SIGNALS", "surname,postal_code").split(",")
    if signal.strip()
]
# Different users of one organisation viewing one patient within the minutes.
MONITORING_PATIENT_USERS = int(os.environ.get("MONITORING_PATIENT_USERS", "5"))
MONITORING_PATIENT_USERS_MINUTES = int(os.environ.get("MONITORING_PATIENT_USERS_MINUTES", "60"))

# The ledger's heads timestamped by an RFC 3161 authority and kept outside the database
# (audit.anchors, issue 16): off where no LEDGER_TSA_URL is set. The certificate is the
# authority's signing certificate, the roots what it chains to (PEM files).
LEDGER_TSA_URL = os.environ.get("LEDGER_TSA_URL", "")
LEDGER_TSA_CERTIFICATE = os.environ.get("LEDGER_TSA_CERTIFICATE", "")
LEDGER_TSA_ROOTS = os.environ.get("LEDGER_TSA_ROOTS", "")
LEDGER_ANCHOR_DIR = Path(os.environ.get("LEDGER_ANCHOR_DIR", VAR_DIR / "ledger-anchors"))
# How many years the ledger's months are kept before the retention job drops them
# (audit.retention): five at least (NEN 7513), which the job enforces whatever is set here.
LEDGER_RETENTION_YEARS = int(os.environ.get("LEDGER_RETENTION_YEARS", "5"))

# --- Sessions: they end when the user is idle, and after a shift at the latest ----
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_MINUTES", "15")) * 60
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_SHIFT_HOURS", "12")) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Read from the cache, written through to the database: no session query per page,
# and logout still deletes the session everywhere.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
LOGIN_URL_PATH = "/accounts/login/"

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# https only. The TLS proxy (deploy/nginx.conf) ends TLS and says so in X-Forwarded-Proto,
# which Django believes only from TRUSTED_PROXIES (above). Without a trusted proxy every
# request looks like plain http, and a redirect to https would loop forever: so the
# redirect is on by default in production behind the proxy, and off without one (the
# test suite, a bare `gunicorn` on a laptop), where `check --deploy` reminds of it.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG and bool(TRUSTED_PROXIES))
# A monitor on the host asks gunicorn directly; /healthz carries no personal data.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS: after one https visit the browser refuses plain http to this host for a year.
# includeSubDomains covers only hosts under the portal's own name. preload merely
# consents to browsers' built-in HSTS lists, which close the first-visit gap of a freshly
# installed workstation; nothing changes until the owner of the registered domain submits
# it at hstspreload.org (subdomains such as spoedinzage.example.nl cannot be submitted at
# all). SECURE_HSTS_PRELOAD=0 withdraws the consent; `check --deploy` then warns.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
# Content-Security-Policy (django-csp 4): scripts, styles, fonts and fetches only from the
# portal itself, and nothing inline: markup that slipped into a page (a GP's free text, say)
# cannot run a script or restyle the page. Keep templates free of <script>…</script>,
# <style> and style="" (static/ holds the CSS). Images also as data: URIs, for allauth's
# TOTP QR code and the design system's check-box icons (data: SVGs in its CSS).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        # Never inside a frame (X_FRAME_OPTIONS for older browsers): no clickjacking.
        "frame-ancestors": ["'none'"],
    },
}

# --- Internationalisation -------------------------------------------------
# Dutch is the language of the users; English through Django's i18n.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "portal.storage.StaticFilesStorage"
    },
}

# --- REST framework: closed unless a view opens itself ------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# --- The API for GP information systems (docs/api.md) ---------------------------------
# Requests per practice (whichever key or certificate it uses), per kind of call; and per
# client address for calls without valid credentials (each of which is a ledger event).
# DRF's rate format: "<n>/<second|minute|hour|day>".
API_THROTTLE_RATES = {
    "batch": os.environ.get("API_RATE_BATCH", "120/minute"),
    "lookup": os.environ.get("API_RATE_LOOKUP", "600/minute"),
    "schema": os.environ.get("API_RATE_SCHEMA", "60/minute"),
    "anonymous": os.environ.get("API_RATE_ANONYMOUS", "30/minute"),
}
# A batch: at most this many registrations, and a body of at most this many bytes (5,000
# rows with a 500-character note each fit). Larger ones are refused unread.
API_BATCH_MAX_ROWS = 5_000
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(4 * 1024 * 1024)))
# How far a client's clock may run ahead of ours: registered_at up to this far "in the
# future" is accepted as now-ish, beyond it refused.
API_CLOCK_SKEW_SECONDS = int(os.environ.get("API_CLOCK_SKEW_SECONDS", "60"))

# --- Reconciliation with the organisations' own contact registrations -----------------
# (docs/reconciliation.md) A summary view counts as matched by a contact of the same
# organisation and patient within this span before or after it.
RECONCILIATION_WINDOW = dt.timedelta(
    minutes=int(os.environ.get("RECONCILIATION_WINDOW_MINUTES", str(12 * 60)))
)
# A file: at most this many bytes and data rows; the API: this many contacts per call.
RECONCILIATION_MAX_FILE_BYTES = int(
    os.environ.get("RECONCILIATION_MAX_FILE_BYTES", str(10 * 1024 * 1024))
)
RECONCILIATION_MAX_ROWS = int(os.environ.get("RECONCILIATION_MAX_ROWS", "100000"))
RECONCILIATION_API_MAX_CONTACTS = int(os.environ.get("RECONCILIATION_API_MAX_CONTACTS", "5000"))
# A contact more than this many days before the upload is refused (a mistyped date would
# stretch the judged period back to it): a month's file, uploaded up to two weeks late, fits.
RECONCILIATION_MAX_AGE_DAYS = int(os.environ.get("RECONCILIATION_MAX_AGE_DAYS", "45"))
# Errors listed per refused file or call; the rest are counted.
RECONCILIATION_MAX_ERRORS = 100
# Calls of POST /api/v1/contacts per organisation (DRF's rate format).
RECONCILIATION_API_RATE = os.environ.get("RECONCILIATION_API_RATE", "60/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Spoedinzage API for GP information systems",
    "DESCRIPTION": (
        "Register patients' choices (consent, refusal, withdrawal) in batches, and read one "
        "patient's current choice and its history. Only a practice's own patients. "
        "HAPs and SEHs send their own contact registrations for reconciliation "
        "(docs/reconciliation.md). See docs/api.md."
    ),
    "VERSION": "1.0.0",
    # 3.1: it can say "mutual TLS" (the UZI server certificate), 3.0 cannot.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and its assets from our own static files (drf-spectacular-sidecar).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The choices' labels are Dutch on Dutch requests; the schema lists the values only.
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "registry.api.serializers.request_bodies_as_checked",
        "oversight.reconciliation.api.serializers.request_bodies_as_checked",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ScopeEnum": "consent.models.Scope",
        "DecisionEnum": "consent.models.Decision",
        "SourceEnum": "consent.models.Source",
    },
}

# --- Logging: JSON lines with the request id ----------------------------------
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
}
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId"},
        "forbidden_as_one_line": {"()": "portal.logging.ForbiddenAsOneLine"},
    },
    "formatters": {
        "json": {
            "()": "portal.logging.JsonLineFormatter",  # no query strings (a BSN)
            "fmt": "%(levelname)s %(name)s %(message)s %(correlation_id)s",
            "timestamp": "time",  # ISO 8601, UTC
            "rename_fields": {
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        },
        "null": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django_guid": {"level": "WARNING"},
        # One line per HTTP request to a GP practice is noise; failures are logged by us.
        "httpx": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs each step of each PDF (and its stylesheets at import) at INFO.
        "weasyprint": {"level": "WARNING"},
        # Django's own defaults (DEFAULT_LOGGING) gave the "django" logger a second console
        # handler (plain text, with DEBUG) and mail to ADMINS: every line twice on the console,
        # and tracebacks with request data (a BSN) by e-mail. One handler: the JSON console.
        "django": {"handlers": [], "level": "INFO"},
        # A refused request: one line with its reason, no traceback (portal/logging.py).
        "django.request": {"filters": ["forbidden_as_one_line"]},
        # Request lines come from portal.middleware, without query strings; runserver's own
        # (with the query string, which may hold a BSN) are dropped.
        "django.server": {"handlers": ["null"], "propagate": False},
    },
}

# --- Summary pipeline -----------------------------------------------------------
SUMMARY_PAGE_SIZE = int(os.environ.get("SUMMARY_PAGE_SIZE", "100"))
# Patients fetched again by BSN per practice pull after a choice (summaries.services.refetch);
# the rest wait for the next pull.
SUMMARY_REFETCH_PER_PULL = int(os.environ.get("SUMMARY_REFETCH_PER_PULL", "500"))
SUMMARY_FETCH_TIMEOUT = float(os.environ.get("SUMMARY_FETCH_TIMEOUT", "30"))
SUMMARY_CONNECT_TIMEOUT = float(os.environ.get("SUMMARY_CONNECT_TIMEOUT", "5"))
SUMMARY_FETCH_RETRIES = int(os.environ.get("SUMMARY_FETCH_RETRIES", "3"))
SUMMARY_RETRY_BASE_SECONDS = float(os.environ.get("SUMMARY_RETRY_BASE_SECONDS", "1"))
# A practice that answers 429/503 with Retry-After is asked again no sooner; one that asks
# for a longer wait than this fails the pull for now (the task retries later).
SUMMARY_RETRY_AFTER_MAX_SECONDS = float(os.environ.get("SUMMARY_RETRY_AFTER_MAX_SECONDS", "120"))
# Limits on what a practice may send us: a page (refused while it streams in, not read to
# its end), one patient's summary, nesting.
SUMMARY_MAX_PAGE_BYTES = int(os.environ.get("SUMMARY_MAX_PAGE_BYTES", str(64 * 1024 * 1024)))
SUMMARY_MAX_SUMMARY_BYTES = int(os.environ.get("SUMMARY_MAX_SUMMARY_BYTES", str(2 * 1024 * 1024)))
SUMMARY_MAX_DEPTH = int(os.environ.get("SUMMARY_MAX_DEPTH", "40"))
if not 2 <= SUMMARY_MAX_DEPTH <= 250:
    # orjson, which writes the stored sources, goes no deeper than 254 levels.
    raise ImproperlyConfigured(
        f"SUMMARY_MAX_DEPTH must be between 2 and 250 levels, not {SUMMARY_MAX_DEPTH}"
    )
# The PS carries the journal (and its lab results) of the last 4 months.
SUMMARY_WINDOW_DAYS = int(os.environ.get("SUMMARY_WINDOW_DAYS", "122"))
# How long one pull may hold a practice before another may take it over
# (a worker killed mid-pull leaves its claim behind).
SUMMARY_PULL_LEASE_SECONDS = int(os.environ.get("SUMMARY_PULL_LEASE_SECONDS", "900"))


# The bearer tokens the practices issued us are encrypted at rest (summaries/tokens.py) with
# these Fernet keys: comma-separated, the first encrypts, every one decrypts. To replace a key:
# put the new one first, run `manage.py practice_tokens_rotate`, then drop the old one.
def _practice_token_keys() -> list[str]:
    import base64
    import hashlib

    from cryptography.fernet import Fernet

    keys = env_list("PRACTICE_TOKEN_KEYS")
    if not keys:
        if not DEBUG:
            raise ImproperlyConfigured(
                "PRACTICE_TOKEN_KEYS is not set: the GP practices' bearer tokens are encrypted "
                "with it. Set it to a Fernet key (python -c 'from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())'), or set DEBUG=1 for local "
                "development."
            )
        # Development only: a key derived from SECRET_KEY, so `make run` needs no configuration.
        digest = hashlib.sha256(b"spoedinzage practice tokens:" + SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            # Which one, never the key itself: this message ends up in logs.
            raise ImproperlyConfigured(
                f"PRACTICE_TOKEN_KEYS: key {position} of {len(keys)} is not a Fernet key "
                "(32 bytes in URL-safe base64, as Fernet.generate_key() makes them)."
            ) from None
    return keys


PRACTICE_TOKEN_KEYS = _practice_token_keys()
