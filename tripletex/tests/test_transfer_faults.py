"""The fault table of docs/transfer.md#faults, against the sandbox over HTTP.

Each test asserts its row's pass criterion and, where it applies, ends with the ledger check. Tests
that once showed a real bug stay as its regression test.
"""

from __future__ import annotations

import datetime
import socket
import threading
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import connection as db_connection
from django.db import connections, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from hr import services as hr_services
from hr.models import EntryStatus, HourEntry, Project, WageType
from hr.tests.factories import ProjectFactory, WageTypeFactory, administrator_of
from hr.weeks import today_local
from tripletex import client as tx
from tripletex import crypto, dispatch, tasks
from tripletex.client import TimesheetEntry
from tripletex.models import Connection, RemoteHours, TransferState
from tripletex.sandbox.testing import SandboxHandle
from tripletex.services import wizard
from tripletex.tests import transfer_helpers
from tripletex.tests.transfer_helpers import (
    DAY,
    actions_of,
    approve,
    creations,
    deliver_due,
    entry_version_moved_on,
    ledger_check,
    remote_entries,
    sent_in,
    sweep,
    total_requests,
)
from tripletex.transfer import control, machine, record, reopen, texts

pytestmark = pytest.mark.django_db

connected = transfer_helpers.connected
point_at_sandbox = transfer_helpers.point_at_sandbox

OSLO = ZoneInfo("Europe/Oslo")
NEEDS_POSTGRESQL = pytest.mark.skipif(
    db_connection.vendor != "postgresql", reason="needs PostgreSQL for concurrent transactions"
)
FAILURE_SUBJECT = "Timer når ikke fram til Tripletex"


class ApprovalInterrupted(Exception):
    pass


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the worker catches it, no `except Exception` runs."""


@pytest.fixture
def broker_down(monkeypatch):
    """Every publish fails, as with Redis away; the approval's on-commit kick and the sweep alike."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_company_task, "apply_async", refuse)
    return monkeypatch


def remote_entries_between(tripletex_sandbox: SandboxHandle) -> list[TimesheetEntry]:
    return list(
        tripletex_sandbox.client().timesheet_entries(date_from=DAY, date_to=DAY + datetime.timedelta(days=7))
    )


def _failure_mails() -> list[EmailMessage]:
    return [m for m in mail.outbox if m.subject == FAILURE_SUBJECT]


# --- F1-F4: the outbox and its kick -----------------------------------------------------------


def test_f1_approval_rolled_back_after_the_outbox_write_leaves_no_row_and_makes_no_call(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given
    admin, worker, project = connected
    entry = sent_in(worker, project)
    calls_before = total_requests(tripletex_sandbox)
    # when: something after entries_approve fails inside the same transaction
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ApprovalInterrupted), transaction.atomic():
            hr_services.entries_approve(actor=admin, entry_ids=[entry.id])
            assert RemoteHours.objects.filter(state=TransferState.PENDING).count() == 1  # outbox written
            raise ApprovalInterrupted
    # then
    assert callbacks == []
    assert not RemoteHours.objects.exists()
    assert HourEntry.objects.get(id=entry.id).status == EntryStatus.SUBMITTED
    assert sweep() == 0
    assert total_requests(tripletex_sandbox) == calls_before
    ledger_check(tripletex_sandbox)


def test_f2_broker_down_at_commit_keeps_the_approval_and_the_sweep_sends_it_once(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks, broker_down
):
    # given
    admin, worker, project = connected
    entry = sent_in(worker, project)
    # when: the kick cannot be published
    approve(admin, [entry], django_capture_on_commit_callbacks)
    # then: the approval stands and waits, nothing was sent
    assert HourEntry.objects.get(id=entry.id).status == EntryStatus.APPROVED
    row = RemoteHours.objects.get()
    assert (row.state, row.attempts) == (TransferState.PENDING, 0)
    assert creations(tripletex_sandbox) == 0
    # when the broker is back, the sweep sends it, and a second sweep does nothing more
    broker_down.undo()
    assert sweep() == 1
    assert sweep() == 0
    assert RemoteHours.objects.get().state == TransferState.SENT
    assert creations(tripletex_sandbox) == 1
    assert [e.hours for e in remote_entries(tripletex_sandbox)] == [Decimal("7.5")]
    ledger_check(tripletex_sandbox)


