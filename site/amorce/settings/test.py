"""Settings for the test suite: fast and deterministic."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "amorce-tests-only"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Second factor off unless a test turns it on (tests/twofactor/).
AMORCE_REQUIRE_2FA = False
# The tests' webhook receivers listen on 127.0.0.1.
AMORCE_WEBHOOKS_ALLOW_PRIVATE = True
WAGTAILADMIN_BASE_URL = "http://testserver"
WAGTAILAPI_BASE_URL = "http://testserver"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# Uploads made by the tests go to a throwaway folder.
import tempfile  # noqa: E402

_TEST_FILES = Path(tempfile.mkdtemp(prefix="amorce-tests-"))  # noqa: F405
MEDIA_ROOT = _TEST_FILES / "media"
PRIVATE_MEDIA_ROOT = _TEST_FILES / "private"
STORAGES["private"]["OPTIONS"]["location"] = PRIVATE_MEDIA_ROOT  # noqa: F405
AMORCE_ANTIVIRUS = False  # tests/antivirus starts its own clamd and turns it on
