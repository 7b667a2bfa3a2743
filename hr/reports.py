"""«Rapporter»: hours over a period, summed per project, person and lønnsart, and the export of the
period's entries as CSV, XLSX or JSON rows.

Administrators see the whole company; a manager sees the departments they lead (hr.access), the
same people «Godkjenning» shows them. Every sum is one SQL aggregate, so the page makes the same
number of queries whatever the period holds. Exports read the entries in chunks and write as they
go, so a year of a large company streams out in constant memory.
"""

from __future__ import annotations

import csv
import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hr import access
from hr.integration import integration_get
from hr.models import Employee, EntryStatus, HourEntry
from hr.weeks import FIRST_DATE, LAST_DATE, iso_label, monday_of, today_local

# A year and a day: a whole (leap) year fits; anything longer is a typing mistake or better exported
# in parts.
MAX_PERIOD_DAYS = 366
EXPORT_CHUNK_ROWS = 2000

REPORTS_NOT_ALLOWED = gettext_lazy("Bare ledere og administratorer kan se rapporter.")
PERIOD_DATE_INVALID = gettext_lazy("Skriv datoen som ÅÅÅÅ-MM-DD, for eksempel 2026-12-01.")
PERIOD_DATE_OUT_OF_RANGE = gettext_lazy("Datoen må være mellom 2000-01-01 og 2099-12-31.")
PERIOD_REVERSED = gettext_lazy("Til-datoen kan ikke være før fra-datoen.")
PERIOD_TOO_LONG = gettext_lazy("En rapport kan dekke høyst 366 dager. Velg en kortere periode.")
NO_TRANSFER = gettext_lazy("Ingen overføring")

# Where each status's hours go in the report's split, in the order the page shows them.
STATUS_ORDER = (EntryStatus.APPROVED, EntryStatus.SUBMITTED, EntryStatus.REGISTERED, EntryStatus.REJECTED)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period_default(*, today: datetime.date | None = None) -> Period:
    """The current month."""
    today = today or today_local()
    first = today.replace(day=1)
    next_first = (first + datetime.timedelta(days=32)).replace(day=1)
    return Period(first, next_first - datetime.timedelta(days=1))


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_parse(value: str) -> datetime.date:
    # fromisoformat alone would also take 20261201 and week dates such as 2026-W49-1
    if not ISO_DATE.fullmatch(value):
        raise ValidationError(PERIOD_DATE_INVALID, code="invalid")
    try:
        date = datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(PERIOD_DATE_INVALID, code="invalid") from None
    if not FIRST_DATE <= date <= LAST_DATE:
        raise ValidationError(PERIOD_DATE_OUT_OF_RANGE, code="out_of_range")
    return date


def period_check(*, start: datetime.date, end: datetime.date) -> Period:
    """ValidationError {"to": …} when the period is reversed or longer than MAX_PERIOD_DAYS."""
    if end < start:
        raise ValidationError({"to": [ValidationError(PERIOD_REVERSED, code="reversed")]})
    period = Period(start, end)
    if period.days > MAX_PERIOD_DAYS:
        raise ValidationError({"to": [ValidationError(PERIOD_TOO_LONG, code="too_long")]})
    return period


def period_parse(*, start: str | None, end: str | None, today: datetime.date | None = None) -> Period:
    """?from=ÅÅÅÅ-MM-DD&to=ÅÅÅÅ-MM-DD; either left out (or empty) is the current month's first or
    last day. ValidationError with the field's name → messages."""
    default = period_default(today=today)
    errors: dict[str, list[ValidationError]] = {}
    dates = {}
    for name, value, fallback in (("from", start, default.start), ("to", end, default.end)):
        try:
            dates[name] = _date_parse(value.strip()) if value else fallback
        except ValidationError as error:
            errors[name] = [error]
    if errors:
        raise ValidationError(errors)
    return period_check(start=dates["from"], end=dates["to"])


# --- What the actor may see ------------------------------------------------------------------------


def can_see_reports(actor: Employee) -> bool:
    return access.can_approve(actor)


