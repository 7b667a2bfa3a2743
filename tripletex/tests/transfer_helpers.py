"""Shared setup for the transfer tests: a company connected to the sandbox, hours sent in and
approved, a sweep, and the ledger check (docs/transfer.md#exactly-once).

Import the fixtures into a test module by assignment (`connected = transfer_helpers.connected`), so
pytest finds them there.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from hr import services as hr_services
from hr.models import Company, Employee, EntryStatus, HourEntry, Project, WageType
from hr.tests.factories import CompanyFactory, EmployeeFactory, administrator_of
from tripletex import crypto
from tripletex.client import TimesheetEntry
from tripletex.models import (
    Connection,
    EmployeeLink,
    ProjectLink,
    RemoteHours,
    RemoteSalaryLine,
    TransferAttempt,
    TransferState,
)
from tripletex.sandbox.testing import SandboxHandle
from tripletex.tasks import transfer_sweep_task
from tripletex.transfer import comments, delivery, queries
from tripletex.transfer.refs import Kind, RowRef

# pytest-django's django_capture_on_commit_callbacks: a context manager that collects the callbacks.
CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], object]]]]

DAY = datetime.date(2026, 11, 24)
NEXT_DAY = DAY + datetime.timedelta(days=1)
# Wide enough for every date these tests use; Tripletex's dateTo is exclusive.
LEDGER_FROM, LEDGER_TO = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
CREATIONS = ("POST /timesheet/entry", "POST /timesheet/entry/list")
FINAL_STATES = (TransferState.SENT, TransferState.FAILED, TransferState.CONFLICT, TransferState.NOT_SENT)


@pytest.fixture
def point_at_sandbox(settings, tripletex_sandbox):
    settings.TRIPLETEX_BASE_URL = tripletex_sandbox.base_url
    settings.TRIPLETEX_CONSUMER_TOKEN = tripletex_sandbox.consumer_token
    # Factories give every user a password; the production hasher costs ~0.3 s a user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tripletex_sandbox


@pytest.fixture
def connected(point_at_sandbox):
    """A company connected to the sandbox, with P-100 and employees 1001 and 1003 linked: what
    «Ferdigstill» leaves behind (test_wizard.py proves the wizard itself), built without the wizard's
    calls so that these tests stay fast. P-100 takes the timesheet settings' default activity, as the
    wizard chooses it."""
    return company_connected(point_at_sandbox)


def company_connected(
    sandbox: SandboxHandle,
    *,
    name: str = "Grønn Bygg AS",
    domain: str = "gronnbygg.no",
    project_number: str | None = None,
    project_name: str = "",
) -> tuple[Employee, Employee, Project]:
    """A company connected to the sandbox's Tripletex company: its administrator and one employee
    linked to Tripletex employees 1001 and 1003, and a project linked to P-100 with the timesheet
    settings' default activity. The project is P-100 itself, or (given project_number) a project of
    the company's own numbering linked to it."""
    company = CompanyFactory.create(name=name)
    admin = administrator_of(company, email=f"admin@{domain}", employee_number="1001")
    worker = EmployeeFactory.create(company=company, email=f"ansatt@{domain}", employee_number="1003")
    with sandbox.app.lock:
        store = sandbox.app.store
        remote_company = store.company
        remote_project = next(p for p in store.projects.values() if p.number == "P-100")
        activity_id = store.settings.default_project_activity_id
        assert activity_id is not None
        activity = store.activities[activity_id]
    token = sandbox.employee_token
    Connection.objects.create(
        company=company,
        is_active=True,
        employee_token=crypto.secret_encrypt(token),
        token_last4=token[-4:],
        tripletex_company_id=remote_company.id,
        tripletex_company_name=remote_company.name,
        connected_at=timezone.now(),
        connected_by=admin,
    )
    if project_number is None:
        project = Project.objects.create(
            company=company,
            number=remote_project.number,
            name=remote_project.name,
            start_date=remote_project.start_date,
            end_date=remote_project.end_date,
        )
    else:
        project = Project.objects.create(company=company, number=project_number, name=project_name)
    ProjectLink.objects.create(
        company=company,
        tripletex_company_id=remote_company.id,
        tripletex_id=remote_project.id,
        project=project,
        activity_id=activity.id,
        activity_name=activity.name,
    )
    for employee in (admin, worker):
        EmployeeLink.objects.create(
            company=company,
            tripletex_company_id=remote_company.id,
            tripletex_id=sandbox.employee_id(employee.employee_number),
            employee=employee,
        )
    return admin, worker, project


def register(worker, project, hours="7.5", day=DAY, wage_type=None, comment="") -> HourEntry:
    wage_type = wage_type or WageType.objects.get(company=worker.company, is_builtin=True)
    return hr_services.entry_create(
        actor=worker,
        employee=worker,
        date=day,
        project=project,
        wage_type=wage_type,
        hours=hours,
        comment=comment,
    )


def sent_in(worker, project, hours="7.5", day=DAY, wage_type=None) -> HourEntry:
    entry = register(worker, project, hours, day, wage_type)
    hr_services.week_submit(actor=worker, employee=worker, monday=day)
    entry.refresh_from_db()
    return entry


