"""The week grid in real Chromium: keyboard only, failed saves, copying, statuses, phones, on behalf."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

import pytest
from django.db.utils import OperationalError
from playwright.sync_api import Page

from hr.integration import NoIntegration, integration_register
from hr.models import EntryStatus, HourEntry, WageType
from hr.tests.browser_helpers import logged_in, wait_for_js
from hr.tests.factories import EmployeeFactory, HourEntryFactory, ProjectFactory, manager_of
from hr.weeks import monday_of, today_local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SENT = datetime.datetime(2026, 11, 2, 12, 0, tzinfo=datetime.UTC)


def wait_for(predicate, timeout: float = 10.0) -> None:
    """Poll the database until the predicate holds. On SQLite the test's in-memory database is
    shared with the live server's thread; while that thread holds a write transaction, a read here
    is refused at once with «table is locked» (shared-cache locks do not wait), which means "not
    yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OperationalError as error:
            if "locked" not in str(error):
                raise
        time.sleep(0.1)
    raise AssertionError("the condition never held")


def focused(page: Page) -> dict[str, str]:
    element: dict[str, str] = page.evaluate(
        "(() => { const el = document.activeElement;"
        " return {name: el.name || '', tag: el.tagName, text: (el.textContent || '').trim()}; })()"
    )
    return element


def tab_to(page, predicate_js: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate_js}; }})()"):
            return
    raise AssertionError(f"never reached: {predicate_js}")


@pytest.fixture
def people(department):
    company = department.company
    employee = EmployeeFactory.create(
        company=company, department=department, first_name="Per", last_name="Ås"
    )
    ProjectFactory.create(company=company, number="P-100", name="Kontorbygg Bjørvika")
    ProjectFactory.create(company=company, number="P-200", name="Barnehage Årstad")
    return employee


def test_a_whole_week_typed_with_the_keyboard_alone(browser, live_server, people, axe_check):
    # given an empty week
    page = logged_in(browser, live_server, people.email)
    axe_check(page)
    monday = monday_of(today_local())
    # when: first row, P-100, Monday to Friday with arrows between the days
    tab_to(page, "el.name === 'new0-project'")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # lønnsart: «Ordinær tid»
    page.keyboard.press("Tab")  # Monday
    for index, typed in enumerate(["7,5", "7.5", "7:30", "7t 30m", "7,5"]):
        page.keyboard.type(typed)
        page.keyboard.press("ArrowRight" if index < 4 else "Enter")
    # and a second row through «Legg til rad», P-200, one hour a day
    tab_to(page, "el.textContent.trim() === 'Legg til rad'")
    page.keyboard.press("Enter")
    assert focused(page)["name"] == "new1-project"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    for index in range(5):
        page.keyboard.type("1")
        page.keyboard.press("ArrowRight" if index < 4 else "Tab")
    # then every cell was saved as it was left, and focus stayed in the grid
    wait_for(lambda: HourEntry.objects.filter(employee=people).count() == 10)
    hours = {
        (e.project.number, (e.date - monday).days): e.hours
        for e in HourEntry.objects.filter(employee=people).select_related("project")
    }
    assert hours == {
        **{("P-100", day): Decimal("7.50") for day in range(5)},
        **{("P-200", day): Decimal("1.00") for day in range(5)},
    }
    # the totals follow when the last answer arrives
    wait_for_js(page, "document.getElementById('week-total').textContent.trim() === '42,5 t'")
    wait_for_js(page, "document.getElementById('grid-status').textContent === 'Lagret'")
    assert page.evaluate("document.activeElement.closest('#week-grid') !== null")
    # and after a reload the week is a grid of two rows, typed values shown in Norwegian
    page.reload()
    assert page.locator("#week-grid tbody tr.grid-row:not(.new-row)").count() == 2
    first_cell = page.locator("#week-grid input.hours").first
    assert first_cell.input_value() == "7,5"
    # Escape restores the saved value, Enter moves down
    first_cell.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Escape")
    assert first_cell.input_value() == "7,5"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id").endswith("-0")
    assert page.evaluate("document.activeElement.id") != first_cell.get_attribute("id")
    page.context.close()


