"""The REST API under /api/v1/: every endpoint, its permissions, token auth, the schema, the
company sweep (another company's ids are a 404 exactly like missing ones, nothing changes) and
constant query counts on the list endpoints."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openapi_spec_validator import validate as openapi_validate
from rest_framework.test import APIClient

from hr import access, api, api_errors, serializers, services
from hr.integration import NoIntegration, integration_register
from hr.models import ApiToken, Employee, EntryStatus, HourEntry, Project, WageType
from hr.tests.factories import (
    PASSWORD,
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    ProjectFactory,
    UserFactory,
    manager_of,
)
from hr.weeks import monday_of, today_local

MONDAY = datetime.date(2026, 11, 23)
TUESDAY = MONDAY + datetime.timedelta(days=1)
NOW = datetime.datetime(2026, 11, 27, 15, 0, tzinfo=datetime.UTC)
MISSING_ID = 987_654_321

# Measured with session auth, the same at 10 and at 500 entries (see the query tests): session,
# user, employee profile, then the week's entries; for the queue also the manager's departments.
WEEK_LIST_MAX_QUERIES = 4
APPROVAL_LIST_MAX_QUERIES = 5
LOOKUP_LIST_MAX_QUERIES = 4


def url(name: str, **kwargs: object) -> str:
    return reverse(f"v1:{name}", kwargs=kwargs or None)


def client_for(employee) -> APIClient:
    client = APIClient()
    client.force_login(employee.user)
    return client


def _submitted(employee: Employee, **kwargs: Any) -> HourEntry:
    return HourEntryFactory.create(
        employee=employee, status=EntryStatus.SUBMITTED, submitted_at=NOW, **kwargs
    )


def _approved(employee: Employee, **kwargs: Any) -> HourEntry:
    return HourEntryFactory.create(
        employee=employee, status=EntryStatus.APPROVED, submitted_at=NOW, decided_at=NOW, **kwargs
    )


def _entry_payload(project: Project, wage_type: WageType, **overrides: Any) -> dict[str, Any]:
    return {
        "date": TUESDAY.isoformat(),
        "project": project.id,
        "wage_type": wage_type.id,
        "hours": "7,5",
        "comment": "Forskaling",
    } | overrides


@pytest.fixture
def project(company):
    return ProjectFactory.create(company=company, number="100", name="Skolebygg")


@pytest.fixture
def ordinary(company):
    return WageType.objects.get(company=company, is_builtin=True)


@pytest.fixture
def other_manager(company):
    return manager_of(DepartmentFactory.create(company=company, name="Anlegg"))


@pytest.fixture
def colleague(company, department):
    return EmployeeFactory.create(company=company, department=department)


# --- authentication ---------------------------------------------------------------------------


def test_anonymous_requests_are_refused_with_401(db):
    response = APIClient().get(url("entries"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_is_obtained_with_email_and_password_and_authenticates(employee):
    # given
    anonymous = APIClient()

    # when
    response = anonymous.post(
        url("token"), {"email": employee.user.email.upper(), "password": PASSWORD}, format="json"
    )

    # then
    assert response.status_code == 200
    token = response.json()["token"]
    stored = ApiToken.objects.get(user=employee.user)
    assert stored.digest == services.api_token_digest(token) != token  # only the digest is kept
    assert response.json()["name"] == "API-nøkkel"
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    week = anonymous.get(url("entries"), {"year": 2026, "week": 48})
    assert week.status_code == 200
    assert week.json()["employee"]["id"] == employee.id


def test_a_wrong_password_gets_no_token(employee):
    response = APIClient().post(
        url("token"), {"email": employee.user.email, "password": "feil"}, format="json"
    )

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": str(serializers.CREDENTIALS_INVALID)}
    assert not ApiToken.objects.exists()


def test_a_browser_session_must_send_the_csrf_token(employee):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(employee.user)
    HourEntryFactory.create(employee=employee, date=MONDAY)

    response = client.post(url("week-submit"), {"date": MONDAY.isoformat()}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": str(api.CSRF_FAILED)}
    assert HourEntry.objects.get().status == EntryStatus.REGISTERED


def test_token_auth_needs_no_csrf_token(employee):
    client = APIClient(enforce_csrf_checks=True)
    _token, key = services.api_token_create(user=employee.user, name="Skript")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    HourEntryFactory.create(employee=employee, date=MONDAY)

    response = client.post(url("week-submit"), {"date": MONDAY.isoformat()}, format="json")

    assert response.status_code == 200
    assert HourEntry.objects.get().status == EntryStatus.SUBMITTED


def test_malformed_json_gets_a_norwegian_message(employee):
    response = client_for(employee).post(url("entries"), "{ikke json", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": str(api_errors.MALFORMED_REQUEST)}


def test_a_user_without_an_employee_profile_is_refused(db):
    client = APIClient()
    client.force_login(UserFactory.create())

    response = client.get(url("entries"))

    assert response.status_code == 403
    assert response.json() == {"detail": str(api.NO_EMPLOYEE_PROFILE)}


# --- own entries ------------------------------------------------------------------------------


def test_list_entries_of_an_iso_week(employee, project):
    # given two entries this week, one the week before, and a colleague's
    first = HourEntryFactory.create(employee=employee, project=project, date=MONDAY, hours=Decimal("7.5"))
    second = _submitted(employee, project=project, date=TUESDAY, hours=Decimal("2"))
    HourEntryFactory.create(employee=employee, project=project, date=MONDAY - datetime.timedelta(days=1))
    HourEntryFactory.create(
        employee=EmployeeFactory.create(company=employee.company), project=project, date=MONDAY
    )

    # when
    response = client_for(employee).get(url("entries"), {"year": 2026, "week": 48})

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["week"], body["monday"]) == (2026, 48, "2026-11-23")
    assert body["total"] == "9.50"
    assert body["day_totals"][:2] == ["7.50", "2.00"]
    assert body["status_counts"] == {"registered": 1, "submitted": 1}
    assert [e["id"] for e in body["entries"]] == [first.id, second.id]
    assert body["entries"][0] | {"project": None, "wage_type": None, "id": None} == {
        "id": None,
        "employee": employee.id,
        "date": "2026-11-23",
        "project": None,
        "wage_type": None,
        "hours": "7.50",
        "comment": "",
        "status": "registered",
        "status_display": "Registrert",
        "is_editable": True,
        "submitted_by": None,
        "submitted_at": None,
        "decided_by": None,
        "decided_at": None,
        "rejection_reason": "",
        "transfer": None,
    }
    assert body["entries"][0]["project"] == {"id": project.id, "number": "100", "name": "Skolebygg"}


def test_list_entries_by_any_date_in_the_week_and_by_status(employee):
    HourEntryFactory.create(employee=employee, date=MONDAY)
    submitted = _submitted(employee, date=TUESDAY)

    response = client_for(employee).get(url("entries"), {"date": "2026-11-29", "status": "submitted"})

    assert response.status_code == 200
    assert [e["id"] for e in response.json()["entries"]] == [submitted.id]


def test_list_entries_defaults_to_this_week(employee):
    response = client_for(employee).get(url("entries"))

    assert response.json()["monday"] == monday_of(today_local()).isoformat()


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"year": 2026, "week": 54}, {"week": [str(serializers.WEEK_INVALID)]}),
        ({"year": "i år", "week": 1}, {"year": [str(serializers.WEEK_INVALID)]}),
        ({"date": "24.11.2026x"}, {"date": [str(serializers.DATE_INVALID)]}),
        ({"status": "paid"}, {"status": [str(serializers.STATUS_INVALID)]}),
    ],
)
def test_list_entries_refuses_a_malformed_week(employee, query, errors):
    response = client_for(employee).get(url("entries"), query)

    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": 2026}, serializers.WEEK_INCOMPLETE),
        ({"year": 2025, "week": 53}, serializers.WEEK_INVALID),  # 2025 has 52 weeks
        ({"week": "2025-W53"}, serializers.WEEK_INVALID),
    ],
)
def test_a_well_formed_week_that_does_not_exist_is_not_found(employee, query, message):
    response = client_for(employee).get(url("entries"), query)

    assert (response.status_code, response.json()) == (404, {"detail": str(message)})


def test_an_empty_query_parameter_is_refused_not_ignored(employee):
    response = client_for(employee).get(url("entries"), {"week": ""})

    assert response.status_code == 400
    assert response.json() == {"week": ["Gi parameteren en verdi, eller utelat den."]}


@pytest.mark.parametrize(("actor_name", "status_code"), [("manager", 200), ("administrator", 200)])
def test_the_manager_and_an_administrator_may_list_the_employees_week(
    request, employee, actor_name, status_code
):
    entry = HourEntryFactory.create(employee=employee, date=MONDAY)

    response = client_for(request.getfixturevalue(actor_name)).get(
        url("entries"), {"date": "2026-11-23", "employee": employee.id}
    )

    assert response.status_code == status_code
    assert [e["id"] for e in response.json()["entries"]] == [entry.id]


@pytest.mark.parametrize("actor_name", ["other_manager", "colleague"])
def test_others_may_not_list_the_employees_week(request, employee, actor_name):
    HourEntryFactory.create(employee=employee, date=MONDAY)

    response = client_for(request.getfixturevalue(actor_name)).get(url("entries"), {"employee": employee.id})

    assert response.status_code == 403
    assert response.json() == {"detail": str(access.NOT_ALLOWED_FOR_EMPLOYEE)}


@pytest.mark.parametrize("hours", ["7,5", "7.5", 7.5])
def test_create_an_entry_with_comma_or_point_hours(employee, project, ordinary, hours):
    response = client_for(employee).post(
        url("entries"), _entry_payload(project, ordinary, hours=hours), format="json"
    )

    assert response.status_code == 201
    entry = HourEntry.objects.get()
    assert response.json()["id"] == entry.id
    assert (entry.employee, entry.hours, entry.status, entry.comment) == (
        employee,
        Decimal("7.50"),
        EntryStatus.REGISTERED,
        "Forskaling",
    )
    assert response.json()["hours"] == "7.50"


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", services.HOURS_NOT_POSITIVE),
        (-1, services.HOURS_NOT_POSITIVE),
        ("7,555", services.HOURS_TOO_MANY_DECIMALS),
        ("NaN", services.HOURS_NOT_A_NUMBER),
        ("inf", services.HOURS_NOT_A_NUMBER),
        ("mye", services.HOURS_NOT_A_NUMBER),
        ("", services.HOURS_REQUIRED),
        ("25", services.HOURS_OVER_DAY % {"existing": "0"}),
    ],
)
def test_create_refuses_bad_hours_with_the_norwegian_message(employee, project, ordinary, hours, message):
    response = client_for(employee).post(
        url("entries"), _entry_payload(project, ordinary, hours=hours), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"hours": [str(message)]}
    assert not HourEntry.objects.exists()


def test_create_refuses_more_than_24_hours_on_one_day(employee, project, ordinary):
    HourEntryFactory.create(employee=employee, project=project, date=TUESDAY, hours=Decimal("20"))

    response = client_for(employee).post(
        url("entries"), _entry_payload(project, ordinary, hours="4,25"), format="json"
    )

    assert response.status_code == 409
    assert response.json() == {"hours": [services.HOURS_OVER_DAY % {"existing": "20"}]}
    assert HourEntry.objects.count() == 1


def test_create_refuses_a_date_more_than_a_year_ahead_and_a_closed_project(employee, company, ordinary):
    closed = ProjectFactory.create(company=company, number="900", name="Ferdig", is_closed=True)
    far = today_local() + datetime.timedelta(days=400)
    client = client_for(employee)

    too_far = client.post(
        url("entries"), _entry_payload(closed, ordinary, date=far.isoformat()), format="json"
    )
    closed_project = client.post(url("entries"), _entry_payload(closed, ordinary), format="json")

    assert too_far.json() == {"date": [str(services.DATE_TOO_FAR_AHEAD)]}
    assert closed_project.json() == {"project": [services.PROJECT_CLOSED % {"project": "900 Ferdig"}]}
    assert not HourEntry.objects.exists()


def test_create_refuses_missing_and_malformed_fields(employee):
    response = client_for(employee).post(url("entries"), {"date": "i morgen", "project": "x"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "date": [str(serializers.DATE_INVALID)],
        "project": [str(serializers.ID_INVALID)],
        "wage_type": [str(serializers.FIELD_REQUIRED)],
        "hours": [str(serializers.FIELD_REQUIRED)],
    }


def test_the_manager_registers_hours_for_the_employee(employee, manager, project, ordinary):
    response = client_for(manager).post(
        url("entries"), _entry_payload(project, ordinary, employee=employee.id), format="json"
    )

    assert response.status_code == 201
    assert HourEntry.objects.get().employee == employee


def test_a_manager_of_another_department_cannot_register_for_the_employee(
    employee, other_manager, project, ordinary
):
    response = client_for(other_manager).post(
        url("entries"), _entry_payload(project, ordinary, employee=employee.id), format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": str(access.NOT_ALLOWED_FOR_EMPLOYEE)}
    assert not HourEntry.objects.exists()


def test_retrieve_an_entry(employee, manager):
    entry = HourEntryFactory.create(employee=employee)

    own = client_for(employee).get(url("entry", entry_id=entry.id))
    managers = client_for(manager).get(url("entry", entry_id=entry.id))

    assert (own.status_code, managers.status_code) == (200, 200)
    assert own.json()["id"] == entry.id
    assert own.json() == managers.json()


@pytest.mark.parametrize("actor_name", ["colleague", "other_manager"])
def test_others_cannot_retrieve_the_entry(request, employee, actor_name):
    entry = HourEntryFactory.create(employee=employee)

    response = client_for(request.getfixturevalue(actor_name)).get(url("entry", entry_id=entry.id))

    assert response.status_code == 403


def test_update_an_entry_with_put_and_patch(employee, company, project, ordinary):
    entry = HourEntryFactory.create(employee=employee, project=project, date=MONDAY)
    other_project = ProjectFactory.create(company=company)
    client = client_for(employee)

    put = client.put(
        url("entry", entry_id=entry.id),
        _entry_payload(other_project, ordinary, hours="6,25", comment="Ny"),
        format="json",
    )
    patch = client.patch(url("entry", entry_id=entry.id), {"hours": 3}, format="json")

    assert (put.status_code, patch.status_code) == (200, 200)
    entry.refresh_from_db()
    assert (entry.project, entry.date, entry.hours, entry.comment) == (
        other_project,
        TUESDAY,
        Decimal("3"),
        "Ny",
    )
    assert patch.json()["hours"] == "3.00"


@pytest.mark.parametrize("make", [_submitted, _approved], ids=["submitted", "approved"])
def test_sent_in_and_approved_entries_cannot_be_changed_or_deleted(employee, make):
    entry = make(employee)
    client = client_for(employee)

    patch = client.patch(url("entry", entry_id=entry.id), {"hours": "1"}, format="json")
    delete = client.delete(url("entry", entry_id=entry.id))

    expected = {"non_field_errors": [str(services.ENTRY_NOT_EDITABLE)]}
    assert (patch.status_code, patch.json()) == (409, expected)
    assert (delete.status_code, delete.json()) == (409, expected)
    entry.refresh_from_db()
    assert entry.hours == Decimal("7.50")


def test_delete_a_registered_entry(employee):
    entry = HourEntryFactory.create(employee=employee)

    response = client_for(employee).delete(url("entry", entry_id=entry.id))

    assert response.status_code == 204
    assert not HourEntry.objects.exists()


def test_a_colleague_cannot_change_or_delete_the_entry(employee, colleague):
    entry = HourEntryFactory.create(employee=employee)
    client = client_for(colleague)

    patch = client.patch(url("entry", entry_id=entry.id), {"hours": "1"}, format="json")
    delete = client.delete(url("entry", entry_id=entry.id))

    assert (patch.status_code, delete.status_code) == (403, 403)
    entry.refresh_from_db()
    assert entry.hours == Decimal("7.50")


# --- sending in and copying -------------------------------------------------------------------


def test_send_in_a_week(employee, manager, administrator, django_capture_on_commit_callbacks):
    # given
    entries = [
        HourEntryFactory.create(employee=employee, date=MONDAY),
        HourEntryFactory.create(employee=employee, date=TUESDAY),
    ]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(employee).post(url("week-submit"), {"year": 2026, "week": 48}, format="json")

    # then
    assert response.status_code == 200
    assert [e["status"] for e in response.json()["entries"]] == ["submitted", "submitted"]
    assert set(HourEntry.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}
    assert sorted(e.id for e in entries) == [e["id"] for e in response.json()["entries"]]
    assert sorted(to for message in mail.outbox for to in message.to) == sorted(
        [manager.email, administrator.email]
    )


def test_send_in_an_empty_week_says_so(employee):
    response = client_for(employee).post(url("week-submit"), {"date": "2026-11-25"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"non_field_errors": [str(services.NOTHING_TO_SUBMIT)]}


def test_the_manager_sends_in_on_the_employees_behalf(employee, manager):
    entry = HourEntryFactory.create(employee=employee, date=MONDAY)

    response = client_for(manager).post(
        url("week-submit"), {"date": "2026-11-23", "employee": employee.id}, format="json"
    )

    assert response.status_code == 200
    entry.refresh_from_db()
    assert (entry.status, entry.submitted_by) == (EntryStatus.SUBMITTED, manager)


@pytest.mark.parametrize("actor_name", ["other_manager", "colleague"])
def test_others_cannot_send_in_on_the_employees_behalf(request, employee, actor_name):
    entry = HourEntryFactory.create(employee=employee, date=MONDAY)

    response = client_for(request.getfixturevalue(actor_name)).post(
        url("week-submit"), {"date": "2026-11-23", "employee": employee.id}, format="json"
    )

    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REGISTERED


def test_copy_the_previous_week(employee, project):
    HourEntryFactory.create(employee=employee, project=project, date=MONDAY - datetime.timedelta(days=7))

    response = client_for(employee).post(url("week-copy-previous"), {"year": 2026, "week": 48}, format="json")

    assert response.status_code == 201
    copied = HourEntry.objects.get(date=MONDAY)
    assert [e["id"] for e in response.json()["entries"]] == [copied.id]
    assert copied.status == EntryStatus.REGISTERED


# --- approval ---------------------------------------------------------------------------------


def test_the_approval_queue_is_grouped_by_person_and_week(employee, manager):
    first, second = _submitted(employee, date=MONDAY), _submitted(employee, date=TUESDAY)
    _submitted(manager)

    response = client_for(manager).get(url("approvals"))

    assert response.status_code == 200
    groups = response.json()["groups"]
    assert len(groups) == 1
    group = groups[0]
    assert group["employee"] == {
        "id": employee.id,
        "name": "Åse Ødegård",
        "employee_number": employee.employee_number,
        "department": "Bygg",
    }
    assert (group["year"], group["week"], group["monday"], group["total"]) == (
        2026,
        48,
        "2026-11-23",
        "15.00",
    )
    assert [e["id"] for e in group["entries"]] == [first.id, second.id]


def test_the_approval_queue_is_empty_for_an_employee_and_another_departments_manager(
    employee, colleague, other_manager
):
    _submitted(colleague)

    assert client_for(employee).get(url("approvals")).json() == {"groups": []}
    assert client_for(other_manager).get(url("approvals")).json() == {"groups": []}


def test_the_approval_queue_for_one_person(employee, colleague, administrator):
    own = _submitted(employee)
    _submitted(colleague)

    response = client_for(administrator).get(url("approvals"), {"employee": employee.id})

    assert [e["id"] for g in response.json()["groups"] for e in g["entries"]] == [own.id]


def test_the_manager_approves_several_entries(employee, manager):
    entries = [_submitted(employee, date=MONDAY), _submitted(employee, date=TUESDAY)]

    response = client_for(manager).post(url("approve"), {"entries": [e.id for e in entries]}, format="json")

    assert response.status_code == 200
    assert [e["status"] for e in response.json()["entries"]] == ["approved", "approved"]
    assert set(HourEntry.objects.values_list("status", "decided_by")) == {(EntryStatus.APPROVED, manager.id)}


@pytest.mark.parametrize(
    ("actor_name", "message"),
    [
        ("other_manager", services.NOT_YOUR_DEPARTMENT),
        ("colleague", services.NOT_YOUR_DEPARTMENT),
        ("employee", services.OWN_HOURS),
    ],
)
def test_who_may_not_approve(request, employee, actor_name, message):
    entry = _submitted(employee)

    response = client_for(request.getfixturevalue(actor_name)).post(
        url("approve"), {"entries": [entry.id]}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": str(message)}
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


def test_an_administrator_approves_but_never_own_hours(employee, administrator):
    employees_entry, own = _submitted(employee), _submitted(administrator)
    client = client_for(administrator)

    allowed = client.post(url("approve"), {"entries": [employees_entry.id]}, format="json")
    refused = client.post(url("approve"), {"entries": [own.id]}, format="json")

    assert allowed.status_code == 200
    assert (refused.status_code, refused.json()) == (403, {"detail": str(services.OWN_HOURS)})
    own.refresh_from_db()
    assert own.status == EntryStatus.SUBMITTED


def test_approving_twice_is_refused_the_second_time(employee, manager):
    entry = _submitted(employee)
    client = client_for(manager)

    client.post(url("approve"), {"entries": [entry.id]}, format="json")
    second = client.post(url("approve"), {"entries": [entry.id]}, format="json")

    assert second.status_code == 409
    assert second.json() == {"non_field_errors": [str(services.ENTRY_NOT_SUBMITTED)]}


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"entries": [str(serializers.ENTRIES_REQUIRED)]}),
        ({"entries": []}, {"entries": [str(serializers.ENTRIES_REQUIRED)]}),
        ({"entries": ["x"]}, {"entries": {"0": [str(serializers.ID_INVALID)]}}),
        ({"entries": [2**70]}, {"entries": {"0": [str(serializers.ID_INVALID)]}}),
    ],
)
def test_approve_refuses_a_malformed_selection(manager, payload, errors):
    response = client_for(manager).post(url("approve"), payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors


def test_a_payroll_integration_blocker_is_reported_and_nothing_is_approved(employee, manager):
    entry = _submitted(employee)

    class Blocking(NoIntegration):
        def approval_blockers(self, *, company, entries):
            return {e.id: "Ansattnummeret finnes ikke i Tripletex." for e in entries}

        def entries_approved(self, *, company, entries):
            raise AssertionError("must not be called")

        def entries_reopened(self, *, company, entries, prepared):
            return None

    integration_register(Blocking())

    response = client_for(manager).post(url("approve"), {"entries": [entry.id]}, format="json")

    assert response.status_code == 409
    assert response.json() == {"non_field_errors": ["Ansattnummeret finnes ikke i Tripletex."]}
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


def test_reject_requires_a_reason(employee, manager):
    entry = _submitted(employee)

    response = client_for(manager).post(url("reject"), {"entries": [entry.id], "reason": "  "}, format="json")

    assert response.status_code == 400
    assert response.json() == {"reason": [str(services.REASON_REQUIRED)]}
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


def test_reject_with_a_reason_tells_the_employee(employee, manager, django_capture_on_commit_callbacks):
    entry = _submitted(employee)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(
            url("reject"), {"entries": [entry.id], "reason": "Feil prosjekt"}, format="json"
        )

    assert response.status_code == 200
    assert response.json()["entries"][0]["rejection_reason"] == "Feil prosjekt"
    entry.refresh_from_db()
    assert (entry.status, entry.rejection_reason) == (EntryStatus.REJECTED, "Feil prosjekt")
    assert [message.to for message in mail.outbox] == [[employee.email]]
    assert "Feil prosjekt" in mail.outbox[0].body


def test_an_administrator_reopens_approved_hours(employee, administrator):
    entry = _approved(employee)

    response = client_for(administrator).post(url("reopen"), {"entries": [entry.id]}, format="json")

    assert response.status_code == 200
    entry.refresh_from_db()
    assert (entry.status, entry.decided_at) == (EntryStatus.SUBMITTED, None)


@pytest.mark.parametrize("actor_name", ["manager", "employee"])
def test_only_administrators_reopen(request, employee, actor_name):
    entry = _approved(EmployeeFactory.create(company=employee.company, department=employee.department))

    response = client_for(request.getfixturevalue(actor_name)).post(
        url("reopen"), {"entries": [entry.id]}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": str(services.ONLY_ADMINISTRATORS)}
    entry.refresh_from_db()
    assert entry.status == EntryStatus.APPROVED


# --- look-ups ---------------------------------------------------------------------------------


def test_projects_and_wage_types_are_the_companys_open_ones(employee, company, project, other_company):
    ProjectFactory.create(company=company, is_closed=True)
    ProjectFactory.create(company=other_company)
    client = client_for(employee)

    projects = client.get(url("projects")).json()
    wage_types = client.get(url("wage-types")).json()

    assert projects == [{"id": project.id, "number": "100", "name": "Skolebygg"}]
    builtin = WageType.objects.get(company=company, is_builtin=True)
    assert wage_types == [
        {"id": builtin.id, "number": builtin.number, "name": "Ordinær tid", "is_builtin": True}
    ]


# --- schema and docs --------------------------------------------------------------------------


def test_the_schema_is_valid_openapi_and_lists_every_endpoint(employee):
    response = client_for(employee).get(url("schema"))

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    openapi_validate(schema)
    assert set(schema["paths"]) == {
        "/api/v1/auth/token/",
        "/api/v1/entries/",
        "/api/v1/entries/{entry_id}/",
        "/api/v1/weeks/submit/",
        "/api/v1/weeks/copy-previous/",
        "/api/v1/weeks/{week}/",
        "/api/v1/approvals/",
        "/api/v1/approvals/approve/",
        "/api/v1/approvals/reject/",
        "/api/v1/approvals/reopen/",
        "/api/v1/projects/",
        "/api/v1/wage-types/",
        "/api/v1/reports/hours/",
    }
    assert set(schema["components"]["securitySchemes"]) == {"cookieAuth", "tokenAuth"}
    assert schema["paths"]["/api/v1/entries/"]["get"]["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]


@pytest.mark.parametrize("name", ["docs", "redoc"])
def test_the_docs_pages_point_at_the_schema(employee, name):
    client = client_for(employee)
    response = client.get(url(name))
    # Swagger UI's start-up script, which names the schema, is its own file (no inline scripts).
    script = client.get(url(name) + "?script=").content.decode() if name == "docs" else ""

    assert response.status_code == 200
    assert url("schema") in response.content.decode() + script


# --- another company's ids: 404 exactly like a missing id, and nothing changes -----------------


@pytest.fixture
def foreign(other_company):
    """Another company with a person, a project and hours in every status."""
    person = EmployeeFactory.create(company=other_company)
    return {
        "employee": person.id,
        "project": ProjectFactory.create(company=other_company).id,
        "wage_type": WageType.objects.get(company=other_company, is_builtin=True).id,
        "registered": HourEntryFactory.create(employee=person, date=MONDAY).id,
        "submitted": _submitted(person, date=TUESDAY).id,
        "approved": _approved(person, date=MONDAY + datetime.timedelta(days=2)).id,
    }


def _missing(foreign_ids: dict[str, int]) -> dict[str, int]:
    return dict.fromkeys(foreign_ids, MISSING_ID)


def _sweep_requests(ids: dict[str, int], own: dict[str, int]) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every endpoint, with an id from ``ids`` wherever an id can go."""
    entry = {
        "date": TUESDAY.isoformat(),
        "project": own["project"],
        "wage_type": own["wage_type"],
        "hours": "1",
    }
    return [
        ("get", url("entries"), {"employee": ids["employee"]}),
        ("post", url("entries"), entry | {"employee": ids["employee"]}),
        ("post", url("entries"), entry | {"project": ids["project"]}),
        ("post", url("entries"), entry | {"wage_type": ids["wage_type"]}),
        ("get", url("entry", entry_id=ids["registered"]), None),
        ("put", url("entry", entry_id=ids["registered"]), entry),
        ("patch", url("entry", entry_id=ids["registered"]), {"hours": "2"}),
        ("delete", url("entry", entry_id=ids["registered"]), None),
        ("patch", url("entry", entry_id=own["entry"]), {"project": ids["project"]}),
        ("patch", url("entry", entry_id=own["entry"]), {"wage_type": ids["wage_type"]}),
        ("put", url("entry", entry_id=own["entry"]), entry | {"project": ids["project"]}),
        ("post", url("week-submit"), {"date": MONDAY.isoformat(), "employee": ids["employee"]}),
        ("post", url("week-copy-previous"), {"date": MONDAY.isoformat(), "employee": ids["employee"]}),
        ("get", url("approvals"), {"employee": ids["employee"]}),
        ("post", url("approve"), {"entries": [ids["submitted"]]}),
        ("post", url("approve"), {"entries": [own["submitted"], ids["submitted"]]}),
        ("post", url("reject"), {"entries": [ids["submitted"]], "reason": "Nei"}),
        ("post", url("reject"), {"entries": [own["submitted"], ids["submitted"]], "reason": "Nei"}),
        ("post", url("reopen"), {"entries": [ids["approved"]]}),
        ("post", url("reopen"), {"entries": [own["approved"], ids["approved"]]}),
    ]


