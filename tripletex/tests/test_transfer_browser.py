"""Approved hours reach Tripletex, seen in real Chromium against the sandbox over HTTP.

An employee sends a week in, the manager approves it in «Godkjenning», and «Mine timer» says
«Tripletex: Sendt» while the sandbox holds the entry. Hours Tripletex refuses show «Tripletex:
Feilet» with the reason; «Prøv igjen» on «Overføringer» sends them once the cause is fixed there.
After «Fjern integrasjonen», a later approval shows «Tripletex: Ikke sendt» and nothing reaches
Tripletex. Celery runs eagerly here (the development default): the transfer happens in the request.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from hr.models import Employee, HourEntry
from hr.tests.browser_helpers import logged_in, wait_for_js
from hr.tests.factories import (
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    administrator_of,
    manager_of,
)
from tripletex.models import Connection, ItemKind, RemoteHours, TransferState, WizardItem
from tripletex.sandbox import messages as sandbox_messages
from tripletex.services import wizard
from tripletex.transfer import comments, texts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEK = "/timer/?year=2026&week=48"  # Monday 23 to Sunday 29 November 2026
TUESDAY, WEDNESDAY, THURSDAY = (datetime.date(2026, 11, 24) + datetime.timedelta(days=d) for d in range(3))
PROJECT = "P-100 Nybygg Bjørvika kontorbygg"


@pytest.fixture(autouse=True)
def _point_at_sandbox(settings, tripletex_sandbox):
    settings.TRIPLETEX_BASE_URL = tripletex_sandbox.base_url
    settings.TRIPLETEX_CONSUMER_TOKEN = tripletex_sandbox.consumer_token
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(transactional_db, tripletex_sandbox) -> tuple[Employee, Employee, Employee]:
    """Grønn Bygg AS connected through the wizard: P-100, the administrator (1001) and Kåre (1003)
    linked; Kåre's department «Bygg» is led by Øystein."""
    company = CompanyFactory.create(name="Grønn Bygg AS")
    department = DepartmentFactory.create(company=company, name="Bygg")
    admin = administrator_of(company, email="admin@gronnbygg.no", employee_number="1001")
    employee = EmployeeFactory.create(
        company=company,
        department=department,
        email="ansatt@gronnbygg.no",
        employee_number="1003",
        first_name="Kåre",
        last_name="Sæther",
    )
    manager = manager_of(department, email="leder@gronnbygg.no", first_name="Øystein", last_name="Lærum")
    run = wizard.wizard_start(actor=admin)
    run = wizard.wizard_key_check(actor=admin, run=run, key=tripletex_sandbox.employee_token)
    for kind in (ItemKind.PROJECT, ItemKind.EMPLOYEE):
        wizard.wizard_fetch(run_id=run.id, kind=kind)
    chosen = WizardItem.objects.filter(run=run, number__in=["P-100", "1001", "1003"])
    for kind in (ItemKind.PROJECT, ItemKind.EMPLOYEE):
        ids = [i.id for i in chosen if i.kind == kind]
        wizard.wizard_selection_save(
            actor=admin, run=run, kind=kind, shown_ids=ids, selected_ids=ids, options={}
        )
    wizard.wizard_finish(actor=admin, run=run, send_hours_from=datetime.date(2026, 1, 1))
    return admin, manager, employee


def send_in(page, day: datetime.date, hours: str) -> HourEntry:
    """The employee registers hours on P-100 in week 48 and sends the week in."""
    page.goto(WEEK)
    page.locator("#new0-project").select_option(label=PROJECT)
    field = page.locator(f"#h-new0-{day.weekday()}")
    field.fill(hours)
    field.press("Tab")  # leaving the cell saves it
    wait_for_js(page, "document.getElementById('grid-status').textContent === 'Lagret'")
    page.get_by_role("button", name="Send inn").click()
    page.get_by_text("1 timeføring er sendt til godkjenning.").wait_for()
    return HourEntry.objects.get(date=day)


def approve_week(boss) -> None:
    boss.get_by_role("link", name="Godkjenning", exact=True).click()
    boss.get_by_role("button", name="Godkjenn uke").click()
    boss.get_by_text("1 timeføring er godkjent.").wait_for()


def transfer_badge(page, entry: HourEntry):
    page.goto(WEEK)
    return page.locator(f"#entry-{entry.id} .transfer")


def remote_entries(tripletex_sandbox) -> list[tuple[int, str, Decimal]]:
    with tripletex_sandbox.app.lock:
        return sorted(
            (e.employee_id, e.date.isoformat(), e.hours) for e in tripletex_sandbox.app.store.entries.values()
        )


