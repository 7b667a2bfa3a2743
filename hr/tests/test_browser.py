"""The HR journey in real Chromium: register, send in, reject one, fix, approve."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from hr.models import EntryStatus, HourEntry
from hr.tests.browser_helpers import logged_in, wait_for_js
from hr.tests.factories import EmployeeFactory, ProjectFactory, manager_of
from hr.weeks import monday_of, today_local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_week_sent_in_rejected_fixed_and_approved(browser, live_server, department):
    # given: an employee in «Bygg», its manager and a project
    company = department.company
    employee = EmployeeFactory.create(
        company=company, department=department, first_name="Per", last_name="Ås"
    )
    manager = manager_of(department, first_name="Lars", last_name="Bjørnstad")
    ProjectFactory.create(company=company, number="P-100", name="Kontorbygg Bjørvika")
    monday = monday_of(today_local())
    days = [monday + datetime.timedelta(days=offset) for offset in range(5)]

    # when: the employee registers Monday to Friday in the grid and sends the week in
    page = logged_in(browser, live_server, employee.email)
    page.locator("#new0-project").select_option(label="P-100 Kontorbygg Bjørvika")
    for index in range(len(days)):
        page.locator(f"#h-new0-{index}").fill("7,5")
        page.locator(f"#h-new0-{index}").press("Tab")  # leaving a cell saves it
    wait_for_js(page, "document.getElementById('week-total').textContent.trim() === '37,5 t'")
    assert HourEntry.objects.count() == 5
    page.get_by_role("button", name="Send inn").click()
    page.get_by_text("5 timeføringer er sendt til godkjenning.").wait_for()
    assert set(HourEntry.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}

    # and the manager rejects Monday with a reason and approves the rest of the week
    monday_entry = HourEntry.objects.get(date=days[0])
    boss = logged_in(browser, live_server, manager.email)
    boss.get_by_role("link", name="Godkjenning", exact=True).click()
    boss.get_by_text("Godkjenn eller avvis føring for føring").click()
    boss.locator(f"#reason-{monday_entry.id}").fill("Feil prosjekt, skal være 8 timer")
    boss.locator(f"#entry-{monday_entry.id}").get_by_role("button", name="Avvis").click()
    boss.get_by_text("1 timeføring er avvist.").wait_for()
    boss.get_by_role("button", name="Godkjenn uke").click()
    boss.get_by_text("4 timeføringer er godkjent.").wait_for()

    # then the employee sees the reason, fixes the entry and sends it again
    page.reload()
    row = page.locator(f"#entry-{monday_entry.id}")
    assert "Avvist" in row.inner_text()
    assert "Feil prosjekt, skal være 8 timer" in row.inner_text()
    row.get_by_role("link", name=re.compile("Endre")).click()
    page.get_by_label("Timer", exact=True).fill("8")
    page.get_by_role("button", name="Lagre").click()
    page.get_by_text("Timeføringen er oppdatert.").wait_for()
    page.get_by_role("button", name="Send inn").click()
    page.get_by_text("1 timeføring er sendt til godkjenning.").wait_for()

    # and the manager approves it
    boss.goto("/godkjenning/")
    boss.get_by_role("button", name="Godkjenn uke").click()
    boss.get_by_text("1 timeføring er godkjent.").wait_for()
    assert boss.get_by_text("Ingen timer venter på godkjenning.").is_visible()

    statuses = dict(HourEntry.objects.values_list("date", "status"))
    assert statuses == dict.fromkeys(days, EntryStatus.APPROVED)
    assert HourEntry.objects.get(date=days[0]).hours == Decimal("8.00")
    page.context.close()
    boss.context.close()


def test_week_view_by_keyboard_alone(browser, live_server, department):
    """Tab and type only: register hours, send the week in, and reach every control in order."""
    company = department.company
    employee = EmployeeFactory.create(company=company, department=department)
    ProjectFactory.create(company=company, number="P-100", name="Kontorbygg Bjørvika")
    page = logged_in(browser, live_server, employee.email)
    # The skip link is the first stop and moves focus to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Hopp til innholdet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    def tab_to(predicate_js: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate_js}; }})()"):
                return
        raise AssertionError(f"never reached: {predicate_js}")

    tab_to("el.name === 'new0-project'")
    page.keyboard.press("ArrowDown")  # first project after «Velg prosjekt»
    tab_to("el.name === 'h-new0-0'")
    page.keyboard.type("7,5")
    page.keyboard.press("Enter")  # saves the cell
    wait_for_js(page, "document.getElementById('grid-status').textContent === 'Lagret'")
    tab_to("el.tagName === 'BUTTON' && el.textContent.trim() === 'Send inn'")
    page.keyboard.press("Enter")
    page.get_by_text("1 timeføring er sendt til godkjenning.").wait_for()
    entry = HourEntry.objects.get(employee=employee)
    assert (entry.hours, entry.status) == (Decimal("7.50"), EntryStatus.SUBMITTED)
    page.context.close()
