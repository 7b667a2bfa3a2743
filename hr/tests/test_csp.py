"""The Content-Security-Policy: on every response, strict on the pages, and no violation in a real
browser on the main pages (an inline style or script anywhere would show up here)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from hr.tests.factories import PASSWORD, HourEntryFactory, ProjectFactory, manager_of

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


VIOLATIONS_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI + " " + event.sourceFile);
});
"""


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/logg-inn/", "/glemt-passord/", "/finnes-ikke/"])
def test_every_page_carries_the_strict_policy(path):
    response = Client().get(path)

    assert directives(response["Content-Security-Policy"]) == STRICT


@pytest.mark.django_db
def test_logged_in_pages_and_api_answers_carry_it_too(administrator):
    client = Client()
    client.force_login(administrator.user)

    for path in (reverse("hr:week"), reverse("hr:settings_employees"), reverse("v1:projects")):
        assert directives(client.get(path)["Content-Security-Policy"]) == STRICT


def _pages(department, administrator) -> list[str]:
    employee = department.employees.first()
    return [
        reverse("hr:week"),
        reverse("hr:approval"),
        reverse("hr:settings_general"),
        reverse("hr:settings_employees"),
        reverse("hr:settings_employee", args=[employee.id]),
        reverse("hr:settings_employee_new"),
        reverse("hr:settings_departments"),
        reverse("hr:settings_department", args=[department.id]),
        reverse("hr:settings_projects"),
        reverse("hr:settings_project_new"),
        reverse("hr:settings_wage_types"),
        reverse("hr:settings_wage_type_new"),
        reverse("hr:entry_edit", args=[HourEntryFactory.create(employee=administrator).id]),
        reverse("profile"),
        reverse("password_change"),
        reverse("v1:docs"),
        reverse("v1:redoc"),
        reverse("tripletex:transfers"),
        reverse("tripletex:reconciliation"),
        reverse("tripletex:audit"),
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_csp_violation_on_the_main_pages(browser, live_server, department, administrator):
    # given
    manager_of(department)
    ProjectFactory.create(company=department.company)
    context = browser.new_context(base_url=live_server.url, locale="nb-NO", timezone_id="Europe/Oslo")
    context.set_default_timeout(15_000)
    context.add_init_script(VIOLATIONS_RECORDER)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    violations: list[str] = []

    # when: the pages a stranger sees, then every main page of an administrator
    for path in ("/logg-inn/", "/glemt-passord/"):
        page.goto(path)
        violations += page.evaluate("window.__cspViolations")
    page.goto("/logg-inn/")
    page.get_by_label("E-post").fill(administrator.email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(re.compile(r"/timer/"))
    for path in _pages(department, administrator):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        violations += [f"{path}: {v}" for v in page.evaluate("window.__cspViolations")]

    # then
    context.close()
    assert violations == []
    assert [line for line in console if "Content Security Policy" in line] == []
