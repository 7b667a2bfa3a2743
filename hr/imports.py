"""Bulk imports into hr's own tables: projects, lønnsarter, employees (with their users) and the
departments they need.

Another app that brings these in from elsewhere (the Tripletex wizard's «Ferdigstill») hands hr
simple rows and gets back what became of each; hr checks the actor, keeps every row in the actor's
company and applies the rules its single-object services in `hr/services.py` apply. Each service
runs a constant number of queries per 1,000 rows (docs/wizard.md#ferdigstill).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hr import access
from hr.models import Department, Employee, Project, Role, User, WageType
from hr.services import (
    EMAIL_TAKEN,
    EMPLOYEE_NUMBER_TAKEN,
    PROJECT_NUMBER_TAKEN,
    WAGE_TYPE_NUMBER_TAKEN,
    require_administrator,
)

CHUNK = 1000
ROLE_UNKNOWN = _("Rollen %(role)s finnes ikke.")
T = TypeVar("T")
State = Literal["created", "updated", "linked", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """What became of one row: the local object's id (None when skipped) and how."""

    id: int | None
    state: State


@dataclass(frozen=True)
class ProjectRow:
    number: str
    name: str
    is_closed: bool = False
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    existing_id: int | None = None  # the project this row was matched with, if any


@dataclass(frozen=True)
class WageTypeRow:
    number: str
    name: str
    existing_id: int | None = None


@dataclass(frozen=True)
class EmployeeRow:
    number: str
    first_name: str
    last_name: str
    email: str
    role: str = Role.EMPLOYEE
    department_id: int | None = None
    new_department: str = ""  # a department to create (once, by name) for a new employee
    existing_id: int | None = None
    user_id: int | None = None  # a user that already has this e-mail
    link_user: bool = False  # link that user's employee here instead of skipping the row


@dataclass(frozen=True)
class EmployeesImported:
    outcomes: list[Outcome]
    invited_ids: list[int]  # employees created, who need an invitation
    departments_created: list[str]


def department_key(name: str) -> str:
    """Two departments are the same when their names are, ignoring case and the spaces around them."""
    return name.strip().casefold()


def _chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _by_id(model: Any, actor: Employee, ids: Sequence[int | None]) -> dict[int, Any]:
    """The rows' matched objects; one of another company is refused as if it did not exist."""
    found: dict[int, Any] = {}
    for chunk in _chunks([i for i in ids if i]):
        found.update({o.id: o for o in model.objects.filter(id__in=chunk)})
    access.same_company(actor.company, *found.values())
    return found


