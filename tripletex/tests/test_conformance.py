"""Sandbox answers and client requests against Tripletex's official OpenAPI document.

The `tripletex_sandbox` fixture validates all traffic of every test at teardown; these tests make
sure that check has teeth, cover every endpoint the sandbox serves, and say plainly when the
document is not available (TRIPLETEX_OPENAPI_SPEC).
"""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tripletex.client import (
    DuplicateEntry,
    NewSalaryTypeSpecification,
    NewTimesheetEntry,
    ValidationError,
)
from tripletex.sandbox import conformance
from tripletex.sandbox.handlers import ROUTES

DAY = date(2026, 3, 10)


@pytest.fixture
def spec():
    validator = conformance.validator()
    if validator is None:
        pytest.skip(conformance.SKIP_REASON)
    return validator


def test_every_sandbox_endpoint_exists_in_the_official_document(spec):
    missing = [
        route.endpoint
        for route in ROUTES
        if spec.operation(
            route.method, route.path.replace("<", "{").replace(">", "}") if "<" in route.path else route.path
        )
        is None
    ]

    assert missing == []


def test_the_check_refuses_an_invented_field_and_a_wrong_type(spec):
    request = {"method": "GET", "path": "/v2/timesheet/entry/1", "query": {}, "headers": {}}

    invented = spec.check_response(
        **request, status=200, body=json.dumps({"value": {"id": 1, "colour": "grønn"}}).encode()
    )
    wrong_type = spec.check_response(
        **request, status=200, body=json.dumps({"value": {"id": 1, "hours": "sju"}}).encode()
    )
    with_nulls = spec.check_response(
        **request,
        status=200,
        body=json.dumps({"value": {"id": 1, "project": None, "invoice": None}}).encode(),
    )

    assert invented and "colour" in str(invented[0])
    assert wrong_type
    assert with_nulls == []


def test_the_check_refuses_read_only_fields_in_a_request_body(spec):
    headers = {"Authorization": "Basic MDp4"}
    body = {"employee": {"id": 1}, "activity": {"id": 2}, "date": "2026-03-10", "hours": 7.5}

    plain = spec.check_request(
        method="POST",
        path="/v2/timesheet/entry",
        query={},
        headers=headers,
        body=json.dumps(body).encode(),
        content_type="application/json; charset=utf-8",
    )
    read_only = spec.check_request(
        method="POST",
        path="/v2/timesheet/entry",
        query={},
        headers=headers,
        body=json.dumps(body | {"chargeableHours": 7.5}).encode(),
        content_type="application/json; charset=utf-8",
    )

    assert plain == []
    assert read_only


def test_the_check_refuses_an_error_without_the_envelope(spec):
    problems = spec.check_response(
        method="GET", path="/v2/employee", query={}, headers={}, status=500, body=b'{"error": "boom"}'
    )

    assert {"error envelope lacks 'requestId'", "error envelope lacks 'status'"} <= {
        p.detail for p in problems
    }


def test_a_full_working_day_of_traffic_conforms(spec, tripletex_sandbox):
    # given a client doing everything GrønnJobb does, including refused writes
    client = tripletex_sandbox.client()
    employee = tripletex_sandbox.employee_id("1003")
    project = tripletex_sandbox.project_id("P-100")
    activity = tripletex_sandbox.activity_id("Snekring")

    # when
    client.whoami()
    list(client.employees())
    list(client.projects(include_activities=True))
    client.project(project)
    list(client.activities())
    list(client.activities_for_timesheet(project_id=project, on=DAY, employee_id=employee))
    list(client.salary_types())
    client.timesheet_settings()
    entry = client.timesheet_entry_create(
        entry=NewTimesheetEntry(
            employee_id=employee, project_id=project, activity_id=activity, date=DAY, hours=Decimal("7.5")
        )
    )
    with pytest.raises(DuplicateEntry):
        client.timesheet_entry_create(
            entry=NewTimesheetEntry(
                employee_id=employee, project_id=project, activity_id=activity, date=DAY, hours=Decimal("1")
            )
        )
    with pytest.raises(ValidationError):
        client.timesheet_entry_create(
            entry=NewTimesheetEntry(
                employee_id=employee, project_id=project, activity_id=activity, date=DAY, hours=Decimal("25")
            )
        )
    client.timesheet_entries_create(
        entries=[
            NewTimesheetEntry(
                employee_id=employee,
                project_id=project,
                activity_id=activity,
                date=DAY + timedelta(days=1),
                hours=Decimal("2"),
            )
        ]
    )
    updated = client.timesheet_entry_update(entry=client.timesheet_entry(entry.id))
    list(client.timesheet_entries(date_from=DAY, date_to=DAY + timedelta(days=7), employee_ids=[employee]))
    client.timesheet_entry_delete(entry_id=updated.id, version=updated.version)
    spec_line = client.salary_type_specification_create(
        specification=NewSalaryTypeSpecification(
            employee_id=employee,
            salary_type_id=tripletex_sandbox.salary_type_id("2010"),
            date=DAY,
            count=Decimal("1.5"),
        )
    )
    client.salary_type_specification_update(specification=client.salary_type_specification(spec_line.id))
    list(client.salary_type_specifications(date_from=DAY, date_to=DAY + timedelta(days=1)))
    client.salary_type_specification_delete(specification_id=spec_line.id)
    tripletex_sandbox.approve_month(employee_id=employee, month_year="2026-04")
    tripletex_sandbox.approve_week(employee_id=employee, week_year="2026-20")
    client.close()

    # then
    client_requests = [
        e
        for e in tripletex_sandbox.exchanges
        if e.request_headers.get("User-Agent", "").startswith("GronnJobb")
    ]
    assert len(client_requests) >= 20
    assert {e.status for e in tripletex_sandbox.exchanges} >= {200, 201, 204, 409, 422}
    assert tripletex_sandbox.conformance_problems() == []


