"""«Rapporter»: the period's hours for administrators and managers, and its export as CSV or XLSX."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language

from hr import reports
from hr.views import EmployeeRequest, employee_required

EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": reports.XLSX_CONTENT_TYPE}


def _period(request: EmployeeRequest) -> tuple[reports.Period, list[str]]:
    """The period in the address, or the current month with the messages saying what was wrong."""
    try:
        return reports.period_parse(start=request.GET.get("from"), end=request.GET.get("to")), []
    except ValidationError as error:
        return reports.period_default(), error.messages


@employee_required
def report_hours(request: EmployeeRequest) -> HttpResponse:
    actor = request.employee
    period, errors = _period(request)
    report = reports.hours_report(actor=actor, period=period)
    query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})
    context = {
        "report": report,
        "period": period,
        "errors": errors,
        "typed_from": request.GET.get("from", "") if errors else period.start.isoformat(),
        "typed_to": request.GET.get("to", "") if errors else period.end.isoformat(),
        "chart_data": report.chart.as_json(),
        "csv_url": f"{reverse('hr:report_export', args=['csv'])}?{query}",
        "xlsx_url": f"{reverse('hr:report_export', args=['xlsx'])}?{query}",
    }
    return render(request, "hr/reports.html", context, status=400 if errors else 200)


@employee_required
def report_export(request: EmployeeRequest, file_format: str) -> HttpResponse:
    actor = request.employee
    period, errors = _period(request)
    entries = reports.export_queryset(actor=actor, period=period)
    if errors:
        return HttpResponse("\n".join(errors), status=400, content_type="text/plain; charset=utf-8")
    rows = reports.export_rows(entries)
    chunks = reports.csv_lines(rows) if file_format == "csv" else reports.xlsx_chunks(rows)
    response = StreamingHttpResponse(
        reports.in_language(chunks, get_language()), content_type=EXPORT_FORMATS[file_format]
    )
    filename = reports.export_filename(period, file_format)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response  # type: ignore[return-value]  # a streamed response; employee_required's type names HttpResponse
