"""Reads, always scoped to a company. Each returns in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404

from hr import access
from hr.models import (
    ApiToken,
    Company,
    Department,
    Employee,
    EntryStatus,
    HourEntry,
    Project,
    User,
    WageType,
)
from hr.weeks import monday_of, week_days


def employee_for_user(*, user: User) -> Employee | None:
    """The active employee profile of a logged-in user, with its company."""
    return Employee.objects.select_related("company", "department").filter(user=user, is_active=True).first()


def _get_in_company(queryset: QuerySet, *, company: Company, object_id: object) -> object:
    """Another company's id fails exactly like an id that does not exist."""
    try:
        return queryset.get(company=company, id=int(str(object_id)))
    except (ValueError, TypeError, queryset.model.DoesNotExist):
        raise Http404 from None


def employee_get(*, company: Company, employee_id: object) -> Employee:
    return _get_in_company(
        Employee.objects.select_related("department"), company=company, object_id=employee_id
    )  # type: ignore[return-value]


def project_get(*, company: Company, project_id: object) -> Project:
    return _get_in_company(Project.objects.all(), company=company, object_id=project_id)  # type: ignore[return-value]


def wage_type_get(*, company: Company, wage_type_id: object) -> WageType:
    return _get_in_company(WageType.objects.all(), company=company, object_id=wage_type_id)  # type: ignore[return-value]


def department_get(*, company: Company, department_id: object) -> Department:
    return _get_in_company(Department.objects.all(), company=company, object_id=department_id)  # type: ignore[return-value]


def entry_get(*, company: Company, entry_id: object) -> HourEntry:
    return _get_in_company(  # type: ignore[return-value]
        HourEntry.objects.select_related("employee", "project", "wage_type"),
        company=company,
        object_id=entry_id,
    )


def projects_open(*, company: Company) -> QuerySet[Project]:
    return Project.objects.filter(company=company, is_closed=False).order_by("number")


def wage_types_active(*, company: Company) -> QuerySet[WageType]:
    return WageType.objects.filter(company=company, is_active=True).order_by("-is_builtin", "number")


def employees_actable(*, actor: Employee) -> QuerySet[Employee]:
    """Whose hours the actor may register and send in: oneself, or the people they manage."""
    employees = Employee.objects.filter(company=actor.company, is_active=True)
    if actor.is_administrator:
        return employees
    return employees.filter(Q(id=actor.id) | Q(department__in=access.managed_department_ids(actor)))


@dataclass
class WeekRow:
    project: Project
    wage_type: WageType
    cells: list[list[HourEntry]]
    total: Decimal = Decimal("0")


@dataclass
class WeekView:
    employee: Employee
    monday: datetime.date
    days: list[datetime.date]
    rows: list[WeekRow]
    day_totals: list[Decimal]
    total: Decimal
    entries: list[HourEntry]
    status_counts: dict[str, int] = field(default_factory=dict)

    @property
    def has_editable(self) -> bool:
        return any(e.is_editable for e in self.entries)


def entries_for_week(*, employee: Employee, monday: datetime.date) -> list[HourEntry]:
    days = week_days(monday_of(monday))
    return list(
        HourEntry.objects.filter(
            company_id=employee.company_id, employee=employee, date__range=(days[0], days[-1])
        )
        .select_related("project", "wage_type", "decided_by")
        .order_by("date", "id")
    )


def week_view(*, employee: Employee, monday: datetime.date, status: str | None = None) -> WeekView:
    """«Mine timer»: rows of project × lønnsart, columns Monday to Sunday. One query."""
    days = week_days(monday)
    entries = entries_for_week(employee=employee, monday=monday)
    status_counts: dict[str, int] = defaultdict(int)
    for entry in entries:
        status_counts[entry.status] += 1
    if status:
        entries = [e for e in entries if e.status == status]
    rows: dict[tuple[int, int], WeekRow] = {}
    day_totals = [Decimal("0")] * 7
    for entry in entries:
        key = (entry.project_id, entry.wage_type_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = WeekRow(entry.project, entry.wage_type, [[] for _ in days])
        index = (entry.date - monday).days
        row.cells[index].append(entry)
        row.total += entry.hours
        day_totals[index] += entry.hours
    # Same order as WageType.Meta.ordering: «Ordinær tid» first within a project.
    ordered = sorted(
        rows.values(), key=lambda r: (r.project.number, not r.wage_type.is_builtin, r.wage_type.number)
    )
    return WeekView(
        employee=employee,
        monday=monday,
        days=days,
        rows=ordered,
        day_totals=day_totals,
        total=sum(day_totals, Decimal("0")),
        entries=entries,
        status_counts=dict(status_counts),
    )


@dataclass
class ApprovalGroup:
    employee: Employee
    monday: datetime.date
    entries: list[HourEntry]

    @property
    def total(self) -> Decimal:
        return sum((e.hours for e in self.entries), Decimal("0"))

    @property
    def week(self) -> int:
        return self.monday.isocalendar()[1]

    @property
    def key(self) -> str:
        return f"{self.employee.id}-{self.monday.isoformat()}"


def approval_queryset(*, actor: Employee) -> QuerySet[HourEntry]:
    """Sent-in entries the actor may decide on: never their own; a manager only their departments."""
    entries = HourEntry.objects.filter(company=actor.company, status=EntryStatus.SUBMITTED).exclude(
        employee=actor
    )
    if not actor.is_administrator:
        entries = entries.filter(employee__department__in=access.managed_department_ids(actor))
    return entries


RECENTLY_APPROVED_SHOWN = 30


def recently_approved(*, actor: Employee) -> list[HourEntry]:
    """The latest approved hours the actor may decide on, newest first: where they went afterwards."""
    entries = HourEntry.objects.filter(company=actor.company, status=EntryStatus.APPROVED).exclude(
        employee=actor
    )
    if not actor.is_administrator:
        entries = entries.filter(employee__department__in=access.managed_department_ids(actor))
    return list(
        entries.select_related("employee", "project", "wage_type", "decided_by").order_by(
            "-decided_at", "-id"
        )[:RECENTLY_APPROVED_SHOWN]
    )


def approval_queue(*, actor: Employee, employee_id: int | None = None) -> list[ApprovalGroup]:
    """«Godkjenning»: sent-in hours grouped by person and ISO week. One query, whatever the size."""
    entries = (
        approval_queryset(actor=actor)
        .select_related("employee", "employee__department", "project", "wage_type", "submitted_by")
        .order_by("employee__last_name", "employee__first_name", "employee_id", "date", "id")
    )
    if employee_id is not None:
        entries = entries.filter(employee_id=employee_id)
    groups: dict[tuple[int, datetime.date], ApprovalGroup] = {}
    for entry in entries:
        monday = monday_of(entry.date)
        group = groups.get((entry.employee_id, monday))
        if group is None:
            group = groups[(entry.employee_id, monday)] = ApprovalGroup(entry.employee, monday, [])
        group.entries.append(entry)
    return list(groups.values())


def api_tokens_for_user(*, user: User) -> list[ApiToken]:
    """The user's API keys, newest first, expired ones included so the list explains what stopped."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))
