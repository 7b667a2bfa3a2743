"""Reads, always scoped to a company. Each returns in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TypedDict, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import Count, Model, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from hr import access
from hr.integration import integration_get
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

_M = TypeVar("_M", bound=Model)


def employee_for_user(*, user: User) -> Employee | None:
    """The active employee profile of a logged-in user, with its company."""
    return Employee.objects.select_related("company", "department").filter(user=user, is_active=True).first()


def _get_in_company(queryset: QuerySet[_M], *, company: Company, object_id: object) -> _M:
    """Another company's id fails exactly like an id that does not exist."""
    try:
        return queryset.get(company=company, id=int(str(object_id)))
    except (ValueError, TypeError, ObjectDoesNotExist):
        raise Http404 from None


def employee_get(*, company: Company, employee_id: object) -> Employee:
    return _get_in_company(
        Employee.objects.select_related("department"), company=company, object_id=employee_id
    )


def project_get(*, company: Company, project_id: object) -> Project:
    return _get_in_company(Project.objects.all(), company=company, object_id=project_id)


def wage_type_get(*, company: Company, wage_type_id: object) -> WageType:
    return _get_in_company(WageType.objects.all(), company=company, object_id=wage_type_id)


def department_get(*, company: Company, department_id: object) -> Department:
    return _get_in_company(Department.objects.all(), company=company, object_id=department_id)


