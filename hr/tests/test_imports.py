"""hr's bulk imports: the rules of hr's single-object services, for many rows at once."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from hr import imports, services
from hr.models import Department, Employee, Project, Role, User, WageType
from hr.tests.factories import DepartmentFactory, EmployeeFactory, ProjectFactory, WageTypeFactory


def _message(error: ValidationError, field: str | None = None) -> list[str]:
    return error.message_dict[field] if field else error.messages


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def _id(outcome: imports.Outcome) -> int:
    """The local object's id of a row that was not skipped."""
    assert outcome.id is not None
    return outcome.id


# --- actor and company ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "service, rows",
    [
        (imports.projects_import, [imports.ProjectRow(number="P-1", name="Nybygg")]),
        (imports.wage_types_import, [imports.WageTypeRow(number="300", name="Overtid")]),
        (
            imports.employees_import,
            [imports.EmployeeRow(number="1", first_name="Ola", last_name="Nordmann", email="ola@x.no")],
        ),
    ],
)
def test_only_an_administrator_imports(employee, service, rows):
    # given an «Ansatt»
    counts = (Project.objects.count(), WageType.objects.count(), Employee.objects.count())
    # when / then
    with pytest.raises(PermissionDenied) as raised:
        service(actor=employee, rows=rows)
    assert str(raised.value) == str(services.ONLY_ADMINISTRATORS)
    assert (Project.objects.count(), WageType.objects.count(), Employee.objects.count()) == counts


def test_departments_import_refuses_a_non_administrator(employee):
    with pytest.raises(PermissionDenied):
        imports.departments_import(actor=employee, names=["Bygg 2"])
    assert not Department.objects.filter(name="Bygg 2").exists()


def test_another_companys_objects_are_refused_as_if_missing(administrator, other_company):
    # given a project, a lønnsart and an employee of another company
    project = ProjectFactory.create(company=other_company, number="P-9")
    wage_type = WageTypeFactory.create(company=other_company, number="900")
    person = EmployeeFactory.create(company=other_company, employee_number="9")
    # when / then: no row may name them
    with pytest.raises(Http404):
        imports.projects_import(
            actor=administrator, rows=[imports.ProjectRow(number="P-9", name="X", existing_id=project.id)]
        )
    with pytest.raises(Http404):
        imports.wage_types_import(
            actor=administrator, rows=[imports.WageTypeRow(number="900", name="X", existing_id=wage_type.id)]
        )
    with pytest.raises(Http404):
        imports.employees_import(
            actor=administrator,
            rows=[
                imports.EmployeeRow(
                    number="9", first_name="X", last_name="Y", email="x@y.no", existing_id=person.id
                )
            ],
        )
    project.refresh_from_db()
    person.refresh_from_db()
    wage_type.refresh_from_db()
    assert (project.name, wage_type.name, person.first_name) != ("X", "X", "X")
    assert "X" not in (project.name, wage_type.name, person.first_name)


def test_numbers_are_matched_in_the_actors_company_only(administrator, other_company):
    # given another company with project P-1
    theirs = ProjectFactory.create(company=other_company, number="P-1", name="Deres")
    # when
    outcomes = imports.projects_import(
        actor=administrator, rows=[imports.ProjectRow(number="P-1", name="Vårt")]
    )
    # then a project of our own is created, and theirs is untouched
    ours = Project.objects.get(id=_id(outcomes[0]))
    assert (ours.company_id, ours.name, outcomes[0].state) == (administrator.company_id, "Vårt", "created")
    theirs.refresh_from_db()
    assert theirs.name == "Deres"


# --- projects ---------------------------------------------------------------------------------


def test_projects_are_created_updated_and_linked(administrator):
    # given two projects here
    kept = ProjectFactory.create(company=administrator.company, number="P-1", name="Nybygg")
    renamed = ProjectFactory.create(company=administrator.company, number="P-2", name="Gammelt navn")
    # when
    outcomes = imports.projects_import(
        actor=administrator,
        rows=[
            imports.ProjectRow(number="P-1", name="Nybygg"),
            imports.ProjectRow(number=" P-2 ", name=" Nytt navn ", existing_id=renamed.id),
            imports.ProjectRow(
                number="P-3",
                name="Rehabilitering",
                is_closed=True,
                start_date=datetime.date(2026, 1, 1),
                end_date=datetime.date(2026, 12, 31),
            ),
        ],
    )
    # then
    created = Project.objects.get(company=administrator.company, number="P-3")
    assert [(o.id, o.state) for o in outcomes] == [
        (kept.id, "linked"),
        (renamed.id, "updated"),
        (created.id, "created"),
    ]
    renamed.refresh_from_db()
    assert renamed.name == "Nytt navn"  # spaces around are trimmed, as «Prosjekter» does
    assert (created.is_closed, created.start_date, created.end_date) == (
        True,
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
    )


