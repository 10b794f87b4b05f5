"""Local development: the settings ``make run`` uses."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
# Incubators added on a laptop (create_incubator --hostname mer.localhost) answer at once.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, ".localhost"]  # noqa: F405
# A development key, never valid in production (production.py refuses to start
# without SECRET_KEY).
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-amorce-dev-only"  # noqa: S105
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# No worker to run on a laptop: tasks (emails, Wagtail's own) run in the request.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# Webhooks may target a receiver on this machine (http://127.0.0.1:…).
AMORCE_WEBHOOKS_ALLOW_PRIVATE = env_bool("AMORCE_WEBHOOKS_ALLOW_PRIVATE", True)
