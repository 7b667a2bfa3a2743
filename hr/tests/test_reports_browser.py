"""«Rapporter» in real Chromium: the chart is drawn from the page's own files, under the strict
Content-Security-Policy, and the page passes axe-core."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hr.tests.browser_helpers import logged_in, wait_for_js
from hr.tests.factories import EmployeeFactory, HourEntryFactory, ProjectFactory, manager_of
from hr.tests.test_csp import VIOLATIONS_RECORDER
from hr.weeks import today_local

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# How many of the canvas's pixels are painted (alpha > 0), in the page.
PAINTED_PIXELS = """
(() => {
  const canvas = document.getElementById("hours-chart");
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return painted;
})()
"""


def test_the_chart_is_drawn_offline_and_the_page_is_accessible(browser, live_server, department, axe_check):
    # given: two people's hours this month on two projects
    manager = manager_of(department)
    worker = EmployeeFactory(company=department.company, department=department)
    today = today_local()
    for number, name, hours in (("P-1", "Kai", "7.5"), ("P-2", "Bru", "4.25")):
        project = ProjectFactory(company=department.company, number=number, name=name)
        HourEntryFactory(employee=worker, project=project, date=today, hours=Decimal(hours))
    page = logged_in(browser, live_server, manager.email)
    page.context.add_init_script(VIOLATIONS_RECORDER)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    # when
    page.get_by_role("link", name="Rapporter").click()
    wait_for_js(page, "document.getElementById('hours-chart').hasAttribute('data-chart-total')")
    # then: the chart holds the month's data and has painted its bars
    canvas = page.locator("#hours-chart")
    assert canvas.get_attribute("data-chart-datasets") == "2"
    assert canvas.get_attribute("data-chart-total") == "11.75"
    assert page.evaluate(PAINTED_PIXELS) > 1000
    assert page.locator("[data-total=total]").inner_text() == "11,75 t"
    # the table version of the chart
    page.get_by_text("Vis diagrammet som tabell").click()
    assert page.locator("#hours-chart-table thead th").all_inner_texts() == ["Uke", "P-1 Kai", "P-2 Bru"]
    axe_check(page)
    # nothing but the live server was asked for anything, and the policy was never broken
    assert requests and all(url.startswith(live_server.url) for url in requests), requests
    assert page.evaluate("window.__cspViolations") == []
    page.context.close()