def _by_number(model: Any, actor: Employee, field: str, numbers: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in _chunks(numbers):
        found.update(
            {
                getattr(o, field): o
                for o in model.objects.filter(company=actor.company, **{f"{field}__in": chunk})
            }
        )
    return found


def _unique(numbers: Iterable[str], message: Any, field: str) -> None:
    seen: set[str] = set()
    for number in numbers:
        if number in seen:
            raise ValidationError({field: ValidationError(message, params={"number": number})})
        seen.add(number)


@transaction.atomic
def projects_import(*, actor: Employee, rows: Sequence[ProjectRow]) -> list[Outcome]:
    """Create or update one project per row (matched by `existing_id`, else by number). An update
    changes number, name and closed; the dates a project has here are kept."""
    require_administrator(actor)
    rows = [replace(r, number=r.number.strip(), name=r.name.strip()) for r in rows]
    _unique((r.number for r in rows), PROJECT_NUMBER_TAKEN, "number")
    by_id = _by_id(Project, actor, [r.existing_id for r in rows])
    by_number = _by_number(Project, actor, "number", [r.number for r in rows])
    outcomes: list[Outcome | Project] = []
    to_create: list[Project] = []
    to_update: list[Project] = []
    for row in rows:
        local = by_id.get(row.existing_id or 0) or by_number.get(row.number)
        if local is None:
            local = Project(
                company=actor.company,
                number=row.number,
                name=row.name,
                is_closed=row.is_closed,
                start_date=row.start_date,
                end_date=row.end_date,
            )
            to_create.append(local)
            outcomes.append(local)
            continue
        other = by_number.get(row.number)
        if other is not None and other.pk != local.pk:
            raise ValidationError(
                {"number": ValidationError(PROJECT_NUMBER_TAKEN, params={"number": row.number})}
            )
        fields = {"number": row.number, "name": row.name, "is_closed": row.is_closed}
        changed = [k for k, v in fields.items() if getattr(local, k) != v]
        for k in changed:
            setattr(local, k, fields[k])
        if changed:
            to_update.append(local)
        outcomes.append(Outcome(local.id, "updated" if changed else "linked"))
    Project.objects.bulk_create(to_create, batch_size=CHUNK)
    Project.objects.bulk_update(to_update, ["number", "name", "is_closed"], batch_size=CHUNK)
    return [o if isinstance(o, Outcome) else Outcome(o.id, "created") for o in outcomes]


@transaction.atomic
def wage_types_import(*, actor: Employee, rows: Sequence[WageTypeRow]) -> list[Outcome]:
    """Create or rename one lønnsart per row. Names are unique in a company, ignoring case: a row
    whose name a lønnsart here has is linked to it, and a rename onto a taken name is left out.
    «Ordinær tid» is never changed, and one lønnsart serves one row (later rows are skipped)."""
    require_administrator(actor)
    rows = [replace(r, number=r.number.strip(), name=r.name.strip()) for r in rows]
    _unique((r.number for r in rows), WAGE_TYPE_NUMBER_TAKEN, "number")
    by_id = _by_id(WageType, actor, [r.existing_id for r in rows])
    by_number = _by_number(WageType, actor, "number", [r.number for r in rows])
    by_name = {
        w.name.casefold(): w
        for w in WageType.objects.filter(company=actor.company, is_builtin=False).only("id", "name")
    }
    used: set[int] = set()
    outcomes: list[Outcome | WageType] = []
    to_create: list[WageType] = []
    to_update: list[WageType] = []
    for row in rows:
        local = (
            by_id.get(row.existing_id or 0) or by_number.get(row.number) or by_name.get(row.name.casefold())
        )
        if local is None:
            local = WageType(company=actor.company, number=row.number, name=row.name, is_active=True)
            by_name[row.name.casefold()] = local
            to_create.append(local)
            outcomes.append(local)
            continue
        if local.pk is None or local.is_builtin or local.id in used:
            outcomes.append(Outcome(None, "skipped"))
            continue
        used.add(local.id)
        taken_by = by_name.get(row.name.casefold())
        if local.name != row.name and (taken_by is None or taken_by.pk == local.pk):
            by_name.pop(local.name.casefold(), None)
            local.name = row.name
            by_name[row.name.casefold()] = local
            to_update.append(local)
            outcomes.append(Outcome(local.id, "updated"))
        else:
            outcomes.append(Outcome(local.id, "linked"))
    WageType.objects.bulk_create(to_create, batch_size=CHUNK)
    WageType.objects.bulk_update(to_update, ["name"], batch_size=CHUNK)
    return [o if isinstance(o, Outcome) else Outcome(o.id, "created") for o in outcomes]


def departments_import(*, actor: Employee, names: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    """Each name's department, created once however many rows share it; one with that name
    (ignoring case) is used instead. Returns the ids by `department_key` and the names created."""
    require_administrator(actor)
    wanted: dict[str, str] = {}
    for name in names:
        if name.strip():
            wanted.setdefault(department_key(name), name.strip())
    if not wanted:
        return {}, []
    found = {
        department_key(d.name): d.id
        for d in Department.objects.filter(company=actor.company).only("name")
        if department_key(d.name) in wanted
    }
    new = [Department(company=actor.company, name=name) for key, name in wanted.items() if key not in found]
    Department.objects.bulk_create(new)
    found.update({department_key(d.name): d.id for d in new})
    return found, [d.name for d in new]


def _employee_rows_normalised(rows: Sequence[EmployeeRow]) -> list[EmployeeRow]:
    """The rows with the surrounding spaces gone, e-mails in lower case and the default role."""
    return [
        replace(
            r,
            number=r.number.strip(),
            first_name=r.first_name.strip(),
            last_name=r.last_name.strip(),
            email=r.email.strip().lower(),
            role=r.role or Role.EMPLOYEE,
        )
        for r in rows
    ]


def _employee_rows_check(rows: Sequence[EmployeeRow], *, creating: Sequence[EmployeeRow]) -> None:
    """Refuse the import when two rows share a number, two new people an e-mail, or a role is unknown."""
    _unique((r.number for r in rows), EMPLOYEE_NUMBER_TAKEN, "employee_number")
    twice = sorted(e for e, n in Counter(r.email for r in creating).items() if n > 1)
    if twice:
        raise ValidationError(EMAIL_TAKEN, code="email_taken", params={"email": ", ".join(twice[:10])})
    for row in rows:
        if row.role not in Role.values:
            raise ValidationError({"role": ValidationError(ROLE_UNKNOWN, params={"role": row.role})})


def _employee_department_id(row: EmployeeRow, *, existing: set[int], created: dict[str, int]) -> int | None:
    """A new employee's department: the one created for the row's new name, else the chosen one,
    as long as it is the company's."""
    department_id = row.department_id
    if row.new_department.strip():
        department_id = created.get(department_key(row.new_department))
    return department_id if department_id in existing or department_id in created.values() else None


def _employee_new(actor: Employee, row: EmployeeRow, *, department_id: int | None) -> Employee:
    return Employee(
        company=actor.company,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        employee_number=row.number,
        role=row.role,
        department_id=department_id,
    )


def _employee_update(local: Employee, row: EmployeeRow) -> bool:
    """Take the row's names (those given) and number; whether anything changed."""
    changed = False
    for field, value in (("first_name", row.first_name), ("last_name", row.last_name)):
        if value and getattr(local, field) != value:
            setattr(local, field, value)
            changed = True
    changed = changed or local.employee_number != row.number
    if changed:
        local.employee_number = row.number
    return changed


def _emails_free_check(emails: Sequence[str]) -> None:
    """Refuse the import when a user already has one of the new people's e-mails."""
    taken: set[str] = set()
    for chunk in _chunks(emails):
        taken.update(User.objects.filter(email__in=chunk).values_list("email", flat=True))
    if taken:
        raise ValidationError(
            EMAIL_TAKEN, code="email_taken", params={"email": ", ".join(sorted(taken)[:10])}
        )


@transaction.atomic
def employees_import(*, actor: Employee, rows: Sequence[EmployeeRow]) -> EmployeesImported:
    """Create (with a user without a password, to be invited) or update one employee per row,
    matched by `existing_id`, else by number, else, with `link_user`, by the user of its e-mail.
    A new row whose e-mail a user has is skipped unless linked. An update changes the names (when
    given) and the number; e-mail, role and department stay as they are here."""
    require_administrator(actor)
    rows = _employee_rows_normalised(rows)
    creating = [r for r in rows if r.existing_id is None and r.user_id is None]
    _employee_rows_check(rows, creating=creating)
    by_id = _by_id(Employee, actor, [r.existing_id for r in rows])
    by_number = _by_number(Employee, actor, "employee_number", [r.number for r in rows])
    by_user = {
        e.user_id: e
        for e in Employee.objects.filter(
            company=actor.company, user_id__in=[r.user_id for r in rows if r.link_user and r.user_id]
        )
    }
    departments = set(Department.objects.filter(company=actor.company).values_list("id", flat=True))
    created_departments, departments_created = departments_import(
        actor=actor, names=[r.new_department for r in creating]
    )
    outcomes: list[Outcome | Employee] = []
    new_users: list[User] = []
    new_employees: list[Employee] = []
    to_update: list[Employee] = []
    for row in rows:
        local = by_id.get(row.existing_id or 0) or by_number.get(row.number)
        if local is None and row.link_user:
            local = by_user.get(row.user_id)
        if local is None and row.user_id is not None:
            outcomes.append(Outcome(None, "skipped"))  # the e-mail is a user's, and linking was not chosen
            continue
        if local is None:
            new_users.append(User(email=row.email, password=make_password(None)))
            local = _employee_new(
                actor,
                row,
                department_id=_employee_department_id(row, existing=departments, created=created_departments),
            )
            new_employees.append(local)
            outcomes.append(local)
            continue
        changed = _employee_update(local, row)
        if changed:
            to_update.append(local)
        outcomes.append(Outcome(local.id, "updated" if changed else "linked"))
    _emails_free_check([u.email for u in new_users])
    User.objects.bulk_create(new_users, batch_size=CHUNK)
    for user, employee in zip(new_users, new_employees, strict=True):
        employee.user_id = user.id
    Employee.objects.bulk_create(new_employees, batch_size=CHUNK)
    Employee.objects.bulk_update(to_update, ["first_name", "last_name", "employee_number"], batch_size=CHUNK)
    return EmployeesImported(
        outcomes=[o if isinstance(o, Outcome) else Outcome(o.id, "created") for o in outcomes],
        invited_ids=[e.id for e in new_employees],
        departments_created=departments_created,
    )