def report_entries(*, actor: Employee, period: Period) -> QuerySet[HourEntry]:
    """The period's entries the actor may report on: the company for an administrator, the
    departments they lead for a manager. PermissionDenied for anyone else."""
    if not can_see_reports(actor):
        raise PermissionDenied(REPORTS_NOT_ALLOWED)
    entries = HourEntry.objects.filter(company=actor.company, date__range=(period.start, period.end))
    if not actor.is_administrator:
        entries = entries.filter(employee__department__in=access.managed_department_ids(actor))
    return entries


# --- The report page ---------------------------------------------------------------------------------


@dataclass
class Split:
    """Hours of one line of the report, split by status."""

    key: tuple[str, ...]
    total: Decimal = Decimal("0")
    approved: Decimal = Decimal("0")
    submitted: Decimal = Decimal("0")
    registered: Decimal = Decimal("0")
    rejected: Decimal = Decimal("0")
    entries: int = 0


@dataclass
class TransferTotal:
    state: str
    label: str
    hours: Decimal
    entries: int


@dataclass
class WeekChart:
    """Hours per ISO week per project: the chart's data and its table version."""

    weeks: list[datetime.date]
    labels: list[str]
    projects: list[str]
    # project → hours per week, in the order of `weeks`
    hours: dict[str, list[Decimal]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "datasets": [
                {"label": name, "data": [float(h) for h in self.hours[name]]} for name in self.projects
            ],
        }

    @property
    def rows(self) -> list[tuple[str, list[Decimal]]]:
        """Week label → hours per project (the table under the chart)."""
        return [
            (label, [self.hours[name][index] for name in self.projects])
            for index, label in enumerate(self.labels)
        ]


@dataclass
class HoursReport:
    period: Period
    total: Split
    projects: list[Split]
    people: list[Split]
    wage_types: list[Split]
    transfers: list[TransferTotal]
    chart: WeekChart


def _split_sums() -> dict[str, Any]:
    return {
        "total": Sum("hours"),
        "approved": Sum("hours", filter=Q(status=EntryStatus.APPROVED)),
        "submitted": Sum("hours", filter=Q(status=EntryStatus.SUBMITTED)),
        "registered": Sum("hours", filter=Q(status=EntryStatus.REGISTERED)),
        "rejected": Sum("hours", filter=Q(status=EntryStatus.REJECTED)),
        "entries": Count("id"),
    }


def _split(key: tuple[str, ...], sums: dict[str, Any]) -> Split:
    zero = Decimal("0")
    return Split(
        key=key,
        total=sums["total"] or zero,
        approved=sums["approved"] or zero,
        submitted=sums["submitted"] or zero,
        registered=sums["registered"] or zero,
        rejected=sums["rejected"] or zero,
        entries=sums["entries"] or 0,
    )


def _grouped(entries: QuerySet[HourEntry], fields: tuple[str, ...], order: tuple[str, ...]) -> list[Split]:
    rows = entries.values(*fields).annotate(**_split_sums()).order_by(*order)
    return [_split(tuple(str(row[name]) for name in fields), row) for row in rows]


def project_label(number: str, name: str) -> str:
    return f"{number} {name}"


def hours_report(*, actor: Employee, period: Period) -> HoursReport:
    """The report of «Rapporter». A fixed number of queries, whatever the period holds."""
    entries = report_entries(actor=actor, period=period).order_by()
    total = _split((), entries.aggregate(**_split_sums()))
    projects = _grouped(entries, ("project__number", "project__name"), ("project__number",))
    people = _grouped(
        entries,
        ("employee__employee_number", "employee__first_name", "employee__last_name"),
        ("employee__last_name", "employee__first_name", "employee__employee_number"),
    )
    wage_types = _grouped(entries, ("wage_type__number", "wage_type__name"), ("wage_type__number",))
    return HoursReport(
        period=period,
        total=total,
        projects=projects,
        people=people,
        wage_types=wage_types,
        transfers=_transfer_totals(actor=actor, entries=entries),
        chart=_week_chart(entries=entries, period=period),
    )