def test_a_failed_cell_save_keeps_the_value_and_says_why(browser, live_server, people, axe_check):
    page = logged_in(browser, live_server, people.email)
    page.locator("#new0-project").select_option(label="P-100 Kontorbygg Bjørvika")
    cell = page.locator("#h-new0-0")
    cell.fill("25")
    cell.press("Tab")
    error = page.locator("#week-grid .cell-error")
    error.wait_for()
    assert "Du kan ikke føre mer enn 24 timer på én dag" in error.inner_text()
    assert cell.input_value() == "25"
    assert cell.get_attribute("aria-invalid") == "true"
    wait_for_js(page, "document.getElementById('grid-status').textContent.startsWith('Ikke lagret')")
    assert not HourEntry.objects.exists()
    axe_check(page)
    # fixing it clears the mark
    cell.fill("8")
    cell.press("Tab")
    wait_for(lambda: HourEntry.objects.filter(hours=Decimal("8")).exists())
    wait_for_js(page, "!document.querySelector('#week-grid .cell-error')")
    assert cell.get_attribute("aria-invalid") is None
    page.context.close()


def test_copy_last_week_rows_only_then_rows_and_hours(browser, live_server, people):
    monday = monday_of(today_local())
    ordinary = WageType.objects.get(company=people.company, is_builtin=True)
    project = ProjectFactory.create(company=people.company, number="P-300", name="Tunnel")
    for day in range(3):
        HourEntryFactory.create(
            employee=people,
            project=project,
            wage_type=ordinary,
            date=monday - datetime.timedelta(days=7 - day),
        )
    page = logged_in(browser, live_server, people.email)
    page.get_by_role("button", name="Bare rader").click()
    page.get_by_text("1 rad er kopiert fra forrige uke.").wait_for()
    row = page.locator("#week-grid tr.grid-row", has_text="P-300 Tunnel")
    assert row.locator("input.hours").first.input_value() == ""
    assert HourEntry.objects.filter(date__gte=monday).count() == 0
    page.get_by_role("button", name="Rader og timer").click()
    page.get_by_text("3 timeføringer er kopiert fra forrige uke.").wait_for()
    assert page.locator("#week-total").inner_text() == "22,5 t"
    page.get_by_role("button", name="Rader og timer").click()
    page.get_by_text(
        "Denne uken har allerede timer på de samme dagene, prosjektene og lønnsartene."
    ).wait_for()
    page.context.close()


def test_approved_and_sent_in_cells_are_read_only_rejected_ones_editable(
    browser, live_server, people, axe_check
):
    monday = monday_of(today_local())
    ordinary = WageType.objects.get(company=people.company, is_builtin=True)
    project = ProjectFactory.create(company=people.company, number="P-400", name="Kai")
    common = {"employee": people, "project": project, "wage_type": ordinary, "submitted_at": SENT}
    HourEntryFactory.create(**common, date=monday, status=EntryStatus.APPROVED, decided_at=SENT)
    HourEntryFactory.create(**common, date=monday + datetime.timedelta(days=1), status=EntryStatus.SUBMITTED)
    HourEntryFactory.create(
        **common,
        date=monday + datetime.timedelta(days=2),
        status=EntryStatus.REJECTED,
        decided_at=SENT,
        rejection_reason="Feil aktivitet",
    )
    page = logged_in(browser, live_server, people.email)
    row = page.locator("#week-grid tr.grid-row", has_text="P-400 Kai")
    cells = row.locator("td.cell")
    assert cells.nth(0).locator("input").count() == 0
    assert "Godkjent" in cells.nth(0).inner_text()
    assert cells.nth(1).locator("input").count() == 0
    assert "Til godkjenning" in cells.nth(1).inner_text()
    rejected = cells.nth(2).locator("input.hours")
    rejected.focus()
    assert cells.nth(2).locator(".tip").is_visible()
    assert "Avvist: Feil aktivitet" in cells.nth(2).locator(".tip").inner_text()
    rejected.fill("6")
    rejected.press("Tab")
    wait_for(lambda: HourEntry.objects.filter(status=EntryStatus.REJECTED, hours=Decimal("6")).exists())
    axe_check(page)
    page.context.close()


