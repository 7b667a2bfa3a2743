"""The delivery state machine, run for every remote kind (docs/transfer.md#kinds): timesheet hours
and lønnsart lines go through the same claim, lease, look-up, update, delete and record, so each
test here runs once per kind. Against the sandbox over HTTP."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from hr import services as hr_services
from hr.models import Company, Employee, EntryStatus, HourEntry, Project, WageType
from tripletex import dispatch, tasks
from tripletex.models import (
    Connection,
    EmployeeLink,
    RemoteHours,
    TransferAttempt,
    TransferState,
    WageTypeLink,
)
from tripletex.sandbox.testing import SandboxHandle
from tripletex.tests import transfer_helpers
from tripletex.tests.transfer_helpers import DAY, approve, deliver_due, deliver_row
from tripletex.transfer import comments, machine, queries, texts
from tripletex.transfer.kind import NewObject, Remote, RemoteKind, Row, Wanted
from tripletex.transfer.outcomes import Outcome
from tripletex.transfer.record import record
from tripletex.transfer.refs import Kind, RowRef
from tripletex.transfer.registry import KINDS

pytestmark = pytest.mark.django_db

connected = transfer_helpers.connected
point_at_sandbox = transfer_helpers.point_at_sandbox


@dataclass
class Case:
    """One kind under test: how its hours are registered, and where they land in Tripletex."""

    kind: RemoteKind
    admin: Employee
    worker: Employee
    project: Project
    wage_type: WageType
    sandbox: SandboxHandle
    endpoint: str  # its collection in Tripletex, e.g. "/timesheet/entry"

    def send_in(self, hours: str, day: datetime.date = DAY) -> HourEntry:
        entry = hr_services.entry_create(
            actor=self.worker,
            employee=self.worker,
            date=day,
            project=self.project,
            wage_type=self.wage_type,
            hours=hours,
        )
        hr_services.week_submit(actor=self.worker, employee=self.worker, monday=day)
        entry.refresh_from_db()
        return entry

    def row(self) -> Row:
        return self.kind.rows().get()

    def ref(self) -> RowRef:
        return RowRef(self.kind.kind, self.row().id)

    def remote(self) -> list[Remote]:
        row = self.row()
        target = self.kind.targets([row])[row.id]
        return self.kind.lookup(self.sandbox.client(), row, target)

    def requests(self, method: str, one: bool = False) -> int:
        return self.sandbox.request_count(f"{method} {self.endpoint}{'/{id}' if one else ''}")

    def by_hand(self, amount: str, text: str) -> Remote:
        """An object typed in Tripletex by hand on the row's key."""
        row = self.row()
        new = NewObject(row, self.kind.targets([row])[row.id], Wanted(Decimal(amount), text))
        return self.kind.create(self.sandbox.client(), new)


@pytest.fixture(params=[Kind.HOURS, Kind.SALARY_LINE])
def case(request, connected, tripletex_sandbox) -> Case:
    admin, worker, project = connected
    kind = KINDS[request.param]
    if kind.kind == Kind.HOURS:
        wage_type = WageType.objects.get(company=worker.company, is_builtin=True)
        endpoint = "/timesheet/entry"
    else:
        with tripletex_sandbox.app.lock:
            salary_type = next(
                t for t in tripletex_sandbox.app.store.salary_types.values() if t.show_in_timesheet
            )
        wage_type = WageType.objects.create(company=worker.company, number=salary_type.number, name="Overtid")
        WageTypeLink.objects.create(
            company=worker.company,
            tripletex_company_id=_tripletex_company(worker.company),
            tripletex_id=salary_type.id,
            wage_type=wage_type,
        )
        endpoint = "/timesheet/salaryTypeSpecification"
    return Case(kind, admin, worker, project, wage_type, tripletex_sandbox, endpoint)


def _tripletex_company(company: Company) -> int:
    tripletex_company = Connection.objects.get(company=company).tripletex_company_id
    assert tripletex_company is not None
    return tripletex_company


def _approved(case: Case, hours: str, capture, *, execute: bool = True) -> HourEntry:
    entry = case.send_in(hours)
    approve(case.admin, [entry], capture, execute=execute)
    return entry


def test_a_new_row_is_created_once_and_carries_the_marker(case, django_capture_on_commit_callbacks):
    # when
    _approved(case, "7,5", django_capture_on_commit_callbacks)

    # then
    [remote] = case.remote()
    held = case.kind.held(remote)
    assert (held.amount, comments.is_ours(held.text)) == (Decimal("7.5"), True)
    row = case.row()
    assert (row.state, row.remote_id, row.sent_hours, row.attempts) == (
        TransferState.SENT,
        remote.id,
        Decimal("7.5"),
        0,
    )
    assert case.requests("POST") == 1