def _transfer_totals(*, actor: Employee, entries: QuerySet[HourEntry]) -> list[TransferTotal]:
    """Approved hours by where they are in the accounting system; those with no transfer last."""
    integration = integration_get()
    approved = entries.filter(status=EntryStatus.APPROVED)
    rows = (
        integration.transfer_states_annotate(company=actor.company, entries=approved)
        .values("transfer_state")  # type: ignore[misc]  # an annotation the stubs cannot see
        .annotate(n_hours=Sum("hours"), n_entries=Count("id"))
        .order_by()
    )
    # Without an integration the state is a constant, so the database sums all the approved hours
    # in one row, which exists (with a NULL sum) even when there are none.
    found = {row["transfer_state"]: (row["n_hours"] or Decimal("0"), row["n_entries"]) for row in rows}
    labels: dict[str | None, str] = {
        state: label for state, label in integration.transfer_state_labels().items()
    }
    labels[None] = str(NO_TRANSFER)
    return [
        TransferTotal(state or "", label, *found.get(state, (Decimal("0"), 0)))
        for state, label in labels.items()
    ]


def _week_chart(*, entries: QuerySet[HourEntry], period: Period) -> WeekChart:
    weeks = []
    monday = monday_of(period.start)
    while monday <= period.end:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    labels = [_("Uke %(week)s, %(year)s") % {"week": iso_label(w)[1], "year": iso_label(w)[0]} for w in weeks]
    rows = (
        entries.annotate(week=TruncWeek("date"))
        .values("week", "project__number", "project__name")
        .annotate(n_hours=Sum("hours"))
        .order_by("project__number", "week")
    )
    index = {week: position for position, week in enumerate(weeks)}
    chart = WeekChart(weeks=weeks, labels=labels, projects=[])
    for row in rows:
        name = project_label(row["project__number"], row["project__name"])
        if name not in chart.hours:
            chart.projects.append(name)
            chart.hours[name] = [Decimal("0")] * len(weeks)
        week = row["week"]
        if isinstance(week, datetime.datetime):
            week = week.date()
        chart.hours[name][index[week]] += row["n_hours"]
    return chart


# --- Export ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRow:
    employee_number: str
    employee_name: str
    project_number: str
    project_name: str
    wage_type_number: str
    wage_type_name: str
    date: datetime.date
    hours: Decimal
    status: str
    status_label: str
    transfer_state: str
    transfer_state_label: str


def export_headers() -> list[str]:
    """The columns' headings, in the current language."""
    return [
        _("Ansattnummer"),
        _("Ansatt"),
        _("Prosjektnummer"),
        _("Prosjekt"),
        _("Lønnsartnummer"),
        _("Lønnsart"),
        _("Dato"),
        _("Timer"),
        _("Status"),
        _("Overføring"),
    ]


EXPORT_FIELDS = (
    "employee__employee_number",
    "employee__first_name",
    "employee__last_name",
    "project__number",
    "project__name",
    "wage_type__number",
    "wage_type__name",
    "date",
    "hours",
    "status",
    "transfer_state",
)


def export_queryset(*, actor: Employee, period: Period) -> QuerySet[HourEntry]:
    """One row per entry, by date, person and entry, with its transfer state."""
    entries = report_entries(actor=actor, period=period)
    return (
        integration_get()
        .transfer_states_annotate(company=actor.company, entries=entries)
        .order_by("date", "employee__employee_number", "id")
    )