def _database_state() -> list[list[Any]]:
    return [
        list(HourEntry.objects.order_by("id").values()),
        list(WageType.objects.order_by("id").values()),
        list(ApiToken.objects.values_list("digest", flat=True)),
    ]


def _send(client: APIClient, method: str, path: str, data: dict[str, Any] | None):
    if method == "get":
        return client.get(path, data)
    return getattr(client, method)(path, data, format="json")


@pytest.mark.parametrize("actor_name", ["administrator", "manager", "employee"])
def test_another_companys_ids_anywhere_are_not_found_and_change_nothing(
    request, employee, project, ordinary, foreign, actor_name
):
    # given an actor with hours of their own company that they could otherwise act on
    actor = request.getfixturevalue(actor_name)
    own = {
        "project": project.id,
        "wage_type": ordinary.id,
        "entry": HourEntryFactory.create(employee=actor, project=project, date=MONDAY).id,
        "submitted": _submitted(employee, date=TUESDAY).id,
        "approved": _approved(employee, date=MONDAY + datetime.timedelta(days=3)).id,
    }
    client = client_for(actor)
    before = _database_state()
    missing_responses = [_send(client, *r) for r in _sweep_requests(_missing(foreign), own)]
    assert _database_state() == before

    for (method, path, data), missing in zip(_sweep_requests(foreign, own), missing_responses, strict=True):
        # when
        response = _send(client, method, path, data)

        # then it answers exactly as for an id that does not exist, and nothing changed
        assert (response.status_code, response.json()) == (missing.status_code, missing.json()), (
            method,
            path,
            data,
        )
        if actor_name == "administrator":
            assert (response.status_code, response.json()) == (404, {"detail": str(api_errors.NOT_FOUND)}), (
                path
            )
        assert _database_state() == before, (method, path, data)