def test_an_unclear_create_is_looked_up_and_adopted_never_sent_twice(
    case, django_capture_on_commit_callbacks
):
    # given: Tripletex stores the object but the answer is lost
    case.sandbox.set_faults(
        rules=[{"endpoint": f"POST {case.endpoint}", "action": "dropAfterStore", "times": 1}]
    )
    _approved(case, "4", django_capture_on_commit_callbacks)
    row = case.row()
    assert (row.state, row.needs_lookup, row.message) == (
        TransferState.PENDING,
        True,
        str(texts.STATUS_UNCLEAR),
    )

    # when: the next attempt is due
    state = deliver_due(row.id, case.kind.kind)

    # then: found by the look-up and adopted; one object, one create
    assert state == TransferState.SENT
    assert (case.requests("POST"), case.requests("GET")) == (1, 1)
    [remote] = case.remote()
    assert case.row().remote_id == remote.id


def test_reopening_all_hours_of_a_key_deletes_the_object(case, django_capture_on_commit_callbacks):
    # given
    entry = _approved(case, "3", django_capture_on_commit_callbacks)
    assert len(case.remote()) == 1

    # when
    with django_capture_on_commit_callbacks(execute=True):
        hr_services.entries_reopen(actor=case.admin, entry_ids=[entry.id])

    # then
    assert case.remote() == []
    row = case.row()
    assert (row.state, row.remote_id, row.wanted_hours, row.sent_hours) == (TransferState.SENT, None, 0, 0)
    assert case.requests("DELETE", one=True) == 1


def test_a_stale_version_on_update_is_read_again_and_retried_once(case, django_capture_on_commit_callbacks):
    # given: a sent object that someone then changed in Tripletex (its version moved on)
    _approved(case, "2", django_capture_on_commit_callbacks)
    row = case.row()
    with case.sandbox.app.lock:
        store = case.sandbox.app.store
        (store.entries if case.kind.kind == Kind.HOURS else store.specifications)[row.remote_id].version += 1

    # when: more hours on the key are approved
    _approved(case, "1,5", django_capture_on_commit_callbacks)

    # then: one re-read, one retry, the sum in Tripletex
    assert case.row().state == TransferState.SENT
    [remote] = case.remote()
    assert case.kind.held(remote).amount == Decimal("3.5")
    assert case.requests("PUT", one=True) == 2
    assert case.requests("GET", one=True) == 1


def test_an_object_deleted_by_hand_is_created_again_after_a_look_up(case, django_capture_on_commit_callbacks):
    # given: our object deleted in Tripletex by hand
    _approved(case, "2", django_capture_on_commit_callbacks)
    gone = case.row()
    case.kind.delete(case.sandbox.client(), gone.remote_id, gone.remote_version)

    # when: more hours on the key are approved, and the retry after the failed update is due
    _approved(case, "1", django_capture_on_commit_callbacks)
    assert case.row().needs_lookup
    state = deliver_due(gone.id, case.kind.kind)

    # then: created anew with the sum
    assert state == TransferState.SENT
    [remote] = case.remote()
    assert (case.kind.held(remote).amount, remote.id) == (Decimal("3"), case.row().remote_id)
    assert remote.id != gone.remote_id


def test_a_hand_typed_object_in_place_of_ours_is_a_conflict_and_is_left_alone(
    case, django_capture_on_commit_callbacks
):
    # given: our object replaced by hand in Tripletex with one that is not ours, on the same key
    _approved(case, "2", django_capture_on_commit_callbacks)
    ours = case.row()
    case.kind.delete(case.sandbox.client(), ours.remote_id, ours.remote_version)
    typed = case.by_hand("6", "Ført for hånd")

    # when: more hours on the key are approved and the look-up runs
    _approved(case, "1", django_capture_on_commit_callbacks)
    state = deliver_due(ours.id, case.kind.kind)

    # then: a conflict, and the hand-typed object is untouched
    assert state == TransferState.CONFLICT
    assert case.row().message == str(texts.STATUS_CONFLICT)
    [remote] = case.remote()
    assert (remote.id, case.kind.held(remote)) == (typed.id, Wanted(Decimal("6"), "Ført for hånd"))
    assert case.requests("PUT", one=True) == 1  # the update that found ours gone, nothing after


