"""Every URL pattern, pages and API, for every role and with another company's ids, against one table.

A new URL without a row here fails the test, so nobody adds an address without deciding who may
open it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from hr.models import Employee, HourEntry
from hr.tests.factories import (
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    ProjectFactory,
    WageTypeFactory,
    administrator_of,
    manager_of,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "employee", "manager", "administrator")
PAGE = (302, 200, 200, 200)  # logged in: anyone; anonymous: to the login page
PUBLIC = (200, 200, 200, 200)
ADMIN_PAGE = (302, 403, 403, 200)
POST_ONLY = (405, 405, 405, 405)
API = (401, 200, 200, 200)
API_POST_ONLY = (401, 405, 405, 405)

# URL name → GET answer for (anonymous, employee, manager, administrator), own company's ids.
# The employee owns the entry; the manager leads the employee's department.
TABLE: dict[str, tuple[object, ...]] = {
    "health": PUBLIC,  # a probe: "ok", whoever asks
    "set_language": (302, 302, 302, 302),  # back where the person came from
    "login": (200, 302, 302, 302),
    "logout": POST_ONLY,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_set": PUBLIC,  # with a token that is not valid: the page says so
    "password_set_done": PUBLIC,
    "profile": PAGE,
    "password_change": PAGE,
    "v1:token": POST_ONLY,
    "v1:entries": API,
    "v1:entry": API,
    "v1:week-submit": API_POST_ONLY,
    "v1:week-copy-previous": API_POST_ONLY,
    "v1:week": API,
    "v1:approvals": API,
    "v1:approve": API_POST_ONLY,
    "v1:reject": API_POST_ONLY,
    "v1:reopen": API_POST_ONLY,
    "v1:projects": API,
    "v1:wage-types": API,
    "v1:report-hours": (401, 403, 200, 200),  # managers and administrators only
    "v1:schema": API,
    "v1:docs": PAGE,
    "v1:redoc": PAGE,
    "tripletex:wizard_begin": POST_ONLY,
    "tripletex:wizard_cancel": POST_ONLY,
    # The wizard's steps exist only while a run is in progress; none is here.
    "tripletex:wizard_key": (302, 403, 403, 404),
    "tripletex:wizard_summary": (302, 403, 403, 404),
    "tripletex:wizard_step": (302, 403, 403, 404),
    "tripletex:wizard_fetch_status": (302, 403, 403, 404),
    "tripletex:connection_remove": (302, 403, 403, 302),  # nothing connected: back to the settings
    "tripletex:audit": ADMIN_PAGE,
    "tripletex:transfers": ADMIN_PAGE,
    "tripletex:reconciliation": ADMIN_PAGE,
    "hr:home": (302, 302, 302, 302),
    "hr:week": PAGE,
    "hr:week_submit": POST_ONLY,
    "hr:week_copy": POST_ONLY,
    "hr:entry_edit": PAGE,
    "hr:entry_delete": POST_ONLY,
    "hr:approval": (302, 403, 200, 200),
    "hr:reports": (302, 403, 200, 200),
    "hr:report_export": (302, 403, 200, 200),
    "hr:settings_general": ADMIN_PAGE,
    "hr:settings_employees": ADMIN_PAGE,
    "hr:settings_employee_new": ADMIN_PAGE,
    "hr:settings_employee": ADMIN_PAGE,
    "hr:settings_employee_unlock": POST_ONLY,
    "hr:settings_employee_invite_again": POST_ONLY,
    "hr:settings_departments": ADMIN_PAGE,
    "hr:settings_department_new": ADMIN_PAGE,
    "hr:settings_department": ADMIN_PAGE,
    "hr:settings_projects": ADMIN_PAGE,
    "hr:settings_project_new": ADMIN_PAGE,
    "hr:settings_project": ADMIN_PAGE,
    "hr:settings_wage_types": ADMIN_PAGE,
    "hr:settings_wage_type_new": ADMIN_PAGE,
    "hr:settings_wage_type": ADMIN_PAGE,
}

# With another company's ids every logged-in role gets what a missing id gives: 404, unless the
# role may not open that kind of page at all (403, before any lookup).
FOREIGN: dict[str, tuple[object, ...]] = {
    "v1:entry": (401, 404, 404, 404),
    "hr:entry_edit": (302, 404, 404, 404),
    "hr:settings_employee": (302, 403, 403, 404),
    "hr:settings_department": (302, 403, 403, 404),
    "hr:settings_project": (302, 403, 403, 404),
    "hr:settings_wage_type": (302, 403, 403, 404),
}

# State-changing addresses with an id: POSTed with another company's id, every role gets 404 (or
# is refused before the lookup) and nothing changes.
FOREIGN_POST: dict[str, tuple[object, ...]] = {
    "hr:entry_delete": (302, 404, 404, 404),
    "hr:settings_employee_unlock": (302, 403, 403, 404),
    "hr:settings_employee_invite_again": (302, 403, 403, 404),
}


def url_names(patterns: list[URLPattern | URLResolver], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # Django's admin: support staff only, guarded by Django itself
            yield from url_names(
                pattern.url_patterns, namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


@pytest.fixture
def world(db) -> dict[str, object]:
    company = CompanyFactory.create()
    department = DepartmentFactory.create(company=company)
    employee = EmployeeFactory.create(company=company, department=department)
    other = CompanyFactory.create()
    other_employee = EmployeeFactory.create(company=other, department=DepartmentFactory.create(company=other))
    return {
        "employee": employee,
        "manager": manager_of(department),
        "administrator": administrator_of(company),
        "own": {
            "entry_id": HourEntryFactory.create(employee=employee).id,
            "employee_id": employee.id,
            "department_id": department.id,
            "project_id": ProjectFactory.create(company=company).id,
            "wage_type_id": WageTypeFactory.create(company=company).id,
        },
        "foreign": {
            "entry_id": HourEntryFactory.create(employee=other_employee).id,
            "employee_id": other_employee.id,
            "department_id": other_employee.department_id,
            "project_id": ProjectFactory.create(company=other).id,
            "wage_type_id": WageTypeFactory.create(company=other).id,
        },
    }


def _url(name: str, ids: dict[str, int]) -> str:
    """The address of a pattern, with the id it takes from ``ids`` (own or another company's)."""
    for key, value in ids.items():
        try:
            return reverse(name, kwargs={key: value})
        except NoReverseMatch:
            continue  # the pattern takes another parameter, or none
    if name == "v1:week":
        return reverse(name, kwargs={"week": "2026-W48"})
    if name == "password_set":
        return reverse(name, kwargs={"uidb64": "MQ", "token": "ugyldig-lenke"})
    if name == "hr:report_export":
        return reverse(name, kwargs={"file_format": "csv"})
    if name in ("tripletex:wizard_step", "tripletex:wizard_fetch_status"):
        return reverse(name, kwargs={"slug": "prosjekter"})
    return reverse(name)


def _client(world: dict[str, object], role: str) -> Client:
    client = Client()
    if role != "anonymous":
        person = world[role]
        assert isinstance(person, Employee)
        assert person.user is not None
        client.force_login(person.user)
    return client


def _allowed(expected: object) -> set[int]:
    if isinstance(expected, set):
        return expected
    assert isinstance(expected, int)
    return {expected}


def test_every_url_has_a_row_in_the_table():
    names = set(url_names(get_resolver().url_patterns))

    assert names - set(TABLE) == set(), "add the new URL to TABLE"
    assert set(TABLE) - names == set(), "remove the row of a URL that is gone"


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_table_says(world, role):
    client = _client(world, role)
    column = ROLES.index(role)

    answers = {name: client.get(_url(name, world["own"])).status_code for name in TABLE}

    wrong = {
        name: (status, TABLE[name][column])
        for name, status in answers.items()
        if status not in _allowed(TABLE[name][column])
    }
    assert wrong == {}


@pytest.mark.parametrize("role", ROLES)
def test_another_companys_ids_are_not_found(world, role):
    client = _client(world, role)
    column = ROLES.index(role)

    answers = {name: client.get(_url(name, world["foreign"])).status_code for name in FOREIGN}

    assert {n: s for n, s in answers.items() if s not in _allowed(FOREIGN[n][column])} == {}


@pytest.mark.parametrize("role", ROLES)
def test_posting_another_companys_ids_changes_nothing(world, role):
    client = _client(world, role)
    column = ROLES.index(role)
    entries_before = list(HourEntry.objects.order_by("id").values_list("id", "status"))

    answers = {name: client.post(_url(name, world["foreign"])).status_code for name in FOREIGN_POST}

    assert {n: s for n, s in answers.items() if s not in _allowed(FOREIGN_POST[n][column])} == {}
    assert list(HourEntry.objects.order_by("id").values_list("id", "status")) == entries_before
