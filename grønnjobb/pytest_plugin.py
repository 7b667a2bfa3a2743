"""Loaded by pytest (pytest.ini, -p) before pytest-django reads the settings: tests run the
development configuration unless the environment says otherwise."""

import os

os.environ.setdefault("DJANGO_ENV", "development")
