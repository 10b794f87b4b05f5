"""Production: fails hard when what must be set is not.

PostgreSQL comes from DATABASE_URL (base.py). Static files are served by
whitenoise; uploads go to S3-compatible object storage when
AWS_STORAGE_BUCKET_NAME is set (the local disk otherwise); the cache that
counts failed sign-ins is shared by every process (Redis or the database).
"""

import logging
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MIDDLEWARE, STORAGES, env_bool

DEBUG = False

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY doit être défini en production.")
if not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS doit être défini en production.")

# Antivirus (docs/antivirus.md): said explicitly, never off by omission. On with
# AMORCE_CLAMD (clamd's address) or AMORCE_ANTIVIRUS=on; off only with
# AMORCE_ANTIVIRUS=off, and then `manage.py check` warns (amorce.W001).
if (
    not os.environ.get("AMORCE_ANTIVIRUS", "").strip()
    and not os.environ.get("AMORCE_CLAMD", "").strip()
):
    raise ImproperlyConfigured(
        "AMORCE_CLAMD (l'adresse de clamd) ou AMORCE_ANTIVIRUS doit être défini "
        "en production : AMORCE_ANTIVIRUS=off pour se passer de l'antivirus."
    )
_antivirus = os.environ.get("AMORCE_ANTIVIRUS", "").strip().lower()
if _antivirus and _antivirus not in {
    *("1", "true", "yes", "on", "oui"),
    *("0", "false", "no", "off", "non"),
}:
    raise ImproperlyConfigured(
        "AMORCE_ANTIVIRUS doit valoir « on » ou « off » en production."
    )
AMORCE_ANTIVIRUS_SWITCHED_OFF = not AMORCE_ANTIVIRUS  # noqa: F405
if AMORCE_ANTIVIRUS_SWITCHED_OFF:
    logging.getLogger("amorce.antivirus").warning(
        "AMORCE_ANTIVIRUS=off: the files sent are not scanned"
    )

# HTTPS, cookies, headers. The content security policy is django-csp's, through
# core.security's middleware (CONTENT_SECURITY_POLICY in base.py), the same in
# every environment.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Preloading commits the whole domain to HTTPS for good: the domain's
    # owner opts in (SECURE_HSTS_PRELOAD=1), the app does not decide it.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Second factor: required of accounts that can read personal data, unless an
# instance turns it off (AMORCE_REQUIRE_2FA=0, e.g. every admin uses ProConnect).
AMORCE_REQUIRE_2FA = env_bool("AMORCE_REQUIRE_2FA", True)

# Webhooks never reach the instance's own network (webhooks/targets.py): a URL
# resolving to a private, loopback, link-local or reserved address is refused.
AMORCE_WEBHOOKS_ALLOW_PRIVATE = False

# Static files: whitenoise serves the collected, hashed and compressed files.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    **STORAGES,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
# The manifest storage rewrites the url()s inside the DSFR's stylesheets, so
# their published integrity hashes no longer match and browsers would refuse
# them. Same-origin files under our own CSP: the hashes add nothing here.
DSFR_USE_INTEGRITY_CHECKSUMS = False

# Uploads. With a bucket: public images and documents under media/, and the
# private files (candidatures' attachments, exports, imports) with a private
# ACL, in their own bucket if AWS_PRIVATE_STORAGE_BUCKET_NAME is set (advised),
# else under private/ in the same one. Private files are never linked: the
# app's permission-checked views stream them.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_S3_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_S3_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
    AWS_S3_FILE_OVERWRITE = False
    _private_bucket = os.environ.get("AWS_PRIVATE_STORAGE_BUCKET_NAME", "")
    STORAGES = {
        **STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": AWS_STORAGE_BUCKET_NAME,
                "location": "media",
                # Empty when a bucket policy makes media/ public instead of ACLs.
                "default_acl": os.environ.get("AWS_DEFAULT_ACL", "public-read") or None,
                "querystring_auth": False,
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _private_bucket or AWS_STORAGE_BUCKET_NAME,
                "location": "" if _private_bucket else "private",
                "default_acl": "private",
                # Never a public URL; should anything ask for one, it is signed
                # and lives one minute.
                "querystring_auth": True,
                "querystring_expire": 60,
                "custom_domain": None,
                "object_parameters": {"CacheControl": "private, no-store"},
            },
        },
    }
    # Documents go through Wagtail's view (collection privacy), not a redirect.
    WAGTAILDOCS_SERVE_METHOD = "serve_view"

# Cache: failed sign-ins are counted in it, so every web process must share it.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # In the database (`manage.py createcachetable`, run by the release step).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "amorce_cache",
            # Django's default (300) would cull a third of the entries, workers'
            # heartbeats and whole pages included, as soon as a site has a few pages.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
