"""Services: hour entries, sending in, approval, reopening — and every bad input from issue 2."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from hr import access, services
from hr.integration import NoIntegration, integration_register
from hr.models import Employee, EntryStatus, HourEntry, Project, WageType
from hr.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    ProjectFactory,
    WageTypeFactory,
    administrator_of,
    manager_of,
)
from hr.weeks import today_local

MONDAY = datetime.date(2026, 11, 23)
TUESDAY = MONDAY + datetime.timedelta(days=1)


@pytest.fixture
def project(company):
    return ProjectFactory.create(company=company, number="100", name="Skolebygg")


@pytest.fixture
def ordinary(company):
    return WageType.objects.get(company=company, is_builtin=True)


@pytest.fixture
def other_department(company):
    return DepartmentFactory.create(company=company, name="Anlegg")


@pytest.fixture
def other_manager(other_department):
    return manager_of(other_department)


def _create(
    actor: Employee,
    employee: Employee,
    project: Project,
    wage_type: WageType,
    hours: str = "7,5",
    date: datetime.date = TUESDAY,
    comment: str = "",
) -> HourEntry:
    return services.entry_create(
        actor=actor,
        employee=employee,
        date=date,
        project=project,
        wage_type=wage_type,
        hours=hours,
        comment=comment,
    )


def _submitted(employee: Employee, **kwargs: Any) -> HourEntry:
    return HourEntryFactory.create(
        employee=employee,
        status=EntryStatus.SUBMITTED,
        submitted_at=datetime.datetime.now(datetime.UTC),
        **kwargs,
    )


def _approved(employee: Employee, **kwargs: Any) -> HourEntry:
    now = datetime.datetime.now(datetime.UTC)
    return HourEntryFactory.create(
        employee=employee, status=EntryStatus.APPROVED, submitted_at=now, decided_at=now, **kwargs
    )


class FakePayroll(NoIntegration):
    """A payroll integration of a few lines: optional blockers, and a record of what it was told.

    Built on NoIntegration so hooks added to the seam later (none of approval's business) still exist.
    """

    def __init__(self, blockers: dict[int, str] | None = None, refuse_reopen: str = ""):
        self.blockers = blockers or {}
        self.refuse_reopen = refuse_reopen
        self.approved: list[tuple[int, str]] = []
        self.reopened: list[int] = []

    def approval_blockers(self, *, company, entries):
        return {e.id: message for e in entries if (message := self.blockers.get(e.id))}

    def entries_approved(self, *, company, entries):
        self.approved.extend((e.id, e.status) for e in entries)

    def entries_reopened(self, *, company, entries, prepared):
        if self.refuse_reopen:
            raise ValidationError(self.refuse_reopen)
        self.reopened.extend(e.id for e in entries)


@pytest.fixture
def payroll():
    fake = FakePayroll()
    integration_register(fake)
    return fake


# --- hours_parse ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7,5", Decimal("7.50")),
        ("7.5", Decimal("7.50")),
        (7.5, Decimal("7.50")),
        (8, Decimal("8.00")),
        (" 0,25 ", Decimal("0.25")),
        ("24", Decimal("24.00")),
        (Decimal("1.50"), Decimal("1.50")),
    ],
)
def test_hours_parse_accepts_comma_point_and_numbers(value, expected):
    assert services.hours_parse(value) == expected


# --- entry_create -----------------------------------------------------------------------------


def test_entry_create_saves_registered_hours_for_oneself(employee, project, ordinary):
    entry = _create(employee, employee, project, ordinary, hours="7,5", comment="  Forskaling ")

    entry.refresh_from_db()
    assert (entry.hours, entry.status, entry.comment) == (
        Decimal("7.50"),
        EntryStatus.REGISTERED,
        "Forskaling",
    )
    assert entry.company == employee.company
    assert entry.employee == employee


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", services.HOURS_NOT_POSITIVE),
        ("0,00", services.HOURS_NOT_POSITIVE),
        ("-2", services.HOURS_NOT_POSITIVE),
        (-0.5, services.HOURS_NOT_POSITIVE),
        ("7,555", services.HOURS_TOO_MANY_DECIMALS),
        (7.125, services.HOURS_TOO_MANY_DECIMALS),
        ("NaN", services.HOURS_NOT_A_NUMBER),
        (float("nan"), services.HOURS_NOT_A_NUMBER),
        ("inf", services.HOURS_NOT_A_NUMBER),
        ("-Infinity", services.HOURS_NOT_A_NUMBER),
        ("sju og en halv", services.HOURS_NOT_A_NUMBER),
        ("7,5,5", services.HOURS_NOT_A_NUMBER),
        ("1e1", services.HOURS_NOT_A_NUMBER),
        ("1_0", services.HOURS_NOT_A_NUMBER),
        ("0x10", services.HOURS_NOT_A_NUMBER),
        (True, services.HOURS_NOT_A_NUMBER),
        ("", services.HOURS_REQUIRED),
        ("   ", services.HOURS_REQUIRED),
        (None, services.HOURS_REQUIRED),
    ],
)
def test_entry_create_refuses_bad_hours_with_norwegian_message(employee, project, ordinary, hours, message):
    with pytest.raises(ValidationError) as error:
        _create(employee, employee, project, ordinary, hours=hours)

    assert error.value.message_dict == {"hours": [str(message)]}
    assert not HourEntry.objects.exists()


def test_entry_create_refuses_more_than_24_hours_in_one_entry(employee, project, ordinary):
    with pytest.raises(ValidationError) as error:
        _create(employee, employee, project, ordinary, hours="24,5")

    assert error.value.message_dict == {"hours": [services.HOURS_OVER_DAY % {"existing": "0"}]}
    assert not HourEntry.objects.exists()


def test_entry_create_refuses_more_than_24_hours_on_one_day_across_entries(employee, project, ordinary):
    # given 20 hours already on Tuesday, in two entries of different statuses
    _create(employee, employee, project, ordinary, hours="12")
    _submitted(employee, project=project, date=TUESDAY, hours=Decimal("8"))

    # when 4,5 more are registered
    with pytest.raises(ValidationError) as error:
        _create(employee, employee, project, ordinary, hours="4,5")

    # then
    assert error.value.message_dict == {"hours": [services.HOURS_OVER_DAY % {"existing": "20"}]}
    assert HourEntry.objects.count() == 2


def test_entry_create_allows_exactly_24_hours_on_one_day(employee, project, ordinary):
    _create(employee, employee, project, ordinary, hours="20,5")

    _create(employee, employee, project, ordinary, hours="3,5")

    assert sum(e.hours for e in HourEntry.objects.filter(employee=employee, date=TUESDAY)) == Decimal("24")


def test_entry_create_counts_only_the_same_person_towards_24_hours(employee, manager, project, ordinary):
    HourEntryFactory.create(employee=manager, project=project, date=TUESDAY, hours=Decimal("20"))

    entry = _create(employee, employee, project, ordinary, hours="10")

    assert entry.pk is not None


def test_entry_create_refuses_a_date_more_than_a_year_ahead(employee, project, ordinary):
    too_far = today_local() + datetime.timedelta(days=services.MAX_DAYS_AHEAD + 1)

    with pytest.raises(ValidationError) as error:
        _create(employee, employee, project, ordinary, date=too_far)

    assert error.value.message_dict == {"date": [str(services.DATE_TOO_FAR_AHEAD)]}
    assert not HourEntry.objects.exists()


def test_entry_create_allows_a_date_exactly_a_year_ahead(employee, project, ordinary):
    last_allowed = today_local() + datetime.timedelta(days=services.MAX_DAYS_AHEAD)

    entry = _create(employee, employee, project, ordinary, date=last_allowed)

    assert entry.date == last_allowed


def test_entry_create_refuses_a_closed_project(employee, company, ordinary):
    closed = ProjectFactory.create(company=company, number="900", name="Ferdig bygg", is_closed=True)

    with pytest.raises(ValidationError) as error:
        _create(employee, employee, closed, ordinary)

    assert error.value.message_dict == {"project": [services.PROJECT_CLOSED % {"project": "900 Ferdig bygg"}]}
    assert not HourEntry.objects.exists()


def test_entry_create_refuses_a_date_outside_the_project(employee, company, ordinary):
    project = ProjectFactory.create(
        company=company, number="300", name="Bru", start_date=datetime.date(2026, 12, 1)
    )

    with pytest.raises(ValidationError) as error:
        _create(employee, employee, project, ordinary, date=TUESDAY)

    assert error.value.message_dict == {
        "date": [services.PROJECT_NOT_STARTED % {"project": "300 Bru", "date": datetime.date(2026, 12, 1)}]
    }
    assert not HourEntry.objects.exists()


def test_entry_create_refuses_an_inactive_wage_type(employee, company, project):
    inactive = WageTypeFactory.create(company=company, name="Gammel overtid", is_active=False)

    with pytest.raises(ValidationError) as error:
        _create(employee, employee, project, inactive)

    assert error.value.message_dict == {
        "wage_type": [services.WAGE_TYPE_INACTIVE % {"wage_type": "Gammel overtid"}]
    }
    assert not HourEntry.objects.exists()


def test_entry_create_treats_another_companys_project_as_not_found(employee, other_company, ordinary):
    foreign_project = ProjectFactory.create(company=other_company)

    with pytest.raises(Http404):
        _create(employee, employee, foreign_project, ordinary)

    assert not HourEntry.objects.exists()


def test_entry_create_treats_another_companys_wage_type_as_not_found(employee, other_company, project):
    foreign_wage_type = WageType.objects.get(company=other_company, is_builtin=True)

    with pytest.raises(Http404):
        _create(employee, employee, project, foreign_wage_type)

    assert not HourEntry.objects.exists()


def test_entry_create_treats_another_companys_employee_as_not_found(
    administrator, other_company, project, ordinary
):
    foreign_employee = EmployeeFactory.create(company=other_company)

    with pytest.raises(Http404):
        _create(administrator, foreign_employee, project, ordinary)

    assert not HourEntry.objects.exists()


def test_an_employee_cannot_register_hours_for_a_colleague(employee, department, project, ordinary):
    colleague = EmployeeFactory.create(company=employee.company, department=department)

    with pytest.raises(PermissionDenied) as error:
        _create(employee, colleague, project, ordinary)

    assert str(error.value) == str(access.NOT_ALLOWED_FOR_EMPLOYEE)
    assert not HourEntry.objects.exists()


def test_a_manager_of_another_department_cannot_register_hours_for_the_employee(
    employee, other_manager, project, ordinary
):
    with pytest.raises(PermissionDenied) as error:
        _create(other_manager, employee, project, ordinary)

    assert str(error.value) == str(access.NOT_ALLOWED_FOR_EMPLOYEE)
    assert not HourEntry.objects.exists()


@pytest.mark.parametrize("actor_name", ["manager", "administrator"])
def test_the_manager_and_an_administrator_may_register_for_the_employee(
    request, employee, project, ordinary, actor_name
):
    actor = request.getfixturevalue(actor_name)

    entry = _create(actor, employee, project, ordinary)

    assert entry.employee == employee


# --- entry_update / entry_delete --------------------------------------------------------------


@pytest.mark.parametrize("status", [EntryStatus.REGISTERED, EntryStatus.REJECTED])
def test_entry_update_changes_registered_and_rejected_entries(employee, project, ordinary, status):
    now = datetime.datetime.now(datetime.UTC)
    extra = {"submitted_at": now, "decided_at": now, "rejection_reason": "Feil prosjekt"}
    entry = HourEntryFactory.create(
        employee=employee, project=project, status=status, **(extra if status != "registered" else {})
    )

    services.entry_update(
        actor=employee,
        entry=entry,
        date=TUESDAY,
        project=project,
        wage_type=ordinary,
        hours="6",
        comment="Rettet",
    )

    entry.refresh_from_db()
    assert (entry.hours, entry.date, entry.comment) == (Decimal("6.00"), TUESDAY, "Rettet")


@pytest.mark.parametrize("make", [_submitted, _approved], ids=["submitted", "approved"])
def test_entry_update_refuses_sent_in_and_approved_entries(employee, project, ordinary, make):
    entry = make(employee, project=project)

    with pytest.raises(ValidationError) as error:
        services.entry_update(
            actor=employee, entry=entry, date=TUESDAY, project=project, wage_type=ordinary, hours="1"
        )

    assert error.value.messages == [str(services.ENTRY_NOT_EDITABLE)]
    entry.refresh_from_db()
    assert entry.hours == Decimal("7.50")


def test_entry_update_does_not_count_the_entry_itself_towards_24_hours(employee, project, ordinary):
    entry = _create(employee, employee, project, ordinary, hours="20")

    services.entry_update(
        actor=employee, entry=entry, date=TUESDAY, project=project, wage_type=ordinary, hours="24"
    )

    entry.refresh_from_db()
    assert entry.hours == Decimal("24.00")


def test_entry_update_refuses_bad_hours_and_keeps_the_old_value(employee, project, ordinary):
    entry = _create(employee, employee, project, ordinary, hours="7,5")

    with pytest.raises(ValidationError) as error:
        services.entry_update(
            actor=employee, entry=entry, date=TUESDAY, project=project, wage_type=ordinary, hours="inf"
        )

    assert error.value.message_dict == {"hours": [str(services.HOURS_NOT_A_NUMBER)]}
    entry.refresh_from_db()
    assert entry.hours == Decimal("7.50")


def test_entry_update_treats_another_companys_project_as_not_found(
    employee, project, ordinary, other_company
):
    entry = _create(employee, employee, project, ordinary)

    with pytest.raises(Http404):
        services.entry_update(
            actor=employee,
            entry=entry,
            date=TUESDAY,
            project=ProjectFactory.create(company=other_company),
            wage_type=ordinary,
            hours="1",
        )

    entry.refresh_from_db()
    assert entry.project == project


def test_entry_delete_removes_a_registered_entry(employee, project, ordinary):
    entry = _create(employee, employee, project, ordinary)

    services.entry_delete(actor=employee, entry=entry)

    assert not HourEntry.objects.filter(id=entry.id).exists()


@pytest.mark.parametrize("make", [_submitted, _approved], ids=["submitted", "approved"])
def test_entry_delete_refuses_sent_in_and_approved_entries(employee, make):
    entry = make(employee)

    with pytest.raises(ValidationError) as error:
        services.entry_delete(actor=employee, entry=entry)

    assert error.value.messages == [str(services.ENTRY_NOT_EDITABLE)]
    assert HourEntry.objects.filter(id=entry.id).exists()


def test_entry_delete_refuses_a_colleagues_entry(employee, department):
    colleague_entry = HourEntryFactory.create(
        employee=EmployeeFactory.create(company=employee.company, department=department)
    )

    with pytest.raises(PermissionDenied):
        services.entry_delete(actor=employee, entry=colleague_entry)

    assert HourEntry.objects.filter(id=colleague_entry.id).exists()


# --- week_submit / week_copy_previous ---------------------------------------------------------


def test_week_submit_sends_in_the_weeks_registered_and_rejected_hours(
    employee, project, django_capture_on_commit_callbacks
):
    # given a week with a registered, a rejected and an approved entry, and one entry the week after
    registered = HourEntryFactory.create(employee=employee, project=project, date=MONDAY)
    now = datetime.datetime.now(datetime.UTC)
    rejected = HourEntryFactory.create(
        employee=employee,
        project=project,
        date=TUESDAY,
        status=EntryStatus.REJECTED,
        submitted_at=now,
        decided_at=now,
        rejection_reason="Feil dag",
    )
    approved = _approved(employee, project=project, date=MONDAY + datetime.timedelta(days=2))
    next_week = HourEntryFactory.create(
        employee=employee, project=project, date=MONDAY + datetime.timedelta(days=7)
    )

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        sent = services.week_submit(actor=employee, employee=employee, monday=MONDAY)

    # then
    assert sorted(e.id for e in sent) == sorted([registered.id, rejected.id])
    statuses = dict(HourEntry.objects.values_list("id", "status"))
    assert statuses == {
        registered.id: EntryStatus.SUBMITTED,
        rejected.id: EntryStatus.SUBMITTED,
        approved.id: EntryStatus.APPROVED,
        next_week.id: EntryStatus.REGISTERED,
    }
    registered.refresh_from_db()
    assert registered.submitted_by == employee
    assert registered.submitted_at is not None
    assert len(callbacks) == 1  # the e-mail to the managers, once the transaction commits


def test_week_submit_accepts_any_day_of_the_week(employee, project):
    entry = HourEntryFactory.create(employee=employee, project=project, date=MONDAY)

    services.week_submit(actor=employee, employee=employee, monday=MONDAY + datetime.timedelta(days=4))

    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


def test_week_submit_with_nothing_registered_says_so(employee, project):
    _submitted(employee, project=project, date=MONDAY)

    with pytest.raises(ValidationError) as error:
        services.week_submit(actor=employee, employee=employee, monday=MONDAY)

    assert error.value.messages == [str(services.NOTHING_TO_SUBMIT)]


def test_the_manager_may_send_in_on_the_employees_behalf(employee, manager, project):
    entry = HourEntryFactory.create(employee=employee, project=project, date=MONDAY)

    services.week_submit(actor=manager, employee=employee, monday=MONDAY)

    entry.refresh_from_db()
    assert (entry.status, entry.submitted_by) == (EntryStatus.SUBMITTED, manager)


@pytest.mark.parametrize("actor_name", ["other_manager", "colleague"])
def test_others_may_not_send_in_on_the_employees_behalf(request, employee, department, project, actor_name):
    if actor_name == "colleague":
        actor = EmployeeFactory.create(company=employee.company, department=department)
    else:
        actor = request.getfixturevalue(actor_name)
    entry = HourEntryFactory.create(employee=employee, project=project, date=MONDAY)

    with pytest.raises(PermissionDenied):
        services.week_submit(actor=actor, employee=employee, monday=MONDAY)

    entry.refresh_from_db()
    assert entry.status == EntryStatus.REGISTERED


def test_week_copy_previous_copies_rows_day_by_day_as_registered(employee, company, project, ordinary):
    # given last week: Monday on the open project, Tuesday on a project closed since, Wednesday 20 h
    closed = ProjectFactory.create(company=company, is_closed=True)
    previous_monday = MONDAY - datetime.timedelta(days=7)
    copied = _approved(employee, project=project, date=previous_monday, comment="Grunnarbeid")
    HourEntryFactory.create(
        employee=employee, project=closed, date=previous_monday + datetime.timedelta(days=1)
    )
    HourEntryFactory.create(
        employee=employee, project=project, date=previous_monday + datetime.timedelta(days=2), hours=20
    )
    # and this Wednesday already has 8 h on another row, so copying 20 h would pass 24
    other_row = WageTypeFactory.create(company=company)
    HourEntryFactory.create(
        employee=employee,
        project=project,
        wage_type=other_row,
        date=MONDAY + datetime.timedelta(days=2),
        hours=8,
    )

    # when
    created = services.week_copy_previous(actor=employee, employee=employee, monday=MONDAY)

    # then only Monday was copied, as a new registered entry
    assert [(e.date, e.project_id, e.hours, e.comment) for e in created] == [
        (MONDAY, project.id, copied.hours, "Grunnarbeid")
    ]
    new = HourEntry.objects.get(employee=employee, date=MONDAY)
    assert new.status == EntryStatus.REGISTERED


def test_week_copy_previous_skips_cells_that_already_have_hours(employee, project):
    HourEntryFactory.create(employee=employee, project=project, date=MONDAY - datetime.timedelta(days=7))
    HourEntryFactory.create(employee=employee, project=project, date=MONDAY, hours=Decimal("2"))

    created = services.week_copy_previous(actor=employee, employee=employee, monday=MONDAY)

    assert created == []
    assert HourEntry.objects.filter(employee=employee, date=MONDAY).count() == 1


def test_week_copy_previous_refuses_a_manager_of_another_department(employee, other_manager, project):
    HourEntryFactory.create(employee=employee, project=project, date=MONDAY - datetime.timedelta(days=7))

    with pytest.raises(PermissionDenied):
        services.week_copy_previous(actor=other_manager, employee=employee, monday=MONDAY)

    assert not HourEntry.objects.filter(date=MONDAY).exists()


# --- entries_approve / entries_reject ---------------------------------------------------------


def test_the_manager_approves_the_departments_sent_in_hours(employee, manager, payroll):
    entries = [_submitted(employee, date=MONDAY), _submitted(employee, date=TUESDAY)]

    approved = services.entries_approve(actor=manager, entry_ids=[e.id for e in entries])

    assert {e.id for e in approved} == {e.id for e in entries}
    for entry in entries:
        entry.refresh_from_db()
        assert (entry.status, entry.decided_by) == (EntryStatus.APPROVED, manager)
        assert entry.decided_at is not None


def test_approval_tells_the_payroll_integration_which_entries_were_approved(employee, manager, payroll):
    entries = [_submitted(employee, date=MONDAY), _submitted(employee, date=TUESDAY)]

    services.entries_approve(actor=manager, entry_ids=[e.id for e in entries])

    assert sorted(payroll.approved) == sorted((e.id, EntryStatus.APPROVED) for e in entries)


def test_a_payroll_integration_blocker_stops_the_whole_approval(employee, manager):
    # given two sent-in entries, one of which the integration cannot send
    first, blocked = _submitted(employee, date=MONDAY), _submitted(employee, date=TUESDAY)
    payroll = FakePayroll(blockers={blocked.id: "Ansatte mangler i Tripletex."})
    integration_register(payroll)

    # when
    with pytest.raises(ValidationError) as error:
        services.entries_approve(actor=manager, entry_ids=[first.id, blocked.id])

    # then
    assert error.value.messages == ["Ansatte mangler i Tripletex."]
    assert set(HourEntry.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}
    assert payroll.approved == []


def test_an_administrator_approves_anyones_hours(employee, administrator, payroll):
    entry = _submitted(employee)

    services.entries_approve(actor=administrator, entry_ids=[entry.id])

    entry.refresh_from_db()
    assert entry.status == EntryStatus.APPROVED


@pytest.mark.parametrize("actor_name", ["manager", "administrator"])
def test_nobody_approves_their_own_hours(request, actor_name, payroll):
    actor = request.getfixturevalue(actor_name)
    entry = _submitted(actor)

    with pytest.raises(PermissionDenied) as error:
        services.entries_approve(actor=actor, entry_ids=[entry.id])

    assert str(error.value) == str(services.OWN_HOURS)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


def test_nobody_rejects_their_own_hours(manager):
    entry = _submitted(manager)

    with pytest.raises(PermissionDenied) as error:
        services.entries_reject(actor=manager, entry_ids=[entry.id], reason="Feil")

    assert str(error.value) == str(services.OWN_HOURS)


def test_a_manager_of_another_department_cannot_approve(employee, other_manager, payroll):
    entry = _submitted(employee)

    with pytest.raises(PermissionDenied) as error:
        services.entries_approve(actor=other_manager, entry_ids=[entry.id])

    assert str(error.value) == str(services.NOT_YOUR_DEPARTMENT)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


def test_an_employee_cannot_approve_a_colleagues_hours(employee, department, payroll):
    colleague_entry = _submitted(EmployeeFactory.create(company=employee.company, department=department))

    with pytest.raises(PermissionDenied) as error:
        services.entries_approve(actor=employee, entry_ids=[colleague_entry.id])

    assert str(error.value) == str(services.NOT_YOUR_DEPARTMENT)
    colleague_entry.refresh_from_db()
    assert colleague_entry.status == EntryStatus.SUBMITTED


def test_one_entry_the_manager_may_not_decide_stops_the_whole_batch(employee, manager, company, payroll):
    outsider = EmployeeFactory.create(company=company, department=DepartmentFactory.create(company=company))
    own_department, other_department = _submitted(employee), _submitted(outsider)

    with pytest.raises(PermissionDenied):
        services.entries_approve(actor=manager, entry_ids=[own_department.id, other_department.id])

    assert set(HourEntry.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}


def test_approving_twice_fails_the_second_time_and_approves_once(employee, manager, administrator, payroll):
    entry = _submitted(employee)
    services.entries_approve(actor=manager, entry_ids=[entry.id])
    entry.refresh_from_db()
    first_decision = (entry.decided_by, entry.decided_at)

    with pytest.raises(ValidationError) as error:
        services.entries_approve(actor=administrator, entry_ids=[entry.id])

    assert error.value.messages == [str(services.ENTRY_NOT_SUBMITTED)]
    entry.refresh_from_db()
    assert (entry.decided_by, entry.decided_at) == first_decision
    assert payroll.approved == [(entry.id, EntryStatus.APPROVED)]


def test_registered_hours_cannot_be_approved(employee, manager, payroll):
    entry = HourEntryFactory.create(employee=employee)

    with pytest.raises(ValidationError) as error:
        services.entries_approve(actor=manager, entry_ids=[entry.id])

    assert error.value.messages == [str(services.ENTRY_NOT_SUBMITTED)]


def test_another_companys_entry_id_is_not_found_and_nothing_is_approved(
    employee, administrator, other_company
):
    own = _submitted(employee)
    foreign = _submitted(EmployeeFactory.create(company=other_company))

    with pytest.raises(Http404):
        services.entries_approve(actor=administrator, entry_ids=[own.id, foreign.id])

    assert set(HourEntry.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}


def test_a_missing_entry_id_is_not_found(administrator, employee):
    own = _submitted(employee)

    with pytest.raises(Http404):
        services.entries_reject(actor=administrator, entry_ids=[own.id, own.id + 1000], reason="Nei")

    own.refresh_from_db()
    assert own.status == EntryStatus.SUBMITTED


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_rejecting_requires_a_reason(employee, manager, reason):
    entry = _submitted(employee)

    with pytest.raises(ValidationError) as error:
        services.entries_reject(actor=manager, entry_ids=[entry.id], reason=reason)

    assert error.value.message_dict == {"reason": [str(services.REASON_REQUIRED)]}
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


def test_rejected_hours_go_back_to_the_employee_with_the_reason(
    employee, manager, project, ordinary, django_capture_on_commit_callbacks
):
    # given
    entry = _submitted(employee, project=project, date=TUESDAY)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        services.entries_reject(actor=manager, entry_ids=[entry.id], reason="  Feil prosjekt ")

    # then the employee may fix it and send it in again
    entry.refresh_from_db()
    assert (entry.status, entry.rejection_reason, entry.decided_by) == (
        EntryStatus.REJECTED,
        "Feil prosjekt",
        manager,
    )
    assert len(callbacks) == 1  # the e-mail to the employee
    services.entry_update(
        actor=employee, entry=entry, date=TUESDAY, project=project, wage_type=ordinary, hours="5"
    )
    services.week_submit(actor=employee, employee=employee, monday=MONDAY)
    entry.refresh_from_db()
    assert (entry.status, entry.hours) == (EntryStatus.SUBMITTED, Decimal("5.00"))


# --- entries_reopen ---------------------------------------------------------------------------


def test_an_administrator_reopens_approved_hours(employee, administrator, payroll):
    entry = _approved(employee)

    services.entries_reopen(actor=administrator, entry_ids=[entry.id])

    entry.refresh_from_db()
    assert (entry.status, entry.decided_by, entry.decided_at) == (EntryStatus.SUBMITTED, None, None)
    assert payroll.reopened == [entry.id]


@pytest.mark.parametrize("actor_name", ["manager", "employee"])
def test_only_administrators_reopen(request, employee, actor_name, payroll):
    entry = _approved(EmployeeFactory.create(company=employee.company, department=employee.department))

    with pytest.raises(PermissionDenied) as error:
        services.entries_reopen(actor=request.getfixturevalue(actor_name), entry_ids=[entry.id])

    assert str(error.value) == str(services.ONLY_ADMINISTRATORS)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.APPROVED
    assert payroll.reopened == []


def test_only_approved_hours_can_be_reopened(employee, administrator):
    entry = _submitted(employee)

    with pytest.raises(ValidationError) as error:
        services.entries_reopen(actor=administrator, entry_ids=[entry.id])

    assert error.value.messages == [str(services.ENTRY_NOT_APPROVED)]


def test_the_payroll_integration_may_refuse_a_reopen(employee, administrator):
    entry = _approved(employee)
    integration_register(FakePayroll(refuse_reopen="Timene er allerede lønnskjørt."))

    with pytest.raises(ValidationError) as error:
        services.entries_reopen(actor=administrator, entry_ids=[entry.id])

    assert error.value.messages == ["Timene er allerede lønnskjørt."]
    entry.refresh_from_db()
    assert entry.status == EntryStatus.APPROVED


def test_the_payroll_integration_prepares_a_reopen_before_the_transaction_and_gets_it_back(
    employee, administrator
):
    # given: an integration that records where each hook runs
    entry = _approved(employee)
    calls = []

    class Preparing(NoIntegration):
        def reopen_prepare(self, *, company, entry_ids):
            calls.append(("prepare", list(entry_ids), len(connection.atomic_blocks)))
            return "read before"

        def entries_reopened(self, *, company, entries, prepared):
            calls.append(("reopened", [e.id for e in entries], prepared))

    integration_register(Preparing())
    depth_of_the_test = len(connection.atomic_blocks)
    # when
    services.entries_reopen(actor=administrator, entry_ids=[entry.id])
    # then: prepared with no transaction of the reopen open, and its result handed on
    assert calls == [("prepare", [entry.id], depth_of_the_test), ("reopened", [entry.id], "read before")]


def test_a_refusal_while_preparing_changes_nothing(employee, administrator):
    entry = _approved(employee)

    class Refusing(NoIntegration):
        def reopen_prepare(self, *, company, entry_ids):
            raise ValidationError("Timene er låst.")

        def entries_reopened(self, *, company, entries, prepared):
            raise AssertionError("must not be called")

    integration_register(Refusing())

    with pytest.raises(ValidationError) as error:
        services.entries_reopen(actor=administrator, entry_ids=[entry.id])

    assert error.value.messages == ["Timene er låst."]
    entry.refresh_from_db()
    assert entry.status == EntryStatus.APPROVED


def test_an_administrator_of_another_company_cannot_reach_the_hours(employee, other_company):
    entry = _approved(employee)

    with pytest.raises(Http404):
        services.entries_reopen(actor=administrator_of(other_company), entry_ids=[entry.id])

    entry.refresh_from_db()
    assert entry.status == EntryStatus.APPROVED


def test_two_lonnsarter_with_one_name_are_refused_with_the_reason(administrator, company):
    # given
    services.wage_type_save(
        actor=administrator, wage_type=None, number="2010", name="Overtid 50 %", is_active=True
    )
    # when: the same name, another case, another number
    with pytest.raises(ValidationError) as raised:
        services.wage_type_save(
            actor=administrator, wage_type=None, number="1010", name="overtid 50 %", is_active=True
        )
    # then
    assert raised.value.message_dict["name"] == [
        str(services.WAGE_TYPE_NAME_TAKEN % {"name": "overtid 50 %"})
    ]
    assert WageType.objects.filter(company=company, name__iexact="Overtid 50 %").count() == 1


def test_the_database_refuses_two_lonnsarter_with_one_name(company):
    from django.db import IntegrityError, transaction

    WageType.objects.create(company=company, number="2010", name="Overtid 50 %")
    with pytest.raises(IntegrityError), transaction.atomic():
        WageType.objects.create(company=company, number="1010", name="OVERTID 50 %")
