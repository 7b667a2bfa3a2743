"""Brute-force protection: the real login page, the real token endpoint and the reset form lock a
username and an address out after LOGIN_FAILURE_LIMIT failures, whatever X-Forwarded-For says."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from grønnjobb import security
from hr import api_errors
from hr.tests.factories import PASSWORD, EmployeeFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse
    from rest_framework.response import _MonkeyPatchedResponse

pytestmark = pytest.mark.django_db

LOCKED_OUT = security.LOCKED_OUT % {"minutes": 15}
START = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def _token_throttle_out_of_the_way(monkeypatch):
    """The token endpoint's own throttle would answer first; these tests are about the lockout."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "1000/min"})


def login_page_post(
    client: Client, email: str, password: str, forwarded_for: str = ""
) -> _MonkeyPatchedWSGIResponse:
    extra: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def token_post(
    client: APIClient, email: str, password: str, forwarded_for: str = ""
) -> _MonkeyPatchedResponse:
    extra: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json", **extra)


def test_twenty_wrong_passwords_from_varied_forwarded_for_lock_the_login_page(employee):
    # given
    client = Client()
    for n in range(20):
        login_page_post(client, employee.email, f"feil-{n}", forwarded_for=f"198.51.100.{n}")

    # when
    response = login_page_post(client, employee.email, PASSWORD, forwarded_for="198.51.100.200")

    # then
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("hr:week")).status_code == 302  # still sent to the login page


def test_the_lockout_starts_at_the_tenth_failure_not_before(employee):
    client = Client()
    answers = [login_page_post(client, employee.email, f"feil-{n}").status_code for n in range(10)]
    assert answers == [200] * 9 + [429]


def test_the_username_is_locked_from_another_address_too(employee):
    for n in range(10):
        login_page_post(Client(REMOTE_ADDR="203.0.113.1"), employee.email.upper(), f"feil-{n}")

    response = login_page_post(Client(REMOTE_ADDR="203.0.113.99"), employee.email, PASSWORD)

    assert response.status_code == 429


def test_one_address_guessing_many_usernames_is_locked_for_everyone_there(employee, company):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(10):
        login_page_post(client, f"noen-{n}@example.no", "feil")

    response = login_page_post(client, employee.email, PASSWORD)

    assert response.status_code == 429
    # The same person from elsewhere is not affected.
    assert login_page_post(Client(REMOTE_ADDR="203.0.113.8"), employee.email, PASSWORD).status_code == 302


def test_twenty_wrong_passwords_lock_the_token_endpoint(employee, _token_throttle_out_of_the_way):
    # given
    client = APIClient()
    answers = [
        token_post(client, employee.email, f"feil-{n}", forwarded_for=f"198.51.100.{n}").status_code
        for n in range(20)
    ]

    # when
    response = token_post(client, employee.email, PASSWORD, forwarded_for="10.0.0.1")

    # then
    assert answers[:9] == [401] * 9
    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED_OUT}
    assert response["Retry-After"] == "900"


def test_failures_on_the_page_and_the_api_count_together(employee, _token_throttle_out_of_the_way):
    for n in range(5):
        login_page_post(Client(), employee.email, f"feil-{n}")
        token_post(APIClient(), employee.email, f"feil-{n}")

    assert token_post(APIClient(), employee.email, PASSWORD).status_code == 429


def test_the_lockout_is_lifted_by_time(employee, _frozen_clock):
    client = Client()
    for n in range(10):
        login_page_post(client, employee.email, f"feil-{n}")
    assert login_page_post(client, employee.email, PASSWORD).status_code == 429

    _frozen_clock.shift(datetime.timedelta(minutes=16))

    assert login_page_post(client, employee.email, PASSWORD).status_code == 302


def test_an_administrator_lifts_the_lockout_of_a_username(employee, administrator):
    # given: locked out by username from one address
    for n in range(10):
        login_page_post(Client(REMOTE_ADDR="203.0.113.1"), employee.email, f"feil-{n}")
    admin = Client()
    admin.force_login(administrator.user)

    # when
    response = admin.post(reverse("hr:settings_employee_unlock", args=[employee.id]))

    # then
    assert response.status_code == 302
    assert login_page_post(Client(REMOTE_ADDR="203.0.113.2"), employee.email, PASSWORD).status_code == 302


def test_only_an_administrator_of_the_same_company_lifts_a_lockout(employee, manager, other_company):
    from hr.tests.factories import administrator_of

    client = Client()
    client.force_login(manager.user)
    assert client.post(reverse("hr:settings_employee_unlock", args=[employee.id])).status_code == 403
    other_administrator = administrator_of(other_company)
    assert other_administrator.user is not None
    client.force_login(other_administrator.user)
    assert client.post(reverse("hr:settings_employee_unlock", args=[employee.id])).status_code == 404


def test_the_password_reset_form_counts_and_refuses_when_locked(employee):
    client = Client()
    answers = [
        client.post(reverse("password_reset"), {"email": employee.email}).status_code for _n in range(11)
    ]

    assert answers[:9] == [302] * 9
    assert answers[10] == 429
    assert LOCKED_OUT in client.post(reverse("password_reset"), {"email": employee.email}).content.decode()
    assert len(mail.outbox) <= 10


def test_a_locked_out_address_cannot_reset_passwords_either(employee):
    other = EmployeeFactory.create(company=employee.company)
    client = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(10):
        login_page_post(client, employee.email, f"feil-{n}")
    mail.outbox.clear()

    response = client.post(reverse("password_reset"), {"email": other.email})

    assert response.status_code == 429
    assert mail.outbox == []


def test_the_lockout_page_is_in_english_for_english_users(employee):
    client = Client()
    client.cookies["django_language"] = "en"
    for n in range(10):
        response = login_page_post(client, employee.email, f"feil-{n}")
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "client"),
    [
        (0, "", "192.0.2.1"),
        (0, "6.6.6.6", "192.0.2.1"),  # nobody is trusted: the header is ignored
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # our proxy appended the real peer last
        (1, "203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies: the leftmost
    ],
)
def test_the_client_address_comes_only_from_trusted_proxies(settings, proxies, forwarded_for, client):
    settings.TRUSTED_PROXY_COUNT = proxies
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", **extra)

    assert security.client_ip(request) == client


def test_behind_one_proxy_spoofed_entries_do_not_escape_the_lockout(settings, employee):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.2")  # the proxy
    for n in range(10):
        login_page_post(client, f"noen-{n}@example.no", "feil", forwarded_for=f"6.6.6.{n}, 203.0.113.9")

    response = login_page_post(client, employee.email, PASSWORD, forwarded_for="7.7.7.7, 203.0.113.9")

    assert response.status_code == 429


def test_the_throttle_message_is_norwegian(db):
    client = APIClient()
    for n in range(10):
        token_post(client, f"noen-{n}@example.no", "feil")

    response = token_post(client, "noen@example.no", "feil")

    assert response.status_code == 429
    assert response.json() == {"detail": api_errors.THROTTLED % {"seconds": 60}}
    assert response["Retry-After"] == "60"
