"""Objects as Tripletex renders them: every top-level field, nested objects as `{id, url}`
references unless the `fields` filter expands them, and `url`s without a scheme (as recorded)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from tripletex.sandbox import messages as m
from tripletex.sandbox import store as s

FieldTree = dict[str, "FieldTree | None"]


class Ref(NamedTuple):
    kind: str
    id: int


class IllegalFieldError(Exception):
    def __init__(self, *, field: str, model: str) -> None:
        super().__init__(m.MSG_ILLEGAL_FIELD.format(field=field, model=model))
        self.field = field
        self.model = model


@dataclass(frozen=True)
class Model:
    dto: str
    url_path: str
    # field name -> kind of the nested object (None for plain values)
    fields: dict[str, str | None]


# Only fields that exist in the official schema of each object; a field Tripletex has but the
# sandbox does not model is a 400 here (README, "Choices").
MODELS: dict[str, Model] = {
    "company": Model(
        "CompanyDTO",
        "company",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "name": None,
            "displayName": None,
            "organizationNumber": None,
            "startDate": None,
            "endDate": None,
            "email": None,
            "type": None,
        },
    ),
    "employee": Model(
        "EmployeeDTO",
        "employee",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "firstName": None,
            "lastName": None,
            "displayName": None,
            "employeeNumber": None,
            "dateOfBirth": None,
            "email": None,
            "phoneNumberMobile": None,
            "userType": None,
            "allowInformationRegistration": None,
            "isContact": None,
            "isProxy": None,
            "department": "department",
            "employments": "employment",
            "companyId": None,
        },
    ),
    "department": Model(
        "DepartmentDTO",
        "department",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "name": None,
            "departmentNumber": None,
            "departmentManager": "employee",
            "displayName": None,
            "isInactive": None,
        },
    ),
    "employment": Model(
        "EmploymentDTO",
        "employee/employment",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "employee": "employee",
            "employmentId": None,
            "startDate": None,
            "endDate": None,
            "noEmploymentRelationship": None,
            "isMainEmployer": None,
            "taxDeductionCode": None,
        },
    ),
    "activity": Model(
        "ActivityDTO",
        "activity",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "name": None,
            "number": None,
            "description": None,
            "activityType": None,
            "isProjectActivity": None,
            "isGeneral": None,
            "isTask": None,
            "isDisabled": None,
            "isChargeable": None,
            "rate": None,
            "costPercentage": None,
            "displayName": None,
        },
    ),
    "projectActivity": Model(
        "ProjectActivityDTO",
        "project/projectActivity",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "activity": "activity",
            "project": "project",
            "startDate": None,
            "endDate": None,
            "isClosed": None,
            "budgetHours": None,
            "budgetHourlyRateCurrency": None,
            "budgetFeeCurrency": None,
        },
    ),
    "project": Model(
        "ProjectDTO",
        "project",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "name": None,
            "number": None,
            "displayName": None,
            "description": None,
            "projectManager": "employee",
            "department": "department",
            "mainProject": "project",
            "startDate": None,
            "endDate": None,
            "customer": "customer",
            "isClosed": None,
            "isReadyForInvoicing": None,
            "isInternal": None,
            "isOffer": None,
            "isFixedPrice": None,
            "forParticipantsOnly": None,
            "participants": "projectParticipant",
            "generalProjectActivitiesPerProjectOnly": None,
            "projectActivities": "projectActivity",
            "customerName": None,
        },
    ),
    "projectParticipant": Model(
        "ProjectParticipantDTO",
        "project/participant",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "project": "project",
            "employee": "employee",
            "adminAccess": None,
        },
    ),
    "customer": Model("CustomerDTO", "customer", {"id": None, "version": None, "url": None, "name": None}),
    "salaryType": Model(
        "SalaryTypeDTO",
        "salary/type",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "number": None,
            "name": None,
            "description": None,
            "showInTimesheet": None,
            "isSickPayable": None,
            "isVacationPayable": None,
            "isTaxable": None,
            "isPayrollTaxable": None,
        },
    ),
    "entry": Model(
        "TimesheetEntryDTO",
        "timesheet/entry",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "project": "project",
            "activity": "activity",
            "date": None,
            "hours": None,
            "chargeableHours": None,
            "employee": "employee",
            "timeClocks": None,
            "comment": None,
            "locked": None,
            "chargeable": None,
            "invoice": "invoice",
            "hourlyRate": None,
            "hourlyCost": None,
            "hourlyCostPercentage": None,
            "projectChargeableHours": None,
        },
    ),
    "invoice": Model("InvoiceDTO", "invoice", {"id": None, "version": None, "url": None}),
    "salaryTypeSpecification": Model(
        "TimesheetSalaryTypeSpecificationDTO",
        "timesheet/salaryTypeSpecification",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "employee": "employee",
            "salaryType": "salaryType",
            "description": None,
            "date": None,
            "count": None,
        },
    ),
    "settings": Model(
        "TimesheetSettingsDTO",
        "timesheet/settings",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "timeClock": None,
            "timesheetCompleted": None,
            "flexBalance": None,
            "vacationBalance": None,
            "showDetailedTimeSheet": None,
            "requireCommentsOnRegisteredHoursAllProjects": None,
            "defaultProjectActivity": "activity",
        },
    ),
    "month": Model(
        "MonthlyStatusDTO",
        "timesheet/month",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "employee": "employee",
            "timesheetEntries": "entry",
            "approvedDate": None,
            "completed": None,
            "approvedBy": "employee",
            "approved": None,
            "approvedUntilDate": None,
            "monthYear": None,
            "hoursPayout": None,
            "vacationPayout": None,
        },
    ),
    "week": Model(
        "WeekDTO",
        "timesheet/week",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "employee": "employee",
            "timesheetEntries": "entry",
            "year": None,
            "week": None,
            "completed": None,
            "approved": None,
            "approvedBy": "employee",
            "approvedDate": None,
        },
    ),
    "session": Model(
        "SessionTokenDTO",
        "token/session",
        {
            "id": None,
            "version": None,
            "changes": None,
            "url": None,
            "consumerToken": "consumerToken",
            "employeeToken": "employeeToken",
            "expirationDate": None,
            "token": None,
            "encryptionKey": None,
        },
    ),
    "consumerToken": Model("ConsumerTokenDTO", "token/consumer", {"id": None, "version": None, "url": None}),
    "employeeToken": Model("EmployeeTokenDTO", "token/employee", {"id": None, "version": None, "url": None}),
    "whoAmI": Model(
        "LoggedInUserInfoDTO",
        "token/session/>whoAmI",
        {
            "employeeId": None,
            "actualEmployeeId": None,
            "employee": "employee",
            "companyId": None,
            "company": "company",
            "language": None,
            "loggedInWithConnect": None,
            "employeeIsProxy": None,
        },
    ),
}

# Returned only when asked for by name (documented for `changes`).
_EXPLICIT_ONLY = frozenset({"changes"})


def parse_fields(text: str) -> FieldTree | None:
    """`a,b(c,d(*)),e` -> {"a": None, "b": {"c": None, "d": {"*": None}}, "e": None}; "" -> None."""
    text = text.strip()
    if not text:
        return None
    tree, position = _parse_level(text, 0)
    if position != len(text):
        raise IllegalFieldError(field=text[position:], model="")
    return tree


def _parse_level(text: str, position: int) -> tuple[FieldTree, int]:
    tree: FieldTree = {}
    name = ""
    while position < len(text):
        char = text[position]
        if char == "(":
            subtree, position = _parse_level(text, position + 1)
            if position >= len(text) or text[position] != ")":
                raise IllegalFieldError(field=name.strip() or text, model="")
            tree[name.strip()] = subtree
            name = ""
            position += 1
        elif char == ")":
            break
        elif char == ",":
            if name.strip():
                tree[name.strip()] = None
            name = ""
            position += 1
        else:
            name += char
            position += 1
    if name.strip():
        tree[name.strip()] = None
    return tree, position


def check_fields(kind: str, tree: FieldTree | None) -> None:
    """Refuse unknown names before anything is rendered, also for nested objects that are null."""
    if tree is None:
        return
    model = MODELS[kind]
    for name, subtree in tree.items():
        if name == "*":
            continue
        if name not in model.fields:
            raise IllegalFieldError(field=name, model=model.dto)
        nested = model.fields[name]
        if subtree is not None and nested is not None:
            check_fields(nested, subtree)


def number(value: Decimal | None) -> int | float | None:
    """JSON number as Tripletex writes it: 7.5, 20 (no trailing zeros)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


