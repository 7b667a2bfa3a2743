"""Tests that kill mutants of the transfer's state machine which the other transfer tests let
survive (docs/mutation.md): each names the module and the behaviour it pins down."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from hr import services as hr_services
from hr.tests.factories import CompanyFactory, EmployeeFactory, ProjectFactory
from tripletex.models import Connection, RemoteHours, TransferState
from tripletex.tests import transfer_helpers
from tripletex.tests.transfer_helpers import (
    DAY,
    approve,
    deliver_due,
    deliver_row,
    ledger_check,
    remote_entries,
    sent_in,
    total_requests,
)
from tripletex.transfer import delivery, machine, texts
from tripletex.transfer.refs import Kind
from tripletex.transfer.registry import KINDS

pytestmark = pytest.mark.django_db

connected = transfer_helpers.connected
point_at_sandbox = transfer_helpers.point_at_sandbox


# --- sync.py: _delete with nothing in Tripletex -----------------------------------------------


def test_hours_reopened_before_their_first_delivery_end_sent_without_a_call(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: hours approved and reopened before any delivery ran
    admin, worker, project = connected
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks, execute=False)
    with django_capture_on_commit_callbacks(execute=False):
        hr_services.entries_reopen(actor=admin, entry_ids=[entry.id])
    row = RemoteHours.objects.get()
    assert (row.wanted_hours, row.state) == (Decimal("0"), TransferState.PENDING)
    calls_before = total_requests(tripletex_sandbox)
    # when the row is delivered
    assert deliver_due(row.id) == TransferState.SENT
    # then: Tripletex was not called, holds nothing, and the row says so
    assert total_requests(tripletex_sandbox) == calls_before
    row.refresh_from_db()
    assert (row.state, row.remote_id, row.remote_version, row.sent_hours) == (
        TransferState.SENT,
        None,
        None,
        Decimal("0"),
    )
    assert remote_entries(tripletex_sandbox) == []
    ledger_check(tripletex_sandbox)


def test_hours_reopened_after_their_entry_was_deleted_by_hand_forget_the_old_entry(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a sent entry deleted by hand in Tripletex, found missing by the next update (unclear)
    admin, worker, project = connected
    first = sent_in(worker, project, "4")
    approve(admin, [first], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    old_id = row.remote_id
    tripletex_sandbox.client().timesheet_entry_delete(entry_id=row.remote_id, version=row.remote_version)
    second = sent_in(worker, project, "3,5")
    approve(admin, [second], django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert (row.state, row.needs_lookup, row.remote_id) == (TransferState.PENDING, True, old_id)
    # when every hour on the key is reopened, and the row runs: the look-up finds nothing
    with django_capture_on_commit_callbacks(execute=False):
        hr_services.entries_reopen(actor=admin, entry_ids=[first.id, second.id])
    assert deliver_due(row.id) == TransferState.SENT
    # then: the row no longer points at the entry that is gone, and holds no hours there
    row.refresh_from_db()
    assert (row.remote_id, row.remote_version, row.sent_hours, row.needs_lookup) == (
        None,
        None,
        Decimal("0"),
        False,
    )
    assert remote_entries(tripletex_sandbox) == []
    ledger_check(tripletex_sandbox)


# --- machine.py: backoff ------------------------------------------------------------------------


def test_attempts_that_keep_failing_wait_10_s_doubling_until_the_row_gives_up(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: Tripletex answers every request with 503 (unclear: retried after a backoff)
    admin, worker, project = connected
    tripletex_sandbox.set_faults(rules=[{"endpoint": "*", "action": "error", "status": 503}])
    entry = sent_in(worker, project)
    waits = []
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        approve(admin, [entry], django_capture_on_commit_callbacks)
        row = RemoteHours.objects.get()
        # when each next attempt runs exactly when it is due
        while row.state == TransferState.PENDING:
            assert row.next_attempt_at is not None
            waits.append((row.next_attempt_at - timezone.now()).total_seconds())
            traveller.move_to(row.next_attempt_at)
            deliver_row(row.id)
            row.refresh_from_db()
    # then: 10 s after the first attempt, doubling, and the eighth ends it (docs/transfer.md#backoff)
    assert waits == [10.0 * 2**n for n in range(machine.MAX_ATTEMPTS - 1)]
    assert (row.state, row.attempts, row.next_attempt_at) == (
        TransferState.FAILED,
        machine.MAX_ATTEMPTS,
        None,
    )


# --- machine.py: claim --------------------------------------------------------------------------


def other_companys_row(connection: Connection) -> RemoteHours:
    """A due row of another company, on the same Tripletex company as `connection`."""
    other = CompanyFactory.create(name="Annen Bygg AS")
    assert connection.tripletex_company_id is not None
    return RemoteHours.objects.create(
        company=other,
        employee=EmployeeFactory.create(company=other),
        project=ProjectFactory.create(company=other),
        date=DAY,
        activity_id=1,
        tripletex_company_id=connection.tripletex_company_id,
        wanted_hours=Decimal("3"),
        next_attempt_at=timezone.now(),
    )


def assert_untouched(row: RemoteHours) -> None:
    before = (row.state, row.attempts, row.next_attempt_at, row.in_flight_until, row.message)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.next_attempt_at, row.in_flight_until, row.message) == before


def test_a_companys_delivery_claims_only_that_companys_rows(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a due row of ours, and a due row of another company on the same Tripletex company
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks, execute=False)
    theirs = other_companys_row(Connection.objects.get(company=admin.company))
    # when our company's round runs
    states = delivery.deliver_company(company_id=admin.company_id)
    # then: only our row was taken and sent; theirs is untouched, still due
    assert list(states.values()) == [TransferState.SENT]
    assert_untouched(theirs)
    assert [entry.hours for entry in remote_entries(tripletex_sandbox)] == [Decimal("7.5")]


def test_a_paused_or_removed_company_holds_back_only_its_own_rows(
    connected, django_capture_on_commit_callbacks
):
    # given: a due row of ours and one of another company; our company paused for a rate limit
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks, execute=False)
    connection = Connection.objects.get(company=admin.company)
    theirs = other_companys_row(connection)
    # and two more rows of ours: one already sent, one not due until after the pause
    [sent, later] = due_rows(connected, 2, "1")
    RemoteHours.objects.filter(id=sent.id).update(state=TransferState.SENT, next_attempt_at=None)
    sent.refresh_from_db()
    RemoteHours.objects.filter(id=later.id).update(
        next_attempt_at=timezone.now() + datetime.timedelta(hours=1)
    )
    later.refresh_from_db()
    paused_until = timezone.now() + datetime.timedelta(minutes=5)
    Connection.objects.filter(id=connection.id).update(paused_until=paused_until)
    # when our round runs: our row waits for the pause, theirs is left alone
    assert delivery.deliver_company(company_id=admin.company_id) == {}
    ours = RemoteHours.objects.get(company=admin.company, wanted_hours=Decimal("7.5"))
    assert (ours.state, ours.next_attempt_at) == (TransferState.PENDING, paused_until)
    assert_untouched(theirs)
    assert_untouched(sent)
    assert_untouched(later)
    # when our integration is removed: our waiting row is not sent, theirs is left alone
    Connection.objects.filter(id=connection.id).update(is_active=False, paused_until=None)
    assert delivery.deliver_company(company_id=admin.company_id) == {}
    ours.refresh_from_db()
    assert (ours.state, ours.next_attempt_at, ours.message) == (
        TransferState.NOT_SENT,
        None,
        str(texts.STATUS_REMOVED),
    )
    assert_untouched(theirs)
    assert_untouched(sent)


@pytest.mark.parametrize("ended_seconds_ago", [0, 60])
def test_a_pause_that_has_ended_holds_nothing_back(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks, ended_seconds_ago
):
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks, execute=False)
    with time_machine.travel(timezone.now(), tick=False):
        ended = timezone.now() - datetime.timedelta(seconds=ended_seconds_ago)
        Connection.objects.filter(company=admin.company).update(paused_until=ended)
        assert list(delivery.deliver_company(company_id=admin.company_id).values()) == [TransferState.SENT]
    assert [entry.hours for entry in remote_entries(tripletex_sandbox)] == [Decimal("7.5")]


def due_rows(connected, count: int, hours: str, **fields) -> list[RemoteHours]:
    """Due hours rows of the connected company on `count` days, the later the day the longer due."""
    admin, worker, project = connected
    connection = Connection.objects.get(company=admin.company)
    assert connection.tripletex_company_id is not None
    now = timezone.now()
    return [
        RemoteHours.objects.create(
            company=admin.company,
            employee=worker,
            project=project,
            date=DAY + datetime.timedelta(days=n),
            activity_id=1,
            tripletex_company_id=connection.tripletex_company_id,
            wanted_hours=Decimal(hours),
            next_attempt_at=now - datetime.timedelta(minutes=n),
            **fields,
        )
        for n in range(count)
    ]


def test_a_round_takes_the_longest_waiting_rows_of_the_one_row_path_first(connected):
    # given: one more row of the one-row path (a look-up first) than a round takes
    rows = due_rows(connected, machine.SINGLES_PER_ROUND + 1, "2", needs_lookup=True)
    connection = Connection.objects.get(company=connected[0].company)
    # when a round claims
    claims = machine.claim(KINDS[Kind.HOURS], connection)
    # then: the ten that waited longest, oldest first; the one due last waits for the next round
    assert [c.row.id for c in claims] == [row.id for row in reversed(rows)][: machine.SINGLES_PER_ROUND]
    assert RemoteHours.objects.get(id=rows[0].id).attempts == 0


@pytest.mark.parametrize(
    ("hours", "claimed"),
    [
        # never tried, something to send: plain creates, which go in one list whatever their number
        ("0.5", machine.SINGLES_PER_ROUND + 1),
        # never sent and nothing to send any more: the one-row path, ten to a round
        ("0", machine.SINGLES_PER_ROUND),
    ],
)
def test_new_rows_go_in_a_list_and_only_the_one_row_path_is_limited(connected, hours, claimed):
    due_rows(connected, machine.SINGLES_PER_ROUND + 1, hours)
    connection = Connection.objects.get(company=connected[0].company)
    assert len(machine.claim(KINDS[Kind.HOURS], connection)) == claimed


def test_a_row_whose_worker_died_on_every_attempt_stops_failed_with_the_reason(
    connected, django_capture_on_commit_callbacks, mailoutbox
):
    # given: a row that reached the limit of attempts without any coming back to record
    [row] = due_rows(connected, 1, "2", attempts=machine.MAX_ATTEMPTS)
    connection = Connection.objects.get(company=connected[0].company)
    # when a round claims
    with django_capture_on_commit_callbacks(execute=True):
        claims = machine.claim(KINDS[Kind.HOURS], connection)
    # then: not claimed again; failed, with the message saying how many attempts, and one e-mail
    assert claims == []
    row.refresh_from_db()
    assert (row.state, row.next_attempt_at, row.attempts) == (
        TransferState.FAILED,
        None,
        machine.MAX_ATTEMPTS,
    )
    assert row.message == str(texts.STATUS_GAVE_UP % {"attempts": machine.MAX_ATTEMPTS})
    assert len(mailoutbox) == 1


def test_a_row_for_another_tripletex_company_is_not_sent_and_says_why(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: approved hours waiting, then the company connected to another Tripletex company
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks, execute=False)
    row = RemoteHours.objects.get()
    Connection.objects.filter(company=admin.company).update(tripletex_company_id=row.tripletex_company_id + 1)
    calls_before = total_requests(tripletex_sandbox)
    # when the row is delivered
    assert deliver_due(row.id) is None
    # then: nothing reached Tripletex, and the row shows that it was not sent, and why
    assert total_requests(tripletex_sandbox) == calls_before
    row.refresh_from_db()
    assert (row.state, row.next_attempt_at, row.message, row.attempts) == (
        TransferState.NOT_SENT,
        None,
        str(texts.STATUS_REMOVED),
        0,
    )
    assert remote_entries(tripletex_sandbox) == []