def entry_get(*, company: Company, entry_id: object) -> HourEntry:
    return _get_in_company(
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


# --- «Godkjenning»: person-weeks, filtered and paged -----------------------------------------------

APPROVAL_WEEKS_PER_PAGE = 50
# What «Status» on «Godkjenning» can show; hours never sent in are the employee's own draft.
APPROVAL_STATUSES: dict[str, tuple[str, ...]] = {
    "submitted": (EntryStatus.SUBMITTED,),
    "approved": (EntryStatus.APPROVED,),
    "rejected": (EntryStatus.REJECTED,),
    "all": (EntryStatus.SUBMITTED, EntryStatus.APPROVED, EntryStatus.REJECTED),
}


@dataclass(frozen=True)
class ApprovalFilters:
    """«Godkjenning»'s filters, already checked (hr.forms.ApprovalFilterForm)."""

    status: str = "submitted"
    department_id: int | None = None
    employee_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@dataclass
class ApprovalWeek:
    """One card: a person's week as a read-only grid, and the sent-in entries it can decide on."""

    grid: WeekGrid

    @property
    def employee(self) -> Employee:
        return self.grid.employee

    @property
    def monday(self) -> datetime.date:
        return self.grid.monday

    @property
    def key(self) -> str:
        return f"{self.grid.employee.id}-{self.grid.monday.isoformat()}"

    @property
    def year(self) -> int:
        return self.grid.monday.isocalendar()[0]

    @property
    def week(self) -> int:
        return self.grid.monday.isocalendar()[1]

    @cached_property
    def submitted(self) -> list[HourEntry]:
        return [e for e in self.grid.entries if e.status == EntryStatus.SUBMITTED]

    @cached_property
    def submitted_ids(self) -> list[int]:
        return [e.id for e in self.submitted]

    @property
    def shown_ids(self) -> str:
        """The sent-in entries on the card, as the form sends them back: only these are decided on."""
        return ",".join(str(entry_id) for entry_id in self.submitted_ids)

    @cached_property
    def comments(self) -> list[HourEntry]:
        return [e for e in self.grid.entries if e.comment]

    @cached_property
    def rejected(self) -> list[HourEntry]:
        return [e for e in self.grid.entries if e.status == EntryStatus.REJECTED]

    @cached_property
    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for entry in self.grid.entries:
            counts[entry.status] += 1
        return dict(counts)


class PersonWeek(TypedDict):
    """One row of the approval page's paginated query: a person's week with hours in it."""

    employee_id: int
    monday: datetime.datetime | datetime.date
    entries: int


@dataclass
class ApprovalPage:
    weeks: list[ApprovalWeek]
    page: Page[PersonWeek]


def approval_scope(*, actor: Employee) -> QuerySet[HourEntry]:
    """Sent-in hours the actor decides on, in any status: never their own; a manager only their
    departments; everything in the actor's company."""
    entries = (
        HourEntry.objects.filter(company=actor.company)
        .exclude(status=EntryStatus.REGISTERED)
        .exclude(employee=actor)
    )
    if not actor.is_administrator:
        entries = entries.filter(employee__department__in=access.managed_department_ids(actor))
    return entries


def approval_departments(*, actor: Employee) -> QuerySet[Department]:
    """The departments «Godkjenning» can filter by: all of the company's for an administrator."""
    departments = Department.objects.filter(company=actor.company)
    if not actor.is_administrator:
        departments = departments.filter(id__in=access.managed_department_ids(actor))
    return departments.order_by("name")


def approval_people(*, actor: Employee) -> QuerySet[Employee]:
    """The people «Godkjenning» can filter by: whose hours the actor decides on."""
    people = Employee.objects.filter(company=actor.company).exclude(id=actor.id)
    if not actor.is_administrator:
        people = people.filter(department__in=access.managed_department_ids(actor))
    return people.order_by("last_name", "first_name", "id")


def _approval_matching(*, actor: Employee, filters: ApprovalFilters) -> QuerySet[HourEntry]:
    """The entries in the actor's approval scope that the filters let through."""
    matching = approval_scope(actor=actor).filter(status__in=APPROVAL_STATUSES[filters.status])
    if filters.department_id is not None:
        matching = matching.filter(employee__department_id=filters.department_id)
    if filters.employee_id is not None:
        matching = matching.filter(employee_id=filters.employee_id)
    if filters.date_from is not None:
        matching = matching.filter(date__gte=filters.date_from)
    if filters.date_to is not None:
        matching = matching.filter(date__lte=filters.date_to)
    return matching


def approval_weeks(
    *,
    actor: Employee,
    filters: ApprovalFilters,
    page: int | str | None = 1,
    per_page: int = APPROVAL_WEEKS_PER_PAGE,
) -> ApprovalPage:
    """«Godkjenning»: one card per person-week with hours in the chosen status, oldest week first
    per person. Three queries whatever the number of weeks (count, the page's weeks, their hours)."""
    pairs = (
        _approval_matching(actor=actor, filters=filters)
        .annotate(monday=TruncWeek("date"))
        .values("employee_id", "monday")
        .annotate(entries=Count("id"))
        .order_by("employee__last_name", "employee__first_name", "employee_id", "monday")
    )
    current = Paginator(pairs, per_page).get_page(page)
    keys = [(pair["employee_id"], _as_date(pair["monday"])) for pair in current.object_list]
    if not keys:
        return ApprovalPage(weeks=[], page=current)
    in_weeks = Q()
    for employee_id, monday in keys:
        in_weeks |= Q(employee_id=employee_id, date__range=(monday, monday + datetime.timedelta(days=6)))
    # The whole sent-in week, not only the chosen status: over- and undertime are the week's.
    entries = (
        approval_scope(actor=actor)
        .filter(in_weeks)
        .select_related(
            "employee", "employee__department", "project", "wage_type", "submitted_by", "decided_by"
        )
        .order_by("date", "id")
    )
    by_week: dict[tuple[int, datetime.date], list[HourEntry]] = defaultdict(list)
    for entry in entries:
        by_week[(entry.employee_id, monday_of(entry.date))].append(entry)
    statuses = integration_get().transfer_statuses(
        company=actor.company, entries=[e for own in by_week.values() for e in own]
    )
    weeks = []
    for key in keys:
        own = by_week.get(key, [])
        if not own:
            continue  # decided or withdrawn between the two reads
        for entry in own:
            entry.transfer = statuses.get(entry.id)  # type: ignore[attr-defined]
        grid = week_grid_of(
            employee=own[0].employee, monday=key[1], entries=own, normal_week=actor.company.normal_week_hours
        )
        weeks.append(ApprovalWeek(grid=grid))
    return ApprovalPage(weeks=weeks, page=current)


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


@dataclass(frozen=True)
class WeekAsked:
    """A card's week as a decision names it: the person, the Monday, and the entry ids the card
    showed (None: every sent-in entry of the week)."""

    employee_id: int
    monday: datetime.date
    shown: frozenset[int] | None


def approval_weeks_entry_ids(*, actor: Employee, weeks: Sequence[WeekAsked]) -> list[list[int]]:
    """For each week, in order, the sent-in entries of the person's week the actor may decide on
    now; with ``shown``, only those of them the card showed (hours sent in after the page was read
    are not decided unseen). One query for any number of weeks («Godkjenn alle viste»)."""
    if not weeks:
        return []
    in_weeks = Q()
    for week in weeks:
        in_weeks |= Q(
            employee_id=week.employee_id, date__range=(week.monday, week.monday + datetime.timedelta(days=6))
        )
    found: dict[tuple[int, datetime.date], list[int]] = defaultdict(list)
    for entry_id, employee_id, date in (
        approval_queryset(actor=actor)
        .filter(in_weeks)
        .order_by("id")
        .values_list("id", "employee_id", "date")
    ):
        found[(employee_id, monday_of(date))].append(entry_id)
    return [
        [
            entry_id
            for entry_id in found.get((week.employee_id, week.monday), [])
            if week.shown is None or entry_id in week.shown
        ]
        for week in weeks
    ]


# --- «Mine timer» as an editable grid ------------------------------------------------------------


@dataclass
class GridCell:
    """One day of one row: no entry, one entry, or several (older data, edited entry by entry)."""

    row_key: str
    index: int
    date: datetime.date
    entries: list[HourEntry] = field(default_factory=list)
    typed: str | None = None  # what was typed, when a save failed and the page shows it again
    typed_comment: str | None = None
    error: str = ""

    @property
    def name(self) -> str:
        return f"h-{self.row_key}-{self.index}"

    @property
    def comment_name(self) -> str:
        return f"c-{self.row_key}-{self.index}"

    @property
    def hours(self) -> Decimal:
        return sum((e.hours for e in self.entries), Decimal("0"))

    @property
    def entry(self) -> HourEntry | None:
        return self.entries[0] if len(self.entries) == 1 else None

    @property
    def is_multiple(self) -> bool:
        return len(self.entries) > 1

    @property
    def entry_count(self) -> int:
        return len(self.entries)

    @property
    def rejection_reason(self) -> str:
        return self.entries[0].rejection_reason if len(self.entries) == 1 else ""

    @property
    def transfer(self) -> object:
        return getattr(self.entries[0], "transfer", None) if len(self.entries) == 1 else None

    @property
    def is_editable(self) -> bool:
        return not self.entries or (len(self.entries) == 1 and self.entries[0].is_editable)

    @property
    def status(self) -> str:
        statuses = {e.status for e in self.entries}
        return statuses.pop() if len(statuses) == 1 else ("mixed" if statuses else "")

    @property
    def comment(self) -> str:
        if self.typed_comment is not None:
            return self.typed_comment
        return self.entries[0].comment if len(self.entries) == 1 else ""


@dataclass
class GridRow:
    project: Project
    wage_type: WageType
    cells: list[GridCell]
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def key(self) -> str:
        return grid_row_key(self.project.id, self.wage_type.id)

    @property
    def total(self) -> Decimal:
        return sum((cell.hours for cell in self.cells), Decimal("0"))


@dataclass
class WeekGrid:
    employee: Employee
    monday: datetime.date
    days: list[datetime.date]
    rows: list[GridRow]
    entries: list[HourEntry]
    normal_week: Decimal

    @cached_property
    def day_totals(self) -> list[Decimal]:
        """Computed once, when the page or the API first reads it (after rows are added)."""
        return [sum((row.cells[i].hours for row in self.rows), Decimal("0")) for i in range(7)]

    @property
    def total(self) -> Decimal:
        return sum(self.day_totals, Decimal("0"))

    @property
    def difference(self) -> Decimal:
        """Hours over (positive) or under (negative) the company's normal week."""
        return self.total - self.normal_week

    @property
    def has_editable(self) -> bool:
        return any(e.is_editable for e in self.entries)


def grid_row_key(project_id: int, wage_type_id: int) -> str:
    return f"p{project_id}-w{wage_type_id}"


def week_grid(*, employee: Employee, monday: datetime.date) -> WeekGrid:
    """The week as the grid shows it: a row per project × lønnsart with hours. One query."""
    entries = entries_for_week(employee=employee, monday=monday)
    return week_grid_of(
        employee=employee, monday=monday, entries=entries, normal_week=employee.company.normal_week_hours
    )


def week_grid_of(
    *, employee: Employee, monday: datetime.date, entries: list[HourEntry], normal_week: Decimal
) -> WeekGrid:
    """The grid of entries already read (one person's, in the week of ``monday``). No query."""
    days = week_days(monday)
    rows: dict[tuple[int, int], GridRow] = {}
    for entry in entries:
        key = (entry.project_id, entry.wage_type_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = grid_row(entry.project, entry.wage_type, days)
        row.cells[(entry.date - days[0]).days].entries.append(entry)
    # Same order as WageType.Meta.ordering: «Ordinær tid» first within a project.
    ordered = sorted(
        rows.values(), key=lambda r: (r.project.number, not r.wage_type.is_builtin, r.wage_type.number)
    )
    return WeekGrid(
        employee=employee,
        monday=days[0],
        days=days,
        rows=ordered,
        entries=entries,
        normal_week=normal_week,
    )


def grid_row(project: Project, wage_type: WageType, days: list[datetime.date]) -> GridRow:
    key = grid_row_key(project.id, wage_type.id)
    return GridRow(project, wage_type, [GridCell(key, index, day) for index, day in enumerate(days)])


def week_grid_add_rows(grid: WeekGrid, *, company: Company, keys: list[tuple[int, int]]) -> None:
    """Show these rows too (empty unless they already have hours): copied rows, rows being added.
    Keys of another company, closed projects or inactive lønnsarter are left out. Two queries."""
    present = {(row.project.id, row.wage_type.id) for row in grid.rows}
    wanted = [key for key in dict.fromkeys(keys) if key not in present]
    if not wanted:
        return
    projects = projects_open(company=company).in_bulk({key[0] for key in wanted})
    wage_types = wage_types_active(company=company).in_bulk({key[1] for key in wanted})
    for project_id, wage_type_id in wanted:
        if project_id in projects and wage_type_id in wage_types:
            grid.rows.append(grid_row(projects[project_id], wage_types[wage_type_id], grid.days))


def week_grid_overlay(
    grid: WeekGrid,
    *,
    typed: dict[str, tuple[str, str | None]],
    cell_errors: dict[tuple[int, int, datetime.date], list[str]],
) -> None:
    """After a refused save: every cell shows what was typed, and the refused ones say why."""
    for row in grid.rows:
        for cell in row.cells:
            if cell.name in typed:
                cell.typed, cell.typed_comment = typed[cell.name]
            errors = cell_errors.get((row.project.id, row.wage_type.id, cell.date))
            if errors:
                cell.error = " ".join(errors)


PROJECT_STARTS = _(
    "Prosjektet starter %(date)s: timer før det kan ikke føres. En administrator kan endre datoene."
)
PROJECT_ENDS = _(
    "Prosjektet sluttet %(date)s: timer etter det kan ikke føres. En administrator kan endre datoene."
)


def project_date_warnings(project: Project, days: list[datetime.date]) -> list[str]:
    """The week reaches outside the project's dates (no query)."""
    warnings = []
    if project.start_date and days[0] < project.start_date:
        warnings.append(str(PROJECT_STARTS % {"date": date_format(project.start_date, "SHORT_DATE_FORMAT")}))
    if project.end_date and days[-1] > project.end_date:
        warnings.append(str(PROJECT_ENDS % {"date": date_format(project.end_date, "SHORT_DATE_FORMAT")}))
    return warnings


def week_copy_rows(*, employee: Employee, monday: datetime.date) -> list[tuple[int, int]]:
    """Last week's rows (project × lønnsart) that this week lacks, open and active only. One query."""
    monday = monday_of(monday)
    keys = (
        HourEntry.objects.filter(
            company_id=employee.company_id,
            employee=employee,
            date__range=(monday - datetime.timedelta(days=7), monday + datetime.timedelta(days=6)),
        )
        .values_list("date", "project_id", "wage_type_id", "project__is_closed", "wage_type__is_active")
        .order_by("project__number", "wage_type__number")
    )
    last_week, this_week = [], set()
    for date, project_id, wage_type_id, closed, active in keys:
        if date >= monday:
            this_week.add((project_id, wage_type_id))
        elif not closed and active:
            last_week.append((project_id, wage_type_id))
    return [key for key in dict.fromkeys(last_week) if key not in this_week]


def week_copy_nothing_reason(*, employee: Employee, monday: datetime.date, rows_only: bool) -> str:
    """Why copying last week gives nothing: no_rows, rows_here, hours_here or not_allowed."""
    monday = monday_of(monday)
    entries = HourEntry.objects.filter(
        company_id=employee.company_id,
        employee=employee,
        date__range=(monday - datetime.timedelta(days=7), monday + datetime.timedelta(days=6)),
    ).values_list("date", "project_id", "wage_type_id")
    last_week = {(d, p, w) for d, p, w in entries if d < monday}
    this_week = {(d, p, w) for d, p, w in entries if d >= monday}
    if not last_week:
        return "no_rows"
    if rows_only:
        rows_here = {(p, w) for _d, p, w in this_week}
        return "rows_here" if {(p, w) for _d, p, w in last_week} <= rows_here else "not_allowed"
    shifted = {(d + datetime.timedelta(days=7), p, w) for d, p, w in last_week}
    return "hours_here" if shifted <= this_week else "not_allowed"


def week_grid_annotate(grid: WeekGrid) -> None:
    """What the accounting integration says: each row's warning while typing (why its hours could not
    be sent once approved) and each approved entry's transfer state. A fixed number of queries."""
    integration = integration_get()
    company = grid.employee.company
    rows = [(row.project, row.wage_type) for row in grid.rows]
    # The week's last day: a row warns when hours on it would be sent once approved.
    warnings = integration.row_warnings(
        company=company, employee=grid.employee, rows=rows, date=grid.days[-1]
    )
    for row in grid.rows:
        message = warnings.get((row.project.id, row.wage_type.id))
        row.warnings = ([message] if message else []) + project_date_warnings(row.project, grid.days)
    statuses = integration.transfer_statuses(company=company, entries=grid.entries)
    for entry in grid.entries:
        entry.transfer = statuses.get(entry.id)  # type: ignore[attr-defined]


def api_tokens_for_user(*, user: User) -> list[ApiToken]:
    """The user's API keys, newest first, expired ones included so the list explains what stopped."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))
