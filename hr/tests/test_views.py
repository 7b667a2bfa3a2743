"""Pages: access, forms, bad input, company scoping and query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.http import HttpRequest
from django.urls import reverse

from hr import forms, services
from hr.models import Department, Employee, EntryStatus, HourEntry, Project, Role, WageType
from hr.tests.factories import (
    PASSWORD,
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    ProjectFactory,
    WageTypeFactory,
    administrator_of,
    manager_of,
)

MONDAY = datetime.date(2026, 11, 23)
SENT = datetime.datetime(2026, 11, 23, 16, 0, tzinfo=datetime.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _wednesday_of_week_48():
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


def login(client, employee: Employee) -> None:
    assert client.login(request=HttpRequest(), username=employee.email, password=PASSWORD)


def week_url(**query: object) -> str:
    params = {"year": 2026, "week": 48, **query}
    return reverse("hr:week") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("hr:week"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_is_norwegian(client):
    response = client.get(reverse("login"))
    assert "Logg inn" in response.content.decode()
    assert "Glemt passordet?" in response.content.decode()


def new_row(project, wage_type, day: int, hours: str, comment: str = "") -> dict[str, object]:
    """The grid's POST for one cell of a row added with «Legg til rad»."""
    data = {
        "new_rows": "1",
        "new0-project": project.id,
        "new0-wage_type": wage_type.id,
        f"h-new0-{day}": hours,
    }
    if comment:
        data[f"c-new0-{day}"] = comment
    return data


