"""Monthly reconciliation: approved hours here against hours in Tripletex, per employee and project.

Only our keys count: entries GrønnJobb wrote (its marker, or an id it stored). Hours typed directly in
Tripletex on other keys are Tripletex's own business and are left out.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Sum
from django.utils import timezone

from hr.models import Company, Employee, EntryStatus, HourEntry, Project
from tripletex import client as tx
from tripletex.models import Connection, EmployeeLink, ProjectLink, RemoteHours
from tripletex.services.wizard import tripletex_error_message
from tripletex.transfer.blockers import active_connection, tripletex_company_of
from tripletex.transfer.clients import client_of
from tripletex.transfer.comments import MARKER

# How long Tripletex's side of a month is reused (docs/transfer.md#reconciliation): reloading the
# page, or two administrators looking at once, read Tripletex once; a delivery in the month in
# between, or «Hent på nytt fra Tripletex», reads it again.
RECONCILIATION_CACHE_SECONDS = 60


@dataclass
class Reconciliation:
    lines: list[ReconciliationLine]
    # When Tripletex's side was read (None: nothing was read, no active connection).
    fetched_at: datetime.datetime | None = None


@dataclass
class ReconciliationLine:
    employee: Employee
    project: Project
    here: Decimal
    tripletex: Decimal

    @property
    def difference(self) -> Decimal:
        return self.tripletex - self.here


def month_bounds(month: str) -> tuple[datetime.date, datetime.date]:
    """ "2026-11" → (1 Nov, 1 Dec); the end is exclusive, like Tripletex's dateTo."""
    year, number = (int(part) for part in month.split("-"))
    start = datetime.date(year, number, 1)
    end = datetime.date(year + (number == 12), number % 12 + 1, 1)
    return start, end


def reconciliation(*, company: Company, month: str, fresh: bool = False) -> Reconciliation:
    """The month's lines, Tripletex's side read at most once a minute unless ``fresh``."""
    connection = active_connection(company)
    if connection is None:
        return Reconciliation(lines=[])
    start, end = month_bounds(month)
    tripletex_company = tripletex_company_of(connection)
    # Hours dated before «Send godkjente timer fra og med» are not meant for Tripletex: they are no
    # difference (the transfer follows the same rule, tripletex/transfer/blockers.py before_send_from).
    if connection.send_hours_from is not None:
        start = max(start, connection.send_hours_from)
    here: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for row in (
        HourEntry.objects.filter(company=company, status=EntryStatus.APPROVED, date__gte=start, date__lt=end)
        .values("employee_id", "project_id")
        .annotate(total=Sum("hours"))
    ):
        here[(row["employee_id"], row["project_id"])] = row["total"]
    there, fetched_at = _tripletex_side(company, connection, tripletex_company, start, end, fresh=fresh)
    keys = set(here) | set(there)
    people = Employee.objects.in_bulk({k[0] for k in keys})
    places = Project.objects.in_bulk({k[1] for k in keys})
    lines = [
        ReconciliationLine(
            people[e], places[p], here.get((e, p), Decimal("0")), there.get((e, p), Decimal("0"))
        )
        for e, p in keys
        if e in people and p in places
    ]
    lines.sort(key=lambda line: (line.employee.last_name, line.employee.first_name, line.project.number))
    return Reconciliation(lines=lines, fetched_at=fetched_at)


def _tripletex_side(
    company: Company,
    connection: Connection,
    tripletex_company: int,
    start: datetime.date,
    end: datetime.date,
    *,
    fresh: bool,
) -> tuple[dict[tuple[int, int], Decimal], datetime.datetime]:
    """Our hours in Tripletex per (employee, project), and when they were read. The cache entry is
    named by the month and by what the transfer last did in it (how many rows, their latest
    delivery, the hours and versions they hold), so hours delivered since are never missing."""
    rows = RemoteHours.objects.filter(company=company, date__gte=start, date__lt=end)
    state = rows.aggregate(
        count=Count("id"), sent=Max("sent_at"), hours=Sum("sent_hours"), versions=Sum("remote_version")
    )
    fingerprint = hashlib.sha256(repr(sorted(state.items())).encode()).hexdigest()[:16]
    key = f"reconciliation:{connection.id}:{tripletex_company}:{start}:{end}:{fingerprint}"
    cached = None if fresh else cache.get(key)
    if isinstance(cached, dict):
        read = {(e, p): Decimal(hours) for e, p, hours in cached["there"]}
        return read, datetime.datetime.fromisoformat(cached["fetched_at"])
    employees = {
        link.tripletex_id: link.employee_id
        for link in EmployeeLink.objects.filter(company=company, tripletex_company_id=tripletex_company)
    }
    projects = {
        link.tripletex_id: link.project_id
        for link in ProjectLink.objects.filter(company=company, tripletex_company_id=tripletex_company)
    }
    ours = set(rows.filter(remote_id__isnull=False).values_list("remote_id", flat=True))
    there: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    try:
        for entry in client_of(connection).timesheet_entries(
            date_from=start, date_to=end, employee_ids=list(employees)
        ):
            if entry.id not in ours and MARKER not in entry.comment:
                continue
            key_of = (employees.get(entry.employee_id, 0), projects.get(entry.project_id or 0, 0))
            there[key_of] += entry.hours
    except tx.TripletexError as error:
        raise ValidationError(tripletex_error_message(error)) from None
    fetched_at = timezone.now()
    value = {
        "there": [[e, p, str(hours)] for (e, p), hours in there.items()],
        "fetched_at": fetched_at.isoformat(),
    }
    cache.set(key, value, timeout=RECONCILIATION_CACHE_SECONDS)
    return there, fetched_at