class Renderer:
    def __init__(self, store: s.Store, host: str) -> None:
        self.store = store
        self.host = host

    def url(self, kind: str, object_id: int) -> str:
        return f"{self.host}/v2/{MODELS[kind].url_path}/{object_id}"

    def render(self, kind: str, record: Any, tree: FieldTree | None) -> dict[str, Any]:
        full = _FULL[kind](self.store, record)
        if "url" in MODELS[kind].fields and "id" in full:
            full["url"] = self.url(kind, full["id"])
        if tree is None or "*" in tree:
            selected: dict[str, FieldTree | None] = {k: None for k in full if k not in _EXPLICIT_ONLY}
        else:
            selected = {}
        for name, subtree in (tree or {}).items():
            if name != "*":
                selected[name] = subtree
        return {name: self._value(full.get(name), subtree) for name, subtree in selected.items()}

    def _value(self, value: Any, subtree: FieldTree | None) -> Any:
        if isinstance(value, Ref):
            if subtree is None:
                return {"id": value.id, "url": self.url(value.kind, value.id)}
            return self.render(value.kind, _lookup(self.store, value), subtree)
        if isinstance(value, list):
            return [self._value(item, subtree) for item in value]
        return value


def _lookup(store: s.Store, ref: Ref) -> Any:
    tables: dict[str, dict[int, Any]] = {
        "department": store.departments,
        "employment": store.employments,
        "projectParticipant": store.participants,
        "employee": store.employees,
        "project": store.projects,
        "projectActivity": store.project_activities,
        "activity": store.activities,
        "salaryType": store.salary_types,
        "entry": store.entries,
    }
    if ref.kind == "company":
        return store.company
    if ref.kind in tables:
        return tables[ref.kind][ref.id]
    return ref  # token references: rendered from the Ref itself


def _company(store: s.Store, c: s.Company) -> dict[str, Any]:
    return {
        "id": c.id,
        "version": c.version,
        "changes": [],
        "url": None,
        "name": c.name,
        "displayName": c.name,
        "organizationNumber": c.organization_number,
        "startDate": "2019-01-01",
        "endDate": None,
        "email": "post@gronnbygg.no",
        "type": "AS",
    }


def _employee(store: s.Store, e: s.Employee) -> dict[str, Any]:
    return {
        "id": e.id,
        "version": e.version,
        "changes": [],
        "url": None,
        "firstName": e.first_name,
        "lastName": e.last_name,
        "displayName": f"{e.first_name} {e.last_name}",
        "employeeNumber": e.employee_number,
        "dateOfBirth": iso(e.date_of_birth),
        "email": e.email,
        "phoneNumberMobile": e.phone_number_mobile,
        "userType": e.user_type,
        "allowInformationRegistration": e.allow_information_registration,
        "isContact": e.is_contact,
        "isProxy": False,
        "department": Ref("department", e.department_id) if e.department_id else None,
        "employments": [Ref("employment", i) for i in e.employment_ids],
        "companyId": store.company.id,
    }


def _department(store: s.Store, d: s.Department) -> dict[str, Any]:
    return {
        "id": d.id,
        "version": d.version,
        "changes": [],
        "url": None,
        "name": d.name,
        "departmentNumber": d.department_number,
        "departmentManager": None,
        "displayName": f"{d.department_number} {d.name}".strip(),
        "isInactive": d.is_inactive,
    }


def _employment(store: s.Store, x: s.Employment) -> dict[str, Any]:
    return {
        "id": x.id,
        "version": x.version,
        "changes": [],
        "url": None,
        "employee": Ref("employee", x.employee_id),
        "employmentId": x.employment_id,
        "startDate": iso(x.start_date),
        "endDate": iso(x.end_date),
        "noEmploymentRelationship": False,
        "isMainEmployer": True,
        "taxDeductionCode": "loennFraHovedarbeidsgiver",
    }


def _participant(store: s.Store, pp: s.ProjectParticipant) -> dict[str, Any]:
    return {
        "id": pp.id,
        "version": pp.version,
        "changes": [],
        "url": None,
        "project": Ref("project", pp.project_id),
        "employee": Ref("employee", pp.employee_id),
        "adminAccess": pp.admin_access,
    }


