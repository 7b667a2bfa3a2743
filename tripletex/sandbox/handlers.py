"""The /v2 endpoints of the sandbox: the subset of Tripletex that GrønnJobb touches."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

from tripletex.sandbox import messages as m
from tripletex.sandbox import store as s
from tripletex.sandbox.bodies import (
    Reader,
    check_object,
    parse_json,
    query_bool,
    query_date,
    query_ids,
    query_int,
)
from tripletex.sandbox.errors import ApiException, duplicate, locked, not_found, revision, validation_failed
from tripletex.sandbox.render import MODELS, FieldTree, Renderer, WhoAmI

MAX_HOURS = Decimal("24")
# TimesheetEntry.comment: the official document gives no maxLength; the sandbox refuses longer
# comments like any invalid field, at the shortest maxLength the document gives a text field (README).
MAX_COMMENT_LENGTH = 255


@dataclass
class Call:
    request: Request
    store: s.Store
    renderer: Renderer
    fields: FieldTree | None
    today: date
    owner_id: int = 0
    full_result_size: str = "exact"

    @property
    def args(self) -> MultiDict[str, str]:
        return self.request.args

    def body(self) -> Any:
        return parse_json(self.request.get_data())


@dataclass
class Result:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[..., Result]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    area: str  # entitlement area; "token" needs none, "public" needs no session
    handler: Handler
    kind: str | None = None  # the model whose `fields` filter applies

    @property
    def endpoint(self) -> str:
        return self.method + " " + _PATH_ARGUMENT.sub(r"{\1}", self.path)


ROUTES: list[Route] = []
_PATH_ARGUMENT = re.compile(r"<(\w+)>")


def route(method: str, path: str, *, area: str, kind: str | None = None) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method=method, path=path, area=area, handler=handler, kind=kind))
        return handler

    return register


# ---------------------------------------------------------------- envelopes


def single(call: Call, kind: str, record: Any, *, status: int = 200) -> Result:
    return Result(status, {"value": call.renderer.render(kind, record, call.fields)})


def listing(
    call: Call,
    kind: str,
    records: Iterable[Any],
    *,
    digest: str = m.VERSION_DIGEST_NOT_REQUESTED,
    **extra: Any,
) -> Result:
    everything = _sorted(call, kind, list(records))
    start = query_int(call.args, "from", 0) or 0
    count = query_int(call.args, "count", 1000)
    count = 1000 if count is None else count
    if start < 0 or count < 0:
        raise validation_failed([("from" if start < 0 else "count", m.MSG_WRONG_TYPE)], code=m.CODE_PARAM)
    page = everything[start : start + count]
    body = {
        "fullResultSize": _full_result_size(call.full_result_size, len(everything)),
        "from": start,
        "count": len(page),
        "versionDigest": digest,
        "values": [call.renderer.render(kind, record, call.fields) for record in page],
    }
    body.update(extra)
    return Result(200, body)


def created_list(call: Call, kind: str, records: list[Any], *, status: int) -> Result:
    # Recorded real answer to POST /timesheet/entry/list: fullResultSize 0, versionDigest null.
    return Result(
        status,
        {
            "fullResultSize": 0,
            "from": 0,
            "count": len(records),
            "versionDigest": None,
            "values": [call.renderer.render(kind, record, call.fields) for record in records],
        },
    )


def _full_result_size(mode: str, exact: int) -> int:
    if mode == "zero":
        return 0
    if mode == "approximate":
        # Deliberately wrong, so a client that pages on it fails in tests
        # (tripletex/sandbox/README.md#full-result-size).
        return (exact // 1000 + 1) * 1000
    return exact


def _sorted(call: Call, kind: str, records: list[Any]) -> list[Any]:
    sorting = (call.args.get("sorting") or "").strip()
    if not sorting:
        return records
    keys = []
    for part in reversed([p.strip() for p in sorting.split(",") if p.strip()]):
        descending = part.startswith("-")
        name = part.lstrip("-")
        if name not in MODELS[kind].fields or MODELS[kind].fields[name] is not None:
            raise ApiException(
                status=422, code=m.CODE_SORTING, message=m.MSG_ILLEGAL_SORTING.format(field=name)
            )
        keys.append((name, descending))
    rendered = {id(record): call.renderer.render(kind, record, None) for record in records}
    for name, descending in keys:
        # None sorts first; within one field all other values share a type, so they compare.
        records.sort(key=lambda r: _sort_key(rendered[id(r)][name]), reverse=descending)
    return records


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is not None, value if value is not None else 0)


def _contains(needle: str | None, haystack: str) -> bool:
    return needle is None or needle.lower() in haystack.lower()


def _get(table: dict[int, Any], raw_id: str) -> Any:
    try:
        object_id = int(raw_id)
    except ValueError as error:
        raise ApiException(
            status=422, code=m.CODE_PARAM, message=m.MSG_WRONG_NUMBER.format(value=raw_id)
        ) from error
    if object_id not in table:
        raise not_found()
    return table[object_id]


# ---------------------------------------------------------------- tokens


def _token(token_id: int) -> str:
    raw = json.dumps({"tokenId": token_id, "token": f"sandbox-{uuid.uuid4()}"}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def _create_session(call: Call, values: dict[str, Any], *, status: int) -> Result:
    problems: list[tuple[str, str]] = []
    expiration_raw = values.get("expirationDate")
    expiration: date | None = None
    if expiration_raw in (None, ""):
        problems.append(("expirationDate", m.MSG_NOT_NULL))
    else:
        try:
            expiration = date.fromisoformat(str(expiration_raw))
        except ValueError:
            problems.append(("expirationDate", m.MSG_WRONG_TYPE))
    consumer = call.store.consumer_tokens.get(str(values.get("consumerToken") or ""))
    employee_token = call.store.employee_tokens.get(str(values.get("employeeToken") or ""))
    if consumer is None:
        problems.append(("arg:consumerToken", m.MSG_CONSUMER_TOKEN_INVALID))
    if employee_token is None:
        problems.append(("arg:employeeToken", m.MSG_EMPLOYEE_TOKEN_INVALID))
    elif consumer is not None and employee_token.application_name != consumer.application_name:
        problems.append(("arg:employeeToken", m.MSG_EMPLOYEE_TOKEN_WRONG_APPLICATION))
    if problems:
        error = validation_failed(problems)
        error.validation = problems
        raise error
    assert consumer is not None and employee_token is not None and expiration is not None
    session_id = call.store.next_id("session")
    session = s.Session(
        id=session_id,
        token=_token(session_id),
        consumer_token_id=consumer.id,
        employee_token_id=employee_token.id,
        expiration_date=expiration,
    )
    call.store.sessions[session.token] = session
    return single(call, "session", session, status=status)


@route("POST", "/token/session/:create", area="public", kind="session")
def session_create(call: Call) -> Result:
    # Tripletex also accepts the legacy query parameters on POST (NangoHQ/nango #6298).
    if call.request.get_data():
        body = call.body()
        if not isinstance(body, dict):
            raise validation_failed([("body", m.MSG_WRONG_TYPE)], code=m.CODE_MAPPING)
        unknown = [key for key in body if key not in ("consumerToken", "employeeToken", "expirationDate")]
        if unknown:
            raise validation_failed([(key, m.MSG_UNKNOWN_PROPERTY) for key in unknown], code=m.CODE_MAPPING)
        return _create_session(call, body, status=201)
    return _create_session(call, dict(call.args.items()), status=201)


@route("PUT", "/token/session/:create", area="public", kind="session")
def session_create_legacy(call: Call) -> Result:
    return _create_session(call, dict(call.args.items()), status=200)


@route("GET", "/token/session/>whoAmI", area="token", kind="whoAmI")
def who_am_i(call: Call) -> Result:
    return single(call, "whoAmI", WhoAmI(employee_id=call.owner_id))


@route("DELETE", "/token/session/<token>", area="token")
def session_delete(call: Call, token: str) -> Result:
    if call.store.sessions.pop(token, None) is None:
        raise not_found()
    return Result(204)


# ---------------------------------------------------------------- employees, projects, activities


@route("GET", "/employee", area="employee", kind="employee")
def employee_list(call: Call) -> Result:
    ids = query_ids(call.args, "id")
    number = call.args.get("employeeNumber")
    include_contacts = query_bool(call.args, "includeContacts", False)
    only_contacts = query_bool(call.args, "onlyContacts", False)
    may_register = query_bool(call.args, "allowInformationRegistration", None)
    first, last, email = call.args.get("firstName"), call.args.get("lastName"), call.args.get("email")
    return listing(
        call,
        "employee",
        (
            e
            for e in call.store.employees.values()
            if (ids is None or e.id in ids)
            and (number in (None, "") or e.employee_number == number)
            and (include_contacts or only_contacts or not e.is_contact)
            and (not only_contacts or e.is_contact)
            and (may_register is None or e.allow_information_registration == may_register)
            and _contains(first, e.first_name)
            and _contains(last, e.last_name)
            and _contains(email, e.email)
        ),
        digest=m.VERSION_DIGEST_NOT_SUPPORTED,
    )


@route("GET", "/employee/<id>", area="employee", kind="employee")
def employee_get(call: Call, id: str) -> Result:
    return single(call, "employee", _get(call.store.employees, id))


@route("GET", "/employee/employment", area="employee", kind="employment")
def employment_list(call: Call) -> Result:
    employee_id = query_int(call.args, "employeeId", None)
    return listing(
        call,
        "employment",
        (x for x in call.store.employments.values() if employee_id is None or x.employee_id == employee_id),
    )


@route("GET", "/employee/employment/<id>", area="employee", kind="employment")
def employment_get(call: Call, id: str) -> Result:
    return single(call, "employment", _get(call.store.employments, id))


@route("GET", "/department", area="department", kind="department")
def department_list(call: Call) -> Result:
    ids = query_ids(call.args, "id")
    name, number = call.args.get("name"), call.args.get("departmentNumber")
    inactive = query_bool(call.args, "isInactive", None)
    return listing(
        call,
        "department",
        (
            d
            for d in call.store.departments.values()
            if (ids is None or d.id in ids)
            and _contains(name, d.name)
            and _contains(number, d.department_number)
            and (inactive is None or d.is_inactive == inactive)
        ),
    )


@route("GET", "/department/<id>", area="department", kind="department")
def department_get(call: Call, id: str) -> Result:
    return single(call, "department", _get(call.store.departments, id))


@route("GET", "/project/participant/<id>", area="project", kind="projectParticipant")
def participant_get(call: Call, id: str) -> Result:
    participant = _get(call.store.participants, id)
    project = call.store.projects.get(participant.project_id)
    if project is None or participant.employee_id not in project.participant_ids:
        raise not_found()  # removed from the project since
    return single(call, "projectParticipant", participant)


@route("GET", "/project", area="project", kind="project")
def project_list(call: Call) -> Result:
    ids = query_ids(call.args, "id")
    number = call.args.get("number")
    name = call.args.get("name")
    is_closed = query_bool(call.args, "isClosed", None)
    is_offer = query_bool(call.args, "isOffer", None)
    return listing(
        call,
        "project",
        (
            p
            for p in call.store.projects.values()
            if (ids is None or p.id in ids)
            and (number in (None, "") or p.number == number)
            and _contains(name, p.name)
            and (is_closed is None or p.is_closed == is_closed)
            and (is_offer is None or p.is_offer == is_offer)
        ),
    )


@route("GET", "/project/<id>", area="project", kind="project")
def project_get(call: Call, id: str) -> Result:
    return single(call, "project", _get(call.store.projects, id))


@route("GET", "/project/number/<number>", area="project", kind="project")
def project_by_number(call: Call, number: str) -> Result:
    for project in call.store.projects.values():
        if project.number == number:
            return single(call, "project", project)
    raise not_found()


@route("GET", "/project/>forTimeSheet", area="project", kind="project")
def project_for_timesheet(call: Call) -> Result:
    employee_id = query_int(call.args, "employeeId", call.owner_id) or call.owner_id
    on = query_date(call.args, "date", required=False, default=call.today) or call.today
    return listing(
        call,
        "project",
        (p for p in call.store.projects.values() if usable_activities(call.store, p, employee_id, on)),
    )


@route("GET", "/project/projectActivity/<id>", area="project", kind="projectActivity")
def project_activity_get(call: Call, id: str) -> Result:
    return single(call, "projectActivity", _get(call.store.project_activities, id))


@route("GET", "/activity", area="activity", kind="activity")
def activity_list(call: Call) -> Result:
    ids = query_ids(call.args, "id")
    number = call.args.get("number")
    name = call.args.get("name")
    flags = {
        "isProjectActivity": query_bool(call.args, "isProjectActivity", None),
        "isGeneral": query_bool(call.args, "isGeneral", None),
        "isChargeable": query_bool(call.args, "isChargeable", None),
        "isTask": query_bool(call.args, "isTask", None),
        "isDisabled": query_bool(call.args, "isInactive", None),
    }

    def matches(activity: s.Activity) -> bool:
        rendered = call.renderer.render("activity", activity, None)
        return all(wanted is None or rendered[key] == wanted for key, wanted in flags.items())

    return listing(
        call,
        "activity",
        (
            a
            for a in call.store.activities.values()
            if (ids is None or a.id in ids)
            and (number in (None, "") or a.number == number)
            and _contains(name, a.name)
            and matches(a)
        ),
    )


@route("GET", "/activity/<id>", area="activity", kind="activity")
def activity_get(call: Call, id: str) -> Result:
    return single(call, "activity", _get(call.store.activities, id))


@route("GET", "/activity/>forTimeSheet", area="activity", kind="activity")
def activity_for_timesheet(call: Call) -> Result:
    project_id = query_int(call.args, "projectId", None)
    if project_id is None:
        raise validation_failed([("projectId", m.MSG_NOT_NULL)], code=m.CODE_PARAM)
    project = call.store.projects.get(project_id)
    if project is None:
        raise not_found()
    employee_id = query_int(call.args, "employeeId", call.owner_id) or call.owner_id
    on = query_date(call.args, "date", required=False, default=call.today) or call.today
    hide_used = query_bool(call.args, "filterExistingHours", True)
    text = call.args.get("query")
    used = {
        e.activity_id
        for e in call.store.entries.values()
        if e.employee_id == employee_id and e.project_id == project_id and e.date == on
    }
    return listing(
        call,
        "activity",
        (
            a
            for a in usable_activities(call.store, project, employee_id, on)
            if not (hide_used and a.id in used) and _contains(text, a.name)
        ),
    )


def usable_activities(store: s.Store, project: s.Project, employee_id: int, on: date) -> list[s.Activity]:
    """The one rule for "can hours go here": also what `>forTimeSheet` answers
    (tripletex/sandbox/README.md#usable-activities)."""
    if not _project_open_on(project, on):
        return []
    if project.for_participants_only and employee_id not in project.participant_ids:
        return []
    linked = {
        link.activity_id
        for link in (store.project_activities[i] for i in project.project_activity_ids)
        if not link.is_closed
        and (link.start_date is None or link.start_date <= on)
        and (link.end_date is None or on <= link.end_date)
    }
    result = []
    for activity in store.activities.values():
        if activity.is_disabled:
            continue
        if activity.activity_type == s.PROJECT_GENERAL_ACTIVITY:
            if not project.general_project_activities_per_project_only or activity.id in linked:
                result.append(activity)
        elif activity.activity_type == s.PROJECT_SPECIFIC_ACTIVITY and activity.id in linked:
            result.append(activity)
    return result


def _project_open_on(project: s.Project, on: date) -> bool:
    return (
        not project.is_closed
        and project.start_date <= on
        and (project.end_date is None or on <= project.end_date)
    )


@route("GET", "/salary/type", area="salary", kind="salaryType")
def salary_type_list(call: Call) -> Result:
    ids = query_ids(call.args, "id")
    shown = query_bool(call.args, "showInTimesheet", None)
    number, name = call.args.get("number"), call.args.get("name")
    return listing(
        call,
        "salaryType",
        (
            t
            for t in call.store.salary_types.values()
            if (ids is None or t.id in ids)
            and (shown is None or t.show_in_timesheet == shown)
            and _contains(number, t.number)
            and _contains(name, t.name)
        ),
    )


@route("GET", "/salary/type/<id>", area="salary", kind="salaryType")
def salary_type_get(call: Call, id: str) -> Result:
    return single(call, "salaryType", _get(call.store.salary_types, id))


@route("GET", "/timesheet/settings", area="timesheet", kind="settings")
def timesheet_settings(call: Call) -> Result:
    return single(call, "settings", call.store.settings)


# ---------------------------------------------------------------- timesheet entries


@dataclass
class EntryValues:
    employee_id: int | None
    project_id: int | None
    activity_id: int | None
    date: date | None
    hours: Decimal | None
    comment: str
    project_chargeable_hours: Decimal | None


def _read_entry(body: Any) -> EntryValues:
    reader = Reader(check_object(body, "entry"))
    values = EntryValues(
        employee_id=reader.reference("employee", required=True),
        project_id=reader.reference("project", required=False),
        activity_id=reader.reference("activity", required=True),
        date=reader.date("date", required=True),
        hours=reader.decimal("hours", required=True),
        comment=reader.text("comment") or "",
        project_chargeable_hours=reader.decimal("projectChargeableHours", required=False),
    )
    reader.raise_problems()
    return values


def _validate_entry(store: s.Store, values: EntryValues) -> None:
    employee = store.employees.get(values.employee_id or -1)
    activity = store.activities.get(values.activity_id or -1)
    project = store.projects.get(values.project_id) if values.project_id is not None else None
    problems: list[tuple[str, str]] = []
    if employee is None:
        problems.append(("employee.id", m.MSG_REFERENCE_NOT_FOUND))
    elif not employee.allow_information_registration or employee.is_contact:
        problems.append(("employee.id", m.MSG_EMPLOYEE_CANNOT_REGISTER))
    if activity is None:
        problems.append(("activity.id", m.MSG_REFERENCE_NOT_FOUND))
    if values.project_id is not None and project is None:
        problems.append(("project.id", m.MSG_REFERENCE_NOT_FOUND))
    problems += _entry_value_problems(values)
    if activity is not None and values.date is not None and employee is not None:
        problems += _entry_usability_problems(
            store, values, employee=employee, activity=activity, project=project, on=values.date
        )
    if problems:
        raise validation_failed(problems)


def _entry_value_problems(values: EntryValues) -> list[tuple[str, str]]:
    """Hours outside 0-24 and a comment that is too long."""
    problems: list[tuple[str, str]] = []
    for key, amount in (("hours", values.hours), ("projectChargeableHours", values.project_chargeable_hours)):
        if amount is not None and not Decimal(0) <= amount <= MAX_HOURS:
            problems.append((key, m.MSG_HOURS_OUT_OF_RANGE))
    if len(values.comment) > MAX_COMMENT_LENGTH:
        problems.append(("comment", m.MSG_TOO_LONG.format(max=MAX_COMMENT_LENGTH)))
    return problems


def _entry_usability_problems(
    store: s.Store,
    values: EntryValues,
    *,
    employee: s.Employee,
    activity: s.Activity,
    project: s.Project | None,
    on: date,
) -> list[tuple[str, str]]:
    """Whether the employee may register on the activity (and project) that day: a general
    activity without a project, or an open project's activity the employee may use."""
    if project is None and values.project_id is None:
        if activity.activity_type != s.GENERAL_ACTIVITY or activity.is_disabled:
            return [("activity.id", m.MSG_ACTIVITY_NOT_USABLE)]
    elif project is not None:
        if project.is_closed:
            return [("project.id", m.MSG_PROJECT_CLOSED)]
        if not _project_open_on(project, on):
            return [("date", m.MSG_DATE_OUTSIDE_PROJECT)]
        if activity not in usable_activities(store, project, employee.id, on):
            return [("activity.id", m.MSG_ACTIVITY_NOT_USABLE)]
    return []


def _entry_key(values: EntryValues | s.TimesheetEntry) -> tuple[Any, ...]:
    return (values.employee_id, values.date, values.activity_id, values.project_id)


def _check_entry_writable(store: s.Store, values: EntryValues, *, existing_id: int | None) -> None:
    assert values.employee_id is not None and values.date is not None
    if store.is_locked(employee_id=values.employee_id, on=values.date):
        raise locked()
    key = _entry_key(values)
    for entry in store.entries.values():
        if entry.id != existing_id and _entry_key(entry) == key:
            raise duplicate()


def _store_entry(store: s.Store, values: EntryValues) -> s.TimesheetEntry:
    assert values.employee_id and values.activity_id and values.date and values.hours is not None
    entry = s.TimesheetEntry(
        id=store.next_id("entry"),
        employee_id=values.employee_id,
        project_id=values.project_id,
        activity_id=values.activity_id,
        date=values.date,
        hours=values.hours,
        comment=values.comment,
        project_chargeable_hours=values.project_chargeable_hours,
    )
    store.entries[entry.id] = entry
    return entry


@route("GET", "/timesheet/entry", area="timesheet", kind="entry")
def entry_search(call: Call) -> Result:
    date_from = query_date(call.args, "dateFrom", required=True)
    date_to = query_date(call.args, "dateTo", required=True)
    assert date_from is not None and date_to is not None
    ids = query_ids(call.args, "id")
    employees = query_ids(call.args, "employeeId")
    projects = query_ids(call.args, "projectId")
    activities = query_ids(call.args, "activityId")
    comment = call.args.get("comment")
    found = [
        e
        for e in sorted(call.store.entries.values(), key=lambda e: e.id)
        if date_from <= e.date < date_to  # dateTo is exclusive ("To and excluding")
        and (ids is None or e.id in ids)
        and (employees is None or e.employee_id in employees)
        and (projects is None or e.project_id in projects)
        and (activities is None or e.activity_id in activities)
        and _contains(comment, e.comment)
    ]
    total = sum((e.hours for e in found), Decimal(0))
    return listing(call, "entry", found, sumAllHours=float(total) if total % 1 else int(total))


@route("GET", "/timesheet/entry/<id>", area="timesheet", kind="entry")
def entry_get(call: Call, id: str) -> Result:
    return single(call, "entry", _get(call.store.entries, id))


@route("POST", "/timesheet/entry", area="timesheet", kind="entry")
def entry_create(call: Call) -> Result:
    values = _read_entry(call.body())
    _validate_entry(call.store, values)
    _check_entry_writable(call.store, values, existing_id=None)
    return single(call, "entry", _store_entry(call.store, values), status=201)


@route("POST", "/timesheet/entry/list", area="timesheet", kind="entry")
def entry_create_list(call: Call) -> Result:
    body = call.body()
    if not isinstance(body, list):
        raise validation_failed([("body", m.MSG_WRONG_TYPE)], code=m.CODE_MAPPING)
    # All or nothing in the sandbox: validate every entry, then store (README, "Choices").
    batch = [_read_entry(item) for item in body]
    seen: set[tuple[Any, ...]] = set()
    for values in batch:
        _validate_entry(call.store, values)
        _check_entry_writable(call.store, values, existing_id=None)
        if _entry_key(values) in seen:
            raise duplicate()
        seen.add(_entry_key(values))
    return created_list(call, "entry", [_store_entry(call.store, v) for v in batch], status=201)


def _apply_entry_update(store: s.Store, entry: s.TimesheetEntry, body: Any) -> EntryValues:
    """PUT semantics: absent fields stay; present-but-null or 0 fields are nulled (spec text)."""
    checked = check_object(body, "entry")
    reader = Reader(checked)
    version = reader.integer("version")
    values = EntryValues(
        employee_id=entry.employee_id,
        project_id=entry.project_id,
        activity_id=entry.activity_id,
        date=entry.date,
        hours=entry.hours,
        comment=entry.comment,
        project_chargeable_hours=entry.project_chargeable_hours,
    )
    if reader.has("employee"):
        values.employee_id = reader.reference("employee", required=True)
    if reader.has("project"):
        values.project_id = reader.reference("project", required=False)
    if reader.has("activity"):
        values.activity_id = reader.reference("activity", required=True)
    if reader.has("date"):
        values.date = reader.date("date", required=True)
    if reader.has("hours"):
        values.hours = reader.decimal("hours", required=False) or Decimal(0)
    if reader.has("comment"):
        values.comment = reader.text("comment") or ""
    if reader.has("projectChargeableHours"):
        values.project_chargeable_hours = reader.decimal("projectChargeableHours", required=False) or None
    reader.raise_problems()
    if version is not None and version != entry.version:
        raise revision()
    if store.is_locked(employee_id=entry.employee_id, on=entry.date):
        raise locked()
    _validate_entry(store, values)
    _check_entry_writable(store, values, existing_id=entry.id)
    return values


def _save_update(entry: s.TimesheetEntry, values: EntryValues) -> None:
    assert values.employee_id and values.activity_id and values.date and values.hours is not None
    entry.employee_id = values.employee_id
    entry.project_id = values.project_id
    entry.activity_id = values.activity_id
    entry.date = values.date
    entry.hours = values.hours
    entry.comment = values.comment
    entry.project_chargeable_hours = values.project_chargeable_hours
    entry.version += 1


@route("PUT", "/timesheet/entry/<id>", area="timesheet", kind="entry")
def entry_update(call: Call, id: str) -> Result:
    entry = _get(call.store.entries, id)
    values = _apply_entry_update(call.store, entry, call.body())
    _save_update(entry, values)
    return single(call, "entry", entry)


@route("PUT", "/timesheet/entry/list", area="timesheet", kind="entry")
def entry_update_list(call: Call) -> Result:
    body = call.body()
    if not isinstance(body, list):
        raise validation_failed([("body", m.MSG_WRONG_TYPE)], code=m.CODE_MAPPING)
    updates = []
    for item in body:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise validation_failed([("id", m.MSG_FIELD_REQUIRED)])
        entry = _get(call.store.entries, str(item["id"]))
        updates.append((entry, _apply_entry_update(call.store, entry, item)))
    for entry, values in updates:
        _save_update(entry, values)
    return created_list(call, "entry", [entry for entry, _ in updates], status=200)


@route("DELETE", "/timesheet/entry/<id>", area="timesheet")
def entry_delete(call: Call, id: str) -> Result:
    entry = _get(call.store.entries, id)
    version = query_int(call.args, "version", None)
    if version is not None and version != entry.version:
        raise revision()
    if call.store.is_locked(employee_id=entry.employee_id, on=entry.date):
        raise locked()
    del call.store.entries[entry.id]
    return Result(204)


# ---------------------------------------------------------------- salary-type specifications


def _read_specification(
    store: s.Store, body: Any, existing: s.SalaryTypeSpecification | None
) -> dict[str, Any]:
    reader = Reader(check_object(body, "salaryTypeSpecification"))
    values = _specification_values(reader, creating=existing is None)
    version = reader.integer("version")
    reader.raise_problems()
    if existing is not None and version is not None and version != existing.version:
        raise revision()
    merged = {
        "employee_id": existing.employee_id if existing else None,
        "salary_type_id": existing.salary_type_id if existing else None,
        "date": existing.date if existing else None,
        "count": existing.count if existing else None,
        "description": existing.description if existing else "",
    } | values
    problems = _specification_problems(store, merged)
    if problems:
        raise validation_failed(problems)
    _check_specification_writable(store, merged, existing=existing)
    return merged


def _specification_values(reader: Reader, *, creating: bool) -> dict[str, Any]:
    """The fields the body gives (all of them when creating)."""
    values: dict[str, Any] = {}
    if creating or reader.has("employee"):
        values["employee_id"] = reader.reference("employee", required=True)
    if creating or reader.has("salaryType"):
        values["salary_type_id"] = reader.reference("salaryType", required=True)
    if creating or reader.has("date"):
        values["date"] = reader.date("date", required=True)
    if creating or reader.has("count"):
        values["count"] = reader.decimal("count", required=creating) or Decimal(0)
    if reader.has("description"):
        values["description"] = reader.text("description") or ""
    return values


def _specification_problems(store: s.Store, merged: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if merged["employee_id"] not in store.employees:
        problems.append(("employee.id", m.MSG_REFERENCE_NOT_FOUND))
    salary_type = store.salary_types.get(merged["salary_type_id"])
    if salary_type is None:
        problems.append(("salaryType.id", m.MSG_REFERENCE_NOT_FOUND))
    elif not salary_type.show_in_timesheet:
        problems.append(("salaryType.id", m.MSG_SALARY_TYPE_NOT_IN_TIMESHEET))
    if merged["count"] is not None and merged["count"] < 0:
        problems.append(("count", m.MSG_WRONG_TYPE))
    return problems


def _check_specification_writable(
    store: s.Store, merged: dict[str, Any], *, existing: s.SalaryTypeSpecification | None
) -> None:
    """Neither the old nor the new employee-day may be locked, nor the new one taken."""
    if existing is not None and store.is_locked(employee_id=existing.employee_id, on=existing.date):
        raise locked()
    if store.is_locked(employee_id=merged["employee_id"], on=merged["date"]):
        raise locked()
    key = (merged["employee_id"], merged["date"], merged["salary_type_id"])
    for other in store.specifications.values():
        if (other.employee_id, other.date, other.salary_type_id) == key and (
            existing is None or other.id != existing.id
        ):
            raise duplicate()


@route("GET", "/timesheet/salaryTypeSpecification", area="timesheet", kind="salaryTypeSpecification")
def specification_search(call: Call) -> Result:
    date_from = query_date(call.args, "dateFrom", required=False)
    date_to = query_date(call.args, "dateTo", required=False)
    employee_id = query_int(call.args, "employeeId", None)
    return listing(
        call,
        "salaryTypeSpecification",
        (
            spec
            for spec in sorted(call.store.specifications.values(), key=lambda x: x.id)
            if (date_from is None or date_from <= spec.date)
            and (date_to is None or spec.date < date_to)
            and (employee_id is None or spec.employee_id == employee_id)
        ),
    )


@route("GET", "/timesheet/salaryTypeSpecification/<id>", area="timesheet", kind="salaryTypeSpecification")
def specification_get(call: Call, id: str) -> Result:
    return single(call, "salaryTypeSpecification", _get(call.store.specifications, id))


@route("POST", "/timesheet/salaryTypeSpecification", area="timesheet", kind="salaryTypeSpecification")
def specification_create(call: Call) -> Result:
    merged = _read_specification(call.store, call.body(), None)
    spec = s.SalaryTypeSpecification(id=call.store.next_id("salaryTypeSpecification"), **merged)
    call.store.specifications[spec.id] = spec
    return single(call, "salaryTypeSpecification", spec, status=201)


@route("PUT", "/timesheet/salaryTypeSpecification/<id>", area="timesheet", kind="salaryTypeSpecification")
def specification_update(call: Call, id: str) -> Result:
    spec = _get(call.store.specifications, id)
    merged = _read_specification(call.store, call.body(), spec)
    for key, value in merged.items():
        setattr(spec, key, value)
    spec.version += 1
    return single(call, "salaryTypeSpecification", spec)


@route("DELETE", "/timesheet/salaryTypeSpecification/<id>", area="timesheet")
def specification_delete(call: Call, id: str) -> Result:
    spec = _get(call.store.specifications, id)
    if call.store.is_locked(employee_id=spec.employee_id, on=spec.date):
        raise locked()
    del call.store.specifications[spec.id]
    return Result(204)


# ---------------------------------------------------------------- month and week approval


def _month_year(raw: str | None) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        date(year, month, 1)
    except ValueError as error:
        raise validation_failed([("monthYear", m.MSG_WRONG_TYPE)], code=m.CODE_PARAM) from error
    return year, month


def _months(call: Call) -> list[s.MonthlyStatus]:
    status_id = query_int(call.args, "id", None)
    if status_id is not None:
        for status in call.store.months.values():
            if status.id == status_id:
                return [status]
        raise not_found()
    employees = query_ids(call.args, "employeeIds") or {call.owner_id}
    year, month = _month_year(call.args.get("monthYear"))
    for employee_id in employees:
        if employee_id not in call.store.employees:
            raise not_found()
    return [call.store.month_status(employee_id=e, year=year, month=month) for e in sorted(employees)]


@route("PUT", "/timesheet/month/:approve", area="timesheet", kind="month")
def month_approve(call: Call) -> Result:
    statuses = _months(call)
    for status in statuses:
        last_day = date(status.year + status.month // 12, status.month % 12 + 1, 1) - timedelta(days=1)
        until = query_date(call.args, "approvedUntilDate", required=False, default=last_day) or last_day
        status.approved_until = until
        status.approved_date = call.today
        status.approved_by_id = call.owner_id
        status.completed = True
        status.version += 1
    return created_list(call, "month", statuses, status=200)


@route("PUT", "/timesheet/month/:unapprove", area="timesheet", kind="month")
def month_unapprove(call: Call) -> Result:
    statuses = _months(call)
    for status in statuses:
        status.approved_until = None
        status.approved_date = None
        status.approved_by_id = None
        status.version += 1
    return created_list(call, "month", statuses, status=200)


@route("GET", "/timesheet/month/byMonthNumberList", area="timesheet", kind="month")
def month_list(call: Call) -> Result:
    employees = query_ids(call.args, "employeeIds")
    months_raw = call.args.get("monthYearList")
    if not employees or not months_raw:
        raise validation_failed(
            [("employeeIds" if not employees else "monthYearList", m.MSG_NOT_NULL)], code=m.CODE_PARAM
        )
    months = [_month_year(part.strip()) for part in months_raw.split(",") if part.strip()]
    return listing(
        call,
        "month",
        [
            call.store.month_status(employee_id=e, year=y, month=mo)
            for e in sorted(employees)
            for y, mo in months
        ],
    )


def _week(call: Call) -> s.WeekStatus:
    status_id = query_int(call.args, "id", None)
    if status_id is not None:
        for status in call.store.weeks.values():
            if status.id == status_id:
                return status
        raise not_found()
    employee_id = query_int(call.args, "employeeId", call.owner_id) or call.owner_id
    if employee_id not in call.store.employees:
        raise not_found()
    raw = call.args.get("weekYear") or ""
    try:
        year, week = (int(part) for part in raw.split("-"))
        date.fromisocalendar(year, week, 1)
    except ValueError as error:
        raise validation_failed([("weekYear", m.MSG_WRONG_TYPE)], code=m.CODE_PARAM) from error
    return call.store.week_status(employee_id=employee_id, year=year, week=week)


@route("PUT", "/timesheet/week/:approve", area="timesheet", kind="week")
def week_approve(call: Call) -> Result:
    status = _week(call)
    status.approved, status.completed = True, True
    status.approved_date, status.approved_by_id = call.today, call.owner_id
    status.version += 1
    return single(call, "week", status)


@route("PUT", "/timesheet/week/:unapprove", area="timesheet", kind="week")
def week_unapprove(call: Call) -> Result:
    status = _week(call)
    status.approved, status.approved_date, status.approved_by_id = False, None, None
    status.version += 1
    return single(call, "week", status)


@route("GET", "/timesheet/week", area="timesheet", kind="week")
def week_list(call: Call) -> Result:
    ids = query_ids(call.args, "ids")
    employees = query_ids(call.args, "employeeIds")
    week_year = call.args.get("weekYear")
    if week_year and employees:
        year, week = (int(part) for part in week_year.split("-"))
        for employee_id in employees:
            call.store.week_status(employee_id=employee_id, year=year, week=week)
    return listing(
        call,
        "week",
        (
            w
            for w in call.store.weeks.values()
            if (ids is None or w.id in ids)
            and (employees is None or w.employee_id in employees)
            and (not week_year or f"{w.year}-{w.week}" == week_year or f"{w.year}-{w.week:02d}" == week_year)
        ),
    )