def test_our_object_edited_by_hand_is_known_by_its_id_and_brought_back(
    case, django_capture_on_commit_callbacks
):
    # given: our object's text changed by hand in Tripletex (the marker gone), same id
    _approved(case, "2", django_capture_on_commit_callbacks)
    row = case.row()
    with case.sandbox.app.lock:
        store = case.sandbox.app.store
        if case.kind.kind == Kind.HOURS:
            store.entries[row.remote_id].comment = "Endret for hånd"
        else:
            store.specifications[row.remote_id].description = "Endret for hånd"
    case.kind.rows().filter(id=row.id).update(needs_lookup=True, state=TransferState.PENDING)

    # when
    state = deliver_due(row.id, case.kind.kind)

    # then: adopted as ours (its id is ours), and made equal again
    assert state == TransferState.SENT
    [remote] = case.remote()
    assert remote.id == row.remote_id
    assert comments.is_ours(case.kind.held(remote).text)


def test_inside_the_lease_nothing_is_due_and_nothing_is_sent(case, django_capture_on_commit_callbacks):
    # given: a worker claimed the row and died before calling Tripletex
    _approved(case, "5", django_capture_on_commit_callbacks, execute=False)
    connection = Connection.objects.get(company=case.admin.company)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        # (the company's delivery claims every kind's due rows; a lønnsart entry has an hours row too)
        claims = {kind.kind: machine.claim(kind, connection) for kind in KINDS.values()}
        [claimed] = claims[case.kind.kind]
        calls = sum(case.sandbox.app.request_counts.values())

        # when: past the backoff (10 s), inside the lease (90 s)
        traveller.move_to(start + datetime.timedelta(seconds=30))

        # then: nothing is due, a delivery claims nothing and calls nothing
        assert case.ref() not in queries.rows_due()
        assert deliver_row(claimed.row.id, case.kind.kind) is None
        assert queries.companies_due() == []
        assert sum(case.sandbox.app.request_counts.values()) == calls

        # when: the lease has run out
        traveller.move_to(start + machine.IN_FLIGHT + datetime.timedelta(seconds=1))
        state = deliver_row(claimed.row.id, case.kind.kind)

    # then: the second attempt looks first (the first may have stored it) and creates once
    assert state == TransferState.SENT
    assert case.requests("GET") == 1
    assert case.requests("POST") == 1
    assert case.row().attempts == 0


@contextmanager
def _lease_run_out(case: Case, connection: Connection) -> Iterator[machine.Claim]:
    """A worker's claim of the row, with the clock moved past its lease (held while the block runs)."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        [late] = machine.claim(case.kind, connection)
        traveller.move_to(start + machine.IN_FLIGHT + datetime.timedelta(seconds=1))
        yield late


def test_a_stale_lease_never_overwrites_a_later_delivery(case, django_capture_on_commit_callbacks):
    # given: worker A claims the row, and its lease runs out while it waits on Tripletex
    _approved(case, "5", django_capture_on_commit_callbacks, execute=False)
    connection = Connection.objects.get(company=case.admin.company)
    with _lease_run_out(case, connection) as late:
        # worker B takes the row over and delivers it
        assert deliver_row(late.row.id, case.kind.kind) == TransferState.SENT
        sent = case.row()

        # when: A comes back and records a failure
        states = record(connection.id, [(late, Outcome(TransferState.FAILED, message="stale"))])

    # then: the row is not failed; it waits for a delivery that looks the key up first
    row = case.row()
    assert states == {case.ref(): TransferState.PENDING}
    assert (row.state, row.needs_lookup, row.message) == (TransferState.PENDING, True, sent.message)
    assert row.remote_id == sent.remote_id
    assert TransferAttempt.objects.filter(action="superseded").count() == 1
    # and that delivery finds our object and leaves Tripletex as it is: one object, the approved hours
    assert deliver_due(row.id, case.kind.kind) == TransferState.SENT
    [remote] = case.remote()
    assert case.kind.held(remote).amount == Decimal("5")
    assert case.requests("POST") == 1


def test_a_stale_lease_leaves_a_row_still_in_flight_to_its_new_owner(
    case, django_capture_on_commit_callbacks
):
    # given: A's lease ran out and B claimed the row, but B has not recorded yet
    _approved(case, "5", django_capture_on_commit_callbacks, execute=False)
    connection = Connection.objects.get(company=case.admin.company)
    with _lease_run_out(case, connection) as late:
        [current] = machine.claim(case.kind, connection)

        # when: A records
        record(connection.id, [(late, Outcome(TransferState.FAILED, message="stale"))])

    # then: B's claim stands untouched, and B's record is the one that counts
    row = case.row()
    assert (row.state, row.in_flight_until, row.needs_lookup) == (TransferState.PENDING, current.lease, False)
    assert record(connection.id, [(current, Outcome(TransferState.FAILED, message="refused"))]) == {
        case.ref(): TransferState.FAILED
    }


def test_a_row_whose_link_is_gone_fails_visibly_without_a_call(case, django_capture_on_commit_callbacks):
    # given: approved, then the employee's link is removed before the delivery
    _approved(case, "2", django_capture_on_commit_callbacks, execute=False)
    EmployeeLink.objects.filter(employee=case.worker).delete()
    calls = sum(case.sandbox.app.request_counts.values())

    # when
    state = deliver_row(case.row().id, case.kind.kind)

    # then
    assert state == TransferState.FAILED
    assert case.row().message == str(texts.STATUS_NOT_LINKED)
    assert sum(case.sandbox.app.request_counts.values()) == calls


def test_the_wanted_state_of_both_kinds_is_the_sum_of_the_approved_hours(
    case, django_capture_on_commit_callbacks
):
    # given / when: two approvals on one key, and a third entry still waiting
    _approved(case, "2", django_capture_on_commit_callbacks)
    _approved(case, "1,25", django_capture_on_commit_callbacks)
    case.send_in("4")

    # then
    assert case.row().wanted_hours == Decimal("3.25")
    assert HourEntry.objects.filter(status=EntryStatus.SUBMITTED).count() == 1
    [remote] = case.remote()
    assert case.kind.held(remote).amount == Decimal("3.25")


# --- coalescing and rounds ---------------------------------------------------------------------


@pytest.fixture
def queued(settings, monkeypatch) -> list[tuple[tuple[object, ...], object]]:
    """Deliveries are queued, not run: what was sent to the broker, with its time."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.TRIPLETEX_COALESCE_SECONDS = 1.5
    sent: list[tuple[tuple[object, ...], object]] = []
    monkeypatch.setattr(
        tasks.deliver_company_task, "apply_async", lambda args, eta=None: sent.append((tuple(args), eta))
    )
    return sent