def test_week_grid_registers_hours_with_norwegian_decimal(client, employee):
    # given
    project = ProjectFactory.create(company=employee.company)
    ordinary = WageType.objects.get(company=employee.company, is_builtin=True)
    login(client, employee)
    # when: Tuesday of a new row
    response = client.post(week_url(), new_row(project, ordinary, 1, "7,5", "Forskaling"))
    # then
    assert response.status_code == 302
    entry = HourEntry.objects.get(employee=employee)
    assert (entry.date, entry.hours, entry.comment) == (
        datetime.date(2026, 11, 24),
        Decimal("7.50"),
        "Forskaling",
    )
    page = client.get(week_url()).content.decode()
    assert 'value="7,5"' in page
    assert "Forskaling" in page


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", services.HOURS_NOT_POSITIVE),
        ("-3", services.HOURS_NOT_POSITIVE),
        ("7,555", services.HOURS_TOO_MANY_DECIMALS),
        ("NaN", services.HOURS_NOT_A_NUMBER),
        ("sju", services.HOURS_NOT_A_NUMBER),
        ("٣", services.HOURS_NOT_A_NUMBER),
    ],
)
def test_week_grid_refuses_bad_hours_keeps_what_was_typed_and_saves_nothing(client, employee, hours, message):
    project = ProjectFactory.create(company=employee.company)
    ordinary = WageType.objects.get(company=employee.company, is_builtin=True)
    login(client, employee)
    data = new_row(project, ordinary, 1, hours)
    data["h-new0-2"] = "8"  # a good cell beside it is not saved either: one transaction
    response = client.post(week_url(), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert str(message) in page
    assert f'value="{hours}"' in page
    assert 'aria-invalid="true"' in page
    assert not HourEntry.objects.exists()


def test_week_grid_refuses_more_than_24_hours_a_day(client, employee):
    project = ProjectFactory.create(company=employee.company)
    HourEntryFactory.create(
        employee=employee, project=project, date=datetime.date(2026, 11, 24), hours=Decimal("20")
    )
    other = ProjectFactory.create(company=employee.company)
    ordinary = WageType.objects.get(company=employee.company, is_builtin=True)
    login(client, employee)
    response = client.post(week_url(), new_row(other, ordinary, 1, "5"))
    assert response.status_code == 400
    assert "Du kan ikke føre mer enn 24 timer på én dag (allerede ført: 20 t)." in response.content.decode()
    assert HourEntry.objects.count() == 1


def test_week_grid_refuses_another_companys_project_as_a_field_error(client, employee, other_company):
    foreign = ProjectFactory.create(company=other_company)
    ordinary = WageType.objects.get(company=employee.company, is_builtin=True)
    login(client, employee)
    response = client.post(week_url(), new_row(foreign, ordinary, 1, "4"))
    assert response.status_code == 400
    assert str(forms.PROJECT_INVALID) in response.content.decode()
    assert not HourEntry.objects.exists()


def test_week_grid_refuses_closed_project(client, employee):
    closed = ProjectFactory.create(company=employee.company, is_closed=True)
    ordinary = WageType.objects.get(company=employee.company, is_builtin=True)
    login(client, employee)
    response = client.post(week_url(), new_row(closed, ordinary, 1, "4"))
    assert response.status_code == 400
    assert not HourEntry.objects.exists()


def test_send_in_notifies_managers_and_administrators(
    client, employee, manager, administrator, django_capture_on_commit_callbacks
):
    HourEntryFactory.create(employee=employee, date=MONDAY)
    login(client, employee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("hr:week_submit"), {"monday": MONDAY.isoformat()})
    assert response.status_code == 302
    assert HourEntry.objects.get().status == EntryStatus.SUBMITTED
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([manager.email, administrator.email])
    assert "til godkjenning" in mail.outbox[0].subject


def test_copy_previous_week(client, employee):
    HourEntryFactory.create(
        employee=employee,
        date=MONDAY - datetime.timedelta(days=7),
        status=EntryStatus.APPROVED,
        submitted_at=SENT,
        decided_at=SENT,
    )
    login(client, employee)
    client.post(reverse("hr:week_copy"), {"monday": MONDAY.isoformat()})
    copied = HourEntry.objects.get(date=MONDAY)
    assert copied.status == EntryStatus.REGISTERED
    assert copied.hours == Decimal("7.50")


def test_edit_and_delete_only_while_editable(client, employee):
    entry = HourEntryFactory.create(
        employee=employee, date=MONDAY, status=EntryStatus.SUBMITTED, submitted_at=SENT
    )
    login(client, employee)
    response = client.post(reverse("hr:entry_delete", args=[entry.id]))
    assert response.status_code == 302
    assert HourEntry.objects.filter(id=entry.id).exists()
    edit = client.get(reverse("hr:entry_edit", args=[entry.id]), follow=True)
    assert str(services.ENTRY_NOT_EDITABLE) in edit.content.decode()


def test_rejected_entry_shows_reason_and_can_be_edited(client, employee):
    entry = HourEntryFactory.create(
        employee=employee,
        date=MONDAY,
        status=EntryStatus.REJECTED,
        rejection_reason="Feil prosjekt",
        submitted_at=SENT,
        decided_at=SENT,
    )
    login(client, employee)
    page = client.get(week_url()).content.decode()
    assert "Feil prosjekt" in page
    response = client.post(
        reverse("hr:entry_edit", args=[entry.id]),
        {"date": "2026-11-23", "project": entry.project_id, "wage_type": entry.wage_type_id, "hours": "6"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.hours == Decimal("6.00")


def test_manager_approves_and_rejects_with_reason(
    client, employee, manager, django_capture_on_commit_callbacks
):
    first = HourEntryFactory.create(
        employee=employee, date=MONDAY, status=EntryStatus.SUBMITTED, submitted_at=SENT
    )
    second = HourEntryFactory.create(
        employee=employee,
        date=MONDAY + datetime.timedelta(days=1),
        project=first.project,
        status=EntryStatus.SUBMITTED,
        submitted_at=SENT,
    )
    login(client, manager)
    page = client.get(reverse("hr:approval")).content.decode()
    assert employee.full_name in page
    # a rejection without a reason is refused
    client.post(reverse("hr:approval"), {"action": f"reject:{first.id}", f"reason-{first.id}": ""})
    first.refresh_from_db()
    assert first.status == EntryStatus.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("hr:approval"), {"action": f"reject:{first.id}", f"reason-{first.id}": "Feil dato"}
        )
    client.post(reverse("hr:approval"), {"action": f"approve:{second.id}"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.rejection_reason) == (EntryStatus.REJECTED, "Feil dato")
    assert second.status == EntryStatus.APPROVED
    assert [m.to for m in mail.outbox] == [[employee.email]]


def test_approve_whole_week_and_selected(client, employee, administrator):
    entries = [
        HourEntryFactory.create(
            employee=employee,
            date=MONDAY + datetime.timedelta(days=d),
            status=EntryStatus.SUBMITTED,
            submitted_at=SENT,
        )
        for d in range(3)
    ]
    login(client, administrator)
    client.post(reverse("hr:approval"), {"action": "approve-selected", "entries": [entries[0].id]})
    assert HourEntry.objects.get(id=entries[0].id).status == EntryStatus.APPROVED
    client.post(reverse("hr:approval"), {"action": f"approve-week:{employee.id}-{MONDAY.isoformat()}"})
    assert set(HourEntry.objects.values_list("status", flat=True)) == {EntryStatus.APPROVED}


def test_manager_never_approves_own_hours_and_queue_hides_them(client, manager):
    own = HourEntryFactory.create(
        employee=manager, date=MONDAY, status=EntryStatus.SUBMITTED, submitted_at=SENT
    )
    login(client, manager)
    assert f'id="entry-{own.id}"' not in client.get(reverse("hr:approval")).content.decode()
    response = client.post(reverse("hr:approval"), {"action": f"approve:{own.id}"}, follow=True)
    assert str(services.OWN_HOURS) in response.content.decode()
    assert HourEntry.objects.get(id=own.id).status == EntryStatus.SUBMITTED


def test_manager_of_another_department_cannot_approve(client, employee, company):
    other_department = DepartmentFactory.create(company=company, name="Anlegg")
    outsider = manager_of(other_department)
    entry = HourEntryFactory.create(
        employee=employee, date=MONDAY, status=EntryStatus.SUBMITTED, submitted_at=SENT
    )
    login(client, outsider)
    assert employee.full_name not in client.get(reverse("hr:approval")).content.decode()
    client.post(reverse("hr:approval"), {"action": f"approve:{entry.id}"})
    assert HourEntry.objects.get(id=entry.id).status == EntryStatus.SUBMITTED


def test_employee_has_no_approval_page_and_no_settings(client, employee):
    login(client, employee)
    assert client.get(reverse("hr:approval")).status_code == 403
    assert client.get(reverse("hr:settings_general")).status_code == 403


def test_manager_sends_in_on_behalf_of_employee(client, employee, manager):
    HourEntryFactory.create(employee=employee, date=MONDAY)
    login(client, manager)
    assert employee.full_name in client.get(week_url(employee=employee.id)).content.decode()
    client.post(reverse("hr:week_submit"), {"monday": MONDAY.isoformat(), "employee": employee.id})
    entry = HourEntry.objects.get()
    assert (entry.status, entry.submitted_by) == (EntryStatus.SUBMITTED, manager)


def test_employee_cannot_act_for_a_colleague(client, employee, company, department):
    colleague = EmployeeFactory.create(company=company, department=department)
    login(client, employee)
    assert client.get(week_url(employee=colleague.id)).status_code == 403


def test_administrator_invites_employee_by_email(
    client, administrator, department, django_capture_on_commit_callbacks
):
    login(client, administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("hr:settings_employee_new"),
            {
                "first_name": "Ærlig",
                "last_name": "Øvrebø",
                "email": "NY@Example.no",
                "employee_number": "77",
                "role": Role.EMPLOYEE,
                "department": department.id,
            },
        )
    assert response.status_code == 302
    invited = Employee.objects.get(employee_number="77")
    assert invited.user is not None and not invited.user.has_usable_password()
    assert mail.outbox[0].to == ["ny@example.no"]
    assert "/passord/" in mail.outbox[0].body


def test_invited_employee_sets_password_from_the_link_and_logs_in(client, administrator, department):
    employee = services.employee_invite(
        actor=administrator,
        first_name="Nina",
        last_name="Li",
        email="nina@example.no",
        employee_number="88",
        role=Role.EMPLOYEE,
        department=department,
    )
    from hr.notifications import password_link

    link = password_link(employee).split("127.0.0.1:8000", 1)[1]
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(
        set_url, {"new_password1": "et-langt-passord-42", "new_password2": "et-langt-passord-42"}
    )
    assert response.status_code == 302
    assert client.login(request=HttpRequest(), username="nina@example.no", password="et-langt-passord-42")


def test_settings_tabs_manage_projects_departments_and_wage_types(client, administrator, company):
    login(client, administrator)
    assert (
        client.post(reverse("hr:settings_project_new"), {"number": "P-9", "name": "Bro"}).status_code == 302
    )
    assert client.post(reverse("hr:settings_department_new"), {"name": "Verksted"}).status_code == 302
    assert (
        client.post(
            reverse("hr:settings_wage_type_new"), {"number": "1030", "name": "Reisetid", "is_active": "on"}
        ).status_code
        == 302
    )
    duplicate = client.post(reverse("hr:settings_project_new"), {"number": "P-9", "name": "Annen bro"})
    assert duplicate.status_code == 400
    assert "Prosjektnummeret P-9 er allerede i bruk." in duplicate.content.decode()
    assert Project.objects.filter(company=company, number="P-9").count() == 1
    assert Department.objects.filter(company=company, name="Verksted").exists()
    assert WageType.objects.filter(company=company, number="1030").exists()
    general = client.get(reverse("hr:settings_general")).content.decode()
    assert general.index("Integrasjoner") > general.index("Organisasjonsnummer")


def test_another_companys_ids_are_not_found_on_every_page(client, employee, other_company):
    """Every URL with an id answers 404 for another company's object, exactly as for a missing id."""
    # given: an administrator here, and objects of another company
    admin = administrator_of(employee.company)
    foreign_employee = EmployeeFactory.create(company=other_company)
    foreign_entry = HourEntryFactory.create(employee=foreign_employee, date=MONDAY)
    foreign = {
        "entry": foreign_entry.id,
        "employee": foreign_employee.id,
        "department": foreign_employee.department_id,
        "project": ProjectFactory.create(company=other_company).id,
        "wage_type": WageTypeFactory.create(company=other_company).id,
    }
    login(client, admin)
    before = list(HourEntry.objects.order_by("id").values()), list(Employee.objects.order_by("id").values())
    urls = [
        ("get", reverse("hr:entry_edit", args=[foreign["entry"]])),
        ("post", reverse("hr:entry_edit", args=[foreign["entry"]])),
        ("post", reverse("hr:entry_delete", args=[foreign["entry"]])),
        ("get", reverse("hr:settings_employee", args=[foreign["employee"]])),
        ("post", reverse("hr:settings_employee", args=[foreign["employee"]])),
        ("get", reverse("hr:settings_department", args=[foreign["department"]])),
        ("post", reverse("hr:settings_department", args=[foreign["department"]])),
        ("get", reverse("hr:settings_project", args=[foreign["project"]])),
        ("post", reverse("hr:settings_project", args=[foreign["project"]])),
        ("get", reverse("hr:settings_wage_type", args=[foreign["wage_type"]])),
        ("post", reverse("hr:settings_wage_type", args=[foreign["wage_type"]])),
        ("get", week_url(employee=foreign["employee"])),
        ("post", reverse("hr:week_submit") + f"?employee={foreign['employee']}"),
        ("post", reverse("hr:week_copy") + f"?employee={foreign['employee']}"),
    ]
    missing = 987654321
    for method, url in urls:
        # when
        response = getattr(client, method)(url, {"monday": MONDAY.isoformat()} if method == "post" else None)
        # then
        assert response.status_code == 404, url
    # and the approval actions on a foreign entry change nothing either
    assert client.post(reverse("hr:approval"), {"action": f"approve:{foreign_entry.id}"}).status_code == 404
    assert (
        client.post(
            reverse("hr:approval"), {"action": f"reject:{missing}", f"reason-{missing}": "x"}
        ).status_code
        == 404
    )
    after = list(HourEntry.objects.order_by("id").values()), list(Employee.objects.order_by("id").values())
    assert before == after


def test_missing_ids_answer_like_foreign_ones(client, administrator):
    login(client, administrator)
    for name in (
        "hr:entry_edit",
        "hr:settings_employee",
        "hr:settings_department",
        "hr:settings_project",
        "hr:settings_wage_type",
    ):
        assert client.get(reverse(name, args=[987654321])).status_code == 404


def _fill(employee: Employee, count: int, status: str) -> None:
    projects = [ProjectFactory.create(company=employee.company) for _ in range(5)]
    ordinary = WageType.objects.get(company=employee.company, is_builtin=True)
    HourEntry.objects.bulk_create(
        HourEntry(
            company=employee.company,
            employee=employee,
            date=MONDAY + datetime.timedelta(days=i % 7),
            project=projects[i % 5],
            wage_type=ordinary,
            hours=Decimal("0.01"),
            status=status,
            submitted_at=None if status == EntryStatus.REGISTERED else SENT,
        )
        for i in range(count)
    )


WEEK_VIEW_MAX_QUERIES = 12


@pytest.mark.parametrize("count", [10, 500])
def test_week_view_query_count_is_constant(client, employee, django_assert_max_num_queries, count):
    _fill(employee, count, EntryStatus.REGISTERED)
    login(client, employee)
    with django_assert_max_num_queries(WEEK_VIEW_MAX_QUERIES):
        response = client.get(week_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="badge status-registered"') == count


def test_support_staff_admin_lists_entries(client, employee):
    from hr.models import User

    HourEntryFactory.create(employee=employee, date=MONDAY)
    User.objects.create_superuser(email="support@gronnjobb.no", password=PASSWORD)
    assert client.login(request=HttpRequest(), username="support@gronnjobb.no", password=PASSWORD)
    for name in ("hourentry", "employee", "company", "project", "wagetype", "department", "user"):
        assert client.get(reverse(f"admin:hr_{name}_changelist")).status_code == 200


def test_sent_in_again_after_rejection_forgets_the_old_decision(client, employee, manager):
    entry = HourEntryFactory.create(
        employee=employee,
        date=MONDAY,
        status=EntryStatus.REJECTED,
        rejection_reason="Feil prosjekt",
        submitted_at=SENT,
        decided_at=SENT,
        decided_by=manager,
    )
    login(client, employee)
    client.post(reverse("hr:week_submit"), {"monday": MONDAY.isoformat()})
    entry.refresh_from_db()
    assert (entry.status, entry.decided_by, entry.decided_at, entry.rejection_reason) == (
        EntryStatus.SUBMITTED,
        None,
        None,
        "",
    )
