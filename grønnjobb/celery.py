"""The Celery application. Tasks live in each app's tasks.py.

DJANGO_ENV is not defaulted here: a worker runs the configuration its environment names
(production unless told otherwise, like wsgi).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grønnjobb.settings")

app = Celery("gronnjobb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
