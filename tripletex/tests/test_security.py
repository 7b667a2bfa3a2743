"""Security of «Koble til Tripletex» (docs/wizard.md#security): tenants (B1, B2), the key at
rest (B11), the key never exposed (B12), Tripletex's address from settings only (B16), and no writes
to Tripletex from the wizard."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from hr.models import Employee, Role
from hr.tests.factories import CompanyFactory, DepartmentFactory, administrator_of
from tripletex import client as tx
from tripletex import crypto, views
from tripletex.models import AuditEvent, Connection, ItemKind, WizardItem, WizardRun, WizardStatus
from tripletex.services import connection as connection_services
from tripletex.services import wizard
from tripletex.tests.test_views import begin_and_check_key, login, open_step, step_url, text, url

pytestmark = pytest.mark.django_db

ELSEWHERE = "http://127.0.0.1:9/v2"  # the discard port: a key check sent here would fail
SECRET_OF_B = "Hemmelig"
B_ADMIN_NAME = ("Bjørnar", "Hemmeligsen")
STEP_SLUGS = ("prosjekter", "lonnsarter", "ansatte")


@pytest.fixture(autouse=True)
def _point_at_sandbox(settings, tripletex_sandbox):
    settings.TRIPLETEX_BASE_URL = tripletex_sandbox.base_url
    settings.TRIPLETEX_CONSUMER_TOKEN = tripletex_sandbox.consumer_token
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def _fresh_keyring(settings) -> Iterator[None]:
    """The keyring is cached; a test that changes ENCRYPTION_KEYS must not leave its keys behind."""
    crypto.keyring_reset()
    yield
    crypto.keyring_reset()


@pytest.fixture
def admin_a(db) -> Employee:
    company = CompanyFactory.create(name="Grønn Bygg AS")
    return administrator_of(company, email="admin@gronnbygg.no", employee_number="1001")


@pytest.fixture
def admin_b(db) -> Employee:
    company = CompanyFactory.create(name=f"{SECRET_OF_B} Bygg AS")
    first, last = B_ADMIN_NAME
    return administrator_of(company, email="admin@b.no", first_name=first, last_name=last)


@pytest.fixture
def client_a(admin_a) -> Client:
    client = Client()
    login(client, admin_a)
    return client


@pytest.fixture
def client_b(admin_b) -> Client:
    client = Client()
    login(client, admin_b)
    return client


def fetch_all_steps(client: Client, capture) -> None:
    for slug in STEP_SLUGS:
        open_step(client, capture, slug)


def snapshot(run: WizardRun) -> list[tuple[Any, ...]]:
    return list(
        WizardItem.objects.filter(run=run)
        .order_by("id")
        .values_list("id", "selected", "options", "eligible", "name", "link_state")
    )


def run_state(run: WizardRun) -> tuple[Any, ...]:
    run.refresh_from_db()
    return (run.status, run.key_checked, run.employee_token, run.fetch_state, run.tripletex_company_name)


def connection_state(company) -> list[tuple[Any, ...]]:
    return list(
        Connection.objects.filter(company=company).values_list(
            "is_active", "employee_token", "tripletex_company_name", "removed_at"
        )
    )


# --- B1/B2: another company's wizard, items, connection and audit -----------------------------


def test_an_administrator_without_a_wizard_gets_404_not_another_companys(
    admin_a, admin_b, client_a, client_b, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: B has an open wizard with projects fetched and an active connection
    begin_and_check_key(client_b, tripletex_sandbox.employee_token)
    client_b.post(url("wizard_summary"))
    run_b = begin_and_check_key(client_b, tripletex_sandbox.employee_token)
    open_step(client_b, django_capture_on_commit_callbacks, "prosjekter")
    before = (
        run_state(run_b),
        snapshot(run_b),
        connection_state(admin_b.company),
        AuditEvent.objects.count(),
    )
    ids_of_b = [str(i) for i in WizardItem.objects.filter(run=run_b).values_list("id", flat=True)]
    # when / then: A (no wizard, no connection) reaches none of it
    pages = [url("wizard_key"), url("wizard_fetch_status", "prosjekter")] + [step_url(s) for s in STEP_SLUGS]
    for address in pages:
        assert client_a.get(address).status_code == 404, address
        response = client_a.post(
            address, {"key": tripletex_sandbox.employee_token, "shown": ids_of_b, "selected": ids_of_b}
        )
        assert response.status_code == 404, address
    assert client_a.get(url("wizard_summary")).status_code == 404
    finish = client_a.post(url("wizard_summary"), follow=True)
    assert str(wizard.WIZARD_NOT_OPEN) in text(finish)
    for address in (url("wizard_cancel"), url("connection_remove")):
        assert client_a.post(address).status_code == 302
    assert client_a.get(url("connection_remove")).status_code == 302
    # and B's wizard, items, connection and audit are untouched; A has nothing
    assert (
        run_state(run_b),
        snapshot(run_b),
        connection_state(admin_b.company),
        AuditEvent.objects.count(),
    ) == before
    assert not WizardRun.objects.filter(company=admin_a.company).exists()
    assert not Connection.objects.filter(company=admin_a.company).exists()


def test_another_companys_item_ids_posted_to_own_step_change_nothing(
    admin_a, admin_b, client_a, client_b, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: both companies' wizards have fetched every step
    run_b = begin_and_check_key(client_b, tripletex_sandbox.employee_token)
    fetch_all_steps(client_b, django_capture_on_commit_callbacks)
    run_a = begin_and_check_key(client_a, tripletex_sandbox.employee_token)
    fetch_all_steps(client_a, django_capture_on_commit_callbacks)
    department_a = DepartmentFactory.create(company=admin_a.company)
    department_b = DepartmentFactory.create(company=admin_b.company)
    activity = tripletex_sandbox.activity_id("Rørlegging")
    before_a, before_b = snapshot(run_a), snapshot(run_b)
    assert before_a and before_b
    # when: A posts B's ids to each of A's steps, as ticks and as choices, and its own items with
    # B's department
    for slug, kind in zip(STEP_SLUGS, (ItemKind.PROJECT, ItemKind.WAGE_TYPE, ItemKind.EMPLOYEE), strict=True):
        ids_b = list(WizardItem.objects.filter(run=run_b, kind=kind).values_list("id", flat=True))
        ids_a = list(WizardItem.objects.filter(run=run_a, kind=kind).values_list("id", flat=True))
        data: dict[str, Any] = {"shown": ids_b, "selected": ids_b, "action": "save"}
        for item_id in ids_b:
            data.update(
                {
                    f"activity_id-{item_id}": activity,
                    f"role-{item_id}": Role.ADMINISTRATOR,
                    f"department_id-{item_id}": department_a.id,
                    f"link_user-present-{item_id}": "1",
                    f"link_user-{item_id}": "on",
                }
            )
        response = client_a.post(step_url(slug), data)
        assert response.status_code == 302
        # A's own ticks as they stand (matches are ticked when fetched), so only the choices differ
        ticked_a = list(
            WizardItem.objects.filter(run=run_a, kind=kind, selected=True).values_list("id", flat=True)
        )
        own: dict[str, Any] = {"shown": ids_a, "selected": ticked_a, "action": "save"}
        own.update({f"department_id-{i}": department_b.id for i in ids_a})
        own.update({f"role-{i}": Role.EMPLOYEE for i in ids_a})
        assert client_a.post(step_url(slug), own).status_code == 302
    # then: nothing changed in B, and nothing in A either (B's department was dropped)
    assert snapshot(run_b) == before_b
    assert snapshot(run_a) == before_a
    assert not WizardItem.objects.filter(run=run_a, options__department_id=department_b.id).exists()
    # B's ticks are only its own proposals (what matches B's data), never what A posted
    assert set(WizardItem.objects.filter(run=run_b, selected=True).values_list("id", flat=True)) == set(
        WizardItem.objects.filter(run=run_b, eligible=True, local_id__isnull=False).values_list(
            "id", flat=True
        )
    )


def test_pages_of_one_company_never_show_anothers_data(
    admin_a, admin_b, client_a, client_b, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: B connected, audited, and in the middle of an update whose rows only B holds
    begin_and_check_key(client_b, tripletex_sandbox.employee_token)
    client_b.post(url("wizard_summary"))
    run_b = begin_and_check_key(client_b, tripletex_sandbox.employee_token)
    fetch_all_steps(client_b, django_capture_on_commit_callbacks)
    WizardItem.objects.filter(run=run_b).update(name=f"{SECRET_OF_B} rad", number="H-1")
    WizardRun.objects.filter(id=run_b.id).update(tripletex_company_name=f"{SECRET_OF_B} Tripletex AS")
    Connection.objects.filter(company=admin_b.company).update(
        tripletex_company_name=f"{SECRET_OF_B} Tripletex AS", tripletex_user_name=f"{SECRET_OF_B} bruker"
    )
    AuditEvent.objects.filter(company=admin_b.company).update(tripletex_company_name=f"{SECRET_OF_B} AS")
    # when: A goes through its own wizard and its settings
    pages = [client_a.get(reverse("hr:settings_general"))]
    begin_and_check_key(client_a, tripletex_sandbox.employee_token)
    pages.append(client_a.get(url("wizard_key")))
    for slug in STEP_SLUGS:
        pages.append(open_step(client_a, django_capture_on_commit_callbacks, slug))
        for shown in ("alle", "koblet", "valgte", "ikke-valgbare"):
            pages.append(client_a.get(step_url(slug, vis=shown, q="H-1")))
            pages.append(client_a.get(step_url(slug, vis=shown)))
        pages.append(client_a.get(url("wizard_fetch_status", slug)))
    pages.append(client_a.get(url("wizard_summary")))
    client_a.post(url("wizard_summary"))
    pages += [
        client_a.get(reverse("hr:settings_general")),
        client_a.get(url("audit")),
        client_a.get(url("connection_remove")),
    ]
    # then: A's card knew nothing of B's open update or connection
    first_card = text(pages[0])
    assert "Koble til Tripletex" in first_card
    assert "Fortsett oppsettet" not in first_card and "Oppdater Tripletex" not in first_card
    assert all(page.status_code == 200 for page in pages)
    for page in pages:
        body = text(page)
        assert SECRET_OF_B not in body
        assert B_ADMIN_NAME[1] not in body
    audit_rows = text(pages[-2]).count("<tr><td>")
    assert audit_rows == AuditEvent.objects.filter(company=admin_a.company).count() == 1


# --- B11: the key at rest ---------------------------------------------------------------------


def test_stored_keys_are_ciphertext_that_decrypts_only_with_configured_keys(
    admin_a, client_a, tripletex_sandbox, settings, _fresh_keyring
):
    token = tripletex_sandbox.employee_token
    # when: the key is checked, then «Ferdigstill»
    run = begin_and_check_key(client_a, token)
    in_run = run.employee_token
    client_a.post(url("wizard_summary"))
    stored = Connection.objects.get(company=admin_a.company).employee_token
    # then: both are ciphertext under the configured key, never the key or a piece of it
    primary_id = django_settings.ENCRYPTION_KEYS[0].partition(":")[0]
    for value in (in_run, stored):
        assert token not in value and token[-12:] not in value
        assert crypto.secret_key_id(value) == primary_id
        assert crypto.secret_decrypt(value) == token
    run.refresh_from_db()
    assert run.employee_token == ""
    # when: a new key is added in front and the stored values are rotated
    new_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [f"ny:{new_key}", *django_settings.ENCRYPTION_KEYS]
    crypto.keyring_reset()
    assert crypto.secret_decrypt(stored) == token  # the old key still reads
    assert connection_services.connection_keys_rotate() == 1
    rotated = Connection.objects.get(company=admin_a.company).employee_token
    assert crypto.secret_key_id(rotated) == "ny" and token not in rotated
    # then: with only the new key, the rotated value reads and the old one fails closed
    settings.ENCRYPTION_KEYS = [f"ny:{new_key}"]
    crypto.keyring_reset()
    assert crypto.secret_decrypt(rotated) == token
    with pytest.raises(crypto.SecretUnreadable) as missing:
        crypto.secret_decrypt(stored)
    assert token not in str(missing.value)
    with pytest.raises(crypto.SecretUnreadable):
        crypto.secret_decrypt(rotated[:-8] + "AAAAAAAA")  # tampered
    with pytest.raises(crypto.SecretUnreadable):
        crypto.secret_decrypt(token)  # a plaintext value is never taken as a key


def test_update_with_an_unreadable_stored_key_fails_closed_with_a_message(
    admin_a, client_a, tripletex_sandbox, settings, _fresh_keyring
):
    # given: connected, then the encryption key that wrote the stored key is gone
    begin_and_check_key(client_a, tripletex_sandbox.employee_token)
    client_a.post(url("wizard_summary"))
    settings.ENCRYPTION_KEYS = [f"ny:{Fernet.generate_key().decode()}"]
    crypto.keyring_reset()
    exchanges_before = len(tripletex_sandbox.exchanges)
    # when: «Oppdater Tripletex», keeping the key (field left empty)
    client_a.post(url("wizard_begin"))
    response = client_a.post(url("wizard_key"), {"key": ""})
    # then: no Tripletex call, a message, the step stays; pasting the key again works
    assert response.status_code == 400
    assert response.context["error"] == str(views.KEY_UNREADABLE)
    assert str(views.KEY_UNREADABLE) in text(response)
    assert len(tripletex_sandbox.exchanges) == exchanges_before
    assert not WizardRun.objects.get(status=WizardStatus.OPEN).key_checked
    assert client_a.post(url("wizard_key"), {"key": tripletex_sandbox.employee_token}).status_code == 302


def test_finish_with_an_unreadable_key_fails_closed_with_a_message(
    admin_a, client_a, tripletex_sandbox, settings, _fresh_keyring
):
    # given: the key was checked, then the encryption key that wrote it is gone
    run = begin_and_check_key(client_a, tripletex_sandbox.employee_token)
    settings.ENCRYPTION_KEYS = [f"ny:{Fernet.generate_key().decode()}"]
    crypto.keyring_reset()
    # when
    response = client_a.post(url("wizard_summary"))
    # then
    assert response.status_code == 400
    assert str(views.KEY_UNREADABLE) in text(response)
    assert run_state(run)[0] == WizardStatus.OPEN
    assert not Connection.objects.filter(company=admin_a.company).exists()


def test_fetch_with_an_unreadable_key_ends_failed_not_fetching_for_ever(
    admin_a, client_a, tripletex_sandbox, settings, _fresh_keyring, django_capture_on_commit_callbacks
):
    run = begin_and_check_key(client_a, tripletex_sandbox.employee_token)
    settings.ENCRYPTION_KEYS = [f"ny:{Fernet.generate_key().decode()}"]
    crypto.keyring_reset()
    with django_capture_on_commit_callbacks(execute=True):
        client_a.get(step_url("prosjekter"))
    run.refresh_from_db()
    assert run.fetch_state[ItemKind.PROJECT]["state"] == "failed"
    assert run.fetch_state[ItemKind.PROJECT]["error"] == str(wizard.KEY_UNREADABLE)


# --- B12: the key never exposed ---------------------------------------------------------------


def session_tokens(tripletex_sandbox) -> list[str]:
    tokens = []
    for exchange in tripletex_sandbox.exchanges:
        if (
            exchange.endpoint
            and exchange.endpoint.endswith("/token/session/:create")
            and exchange.status < 300
        ):
            tokens.append(json.loads(exchange.response_body)["value"]["token"])
    return tokens


def inner_secrets(token: str) -> list[str]:
    """A demo token is base64 of {"tokenId", "token"}: its decoded secret must not leak either."""
    try:
        return [json.loads(base64.b64decode(token))["token"]]
    except (ValueError, KeyError, TypeError):
        return []


def test_the_key_appears_in_no_page_log_stored_state_error_or_repr(
    admin_a, client_a, tripletex_sandbox, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    token = tripletex_sandbox.employee_token
    pages: list[str] = []
    errors: list[str] = []

    def keep(response) -> None:
        pages.append(text(response))

    def fail(endpoint: str, status: int) -> None:
        tripletex_sandbox.set_faults(rules=[{"endpoint": endpoint, "action": "error", "status": status}])

    # a key check that Tripletex answers with 500, then one that works
    client_a.post(url("wizard_begin"))
    fail("GET /token/session/>whoAmI", 500)
    refused = client_a.post(url("wizard_key"), {"key": token})
    assert refused.status_code == 400 and "forespørsels-id" in text(refused)
    keep(refused)
    tripletex_sandbox.set_faults(rules=[])
    assert client_a.post(url("wizard_key"), {"key": token}).status_code == 302
    keep(client_a.get(url("wizard_key")))
    # the steps, with employees failing first (503), then fetched again
    open_step(client_a, django_capture_on_commit_callbacks, "prosjekter")
    open_step(client_a, django_capture_on_commit_callbacks, "lonnsarter")
    fail("GET /employee", 503)
    with django_capture_on_commit_callbacks(execute=True):
        keep(client_a.get(step_url("ansatte")))
    failed = client_a.get(step_url("ansatte"))
    assert "Hentingen feilet" in text(failed)
    keep(failed)
    stored_when_failed = json.dumps(list(WizardRun.objects.values_list("fetch_state", flat=True)))
    keep(client_a.get(url("wizard_fetch_status", "ansatte")))
    tripletex_sandbox.set_faults(rules=[])
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(step_url("ansatte"), {"action": "refetch"})
    for slug in STEP_SLUGS:
        client_a.post(step_url(slug), {"action": "select-all"})
        keep(client_a.get(step_url(slug)))
    # «Ferdigstill» while Tripletex fails, then for real
    fail("GET /project", 503)
    refused_finish = client_a.post(url("wizard_summary"))
    assert refused_finish.status_code == 400
    keep(refused_finish)
    tripletex_sandbox.set_faults(rules=[])
    with django_capture_on_commit_callbacks(execute=True):
        keep(client_a.post(url("wizard_summary"), follow=True))
    # an update that keeps the key, then removal
    client_a.post(url("wizard_begin"))
    keep(client_a.get(url("wizard_key")))
    keep(client_a.post(url("wizard_key"), {"key": ""}, follow=True))
    keep(client_a.post(url("wizard_cancel"), follow=True))
    keep(client_a.get(url("connection_remove")))
    keep(client_a.post(url("connection_remove"), follow=True))
    keep(client_a.get(url("audit")))
    # errors raised by the service and the client when Tripletex fails
    fail("*", 503)
    run = wizard.wizard_start(actor=admin_a)
    with pytest.raises(ValidationError) as raised:
        wizard.wizard_key_check(actor=admin_a, run=run, key=token)
    errors += [str(raised.value), repr(raised.value), *raised.value.messages]
    client = connection_services.client_for_token(token)
    with pytest.raises(tx.TripletexError) as client_error:
        client.whoami()
    errors += [str(client_error.value), repr(client_error.value), *map(str, client_error.value.args)]
    tripletex_sandbox.set_faults(rules=[])
    with connection_services.client_for_token(token) as working:
        working.whoami()
        errors += [repr(working), str(working)]
    errors += [repr(client), str(client)]

    # then
    secrets = [token, tripletex_sandbox.consumer_token, *session_tokens(tripletex_sandbox)]
    secrets += [inner for secret in list(secrets) for inner in inner_secrets(secret)]
    assert len(session_tokens(tripletex_sandbox)) >= 3
    formatter = logging.Formatter("%(name)s %(message)s")
    logs = [formatter.format(record) + repr(record.args) for record in caplog.records]
    assert any("Tripletex" in line for line in logs)
    stored = [
        stored_when_failed,
        json.dumps(list(WizardRun.objects.values_list("fetch_state", "tripletex_user_name"))),
        json.dumps(list(AuditEvent.objects.values_list("details", "tripletex_company_name"))),
        json.dumps(list(WizardItem.objects.values_list("data", "options", "reason"))),
        json.dumps(list(Connection.objects.values_list("token_last4", "tripletex_user_name"))),
    ]
    assert any("Tripletex svarte med en feil" in state for state in stored)
    places = {"page": pages, "log": logs, "stored": stored, "error": errors}
    for where, texts in places.items():
        for secret in secrets:
            leaks = [t for t in texts if secret in t]
            assert not leaks, f"a secret is in a {where}: {leaks[0][:300]}"


# --- B16 and one way only: where Tripletex lives, and that the wizard writes nothing there ------


def test_no_form_or_query_parameter_moves_tripletex_and_nothing_is_written_there(
    admin_a, client_a, tripletex_sandbox, monkeypatch, django_capture_on_commit_callbacks
):
    # given: every outgoing HTTP request is recorded, and every request names another address
    sent: list[str] = []
    original = requests.Session.request

    def recording(self, method, address, *args, **kwargs):
        sent.append(str(address))
        return original(self, method, address, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", recording)
    configured = (django_settings.TRIPLETEX_BASE_URL, django_settings.TRIPLETEX_CONSUMER_TOKEN)
    moved = {name: ELSEWHERE for name in ("base_url", "baseUrl", "TRIPLETEX_BASE_URL", "url", "host")}
    query = "?" + "&".join(f"{name}={value}" for name, value in moved.items())

    def post(address: str, **data: Any):
        return client_a.post(address + query, {**moved, **data})

    # when: a whole wizard, everything selected, finished, updated and removed
    assert post(url("wizard_begin")).status_code == 302
    response = post(url("wizard_key"), key=tripletex_sandbox.employee_token)
    assert response.status_code == 302, text(response)
    for slug in STEP_SLUGS:
        with django_capture_on_commit_callbacks(execute=True):
            client_a.get(step_url(slug) + query)
        assert client_a.get(url("wizard_fetch_status", slug) + query).json()["state"] == "done"
        post(step_url(slug), action="select-all")
        with django_capture_on_commit_callbacks(execute=True):
            post(step_url(slug), action="refetch")
        post(step_url(slug), action="select-all")
    assert client_a.get(url("wizard_summary") + query).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        finished = post(url("wizard_summary"))
    assert finished.status_code == 302, text(finished)
    post(url("wizard_begin"))
    assert post(url("wizard_key"), key="").status_code == 302
    post(url("wizard_cancel"))
    post(url("connection_remove"))
    # then: requests reached only the configured sandbox, and settings are as they were
    assert sent and all(address.startswith(tripletex_sandbox.base_url + "/") for address in sent)
    assert not any(ELSEWHERE in address for address in sent)
    assert (django_settings.TRIPLETEX_BASE_URL, django_settings.TRIPLETEX_CONSUMER_TOKEN) == configured
    assert WizardItem.objects.filter(run__company=admin_a.company, selected=True).exists()
    # and the only requests that were not reads created sessions
    methods = {(e.method, e.endpoint) for e in tripletex_sandbox.exchanges}
    assert ("GET", "GET /project") in methods and ("GET", "GET /employee") in methods
    writes = {(method, endpoint) for method, endpoint in methods if method != "GET"}
    assert writes == {("POST", "POST /token/session/:create")}


def test_removal_is_refused_while_an_update_is_open(
    admin_a, client_a, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: connected, and an update that keeps the key (it reads the connection's key)
    begin_and_check_key(client_a, tripletex_sandbox.employee_token)
    client_a.post(url("wizard_summary"))
    client_a.post(url("wizard_begin"))
    assert client_a.post(url("wizard_key"), {"key": ""}).status_code == 302
    stored = connection_state(admin_a.company)
    # when: «Fjern integrasjonen» from another tab, or by another administrator
    asked = client_a.get(url("connection_remove"), follow=True)
    removed = client_a.post(url("connection_remove"), follow=True)
    # then: refused with the reason; the key stays, and the update can still finish
    for response in (asked, removed):
        assert str(views.REMOVE_WHILE_WIZARD_OPEN) in text(response)
        assert "Avbryt oppsettet" in text(response)
    assert connection_state(admin_a.company) == stored
    finished = client_a.post(url("wizard_summary"))
    assert finished.status_code == 302, text(finished)
    assert Connection.objects.get(company=admin_a.company).is_active