def test_skipping_is_announced_when_the_document_is_absent(monkeypatch):
    monkeypatch.setenv(conformance.SPEC_ENVIRONMENT_VARIABLE, "/nonexistent/openapi.json")

    assert conformance.validator() is None
    assert conformance.SPEC_ENVIRONMENT_VARIABLE in conformance.SKIP_REASON


def test_departments_employments_and_participants_conform(spec, tripletex_sandbox):
    # given
    http = tripletex_sandbox.http()
    base = tripletex_sandbox.base_url
    employee = tripletex_sandbox.employee_id("1003")
    project = tripletex_sandbox.project_id("P-600")

    # when: every new endpoint, paged and filtered, and the nested objects expanded
    departments = http.get(f"{base}/department", params={"from": 1, "count": 2}, timeout=5).json()
    http.get(f"{base}/department/{departments['values'][0]['id']}", timeout=5)
    http.get(f"{base}/department", params={"fields": "id,name,departmentManager(id)"}, timeout=5)
    employments = http.get(f"{base}/employee/employment", params={"employeeId": employee}, timeout=5).json()
    http.get(f"{base}/employee/employment/{employments['values'][0]['id']}", timeout=5)
    participants = http.get(
        f"{base}/project/{project}", params={"fields": "participants(*,employee(id,firstName))"}, timeout=5
    ).json()["value"]["participants"]
    http.get(f"{base}/project/participant/{participants[0]['id']}", timeout=5)
    http.get(f"{base}/employee/{employee}", timeout=5)

    # then
    assert departments["count"] == 2
    assert len(participants) == 2
    assert len(tripletex_sandbox.exchanges) >= 8
    assert tripletex_sandbox.conformance_problems() == []


def test_the_client_reads_employees_departments_employments_and_participants_conformantly(
    spec, tripletex_sandbox
):
    # given
    client = tripletex_sandbox.client()

    # when
    employees = {e.employee_number: e for e in client.employees()}
    projects = {p.number: p for p in client.projects(include_activities=True)}
    client.close()

    # then
    assert (employees["1003"].department_name, employees["1015"].department_name) == (
        "Bygg",
        "Administrasjon",
    )
    assert employees["1003"].has_employment_on(DAY) and not employees["1013"].has_employment_on(DAY)
    assert [p.name for p in projects["P-600"].participants] == ["Åse Bråten", "Øystein Lærum"]
    assert projects["P-100"].participants == ()
    assert tripletex_sandbox.conformance_problems() == []


def test_the_check_refuses_a_department_with_an_invented_field(spec):
    request = {"method": "GET", "path": "/v2/department/1", "query": {}, "headers": {}}

    plain = spec.check_response(
        **request, status=200, body=json.dumps({"value": {"id": 1, "name": "Bygg"}}).encode()
    )
    invented = spec.check_response(
        **request,
        status=200,
        body=json.dumps({"value": {"id": 1, "name": "Bygg", "leader": "Øystein"}}).encode(),
    )

    assert plain == []
    assert invented and "leader" in str(invented[0])
