"""Tests that kill mutants of tripletex/transfer/sync.py which the other transfer tests let survive;
they complement the tables in docs/mutation.md.

They pin down, through a real delivery against the sandbox:
- `_delete`: the audit trail's «delete», the row forgetting the deleted object (hours entry and
  lønnsart line alike), and the version a delete of hours sends: the one last seen, and after a
  revision conflict the one read again, in exactly one extra read;
- `_create_list`: the audit trail's «create» for each row of a list, and an entry missing from a
  list's answer ending unclear and looked up rather than taken as sent.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from hr import services as hr_services
from hr.models import HourEntry, WageType
from tripletex.models import RemoteHours, RemoteSalaryLine, TransferState
from tripletex.sandbox import handlers
from tripletex.tests import transfer_helpers
from tripletex.tests.test_transfer import linked_lonnsart
from tripletex.tests.transfer_helpers import (
    DAY,
    NEXT_DAY,
    actions_of,
    approve,
    deliver_due,
    entry_version_moved_on,
    ledger_check,
    register,
    remote_entries,
    sent_in,
    total_requests,
)
from tripletex.transfer import delivery, texts

pytestmark = pytest.mark.django_db

connected = transfer_helpers.connected
point_at_sandbox = transfer_helpers.point_at_sandbox


def writes_since(tripletex_sandbox, start: int) -> list[tuple[str, str, dict[str, str], int]]:
    """The requests the sandbox answered since exchange `start`, but for searches: (method, path,
    query less the fields asked for, status)."""
    return [
        (e.method, e.path, {k: v for k, v in e.query.items() if k != "fields"}, e.status)
        for e in tripletex_sandbox.exchanges[start:]
        if e.endpoint not in ("GET /timesheet/entry", "GET /timesheet/salaryTypeSpecification")
    ]


def specifications(tripletex_sandbox) -> list[tuple[int, Decimal]]:
    """The lønnsart lines Tripletex holds on DAY: (id, count)."""
    return [
        (line.id, line.count)
        for line in tripletex_sandbox.client().salary_type_specifications(date_from=DAY, date_to=NEXT_DAY)
    ]


# --- sync.py: _delete ---------------------------------------------------------------------------


def test_reopened_hours_and_lonnsart_line_are_deleted_logged_and_forgotten(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: overtime approved and sent, as an hours entry and a lønnsart line (both at version 0)
    admin, worker, project = connected
    _salary_type, overtime = linked_lonnsart(tripletex_sandbox, worker, "Overtid")
    entry = register(worker, project, "2", wage_type=overtime)
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row, line = RemoteHours.objects.get(), RemoteSalaryLine.objects.get()
    [(line_id, _count)] = specifications(tripletex_sandbox)
    assert (row.state, row.remote_version, line.state, line.remote_id) == (
        TransferState.SENT,
        0,
        TransferState.SENT,
        line_id,
    )
    entry_id = row.remote_id
    # and the overtime reopened, its delivery not yet run
    with django_capture_on_commit_callbacks(execute=False):
        hr_services.entries_reopen(actor=admin, entry_ids=[entry.id])
    calls_before, start = total_requests(tripletex_sandbox), len(tripletex_sandbox.exchanges)
    # when the rows are delivered
    states = delivery.deliver_company(company_id=admin.company_id)
    # then: one delete each, the entry's with the version last seen and the line's by id alone
    assert sorted(states.values()) == [TransferState.SENT, TransferState.SENT]
    assert total_requests(tripletex_sandbox) - calls_before == 2
    assert sorted(writes_since(tripletex_sandbox, start)) == [
        ("DELETE", f"/v2/timesheet/entry/{entry_id}", {"version": "0"}, 204),
        ("DELETE", f"/v2/timesheet/salaryTypeSpecification/{line_id}", {}, 204),
    ]
    assert remote_entries(tripletex_sandbox) == []
    assert specifications(tripletex_sandbox) == []
    # and both rows hold nothing in Tripletex any more, and log the delete
    for stored in (row, line):
        stored.refresh_from_db()
        assert (stored.state, stored.remote_id, stored.remote_version, stored.sent_hours) == (
            TransferState.SENT,
            None,
            None,
            Decimal("0"),
        )
        assert actions_of(stored) == [
            ("create", "started"),
            ("result", TransferState.SENT),
            ("delete", "started"),
            ("result", TransferState.SENT),
        ]
    # when the overtime is approved again
    approve(admin, [entry], django_capture_on_commit_callbacks)
    # then: both are created anew in one delivery, none updated
    row.refresh_from_db()
    line.refresh_from_db()
    [remote] = remote_entries(tripletex_sandbox)
    [(new_line_id, count)] = specifications(tripletex_sandbox)
    assert (row.state, row.remote_id, remote.hours) == (TransferState.SENT, remote.id, Decimal("2"))
    assert (line.state, line.remote_id, count) == (TransferState.SENT, new_line_id, Decimal("2"))
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 2
    assert tripletex_sandbox.request_count("POST /timesheet/salaryTypeSpecification") == 2
    assert tripletex_sandbox.request_count("PUT /timesheet/entry/{id}") == 0
    assert tripletex_sandbox.request_count("PUT /timesheet/salaryTypeSpecification/{id}") == 0
    ledger_check(tripletex_sandbox)


def test_deleting_hours_sends_the_version_last_seen_in_one_call(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: hours sent, then updated once (the entry and the row are at version 1)
    admin, worker, project = connected
    first = sent_in(worker, project, "4")
    approve(admin, [first], django_capture_on_commit_callbacks)
    second = sent_in(worker, project, "3,5")
    approve(admin, [second], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    [remote] = remote_entries(tripletex_sandbox)
    assert (row.state, row.remote_id, row.remote_version) == (TransferState.SENT, remote.id, 1)
    assert remote.version == 1
    # and every hour on the key reopened, its delivery not yet run
    with django_capture_on_commit_callbacks(execute=False):
        hr_services.entries_reopen(actor=admin, entry_ids=[first.id, second.id])
    calls_before, start = total_requests(tripletex_sandbox), len(tripletex_sandbox.exchanges)
    # when the row is delivered
    assert deliver_due(row.id) == TransferState.SENT
    # then: one delete, with version 1, and nothing read again
    assert total_requests(tripletex_sandbox) - calls_before == 1
    assert writes_since(tripletex_sandbox, start) == [
        ("DELETE", f"/v2/timesheet/entry/{remote.id}", {"version": "1"}, 204),
    ]
    assert remote_entries(tripletex_sandbox) == []
    row.refresh_from_db()
    assert (row.state, row.remote_id, row.remote_version) == (TransferState.SENT, None, None)
    ledger_check(tripletex_sandbox)


def test_deleting_hours_changed_in_tripletex_meanwhile_reads_the_version_once_and_deletes_with_it(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: hours sent at version 0, reopened, its delivery not yet run
    admin, worker, project = connected
    entry = sent_in(worker, project, "4")
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert row.remote_version == 0
    with django_capture_on_commit_callbacks(execute=False):
        hr_services.entries_reopen(actor=admin, entry_ids=[entry.id])
    # and someone changes the entry in Tripletex meanwhile: its version moves on to 1
    entry_id = row.remote_id
    assert entry_id is not None
    entry_version_moved_on(tripletex_sandbox, entry_id)
    calls_before, start = total_requests(tripletex_sandbox), len(tripletex_sandbox.exchanges)
    # when the row is delivered
    assert deliver_due(row.id) == TransferState.SENT
    # then: the stale delete is refused, the entry read once, and deleted with the version read
    path = f"/v2/timesheet/entry/{entry_id}"
    assert total_requests(tripletex_sandbox) - calls_before == 3
    assert writes_since(tripletex_sandbox, start) == [
        ("DELETE", path, {"version": "0"}, 409),
        ("GET", path, {}, 200),
        ("DELETE", path, {"version": "1"}, 204),
    ]
    assert remote_entries(tripletex_sandbox) == []
    row.refresh_from_db()
    assert (row.state, row.remote_id, row.sent_hours) == (TransferState.SENT, None, Decimal("0"))
    assert [action for action, _outcome in actions_of(row)][-2:] == ["delete", "result"]
    ledger_check(tripletex_sandbox)


# --- sync.py: _create_list ----------------------------------------------------------------------


def overtime_on_two_days(connected, tripletex_sandbox) -> list[HourEntry]:
    """Overtime sent in on DAY and the day after: two hours rows and two lønnsart lines when
    approved."""
    _admin, worker, project = connected
    _salary_type, overtime = linked_lonnsart(tripletex_sandbox, worker, "Overtid")
    entries = [register(worker, project, "2", day=day, wage_type=overtime) for day in (DAY, NEXT_DAY)]
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    return entries


def test_new_rows_sent_together_log_a_create_for_each_row(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: overtime on two days sent in (two new hours rows, two new lønnsart lines)
    admin = connected[0]
    entries = overtime_on_two_days(connected, tripletex_sandbox)
    # when they are approved together
    approve(admin, entries, django_capture_on_commit_callbacks)
    # then: the hours went in one list, the lines one by one (they have no list endpoint)
    assert tripletex_sandbox.request_count("POST /timesheet/entry/list") == 1
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 0
    assert tripletex_sandbox.request_count("POST /timesheet/salaryTypeSpecification") == 2
    assert len(remote_entries(tripletex_sandbox)) + len(remote_entries(tripletex_sandbox, NEXT_DAY)) == 2
    # and every row is sent, its audit trail a create and its result
    rows: list[RemoteHours | RemoteSalaryLine] = [*RemoteHours.objects.all(), *RemoteSalaryLine.objects.all()]
    assert len(rows) == 4
    for row in rows:
        assert row.state == TransferState.SENT
        assert actions_of(row) == [("create", "started"), ("result", TransferState.SENT)]
    ledger_check(tripletex_sandbox)


def test_an_entry_missing_from_a_lists_answer_is_unclear_and_adopted_after_a_look_up(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    # given: hours on two days sent in, and Tripletex's answer to a list leaving the second day's
    # entry out although it stores it (the sandbox never does so by itself: it answers a list with
    # everything it stored, so its list answer is cut here)
    admin, worker, project = connected
    ordinary = WageType.objects.get(company=worker.company, is_builtin=True)
    entries = [register(worker, project, "3", day=day, wage_type=ordinary) for day in (DAY, NEXT_DAY)]
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    answered = handlers.created_list

    def answer_without_the_second_day(call, kind, records, *, status):
        return answered(call, kind, [r for r in records if r.date != NEXT_DAY], status=status)

    # when they are approved together
    with monkeypatch.context() as patch:
        patch.setattr(handlers, "created_list", answer_without_the_second_day)
        approve(admin, entries, django_capture_on_commit_callbacks)
    # then: both are stored in Tripletex; the answered one is sent, the missing one is unclear
    [first_remote] = remote_entries(tripletex_sandbox)
    [second_remote] = remote_entries(tripletex_sandbox, NEXT_DAY)
    first, second = RemoteHours.objects.get(date=DAY), RemoteHours.objects.get(date=NEXT_DAY)
    assert (first.state, first.remote_id) == (TransferState.SENT, first_remote.id)
    assert (second.state, second.needs_lookup, second.remote_id, second.message) == (
        TransferState.PENDING,
        True,
        None,
        str(texts.STATUS_UNCLEAR),
    )
    assert tripletex_sandbox.request_count("POST /timesheet/entry/list") == 1
    lookups = tripletex_sandbox.request_count("GET /timesheet/entry")
    # when the unclear row runs again
    assert deliver_due(second.id) == TransferState.SENT
    # then: one look-up finds our entry and the row adopts it; nothing is created or written again
    second.refresh_from_db()
    assert (second.state, second.remote_id, second.sent_hours, second.needs_lookup) == (
        TransferState.SENT,
        second_remote.id,
        Decimal("3"),
        False,
    )
    assert tripletex_sandbox.request_count("GET /timesheet/entry") == lookups + 1
    assert tripletex_sandbox.request_count("POST /timesheet/entry/list") == 1
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 0
    assert tripletex_sandbox.request_count("PUT /timesheet/entry/{id}") == 0
    assert [action for action, _outcome in actions_of(second)] == ["create", "result", "lookup", "result"]
    ledger_check(tripletex_sandbox)


# --- sync.py: _sync ---------------------------------------------------------------------------


def test_a_create_after_an_unclear_answer_is_logged_after_its_look_up(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: the first create of the hours gets a 503, so its outcome is unclear
    admin, worker, project = connected
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": "POST /timesheet/entry", "action": "error", "status": 503, "times": 1}]
    )
    entry = sent_in(worker, project, "4")
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert (row.state, row.needs_lookup) == (TransferState.PENDING, True)
    # when the next attempt runs
    assert deliver_due(row.id) == TransferState.SENT
    # then: it looked, found nothing, created the entry, and the trail says so in that order
    actions = [action for action, _outcome in actions_of(row)]
    assert actions == ["create", "result", "lookup", "create", "result"]
    assert len(remote_entries(tripletex_sandbox)) == 1
    ledger_check(tripletex_sandbox)
