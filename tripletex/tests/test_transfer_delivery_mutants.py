"""Tests that kill mutants of the delivery (tripletex/transfer/delivery.py) and of the recording of
its outcomes (tripletex/transfer/record.py) which the other transfer tests let survive. They
complement docs/mutation.md: each drives the real delivery against the sandbox and pins what is
stored afterwards (rows, the company's connection and pause, the attempt log, what Tripletex holds).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from hr.tests.factories import CompanyFactory, EmployeeFactory, ProjectFactory
from tripletex import client as tx
from tripletex import crypto
from tripletex.models import Connection, PauseReason, ProjectLink, RemoteHours, TransferState
from tripletex.tests import transfer_helpers
from tripletex.tests.transfer_helpers import (
    DAY,
    approve,
    creations,
    deliver_due,
    deliver_row,
    ledger_check,
    remote_entries,
    sent_in,
    sweep,
)
from tripletex.transfer import delivery, machine, record, texts
from tripletex.transfer.refs import Kind, RowRef

pytestmark = pytest.mark.django_db

connected = transfer_helpers.connected
point_at_sandbox = transfer_helpers.point_at_sandbox


def company_connection(admin) -> Connection:
    return Connection.objects.get(company=admin.company)


def request_ids(tripletex_sandbox, endpoint: str) -> list[str]:
    """The request ids Tripletex answered this endpoint's requests with, in order."""
    return [
        value
        for exchange in tripletex_sandbox.exchanges
        if exchange.endpoint == endpoint
        for key, value in exchange.response_headers.items()
        if key.lower() == "x-tlx-request-id"
    ]


# --- record.py: record --------------------------------------------------------------------------


def test_every_outcome_is_logged_with_tripletexs_request_id_and_the_message_shown(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: Tripletex refuses the new entry
    admin, worker, project = connected
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": "POST /timesheet/entry", "action": "error", "status": 422, "times": 1}]
    )
    # when the approved hours are delivered
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks)
    # then: the row failed and shows why, and its audit trail holds the result of the call with the
    # request id Tripletex answered with and the same message
    row = RemoteHours.objects.get()
    [refused] = request_ids(tripletex_sandbox, "POST /timesheet/entry")
    assert (row.state, row.request_id) == (TransferState.FAILED, refused)
    assert row.message
    assert list(row.attempt_log.order_by("id").values_list("action", "outcome", "request_id", "message")) == [
        ("create", "started", "", ""),
        ("result", TransferState.FAILED, refused, row.message),
    ]


# --- record.py: _sent ---------------------------------------------------------------------------


def test_a_sent_row_records_when_and_forgets_its_attempts_and_the_companys_throttle(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: Tripletex throttled the company once without a reset header (a 30 s pause, remembered)
    admin, worker, project = connected
    tripletex_sandbox.set_faults(rateLimitStorm={"requests": 1, "resetSeconds": None})
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks)
        connection = company_connection(admin)
        assert (connection.pause_reason, connection.throttle_seconds) == (PauseReason.RATE, 30)
        # when the pause is over and the row is sent
        traveller.move_to(transfer_helpers.pause_end(connection) + datetime.timedelta(seconds=1))
        sent_at = timezone.now()
        assert sweep() == 1
        # then: the row is sent, says when and what Tripletex holds, and has no attempt pending or
        # counted
        row = RemoteHours.objects.get()
        assert (row.state, row.sent_hours, row.attempts, row.next_attempt_at, row.sent_at) == (
            TransferState.SENT,
            Decimal("7.5"),
            0,
            None,
            sent_at,
        )
        # and the company's last transfer is now, and the next 429 starts again at the default pause
        connection.refresh_from_db()
        assert (connection.last_transfer_at, connection.throttle_seconds) == (sent_at, 0)
        tripletex_sandbox.set_faults(rateLimitStorm={"requests": 1, "resetSeconds": None})
        approve(
            admin,
            [sent_in(worker, project, day=DAY + datetime.timedelta(days=1))],
            django_capture_on_commit_callbacks,
        )
        connection.refresh_from_db()
        assert transfer_helpers.pause_end(connection) - sent_at == datetime.timedelta(
            seconds=record.THROTTLE_DEFAULT_SECONDS
        )
    ledger_check_after_pause(tripletex_sandbox)


def ledger_check_after_pause(tripletex_sandbox) -> None:
    """Let every pause run out and every row go, then check the ledger."""
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2), tick=False):
        sweep()
    ledger_check(tripletex_sandbox)


# --- record.py: _retry --------------------------------------------------------------------------


