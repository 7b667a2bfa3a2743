"""Configuration: production refuses to start without its secrets; language defaults to Norwegian."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "gronnjobb.example.no",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://u:p@smtp.example.no:587",
    "TRIPLETEX_CONSUMER_TOKEN": "consumer",
    "ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=",
}


def _load_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS and k != "DEBUG"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "grønnjobb.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_production_refuses_to_start_without_each_secret(missing):
    env = {"DJANGO_ENV": "production", **{k: v for k, v in SECRETS.items() if k != missing}}
    result = _load_settings(env)
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr or (
        missing == "DATABASE_URL" and "PostgreSQL" in result.stderr
    )


def test_production_starts_with_all_secrets():
    result = _load_settings({"DJANGO_ENV": "production", **SECRETS})
    assert result.returncode == 0, result.stderr


def test_production_keeps_login_and_throttle_counters_in_the_shared_redis_cache():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.AXES_HANDLER, s.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS and k != "DEBUG"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "grønnjobb.settings", "DJANGO_ENV": "production", **SECRETS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "axes.handlers.cache.AxesCacheHandler",
        "0",
    ], result.stderr


def test_wsgi_defaults_to_production():
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS and k != "DJANGO_ENV"}
    result = subprocess.run(
        [sys.executable, "-c", "import grønnjobb.wsgi"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "must be set in production" in result.stderr


def test_norwegian_whatever_the_browser_says(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "nb"
    assert "Logg inn" in response.content.decode()


def test_language_picker_switches_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"))
    assert response.headers["Content-Language"] == "en"
    assert "Log in" in response.content.decode()