def set_project_closed(tripletex_sandbox, closed: bool) -> None:
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id("P-100")].is_closed = closed


def test_approved_hours_reach_tripletex_refusals_show_and_retry_and_removal_stops_them(
    browser, live_server, people, tripletex_sandbox
):
    admin, manager, employee = people
    kare = tripletex_sandbox.employee_id("1003")
    page = logged_in(browser, live_server, employee.email)
    boss = logged_in(browser, live_server, manager.email)

    # when: Kåre sends a Tuesday in and Øystein approves it in «Godkjenning»
    tuesday = send_in(page, TUESDAY, "7,5")
    approve_week(boss)

    # then: «Mine timer» says it reached Tripletex, and the sandbox holds it, marked as ours
    badge = transfer_badge(page, tuesday)
    assert badge.get_by_text("Tripletex: Sendt").is_visible()
    assert remote_entries(tripletex_sandbox) == [(kare, "2026-11-24", Decimal("7.5"))]
    with tripletex_sandbox.app.lock:
        [stored] = tripletex_sandbox.app.store.entries.values()
    assert comments.MARKER in stored.comment

    # when: P-100 is closed in Tripletex before the Wednesday is approved
    set_project_closed(tripletex_sandbox, True)
    wednesday = send_in(page, WEDNESDAY, "4")
    approve_week(boss)

    # then: Kåre sees «Feilet» with Tripletex's reason; nothing more is stored there
    badge = transfer_badge(page, wednesday)
    assert badge.get_by_text("Tripletex: Feilet").is_visible()
    reason = badge.locator(".transfer-message").inner_text()
    assert reason.startswith(str(texts.STATUS_REFUSED_SHOWN))
    assert badge.locator(".transfer-says").inner_text() == sandbox_messages.MSG_PROJECT_CLOSED
    assert len(remote_entries(tripletex_sandbox)) == 1

    # and the administrator finds it on «Overføringer», linked from the Tripletex card
    office = logged_in(browser, live_server, admin.email)
    office.get_by_role("link", name="Selskapsinnstillinger").click()
    card = office.locator("#tripletex")
    assert card.locator("#transfer-failed").inner_text() == "1"
    card.get_by_role("link", name="Overføringer").click()
    office.get_by_role("heading", name="Overføringer til Tripletex").wait_for()
    row = RemoteHours.objects.get(date=WEDNESDAY)
    problem = office.locator(f"#transfer-{row.id}")
    assert "Feilet" in problem.inner_text()
    assert sandbox_messages.MSG_PROJECT_CLOSED in problem.inner_text()
    assert row.request_id and row.request_id in problem.inner_text()

    # when: the project is reopened in Tripletex and «Prøv igjen» is clicked
    set_project_closed(tripletex_sandbox, False)
    problem.get_by_role("button", name="Prøv igjen").click()
    office.get_by_text("1 sendes på nytt.").wait_for()

    # then: the list is empty, Kåre sees «Sendt», and Tripletex holds both days once
    office.get_by_text("Alt som er godkjent, har kommet fram til Tripletex.").wait_for()
    assert transfer_badge(page, wednesday).get_by_text("Tripletex: Sendt").is_visible()
    assert remote_entries(tripletex_sandbox) == [
        (kare, "2026-11-24", Decimal("7.5")),
        (kare, "2026-11-25", Decimal("4")),
    ]

    # when: the administrator removes the integration, and a Thursday is approved afterwards
    office.get_by_role("link", name="Selskapsinnstillinger").click()
    office.locator("#tripletex").get_by_role("link", name="Fjern integrasjonen").click()
    office.get_by_role("button", name="Fjern integrasjonen").click()
    office.get_by_text("Integrasjonen med Tripletex er fjernet.").wait_for()
    assert not Connection.objects.get().is_active
    posts_before = tripletex_sandbox.request_count("POST /timesheet/entry")
    thursday = send_in(page, THURSDAY, "3")
    approve_week(boss)

    # then: Kåre sees «Ikke sendt», and Tripletex heard nothing of it
    badge = transfer_badge(page, thursday)
    assert badge.get_by_text("Tripletex: Ikke sendt").is_visible()
    assert badge.locator(".transfer-message").inner_text() == str(texts.STATUS_APPROVED_WHILE_REMOVED)
    assert RemoteHours.objects.get(date=THURSDAY).state == TransferState.NOT_SENT
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == posts_before
    assert len(remote_entries(tripletex_sandbox)) == 2
    for context in {p.context for p in (page, boss, office)}:
        context.close()