def _due_rows(connected, count: int) -> None:
    """`count` new hours rows of the company, due now (the outbox, as approvals leave it)."""
    admin, worker, project = connected
    activity = project.tripletex_link.activity_id
    RemoteHours.objects.bulk_create(
        RemoteHours(
            company=admin.company,
            tripletex_company_id=_tripletex_company(admin.company),
            employee=worker,
            project=project,
            activity_id=activity,
            date=DAY + datetime.timedelta(days=n),
            wanted_hours=Decimal("1.5"),
            wanted_comment=comments.MARKER,
            next_attempt_at=timezone.now(),
        )
        for n in range(count)
    )


def test_kicks_within_the_window_join_one_delivery(connected, queued):
    admin, _worker, _project = connected
    _due_rows(connected, 3)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        # when: three approvals' kicks within the window
        for _ in range(3):
            dispatch.kick(admin.company_id)
        # then: one delivery, at the window's end
        assert queued == [((admin.company_id,), start + datetime.timedelta(seconds=1.5))]
        # when: a kick after the window
        traveller.move_to(start + datetime.timedelta(seconds=2))
        dispatch.kick(admin.company_id)
    # then: a new delivery is scheduled
    assert [eta for _args, eta in queued] == [
        start + datetime.timedelta(seconds=1.5),
        start + datetime.timedelta(seconds=3.5),
    ]


def test_a_full_list_due_is_delivered_at_once(connected, queued):
    admin, _worker, _project = connected
    _due_rows(connected, machine.CLAIM_SIZE)
    dispatch.kick(admin.company_id)
    dispatch.kick(admin.company_id)
    assert queued == [((admin.company_id,), None)] * 2


def test_one_task_delivers_a_companys_rows_a_list_at_a_time(connected, tripletex_sandbox):
    # given: 250 new rows due
    admin, _worker, _project = connected
    _due_rows(connected, 250)

    # when
    delivered = tasks.deliver_company_task(admin.company_id)

    # then: three lists (100, 100, 50), every row sent, nothing due
    assert delivered == 250
    assert tripletex_sandbox.request_count("POST /timesheet/entry/list") == 3
    assert set(RemoteHours.objects.values_list("state", flat=True)) == {TransferState.SENT}
    held = tripletex_sandbox.client().timesheet_entries(
        date_from=DAY, date_to=DAY + datetime.timedelta(days=250)
    )
    assert len(list(held)) == 250
    assert queries.companies_due() == []


# --- constraints -------------------------------------------------------------------------------


def test_the_database_refuses_an_unknown_state_or_pause_and_an_attempt_without_one_row(connected):
    admin, _worker, _project = connected
    _due_rows(connected, 1)
    row = RemoteHours.objects.get()
    for change in (
        lambda: RemoteHours.objects.filter(id=row.id).update(state="lost"),
        lambda: Connection.objects.filter(company=admin.company).update(pause_reason="tired"),
        lambda: TransferAttempt.objects.create(action="create", outcome="started"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    TransferAttempt.objects.create(remote=row, action="create", outcome="started")
    assert TransferAttempt.objects.count() == 1
