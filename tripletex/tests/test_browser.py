"""«Koble til Tripletex» in real Chromium against the sandbox over HTTP."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core import mail
from playwright.sync_api import Page

from hr.models import Employee, Project
from hr.tests.browser_helpers import logged_in
from hr.tests.factories import CompanyFactory, DepartmentFactory, administrator_of
from tripletex.models import Connection, WizardRun, WizardStatus
from tripletex.sandbox import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _point_at_sandbox(settings, tripletex_sandbox):
    settings.TRIPLETEX_BASE_URL = tripletex_sandbox.base_url
    settings.TRIPLETEX_CONSUMER_TOKEN = tripletex_sandbox.consumer_token


@pytest.fixture
def admin(transactional_db):
    company = CompanyFactory.create(name="Grønn Bygg AS")
    DepartmentFactory.create(company=company, name="Bygg")
    return administrator_of(company, email="admin@gronnbygg.no", employee_number="1001")


def open_general(page: Page) -> None:
    page.get_by_role("link", name="Selskapsinnstillinger").click()
    page.get_by_role("heading", name="Integrasjoner").wait_for()


def tick(page: Page, name: str) -> None:
    page.get_by_role("checkbox", name=f"Velg {name}").check()


def test_connect_import_update_remove_and_reconnect(
    browser, live_server, admin, tripletex_sandbox, axe_check
):
    page = logged_in(browser, live_server, admin.email)
    open_general(page)

    # step 1: the key, with the application name shown exactly
    page.get_by_role("button", name="Koble til Tripletex").click()
    assert page.locator("#application-name").inner_text() == "GrønnJobb"
    page.get_by_label("API-brukernøkkel", exact=True).fill(tripletex_sandbox.employee_token)
    page.get_by_role("button", name="Neste").click()
    page.get_by_text("Nøkkelen virker: den hører til Grønn Bygg AS").wait_for()

    # step 2-4: some of each
    page.get_by_role("heading", name="Steg 2: Prosjekter").wait_for()
    assert "Avsluttet i Tripletex" in page.locator("tbody").inner_text()
    tick(page, "Nybygg Bjørvika kontorbygg")
    tick(page, "Grøntanlegg Fjøsanger")
    page.get_by_role("button", name="Neste →").click()
    page.get_by_role("heading", name="Steg 3: Lønnsarter").wait_for()
    page.locator("input[name=selected]:not([disabled])").first.check()
    page.get_by_role("button", name="Neste →").click()
    page.get_by_role("heading", name="Steg 4: Ansatte").wait_for()
    tick(page, "Tor Kjærnes")
    row = page.locator("tr", has=page.get_by_role("checkbox", name="Velg Tor Kjærnes"))
    assert "I Tripletex: Anlegg" in row.inner_text()
    row.get_by_label("Avdeling").select_option(label="Bygg")
    # a Tripletex department with no namesake here can be created
    tick(page, "Sølvi Grønås")
    row = page.locator("tr", has=page.get_by_role("checkbox", name="Velg Sølvi Grønås"))
    row.get_by_label("Avdeling").select_option(label="Opprett avdelingen «Administrasjon»")
    # 1013 has no employment in Tripletex
    row = page.locator("tr", has=page.get_by_role("checkbox", name="Velg Even Strøm"))
    assert row.locator("[data-warning=no-employment]").inner_text() == "Har ikke arbeidsforhold i Tripletex"
    assert page.locator("[data-warning=no-employment]").count() == 1
    axe_check(page)
    page.get_by_role("button", name="Neste →").click()

    # step 5: the summary says exactly what happens; «Ferdigstill»
    page.get_by_role("heading", name="Steg 5: Oppsummering").wait_for()
    assert page.locator("#summary-project [data-count=create]").inner_text() == "2"
    assert page.locator("#summary-employee [data-count=create]").inner_text() == "2"
    assert page.locator("#summary-new-departments").inner_text() == (
        "1 avdeling opprettes for nye ansatte: Administrasjon"
    )
    page.get_by_role("button", name="Ferdigstill").click()
    page.get_by_text("Integrasjonen med Tripletex er aktiv.").wait_for()
    card = page.locator("#tripletex")
    assert "Grønn Bygg AS" in card.inner_text()
    assert "Aktiv" in card.inner_text()
    assert set(Project.objects.values_list("number", flat=True)) == {"P-100", "P-400"}

    # the imported employee sets a password from the invitation and logs in
    invitation = next(m for m in mail.outbox if m.to == ["tor.kjaernes@gronnbygg.no"])
    found = re.search(r"https?://\S+/passord/\S+/", str(invitation.body))
    assert found is not None
    link = found.group(0)
    path = "/" + link.split("/", 3)[3]
    employee_page = browser.new_context(base_url=live_server.url).new_page()
    employee_page.goto(path)
    employee_page.get_by_label("Nytt passord", exact=True).fill("et-langt-passord-42")
    employee_page.get_by_label("Bekreft nytt passord").fill("et-langt-passord-42")
    employee_page.get_by_role("button", name="Lagre passord").click()
    employee_page.get_by_text("Passordet er lagret").wait_for()
    logged_in(browser, live_server, "tor.kjaernes@gronnbygg.no", "et-langt-passord-42")
    departments = Employee.objects.values_list("department__name", flat=True)
    assert departments.get(employee_number="1014") == "Bygg"
    assert departments.get(employee_number="1015") == "Administrasjon"

    # «Oppdater Tripletex» after the sandbox gained a project; keep the key
    with tripletex_sandbox.app.lock:
        demo.add_project(
            tripletex_sandbox.app.store,
            name="Kai på Ålgård",
            number="P-800",
            start_date=datetime.date(2026, 1, 1),
        )
    page.get_by_role("button", name="Oppdater Tripletex").click()
    page.get_by_role("button", name="Neste").click()  # empty field keeps the key
    page.get_by_role("heading", name="Steg 2: Prosjekter").wait_for()
    # P-600 is for participants only: who takes part, and who linked here does not
    row = page.locator("tr", has=page.get_by_role("checkbox", name="Velg Brygge på Stø"))
    assert (
        row.locator("[data-participants]").inner_text() == "Deltakere i Tripletex: Åse Bråten, Øystein Lærum"
    )
    assert row.locator("[data-non-participants]").inner_text() == (
        "Ikke deltakere (timene deres her blir ikke godkjent): Sølvi Grønås, Tor Kjærnes"
    )
    axe_check(page)
    page.get_by_role("link", name="Nye").click()
    tick(page, "Kai på Ålgård")
    page.get_by_role("button", name="Neste →").click()
    page.get_by_role("link", name="5. Oppsummering").click()
    page.get_by_role("button", name="Ferdigstill").click()
    page.get_by_text("Integrasjonen med Tripletex er aktiv.").wait_for()
    assert Project.objects.filter(number="P-800", name="Kai på Ålgård").exists()

    # remove, then reconnect: the links are reused, nothing is duplicated
    page.get_by_role("link", name="Fjern integrasjonen").click()
    page.get_by_role("button", name="Fjern integrasjonen").click()
    page.get_by_text("Integrasjonen med Tripletex er fjernet.").wait_for()
    assert not Connection.objects.get().is_active
    page.get_by_role("button", name="Koble til Tripletex").click()
    page.get_by_label("API-brukernøkkel", exact=True).fill(tripletex_sandbox.employee_token)
    page.get_by_role("button", name="Neste").click()
    page.get_by_role("heading", name="Steg 2: Prosjekter").wait_for()
    page.get_by_role("link", name="Koblet", exact=True).click()
    assert page.locator("tbody tr").count() == 3
    page.get_by_role("link", name="5. Oppsummering").click()
    page.get_by_role("button", name="Ferdigstill").click()
    page.get_by_text("Integrasjonen med Tripletex er aktiv.").wait_for()
    assert Project.objects.count() == 3
    page.context.close()


def test_wrong_key_and_abandoned_wizard(browser, live_server, admin, tripletex_sandbox):
    page = logged_in(browser, live_server, admin.email)
    open_general(page)
    page.get_by_role("button", name="Koble til Tripletex").click()
    page.get_by_label("API-brukernøkkel", exact=True).fill(demo.DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN)
    page.get_by_role("button", name="Neste").click()
    page.get_by_role("alert").get_by_text("Nøkkelen er laget for en annen applikasjon").wait_for()
    page.get_by_label("API-brukernøkkel", exact=True).fill("feil-nokkel")
    page.get_by_role("button", name="Neste").click()
    page.get_by_role("alert").get_by_text("Tripletex godtok ikke nøkkelen").wait_for()

    # a correct key, then the administrator walks away before «Ferdigstill»
    page.get_by_label("API-brukernøkkel", exact=True).fill(tripletex_sandbox.employee_token)
    page.get_by_role("button", name="Neste").click()
    page.get_by_role("heading", name="Steg 2: Prosjekter").wait_for()
    open_general(page)
    assert page.get_by_role("link", name="Fortsett oppsettet").is_visible()
    assert not Connection.objects.filter(is_active=True).exists()
    page.get_by_role("button", name="Avbryt oppsettet").click()
    page.get_by_text("Oppsettet er avbrutt.").wait_for()
    assert page.get_by_role("button", name="Koble til Tripletex").is_visible()
    assert WizardRun.objects.get().status == WizardStatus.CANCELLED
    assert not Connection.objects.filter(is_active=True).exists()
    page.context.close()


def test_demo_company_with_only_next_and_finish_links_everything_that_matches(
    browser, live_server, tripletex_sandbox
):
    # given: the demo company, never connected
    from django.core.management import call_command

    from hr.management.commands.seed_demo import DEMO_PASSWORD
    from tripletex.models import EmployeeLink, ProjectLink, WageTypeLink

    call_command("seed_demo", stdout=io.StringIO())
    page = logged_in(browser, live_server, "admin@gronnbygg.no", DEMO_PASSWORD)
    open_general(page)
    # when: the key, then only «Neste» through the steps
    page.get_by_role("button", name="Koble til Tripletex").click()
    page.get_by_label("API-brukernøkkel", exact=True).fill(tripletex_sandbox.employee_token)
    page.get_by_role("button", name="Neste").click()
    for heading in ("Steg 2: Prosjekter", "Steg 3: Lønnsarter", "Steg 4: Ansatte"):
        page.get_by_role("heading", name=heading).wait_for()
        page.get_by_role("button", name="Neste →").wait_for()
        assert page.locator("[data-plan=keep]").count() == 0  # nothing is linked yet
        page.get_by_role("button", name="Neste →").click()
    # then: the summary says what will be linked, and agrees with the steps' «Kobles»
    page.get_by_role("heading", name="Steg 5: Oppsummering").wait_for()
    counts = {
        kind: {
            what: page.locator(f"#summary-{kind} [data-count={what}]").inner_text()
            for what in ("create", "link", "update")
        }
        for kind in ("project", "wage_type", "employee")
    }
    assert counts == {
        "project": {"create": "0", "link": "3", "update": "1"},  # P-300 was renamed in Tripletex
        "wage_type": {"create": "0", "link": "2", "update": "0"},
        "employee": {"create": "0", "link": "12", "update": "1"},  # 1008 is «Marthe» there
    }
    page.get_by_role("button", name="Ferdigstill").click()
    page.get_by_text("Integrasjonen med Tripletex er aktiv.").wait_for()
    # and every match is linked; the card says the same
    assert EmployeeLink.objects.count() == 13
    assert set(ProjectLink.objects.values_list("project__number", flat=True)) == {
        "P-100",
        "P-200",
        "P-300",
        "P-600",
    }
    assert set(WageTypeLink.objects.values_list("wage_type__name", flat=True)) == {
        "Overtid 50 %",
        "Overtid 100 %",
    }
    assert page.locator("#tripletex-links").inner_text() == "13 ansatte, 4 prosjekter, 2 lønnsarter"
    page.context.close()