def tripletex_company_of(company: Company) -> int:
    """The Tripletex company the company's connection is to (known once its key was checked)."""
    tripletex_company = Connection.objects.get(company=company).tripletex_company_id
    assert tripletex_company is not None
    return tripletex_company


def pause_end(connection: Connection) -> datetime.datetime:
    """When the paused connection may call Tripletex again."""
    assert connection.paused_until is not None
    return connection.paused_until


def approve(
    admin: Employee, entries: Iterable[HourEntry], capture: CaptureCallbacks, *, execute: bool = True
) -> list[Callable[[], object]]:
    """Approve, then run (or, with execute=False, drop) what the commit would have run."""
    with capture(execute=execute) as callbacks:
        hr_services.entries_approve(actor=admin, entry_ids=[e.id for e in entries])
    return callbacks


def deliver_row(row_id: int, kind: Kind = Kind.HOURS) -> TransferState | None:
    """Deliver one row now if it is due (None: not due, or held by another delivery)."""
    ref = RowRef(kind, row_id)
    return delivery.deliver([ref])[ref]


def hours_due() -> list[int]:
    """The ids of the hours rows the sweep would find due."""
    return [ref.id for ref in queries.rows_due() if ref.kind == Kind.HOURS]


def deliver_due(row_id: int, kind: Kind = Kind.HOURS) -> TransferState | None:
    """Run the row now, as the sweep would once its next attempt is due and any lease has run out."""
    model = RemoteHours if kind == Kind.HOURS else RemoteSalaryLine
    model.objects.filter(id=row_id).update(next_attempt_at=timezone.now(), in_flight_until=None)
    return deliver_row(row_id, kind)


def sweep() -> int:
    """One beat of the sweep, the way Celery beat runs it (tasks are eager in tests)."""
    kicked: int = transfer_sweep_task.delay().get()
    return kicked


def actions_of(row: RemoteHours | RemoteSalaryLine) -> list[tuple[str, str]]:
    """The row's audit trail, oldest first: (action, outcome)."""
    rows = (
        TransferAttempt.objects.filter(remote=row)
        if isinstance(row, RemoteHours)
        else TransferAttempt.objects.filter(salary_line=row)
    )
    return list(rows.order_by("id").values_list("action", "outcome"))


def entry_version_moved_on(tripletex_sandbox: SandboxHandle, entry_id: int | None) -> None:
    """Someone changed the hours entry in Tripletex: its version moves on by one."""
    assert entry_id is not None
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.entries[entry_id].version += 1


def creations(tripletex_sandbox) -> int:
    return sum(tripletex_sandbox.request_count(endpoint) for endpoint in CREATIONS)


def total_requests(tripletex_sandbox) -> int:
    with tripletex_sandbox.app.lock:
        return sum(tripletex_sandbox.app.request_counts.values())


def remote_entries(tripletex_sandbox: SandboxHandle, day: datetime.date = DAY) -> list[TimesheetEntry]:
    return list(
        tripletex_sandbox.client().timesheet_entries(date_from=day, date_to=day + datetime.timedelta(days=1))
    )


def ledger_check(tripletex_sandbox) -> None:
    """For every key the sandbox holds the approved hours, no key has two entries, and every row is
    sent or in a visible final state (docs/transfer.md#exactly-once)."""
    remote = list(tripletex_sandbox.client().timesheet_entries(date_from=LEDGER_FROM, date_to=LEDGER_TO))
    by_key = defaultdict(list)
    for entry in remote:
        by_key[(entry.employee_id, entry.date, entry.project_id, entry.activity_id)].append(entry)
    doubled = {key: len(entries) for key, entries in by_key.items() if len(entries) > 1}
    assert not doubled, f"keys with more than one remote entry: {doubled}"
    ours = {entry.id for entry in remote if comments.MARKER in entry.comment}
    accounted: set[int] = set()
    for row in RemoteHours.objects.all():
        employee = EmployeeLink.objects.get(
            employee_id=row.employee_id, tripletex_company_id=row.tripletex_company_id
        ).tripletex_id
        project = ProjectLink.objects.get(
            project_id=row.project_id, tripletex_company_id=row.tripletex_company_id
        ).tripletex_id
        entries = by_key.get((employee, row.date, project, row.activity_id), [])
        approved = HourEntry.objects.filter(
            employee_id=row.employee_id, date=row.date, project_id=row.project_id, status=EntryStatus.APPROVED
        ).aggregate(total=Sum("hours"))["total"] or Decimal("0")
        assert row.state in FINAL_STATES, f"row {row} still {row.state}: {row.message}"
        if row.state == TransferState.SENT:
            assert row.wanted_hours == approved, f"row {row} wants {row.wanted_hours}, approved {approved}"
            assert (entries[0].hours if entries else Decimal("0")) == approved, f"row {row}: {entries}"
            if entries:
                assert entries[0].id == row.remote_id
                accounted.add(entries[0].id)
        else:
            assert row.message, f"row {row} is {row.state} without a message"
            accounted.update(e.id for e in entries)
    assert ours <= accounted, f"entries of ours no row accounts for: {ours - accounted}"
