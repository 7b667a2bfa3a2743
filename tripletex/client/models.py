"""Typed results: what GrønnJobb reads from and writes to Tripletex, and nothing else.

Parsers accept missing keys (a `fields` filter may leave them out) and nulls (real Tripletex sends
them although the specification does not say so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


def _ref_id(value: Any) -> int | None:
    ref = value.get("id") if isinstance(value, dict) else None
    return ref if isinstance(ref, int) else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal("0")
    return Decimal(str(value))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class WhoAmI:
    company_id: int
    company_name: str
    organization_number: str
    employee_id: int
    employee_name: str
    employee_email: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WhoAmI:
        company = data.get("company") or {}
        employee = data.get("employee") or {}
        return cls(
            company_id=data.get("companyId") or company.get("id") or 0,
            company_name=_text(company.get("name")),
            organization_number=_text(company.get("organizationNumber")),
            employee_id=data.get("employeeId") or employee.get("id") or 0,
            employee_name=" ".join(
                p for p in (_text(employee.get("firstName")), _text(employee.get("lastName"))) if p
            ),
            employee_email=_text(employee.get("email")),
        )


@dataclass(frozen=True)
class Employment:
    id: int
    start_date: date | None
    end_date: date | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Employment:
        return cls(
            id=data["id"], start_date=_date(data.get("startDate")), end_date=_date(data.get("endDate"))
        )


@dataclass(frozen=True)
class Employee:
    id: int
    version: int
    first_name: str
    last_name: str
    employee_number: str
    email: str
    is_contact: bool
    allow_information_registration: bool
    department_id: int | None = None
    department_name: str = ""
    # None when the `fields` filter left them out; () when Tripletex has none.
    employments: tuple[Employment, ...] | None = None

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def has_employment_on(self, on: date) -> bool:
        """An employment (arbeidsforhold) that has started by `on` and not ended before it."""
        return any(
            (e.start_date is None or e.start_date <= on) and (e.end_date is None or on <= e.end_date)
            for e in self.employments or ()
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Employee:
        return cls(
            id=data["id"],
            version=data.get("version") or 0,
            first_name=_text(data.get("firstName")),
            last_name=_text(data.get("lastName")),
            employee_number=_text(data.get("employeeNumber")),
            email=_text(data.get("email")),
            is_contact=bool(data.get("isContact")),
            allow_information_registration=data.get("allowInformationRegistration") is not False,
            department_id=_ref_id(data.get("department")),
            department_name=_text((data.get("department") or {}).get("name")),
            employments=tuple(
                Employment.from_json(item)
                for item in data.get("employments") or ()
                if isinstance(item, dict) and isinstance(item.get("id"), int)
            )
            if "employments" in data
            else None,
        )


@dataclass(frozen=True)
class Activity:
    id: int
    name: str
    number: str
    activity_type: str
    is_chargeable: bool
    is_disabled: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Activity:
        return cls(
            id=data["id"],
            name=_text(data.get("name")),
            number=_text(data.get("number")),
            activity_type=_text(data.get("activityType")),
            is_chargeable=bool(data.get("isChargeable")),
            is_disabled=bool(data.get("isDisabled")),
        )


@dataclass(frozen=True)
class ProjectActivity:
    id: int
    activity: Activity | None
    activity_id: int | None
    start_date: date | None
    end_date: date | None
    is_closed: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectActivity:
        nested = data.get("activity")
        activity = Activity.from_json(nested) if isinstance(nested, dict) and "name" in nested else None
        return cls(
            id=data["id"],
            activity=activity,
            activity_id=_ref_id(nested),
            start_date=_date(data.get("startDate")),
            end_date=_date(data.get("endDate")),
            is_closed=bool(data.get("isClosed")),
        )


@dataclass(frozen=True)
class Participant:
    """One who may register hours on a participants-only project (ProjectParticipant)."""

    employee_id: int
    name: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Participant | None:
        employee = data.get("employee")
        employee_id = _ref_id(employee)
        if employee_id is None:
            return None
        assert isinstance(employee, dict)
        name = f"{_text(employee.get('firstName'))} {_text(employee.get('lastName'))}".strip()
        return cls(employee_id=employee_id, name=name)


@dataclass(frozen=True)
class Project:
    id: int
    version: int
    name: str
    number: str
    is_closed: bool
    start_date: date | None
    end_date: date | None
    project_activities: tuple[ProjectActivity, ...] = field(default=())
    # Tripletex's own usability inputs (tripletex/sandbox/README.md#usable-activities): only linked
    # general activities, only participants.
    general_project_activities_per_project_only: bool = False
    for_participants_only: bool = False
    participants: tuple[Participant, ...] = field(default=())

    @property
    def display_name(self) -> str:
        return f"{self.number} {self.name}".strip()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Project:
        return cls(
            id=data["id"],
            version=data.get("version") or 0,
            name=_text(data.get("name")),
            number=_text(data.get("number")),
            is_closed=bool(data.get("isClosed")),
            start_date=_date(data.get("startDate")),
            end_date=_date(data.get("endDate")),
            general_project_activities_per_project_only=bool(
                data.get("generalProjectActivitiesPerProjectOnly")
            ),
            for_participants_only=bool(data.get("forParticipantsOnly")),
            project_activities=tuple(
                ProjectActivity.from_json(item)
                for item in data.get("projectActivities") or ()
                if isinstance(item, dict)
            ),
            participants=tuple(
                participant
                for item in data.get("participants") or ()
                if isinstance(item, dict) and (participant := Participant.from_json(item)) is not None
            ),
        )


@dataclass(frozen=True)
class SalaryType:
    id: int
    number: str
    name: str
    show_in_timesheet: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SalaryType:
        return cls(
            id=data["id"],
            number=_text(data.get("number")),
            name=_text(data.get("name")),
            show_in_timesheet=bool(data.get("showInTimesheet")),
        )


@dataclass(frozen=True)
class TimesheetSettings:
    default_project_activity_id: int | None
    require_comments: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TimesheetSettings:
        return cls(
            default_project_activity_id=_ref_id(data.get("defaultProjectActivity")),
            require_comments=bool(data.get("requireCommentsOnRegisteredHoursAllProjects")),
        )


@dataclass(frozen=True)
class NewTimesheetEntry:
    """An entry to create. `hours` is a Decimal with at most two places, never a float."""

    employee_id: int
    activity_id: int
    date: date
    hours: Decimal
    project_id: int | None = None
    comment: str = ""

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "employee": {"id": self.employee_id},
            "activity": {"id": self.activity_id},
            "date": self.date.isoformat(),
            "hours": self.hours,
            "comment": self.comment,
        }
        if self.project_id is not None:
            body["project"] = {"id": self.project_id}
        return body


@dataclass(frozen=True)
class TimesheetEntry:
    id: int
    version: int
    employee_id: int
    activity_id: int
    project_id: int | None
    date: date
    hours: Decimal
    comment: str
    locked: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TimesheetEntry:
        entry_date = _date(data.get("date"))
        if entry_date is None:
            raise ValueError("timesheet entry without date")
        return cls(
            id=data["id"],
            version=data.get("version") or 0,
            employee_id=_ref_id(data.get("employee")) or 0,
            activity_id=_ref_id(data.get("activity")) or 0,
            project_id=_ref_id(data.get("project")),
            date=entry_date,
            hours=_decimal(data.get("hours")),
            comment=_text(data.get("comment")),
            locked=bool(data.get("locked")),
        )

    def to_json(self) -> dict[str, Any]:
        # The full object with its version: PUT nulls fields that are present but empty, so
        # sending everything we mean is the only safe update (tripletex/sandbox/README.md#full-put).
        return {
            "id": self.id,
            "version": self.version,
            "employee": {"id": self.employee_id},
            "project": {"id": self.project_id} if self.project_id is not None else None,
            "activity": {"id": self.activity_id},
            "date": self.date.isoformat(),
            "hours": self.hours,
            "comment": self.comment,
        }


@dataclass(frozen=True)
class NewSalaryTypeSpecification:
    employee_id: int
    salary_type_id: int
    date: date
    count: Decimal
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "employee": {"id": self.employee_id},
            "salaryType": {"id": self.salary_type_id},
            "date": self.date.isoformat(),
            "count": self.count,
            "description": self.description,
        }


@dataclass(frozen=True)
class SalaryTypeSpecification:
    id: int
    version: int
    employee_id: int
    salary_type_id: int
    date: date
    count: Decimal
    description: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SalaryTypeSpecification:
        spec_date = _date(data.get("date"))
        if spec_date is None:
            raise ValueError("salary type specification without date")
        return cls(
            id=data["id"],
            version=data.get("version") or 0,
            employee_id=_ref_id(data.get("employee")) or 0,
            salary_type_id=_ref_id(data.get("salaryType")) or 0,
            date=spec_date,
            count=_decimal(data.get("count")),
            description=_text(data.get("description")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "employee": {"id": self.employee_id},
            "salaryType": {"id": self.salary_type_id},
            "date": self.date.isoformat(),
            "count": self.count,
            "description": self.description,
        }
