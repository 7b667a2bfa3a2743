"""«Påminnelser» in Selskapsinnstillinger, in real Chromium: usable by label, saved, accessible."""

from __future__ import annotations

import datetime

import pytest

from hr.models import Company, Weekday
from hr.tests.browser_helpers import logged_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_sets_when_the_reminders_go_out(browser, live_server, administrator, axe_check):
    # given: «Generelt» with the default reminders
    page = logged_in(browser, live_server, administrator.email)
    page.goto("/innstillinger/")
    section = page.locator("#paminnelser")
    axe_check(page)

    # when: reminders to employees on Thursday 15:30, managers' on Tuesday; then off altogether
    section.get_by_label("Ansatte som ikke har sendt inn uken: dag").select_option(label="torsdag")
    section.get_by_label("Ansatte som ikke har sendt inn uken: klokkeslett").fill("15:30")
    section.get_by_label("Ledere med uker til godkjenning: dag").select_option(label="tirsdag")
    section.get_by_label("Send påminnelser på e-post").uncheck()
    section.get_by_role("button", name="Lagre").click()
    page.wait_for_url("**/innstillinger/#paminnelser")

    # then: saved, said so, and the page shows what was saved
    assert page.get_by_text("Påminnelsene er lagret.").is_visible()
    company = Company.objects.get(id=administrator.company_id)
    assert (
        company.reminders_enabled,
        company.employee_reminder_weekday,
        company.employee_reminder_time,
        company.manager_reminder_weekday,
        company.manager_reminder_time,
    ) == (False, Weekday.THURSDAY, datetime.time(15, 30), Weekday.TUESDAY, datetime.time(8, 0))
    assert not section.get_by_label("Send påminnelser på e-post").is_checked()
    assert section.get_by_label("Ansatte som ikke har sendt inn uken: klokkeslett").input_value() == "15:30"
    axe_check(page)
    page.context.close()