def test_a_throttled_attempt_after_a_failed_one_is_not_counted(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: the first attempt failed with a 503 (counted: one attempt)
    admin, worker, project = connected
    tripletex_sandbox.set_faults(rules=[{"endpoint": "*", "action": "error", "status": 503, "times": 1}])
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks)
        row = RemoteHours.objects.get()
        assert (row.state, row.attempts) == (TransferState.PENDING, 1)
        # when the second attempt, once due, is answered 429 without a reset header
        tripletex_sandbox.set_faults(rateLimitStorm={"requests": 1, "resetSeconds": None})
        assert row.next_attempt_at is not None
        traveller.move_to(row.next_attempt_at)
        assert deliver_row(row.id) == TransferState.PENDING
        # then: it waits for the pause, and still counts only the one failed attempt
        row.refresh_from_db()
        connection = company_connection(admin)
        assert (row.state, row.attempts, row.next_attempt_at) == (
            TransferState.PENDING,
            1,
            transfer_helpers.pause_end(connection),
        )
        # and a 503 after the pause is the second attempt: it waits 20 s (10 s doubled once)
        tripletex_sandbox.set_faults(
            rateLimitStorm=None, rules=[{"endpoint": "*", "action": "error", "status": 503, "times": 1}]
        )
        traveller.move_to(transfer_helpers.pause_end(connection))
        assert deliver_row(row.id) == TransferState.PENDING
        row.refresh_from_db()
        assert row.attempts == 2
        assert row.next_attempt_at == timezone.now() + machine.backoff(2)
        assert machine.backoff(2) == datetime.timedelta(seconds=20)


def test_a_row_whose_last_attempt_fails_stops_failed_saying_after_how_many(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks, mailoutbox
):
    # given: a row on its last attempt, and Tripletex answering 503 (unclear: would be retried)
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks, execute=False)
    row = RemoteHours.objects.get()
    RemoteHours.objects.filter(id=row.id).update(attempts=machine.MAX_ATTEMPTS - 1)
    tripletex_sandbox.set_faults(rules=[{"endpoint": "*", "action": "error", "status": 503}])
    # when it is delivered
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_due(row.id) == TransferState.FAILED
    # then: it stops, visibly, with the number of attempts, and the administrators are told once
    row.refresh_from_db()
    assert (row.state, row.attempts, row.next_attempt_at) == (
        TransferState.FAILED,
        machine.MAX_ATTEMPTS,
        None,
    )
    assert row.message == str(texts.STATUS_GAVE_UP % {"attempts": machine.MAX_ATTEMPTS})
    assert len(mailoutbox) == 1


# --- record.py: pause ---------------------------------------------------------------------------


def test_a_429_at_the_very_second_a_pause_ends_pauses_the_company_again(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: Tripletex keeps throttling without a reset header; the company is paused for 30 s
    admin, worker, project = connected
    tripletex_sandbox.set_faults(rateLimitStorm={"requests": 100, "resetSeconds": None})
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks)
        connection = company_connection(admin)
        ended = transfer_helpers.pause_end(connection)
        # when the row goes at the very second the pause ends, and is throttled again
        traveller.move_to(ended)
        assert sweep() == 1
        # then: a new pause, twice as long, from now; the row waits for its end
        connection.refresh_from_db()
        row = RemoteHours.objects.get()
        assert (connection.pause_reason, transfer_helpers.pause_end(connection) - ended) == (
            PauseReason.RATE,
            datetime.timedelta(seconds=2 * record.THROTTLE_DEFAULT_SECONDS),
        )
        assert (row.state, row.next_attempt_at) == (TransferState.PENDING, connection.paused_until)


# --- record.py: _superseded ---------------------------------------------------------------------


def test_a_delivery_that_outlived_its_lease_leaves_the_row_to_a_look_up(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    # given: approved hours, and a delivery (A) whose call returns only after its lease ran out,
    # by which time another delivery (B) took the row, found A's entry and recorded it sent
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks, execute=False)
    row = RemoteHours.objects.get()
    real_create = tx.TripletexClient.timesheet_entry_create
    b_states = []
    with time_machine.travel(timezone.now(), tick=False) as traveller:

        def create_then_stall(self, **kwargs):
            created = real_create(self, **kwargs)
            monkeypatch.setattr(tx.TripletexClient, "timesheet_entry_create", real_create)
            traveller.shift(machine.IN_FLIGHT + datetime.timedelta(seconds=1))
            b_states.append(deliver_row(row.id))
            return created

        monkeypatch.setattr(tx.TripletexClient, "timesheet_entry_create", create_then_stall)
        # when A records what it saw
        assert deliver_row(row.id) == TransferState.PENDING
        recorded_at = timezone.now()
    # then: B's delivery was sent; A's record does not trust its stale answer: the row goes again
    # at once, looking its key up first
    assert b_states == [TransferState.SENT]
    row.refresh_from_db()
    assert (row.state, row.needs_lookup, row.next_attempt_at) == (TransferState.PENDING, True, recorded_at)
    # and A's result is logged, followed by the note that it was superseded, with the same request id
    a_result, a_superseded = reversed(list(row.attempt_log.order_by("-id")[:2]))
    assert (a_result.action, a_result.outcome) == ("result", TransferState.SENT)
    assert a_result.request_id
    assert (a_superseded.action, a_superseded.outcome, a_superseded.request_id) == (
        "superseded",
        TransferState.SENT,
        a_result.request_id,
    )
    # and the look-up finds the one entry: the row is sent, nothing doubled
    assert deliver_due(row.id) == TransferState.SENT
    assert [entry.hours for entry in remote_entries(tripletex_sandbox)] == [Decimal("7.5")]
    assert creations(tripletex_sandbox) == 1
    ledger_check(tripletex_sandbox)


