"""«Godkjenning» in Chromium: a manager filters by department and week, approves everything shown
while the payroll integration refuses one person, rejects a week with a reason, and does it all
with the keyboard; axe-core finds nothing serious."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

import pytest

from hr.integration import NoIntegration, integration_register
from hr.models import Company, EntryStatus, HourEntry
from hr.tests.browser_helpers import logged_in
from hr.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    ProjectFactory,
    manager_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEK_48 = datetime.date(2026, 11, 23)
WEEK_47 = datetime.date(2026, 11, 16)
SENT = datetime.datetime(2026, 11, 27, 16, 0, tzinfo=datetime.UTC)
REFUSAL = "Kåre Sæther er ikke koblet til en ansatt i Tripletex. En administrator kan koble ham."


class _RefusesKare(NoIntegration):
    def approval_blockers(self, *, company: Company, entries: Sequence[HourEntry]) -> dict[int, str]:
        return {e.id: REFUSAL for e in entries if e.employee.last_name == "Sæther"}


def _sent_in(employee, monday: datetime.date, project, days: int = 5) -> list[HourEntry]:
    return [
        HourEntryFactory.create(
            employee=employee,
            project=project,
            date=monday + datetime.timedelta(days=day),
            status=EntryStatus.SUBMITTED,
            submitted_at=SENT,
        )
        for day in range(days)
    ]


@pytest.fixture
def world(department):
    """A manager of «Bygg» and «Anlegg»; in «Bygg» three people with weeks 47 and 48 sent in, one
    of whom the integration refuses; in «Anlegg» one person with week 48."""
    company = department.company
    anlegg = DepartmentFactory.create(company=company, name="Anlegg")
    manager = manager_of(department, first_name="Lea", last_name="Leder")
    anlegg.managers.add(manager)
    project = ProjectFactory.create(
        company=company, number="P-100", name="Rehabilitering av Kontorbygg Bjørvika med parkeringskjeller"
    )
    bygg = [
        EmployeeFactory.create(company=company, department=department, first_name=first, last_name=last)
        for first, last in (("Anne", "Berg"), ("Bjørn", "Dahl"), ("Kåre", "Sæther"))
    ]
    other = EmployeeFactory.create(company=company, department=anlegg, first_name="Ola", last_name="Nord")
    for person in bygg:
        _sent_in(person, WEEK_48, project)
        _sent_in(person, WEEK_47, project)
    _sent_in(other, WEEK_48, project)
    integration_register(_RefusesKare())
    return {"manager": manager, "bygg": bygg, "other": other, "department": department}


def _statuses(employee, monday: datetime.date) -> set[str]:
    return set(
        HourEntry.objects.filter(
            employee=employee, date__range=(monday, monday + datetime.timedelta(days=6))
        ).values_list("status", flat=True)
    )


def test_a_manager_filters_approves_all_shown_and_rejects_a_week(browser, live_server, world, axe_check):
    anne, bjorn, kare = world["bygg"]
    page = logged_in(browser, live_server, world["manager"].email)
    page.goto("/godkjenning/")
    assert page.locator(".approval-week").count() == 7

    # when: filtered by «Bygg» and week 48
    page.get_by_label("Avdeling").select_option(label="Bygg")
    page.get_by_label("Uke", exact=True).fill("2026-W48")
    page.get_by_role("button", name="Vis", exact=True).click()

    # then: the filter is in the address, and only Bygg's week 48 is shown
    page.wait_for_url(re.compile(r"department=\d+.*week=2026-W48"))
    assert page.locator(".approval-week").count() == 3
    assert "Ola Nord" not in page.locator("#approval-form").inner_text()
    # long project names are cut with an ellipsis, and whole in the title
    name = page.locator(".approval-week .project-name").first
    assert name.get_attribute("title") == "P-100 Rehabilitering av Kontorbygg Bjørvika med parkeringskjeller"
    assert name.locator(".truncate").evaluate("el => getComputedStyle(el).textOverflow") == "ellipsis"
    axe_check(page)

    # when: everything shown is approved
    page.get_by_role("button", name="Godkjenn alle viste").click()

    # then: two weeks approved, Kåre's refused with one message for its cause
    page.wait_for_selector(".messages")
    messages = page.locator(".messages").inner_text()
    assert "2 uker er godkjent (10 timeføringer)." in messages
    assert messages.count(REFUSAL) == 1
    assert f"1 uke ble ikke godkjent: {REFUSAL}" in messages
    assert _statuses(anne, WEEK_48) == _statuses(bjorn, WEEK_48) == {EntryStatus.APPROVED}
    assert _statuses(kare, WEEK_48) == {EntryStatus.SUBMITTED}
    assert "week=2026-W48" in page.url  # still filtered
    axe_check(page)

    # when: week 47, Anne's week rejected first without a reason, then with one
    page.get_by_label("Uke", exact=True).fill("2026-W47")
    page.get_by_role("button", name="Vis", exact=True).click()
    page.wait_for_url(re.compile(r"week=2026-W47"))
    card = page.locator(".approval-week", has_text="Anne Berg")
    card.get_by_role("button", name="Avvis uke").click()
    assert "Skriv en begrunnelse for avvisningen." in page.locator(".messages").inner_text()
    assert _statuses(anne, WEEK_47) == {EntryStatus.SUBMITTED}
    card = page.locator(".approval-week", has_text="Anne Berg")
    card.get_by_label("Begrunnelse for avvisning").fill("Feil prosjekt på fredag")
    card.get_by_role("button", name="Avvis uke").click()

    # then
    assert "5 timeføringer er avvist." in page.locator(".messages").inner_text()
    assert set(
        HourEntry.objects.filter(employee=anne, date__lt=WEEK_48).values_list("status", "rejection_reason")
    ) == {(EntryStatus.REJECTED, "Feil prosjekt på fredag")}
    page.context.close()


def test_godkjenn_uke_is_reached_with_tab_and_pressed_with_enter(browser, live_server, world):
    anne = world["bygg"][0]
    page = logged_in(browser, live_server, world["manager"].email)
    page.goto(f"/godkjenning/?employee={anne.id}&week=2026-W48")
    assert page.locator(".approval-week").count() == 1

    # when: Tab until «Godkjenn uke» has the focus, then Enter
    whole_name_on_focus = False
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        if focused == "Godkjenn uke":
            break
        if focused.startswith("P-100") and not whole_name_on_focus:
            # the project's cell takes the focus, and shows the whole name while it has it
            cell = page.locator(".approval-week .project-name:focus .truncate")
            assert cell.evaluate("el => getComputedStyle(el).whiteSpace") == "normal"
            whole_name_on_focus = True
    else:
        raise AssertionError("«Godkjenn uke» never had the focus")
    assert whole_name_on_focus
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")

    # then
    page.wait_for_selector(".messages")
    assert "5 timeføringer er godkjent." in page.locator(".messages").inner_text()
    assert _statuses(anne, WEEK_48) == {EntryStatus.APPROVED}
    assert _statuses(anne, WEEK_47) == {EntryStatus.SUBMITTED}
    page.context.close()


def test_a_bad_filter_says_why_and_the_entry_by_entry_table_passes_axe(
    browser, live_server, world, axe_check
):
    page = logged_in(browser, live_server, world["manager"].email)

    # when: a week that does not exist
    page.goto("/godkjenning/?week=2025-W53")

    # then
    assert "Skriv uken som år og ukenummer" in page.locator("#filter-week-error").inner_text()
    assert page.locator("#filter-week").get_attribute("aria-invalid") == "true"
    assert page.locator(".approval-week").count() == 0
    axe_check(page)

    # when: a valid filter, and a card's entries opened one by one
    page.goto(f"/godkjenning/?employee={world['bygg'][0].id}")
    page.get_by_text("Godkjenn eller avvis føring for føring").first.click()

    # then
    assert page.locator(".week-entries[open] tbody tr").count() == 5
    axe_check(page)
    page.context.close()