class _NotLinked(NoIntegration):
    def row_warnings(self, *, company, employee, rows, date):
        return {
            (
                project.id,
                wage_type.id,
            ): f"Prosjektet «{project}» er ikke koblet til Tripletex. En administrator kan koble det."
            for project, wage_type in rows
            if project.number == "P-200"
        }


def test_a_row_that_could_not_be_sent_says_so_at_once(browser, live_server, people):
    integration_register(_NotLinked())
    page = logged_in(browser, live_server, people.email)
    page.locator("#new0-project").select_option(label="P-200 Barnehage Årstad")
    page.locator("#h-new0-0").fill("4")
    page.locator("#h-new0-0").press("Tab")
    wait_for(lambda: HourEntry.objects.filter(employee=people).exists())
    page.reload()
    warning = page.locator("#week-grid .row-warning")
    assert warning.inner_text() == (
        "Prosjektet «P-200 Barnehage Årstad» er ikke koblet til Tripletex. En administrator kan koble det."
    )
    # the employee can still send in
    page.get_by_role("button", name="Send inn").click()
    page.get_by_text("1 timeføring er sendt til godkjenning.").wait_for()
    page.context.close()


def test_a_week_on_a_phone_day_by_day(browser, live_server, people, axe_check):
    page = logged_in(
        browser, live_server, people.email, viewport={"width": 375, "height": 812}, has_touch=True
    )
    assert page.locator("#week-grid").is_hidden()
    panels = page.locator("#week-days details[name=week-day]")
    assert panels.count() == 7
    assert page.locator("#week-days details[name=week-day][open]").count() == 1
    monday = monday_of(today_local())
    # a row added for the week, then its days filled in the day panels
    page.locator("#week-days .new-row-panel > summary").click()
    page.locator("#m-new0-project").select_option(label="P-100 Kontorbygg Bjørvika")
    page.locator("#m-h-new0-0").fill("7,5")
    page.locator("#m-h-new0-0").press("Tab")
    wait_for(lambda: HourEntry.objects.filter(employee=people).count() == 1)
    page.reload()
    for index in range(1, 5):
        panel = panels.nth(index)
        panel.locator("> summary").click()
        assert page.locator("#week-days details[name=week-day][open]").count() == 1
        hours = panel.locator("input.hours").first
        hours.fill("7:30")
        hours.press("Tab")
        wait_for(lambda expected=index + 1: HourEntry.objects.filter(employee=people).count() == expected)
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('body *')).filter(e => e.offsetParent"
        " && e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, wide
    small = page.evaluate(
        "Array.from(document.querySelectorAll('#week-days input.hours, #week-days select, #week-days summary,"
        " #week-days button')).filter(el => el.offsetParent && el.getBoundingClientRect().height < 44).length"
    )
    assert small == 0
    axe_check(page)
    page.get_by_role("button", name="Send inn").click()
    page.get_by_text("5 timeføringer er sendt til godkjenning.").wait_for()
    assert {e.date for e in HourEntry.objects.filter(status=EntryStatus.SUBMITTED)} == {
        monday + datetime.timedelta(days=day) for day in range(5)
    }
    page.context.close()


def test_a_manager_uses_the_same_grid_for_an_employee(browser, live_server, people, department):
    manager = manager_of(department, first_name="Lars", last_name="Bjørnstad")
    page = logged_in(browser, live_server, manager.email)
    page.get_by_label("Vis timer for").select_option(label="Per Ås")
    page.get_by_role("button", name="Vis", exact=True).click()
    page.get_by_role("heading", name="Timer for Per Ås").wait_for()
    assert "Du fører timer på vegne av Per Ås." in page.locator(".acting-for").inner_text()
    page.locator("#new0-project").select_option(label="P-100 Kontorbygg Bjørvika")
    page.locator("#h-new0-1").fill("7,5")
    page.locator("#h-new0-1").press("Tab")
    wait_for(lambda: HourEntry.objects.filter(employee=people).exists())
    assert not HourEntry.objects.filter(employee=manager).exists()
    page.get_by_role("button", name="Send inn").click()
    page.get_by_text("1 timeføring er sendt til godkjenning.").wait_for()
    assert HourEntry.objects.get().submitted_by == manager
    page.context.close()
