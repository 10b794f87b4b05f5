"""Settings shared by every environment.

Everything that differs between machines comes from the environment (or a
local ``.env`` file, see ``.env.example``).
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

PROJECT_DIR = Path(__file__).resolve().parent.parent  # site/amorce
BASE_DIR = PROJECT_DIR.parent.parent  # repository root
# A fork's own templates and static files, which win over the project's (docs/fork.md).
OVERRIDES_DIR = Path(os.environ.get("AMORCE_OVERRIDES_DIR", BASE_DIR / "overrides"))

load_dotenv(BASE_DIR / ".env")


def env_list(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def env_rate(name, default):
    """``"N/S"`` (N events in S seconds) → ``(N, S)``."""
    count, _, seconds = os.environ.get(name, default).partition("/")
    return int(count), int(seconds or 3600)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or not value.strip():  # « NAME= » in a .env file: not said
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts",
    "cms_pages",
    "forms",
    "selection",
    "applicants",
    "exports",
    "investigations",
    "staffapi",
    "privacy",
    "webhooks",
    "figures",
    "demo",
    "twofactor",
    "dsfr",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.api.v3",
    "ninja",  # the API docs' Swagger UI from our static files, not from a CDN
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "widget_tweaks",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "corsheaders",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "core.security.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.security.ContentSecurityPolicyMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Public pages kept whole: a hit needs neither session nor database, and
    # gets the CSP middleware's fresh nonce (core/pagecache.py).
    "core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # An expired, revoked or unknown bearer token sent to the API: a 401 that
    # says why, on every route (staffapi/auth.py).
    "staffapi.auth.RefuseInvalidTokensMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Second factor: django-otp reads the session's device, then every admin URL
    # waits for the code (twofactor/middleware.py, docs/second-factor.md).
    "django_otp.middleware.OTPMiddleware",
    "twofactor.middleware.SecondFactorMiddleware",
    "core.middleware.RefuseUnreadableRequestsMiddleware",
    "core.middleware.RefusedChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "amorce.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [OVERRIDES_DIR / "templates", PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "amorce.context_processors.amorce",
            ],
        },
    },
]

WSGI_APPLICATION = "amorce.wsgi.application"

# Database: SQLite by default, PostgreSQL (or anything dj-database-url reads)
# when DATABASE_URL is set.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: PostgreSQL compiles a query whose estimated cost passes
    # jit_above_cost, which the lists' queries with a subquery per row reach at
    # 10,000 rows (possible duplicates, investigations' follow-up, decision
    # emails); compiling took 45 to 250 ms there, more than running them
    # (EXPLAIN ANALYZE, docs/performance.md). A web page's queries are short.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and a task worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Django's backend, keeping the triggers when a migration rebuilds a
    # table (``core/sqlite/base.py``).
    DATABASES["default"]["ENGINE"] = "core.sqlite"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: French first. The public site is served in French
# whatever the browser asks (its content is French); English is available
# in the admin, chosen by each user in their profile.
LANGUAGE_CODE = "fr"
LANGUAGES = [
    ("fr", _("Français")),
    ("en", _("Anglais")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("fr", _("Français"))]

# Static files and uploads.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [
    *([OVERRIDES_DIR / "static"] if (OVERRIDES_DIR / "static").is_dir() else []),
    PROJECT_DIR / "static",
]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
STATIC_URL = "/static/"

# Public media (images and documents that editors publish).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
# Private files (candidatures' attachments, exports): never under MEDIA_URL,
# served only through permission-checked views.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    },
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Email.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Seconds before a silent mail server is given up (and the email retried later):
# a receipt is sent holding its candidature's row, never for long.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Amorce <ne-pas-repondre@localhost>"
)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Background work (Django's tasks API, database backend).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# Workers (``manage.py run_worker``) beat in the shared cache every N seconds;
# the tasks of a worker silent for three beats go back to the queue.
AMORCE_WORKER_HEARTBEAT = float(os.environ.get("AMORCE_WORKER_HEARTBEAT", "10"))

# Webhooks (docs/webhooks.md): seconds to wait for an answer, delays between
# attempts (seconds), and whether a URL may point at a private or loopback
# address (never in production: only development and tests allow it).
AMORCE_WEBHOOKS_TIMEOUT = float(os.environ.get("AMORCE_WEBHOOKS_TIMEOUT", "5"))
# Seconds a URL's name may take to resolve when an endpoint is saved (the admin
# waits on it): past them, a French message asks to try again.
AMORCE_WEBHOOKS_RESOLVE_TIMEOUT = float(
    os.environ.get("AMORCE_WEBHOOKS_RESOLVE_TIMEOUT", "3")
)
AMORCE_WEBHOOKS_BACKOFF = [60, 300, 1800, 7200, 43200]

# Antivirus (docs/antivirus.md): ClamAV's daemon at AMORCE_CLAMD scans every file
# sent. On when AMORCE_ANTIVIRUS=on, or when AMORCE_CLAMD is given and
# AMORCE_ANTIVIRUS is not "off".
AMORCE_CLAMD = os.environ.get("AMORCE_CLAMD", "unix:///run/clamav/clamd.ctl")
AMORCE_ANTIVIRUS = env_bool(
    "AMORCE_ANTIVIRUS", bool(os.environ.get("AMORCE_CLAMD", "").strip())
)
AMORCE_CLAMD_TIMEOUT = float(os.environ.get("AMORCE_CLAMD_TIMEOUT", "60"))
# clamd's StreamMaxLength (Debian's default: 25M): a longer file is « impossible à analyser ».
AMORCE_CLAMD_STREAM_MAX_LENGTH = int(
    os.environ.get("AMORCE_CLAMD_STREAM_MAX_LENGTH", str(25 * 1024 * 1024))
)
# Seconds before each new try when clamd does not answer; then scan_pending.
AMORCE_ANTIVIRUS_BACKOFF = [60, 300, 1800, 7200, 43200]
AMORCE_WEBHOOKS_ALLOW_PRIVATE = env_bool("AMORCE_WEBHOOKS_ALLOW_PRIVATE", False)

# Wagtail.
WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "Amorce")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "ods", "pdf", "pptx", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILAPI_BASE_URL = os.environ.get("WAGTAILAPI_BASE_URL", WAGTAILADMIN_BASE_URL)
WAGTAILAPI_LIMIT_MAX = 100
WAGTAILAPI_DOCS_ENABLED = True
WAGTAILAPI_RICH_TEXT_FORMAT = "html"
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The communication team publishes; Wagtail's default « Moderators approval »
# workflow (and its English name) would stand in its way.
WAGTAIL_WORKFLOW_ENABLED = False
# No avatar fetched from Gravatar: it would send a hash of each admin's email abroad.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# django-dsfr: the State design system's assets are served locally.
DSFR_USE_INTEGRITY_CHECKSUMS = True
# The DSFR marks optional fields, not required ones.
DSFR_MARK_OPTIONAL_FIELDS = True

# Public pages (home, programme, call, FAQ, news) kept whole in the cache for
# visitors with no session, at most this many seconds; 0 switches it off.
AMORCE_PAGE_CACHE_SECONDS = int(os.environ.get("AMORCE_PAGE_CACHE_SECONDS", "300"))

# Candidatures.
# At most N candidatures per client address in a window of S seconds ("N/S").
_rate = os.environ.get("AMORCE_SUBMISSION_RATE_LIMIT", "20/3600").split("/")
AMORCE_SUBMISSION_RATE_LIMIT = (
    int(_rate[0]),
    int(_rate[1]) if len(_rate) > 1 else 3600,
)
# Refused attempts (answers to correct, a refused file, an unreadable body, an
# expired page) per client address, within S seconds of the last one ("N/S");
# past it, the address is refused like one that sent too many candidatures.
# Higher than the limit above: an applicant who corrects a typo is not a robot.
AMORCE_REFUSED_SUBMISSION_RATE_LIMIT = env_rate(
    "AMORCE_REFUSED_SUBMISSION_RATE_LIMIT", "60/3600"
)
# Largest accepted request (all files together), in bytes.
AMORCE_MAX_REQUEST_SIZE = int(
    os.environ.get("AMORCE_MAX_REQUEST_SIZE", str(60 * 1024 * 1024))
)
# How many reverse proxies in front of the app add X-Forwarded-For (0: trust none).
AMORCE_TRUSTED_PROXIES = int(os.environ.get("AMORCE_TRUSTED_PROXIES", "0"))
# The staff API's sync lists stop this many seconds before now (and, on PostgreSQL,
# before the oldest open transaction): a change stamped earlier but not yet
# committed must not fall behind a client's cursor (docs/api.md).
AMORCE_SYNC_SETTLE_SECONDS = float(os.environ.get("AMORCE_SYNC_SETTLE_SECONDS", "2"))
# Browsers may call the API (and only it) from the origins in
# AMORCE_API_ALLOWED_ORIGINS, comma-separated; "*": from any (django-cors-headers).
_api_origins = env_list("AMORCE_API_ALLOWED_ORIGINS")
CORS_ALLOW_ALL_ORIGINS = "*" in _api_origins
CORS_ALLOWED_ORIGINS = [origin for origin in _api_origins if origin != "*"]
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_METHODS = ["GET", "POST", "OPTIONS"]
CORS_ALLOW_HEADERS = [
    "Content-Type",
    "Idempotency-Key",
    "Authorization",
    "Accept-Language",
]
CORS_PREFLIGHT_MAX_AGE = 3600

# Admin sign-in: refused for a while after N failures ("N/S": within S seconds)
# for one username, or from one client address (counted in the cache).
AMORCE_LOGIN_RATE_LIMIT = env_rate("AMORCE_LOGIN_RATE_LIMIT", "5/900")
AMORCE_LOGIN_ADDRESS_RATE_LIMIT = env_rate("AMORCE_LOGIN_ADDRESS_RATE_LIMIT", "20/900")
# Second factor (docs/second-factor.md): accounts that can read personal data
# (holding one of AMORCE_2FA_PERMISSIONS, or superusers) must enrol a TOTP app
# when AMORCE_REQUIRE_2FA is on (production's default); an account that has one
# is always asked for its code. Wrong codes count like wrong passwords (the
# limits above). django-otp's own per-device delays are off: one policy, ours.
AMORCE_REQUIRE_2FA = env_bool("AMORCE_REQUIRE_2FA", False)
AMORCE_2FA_PERMISSIONS = [
    "forms.view_candidature",
    "selection.sit_on_round",
    "investigations.view_investigation",
    "auth.change_user",
]
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# « Mot de passe oublié »: each request sends an email; N requests within S seconds
# for one address typed, or from one client address, and further ones are refused.
AMORCE_PASSWORD_RESET_RATE_LIMIT = env_rate(
    "AMORCE_PASSWORD_RESET_RATE_LIMIT", "3/3600"
)
AMORCE_PASSWORD_RESET_ADDRESS_RATE_LIMIT = env_rate(
    "AMORCE_PASSWORD_RESET_ADDRESS_RATE_LIMIT", "10/3600"
)

# The applicant's space (no account): a link sent by email opens a draft or a
# dossier once, for AMORCE_APPLICANT_LINK_MAX_AGE seconds after it was sent; the
# browser then keeps it open for AMORCE_APPLICANT_SESSION_AGE seconds. Asking for
# links (a draft's, « recevoir un nouveau lien »): N within S seconds per address
# typed, or per client address.
AMORCE_APPLICANT_LINK_MAX_AGE = int(
    os.environ.get("AMORCE_APPLICANT_LINK_MAX_AGE", str(7 * 24 * 3600))
)
AMORCE_APPLICANT_SESSION_AGE = int(
    os.environ.get("AMORCE_APPLICANT_SESSION_AGE", str(12 * 3600))
)
AMORCE_APPLICANT_LINK_RATE_LIMIT = env_rate(
    "AMORCE_APPLICANT_LINK_RATE_LIMIT", "5/3600"
)
AMORCE_APPLICANT_LINK_ADDRESS_RATE_LIMIT = env_rate(
    "AMORCE_APPLICANT_LINK_ADDRESS_RATE_LIMIT", "20/3600"
)

# A jury member's invitation: its link (sent by email, single use) lets the
# person set a password for AMORCE_JURY_INVITATION_MAX_AGE seconds after it was sent.
AMORCE_JURY_INVITATION_MAX_AGE = int(
    os.environ.get("AMORCE_JURY_INVITATION_MAX_AGE", str(14 * 24 * 3600))
)

# Content security policy: django-csp, through core.security's middleware.
# NONCE stands for each response's nonce (request.csp_nonce), "'media'" for the
# public media storage's origin when it is remote (object storage).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "'media'"],
        "font-src": [SELF, "data:"],
        "media-src": [SELF, "'media'"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Wagtail's admin still has inline scripts and style attributes: its own directives.
AMORCE_CSP_ADMIN_PATH = "/admin/"
AMORCE_CSP_ADMIN = {
    **CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:", "'media'"],
    "frame-src": [SELF],
    "frame-ancestors": [SELF],  # the page preview is an iframe of the admin
}
AMORCE_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"

# The benchmarks add Wagtail's stock form page to compare against (never in production).
if env_bool("AMORCE_BENCH", False):
    INSTALLED_APPS.append("bench.stockforms")

# Exports larger than this many rows run as background tasks.
AMORCE_EXPORT_SYNC_LIMIT = int(os.environ.get("AMORCE_EXPORT_SYNC_LIMIT", "2000"))
# Planned length of an investigation (weeks), when it is opened.
AMORCE_INVESTIGATION_WEEKS = int(os.environ.get("AMORCE_INVESTIGATION_WEEKS", "9"))
AMORCE_CHECKPOINT_WEEKS = os.environ.get("AMORCE_CHECKPOINT_WEEKS", "3, 6")
# Jury books of more dossiers than this are made in the background.
AMORCE_PDF_SYNC_LIMIT = int(os.environ.get("AMORCE_PDF_SYNC_LIMIT", "30"))
# Warm the PDF engine up when the process starts (set for web and worker in the
# Procfile): the first PDF a worker draws does not pay for WeasyPrint's loading.
AMORCE_PDF_WARM_UP = os.environ.get("AMORCE_PDF_WARM_UP", "0") == "1"
# Keep the jury books' parts drawn while the jury scores, N seconds after an
# evaluation (exports/preparation.py): "1" or "0"; unset, on whenever tasks go
# to a queue (not inline, as in development and the tests) and the cache is
# shared with the worker (Redis or the database, not a process's memory).
# Processes a long PDF's missing parts are drawn in at once (cms_pages/pdf.py,
# draw_many): the Procfile's task worker sets 2; keep 1 for web workers.
AMORCE_PDF_PROCESSES = int(os.environ.get("AMORCE_PDF_PROCESSES", "1"))
AMORCE_JURY_BOOK_PREPARE = (
    env_bool("AMORCE_JURY_BOOK_PREPARE")
    if os.environ.get("AMORCE_JURY_BOOK_PREPARE")
    else None
)
AMORCE_JURY_BOOK_PREPARE_DELAY = int(
    os.environ.get("AMORCE_JURY_BOOK_PREPARE_DELAY", "30")
)
# ZIPs of attachments past this many bytes of files (or past AMORCE_PDF_SYNC_LIMIT
# dossiers, a PDF each) are made in the background.
AMORCE_EXPORT_ZIP_SYNC_LIMIT = int(
    os.environ.get("AMORCE_EXPORT_ZIP_SYNC_LIMIT", str(25 * 1024 * 1024))
)
# Spread (standard deviation, on 100) from which a dossier's scores count as a disagreement.
AMORCE_DISAGREEMENT_SPREAD = float(os.environ.get("AMORCE_DISAGREEMENT_SPREAD", "15"))

# Public theme of a new site: "dsfr" (State services only) or "neutral" (local
# authorities); each site then chooses its own in its identity (SiteIdentity.theme).
AMORCE_THEME = os.environ.get("AMORCE_THEME", "dsfr")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "amorce": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Sign-in with ProConnect (accounts/, docs/authentication.md) --------------
# Off while PROCONNECT_CLIENT_ID is empty. The endpoints come from the discovery
# document, unless given one by one.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "accounts.backends.ProConnectBackend",
]
PROCONNECT_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID", "")
PROCONNECT_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET", "")
PROCONNECT_DISCOVERY_URL = os.environ.get("PROCONNECT_DISCOVERY_URL", "")
PROCONNECT_ISSUER = os.environ.get("PROCONNECT_ISSUER", "")
PROCONNECT_AUTHORIZATION_ENDPOINT = os.environ.get(
    "PROCONNECT_AUTHORIZATION_ENDPOINT", ""
)
PROCONNECT_TOKEN_ENDPOINT = os.environ.get("PROCONNECT_TOKEN_ENDPOINT", "")
PROCONNECT_USERINFO_ENDPOINT = os.environ.get("PROCONNECT_USERINFO_ENDPOINT", "")
PROCONNECT_JWKS_ENDPOINT = os.environ.get("PROCONNECT_JWKS_ENDPOINT", "")
PROCONNECT_END_SESSION_ENDPOINT = os.environ.get("PROCONNECT_END_SESSION_ENDPOINT", "")
# Blank variables take the defaults (« NAME= » in a .env file is not said).
PROCONNECT_SCOPES = (
    os.environ.get("PROCONNECT_SCOPES", "").strip()
    or "openid email given_name usual_name siret organizational_unit"
)
PROCONNECT_ACR_VALUES = os.environ.get("PROCONNECT_ACR_VALUES", "").strip() or "eidas1"
# Ask for ``amr``: ProConnect says which factors were checked only when asked
# (a sign-in with more than one counts as the second factor, docs/second-factor.md).
PROCONNECT_CLAIMS = (
    os.environ.get("PROCONNECT_CLAIMS", "").strip()
    or '{"id_token": {"amr": {"essential": true}}}'
)
# The ID token's acr values that count as a second factor (space-separated).
# ProConnect's levels: eidas1 is one factor; eidas2 and eidas3 are more.
PROCONNECT_STRONG_ACR_VALUES = (
    os.environ.get("PROCONNECT_STRONG_ACR_VALUES", "").strip() or "eidas2 eidas3"
)
PROCONNECT_SIGN_ALGO = os.environ.get("PROCONNECT_SIGN_ALGO", "").strip() or "RS256"
PROCONNECT_TIMEOUT = int(os.environ.get("PROCONNECT_TIMEOUT", "").strip() or "10")
# Nobody changes their own address in « Mon compte » (Wagtail would not verify
# it): a ProConnect account is found by its sub, and an address is only
# changed by an administrator (docs/authentication.md).
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
# Break-glass: superusers may still sign in with their password on a site whose
# « Connexion par mot de passe » is off.
AMORCE_PASSWORD_LOGIN_BREAK_GLASS = env_bool("AMORCE_PASSWORD_LOGIN_BREAK_GLASS")
