from __future__ import annotations

import pytest

from hr.integration import NoIntegration, integration_get, integration_register
from hr.models import Company, Department, Employee
from hr.tests.factories import (
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    administrator_of,
    manager_of,
)


@pytest.fixture(autouse=True)
def _no_payroll_integration():
    """hr's tests run without an accounting system unless a test registers a fake one."""
    previous = integration_get()
    integration_register(NoIntegration())
    yield
    integration_register(previous)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Factories give every user a password; the production hasher would make each one take ~0.3 s."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def company(db) -> Company:
    return CompanyFactory.create(name="Grønn Test AS")


@pytest.fixture
def department(company) -> Department:
    return DepartmentFactory.create(company=company, name="Bygg")


@pytest.fixture
def employee(company, department) -> Employee:
    return EmployeeFactory.create(
        company=company, department=department, first_name="Åse", last_name="Ødegård"
    )


@pytest.fixture
def manager(department) -> Employee:
    return manager_of(department)


@pytest.fixture
def administrator(company) -> Employee:
    return administrator_of(company)


@pytest.fixture
def other_company(db) -> Company:
    return CompanyFactory.create(name="Annet Firma AS")