def test_a_huge_entry_id_in_the_path_is_not_found(employee):
    response = client_for(employee).get(f"/api/v1/entries/{2**70}/")

    assert (response.status_code, response.json()) == (404, {"detail": str(api_errors.NOT_FOUND)})


# --- query counts -----------------------------------------------------------------------------


def _count_queries(client: APIClient, path: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, data)
    assert response.status_code == 200
    return len(queries), response.json()


@pytest.mark.parametrize("entries", [10, 500])
def test_the_week_list_takes_the_same_queries_for_10_and_500_entries(
    employee, company, entries, django_assert_max_num_queries
):
    projects = ProjectFactory.create_batch(5, company=company)
    for index in range(entries):
        HourEntryFactory.create(
            employee=employee,
            project=projects[index % 5],
            date=MONDAY + datetime.timedelta(days=index % 7),
            hours=Decimal("0.25"),
        )
    client = client_for(employee)

    with django_assert_max_num_queries(WEEK_LIST_MAX_QUERIES):
        response = client.get(url("entries"), {"year": 2026, "week": 48})

    assert len(response.json()["entries"]) == entries


@pytest.mark.parametrize("entries", [10, 500])
def test_the_approval_queue_takes_the_same_queries_for_10_and_500_entries(
    manager, company, department, entries, django_assert_max_num_queries
):
    people = [EmployeeFactory.create(company=company, department=department) for _ in range(10)]
    projects = ProjectFactory.create_batch(5, company=company)
    for index in range(entries):
        _submitted(
            people[index % 10],
            project=projects[index % 5],
            date=MONDAY + datetime.timedelta(days=index % 21),
            hours=Decimal("0.25"),
        )
    client = client_for(manager)

    with django_assert_max_num_queries(APPROVAL_LIST_MAX_QUERIES):
        response = client.get(url("approvals"))

    assert sum(len(g["entries"]) for g in response.json()["groups"]) == entries


