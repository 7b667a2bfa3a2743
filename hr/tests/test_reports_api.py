"""GET /api/v1/reports/hours/: the export of «Rapporter» as JSON pages, CSV and XLSX."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from rest_framework.test import APIClient

from hr import reports, services
from hr.report_serializers import FORMAT_INVALID, PAGE_SIZE_INVALID
from hr.serializers import DATE_INVALID, DATE_OUT_OF_RANGE
from hr.tests import test_reports

pytestmark = pytest.mark.django_db

# The small company of test_reports, by assignment so pytest finds the fixtures here.
_in_december = test_reports._in_december
data = test_reports.data

URL = "/api/v1/reports/hours/"


def api(employee) -> APIClient:
    client = APIClient()
    _token, key = services.api_token_create(user=employee.user, name="Rapport")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_json_rows_come_in_pages(data, administrator):
    # given
    client = api(administrator)
    # when
    first = client.get(URL, {"from": "2026-12-01", "to": "2026-12-31", "page_size": "2"})
    last = client.get(URL, {"from": "2026-12-01", "to": "2026-12-31", "page_size": "2", "page": "3"})
    # then
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 5
    assert body["previous"] is None
    assert (
        body["next"]
        == "http://testserver/api/v1/reports/hours/?from=2026-12-01&page=2&page_size=2&to=2026-12-31"
    )
    assert body["results"][0] == {
        "employee_number": "1001",
        "employee_name": "Åse Ødegård",
        "project_number": "P-1",
        "project_name": "Kai",
        "wage_type_number": "ORD",
        "wage_type_name": "Ordinær tid",
        "date": "2026-12-01",
        "hours": "7.50",
        "status": "approved",
        "status_display": "Godkjent",
        "transfer_state": "",
        "transfer_state_display": "",
    }
    assert [row["hours"] for row in last.json()["results"]] == ["1.00"]
    assert last.json()["next"] is None


def test_the_period_defaults_to_this_month(data, administrator):
    body = api(administrator).get(URL).json()
    assert body["count"] == 5


def test_csv_and_xlsx_through_the_api(data, administrator):
    # given
    client = api(administrator)
    # when
    as_csv = client.get(URL, {"format": "csv"})
    as_xlsx = client.get(URL, {"format": "xlsx", "from": "2026-12-02", "to": "2026-12-02"})
    # then
    assert as_csv.status_code == 200
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert isinstance(as_csv, StreamingHttpResponse)
    body = b"".join(as_csv.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 6
    assert rows[3][6:9] == ["02.12.2026", "2,00", "Til godkjenning"]
    assert as_xlsx["Content-Type"] == reports.XLSX_CONTENT_TYPE
    assert isinstance(as_xlsx, StreamingHttpResponse)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(as_xlsx.streaming_content))).active
    assert [row[6:8] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        (datetime.datetime(2026, 12, 2), 2)
    ]


def test_a_manager_gets_their_departments_rows(data, manager):
    body = api(manager).get(URL).json()
    assert {row["employee_number"] for row in body["results"]} == {"1001"}
    assert body["count"] == 4


def test_an_employee_is_refused_and_a_stranger_must_log_in(data, employee):
    assert api(employee).get(URL).status_code == 403
    anonymous = APIClient().get(URL)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"from": "2026-02-30"}, {"from": [str(DATE_INVALID)]}),
        ({"to": "2100-01-01"}, {"to": [str(DATE_OUT_OF_RANGE)]}),
        ({"from": "2000-01-01", "to": "2000-01-01", "format": "pdf"}, {"format": [str(FORMAT_INVALID)]}),
        ({"page_size": "0"}, {"page_size": [str(PAGE_SIZE_INVALID)]}),
        ({"page_size": "1001"}, {"page_size": [str(PAGE_SIZE_INVALID)]}),
        ({"from": "2026-12-31", "to": "2026-12-01"}, {"to": [str(reports.PERIOD_REVERSED)]}),
        ({"from": "2025-01-01", "to": "2026-12-31"}, {"to": [str(reports.PERIOD_TOO_LONG)]}),
        ({"from": ""}, {"from": ["Gi parameteren en verdi, eller utelat den."]}),
    ],
)
def test_bad_parameters_are_400_with_the_reason(data, administrator, query, errors):
    response = api(administrator).get(URL, query)
    assert response.status_code == 400
    assert response.json() == errors


def test_a_date_outside_the_years_is_refused(data, administrator):
    response = api(administrator).get(URL, {"from": "1999-12-31"})
    assert response.status_code == 400
    assert response.json() == {"from": [str(DATE_OUT_OF_RANGE)]}


def test_the_schema_documents_the_three_formats(data, administrator):
    schema = api(administrator).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"][URL]["get"]
    assert set(operation["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv",
        reports.XLSX_CONTENT_TYPE,
    }
    assert set(operation["responses"]) >= {"200", "400", "401", "403"}
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert parameters["page_size"] == {"type": "integer", "maximum": 1000, "minimum": 1, "default": 100}
    assert parameters["format"]["enum"] == ["json", "csv", "xlsx"]
    assert parameters["from"]["format"] == "date"
