"""Data migrations do what they say on data from before them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("hr", "0001_initial")]
AFTER = [("hr", "0002_employees_lead_no_departments")]


@pytest.mark.django_db(transaction=True)
def test_employees_left_on_a_manager_list_are_taken_off_it():
    # given: the state a role change used to leave behind
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Company = apps.get_model("hr", "Company")
    Department = apps.get_model("hr", "Department")
    Employee = apps.get_model("hr", "Employee")
    company = Company.objects.create(name="Før AS", organisation_number="987654321")
    department = Department.objects.create(company=company, name="Bygg")
    demoted = Employee.objects.create(
        company=company,
        first_name="A",
        last_name="A",
        email="a@example.no",
        employee_number="1",
        role="employee",
    )
    manager = Employee.objects.create(
        company=company,
        first_name="B",
        last_name="B",
        email="b@example.no",
        employee_number="2",
        role="manager",
    )
    department.managers.add(demoted, manager)

    # when
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    # then
    apps = executor.loader.project_state(AFTER).apps
    leaders = apps.get_model("hr", "Department").objects.get(id=department.id).managers.all()
    assert [e.email for e in leaders] == ["b@example.no"]

    # and the rest of the migrations still apply
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