# --- delivery.py: deliver -----------------------------------------------------------------------


def test_delivering_rows_of_a_paused_or_removed_company_holds_them_back(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: approved hours, and the company paused for a rate limit
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks, execute=False)
    row = RemoteHours.objects.get()
    paused_until = timezone.now() + datetime.timedelta(minutes=5)
    Connection.objects.filter(company=admin.company).update(paused_until=paused_until, pause_reason="rate")
    calls_before = transfer_helpers.total_requests(tripletex_sandbox)
    # when the row is delivered: it waits for the pause's end
    assert deliver_row(row.id) is None
    row.refresh_from_db()
    assert (row.state, row.next_attempt_at) == (TransferState.PENDING, paused_until)
    # when the integration is removed and the row is delivered: it is shown as not sent
    Connection.objects.filter(company=admin.company).update(is_active=False, paused_until=None)
    assert deliver_due(row.id) is None
    row.refresh_from_db()
    assert (row.state, row.next_attempt_at, row.message) == (
        TransferState.NOT_SENT,
        None,
        str(texts.STATUS_REMOVED),
    )
    # then: nothing reached Tripletex
    assert transfer_helpers.total_requests(tripletex_sandbox) == calls_before


def test_a_paused_company_among_the_rows_does_not_hold_back_the_next_company(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a due row of a paused company, made before a due row of ours
    admin, worker, project = connected
    ours = company_connection(admin)
    assert ours.tripletex_company_id is not None
    other = CompanyFactory.create(name="Annen Bygg AS")
    paused_until = timezone.now() + datetime.timedelta(minutes=5)
    Connection.objects.create(
        company=other,
        is_active=True,
        employee_token=crypto.secret_encrypt("annen-nokkel"),
        token_last4="kkel",
        tripletex_company_id=ours.tripletex_company_id,
        paused_until=paused_until,
        pause_reason="rate",
    )
    theirs = RemoteHours.objects.create(
        company=other,
        employee=EmployeeFactory.create(company=other),
        project=ProjectFactory.create(company=other),
        date=DAY,
        activity_id=1,
        tripletex_company_id=ours.tripletex_company_id,
        wanted_hours=Decimal("3"),
        next_attempt_at=timezone.now(),
    )
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks, execute=False)
    mine = RemoteHours.objects.get(company=admin.company)
    assert theirs.id < mine.id
    # when both are delivered together
    states = delivery.deliver([RowRef(Kind.HOURS, theirs.id), RowRef(Kind.HOURS, mine.id)])
    # then: theirs waits for their pause, ours is sent
    assert states == {RowRef(Kind.HOURS, theirs.id): None, RowRef(Kind.HOURS, mine.id): TransferState.SENT}
    theirs.refresh_from_db()
    assert (theirs.state, theirs.next_attempt_at) == (TransferState.PENDING, paused_until)
    assert [entry.hours for entry in remote_entries(tripletex_sandbox)] == [Decimal("7.5")]


def test_delivering_some_rows_leaves_the_companys_other_due_rows_alone(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: two due rows of the company, on two days
    admin, worker, project = connected
    first = sent_in(worker, project, "4", DAY)
    second = sent_in(worker, project, "3", DAY + datetime.timedelta(days=1))
    approve(admin, [first, second], django_capture_on_commit_callbacks, execute=False)
    one, other = RemoteHours.objects.order_by("date")
    # when only the first is delivered
    assert delivery.deliver([RowRef(Kind.HOURS, one.id)]) == {RowRef(Kind.HOURS, one.id): TransferState.SENT}
    # then: the other was not taken, and Tripletex holds only the first
    before = (other.state, other.attempts, other.next_attempt_at, other.in_flight_until)
    other.refresh_from_db()
    assert (other.state, other.attempts, other.next_attempt_at, other.in_flight_until) == before
    assert [entry.hours for entry in remote_entries(tripletex_sandbox)] == [Decimal("4")]


def test_more_rows_than_a_list_holds_go_in_full_lists(connected, tripletex_sandbox):
    # given: two full lists and one more of new rows, one hour on each of as many days
    admin, worker, project = connected
    connection = company_connection(admin)
    assert connection.tripletex_company_id is not None
    link = ProjectLink.objects.get(project=project)
    count = 2 * machine.CLAIM_SIZE + 1
    now = timezone.now()
    rows = [
        RemoteHours.objects.create(
            company=admin.company,
            employee=worker,
            project=project,
            date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
            activity_id=link.activity_id,
            tripletex_company_id=connection.tripletex_company_id,
            wanted_hours=Decimal("1"),
            next_attempt_at=now,
        )
        for n in range(count)
    ]
    # when all of them are delivered together
    states = delivery.deliver([RowRef(Kind.HOURS, row.id) for row in rows])
    # then: every one is sent, in three calls: a hundred, a hundred, and the last one alone
    assert list(states.values()) == [TransferState.SENT] * count
    assert tripletex_sandbox.request_count("POST /timesheet/entry/list") == 2
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 1
    assert RemoteHours.objects.filter(state=TransferState.SENT, remote_id__isnull=False).count() == count
