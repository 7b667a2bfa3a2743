"""WSGI entry point. Served in production, so production is the default configuration."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_ENV", "production")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grønnjobb.settings")

application = get_wsgi_application()