def test_f3_process_dies_between_commit_and_on_commit_and_the_sweep_sends_it_once(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given
    admin, worker, project = connected
    entry = sent_in(worker, project)
    # when: the approval commits, but its on-commit kick never runs
    callbacks = approve(admin, [entry], django_capture_on_commit_callbacks, execute=False)
    assert callbacks, "the approval registers its kick on commit"
    assert creations(tripletex_sandbox) == 0
    # then
    assert sweep() == 1
    assert sweep() == 0
    assert RemoteHours.objects.get().state == TransferState.SENT
    assert creations(tripletex_sandbox) == 1
    ledger_check(tripletex_sandbox)


def test_f4_worker_killed_after_tripletex_stored_the_entry_ends_with_one_entry(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    # given: an approved entry whose kick has not run yet
    admin, worker, project = connected
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks, execute=False)
    row = RemoteHours.objects.get()
    # when: the worker dies right after Tripletex stored the entry, before anything is recorded
    real_create = tx.TripletexClient.timesheet_entry_create

    def create_then_die(self, **kwargs):
        real_create(self, **kwargs)
        raise WorkerKilled

    monkeypatch.setattr(tx.TripletexClient, "timesheet_entry_create", create_then_die)
    with pytest.raises(WorkerKilled):
        transfer_helpers.deliver_row(row.id)
    monkeypatch.undo()
    # then: the claim was committed before the call, so the row is already rescheduled
    row.refresh_from_db()
    assert (row.state, row.attempts, row.remote_id) == (TransferState.PENDING, 1, None)
    assert row.next_attempt_at is not None and row.in_flight_until is not None
    assert row.next_attempt_at > timezone.now()
    assert row.in_flight_until > timezone.now()  # the dead worker's lease
    assert transfer_helpers.hours_due() == []
    # and once backoff and lease have passed, the sweep finds the entry instead of storing another
    with time_machine.travel(max(row.next_attempt_at, row.in_flight_until) + datetime.timedelta(seconds=1)):
        assert sweep() == 1
    row.refresh_from_db()
    [remote] = remote_entries(tripletex_sandbox)
    assert (row.state, row.remote_id, remote.hours) == (TransferState.SENT, remote.id, Decimal("7.5"))
    assert creations(tripletex_sandbox) == 1
    ledger_check(tripletex_sandbox)


def test_f4_stored_then_dropped_ends_with_one_entry(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": "POST /timesheet/entry", "action": "dropAfterStore", "times": 1}]
    )
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert (row.state, row.needs_lookup) == (TransferState.PENDING, True)
    assert deliver_due(row.id) == TransferState.SENT
    assert len(remote_entries(tripletex_sandbox)) == 1
    assert creations(tripletex_sandbox) == 1
    ledger_check(tripletex_sandbox)


def test_f4_a_row_that_kills_its_worker_every_time_ends_failed_after_the_limit(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    # given: creating this entry kills the worker, every time
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks, execute=False)
    row = RemoteHours.objects.get()

    def die(self, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(tx.TripletexClient, "timesheet_entry_create", die)
    # when the sweep keeps picking it up
    for _ in range(machine.MAX_ATTEMPTS + 3):
        try:
            deliver_due(row.id)
        except WorkerKilled:
            pass
    # then it stops after the limit, visibly, still in the table
    row.refresh_from_db()
    assert row.state == TransferState.FAILED
    assert row.attempts == machine.MAX_ATTEMPTS
    assert row.message


# --- F6: nothing stored -----------------------------------------------------------------------


def test_f6_connection_dropped_before_tripletex_stored_anything_is_looked_up_then_sent_once(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: the first POST is cut off before Tripletex handles it
    admin, worker, project = connected
    tripletex_sandbox.set_faults(rules=[{"endpoint": "POST /timesheet/entry", "action": "drop", "times": 1}])
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert (row.state, row.needs_lookup, row.message) == (
        TransferState.PENDING,
        True,
        str(texts.STATUS_UNCLEAR),
    )
    assert remote_entries(tripletex_sandbox) == []
    lookups_before = tripletex_sandbox.request_count("GET /timesheet/entry")
    # when
    assert deliver_due(row.id) == TransferState.SENT
    # then: it looked first, found nothing, and sent once more
    assert tripletex_sandbox.request_count("GET /timesheet/entry") == lookups_before + 1
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 2
    assert len(remote_entries(tripletex_sandbox)) == 1
    ledger_check(tripletex_sandbox)


def test_f6_connect_error_sends_nothing_and_the_next_attempt_sends_once(
    connected, tripletex_sandbox, settings, django_capture_on_commit_callbacks
):
    # given: Tripletex cannot be reached at all (a closed port: connection refused)
    admin, worker, project = connected
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    real_base_url = settings.TRIPLETEX_BASE_URL
    settings.TRIPLETEX_BASE_URL = f"http://127.0.0.1:{closed_port}/v2"
    calls_before = total_requests(tripletex_sandbox)
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert (row.state, row.attempts, row.message) == (
        TransferState.PENDING,
        1,
        str(texts.STATUS_UNREACHABLE),
    )
    assert total_requests(tripletex_sandbox) == calls_before
    # when Tripletex is reachable again
    settings.TRIPLETEX_BASE_URL = real_base_url
    assert deliver_due(row.id) == TransferState.SENT
    # then
    assert creations(tripletex_sandbox) == 1
    assert len(remote_entries(tripletex_sandbox)) == 1
    ledger_check(tripletex_sandbox)


# --- F8: 429 without a reset header -----------------------------------------------------------


def test_f8_429_without_reset_pauses_the_company_and_sends_after(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: Tripletex throttles without saying for how long
    admin, worker, project = connected
    tripletex_sandbox.set_faults(rateLimitStorm={"requests": 1, "resetSeconds": None})
    first = sent_in(worker, project, "4", DAY)
    second = sent_in(worker, project, "3", DAY + datetime.timedelta(days=1))
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        # when
        calls_before = total_requests(tripletex_sandbox)
        approve(admin, [first, second], django_capture_on_commit_callbacks)
        calls = total_requests(tripletex_sandbox) - calls_before
        # then: the whole company waits the default pause; the throttled attempt is not counted
        connection = Connection.objects.get(company=admin.company)
        assert connection.pause_reason == "rate"
        assert transfer_helpers.pause_end(connection) - start == datetime.timedelta(
            seconds=record.THROTTLE_DEFAULT_SECONDS
        )
        rows = list(RemoteHours.objects.order_by("date"))
        assert [(r.state, r.attempts) for r in rows] == [(TransferState.PENDING, 0)] * 2
        assert all(r.next_attempt_at == connection.paused_until for r in rows)
        assert sweep() == 0
        assert calls == 1, "the second row waits for the pause instead of calling"
        # and once the pause is over, everything is sent
        traveller.move_to(transfer_helpers.pause_end(connection) + datetime.timedelta(seconds=1))
        assert sweep() == 1  # the company, whose two rows go in one delivery
    assert set(RemoteHours.objects.values_list("state", flat=True)) == {TransferState.SENT}
    ledger_check(tripletex_sandbox)


def test_f8_repeated_429_without_reset_backs_off_exponentially_up_to_the_cap(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: Tripletex keeps throttling without a reset header
    admin, worker, project = connected
    tripletex_sandbox.set_faults(rateLimitStorm={"requests": 100, "resetSeconds": None})
    entry = sent_in(worker, project)
    start = timezone.now()
    pauses = []
    with time_machine.travel(start, tick=False) as traveller:
        approve(admin, [entry], django_capture_on_commit_callbacks)
        row = RemoteHours.objects.get()
        connection = Connection.objects.get(company=admin.company)
        pauses.append((transfer_helpers.pause_end(connection) - timezone.now()).total_seconds())
        # when: each time the pause ends, the next attempt is throttled again
        for _ in range(8):
            traveller.move_to(transfer_helpers.pause_end(connection) + datetime.timedelta(seconds=1))
            assert sweep() == 1
            connection.refresh_from_db()
            pauses.append((transfer_helpers.pause_end(connection) - timezone.now()).total_seconds())
    # then: 30 s, doubling, capped at an hour; the row never gives up
    expected = [min(record.THROTTLE_DEFAULT_SECONDS * 2**n, machine.BACKOFF_CAP_SECONDS) for n in range(9)]
    assert pauses == expected
    row.refresh_from_db()
    assert (row.state, row.attempts) == (TransferState.PENDING, 0)


def test_a_used_up_rate_limit_reschedules_the_rows_at_the_reset_without_sleeping(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    # given: a budget of one request a minute, which the first approval's delivery uses up
    admin, worker, project = connected
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    first = sent_in(worker, project, "4", DAY)
    second = sent_in(worker, project, "3", DAY + datetime.timedelta(days=1))
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        tripletex_sandbox.set_rate_limit(limit=1, period_seconds=60)
        approve(admin, [first], django_capture_on_commit_callbacks)
        calls_before = total_requests(tripletex_sandbox)

        # when: the next approval's delivery runs
        approve(admin, [second], django_capture_on_commit_callbacks)

        # then: it returned at once, sent nothing, slept not, and its row waits for the window's reset
        connection = Connection.objects.get(company=admin.company)
        row = RemoteHours.objects.get(date=second.date)
        assert total_requests(tripletex_sandbox) == calls_before
        assert slept == []
        assert connection.pause_reason == "rate"
        assert connection.paused_until == start + datetime.timedelta(seconds=60)
        assert (row.state, row.attempts, row.message) == (
            TransferState.PENDING,
            0,
            str(texts.STATUS_THROTTLED),
        )
        assert row.next_attempt_at == connection.paused_until
        assert sweep() == 0

        # and once the window has reset, the sweep sends it
        traveller.move_to(transfer_helpers.pause_end(connection) + datetime.timedelta(seconds=1))
        assert sweep() == 1
    assert set(RemoteHours.objects.values_list("state", flat=True)) == {TransferState.SENT}
    assert slept == []
    tripletex_sandbox.set_rate_limit(limit=6000)  # room for the ledger check's own reads
    ledger_check(tripletex_sandbox)


# --- F11: the key stops working ---------------------------------------------------------------


def _break_the_key(company) -> None:
    Connection.objects.filter(company=company).update(employee_token=crypto.secret_encrypt("ikke-en-nokkel"))


def test_f11_invalid_key_pauses_the_company_and_tells_the_administrators_once(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a second administrator, and a key Tripletex no longer accepts
    admin, worker, project = connected
    other_admin = administrator_of(admin.company, email="leder@gronnbygg.no")
    _break_the_key(admin.company)
    entries = [sent_in(worker, project, "4", DAY + datetime.timedelta(days=n)) for n in range(3)]
    calls_before = total_requests(tripletex_sandbox)
    # when
    approve(admin, entries, django_capture_on_commit_callbacks)
    # then: one refused session, the company paused for the key, one e-mail to each administrator
    connection = Connection.objects.get(company=admin.company)
    assert connection.pause_reason == "key"
    assert transfer_helpers.pause_end(connection) > timezone.now() + datetime.timedelta(days=365)
    rows = list(RemoteHours.objects.all())
    assert {r.state for r in rows} == {TransferState.PENDING}
    assert str(texts.STATUS_KEY_INVALID) in {r.message for r in rows}
    assert total_requests(tripletex_sandbox) == calls_before + 1
    assert sorted(r for m in _failure_mails() for r in m.to) == sorted([admin.email, other_admin.email])
    # and more sweeps neither call nor mail again
    with django_capture_on_commit_callbacks(execute=True):
        for row in rows:
            deliver_due(row.id)
    assert total_requests(tripletex_sandbox) == calls_before + 1
    assert len(_failure_mails()) == 2


def test_f11_after_a_new_key_everything_is_sent(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: hours approved while the key was invalid
    admin, worker, project = connected
    _break_the_key(admin.company)
    entries = [sent_in(worker, project, "4", DAY + datetime.timedelta(days=n)) for n in range(3)]
    approve(admin, entries, django_capture_on_commit_callbacks)
    assert Connection.objects.get(company=admin.company).pause_reason == "key"
    # when: the administrator pastes a new key («Oppdater Tripletex») and chooses «Prøv alle på nytt»
    run = wizard.wizard_start(actor=admin)
    run = wizard.wizard_key_check(actor=admin, run=run, key=tripletex_sandbox.employee_token)
    wizard.wizard_finish(actor=admin, run=run, send_hours_from=datetime.date(2026, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.deliver_on_commit(control.transfers_retry(company=admin.company))
    sweep()
    # then
    assert Connection.objects.get(company=admin.company).pause_reason == ""
    assert set(RemoteHours.objects.values_list("state", flat=True)) == {TransferState.SENT}
    assert creations(tripletex_sandbox) == 3
    ledger_check(tripletex_sandbox)


# --- F12, F13: the same row twice -------------------------------------------------------------


@NEEDS_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_f12_two_workers_deliver_the_same_row_at_once_and_post_once(
    connected, tripletex_sandbox, monkeypatch
):
    # given: an approved row, due, whose kick was swallowed; Tripletex answers slowly
    admin, worker, project = connected
    entry = sent_in(worker, project)
    monkeypatch.setattr(tasks.deliver_company_task, "apply_async", lambda *args, **kwargs: None)
    hr_services.entries_approve(actor=admin, entry_ids=[entry.id])
    monkeypatch.undo()
    row = RemoteHours.objects.get()
    tripletex_sandbox.set_faults(latencyMs=200)
    barrier = threading.Barrier(2)
    outcomes: list[str | None] = []

    def deliver() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(transfer_helpers.deliver_row(row.id))
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    tripletex_sandbox.set_faults(latencyMs=0)
    # then
    assert sorted(outcomes, key=str) == sorted([None, TransferState.SENT], key=str)
    assert creations(tripletex_sandbox) == 1
    assert RemoteHours.objects.get().attempts == 0
    ledger_check(tripletex_sandbox)


def test_f13_the_same_task_message_twice_calls_tripletex_once(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given
    admin, worker, project = connected
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks, execute=False)
    assert RemoteHours.objects.get().state == TransferState.PENDING
    # when: the broker delivers one message twice (acks_late redelivery)
    tasks.deliver_company_task.apply(args=[admin.company_id], task_id="same-message")
    calls = total_requests(tripletex_sandbox)
    tasks.deliver_company_task.apply(args=[admin.company_id], task_id="same-message")
    # then
    assert total_requests(tripletex_sandbox) == calls
    assert creations(tripletex_sandbox) == 1
    ledger_check(tripletex_sandbox)


# --- F16: revision conflict -------------------------------------------------------------------


def test_f16_revision_conflict_on_update_rereads_and_retries_once(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a sent entry that someone changed in Tripletex since (its version moved on)
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project, "4")], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    entry_version_moved_on(tripletex_sandbox, row.remote_id)
    # when: more hours are approved on the key, so the entry is updated
    approve(admin, [sent_in(worker, project, "3,5")], django_capture_on_commit_callbacks)
    # then: one conflict, one re-read, one retry, and Tripletex equals what is approved here
    row.refresh_from_db()
    [remote] = remote_entries(tripletex_sandbox)
    assert row.state == TransferState.SENT
    assert (remote.hours, remote.version) == (Decimal("7.5"), row.remote_version)
    assert tripletex_sandbox.request_count("PUT /timesheet/entry/{id}") == 2
    assert tripletex_sandbox.request_count("GET /timesheet/entry/{id}") == 1
    assert creations(tripletex_sandbox) == 1
    # and the audit trail holds both updates (docs/mutation.md)
    actions = [action for action, _outcome in actions_of(row)]
    assert actions == ["create", "result", "update", "update", "result"]
    ledger_check(tripletex_sandbox)


def test_f16_revision_conflict_on_delete_rereads_and_retries_once(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a sent entry whose version moved on in Tripletex
    admin, worker, project = connected
    entry = sent_in(worker, project, "4")
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    entry_version_moved_on(tripletex_sandbox, row.remote_id)
    # when: the hours are reopened, so the entry must go
    with django_capture_on_commit_callbacks(execute=True):
        hr_services.entries_reopen(actor=admin, entry_ids=[entry.id])
    # then
    assert RemoteHours.objects.get().state == TransferState.SENT
    assert remote_entries(tripletex_sandbox) == []
    ledger_check(tripletex_sandbox)


def test_entry_deleted_by_hand_in_tripletex_is_created_again_after_the_look_up(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a sent entry that someone deleted by hand in Tripletex
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project, "4")], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    tripletex_sandbox.client().timesheet_entry_delete(entry_id=row.remote_id, version=row.remote_version)
    # when more hours are approved on the key, and the row is run again after the unclear 404
    approve(admin, [sent_in(worker, project, "3,5")], django_capture_on_commit_callbacks)
    deliver_due(row.id)
    # then: the look-up found nothing, so the entry is created again with everything approved
    [remote] = remote_entries(tripletex_sandbox)
    assert remote.hours == Decimal("7.5")
    assert RemoteHours.objects.get().state == TransferState.SENT
    ledger_check(tripletex_sandbox)


# --- F17: Celery settings ---------------------------------------------------------------------


def test_f17_celery_acks_late_one_at_a_time_json_only_with_limits_below_the_visibility_timeout():
    from grønnjobb.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert (conf.task_serializer, conf.result_serializer) == ("json", "json")
    assert list(conf.accept_content) == ["json"]
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    # the longest wait lives in the row, never as a countdown past the visibility timeout
    assert machine.BACKOFF_CAP_SECONDS <= conf.broker_transport_options["visibility_timeout"]
    assert tasks.deliver_company_task.acks_late and tasks.transfer_sweep_task.acks_late
    sweep_entry = next(e for e in conf.beat_schedule.values() if e["task"] == tasks.transfer_sweep_task.name)
    assert sweep_entry["schedule"] <= 60


# --- F18: broker away for minutes -------------------------------------------------------------


def test_f18_broker_away_for_minutes_rows_wait_nothing_fails_all_sent_after(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks, broker_down
):
    admin, worker, project = connected
    entries = [sent_in(worker, project, "6", DAY + datetime.timedelta(days=n)) for n in range(4)]
    calls_before = total_requests(tripletex_sandbox)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        # given: approvals keep coming while the broker is away, and the sweep cannot publish either
        for minute, entry in enumerate(entries):
            traveller.move_to(start + datetime.timedelta(minutes=2 * minute))
            approve(admin, [entry], django_capture_on_commit_callbacks)
            # the sweep finds the company due, and its kick is lost like the approval's
            assert tasks.transfer_sweep_task() == 1
        traveller.move_to(start + datetime.timedelta(minutes=15))
        # then: every row waits, none counted an attempt, none failed
        rows = RemoteHours.objects.all()
        assert [(r.state, r.attempts) for r in rows] == [(TransferState.PENDING, 0)] * 4
        assert total_requests(tripletex_sandbox) == calls_before
        # when the broker is back
        broker_down.undo()
        assert sweep() == 1  # one company, its four rows in one delivery
    # then
    assert set(RemoteHours.objects.values_list("state", flat=True)) == {TransferState.SENT}
    # the sweep sends the four new entries in one list request
    assert creations(tripletex_sandbox) == 1
    assert len(remote_entries_between(tripletex_sandbox)) == 4
    ledger_check(tripletex_sandbox)


# --- B6: sums on one key ----------------------------------------------------------------------


def test_b6_two_days_are_two_remote_entries(connected, tripletex_sandbox, django_capture_on_commit_callbacks):
    admin, worker, project = connected
    monday = sent_in(worker, project, "4", DAY)
    tuesday = sent_in(worker, project, "3,5", DAY + datetime.timedelta(days=1))
    approve(admin, [monday, tuesday], django_capture_on_commit_callbacks)
    assert [e.hours for e in remote_entries(tripletex_sandbox, DAY)] == [Decimal("4")]
    assert [e.hours for e in remote_entries(tripletex_sandbox, DAY + datetime.timedelta(days=1))] == [
        Decimal("3.5")
    ]
    ledger_check(tripletex_sandbox)


def test_b6_reopening_one_of_two_entries_on_a_key_leaves_the_rest(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: 4 + 3.5 hours on one key, sent as one entry of 7.5
    admin, worker, project = connected
    first = sent_in(worker, project, "4")
    second = sent_in(worker, project, "3,5")
    approve(admin, [first, second], django_capture_on_commit_callbacks)
    [remote] = remote_entries(tripletex_sandbox)
    assert remote.hours == Decimal("7.5")
    # when the administrator reopens the first
    with django_capture_on_commit_callbacks(execute=True):
        hr_services.entries_reopen(actor=admin, entry_ids=[first.id])
    # then the same remote entry holds the rest
    [after] = remote_entries(tripletex_sandbox)
    assert (after.id, after.hours) == (remote.id, Decimal("3.5"))
    assert creations(tripletex_sandbox) == 1
    ledger_check(tripletex_sandbox)


def test_b6_hours_approved_while_the_key_is_in_flight_follow_at_once(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    # given: 4 hours approved, and more hours on the same key waiting for approval
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project, "4")], django_capture_on_commit_callbacks, execute=False)
    later = sent_in(worker, project, "3,5")
    row = RemoteHours.objects.get()
    real_create = tx.TripletexClient.timesheet_entry_create

    def create_while_approving(self, **kwargs):
        created = real_create(self, **kwargs)
        hr_services.entries_approve(actor=admin, entry_ids=[later.id])
        return created

    # when the second approval commits while the first POST is on its way
    monkeypatch.setattr(tx.TripletexClient, "timesheet_entry_create", create_while_approving)
    assert transfer_helpers.deliver_row(row.id) == TransferState.PENDING
    monkeypatch.undo()
    # then the row goes again at once, and Tripletex ends with the sum on one entry
    assert sweep() == 1
    [remote] = remote_entries(tripletex_sandbox)
    assert remote.hours == Decimal("7.5")
    assert creations(tripletex_sandbox) == 1
    ledger_check(tripletex_sandbox)


def test_b6_reopen_is_not_lost_when_the_process_dies_before_on_commit(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given
    admin, worker, project = connected
    first = sent_in(worker, project, "4")
    second = sent_in(worker, project, "3,5")
    approve(admin, [first, second], django_capture_on_commit_callbacks)
    # when: the reopen commits, but the process dies before its on-commit callbacks
    with django_capture_on_commit_callbacks(execute=False):
        hr_services.entries_reopen(actor=admin, entry_ids=[first.id])
    sweep()
    # then: the sweep brings Tripletex to the rest, like after an approval (F3)
    assert [e.hours for e in remote_entries(tripletex_sandbox)] == [Decimal("3.5")]
    ledger_check(tripletex_sandbox)


def test_b6_reopen_is_refused_when_the_entry_moved_on_between_the_read_and_the_transaction(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    # given: 4 hours sent, and 3.5 more on the same key waiting for approval
    admin, worker, project = connected
    first = sent_in(worker, project, "4")
    approve(admin, [first], django_capture_on_commit_callbacks)
    later = sent_in(worker, project, "3,5")
    row = RemoteHours.objects.get()
    real_prepare = reopen.reopen_prepare

    def prepare_then_deliver_an_approval(**kwargs):
        # Tripletex was read; before the reopen's transaction opens, an approval on the key is
        # delivered and the entry's version in Tripletex moves on.
        prepared = real_prepare(**kwargs)
        approve(admin, [later], django_capture_on_commit_callbacks)
        return prepared

    # when the first is reopened across that delivery
    monkeypatch.setattr(reopen, "reopen_prepare", prepare_then_deliver_an_approval)
    with pytest.raises(ValidationError) as raised:
        hr_services.entries_reopen(actor=admin, entry_ids=[first.id])
    monkeypatch.undo()
    # then: refused, with nothing changed, and Tripletex holds the newer sum
    assert raised.value.messages == [str(texts.REOPEN_CHANGED)]
    assert HourEntry.objects.get(id=first.id).status == EntryStatus.APPROVED
    [remote] = remote_entries(tripletex_sandbox)
    assert remote.hours == Decimal("7.5")
    assert RemoteHours.objects.get().remote_version != row.remote_version
    assert tripletex_sandbox.request_count("GET /timesheet/entry/{id}") == 1
    # and trying again reads the new version and goes through
    with django_capture_on_commit_callbacks(execute=True):
        hr_services.entries_reopen(actor=admin, entry_ids=[first.id])
    assert HourEntry.objects.get(id=first.id).status == EntryStatus.SUBMITTED
    assert [(e.id, e.hours) for e in remote_entries(tripletex_sandbox)] == [(remote.id, Decimal("3.5"))]
    assert tripletex_sandbox.request_count("GET /timesheet/entry/{id}") == 2
    ledger_check(tripletex_sandbox)


# --- B7: approve twice ------------------------------------------------------------------------


def test_b7_approving_twice_is_one_approval_and_one_transfer(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as raised:
        approve(admin, [entry], django_capture_on_commit_callbacks)
    assert raised.value.messages == [str(hr_services.ENTRY_NOT_SUBMITTED)]
    assert RemoteHours.objects.get().state == TransferState.SENT
    assert creations(tripletex_sandbox) == 1
    ledger_check(tripletex_sandbox)


@NEEDS_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_b7_two_approvers_at_once_are_one_approval_and_one_transfer(connected, tripletex_sandbox):
    # given: two administrators looking at the same sent-in entry
    admin, worker, project = connected
    other_admin = administrator_of(admin.company)
    entry = sent_in(worker, project)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve_now(actor) -> None:
        try:
            barrier.wait(timeout=10)
            hr_services.entries_approve(actor=actor, entry_ids=[entry.id])
            outcomes.append("approved")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=approve_now, args=(actor,)) for actor in (admin, other_admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then
    assert sorted(outcomes) == sorted(["approved", str(hr_services.ENTRY_NOT_SUBMITTED)])
    assert RemoteHours.objects.get().state == TransferState.SENT
    assert creations(tripletex_sandbox) == 1
    ledger_check(tripletex_sandbox)


# --- B9: garbled answers ----------------------------------------------------------------------


@pytest.mark.parametrize("garbled", ["htmlAfterStore", "emptyAfterStore", "noObjectAfterStore"])
def test_b9_garbled_answer_to_the_post_is_unclear_then_looked_up_not_resent(
    garbled, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: Tripletex stores the entry but answers HTML, nothing, or JSON without the object
    admin, worker, project = connected
    tripletex_sandbox.set_faults(rules=[{"endpoint": "POST /timesheet/entry", "action": garbled, "times": 1}])
    entry = sent_in(worker, project)
    # when
    approve(admin, [entry], django_capture_on_commit_callbacks)
    # then: no crash, unclear, and the next attempt adopts what is there
    row = RemoteHours.objects.get()
    assert (row.state, row.needs_lookup, row.message) == (
        TransferState.PENDING,
        True,
        str(texts.STATUS_UNCLEAR),
    )
    assert deliver_due(row.id) == TransferState.SENT
    [remote] = remote_entries(tripletex_sandbox)
    row.refresh_from_db()
    assert (row.remote_id, remote.hours) == (remote.id, Decimal("7.5"))
    assert creations(tripletex_sandbox) == 1
    ledger_check(tripletex_sandbox)


def test_b9_garbled_answer_to_an_update_is_looked_up_not_resent(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a sent entry, and Tripletex answering the next PUT with HTML after storing it
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project, "4")], django_capture_on_commit_callbacks)
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": "PUT /timesheet/entry/{id}", "action": "htmlAfterStore", "times": 1}]
    )
    # when more hours are approved on the key
    approve(admin, [sent_in(worker, project, "3,5")], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert (row.state, row.needs_lookup) == (TransferState.PENDING, True)
    # then the next attempt sees the update is there and sends nothing more
    assert deliver_due(row.id) == TransferState.SENT
    [remote] = remote_entries(tripletex_sandbox)
    assert remote.hours == Decimal("7.5")
    assert tripletex_sandbox.request_count("PUT /timesheet/entry/{id}") == 1
    ledger_check(tripletex_sandbox)


def test_b9_garbled_answer_to_the_look_up_is_unclear_too(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    tripletex_sandbox.set_faults(
        rules=[
            {"endpoint": "POST /timesheet/entry", "action": "dropAfterStore", "times": 1},
            {"endpoint": "GET /timesheet/entry", "action": "htmlAfterStore", "times": 1},
        ]
    )
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert deliver_due(row.id) == TransferState.PENDING
    row.refresh_from_db()
    assert row.needs_lookup
    assert deliver_due(row.id) == TransferState.SENT
    assert creations(tripletex_sandbox) == 1
    ledger_check(tripletex_sandbox)


# --- B10: approval blocked --------------------------------------------------------------------


def _assert_blocked(admin, entry, message, tripletex_sandbox, calls_before) -> None:
    with pytest.raises(ValidationError) as raised:
        hr_services.entries_approve(actor=admin, entry_ids=[entry.id])
    assert raised.value.messages == [message]
    assert HourEntry.objects.get(id=entry.id).status == EntryStatus.SUBMITTED
    assert not RemoteHours.objects.exists()
    assert total_requests(tripletex_sandbox) == calls_before


def test_b10_unlinked_project_blocks_approval(connected, tripletex_sandbox):
    admin, worker, _project = connected
    unlinked = ProjectFactory.create(company=admin.company, number="P-900", name="Garasje Bærum")
    entry = sent_in(worker, unlinked)
    calls = total_requests(tripletex_sandbox)
    _assert_blocked(
        admin,
        entry,
        str(texts.BLOCK_PROJECT % {"project": "P-900 Garasje Bærum"}),
        tripletex_sandbox,
        calls,
    )


def test_b10_unlinked_lonnsart_blocks_approval(connected, tripletex_sandbox):
    admin, worker, project = connected
    holiday = WageTypeFactory.create(company=admin.company, number="2030", name="Helligdagstillegg")
    entry = sent_in(worker, project, wage_type=holiday)
    calls = total_requests(tripletex_sandbox)
    _assert_blocked(
        admin,
        entry,
        str(texts.BLOCK_WAGE_TYPE % {"wage_type": "Helligdagstillegg"}),
        tripletex_sandbox,
        calls,
    )


def test_b10_unlinked_lonnsart_with_a_percent_sign_in_its_name_blocks_approval(connected, tripletex_sandbox):
    admin, worker, project = connected
    overtime = WageTypeFactory.create(company=admin.company, number="2010", name="Overtid 50 %")
    entry = sent_in(worker, project, wage_type=overtime)
    calls = total_requests(tripletex_sandbox)
    _assert_blocked(
        admin, entry, str(texts.BLOCK_WAGE_TYPE % {"wage_type": "Overtid 50 %"}), tripletex_sandbox, calls
    )


def test_b10_closed_project_blocks_approval(connected, tripletex_sandbox):
    admin, worker, project = connected
    entry = sent_in(worker, project)
    Project.objects.filter(id=project.id).update(is_closed=True)
    calls = total_requests(tripletex_sandbox)
    _assert_blocked(
        admin,
        entry,
        str(texts.BLOCK_PROJECT_CLOSED % {"project": str(project)}),
        tripletex_sandbox,
        calls,
    )


def test_b10_built_in_lonnsart_needs_no_link(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    ordinary = WageType.objects.get(company=admin.company, is_builtin=True)
    approve(admin, [sent_in(worker, project, wage_type=ordinary)], django_capture_on_commit_callbacks)
    assert RemoteHours.objects.get().state == TransferState.SENT
    ledger_check(tripletex_sandbox)


# --- B14: time zones --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_time", "expected"),
    [
        (datetime.datetime(2026, 11, 24, 23, 30, tzinfo=OSLO), datetime.date(2026, 11, 24)),
        (datetime.datetime(2026, 11, 25, 0, 30, tzinfo=OSLO), datetime.date(2026, 11, 25)),
    ],
)
def test_b14_hours_approved_late_in_the_evening_in_oslo_are_sent_on_the_local_date(
    local_time, expected, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(local_time):
        # given: hours for «today» registered and approved at that local time
        admin, worker, project = connected
        today = today_local()
        assert today == expected
        entry = sent_in(worker, project, day=today)
        # when
        approve(admin, [entry], django_capture_on_commit_callbacks)
    # then
    [remote] = remote_entries(tripletex_sandbox, expected)
    assert (remote.date, remote.hours) == (expected, Decimal("7.5"))
    assert RemoteHours.objects.get().date == expected
    ledger_check(tripletex_sandbox)
