"""Worker processes share one Tripletex session per key through the cache (docs/transfer.md#sessions):
a process that starts, or forgets its clients, logs in only when no stored session has time left."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache

from tripletex import crypto
from tripletex.models import RemoteHours, TransferState
from tripletex.tests import transfer_helpers
from tripletex.transfer import clients

pytestmark = pytest.mark.django_db

connected = transfer_helpers.connected
point_at_sandbox = transfer_helpers.point_at_sandbox
SESSIONS = "POST /token/session/:create"


def _deliver_one(admin, worker, project, capture, day: datetime.date) -> None:
    entry = transfer_helpers.sent_in(worker, project, day=day)
    transfer_helpers.approve(admin, [entry], capture, execute=False)
    row = RemoteHours.objects.get(employee=worker, date=day)
    assert transfer_helpers.deliver_row(row.id) == TransferState.SENT


def test_a_second_process_uses_the_session_the_first_stored(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: one delivery made a session and stored it
    admin, worker, project = connected
    _deliver_one(admin, worker, project, django_capture_on_commit_callbacks, transfer_helpers.DAY)
    assert tripletex_sandbox.request_count(SESSIONS) == 1

    # when: a process without clients (a new worker) delivers the next approval
    clients._clients.clear()
    next_day = transfer_helpers.DAY + datetime.timedelta(days=1)
    _deliver_one(admin, worker, project, django_capture_on_commit_callbacks, next_day)

    # then: it logged in no more
    assert tripletex_sandbox.request_count(SESSIONS) == 1
    transfer_helpers.ledger_check(tripletex_sandbox)


def test_the_cache_holds_the_session_encrypted_and_keyed_without_the_key(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given
    admin, worker, project = connected
    _deliver_one(admin, worker, project, django_capture_on_commit_callbacks, transfer_helpers.DAY)
    connection = admin.company.tripletex_connection
    employee_token = crypto.secret_decrypt(connection.employee_token)

    # when
    store = clients.CachedSessions(connection.id, employee_token)
    stored = cache.get(store.key)

    # then: readable only with the encryption key, and neither the key nor the session in clear
    token, expires_at = store.load() or ("", None)
    assert token and stored["token"] != token and token not in str(stored)
    assert employee_token not in store.key and employee_token not in str(stored)
    assert expires_at is not None and expires_at > datetime.datetime.now(datetime.UTC)


def test_a_new_key_never_meets_the_old_keys_session(connected, tripletex_sandbox):
    # given
    admin, _worker, _project = connected
    connection = admin.company.tripletex_connection
    old = clients.CachedSessions(connection.id, "old-key")
    old.save("old-session", datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1))

    # when
    new = clients.CachedSessions(connection.id, "new-key")

    # then
    assert old.load() is not None and new.load() is None
    new.discard("old-session")
    assert old.load() is not None
    old.discard("another-session")
    assert old.load() is not None
    old.discard("old-session")
    assert old.load() is None
