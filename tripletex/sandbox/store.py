"""The sandbox's in-memory Tripletex companies: plain records, nothing persisted.

One `Store` holds one company's data. The companies of one sandbox share what Tripletex keeps
outside any company: the consumer tokens, the employee tokens (each names its company), the
sessions, and the id sequences, so an id is never reused across companies (README, «Many
companies»)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

GENERAL_ACTIVITY = "GENERAL_ACTIVITY"
PROJECT_GENERAL_ACTIVITY = "PROJECT_GENERAL_ACTIVITY"
PROJECT_SPECIFIC_ACTIVITY = "PROJECT_SPECIFIC_ACTIVITY"
TASK = "TASK"


@dataclass
class Company:
    id: int
    name: str
    organization_number: str
    version: int = 0


@dataclass
class Department:
    id: int
    name: str
    department_number: str = ""
    is_inactive: bool = False
    version: int = 0


@dataclass
class Employee:
    id: int
    first_name: str
    last_name: str
    employee_number: str
    email: str
    department_id: int | None = None
    employment_ids: list[int] = field(default_factory=list)  # in Store.employments
    date_of_birth: date | None = None
    phone_number_mobile: str = ""
    user_type: str = "STANDARD"
    allow_information_registration: bool = True
    is_contact: bool = False
    version: int = 0


@dataclass
class Employment:
    """An employee's employment (arbeidsforhold): what payroll needs; hours do not (README)."""

    id: int
    employee_id: int
    start_date: date
    end_date: date | None = None
    employment_id: str = ""
    version: int = 0


@dataclass
class ProjectParticipant:
    id: int
    project_id: int
    employee_id: int
    admin_access: bool = False
    version: int = 0


@dataclass
class Activity:
    id: int
    name: str
    number: str
    activity_type: str
    description: str = ""
    is_chargeable: bool = False
    is_disabled: bool = False
    rate: Decimal = Decimal("0")
    version: int = 0


@dataclass
class ProjectActivity:
    id: int
    project_id: int
    activity_id: int
    start_date: date | None = None
    end_date: date | None = None
    is_closed: bool = False
    version: int = 0


@dataclass
class Project:
    id: int
    name: str
    number: str
    start_date: date
    end_date: date | None = None
    description: str = ""
    project_manager_id: int | None = None
    is_closed: bool = False
    is_internal: bool = False
    is_offer: bool = False
    is_fixed_price: bool = False
    for_participants_only: bool = False
    participant_ids: set[int] = field(default_factory=set)
    general_project_activities_per_project_only: bool = False
    project_activity_ids: list[int] = field(default_factory=list)
    version: int = 0


@dataclass
class SalaryType:
    id: int
    number: str
    name: str
    show_in_timesheet: bool
    description: str = ""
    version: int = 0


@dataclass
class TimesheetEntry:
    id: int
    employee_id: int
    project_id: int | None
    activity_id: int
    date: date
    hours: Decimal
    comment: str = ""
    project_chargeable_hours: Decimal | None = None
    version: int = 0


@dataclass
class SalaryTypeSpecification:
    id: int
    employee_id: int
    salary_type_id: int
    date: date
    count: Decimal
    description: str = ""
    version: int = 0


@dataclass
class MonthlyStatus:
    id: int
    employee_id: int
    year: int
    month: int
    approved_until: date | None = None
    approved_date: date | None = None
    approved_by_id: int | None = None
    completed: bool = False
    version: int = 0


@dataclass
class WeekStatus:
    id: int
    employee_id: int
    year: int
    week: int
    approved: bool = False
    approved_date: date | None = None
    approved_by_id: int | None = None
    completed: bool = False
    version: int = 0


@dataclass
class ConsumerToken:
    id: int
    token: str
    application_name: str


@dataclass
class EmployeeToken:
    id: int
    token: str
    employee_id: int
    application_name: str
    # The company the token opens: every request of a session made from it sees only that company.
    company_id: int = 0
    # None means every entitlement; otherwise the areas (see app.AREAS) this token may use.
    entitlements: frozenset[str] | None = None


@dataclass
class Session:
    id: int
    token: str
    consumer_token_id: int
    employee_token_id: int
    expiration_date: date
    version: int = 0


@dataclass
class TimesheetSettings:
    id: int
    default_project_activity_id: int | None
    version: int = 0


