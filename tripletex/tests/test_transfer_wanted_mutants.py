"""Tests that kill mutants of tripletex/transfer/wanted.py and tripletex/transfer/control.py which
the other transfer tests let survive; they complement the tables in docs/mutation.md.

They pin down:
- `approved_from` (the count «Oppsummering» shows for «Ferdigstill»): only this company's approved
  entries are counted, a key is held only by a row of the same employee, date and project, and
  with no Tripletex company yet nothing is held;
- `hours_changed` on a key dated before the connection's date: reopened hours Tripletex holds from
  us are still taken out of it, and a row an earlier Tripletex company holds does not make the key
  go to this one;
- `hours_changed` on a key whose row already exists: a row that failed is due again with its
  attempts and message cleared; approved while the integration is removed, it is not sent, with no
  next attempt and no attempts counted, whatever it held before;
- `transfers_cancel` (removal): only this company's waiting rows, hours and lønnsart lines alike,
  become not sent, with no next attempt left; what was sent stays sent;
- `transfers_retry` («Prøv igjen» on «Overføringer»): only this company's failed rows in the
  Tripletex company it is connected to are sent again; sent rows and other companies' rows are left
  as they are; a pause for the key is lifted, a pause Tripletex asked for is kept;
- `transfers_resume` (a new key saved): the company's pause and its 429 backoff are lifted, and only
  its own waiting rows go again, looked up first;
- `approved_earlier_send` («Ferdigstill» sending hours approved before): only approved entries from
  the connection's date go, people not linked stay out, a key sent to an earlier Tripletex company
  is sent to this one too, and the entries are read with their
  employee, project and lønnsart, so the queries do not grow with the entries.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from hr import services as hr_services
from hr.models import Employee, EntryStatus, HourEntry, Project
from hr.tests.factories import CompanyFactory, EmployeeFactory, HourEntryFactory, administrator_of
from tripletex.models import (
    Connection,
    PauseReason,
    ProjectLink,
    RemoteHours,
    RemoteSalaryLine,
    TransferState,
)
from tripletex.sandbox.testing import SandboxHandle
from tripletex.services import connection as connection_services
from tripletex.tests import transfer_helpers
from tripletex.tests.test_transfer import linked_lonnsart
from tripletex.tests.transfer_helpers import (
    DAY,
    NEXT_DAY,
    approve,
    company_connected,
    register,
    remote_entries,
    sent_in,
    tripletex_company_of,
)
from tripletex.transfer import control, texts, wanted
from tripletex.transfer.refs import Kind, RowRef

pytestmark = pytest.mark.django_db

connected = transfer_helpers.connected
point_at_sandbox = transfer_helpers.point_at_sandbox

TRANSFERS = "/innstillinger/tripletex/overforinger/"
# A Tripletex company the company was connected to before; not the sandbox's.
EARLIER_TRIPLETEX_COMPANY = 1
# What creates an hours entry or a lønnsart line in Tripletex.
REFUSED = ("POST /timesheet/entry", "POST /timesheet/entry/list", "POST /timesheet/salaryTypeSpecification")


def other_connected_company(sandbox: SandboxHandle) -> tuple[Employee, Employee, Project]:
    """A second company connected to the same Tripletex company, with its own administrator and
    employee linked to Tripletex employees 1001 and 1003 and its own project linked to P-100."""
    return company_connected(
        sandbox,
        name="Annen Bygg AS",
        domain="annenbygg.no",
        project_number="A-100",
        project_name="Annet prosjekt",
    )


def overtime_approved(admin, worker, project, overtime, hours, day, capture, *, execute: bool):
    """Overtime registered, sent in and approved: an hours row and a lønnsart line for its key."""
    entry = register(worker, project, hours, day=day, wage_type=overtime)
    hr_services.week_submit(actor=worker, employee=worker, monday=day)
    approve(admin, [entry], capture, execute=execute)
    return (
        RemoteHours.objects.get(company=worker.company, date=day),
        RemoteSalaryLine.objects.get(company=worker.company, date=day),
    )


def stored(row: RemoteHours | RemoteSalaryLine) -> tuple[object, ...]:
    """What the row says about its transfer: state, message, attempts, lookup, next attempt."""
    row.refresh_from_db()
    return (row.state, row.message, row.attempts, row.needs_lookup, row.next_attempt_at)


# --- wanted.py: approved_from -------------------------------------------------------------------


def test_approved_from_counts_this_companys_approved_entries_on_keys_tripletex_lacks(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: the worker's 7,5 t on P-100 on DAY approved and sent (a row in the sandbox's company)
    admin, worker, project = connected
    held = sent_in(worker, project, "7.5")
    approve(admin, [held], django_capture_on_commit_callbacks)
    assert RemoteHours.objects.get().state == TransferState.SENT
    # and a second linked project, P-200
    other_project = Project.objects.create(company=admin.company, number="P-200", name="Annet")
    ProjectLink.objects.create(
        company=admin.company,
        tripletex_company_id=tripletex_company_of(admin.company),
        tripletex_id=tripletex_sandbox.project_id("P-200"),
        project=other_project,
        activity_id=tripletex_sandbox.activity_id("Fakturerbart arbeid"),
    )
    # and the connection now sends only from a later date, so what is approved below gets no row:
    # the administrator's hours on the held date and project, the worker's on the held project the
    # next day, and the worker's on the held date on P-200
    Connection.objects.filter(company=admin.company).update(send_hours_from=DAY + datetime.timedelta(days=14))
    near_keys = [
        sent_in(admin, project, "1"),
        sent_in(worker, project, "2", NEXT_DAY),
        sent_in(worker, other_project, "3"),
    ]
    # (approved by a second administrator: nobody approves their own hours)
    approve(administrator_of(admin.company), near_keys, django_capture_on_commit_callbacks)
    assert RemoteHours.objects.count() == 1
    # and 4 t sent in but not approved
    submitted = sent_in(worker, project, "4", DAY + datetime.timedelta(days=2))
    assert submitted.status == EntryStatus.SUBMITTED
    # and another company's 5 t approved on DAY
    other_company = CompanyFactory.create(name="Annen Bygg AS")
    other_admin = administrator_of(other_company)
    other_worker = EmployeeFactory.create(company=other_company)
    elsewhere = sent_in(other_worker, Project.objects.create(company=other_company, number="X-1", name="X"))
    approve(other_admin, [elsewhere], django_capture_on_commit_callbacks)
    assert HourEntry.objects.get(id=elsewhere.id).status == EntryStatus.APPROVED
    # when «Oppsummering» counts what «Ferdigstill» would send from DAY into the sandbox's company
    totals = wanted.approved_from(
        company=admin.company, date=DAY, tripletex_company_id=tripletex_company_of(admin.company)
    )
    # then: the three approved entries on keys without a row, not the held one, the unapproved one
    # or the other company's
    assert totals == (3, Decimal("6.00"))


def test_approved_from_with_no_tripletex_company_yet_counts_every_approved_entry(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: 7,5 t approved and sent, as its row tells, while connected to an earlier Tripletex
    # company (id 1), and 2 t approved and sent the next day in the current one
    admin, worker, project = connected
    first = sent_in(worker, project, "7.5")
    approve(admin, [first], django_capture_on_commit_callbacks)
    RemoteHours.objects.filter(date=DAY).update(tripletex_company_id=EARLIER_TRIPLETEX_COMPANY)
    second = sent_in(worker, project, "2", NEXT_DAY)
    approve(admin, [second], django_capture_on_commit_callbacks)
    assert sorted(RemoteHours.objects.values_list("tripletex_company_id", "state")) == sorted(
        [
            (EARLIER_TRIPLETEX_COMPANY, TransferState.SENT),
            (tripletex_company_of(admin.company), TransferState.SENT),
        ]
    )
    # when «Oppsummering» counts before the new key is checked (no Tripletex company yet)
    totals = wanted.approved_from(company=admin.company, date=DAY, tripletex_company_id=None)
    # then: nothing is held there, so both entries count
    assert totals == (2, Decimal("9.50"))
    # and for the earlier company only what it lacks counts
    assert wanted.approved_from(
        company=admin.company, date=DAY, tripletex_company_id=EARLIER_TRIPLETEX_COMPANY
    ) == (1, Decimal("2.00"))


# --- control.py: transfers_cancel ---------------------------------------------------------------


def test_removal_stops_only_this_companys_waiting_rows_and_keeps_what_was_sent(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: overtime approved and sent on DAY (an hours row and a lønnsart line, both sent)
    admin, worker, project = connected
    _salary_type, overtime = linked_lonnsart(tripletex_sandbox, worker, "Overtid")
    capture = django_capture_on_commit_callbacks
    sent_rows = overtime_approved(admin, worker, project, overtime, "2", DAY, capture, execute=True)
    assert [row.state for row in sent_rows] == [TransferState.SENT, TransferState.SENT]
    # and overtime approved the next day, its delivery not yet run (both rows waiting)
    waiting = overtime_approved(admin, worker, project, overtime, "3", NEXT_DAY, capture, execute=False)
    assert all(row.state == TransferState.PENDING and row.next_attempt_at for row in waiting)
    # and another company connected to the same Tripletex company with rows waiting
    other_admin, other_worker, other_project = other_connected_company(tripletex_sandbox)
    _other_type, other_overtime = linked_lonnsart(tripletex_sandbox, other_worker, "Overtid")
    others = overtime_approved(
        other_admin, other_worker, other_project, other_overtime, "4", DAY, capture, execute=False
    )
    others_before = [stored(row) for row in others]
    assert all(state[0] == TransferState.PENDING and state[4] for state in others_before)
    # when the administrator removes the integration
    connection_services.connection_remove(actor=admin)
    # then: the waiting rows are not sent, with the reason and no next attempt
    for row in waiting:
        row.refresh_from_db()
        assert (row.state, row.message, row.next_attempt_at) == (
            TransferState.NOT_SENT,
            str(texts.STATUS_REMOVED),
            None,
        )
    # and the sent rows stay sent, the sandbox still holding the hours
    for row in sent_rows:
        row.refresh_from_db()
        assert (row.state, row.message) == (TransferState.SENT, "")
    assert [entry.hours for entry in remote_entries(tripletex_sandbox)] == [Decimal("2")]
    # and the other company's rows still wait, untouched
    assert [stored(row) for row in others] == others_before


# --- control.py: transfers_retry ----------------------------------------------------------------


def test_retry_all_sends_again_only_this_companys_failed_rows_in_its_tripletex_company(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    _salary_type, overtime = linked_lonnsart(tripletex_sandbox, worker, "Overtid")
    capture = django_capture_on_commit_callbacks
    # given: overtime approved and sent on DAY (an hours row and a lønnsart line)
    sent_rows = overtime_approved(admin, worker, project, overtime, "2", DAY, capture, execute=True)
    sent_before = [stored(row) for row in sent_rows]
    assert [state[0] for state in sent_before] == [TransferState.SENT, TransferState.SENT]
    # and, while Tripletex refuses everything, overtime approved on two more days: one day's rows
    # then moved to an earlier Tripletex company, as a former connection would have left them
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": endpoint, "action": "error", "status": 422} for endpoint in REFUSED]
    )
    later = DAY + datetime.timedelta(days=2)
    failed = overtime_approved(admin, worker, project, overtime, "3", NEXT_DAY, capture, execute=True)
    earlier = overtime_approved(admin, worker, project, overtime, "5", later, capture, execute=True)
    RemoteHours.objects.filter(id=earlier[0].id).update(tripletex_company_id=EARLIER_TRIPLETEX_COMPANY)
    RemoteSalaryLine.objects.filter(id=earlier[1].id).update(tripletex_company_id=EARLIER_TRIPLETEX_COMPANY)
    # and another company connected to the same Tripletex company with failed rows
    other_admin, other_worker, other_project = other_connected_company(tripletex_sandbox)
    _other_type, other_overtime = linked_lonnsart(tripletex_sandbox, other_worker, "Overtid")
    others = overtime_approved(
        other_admin, other_worker, other_project, other_overtime, "4", later, capture, execute=True
    )
    tripletex_sandbox.set_faults(rules=[])
    untouched = [*earlier, *others]
    untouched_before = [stored(row) for row in untouched]
    assert [stored(row)[0] for row in failed] == [TransferState.FAILED, TransferState.FAILED]
    assert [state[0] for state in untouched_before] == [TransferState.FAILED] * 4
    # when the administrator clicks «Prøv igjen» for all on «Overføringer» (delivery held back)
    client.force_login(admin.user)
    with capture(execute=False) as callbacks:
        response = client.post(TRANSFERS, {"action": "retry-all"}, follow=True)
    # then: the page says the two failed rows of this company go again, and they wait for it
    assert "2 sendes på nytt." in response.content.decode()
    for row in failed:
        state, message, attempts, needs_lookup, next_attempt = stored(row)
        assert (state, message, attempts, needs_lookup) == (TransferState.PENDING, "", 0, True)
        assert next_attempt is not None
    # and the sent rows, the earlier Tripletex company's and the other company's are left as they were
    assert [stored(row) for row in sent_rows] == sent_before
    assert [stored(row) for row in untouched] == untouched_before
    # when the delivery runs
    for callback in callbacks:
        callback()
    # then: the retried rows are sent and the sandbox holds the hours of both days, once each
    assert [stored(row)[0] for row in failed] == [TransferState.SENT, TransferState.SENT]
    assert [entry.hours for entry in remote_entries(tripletex_sandbox)] == [Decimal("2")]
    assert [entry.hours for entry in remote_entries(tripletex_sandbox, NEXT_DAY)] == [Decimal("3")]
    assert [stored(row) for row in untouched] == untouched_before


def approved_undelivered(
    admin: Employee, worker: Employee, project: Project, hours: str, capture, **row_fields: object
) -> RemoteHours:
    """Hours on DAY approved, their delivery not run, and their row then holding `row_fields`."""
    entry = sent_in(worker, project, hours)
    approve(admin, [entry], capture, execute=False)
    row = RemoteHours.objects.get(company=worker.company, date=DAY)
    if row_fields:
        RemoteHours.objects.filter(id=row.id).update(**row_fields)
    return row


def failed_hours(admin: Employee, worker: Employee, project: Project, capture) -> RemoteHours:
    """Hours approved and, as Tripletex refused them, failed (their delivery never ran here)."""
    return approved_undelivered(
        admin,
        worker,
        project,
        "7.5",
        capture,
        state=TransferState.FAILED,
        message="Tripletex avviste timene.",
        next_attempt_at=None,
    )


def test_retry_while_paused_for_the_key_lifts_the_pause_and_makes_the_row_due(
    connected, django_capture_on_commit_callbacks
):
    # given: a failed row, and the company paused because its key stopped working
    admin, worker, project = connected
    row = failed_hours(admin, worker, project, django_capture_on_commit_callbacks)
    Connection.objects.filter(company=admin.company).update(
        paused_until=timezone.now() + datetime.timedelta(hours=1), pause_reason=PauseReason.KEY
    )
    # when «Prøv igjen» runs for all
    refs = control.transfers_retry(company=admin.company)
    # then: the pause is lifted and the row is due, to be looked up first
    connection = Connection.objects.get(company=admin.company)
    assert (connection.paused_until, connection.pause_reason) == (None, PauseReason.NONE)
    assert refs == [RowRef(Kind.HOURS, row.id)]
    row.refresh_from_db()
    assert (row.state, row.needs_lookup, row.message) == (TransferState.PENDING, True, "")


def test_retry_while_tripletex_asked_us_to_wait_keeps_the_pause(
    connected, django_capture_on_commit_callbacks
):
    # given: a failed row, and the company paused because Tripletex asked us to wait (a 429)
    admin, worker, project = connected
    row = failed_hours(admin, worker, project, django_capture_on_commit_callbacks)
    until = timezone.now() + datetime.timedelta(minutes=1)
    Connection.objects.filter(company=admin.company).update(paused_until=until, pause_reason=PauseReason.RATE)
    # when «Prøv igjen» runs for all
    refs = control.transfers_retry(company=admin.company)
    # then: the row is due again, and the pause stays until Tripletex's time is up
    connection = Connection.objects.get(company=admin.company)
    assert (connection.paused_until, connection.pause_reason) == (until, PauseReason.RATE)
    assert refs == [RowRef(Kind.HOURS, row.id)]
    row.refresh_from_db()
    assert row.state == TransferState.PENDING


def approved_before(employee: Employee, project: Project, day: datetime.date) -> HourEntry:
    """An entry approved before the connection existed (so never handed to the transfer)."""
    now = timezone.now()
    return HourEntryFactory.create(
        employee=employee,
        project=project,
        date=day,
        status=EntryStatus.APPROVED,
        submitted_at=now,
        decided_at=now,
    )


# What approved_earlier_send costs, whatever the number of entries: the connection's links, the
# entries with their employee, project and lønnsart, the rows already there, and the rows' writes.
EARLIER_SEND_QUERIES = 14


@pytest.mark.parametrize("days", [1, 4])
def test_sending_earlier_approved_hours_reads_each_entry_with_its_employee_project_and_lonnsart(
    connected, django_assert_num_queries, days
):
    # given: hours approved before the connection, on as many days from its date, by the linked
    # worker and by people not linked to Tripletex (their entries stay out, named by the person)
    admin, worker, project = connected
    Connection.objects.filter(company=admin.company).update(send_hours_from=DAY)
    connection = Connection.objects.get(company=admin.company)
    unlinked = [EmployeeFactory.create(company=admin.company) for _ in range(days)]
    for day, person in enumerate(unlinked):
        for employee in (worker, person):
            approved_before(employee, project, DAY + datetime.timedelta(days=day))
    # and hours approved the day before the connection's date, which are never read
    approved_before(worker, project, DAY - datetime.timedelta(days=1))
    # when «Ferdigstill» sends them
    with django_assert_num_queries(EARLIER_SEND_QUERIES):
        refs = wanted.approved_earlier_send(company=admin.company, connection=connection)
    # then: the worker's days go, the unlinked people's stay out
    assert len(refs) == days
    assert RemoteHours.objects.filter(employee=worker).count() == days


def test_sending_earlier_approved_hours_takes_only_approved_entries_from_the_connections_date(connected):
    # given: «Send godkjente timer fra og med» DAY, and the worker's hours approved on DAY, approved
    # the day before, sent in but not approved the day after, and registered two days after
    admin, worker, project = connected
    Connection.objects.filter(company=admin.company).update(send_hours_from=DAY)
    connection = Connection.objects.get(company=admin.company)
    approved_before(worker, project, DAY)
    approved_before(worker, project, DAY - datetime.timedelta(days=1))
    now = timezone.now()
    HourEntryFactory.create(
        employee=worker, project=project, date=NEXT_DAY, status=EntryStatus.SUBMITTED, submitted_at=now
    )
    HourEntryFactory.create(employee=worker, project=project, date=DAY + datetime.timedelta(days=2))
    # when «Ferdigstill» sends what was approved before
    refs = wanted.approved_earlier_send(company=admin.company, connection=connection)
    # then: only DAY's approved hours go
    [row] = RemoteHours.objects.filter(company=admin.company)
    assert (row.employee_id, row.date, row.wanted_hours) == (worker.id, DAY, Decimal("7.50"))
    assert refs == [RowRef(Kind.HOURS, row.id)]


def test_a_new_key_lifts_the_pause_and_sends_again_only_this_companys_waiting_rows(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    capture = django_capture_on_commit_callbacks
    # given: hours sent on DAY, hours approved on the next day and waiting, and the company paused
    # because its key stopped working, after a 429 had doubled its backoff to 40 s
    sent_entry = sent_in(worker, project, "4")
    approve(admin, [sent_entry], capture)
    sent_row = RemoteHours.objects.get(company=admin.company, date=DAY)
    waiting_entry = sent_in(worker, project, "3", day=NEXT_DAY)
    approve(admin, [waiting_entry], capture, execute=False)
    waiting = RemoteHours.objects.get(company=admin.company, date=NEXT_DAY)
    Connection.objects.filter(company=admin.company).update(
        paused_until=timezone.now() + datetime.timedelta(hours=1),
        pause_reason=PauseReason.KEY,
        throttle_seconds=40,
    )
    # and another company's hours waiting too
    other_admin, other_worker, other_project = other_connected_company(tripletex_sandbox)
    other_entry = sent_in(other_worker, other_project, "5")
    approve(other_admin, [other_entry], capture, execute=False)
    other = RemoteHours.objects.get(company=other_admin.company)
    sent_before, other_before = stored(sent_row), stored(other)
    # when a new key is saved
    refs = control.transfers_resume(company=admin.company)
    # then: the pause and the backoff are gone, and only the company's waiting row goes, looked up first
    connection = Connection.objects.get(company=admin.company)
    assert (connection.paused_until, connection.pause_reason, connection.throttle_seconds) == (
        None,
        PauseReason.NONE,
        0,
    )
    assert refs == [RowRef(Kind.HOURS, waiting.id)]
    waiting.refresh_from_db()
    assert (waiting.state, waiting.needs_lookup) == (TransferState.PENDING, True)
    assert waiting.next_attempt_at is not None and waiting.next_attempt_at <= timezone.now()
    assert (stored(sent_row), stored(other)) == (sent_before, other_before)


def test_sending_earlier_approved_hours_sends_a_key_held_only_by_an_earlier_tripletex_company(
    connected, django_capture_on_commit_callbacks
):
    # given: hours approved and sent on DAY, their row since left to an earlier Tripletex company
    admin, worker, project = connected
    entry = sent_in(worker, project, "4")
    approve(admin, [entry], django_capture_on_commit_callbacks)
    RemoteHours.objects.filter(company=admin.company).update(tripletex_company_id=EARLIER_TRIPLETEX_COMPANY)
    Connection.objects.filter(company=admin.company).update(send_hours_from=DAY)
    connection = Connection.objects.get(company=admin.company)
    # when «Ferdigstill» sends what was approved before
    refs = wanted.approved_earlier_send(company=admin.company, connection=connection)
    # then: the key gets a row of its own in this Tripletex company, due
    row = RemoteHours.objects.get(
        company=admin.company, tripletex_company_id=tripletex_company_of(admin.company)
    )
    assert (row.date, row.wanted_hours, row.state) == (DAY, Decimal("4"), TransferState.PENDING)
    assert refs == [RowRef(Kind.HOURS, row.id)]


def test_hours_approved_again_on_a_failed_key_are_due_with_attempts_and_message_cleared(
    connected, django_capture_on_commit_callbacks
):
    # given: hours on DAY that failed after 5 attempts
    admin, worker, project = connected
    capture = django_capture_on_commit_callbacks
    failed = {"state": TransferState.FAILED, "attempts": 5, "message": "Avvist.", "next_attempt_at": None}
    row = approved_undelivered(admin, worker, project, "4", capture, **failed)
    # when more hours on the key are approved
    approved_undelivered(admin, worker, project, "2", capture)
    # then: the row is due with the new sum, its attempts and message cleared
    row.refresh_from_db()
    assert (row.state, row.wanted_hours, row.attempts, row.message) == (
        TransferState.PENDING,
        Decimal("6"),
        0,
        "",
    )
    assert row.next_attempt_at is not None


def test_hours_approved_while_the_integration_is_removed_are_not_sent_whatever_the_row_held(
    connected, django_capture_on_commit_callbacks
):
    # given: a row on DAY that was due, with 2 attempts behind it, when the integration was removed
    admin, worker, project = connected
    capture = django_capture_on_commit_callbacks
    row = approved_undelivered(admin, worker, project, "4", capture, attempts=2, message="Ingen svar.")
    Connection.objects.filter(company=admin.company).update(is_active=False)
    # when more hours on the key are approved
    approved_undelivered(admin, worker, project, "2", capture)
    # then: the row says it was approved while the integration was removed, and waits for nothing
    row.refresh_from_db()
    assert (row.state, row.wanted_hours, row.attempts, row.next_attempt_at, row.message) == (
        TransferState.NOT_SENT,
        Decimal("6"),
        0,
        None,
        str(texts.STATUS_APPROVED_WHILE_REMOVED),
    )


def test_hours_reopened_on_a_key_before_the_connections_date_are_still_taken_out_of_tripletex(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: hours on DAY approved and sent, and the connection's date since moved past DAY
    admin, worker, project = connected
    entry = sent_in(worker, project, "4")
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get(company=admin.company)
    assert row.state == TransferState.SENT
    Connection.objects.filter(company=admin.company).update(send_hours_from=NEXT_DAY)
    # when an administrator reopens them, and the delivery runs
    with django_capture_on_commit_callbacks(execute=True):
        hr_services.entries_reopen(actor=admin, entry_ids=[entry.id])
    # then: Tripletex no longer holds them, and the row says so
    assert remote_entries(tripletex_sandbox) == []
    row.refresh_from_db()
    assert (row.state, row.wanted_hours, row.sent_hours, row.remote_id) == (
        TransferState.SENT,
        Decimal("0"),
        Decimal("0"),
        None,
    )


def test_hours_before_the_connections_date_held_only_by_an_earlier_tripletex_company_are_not_sent(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: hours on DAY sent to an earlier Tripletex company (its row is left there), and the
    # connection to this one sending from the next day
    admin, worker, project = connected
    first = sent_in(worker, project, "4")
    approve(admin, [first], django_capture_on_commit_callbacks, execute=False)
    RemoteHours.objects.filter(company=admin.company).update(
        tripletex_company_id=EARLIER_TRIPLETEX_COMPANY, state=TransferState.SENT, next_attempt_at=None
    )
    Connection.objects.filter(company=admin.company).update(send_hours_from=NEXT_DAY)
    # when more hours on DAY are approved
    second = sent_in(worker, project, "2")
    approve(admin, [second], django_capture_on_commit_callbacks)
    # then: nothing goes to this Tripletex company for DAY
    assert not RemoteHours.objects.filter(
        company=admin.company, tripletex_company_id=tripletex_company_of(admin.company)
    ).exists()
    assert remote_entries(tripletex_sandbox) == []