def export_rows(
    entries: QuerySet[HourEntry], *, offset: int = 0, limit: int | None = None
) -> Iterator[ExportRow]:
    """The rows of export_queryset, read EXPORT_CHUNK_ROWS at a time (a server-side cursor on
    PostgreSQL), labels in the current language."""
    statuses = {value: str(label) for value, label in EntryStatus.choices}
    transfers = integration_get().transfer_state_labels()
    values = entries.values_list(*EXPORT_FIELDS)
    if limit is not None:
        values = values[offset : offset + limit]
    for (
        number,
        first,
        last,
        p_number,
        p_name,
        w_number,
        w_name,
        date,
        hours,
        status,
        state,
    ) in values.iterator(chunk_size=EXPORT_CHUNK_ROWS):
        yield ExportRow(
            employee_number=number,
            employee_name=f"{first} {last}".strip(),
            project_number=p_number,
            project_name=p_name,
            wage_type_number=w_number,
            wage_type_name=w_name,
            date=date,
            hours=hours,
            status=status,
            status_label=statuses.get(status, status),
            transfer_state=state or "",
            transfer_state_label=transfers.get(state, "") if state else "",
        )


def _cells(row: ExportRow) -> list[Any]:
    return [
        row.employee_number,
        row.employee_name,
        row.project_number,
        row.project_name,
        row.wage_type_number,
        row.wage_type_name,
        row.date,
        row.hours,
        row.status_label,
        row.transfer_state_label,
    ]


# A spreadsheet runs a text cell that starts with one of these as a formula; names typed by people
# are never meant as one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_safe(value: str) -> str:
    """Text as text in a spreadsheet: a leading apostrophe keeps «=…» from running as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class _Line:
    """A file-like target for csv.writer that hands back what was written."""

    def write(self, value: str) -> str:
        return value


CSV_BOM = "\ufeff"


def csv_lines(rows: Iterable[ExportRow]) -> Iterator[bytes]:
    """UTF-8 with a byte order mark, «;» between fields, decimal comma and dd.mm.åååå dates: what a
    spreadsheet set up for Norway reads as numbers and dates. Written a chunk of lines at a time."""
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    buffer = [CSV_BOM + writer.writerow(export_headers())]
    for row in rows:
        cells = [_text_safe(cell) if isinstance(cell, str) else cell for cell in _cells(row)]
        cells[6] = row.date.strftime("%d.%m.%Y")
        cells[7] = format(row.hours, "f").replace(".", ",")
        buffer.append(writer.writerow(cells))
        if len(buffer) >= EXPORT_CHUNK_ROWS:
            yield "".join(buffer).encode()
            buffer = []
    if buffer:
        yield "".join(buffer).encode()


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_CHUNK_BYTES = 64 * 1024


def xlsx_write(rows: Iterable[ExportRow], target: IO[bytes]) -> None:
    """A write-only workbook (rows go to a temporary file as they come, never all in memory): dates
    as dates, hours as numbers with two decimals."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Timer"))
    sheet.append(export_headers())
    for row in rows:
        cells = [_xlsx_text(sheet, cell) if isinstance(cell, str) else cell for cell in _cells(row)]
        date = WriteOnlyCell(sheet, value=row.date)
        date.number_format = "dd.mm.yyyy"
        hours = WriteOnlyCell(sheet, value=row.hours)
        hours.number_format = "0.00"
        cells[6], cells[7] = date, hours
        sheet.append(cells)
    workbook.save(target)


def _xlsx_text(sheet: Any, value: str) -> Any:
    """openpyxl stores a string that starts with «=» as a formula; such a name stays text."""
    if not value.startswith("="):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def xlsx_chunks(rows: Iterable[ExportRow]) -> Iterator[bytes]:
    """The workbook written to a temporary file when the download starts, then sent in pieces."""
    with tempfile.TemporaryFile() as target:
        xlsx_write(rows, target)
        target.seek(0)
        while chunk := target.read(XLSX_CHUNK_BYTES):
            yield chunk


def export_filename(period: Period, extension: str) -> str:
    return f"timer-{period.start.isoformat()}-{period.end.isoformat()}.{extension}"


def in_language(chunks: Iterable[bytes], language: str) -> Iterator[bytes]:
    """A download's pieces made in the request's language: a streamed body is produced after the
    view has returned, when the request's language is no longer active."""
    iterator = iter(chunks)
    while True:
        with translation.override(language):
            chunk = next(iterator, None)
        if chunk is None:
            return
        yield chunk