def test_two_rows_with_one_project_number_are_refused(administrator):
    rows = [imports.ProjectRow(number="P-1", name="A"), imports.ProjectRow(number="P-1", name="B")]
    with pytest.raises(ValidationError) as raised:
        imports.projects_import(actor=administrator, rows=rows)
    assert _message(raised.value, "number") == ["Prosjektnummeret P-1 er allerede i bruk."]
    assert not Project.objects.filter(number="P-1").exists()


def test_a_project_cannot_take_another_projects_number(administrator):
    # given P-1 and P-2 here
    ProjectFactory.create(company=administrator.company, number="P-1")
    second = ProjectFactory.create(company=administrator.company, number="P-2")
    # when P-2 would be renumbered P-1
    with pytest.raises(ValidationError) as raised:
        imports.projects_import(
            actor=administrator, rows=[imports.ProjectRow(number="P-1", name="X", existing_id=second.id)]
        )
    # then
    assert _message(raised.value, "number") == [str(services.PROJECT_NUMBER_TAKEN % {"number": "P-1"})]
    second.refresh_from_db()
    assert second.number == "P-2"


# --- lønnsarter -------------------------------------------------------------------------------


def test_wage_types_keep_one_name_each_and_never_touch_ordinary_time(administrator):
    # given «Overtid 50 %» made by hand
    by_hand = WageTypeFactory.create(company=administrator.company, number="250", name="Overtid 50 %")
    ordinary = WageType.objects.get(company=administrator.company, is_builtin=True)
    # when
    outcomes = imports.wage_types_import(
        actor=administrator,
        rows=[
            imports.WageTypeRow(number="300", name="overtid 50 %"),  # its name in other case: renamed
            imports.WageTypeRow(number="ORD", name="Annet navn"),  # «Ordinær tid»: left out
            imports.WageTypeRow(number="400", name="Reise"),
            imports.WageTypeRow(number="401", name="reise"),  # the name of one created just now
        ],
    )
    # then
    reise = WageType.objects.get(company=administrator.company, name="Reise")
    assert [(o.id, o.state) for o in outcomes] == [
        (by_hand.id, "updated"),
        (None, "skipped"),
        (reise.id, "created"),
        (None, "skipped"),
    ]
    by_hand.refresh_from_db()
    ordinary.refresh_from_db()
    assert by_hand.name == "overtid 50 %"
    assert ordinary.name == services.ORDINARY_WAGE_TYPE_NAME


def test_two_rows_with_one_wage_type_number_are_refused(administrator):
    rows = [imports.WageTypeRow(number="300", name="A"), imports.WageTypeRow(number="300", name="B")]
    with pytest.raises(ValidationError) as raised:
        imports.wage_types_import(actor=administrator, rows=rows)
    assert _message(raised.value, "number") == ["Lønnsartnummeret 300 er allerede i bruk."]


# --- employees --------------------------------------------------------------------------------


def _person(number: str, email: str, **kwargs) -> imports.EmployeeRow:
    return imports.EmployeeRow(number=number, first_name="Kari", last_name="Nordmann", email=email, **kwargs)


def test_new_employees_get_a_user_with_a_normalised_email_and_no_password(administrator, department):
    # when
    imported = imports.employees_import(
        actor=administrator,
        rows=[_person("1001", "  Kari.Nordmann@Example.NO ", role=Role.MANAGER, department_id=department.id)],
    )
    # then
    employee = Employee.objects.get(id=_id(imported.outcomes[0]))
    assert imported.outcomes[0].state == "created"
    assert imported.invited_ids == [employee.id]
    assert employee.user is not None
    assert (employee.email, employee.user.email) == ("kari.nordmann@example.no",) * 2
    assert not employee.user.has_usable_password()
    assert (employee.role, employee.department_id, employee.company_id) == (
        Role.MANAGER,
        department.id,
        administrator.company_id,
    )


def test_a_department_of_another_company_is_not_given(administrator, other_company):
    theirs = DepartmentFactory.create(company=other_company)
    imported = imports.employees_import(
        actor=administrator, rows=[_person("1001", "kari@example.no", department_id=theirs.id)]
    )
    assert Employee.objects.get(id=_id(imported.outcomes[0])).department_id is None