def _activity(store: s.Store, a: s.Activity) -> dict[str, Any]:
    return {
        "id": a.id,
        "version": a.version,
        "changes": [],
        "url": None,
        "name": a.name,
        "number": a.number,
        "description": a.description,
        "activityType": a.activity_type,
        "isProjectActivity": a.activity_type in (s.PROJECT_GENERAL_ACTIVITY, s.PROJECT_SPECIFIC_ACTIVITY),
        "isGeneral": a.activity_type in (s.GENERAL_ACTIVITY, s.PROJECT_GENERAL_ACTIVITY),
        "isTask": a.activity_type == s.TASK,
        "isDisabled": a.is_disabled,
        "isChargeable": a.is_chargeable,
        "rate": number(a.rate),
        "costPercentage": 0,
        "displayName": f"{a.number} {a.name}",
    }


def _project_activity(store: s.Store, pa: s.ProjectActivity) -> dict[str, Any]:
    return {
        "id": pa.id,
        "version": pa.version,
        "changes": [],
        "url": None,
        "activity": Ref("activity", pa.activity_id),
        "project": Ref("project", pa.project_id),
        "startDate": iso(pa.start_date),
        "endDate": iso(pa.end_date),
        "isClosed": pa.is_closed,
        "budgetHours": 0,
        "budgetHourlyRateCurrency": 0,
        "budgetFeeCurrency": 0,
    }


def _project(store: s.Store, p: s.Project) -> dict[str, Any]:
    return {
        "id": p.id,
        "version": p.version,
        "changes": [],
        "url": None,
        "name": p.name,
        "number": p.number,
        "displayName": f"{p.number} {p.name}".strip(),
        "description": p.description,
        "projectManager": Ref("employee", p.project_manager_id) if p.project_manager_id else None,
        "department": None,
        "mainProject": None,
        "startDate": iso(p.start_date),
        "endDate": iso(p.end_date),
        "customer": None,
        "isClosed": p.is_closed,
        "isReadyForInvoicing": False,
        "isInternal": p.is_internal,
        "isOffer": p.is_offer,
        "isFixedPrice": p.is_fixed_price,
        "forParticipantsOnly": p.for_participants_only,
        "participants": [Ref("projectParticipant", pp.id) for pp in store.participants_of(p)],
        "generalProjectActivitiesPerProjectOnly": p.general_project_activities_per_project_only,
        "projectActivities": [Ref("projectActivity", i) for i in p.project_activity_ids],
        "customerName": "",
    }


def _salary_type(store: s.Store, t: s.SalaryType) -> dict[str, Any]:
    return {
        "id": t.id,
        "version": t.version,
        "changes": [],
        "url": None,
        "number": t.number,
        "name": t.name,
        "description": t.description,
        "showInTimesheet": t.show_in_timesheet,
        "isSickPayable": False,
        "isVacationPayable": True,
        "isTaxable": True,
        "isPayrollTaxable": True,
    }


def _entry(store: s.Store, e: s.TimesheetEntry) -> dict[str, Any]:
    activity = store.activities[e.activity_id]
    chargeable = activity.is_chargeable and e.project_id is not None
    return {
        "id": e.id,
        "version": e.version,
        "changes": [],
        "url": None,
        "project": Ref("project", e.project_id) if e.project_id else None,
        "activity": Ref("activity", e.activity_id),
        "date": e.date.isoformat(),
        "hours": number(e.hours),
        "chargeableHours": number(e.hours) if chargeable else 0,
        "employee": Ref("employee", e.employee_id),
        "timeClocks": [],
        "comment": e.comment,
        "locked": store.is_locked(employee_id=e.employee_id, on=e.date),
        "chargeable": chargeable,
        "invoice": None,
        "hourlyRate": number(activity.rate) if chargeable else 0,
        "hourlyCost": 0,
        "hourlyCostPercentage": 0,
        "projectChargeableHours": number(e.project_chargeable_hours),
    }


def _specification(store: s.Store, spec: s.SalaryTypeSpecification) -> dict[str, Any]:
    return {
        "id": spec.id,
        "version": spec.version,
        "changes": [],
        "url": None,
        "employee": Ref("employee", spec.employee_id),
        "salaryType": Ref("salaryType", spec.salary_type_id),
        "description": spec.description,
        "date": spec.date.isoformat(),
        "count": number(spec.count),
    }


