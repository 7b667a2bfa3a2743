"""Who approves is one truth: the role and the department's manager list cannot disagree.

Every approval path (the «Godkjenning» page's buttons and the API) is run for every kind of actor
against hours of someone in a department and of someone in none.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from hr import services
from hr.models import Department, Employee, EntryStatus, HourEntry, Role
from hr.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    administrator_of,
    manager_of,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 23)
SENT = datetime.datetime(2026, 11, 23, 16, 0, tzinfo=datetime.UTC)


def demote(employee: Employee, *, by: Employee) -> None:
    """«Ansatte» → the person → Rolle «Ansatt» → Lagre, through the real page."""
    client = Client()
    assert by.user is not None
    client.force_login(by.user)
    response = client.post(
        reverse("hr:settings_employee", args=[employee.id]),
        {
            "first_name": employee.first_name,
            "last_name": employee.last_name,
            "email": employee.email,
            "employee_number": employee.employee_number,
            "role": Role.EMPLOYEE,
            "department": employee.department_id or "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()


def _colleague(department: Department) -> Employee:
    return EmployeeFactory.create(company=department.company, department=department)


def _manager_of_department(department: Department) -> Employee:
    return manager_of(department)


def _manager_of_other(department: Department) -> Employee:
    return manager_of(DepartmentFactory.create(company=department.company, name="Drift"))


def _manager_of_none(department: Department) -> Employee:
    return EmployeeFactory.create(company=department.company, role=Role.MANAGER)


def _administrator(department: Department) -> Employee:
    return administrator_of(department.company)


def _administrator_leading_other(department: Department) -> Employee:
    administrator = administrator_of(department.company)
    DepartmentFactory.create(company=department.company, name="Drift").managers.add(administrator)
    return administrator


def _demoted_manager(department: Department) -> Employee:
    manager = manager_of(department)
    demote(manager, by=administrator_of(department.company))
    manager.refresh_from_db()
    return manager


# actor kind → (how to make one, may approve hours in the department, may approve hours of no department)
ACTORS: dict[str, tuple[Callable[[Department], Employee], bool, bool]] = {
    "colleague": (_colleague, False, False),
    "manager of the department": (_manager_of_department, True, False),
    "manager of another department": (_manager_of_other, False, False),
    "manager of no department": (_manager_of_none, False, False),
    "administrator": (_administrator, True, True),
    "administrator leading another department": (_administrator_leading_other, True, True),
    "manager demoted to «Ansatt»": (_demoted_manager, False, False),
}


# «Godkjenning» opens for administrators and for whoever leads at least one department.
OPENS_APPROVAL_PAGE = {
    "manager of the department",
    "manager of another department",
    "administrator",
    "administrator leading another department",
}


def _page_approve(client: Client, entry: HourEntry) -> None:
    client.post(reverse("hr:approval"), {"action": f"approve:{entry.id}"})


def _page_reject(client: Client, entry: HourEntry) -> None:
    client.post(reverse("hr:approval"), {"action": f"reject:{entry.id}", f"reason-{entry.id}": "Feil"})


def _page_approve_week(client: Client, entry: HourEntry) -> None:
    client.post(reverse("hr:approval"), {"action": f"approve-week:{entry.employee_id}-{MONDAY.isoformat()}"})


def _page_approve_selected(client: Client, entry: HourEntry) -> None:
    client.post(reverse("hr:approval"), {"action": "approve-selected", "entries": [entry.id]})


def _api_approve(client: Client, entry: HourEntry) -> None:
    client.post(reverse("v1:approve"), {"entries": [entry.id]}, content_type="application/json")


def _api_reject(client: Client, entry: HourEntry) -> None:
    client.post(
        reverse("v1:reject"), {"entries": [entry.id], "reason": "Feil"}, content_type="application/json"
    )


PATHS: dict[str, tuple[Callable[[Client, HourEntry], None], str]] = {
    "page approve": (_page_approve, EntryStatus.APPROVED),
    "page reject": (_page_reject, EntryStatus.REJECTED),
    "page approve week": (_page_approve_week, EntryStatus.APPROVED),
    "page approve selected": (_page_approve_selected, EntryStatus.APPROVED),
    "api approve": (_api_approve, EntryStatus.APPROVED),
    "api reject": (_api_reject, EntryStatus.REJECTED),
}


@pytest.mark.parametrize("target", ["in the department", "in no department"])
@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("actor_kind", sorted(ACTORS))
def test_approval_rights_follow_role_and_department(company, department, actor_kind, path, target):
    # given
    make_actor, may_in_department, may_without_department = ACTORS[actor_kind]
    actor = make_actor(department)
    worker = EmployeeFactory.create(
        company=company, department=department if target == "in the department" else None
    )
    entry = HourEntryFactory.create(
        employee=worker, date=MONDAY, status=EntryStatus.SUBMITTED, submitted_at=SENT
    )
    client = Client()
    assert actor.user is not None
    client.force_login(actor.user)
    action, decided_status = PATHS[path]

    # when
    action(client, entry)

    # then
    entry.refresh_from_db()
    allowed = may_in_department if target == "in the department" else may_without_department
    assert entry.status == (decided_status if allowed else EntryStatus.SUBMITTED)
    queue = client.get(reverse("v1:approvals"))
    assert queue.status_code == 200
    assert (entry.id in [e["id"] for g in queue.json()["groups"] for e in g["entries"]]) is False


@pytest.mark.parametrize("actor_kind", sorted(ACTORS))
def test_the_approval_page_and_queue_show_only_what_the_actor_may_approve(company, department, actor_kind):
    make_actor, may_in_department, _may_without = ACTORS[actor_kind]
    actor = make_actor(department)
    worker = EmployeeFactory.create(company=company, department=department)
    entry = HourEntryFactory.create(
        employee=worker, date=MONDAY, status=EntryStatus.SUBMITTED, submitted_at=SENT
    )
    client = Client()
    assert actor.user is not None
    client.force_login(actor.user)

    queue = client.get(reverse("v1:approvals")).json()["groups"]
    page = client.get(reverse("hr:approval"))

    assert (entry.id in [e["id"] for g in queue for e in g["entries"]]) is may_in_department
    assert page.status_code == (200 if actor_kind in OPENS_APPROVAL_PAGE else 403)


def test_demoting_a_manager_removes_them_from_every_department_they_led(company, department, administrator):
    # given
    other = DepartmentFactory.create(company=company, name="Drift")
    manager = manager_of(department)
    other.managers.add(manager)

    # when
    demote(manager, by=administrator)

    # then: «Avdelinger» and «Ansatte» tell the same story
    manager.refresh_from_db()
    assert manager.role == Role.EMPLOYEE
    assert not Department.objects.filter(managers=manager).exists()
    client = Client()
    client.force_login(administrator.user)
    departments_page = client.get(reverse("hr:settings_departments")).content.decode()
    employees_page = client.get(reverse("hr:settings_employees")).content.decode()
    assert manager.full_name not in departments_page
    row = employees_page.split(manager.full_name, 1)[1].split("</tr>", 1)[0]
    assert "Ansatt" in row
    assert "Bygg" in row  # their own department, not one they lead
    assert "Drift" not in row


def test_making_someone_a_department_manager_makes_them_a_manager(company, department, administrator):
    employee = EmployeeFactory.create(company=company, department=department)

    services.department_save(actor=administrator, department=department, name="Bygg", managers=[employee])

    employee.refresh_from_db()
    assert employee.role == Role.MANAGER
    client = Client()
    client.force_login(administrator.user)
    row = client.get(reverse("hr:settings_employees")).content.decode().split(employee.full_name, 1)[1]
    assert "Leder" in row.split("</tr>", 1)[0]


def test_a_demoted_manager_gets_no_more_sent_in_notifications(
    company, department, administrator, django_capture_on_commit_callbacks
):
    manager = manager_of(department)
    worker = EmployeeFactory.create(company=company, department=department)
    HourEntryFactory.create(employee=worker, date=MONDAY)
    demote(manager, by=administrator)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.week_submit(actor=worker, employee=worker, monday=MONDAY)

    recipients = {address for message in mail.outbox for address in message.to}
    assert administrator.email in recipients
    assert manager.email not in recipients


def test_a_department_list_left_behind_gives_no_rights(company, department):
    """Should the two ever disagree (data from before the fix), the role wins."""
    stale = EmployeeFactory.create(company=company, department=department, role=Role.EMPLOYEE)
    department.managers.add(stale)
    worker = EmployeeFactory.create(company=company, department=department)
    entry = HourEntryFactory.create(
        employee=worker, date=MONDAY, status=EntryStatus.SUBMITTED, submitted_at=SENT
    )
    client = Client()
    assert stale.user is not None
    client.force_login(stale.user)

    response = client.post(reverse("v1:approve"), {"entries": [entry.id]}, content_type="application/json")

    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED
