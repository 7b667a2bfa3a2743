"""Selectors: the week view, the approval queue, and company scoping that fails like "not found"."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404

from hr import selectors
from hr.models import Employee, EntryStatus, HourEntry, WageType
from hr.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    ProjectFactory,
    WageTypeFactory,
    manager_of,
)

MONDAY = datetime.date(2026, 11, 23)
NOW = datetime.datetime(2026, 11, 27, 15, 0, tzinfo=datetime.UTC)


def _day(offset: int) -> datetime.date:
    return MONDAY + datetime.timedelta(days=offset)


def _submitted(employee: Employee, **kwargs: Any) -> HourEntry:
    return HourEntryFactory.create(
        employee=employee, status=EntryStatus.SUBMITTED, submitted_at=NOW, **kwargs
    )


# --- week_view --------------------------------------------------------------------------------


def test_week_view_has_rows_of_project_and_wage_type_with_daily_and_weekly_totals(
    employee, company, django_assert_num_queries
):
    # given two projects and two lønnsarter over the week, an entry the week before and a colleague's
    school, bridge = (
        ProjectFactory.create(company=company, number="200"),
        ProjectFactory.create(company=company, number="100"),
    )
    ordinary = WageType.objects.get(company=company, is_builtin=True)
    overtime = WageTypeFactory.create(company=company, number="300")
    HourEntryFactory.create(employee=employee, project=school, date=_day(0), hours=Decimal("7.5"))
    HourEntryFactory.create(employee=employee, project=school, date=_day(0), hours=Decimal("0.5"))
    HourEntryFactory.create(employee=employee, project=school, date=_day(1), hours=Decimal("8"))
    HourEntryFactory.create(
        employee=employee, project=school, wage_type=overtime, date=_day(1), hours=Decimal("2")
    )
    HourEntryFactory.create(employee=employee, project=bridge, date=_day(6), hours=Decimal("3.25"))
    HourEntryFactory.create(employee=employee, project=bridge, date=_day(-1), hours=Decimal("9"))
    HourEntryFactory.create(employee=EmployeeFactory.create(company=company), project=bridge, date=_day(2))

    # when
    with django_assert_num_queries(1):
        week = selectors.week_view(employee=employee, monday=MONDAY)

    # then
    assert [(row.project.number, row.wage_type.number) for row in week.rows] == [
        ("100", ordinary.number),
        ("200", ordinary.number),
        ("200", "300"),
    ]
    school_ordinary = week.rows[1]
    assert [sum((e.hours for e in cell), Decimal(0)) for cell in school_ordinary.cells] == [
        Decimal("8"),
        Decimal("8"),
        0,
        0,
        0,
        0,
        0,
    ]
    assert school_ordinary.total == Decimal("16")
    assert week.day_totals == [Decimal("8"), Decimal("10"), 0, 0, 0, 0, Decimal("3.25")]
    assert week.total == Decimal("21.25")
    assert week.days == [_day(i) for i in range(7)]
    assert len(week.entries) == 5


def test_week_view_filters_by_status_but_counts_every_status(employee):
    HourEntryFactory.create(employee=employee, date=_day(0))
    HourEntryFactory.create(employee=employee, date=_day(1))
    _submitted(employee, date=_day(2))

    week = selectors.week_view(employee=employee, monday=MONDAY, status=EntryStatus.SUBMITTED)

    assert [e.status for e in week.entries] == [EntryStatus.SUBMITTED]
    assert week.status_counts == {EntryStatus.REGISTERED: 2, EntryStatus.SUBMITTED: 1}
    assert week.total == Decimal("7.5")
    assert not week.has_editable


def test_week_view_of_an_empty_week(employee):
    week = selectors.week_view(employee=employee, monday=MONDAY)

    assert (week.rows, week.entries, week.total) == ([], [], Decimal("0"))


# --- approval_queue ---------------------------------------------------------------------------


@pytest.fixture
def other_department(company):
    return DepartmentFactory.create(company=company, name="Anlegg")


def test_approval_queue_groups_sent_in_hours_by_person_and_week(employee, manager, department, company):
    # given two weeks of Åse's and one of a colleague's sent-in hours, plus entries not to show
    colleague = EmployeeFactory.create(
        company=company, department=department, first_name="Bjørn", last_name="Aas"
    )
    first = _submitted(employee, date=_day(0))
    second = _submitted(employee, date=_day(3))
    next_week = _submitted(employee, date=_day(7))
    colleagues = _submitted(colleague, date=_day(1))
    HourEntryFactory.create(employee=employee, date=_day(1))  # registered: not sent in
    HourEntryFactory.create(
        employee=employee, date=_day(2), status=EntryStatus.APPROVED, submitted_at=NOW, decided_at=NOW
    )

    # when
    groups = selectors.approval_queue(actor=manager)

    # then ordered by last name, then week; every entry's detail present
    assert [(g.employee, g.monday, [e.id for e in g.entries]) for g in groups] == [
        (colleague, MONDAY, [colleagues.id]),
        (employee, MONDAY, [first.id, second.id]),
        (employee, _day(7), [next_week.id]),
    ]
    assert groups[1].total == Decimal("15")
    assert groups[1].week == 48
    assert groups[1].key == f"{employee.id}-2026-11-23"


def test_a_manager_sees_only_the_departments_they_lead_and_never_their_own(
    employee, manager, company, other_department
):
    own_department = _submitted(employee)
    _submitted(EmployeeFactory.create(company=company, department=other_department))
    _submitted(manager)

    groups = selectors.approval_queue(actor=manager)

    assert [e.id for g in groups for e in g.entries] == [own_department.id]


def test_an_administrator_sees_every_department_but_not_their_own_hours(
    employee, administrator, company, other_department, other_company
):
    own_department = _submitted(employee)
    elsewhere = _submitted(EmployeeFactory.create(company=company, department=other_department))
    _submitted(administrator)
    _submitted(EmployeeFactory.create(company=other_company))

    entries = {e.id for g in selectors.approval_queue(actor=administrator) for e in g.entries}

    assert entries == {own_department.id, elsewhere.id}


def test_an_employee_has_an_empty_queue(employee, department, company):
    _submitted(EmployeeFactory.create(company=company, department=department))

    assert selectors.approval_queue(actor=employee) == []


def test_approval_queue_for_one_person(employee, administrator, company):
    _submitted(EmployeeFactory.create(company=company))
    own = _submitted(employee)

    groups = selectors.approval_queue(actor=administrator, employee_id=employee.id)

    assert [e.id for g in groups for e in g.entries] == [own.id]


@pytest.mark.parametrize("entries", [3, 60])
def test_approval_queue_takes_the_same_queries_however_many_entries(
    manager, department, company, entries, django_assert_num_queries
):
    people = [EmployeeFactory.create(company=company, department=department) for _ in range(3)]
    for index in range(entries):
        _submitted(people[index % 3], date=_day(index % 14))

    with django_assert_num_queries(2):  # the manager's departments, then the entries
        groups = selectors.approval_queue(actor=manager)
        assert sum(len(g.entries) for g in groups) == entries
        assert all(g.employee.department is not None and g.employee.department.name == "Bygg" for g in groups)


# --- scoping ----------------------------------------------------------------------------------


def test_employees_actable(
    employee, manager, administrator, company, department, other_department, other_company
):
    colleague = EmployeeFactory.create(company=company, department=department)
    outsider = EmployeeFactory.create(company=company, department=other_department)
    EmployeeFactory.create(company=company, department=department, is_active=False)
    EmployeeFactory.create(company=other_company)

    assert set(selectors.employees_actable(actor=employee)) == {employee}
    assert set(selectors.employees_actable(actor=manager)) == {manager, employee, colleague}
    assert set(selectors.employees_actable(actor=administrator)) == {
        employee,
        manager,
        administrator,
        colleague,
        outsider,
    }


@pytest.mark.parametrize(
    ("getter", "argument", "make"),
    [
        (selectors.employee_get, "employee_id", lambda c: EmployeeFactory.create(company=c)),
        (selectors.project_get, "project_id", lambda c: ProjectFactory.create(company=c)),
        (selectors.wage_type_get, "wage_type_id", lambda c: WageType.objects.get(company=c, is_builtin=True)),
        (selectors.department_get, "department_id", lambda c: DepartmentFactory.create(company=c)),
        (
            selectors.entry_get,
            "entry_id",
            lambda c: HourEntryFactory.create(employee=EmployeeFactory.create(company=c)),
        ),
    ],
)
def test_another_companys_id_fails_exactly_like_a_missing_one(company, other_company, getter, argument, make):
    own, foreign = make(company), make(other_company)

    assert getter(company=company, **{argument: own.id}) == own
    assert getter(company=company, **{argument: str(own.id)}) == own
    for bad in (foreign.id, foreign.id + 10_000, "abc", None, "1.0"):
        with pytest.raises(Http404):
            getter(company=company, **{argument: bad})


def test_employee_for_user_finds_only_an_active_profile(employee, company):
    inactive = EmployeeFactory.create(company=company, is_active=False)

    assert selectors.employee_for_user(user=employee.user) == employee
    assert inactive.user is not None
    assert selectors.employee_for_user(user=inactive.user) is None


def test_a_manager_of_several_departments_sees_them_all(company, department, other_department):
    manager = manager_of(department)
    other_department.managers.add(manager)
    first = _submitted(EmployeeFactory.create(company=company, department=department))
    second = _submitted(EmployeeFactory.create(company=company, department=other_department))

    entries = {e.id for e in selectors.approval_queryset(actor=manager)}

    assert entries == {first.id, second.id}
