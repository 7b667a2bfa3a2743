"""The demo company's first hour, in real Chromium against the sandbox over HTTP.

The administrator of the demo company connects Tripletex with only «Neste» and «Ferdigstill», then
approves every week sent in with «Godkjenn alle viste». Every approval succeeds except the demo's
deliberate examples (README, «Demo logins»), each refused once with its reason, and Tripletex then
holds exactly the approved hours from the proposed send-from date: no more, no less.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from hr.management.commands.seed_demo import DEMO_PASSWORD
from hr.models import EntryStatus, HourEntry
from hr.tests.browser_helpers import logged_in
from hr.weeks import monday_of, today_local
from tripletex.models import Connection, RemoteHours, RemoteSalaryLine, TransferState, WageTypeLink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The deliberate examples whose weeks cannot be approved, and why (one message per cause).
REFUSED = {
    "1016": "Per Uten Epost er ikke koblet til en ansatt i Tripletex",
    "1011": "Bjørn Dahl er ikke deltaker i prosjektet",
    "1009": "Solveig Ødegaard er ikke deltaker i prosjektet",
    "1007": "Bod på Røa» er avsluttet",
}
# Her own week waits for another administrator: nobody approves their own hours.
OWN = "1001"


@pytest.fixture(autouse=True)
def _point_at_sandbox(settings, tripletex_sandbox):
    settings.TRIPLETEX_BASE_URL = tripletex_sandbox.base_url
    settings.TRIPLETEX_CONSUMER_TOKEN = tripletex_sandbox.consumer_token


def test_demo_company_connects_with_the_defaults_and_every_week_sent_in_reaches_tripletex(
    browser, live_server, tripletex_sandbox
):
    # given: the demo company as `make run` loads it, never connected
    call_command("seed_demo", stdout=io.StringIO())
    last_monday = monday_of(today_local()) - datetime.timedelta(weeks=1)
    page = logged_in(browser, live_server, "admin@gronnbygg.no", DEMO_PASSWORD)

    # when: the key, only «Neste» through the steps, and «Ferdigstill» with the proposed date
    page.get_by_role("link", name="Selskapsinnstillinger").click()
    page.get_by_role("button", name="Koble til Tripletex").click()
    page.get_by_label("API-brukernøkkel", exact=True).fill(tripletex_sandbox.employee_token)
    page.get_by_role("button", name="Neste").click()
    for heading in ("Steg 2: Prosjekter", "Steg 3: Lønnsarter", "Steg 4: Ansatte"):
        page.get_by_role("heading", name=heading).wait_for()
        page.get_by_role("button", name="Neste →").click()
    page.get_by_role("heading", name="Steg 5: Oppsummering").wait_for()
    # the date proposed is the first day of the week waiting for approval, and the summary says so
    assert page.locator("#send_from").input_value() == last_monday.isoformat()
    assert page.locator("[data-count=waiting-before]").count() == 0
    page.get_by_role("button", name="Ferdigstill").click()
    page.get_by_text("Integrasjonen med Tripletex er aktiv.").wait_for()
    assert Connection.objects.get().send_hours_from == last_monday

    # when: «Godkjenning», everything shown approved at once
    page.get_by_role("link", name="Godkjenning").first.click()
    page.get_by_role("button", name="Godkjenn alle viste").click()
    page.get_by_role("button", name="Godkjenn alle viste").or_(
        page.get_by_text("Ingen timer venter")
    ).first.wait_for()

    # then: each deliberate example refused once, with its reason
    body = page.locator("main").inner_text()
    for number, reason in REFUSED.items():
        assert body.count(reason) == 1, (number, reason)
    waiting = set(
        HourEntry.objects.filter(status=EntryStatus.SUBMITTED).values_list(
            "employee__employee_number", flat=True
        )
    )
    assert waiting == {*REFUSED, OWN}
    # and Tripletex holds exactly the approved hours from the send-from date, once each
    approved = HourEntry.objects.filter(status=EntryStatus.APPROVED, date__gte=last_monday).select_related(
        "employee", "project", "wage_type"
    )
    wanted_hours: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    wanted_lines: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    salary_types = dict(WageTypeLink.objects.values_list("wage_type_id", "tripletex_id"))
    for entry in approved:
        employee_id = tripletex_sandbox.employee_id(entry.employee.employee_number)
        key_day = entry.date.isoformat()
        wanted_hours[employee_id, tripletex_sandbox.project_id(entry.project.number), key_day] += entry.hours
        if entry.wage_type_id in salary_types:
            wanted_lines[employee_id, salary_types[entry.wage_type_id], key_day] += entry.hours
    assert len(wanted_hours) > 30 and wanted_lines  # the demo's week: a real load, overtime included
    state = tripletex_sandbox.state()
    held: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    for remote in state["timesheetEntries"]:
        held[remote["employeeId"], remote["projectId"], remote["date"]] += Decimal(str(remote["hours"]))
    assert held == wanted_hours
    assert len(state["timesheetEntries"]) == len(wanted_hours)  # one entry per key
    assert _salary_lines(state) == wanted_lines
    assert set(transfer_states()) == {TransferState.SENT}
    page.context.close()


def transfer_states() -> list[str]:
    return [
        *RemoteHours.objects.values_list("state", flat=True),
        *RemoteSalaryLine.objects.values_list("state", flat=True),
    ]


def _salary_lines(state: dict[str, Any]) -> dict[tuple[int, int, str], Decimal]:
    lines: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    for line in state["salaryTypeSpecifications"]:
        lines[line["employeeId"], line["salaryTypeId"], line["date"]] += Decimal(str(line["count"]))
    return lines
