"""The API's surfaces: the schema and docs need a login and load nothing from elsewhere, and every
error, even one Django answers before a view runs, is JSON in the API's shape and language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from hr import api_errors, services

pytestmark = pytest.mark.django_db

THIRTY_MEGABYTES = 30 * 1024 * 1024


def test_the_schema_needs_a_login_or_a_key(employee):
    assert APIClient().get(reverse("v1:schema")).status_code == 401

    _token, key = services.api_token_create(user=employee.user, name="Skript")
    with_key = APIClient()
    with_key.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert with_key.get(reverse("v1:schema")).status_code == 200


@pytest.mark.parametrize("name", ["docs", "redoc"])
def test_the_docs_send_a_stranger_to_the_login_page(db, name):
    response = Client().get(reverse(f"v1:{name}"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["docs", "redoc"])
def test_the_docs_load_everything_from_our_own_static_files(employee, name):
    client = Client()
    client.force_login(employee.user)

    page = client.get(reverse(f"v1:{name}")).content.decode()

    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn.jsdelivr.net" not in page
    assert "fonts.googleapis.com" not in page
    assert "<script>" not in page
    assert "<style>" not in page


def test_a_thirty_megabyte_body_gets_json_413(employee):
    client = APIClient()
    client.force_login(employee.user)

    response = client.post(
        reverse("v1:entries"), b'{"x": "' + b"a" * THIRTY_MEGABYTES + b'"}', content_type="application/json"
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": api_errors.REQUEST_TOO_LARGE % {"megabytes": "2,5"}}


def test_a_thirty_megabyte_body_to_the_token_endpoint_gets_json_413(db):
    response = APIClient().post(reverse("v1:token"), b"a" * THIRTY_MEGABYTES, content_type="application/json")

    assert response.status_code == 413
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{ikke json", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"email=a&password=b", "text/plain"),
    ],
)
def test_malformed_bodies_get_json_errors(employee, body, content_type):
    client = APIClient()
    client.force_login(employee.user)

    response = client.post(reverse("v1:entries"), body, content_type=content_type)

    assert response.status_code in (400, 415)
    assert set(response.json()) == {"detail"}


def test_an_unknown_api_address_gets_json_404(employee):
    client = APIClient()
    client.force_login(employee.user)

    response = client.get("/api/v1/finnes-ikke/")

    assert response.status_code == 404
    assert response.json() == {"detail": str(api_errors.NOT_FOUND)}


def test_an_unknown_page_still_gets_the_html_page(employee):
    client = Client()
    client.force_login(employee.user)

    response = client.get("/finnes-ikke/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_errors_follow_the_chosen_language(employee):
    client = APIClient()
    client.force_login(employee.user)
    client.cookies["django_language"] = "en"

    not_found = client.get("/api/v1/finnes-ikke/")
    too_large = client.post(reverse("v1:entries"), b"a" * THIRTY_MEGABYTES, content_type="application/json")

    with translation.override("en"):
        assert not_found.json() == {"detail": str(api_errors.NOT_FOUND)}
        assert too_large.json() == {"detail": api_errors.REQUEST_TOO_LARGE % {"megabytes": "2.5"}}
    assert too_large.json()["detail"].startswith("The request is too large")
