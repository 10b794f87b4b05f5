"""WSGI entry point (gunicorn: ``gunicorn --pythonpath site amorce.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amorce.settings.dev")

application = get_wsgi_application()