def test_query_counts_do_not_grow_with_entries(employee, manager):
    """The same numbers at 10 and at 500 entries, measured exactly (reported in issue 2's note)."""
    client_employee, client_manager = client_for(employee), client_for(manager)
    week = {"year": 2026, "week": 48}
    counts = []
    for total in (10, 500):
        HourEntry.objects.all().delete()
        for index in range(total):
            HourEntryFactory.create(
                employee=employee, date=MONDAY + datetime.timedelta(days=index % 7), hours=1
            )
        HourEntry.objects.filter(employee=employee).update(status=EntryStatus.SUBMITTED, submitted_at=NOW)
        week_queries, week_body = _count_queries(client_employee, url("entries"), week)
        queue_queries, queue_body = _count_queries(client_manager, url("approvals"), {})
        assert len(week_body["entries"]) == total
        assert sum(len(g["entries"]) for g in queue_body["groups"]) == total
        counts.append((week_queries, queue_queries))

    assert counts[0] == counts[1]
    assert counts[0][0] <= WEEK_LIST_MAX_QUERIES
    assert counts[0][1] <= APPROVAL_LIST_MAX_QUERIES


@pytest.mark.parametrize("projects", [10, 500])
def test_the_project_list_takes_the_same_queries_for_10_and_500_projects(
    employee, company, projects, django_assert_max_num_queries
):
    ProjectFactory.create_batch(projects, company=company)
    client = client_for(employee)

    with django_assert_max_num_queries(LOOKUP_LIST_MAX_QUERIES):
        response = client.get(url("projects"))

    assert len(response.json()) == projects


def test_token_endpoint_slows_down_password_guessing(db):
    client = APIClient()
    answers = [
        client.post(
            url("token"), {"username": "noen@example.no", "password": f"gjett-{n}"}, format="json"
        ).status_code
        for n in range(11)
    ]
    assert answers[:10] == [400] * 10
    assert answers[10] == 429
