"""«Rapporter»: the report's sums on a small company, who sees what, constant queries, and the
CSV/XLSX downloads parsed back."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hr import reports
from hr.models import Employee, EntryStatus, HourEntry, WageType
from hr.tests.factories import (
    PASSWORD,
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    ProjectFactory,
    WageTypeFactory,
)

pytestmark = pytest.mark.django_db

DECEMBER = reports.Period(datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
SENT = datetime.datetime(2026, 12, 10, 15, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _in_december():
    with time_machine.travel(datetime.datetime(2026, 12, 15, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


def entry(employee: Employee, day: int, project, wage_type, hours: str, status: str) -> HourEntry:
    return HourEntryFactory.create(
        employee=employee,
        project=project,
        wage_type=wage_type,
        date=datetime.date(2026, 12, day) if day > 0 else datetime.date(2026, 11, 30),
        hours=Decimal(hours),
        status=status,
        submitted_at=None if status == EntryStatus.REGISTERED else SENT,
        decided_at=SENT if status in (EntryStatus.APPROVED, EntryStatus.REJECTED) else None,
        rejection_reason="Feil prosjekt" if status == EntryStatus.REJECTED else "",
    )


@pytest.fixture
def data(company, department, employee, manager, administrator, other_company):
    """Bygg: Åse Ødegård (and the manager); Anlegg: Bjørn Berg. Two projects, two lønnsarter."""
    anlegg = DepartmentFactory.create(company=company, name="Anlegg")
    bjorn = EmployeeFactory.create(
        company=company, department=anlegg, first_name="Bjørn", last_name="Berg", employee_number="1002"
    )
    employee.employee_number = "1001"
    employee.save()
    kai = ProjectFactory.create(company=company, number="P-1", name="Kai")
    bru = ProjectFactory.create(company=company, number="P-2", name="Bru")
    ordinary = WageType.objects.get(company=company, is_builtin=True)
    overtime = WageTypeFactory.create(company=company, number="2010", name="Overtid 50 %")
    entry(employee, 1, kai, ordinary, "7.5", EntryStatus.APPROVED)
    entry(employee, 2, kai, overtime, "2", EntryStatus.SUBMITTED)
    entry(employee, 8, bru, ordinary, "4.25", EntryStatus.REGISTERED)
    entry(employee, 9, bru, ordinary, "1", EntryStatus.REJECTED)
    entry(bjorn, 1, bru, ordinary, "6", EntryStatus.APPROVED)
    entry(employee, 0, kai, ordinary, "5", EntryStatus.APPROVED)  # 30 November: outside the period
    stranger = EmployeeFactory.create(company=other_company)
    HourEntryFactory.create(employee=stranger, date=datetime.date(2026, 12, 1), hours=Decimal("9"))
    return {"bjorn": bjorn, "anlegg": anlegg}


def split(s: reports.Split) -> tuple[str, ...]:
    return (*s.key, *(f"{h:.2f}" for h in (s.approved, s.submitted, s.registered, s.rejected, s.total)))


def login(client, employee: Employee) -> None:
    assert client.login(request=HttpRequest(), username=employee.email, password=PASSWORD)


# --- the period -----------------------------------------------------------------------------------


def test_the_period_defaults_to_the_current_month():
    assert reports.period_parse(start=None, end="") == DECEMBER


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("2026-13-01", "2026-12-31", "from", reports.PERIOD_DATE_INVALID),
        ("1.12.2026", "2026-12-31", "from", reports.PERIOD_DATE_INVALID),
        ("2026-W49-1", "2026-12-31", "from", reports.PERIOD_DATE_INVALID),
        ("2026-12-01", "20261231", "to", reports.PERIOD_DATE_INVALID),
        ("1999-12-01", "2026-12-31", "from", reports.PERIOD_DATE_OUT_OF_RANGE),
        ("2026-12-31", "2026-12-01", "to", reports.PERIOD_REVERSED),
        ("2025-12-01", "2026-12-31", "to", reports.PERIOD_TOO_LONG),
    ],
)
def test_a_period_that_does_not_fit_says_why(start, end, field, message):
    with pytest.raises(ValidationError) as caught:
        reports.period_parse(start=start, end=end)
    assert caught.value.message_dict == {field: [str(message)]}


def test_a_leap_year_fits_in_one_report():
    assert reports.period_parse(start="2028-01-01", end="2028-12-31").days == 366


# --- the sums ---------------------------------------------------------------------------------------


def test_the_administrators_report_sums_the_companys_period_exactly(data, administrator):
    # when
    report = reports.hours_report(actor=administrator, period=DECEMBER)
    # then
    assert split(report.total) == ("13.50", "2.00", "4.25", "1.00", "20.75")
    assert report.total.entries == 5
    assert [split(s) for s in report.projects] == [
        ("P-1", "Kai", "7.50", "2.00", "0.00", "0.00", "9.50"),
        ("P-2", "Bru", "6.00", "0.00", "4.25", "1.00", "11.25"),
    ]
    assert [split(s) for s in report.people] == [
        ("1002", "Bjørn", "Berg", "6.00", "0.00", "0.00", "0.00", "6.00"),
        ("1001", "Åse", "Ødegård", "7.50", "2.00", "4.25", "1.00", "14.75"),
    ]
    assert [split(s) for s in report.wage_types] == [
        ("2010", "Overtid 50 %", "0.00", "2.00", "0.00", "0.00", "2.00"),
        ("ORD", "Ordinær tid", "13.50", "0.00", "4.25", "1.00", "18.75"),
    ]
    # without an accounting system, approved hours have no transfer
    assert [(t.state, t.label, f"{t.hours:.2f}", t.entries) for t in report.transfers] == [
        ("", "Ingen overføring", "13.50", 2)
    ]


def test_the_chart_has_hours_per_iso_week_per_project(data, administrator):
    # when
    chart = reports.hours_report(actor=administrator, period=DECEMBER).chart
    # then: 1 December is a Tuesday, so the first week starts on 30 November; 2026 has a week 53
    assert chart.labels == ["Uke 49, 2026", "Uke 50, 2026", "Uke 51, 2026", "Uke 52, 2026", "Uke 53, 2026"]
    assert chart.as_json() == {
        "labels": chart.labels,
        "datasets": [
            {"label": "P-1 Kai", "data": [9.5, 0.0, 0.0, 0.0, 0.0]},
            {"label": "P-2 Bru", "data": [6.0, 5.25, 0.0, 0.0, 0.0]},
        ],
    }


def test_a_manager_sees_only_the_departments_they_lead(data, manager):
    # when
    report = reports.hours_report(actor=manager, period=DECEMBER)
    # then: Bygg's hours, none of Anlegg's (Bjørn's 6 hours)
    assert split(report.total) == ("7.50", "2.00", "4.25", "1.00", "14.75")
    assert [s.key[0] for s in report.people] == ["1001"]
    rows = reports.export_rows(reports.export_queryset(actor=manager, period=DECEMBER))
    assert {row.employee_number for row in rows} == {"1001"}


def test_a_manager_of_two_departments_sees_both(data, manager):
    # given
    data["anlegg"].managers.add(manager)
    # when
    report = reports.hours_report(actor=manager, period=DECEMBER)
    # then
    assert report.total.total == Decimal("20.75")


def test_a_period_without_approved_hours_has_zero_hours_without_transfer(data, administrator):
    # when
    report = reports.hours_report(
        actor=administrator, period=reports.Period(datetime.date(2026, 12, 2), datetime.date(2026, 12, 9))
    )
    # then
    assert [(t.state, t.hours, t.entries) for t in report.transfers] == [("", Decimal("0"), 0)]


def test_an_employee_gets_no_report(data, employee):
    with pytest.raises(PermissionDenied):
        reports.hours_report(actor=employee, period=DECEMBER)


def _person_weeks(company, department, projects, wage_type, people: int, weeks: int) -> None:
    employees = [EmployeeFactory.create(company=company, department=department) for _n in range(people)]
    HourEntry.objects.bulk_create(
        HourEntry(
            company=company,
            employee=person,
            project=projects[(n + week) % len(projects)],
            wage_type=wage_type,
            date=datetime.date(2026, 12, 1) + datetime.timedelta(days=7 * week),
            hours=Decimal("7.5"),
            status=EntryStatus.APPROVED,
            submitted_at=SENT,
            decided_at=SENT,
        )
        for n, person in enumerate(employees)
        for week in range(weeks)
    )


def test_the_report_page_makes_the_same_queries_for_10_and_500_person_weeks(client, company, administrator):
    # given
    projects = [ProjectFactory.create(company=company, number=f"P-{n}") for n in range(5)]
    ordinary = WageType.objects.get(company=company, is_builtin=True)
    small, large = DepartmentFactory.create(company=company), DepartmentFactory.create(company=company)
    login(client, administrator)
    url = reverse("hr:reports") + "?from=2026-12-01&to=2026-12-31"
    counts = []
    for department, people in ((small, 2), (large, 100)):
        _person_weeks(company, department, projects, ordinary, people=people, weeks=5)
        # when
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        # then
        assert response.status_code == 200
        counts.append(len(queries))
    assert HourEntry.objects.count() == 510
    assert counts[0] == counts[1]


def test_the_csv_export_makes_the_same_queries_for_10_and_500_person_weeks(client, company, administrator):
    # given
    projects = [ProjectFactory.create(company=company, number=f"P-{n}") for n in range(5)]
    ordinary = WageType.objects.get(company=company, is_builtin=True)
    small, large = DepartmentFactory.create(company=company), DepartmentFactory.create(company=company)
    login(client, administrator)
    url = reverse("hr:report_export", args=["csv"]) + "?from=2026-12-01&to=2026-12-31"
    counts, lines = [], []
    for department, people in ((small, 2), (large, 100)):
        _person_weeks(company, department, projects, ordinary, people=people, weeks=5)
        # when
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            body = b"".join(response.streaming_content)
        # then
        assert response.status_code == 200
        counts.append(len(queries))
        lines.append(body.count(b"\n") - 1)
    assert lines == [10, 510]
    assert counts[0] == counts[1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's own plan and settings")
def test_a_period_is_read_through_the_index_of_company_and_date_without_jit(company, administrator):
    # given: a year of a company's hours; the scan of the whole table is ruled out, so the plan
    # shows whether an index answers the report's filter at all
    period = reports.Period(datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
    entries = reports.report_entries(actor=administrator, period=period).values("hours")
    sql, params = entries.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # when
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    # then
    scans = [node.get("Index Name") for node in _plan_nodes(plan[0]["Plan"])]
    index = next(i.name for i in HourEntry._meta.indexes if i.fields == ["company", "date"])
    assert index in scans
    assert jit == "off"


def _plan_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node] + [child for sub in node.get("Plans", []) for child in _plan_nodes(sub)]


# --- the page ------------------------------------------------------------------------------------------


def test_the_page_shows_the_sums_and_the_chart_data(client, data, administrator):
    # given
    login(client, administrator)
    # when
    response = client.get(reverse("hr:reports"))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert '<dd data-total="total">20,75 t</dd>' in html
    assert '<dd data-total="approved">13,5 t</dd>' in html
    assert 'id="hours-chart-data"' in html
    assert response.context["chart_data"]["datasets"][1]["data"] == [6.0, 5.25, 0.0, 0.0, 0.0]
    assert "chart.js-4.6.1/chart.umd.js" in html
    assert f'href="{reverse("hr:report_export", args=["csv"])}?from=2026-12-01&amp;to=2026-12-31"' in html


def test_the_tables_rows_show_each_split_and_week_escaped_in_the_users_format():
    from django.utils import translation

    from hr.templatetags.hr_tags import chart_table_rows, report_split_rows

    # given: a person whose name looks like markup, and a chart of two weeks and two projects
    split = reports.Split(
        key=("1001", "Åse", "<Ødegård>"),
        total=Decimal("9.5"),
        approved=Decimal("7.5"),
        submitted=Decimal("2"),
    )
    chart = reports.WeekChart(
        weeks=[datetime.date(2026, 11, 30), datetime.date(2026, 12, 7)],
        labels=["Uke 49, 2026", "Uke 50, 2026"],
        projects=["P-1 Bro", "P-2 Kai"],
        hours={"P-1 Bro": [Decimal("1.25"), Decimal("0")], "P-2 Kai": [Decimal("0"), Decimal("37.5")]},
    )
    for language, (approved, decimal) in {"nb": ("7,5", "1,25"), "en": ("7.5", "1.25")}.items():
        with translation.override(language):
            # when
            people = report_split_rows([split])
            weeks = chart_table_rows(chart)
        # then
        assert people == (
            '<tr><th scope="row">1001 Åse &lt;Ødegård&gt;</th>'
            f'<td class="num">{approved}</td><td class="num">2</td><td class="num">0</td>'
            f'<td class="num">0</td><td class="num">{approved.replace("7", "9")}</td></tr>'
        )
        assert weeks == (
            f'<tr><th scope="row">Uke 49, 2026</th><td class="num">{decimal}</td><td class="num">0</td></tr>'
            '<tr><th scope="row">Uke 50, 2026</th><td class="num">0</td>'
            f'<td class="num">{"37,5" if language == "nb" else "37.5"}</td></tr>'
        )


def test_bad_dates_on_the_page_say_why_and_show_this_month(client, data, administrator):
    # given
    login(client, administrator)
    # when
    response = client.get(reverse("hr:reports") + "?from=2026-02-30&to=2026-12-31")
    # then
    assert response.status_code == 400
    assert response.context["errors"] == [str(reports.PERIOD_DATE_INVALID)]
    assert response.context["period"] == DECEMBER
    assert str(reports.PERIOD_DATE_INVALID) in response.content.decode()


def test_an_employee_cannot_open_the_page_nor_the_export(client, data, employee):
    login(client, employee)
    assert client.get(reverse("hr:reports")).status_code == 403
    assert client.get(reverse("hr:report_export", args=["csv"])).status_code == 403


def test_the_menu_shows_rapporter_to_managers_only(client, data, manager, employee):
    login(client, manager)
    assert "Rapporter" in client.get(reverse("hr:week")).content.decode()
    client.logout()
    login(client, employee)
    assert "Rapporter" not in client.get(reverse("hr:week")).content.decode()


# --- the downloads ---------------------------------------------------------------------------------------


HEADER = [
    "Ansattnummer",
    "Ansatt",
    "Prosjektnummer",
    "Prosjekt",
    "Lønnsartnummer",
    "Lønnsart",
    "Dato",
    "Timer",
    "Status",
    "Overføring",
]


def test_the_csv_opens_in_a_norwegian_spreadsheet(client, data, administrator):
    # given
    login(client, administrator)
    # when
    response = client.get(reverse("hr:report_export", args=["csv"]) + "?from=2026-12-01&to=2026-12-31")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="timer-2026-12-01-2026-12-31.csv"'
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        HEADER,
        ["1001", "Åse Ødegård", "P-1", "Kai", "ORD", "Ordinær tid", "01.12.2026", "7,50", "Godkjent", ""],
        ["1002", "Bjørn Berg", "P-2", "Bru", "ORD", "Ordinær tid", "01.12.2026", "6,00", "Godkjent", ""],
        [
            "1001",
            "Åse Ødegård",
            "P-1",
            "Kai",
            "2010",
            "Overtid 50 %",
            "02.12.2026",
            "2,00",
            "Til godkjenning",
            "",
        ],
        ["1001", "Åse Ødegård", "P-2", "Bru", "ORD", "Ordinær tid", "08.12.2026", "4,25", "Registrert", ""],
        ["1001", "Åse Ødegård", "P-2", "Bru", "ORD", "Ordinær tid", "09.12.2026", "1,00", "Avvist", ""],
    ]


def test_the_xlsx_has_typed_dates_and_numbers(client, data, administrator):
    # given
    login(client, administrator)
    # when
    response = client.get(reverse("hr:report_export", args=["xlsx"]) + "?from=2026-12-01&to=2026-12-31")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == reports.XLSX_CONTENT_TYPE
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[1] == (
        "1001",
        "Åse Ødegård",
        "P-1",
        "Kai",
        "ORD",
        "Ordinær tid",
        datetime.datetime(2026, 12, 1),
        7.5,
        "Godkjent",
        None,
    )
    assert [row[7] for row in rows[1:]] == [7.5, 6, 2, 4.25, 1]
    assert sheet["G2"].is_date and sheet["G2"].number_format == "dd.mm.yyyy"
    assert sheet["H2"].data_type == "n" and sheet["H2"].number_format == "0.00"
    assert len(rows) == 6


def test_the_downloads_speak_the_users_language(client, data, administrator):
    # given
    login(client, administrator)
    client.cookies["django_language"] = "en"
    # when
    response = client.get(reverse("hr:report_export", args=["csv"]))
    # then
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0] == [
        "Employee number",
        "Employee",
        "Project number",
        "Project",
        "Wage type number",
        "Wage type",
        "Date",
        "Hours",
        "Status",
        "Transfer",
    ]
    assert rows[1][8] == "Approved"


def test_a_bad_period_downloads_nothing(client, data, administrator):
    login(client, administrator)
    response = client.get(reverse("hr:report_export", args=["csv"]) + "?from=2026-12-31&to=2026-12-01")
    assert response.status_code == 400
    assert response.content.decode() == str(reports.PERIOD_REVERSED)


def test_the_page_in_english(client, data, administrator):
    # given
    login(client, administrator)
    client.cookies["django_language"] = "en"
    # when
    html = client.get(reverse("hr:reports")).content.decode()
    # then
    assert "<h1>Reports</h1>" in html
    assert "Week 49, 2026" in html
    assert '<dd data-total="total">20.75 h</dd>' in html
    assert "Uke" not in html and "Godkjent" not in html


def test_a_name_that_looks_like_a_formula_stays_text(client, data, administrator, company):
    # given
    HourEntry.objects.filter(company=company).update(
        project=ProjectFactory.create(company=company, number="P-9", name='=HYPERLINK("https://example.com")')
    )
    login(client, administrator)
    query = "?from=2026-12-01&to=2026-12-01"
    # when
    as_csv = client.get(reverse("hr:report_export", args=["csv"]) + query)
    as_xlsx = client.get(reverse("hr:report_export", args=["xlsx"]) + query)
    # then: an apostrophe before it in the CSV, a text cell in the workbook
    rows = list(
        csv.reader(io.StringIO(b"".join(as_csv.streaming_content).decode("utf-8-sig")), delimiter=";")
    )
    assert rows[1][3] == '\'=HYPERLINK("https://example.com")'
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(as_xlsx.streaming_content))).active
    assert sheet["D2"].value == '=HYPERLINK("https://example.com")'
    assert sheet["D2"].data_type == "s"