def _settings(store: s.Store, t: s.TimesheetSettings) -> dict[str, Any]:
    default = t.default_project_activity_id
    return {
        "id": t.id,
        "version": t.version,
        "changes": [],
        "url": None,
        "timeClock": False,
        "timesheetCompleted": True,
        "flexBalance": True,
        "vacationBalance": True,
        "showDetailedTimeSheet": False,
        "requireCommentsOnRegisteredHoursAllProjects": False,
        "defaultProjectActivity": Ref("activity", default) if default else None,
    }


def _entries_between(store: s.Store, employee_id: int, start: date, end: date) -> list[Ref]:
    return [
        Ref("entry", e.id)
        for e in store.entries.values()
        if e.employee_id == employee_id and start <= e.date <= end
    ]


def _month(store: s.Store, ms: s.MonthlyStatus) -> dict[str, Any]:
    start = date(ms.year, ms.month, 1)
    end = date(ms.year + ms.month // 12, ms.month % 12 + 1, 1)
    return {
        "id": ms.id,
        "version": ms.version,
        "changes": [],
        "url": None,
        "employee": Ref("employee", ms.employee_id),
        "timesheetEntries": [
            r for r in _entries_between(store, ms.employee_id, start, end) if store.entries[r.id].date < end
        ],
        "approvedDate": iso(ms.approved_date),
        "completed": ms.completed,
        "approvedBy": Ref("employee", ms.approved_by_id) if ms.approved_by_id else None,
        "approved": ms.approved_until is not None,
        "approvedUntilDate": iso(ms.approved_until),
        "monthYear": f"{ms.year:04d}-{ms.month:02d}",
        "hoursPayout": 0,
        "vacationPayout": 0,
    }


def _week(store: s.Store, ws: s.WeekStatus) -> dict[str, Any]:
    monday = date.fromisocalendar(ws.year, ws.week, 1)
    sunday = date.fromisocalendar(ws.year, ws.week, 7)
    return {
        "id": ws.id,
        "version": ws.version,
        "changes": [],
        "url": None,
        "employee": Ref("employee", ws.employee_id),
        "timesheetEntries": _entries_between(store, ws.employee_id, monday, sunday),
        "year": ws.year,
        "week": ws.week,
        "completed": ws.completed,
        "approved": ws.approved,
        "approvedBy": Ref("employee", ws.approved_by_id) if ws.approved_by_id else None,
        "approvedDate": iso(ws.approved_date),
    }


def _session(store: s.Store, session: s.Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "version": session.version,
        "changes": [],
        "url": None,
        "consumerToken": Ref("consumerToken", session.consumer_token_id),
        "employeeToken": Ref("employeeToken", session.employee_token_id),
        "expirationDate": session.expiration_date.isoformat(),
        "token": session.token,
        "encryptionKey": None,
    }


def _token_ref(store: s.Store, ref: Ref) -> dict[str, Any]:
    return {"id": ref.id, "version": 0, "url": None}


@dataclass(frozen=True)
class WhoAmI:
    employee_id: int


def _who_am_i(store: s.Store, who: WhoAmI) -> dict[str, Any]:
    return {
        "employeeId": who.employee_id,
        "actualEmployeeId": who.employee_id,
        "employee": Ref("employee", who.employee_id),
        "companyId": store.company.id,
        "company": Ref("company", store.company.id),
        "language": "no",
        "loggedInWithConnect": False,
        "employeeIsProxy": False,
    }


_FULL: dict[str, Callable[[s.Store, Any], dict[str, Any]]] = {
    "company": _company,
    "employee": _employee,
    "department": _department,
    "employment": _employment,
    "projectParticipant": _participant,
    "activity": _activity,
    "projectActivity": _project_activity,
    "project": _project,
    "salaryType": _salary_type,
    "entry": _entry,
    "salaryTypeSpecification": _specification,
    "settings": _settings,
    "month": _month,
    "week": _week,
    "session": _session,
    "consumerToken": _token_ref,
    "employeeToken": _token_ref,
    "whoAmI": _who_am_i,
}