def test_an_email_taken_is_refused_with_hrs_message(administrator):
    # given a user with the address, in any company
    EmployeeFactory.create(email="kari@example.no")
    # when
    with pytest.raises(ValidationError) as raised:
        imports.employees_import(actor=administrator, rows=[_person("1001", "KARI@example.no")])
    # then
    assert raised.value.code == "email_taken"
    assert raised.value.messages == ["E-postadressen kari@example.no er allerede i bruk."]
    assert not Employee.objects.filter(employee_number="1001").exists()


def test_two_new_employees_with_one_email_are_refused(administrator):
    rows = [_person("1001", "kari@example.no"), _person("1002", "Kari@Example.no")]
    with pytest.raises(ValidationError) as raised:
        imports.employees_import(actor=administrator, rows=rows)
    assert raised.value.messages == [str(services.EMAIL_TAKEN % {"email": "kari@example.no"})]
    assert not User.objects.filter(email="kari@example.no").exists()


def test_two_rows_with_one_employee_number_are_refused(administrator):
    rows = [_person("1001", "a@example.no"), _person("1001", "b@example.no")]
    with pytest.raises(ValidationError) as raised:
        imports.employees_import(actor=administrator, rows=rows)
    assert _message(raised.value, "employee_number") == ["Ansattnummeret 1001 er allerede i bruk."]


def test_an_unknown_role_is_refused(administrator):
    with pytest.raises(ValidationError) as raised:
        imports.employees_import(actor=administrator, rows=[_person("1001", "a@example.no", role="owner")])
    assert _message(raised.value, "role") == ["Rollen owner finnes ikke."]


def test_employees_are_updated_linked_by_user_or_skipped(administrator):
    # given an employee numbered 77 with the address of the row, and another user's address
    existing = EmployeeFactory.create(
        company=administrator.company, email="tor@example.no", employee_number="77"
    )
    other = EmployeeFactory.create(
        company=administrator.company, email="per@example.no", employee_number="78"
    )
    # when
    imported = imports.employees_import(
        actor=administrator,
        rows=[
            _person("1014", "tor@example.no", user_id=existing.user_id, link_user=True),
            _person("1015", "per@example.no", user_id=other.user_id),  # not linked: left out
        ],
    )
    # then
    assert [(o.id, o.state) for o in imported.outcomes] == [(existing.id, "updated"), (None, "skipped")]
    existing.refresh_from_db()
    assert (existing.employee_number, existing.first_name, existing.last_name) == ("1014", "Kari", "Nordmann")
    assert imported.invited_ids == []


def test_a_new_department_is_created_once_and_a_namesake_is_reused(administrator, department):
    # given «Bygg» here
    # when three new people want «bygg », «Anlegg» and «Anlegg»
    imported = imports.employees_import(
        actor=administrator,
        rows=[
            _person("1", "a@example.no", new_department="bygg "),
            _person("2", "b@example.no", new_department="Anlegg"),
            _person("3", "c@example.no", new_department="anlegg"),
        ],
    )
    # then
    anlegg = Department.objects.get(company=administrator.company, name="Anlegg")
    assert imported.departments_created == ["Anlegg"]
    assert [Employee.objects.get(id=_id(o)).department_id for o in imported.outcomes] == [
        department.id,
        anlegg.id,
        anlegg.id,
    ]


# --- a constant number of queries -------------------------------------------------------------


def test_queries_do_not_grow_with_the_rows(administrator):
    def run(size: int, offset: int) -> list[int]:
        numbers = [str(offset + i) for i in range(size)]
        return [
            _queries(
                lambda: imports.projects_import(
                    actor=administrator,
                    rows=[imports.ProjectRow(number=f"P-{n}", name=f"P {n}") for n in numbers],
                )
            ),
            _queries(
                lambda: imports.wage_types_import(
                    actor=administrator,
                    rows=[imports.WageTypeRow(number=n, name=f"Lønn {n}") for n in numbers],
                )
            ),
            _queries(
                lambda: imports.employees_import(
                    actor=administrator,
                    rows=[
                        _person(n, f"p{n}@example.no", new_department=f"Avd {offset} {n[-1]}")
                        for n in numbers
                    ],
                )
            ),
        ]

    # when 10, then 100 rows are created, and both are imported again (linked)
    ten, hundred = run(10, 1000), run(100, 2000)
    ten_again, hundred_again = run(10, 1000), run(100, 2000)
    # then
    assert ten == hundred
    assert ten_again == hundred_again
    assert Project.objects.filter(company=administrator.company).count() == 110
