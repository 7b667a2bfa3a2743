"""«Rapporter» in real Chromium: the chart is drawn from the page's own files, under the strict
Content-Security-Policy, the page passes axe-core, and both downloads open with exact values."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
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
    worker = EmployeeFactory.create(company=department.company, department=department)
    today = today_local()
    for number, name, hours in (("P-1", "Kai", "7.5"), ("P-2", "Bru", "4.25")):
        project = ProjectFactory.create(company=department.company, number=number, name=name)
        HourEntryFactory.create(employee=worker, project=project, date=today, hours=Decimal(hours))
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
    # both downloads, parsed: one row per entry, the numbers and dates typed for a Norwegian sheet
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV (Excel)").click()
    raw = Path(csv_download.value.path()).read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Ansattnummer", "Ansatt", "Prosjektnummer", "Prosjekt"]
    assert sorted((row[2], row[7]) for row in rows[1:]) == [("P-1", "7,50"), ("P-2", "4,25")]
    assert {row[6] for row in rows[1:]} == {today.strftime("%d.%m.%Y")}
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel-arbeidsbok (XLSX)").click()
    sheet = openpyxl.load_workbook(
        io.BytesIO(Path(xlsx_download.value.path()).read_bytes()), read_only=True
    ).active
    cells = list(sheet.iter_rows(values_only=True))
    assert sorted((row[2], row[7]) for row in cells[1:]) == [("P-1", 7.5), ("P-2", 4.25)]
    assert {row[6].date() if isinstance(row[6], datetime.datetime) else row[6] for row in cells[1:]} == {
        today
    }
    # nothing but the live server was asked for anything, and the policy was never broken
    assert requests and all(url.startswith(live_server.url) for url in requests), requests
    assert page.evaluate("window.__cspViolations") == []
    page.context.close()
