"""API keys: hashed, named, expiring, listed and revoked on «Min profil»; a new password, a role
change or a deactivation ends the person's keys and their other browser sessions."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from hr import services
from hr.authentication import TOKEN_INVALID
from hr.models import ApiToken, Employee, Role
from hr.tests.factories import PASSWORD, EmployeeFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "et-helt-nytt-passord-77"


def api_with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def token_via_api(employee: Employee, name: str = "Lønnsskript") -> str:
    response = APIClient().post(
        reverse("v1:token"), {"email": employee.email, "password": PASSWORD, "name": name}, format="json"
    )
    assert response.status_code == 200, response.content
    token: str = response.json()["token"]
    return token


def logged_in(employee: Employee) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": employee.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def is_logged_in(client: Client) -> bool:
    return client.get(reverse("hr:week")).status_code == 200


def employee_form(employee: Employee, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": employee.first_name,
        "last_name": employee.last_name,
        "email": employee.email,
        "employee_number": employee.employee_number,
        "role": employee.role,
        "department": employee.department_id or "",
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_token_taken_before_a_password_reset_answers_401_after_it(employee):
    # given: a key, and a browser logged in elsewhere
    key = token_via_api(employee)
    assert api_with_key(key).get(reverse("v1:projects")).status_code == 200
    elsewhere = logged_in(employee)

    # when: «Glemt passord» and the e-mailed link
    client = Client()
    client.post(reverse("password_reset"), {"email": employee.email})
    found = re.search(r"https?://[^/\s]+(/passord/\S+/)", str(mail.outbox[-1].body))
    assert found is not None
    link = found.group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302

    # then
    answer = api_with_key(key).get(reverse("v1:projects"))
    assert answer.status_code == 401
    assert answer.json() == {"detail": str(TOKEN_INVALID)}
    assert not is_logged_in(elsewhere)


def test_changing_the_password_keeps_this_browser_and_ends_the_rest(employee):
    # given
    key = token_via_api(employee)
    here, elsewhere = logged_in(employee), logged_in(employee)

    # when
    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # then
    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert api_with_key(key).get(reverse("v1:projects")).status_code == 401


@pytest.mark.parametrize(
    "change",
    [{"role": Role.MANAGER}, {"is_active": None}],
    ids=["role changed", "deactivated"],
)
def test_a_role_change_or_deactivation_ends_keys_and_sessions(employee, administrator, change):
    # given
    key = token_via_api(employee)
    browser = logged_in(employee)
    admin = logged_in(administrator)

    # when
    response = admin.post(
        reverse("hr:settings_employee", args=[employee.id]), employee_form(employee, **change)
    )

    # then
    assert response.status_code == 302
    assert api_with_key(key).get(reverse("v1:projects")).status_code == 401
    assert not is_logged_in(browser)
    assert is_logged_in(admin)


def test_editing_a_name_leaves_keys_and_sessions_alone(employee, administrator):
    key = token_via_api(employee)
    browser = logged_in(employee)

    logged_in(administrator).post(
        reverse("hr:settings_employee", args=[employee.id]), employee_form(employee, first_name="Åsa")
    )

    assert api_with_key(key).get(reverse("v1:projects")).status_code == 200
    assert is_logged_in(browser)


def test_a_key_expires_after_its_lifetime(employee, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 90
    start = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        key = token_via_api(employee)
        token = ApiToken.objects.get()
        assert token.expires_at == start + datetime.timedelta(days=90)

        clock.shift(datetime.timedelta(days=89))
        assert api_with_key(key).get(reverse("v1:projects")).status_code == 200

        clock.shift(datetime.timedelta(days=2))
        assert api_with_key(key).get(reverse("v1:projects")).status_code == 401


def test_only_the_digest_is_stored(employee):
    key = token_via_api(employee)

    token = ApiToken.objects.get()
    assert key not in str(list(ApiToken.objects.values()))
    assert token.digest == services.api_token_digest(key)
    assert key.startswith(token.prefix)


def test_min_profil_lists_keys_with_name_and_last_use(employee):
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC), tick=False):
        key = token_via_api(employee, name="Lønnsskript")
        token_via_api(employee, name="Ubrukt")
        api_with_key(key).get(reverse("v1:projects"))

        page = logged_in(employee).get(reverse("profile")).content.decode()

    assert "Lønnsskript" in page
    assert "Ubrukt" in page
    assert "25.11.2026 13:00" in page  # last use, Oslo time
    assert "Aldri" in page
    assert key not in page


def test_a_key_made_on_min_profil_is_shown_once(employee):
    client = logged_in(employee)

    response = client.post(reverse("profile"), {"action": "create", "name": "Regneark"})

    shown = re.search(r'<code id="new-key">([^<]+)</code>', response.content.decode())
    assert shown is not None
    key = shown.group(1)
    assert response["Cache-Control"] == "no-store"
    assert api_with_key(key).get(reverse("v1:projects")).status_code == 200
    assert key not in client.get(reverse("profile")).content.decode()


def test_keys_are_revoked_one_by_one_or_all_at_once(employee):
    first, second, third = (token_via_api(employee, name=n) for n in ("En", "To", "Tre"))
    client = logged_in(employee)
    first_id = ApiToken.objects.get(name="En").id

    client.post(reverse("profile"), {"action": f"revoke:{first_id}"})

    assert api_with_key(first).get(reverse("v1:projects")).status_code == 401
    assert api_with_key(second).get(reverse("v1:projects")).status_code == 200

    client.post(reverse("profile"), {"action": "revoke-all"})

    assert api_with_key(second).get(reverse("v1:projects")).status_code == 401
    assert api_with_key(third).get(reverse("v1:projects")).status_code == 401
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_key(employee, company):
    other = EmployeeFactory.create(company=company)
    key = token_via_api(other)
    token_id = ApiToken.objects.get().id

    response = logged_in(employee).post(reverse("profile"), {"action": f"revoke:{token_id}"})

    assert response.status_code == 404
    assert api_with_key(key).get(reverse("v1:projects")).status_code == 200