# Id bases per kind keep ids of different kinds apart, which makes mix-ups visible in tests.
ID_BASES = {
    "department": 11_000_001,
    "employment": 14_000_001,
    "employee": 18_000_001,
    "projectParticipant": 27_000_001,
    "project": 29_000_001,
    "projectActivity": 31_000_001,
    "activity": 42_000_001,
    "salaryType": 53_000_001,
    "entry": 64_000_001,
    "salaryTypeSpecification": 75_000_001,
    "month": 86_000_001,
    "week": 87_000_001,
    "session": 91_000_001,
    "company": 1_080_002,  # after the demo company's fixed id (demo.DEMO_COMPANY_ID)
    "employeeToken": 3_000_001,  # after the fixed demo tokens
}


class IdSequences:
    """The next id of each kind, shared by every company of a sandbox (ids are unique across them,
    as in Tripletex). Own lock: companies are handled under different locks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_ids = dict(ID_BASES)

    def next_id(self, kind: str) -> int:
        with self._lock:
            value = self._next_ids[kind]
            self._next_ids[kind] = value + 1
            return value


class Store:
    """One company's data, and (shared with its sibling companies) the tokens, sessions and id
    sequences. Callers hold the company's lock (app.Tenant.lock) for any read-modify-write."""

    def __init__(self, *, sibling_of: Store | None = None) -> None:
        self.company = Company(id=0, name="", organization_number="")
        self.departments: dict[int, Department] = {}
        self.employees: dict[int, Employee] = {}
        self.employments: dict[int, Employment] = {}
        self.participants: dict[int, ProjectParticipant] = {}
        self.projects: dict[int, Project] = {}
        self.project_activities: dict[int, ProjectActivity] = {}
        self.activities: dict[int, Activity] = {}
        self.salary_types: dict[int, SalaryType] = {}
        self.entries: dict[int, TimesheetEntry] = {}
        self.specifications: dict[int, SalaryTypeSpecification] = {}
        self.months: dict[tuple[int, int, int], MonthlyStatus] = {}
        self.weeks: dict[tuple[int, int, int], WeekStatus] = {}
        self.settings = TimesheetSettings(id=1, default_project_activity_id=None)
        # Shared by all companies of one sandbox: a token or session is looked up before its
        # company is known.
        self.consumer_tokens: dict[str, ConsumerToken]
        self.employee_tokens: dict[str, EmployeeToken]
        self.sessions: dict[str, Session]
        if sibling_of is None:
            self.ids = IdSequences()
            self.consumer_tokens, self.employee_tokens, self.sessions = {}, {}, {}
        else:
            self.ids = sibling_of.ids
            self.consumer_tokens = sibling_of.consumer_tokens
            self.employee_tokens = sibling_of.employee_tokens
            self.sessions = sibling_of.sessions

    def sibling(self) -> Store:
        """An empty store for another company of the same sandbox."""
        return Store(sibling_of=self)

    def next_id(self, kind: str) -> int:
        return self.ids.next_id(kind)

    def participants_of(self, project: Project) -> list[ProjectParticipant]:
        """The project's participants, in the order they were added. `participant_ids` is the truth
        (what `usable_activities` checks); a record is made for an id that has none yet."""
        records = {p.employee_id: p for p in self.participants.values() if p.project_id == project.id}
        for employee_id in sorted(project.participant_ids - records.keys()):
            record = ProjectParticipant(
                id=self.next_id("projectParticipant"), project_id=project.id, employee_id=employee_id
            )
            self.participants[record.id] = record
            records[employee_id] = record
        return sorted(
            (r for r in records.values() if r.employee_id in project.participant_ids), key=lambda r: r.id
        )

    def month_status(self, *, employee_id: int, year: int, month: int) -> MonthlyStatus:
        key = (employee_id, year, month)
        if key not in self.months:
            self.months[key] = MonthlyStatus(
                id=self.next_id("month"), employee_id=employee_id, year=year, month=month
            )
        return self.months[key]

    def week_status(self, *, employee_id: int, year: int, week: int) -> WeekStatus:
        key = (employee_id, year, week)
        if key not in self.weeks:
            self.weeks[key] = WeekStatus(
                id=self.next_id("week"), employee_id=employee_id, year=year, week=week
            )
        return self.weeks[key]

    def is_locked(self, *, employee_id: int, on: date) -> bool:
        """Hours are locked once their month is approved up to that day, or their ISO week is approved."""
        month = self.months.get((employee_id, on.year, on.month))
        if month is not None and month.approved_until is not None and on <= month.approved_until:
            return True
        iso_year, iso_week, _ = on.isocalendar()
        week = self.weeks.get((employee_id, iso_year, iso_week))
        return week is not None and week.approved
