"""Forms parse and validate input only; the services decide and save."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hr import selectors, services, weeks
from hr.models import MAX_HOURS_PER_WEEK, Company, Department, Employee, Project, Role, WageType, Weekday

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class EntryForm(forms.Form):
    date = forms.DateField(label=_("Dato"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    project: forms.ModelChoiceField[Project] = forms.ModelChoiceField(
        label=_("Prosjekt"), queryset=None, empty_label=_("Velg prosjekt")
    )
    wage_type: forms.ModelChoiceField[WageType] = forms.ModelChoiceField(
        label=_("Lønnsart"), queryset=None, empty_label=None
    )
    # Parsed by the service, so "7,5" and "7.5" both work and every error reads the same everywhere.
    hours = forms.CharField(
        label=_("Timer"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5})
    )
    comment = forms.CharField(label=_("Kommentar"), max_length=500, required=False)

    def __init__(self, *args: object, company: Company, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["project"].queryset = selectors.projects_open(company=company)  # type: ignore[attr-defined]
        self.fields["wage_type"].queryset = selectors.wage_types_active(company=company)  # type: ignore[attr-defined]


FILTER_DEPARTMENT_UNKNOWN = _(
    "Avdelingen finnes ikke, eller du godkjenner ikke timer for den. Velg en avdeling i listen."
)
FILTER_EMPLOYEE_UNKNOWN = _(
    "Personen finnes ikke, eller du godkjenner ikke timene deres. Velg en person i listen."
)
FILTER_STATUS_UNKNOWN = _("Ukjent status. Velg «Til godkjenning», «Godkjent», «Avvist» eller «Alle».")
FILTER_WEEK_INVALID = _("Skriv uken som år og ukenummer, for eksempel 2026-W50, mellom år 2000 og 2099.")
FILTER_DATE_INVALID = _("Skriv datoen som dd.mm.åååå, mellom 01.01.2000 og 31.12.2099.")
FILTER_DATES_REVERSED = _("«Fra» må være før eller lik «Til».")
FILTER_WEEK_AND_DATES = _("Velg enten en uke eller en periode med datoer, ikke begge.")


class ApprovalFilterForm(forms.Form):
    """«Godkjenning»'s filters, from the address (a GET form): bad values get a message, never a guess."""

    department = forms.TypedChoiceField(
        label=_("Avdeling"), required=False, coerce=int, empty_value=None,
        error_messages={"invalid_choice": FILTER_DEPARTMENT_UNKNOWN},
    )  # fmt: skip
    employee = forms.TypedChoiceField(
        label=_("Person"), required=False, coerce=int, empty_value=None,
        error_messages={"invalid_choice": FILTER_EMPLOYEE_UNKNOWN},
    )  # fmt: skip
    week = forms.CharField(label=_("Uke"), required=False, max_length=10)
    date_from = forms.DateField(
        label=_("Fra"), required=False, input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": FILTER_DATE_INVALID},
    )  # fmt: skip
    date_to = forms.DateField(
        label=_("Til"), required=False, input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": FILTER_DATE_INVALID},
    )  # fmt: skip
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[
            ("submitted", _("Til godkjenning")), ("approved", _("Godkjent")),
            ("rejected", _("Avvist")), ("all", _("Alle")),
        ],
        error_messages={"invalid_choice": FILTER_STATUS_UNKNOWN},
    )  # fmt: skip

    def __init__(self, data: Mapping[str, Any] | None, *, actor: Employee) -> None:
        super().__init__(data)
        self.departments = list(selectors.approval_departments(actor=actor))
        self.people = list(selectors.approval_people(actor=actor))
        self.fields["department"].choices = [("", "")] + [(d.id, d.name) for d in self.departments]  # type: ignore[attr-defined]
        self.fields["employee"].choices = [("", "")] + [(p.id, p.full_name) for p in self.people]  # type: ignore[attr-defined]

    def clean_week(self) -> datetime.date | None:
        value = self.cleaned_data["week"].strip().upper()
        if not value:
            return None
        try:
            return weeks.monday_from_label(value)
        except ValueError:
            raise forms.ValidationError(FILTER_WEEK_INVALID, code="invalid") from None

    def _clean_date(self, name: str) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data[name]
        if value is not None and not weeks.date_in_range(value):
            raise forms.ValidationError(FILTER_DATE_INVALID, code="out_of_range")
        return value

    def clean_date_from(self) -> datetime.date | None:
        return self._clean_date("date_from")

    def clean_date_to(self) -> datetime.date | None:
        return self._clean_date("date_to")

    def clean_status(self) -> str:
        return self.cleaned_data["status"] or "submitted"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if data.get("week") and (date_from or date_to):
            raise forms.ValidationError(FILTER_WEEK_AND_DATES, code="week_and_dates")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", forms.ValidationError(FILTER_DATES_REVERSED, code="reversed"))
        return data

    @property
    def filters(self) -> selectors.ApprovalFilters:
        """The checked filters; the defaults (everything waiting) when the address has none."""
        if not self.is_bound:
            return selectors.ApprovalFilters()
        data = self.cleaned_data
        monday = data.get("week")
        return selectors.ApprovalFilters(
            status=data["status"],
            department_id=data.get("department"),
            employee_id=data.get("employee"),
            date_from=monday or data.get("date_from"),
            date_to=monday + datetime.timedelta(days=6) if monday else data.get("date_to"),
        )

    def query(self) -> dict[str, str]:
        """The filters as the address carries them (for paging and for coming back after a POST)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: str(self.data[name]) for name in self.fields if self.data.get(name) not in (None, "")}


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Navn"), max_length=200)
    organisation_number = forms.RegexField(
        label=_("Organisasjonsnummer"),
        regex=r"^[0-9]{9}$",
        error_messages={"invalid": _("Organisasjonsnummeret må ha ni sifre.")},
    )
    normal_week_hours = forms.DecimalField(
        label=_("Normal arbeidsuke (timer)"),
        help_text=_("Vises ved ukens sum i «Mine timer», så over- og undertid synes."),
        localize=True,
        min_value=Decimal("0.5"),
        max_value=MAX_HOURS_PER_WEEK,
        decimal_places=2,
    )


REMINDER_TIME_INVALID = _("Skriv klokkeslettet som TT:MM, for eksempel 14:00.")
REMINDER_TIME_REQUIRED = _("Skriv inn et klokkeslett.")
REMINDER_WEEKDAY_INVALID = _("Velg en ukedag.")


def _reminder_weekday(label: StrOrPromise) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=Weekday.choices,
        coerce=int,
        error_messages={"invalid_choice": REMINDER_WEEKDAY_INVALID, "required": REMINDER_WEEKDAY_INVALID},
    )


def _reminder_time(label: StrOrPromise) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        input_formats=["%H:%M", "%H.%M"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": REMINDER_TIME_INVALID, "required": REMINDER_TIME_REQUIRED},
    )


class ReminderSettingsForm(forms.Form):
    """«Påminnelser»: when employees and managers get their weekly e-mail (Europe/Oslo time)."""

    prefix = "reminders"

    reminders_enabled = forms.BooleanField(label=_("Send påminnelser på e-post"), required=False)
    employee_reminder_weekday = _reminder_weekday(_("Ansatte som ikke har sendt inn uken: dag"))
    employee_reminder_time = _reminder_time(_("Ansatte som ikke har sendt inn uken: klokkeslett"))
    manager_reminder_weekday = _reminder_weekday(_("Ledere med uker til godkjenning: dag"))
    manager_reminder_time = _reminder_time(_("Ledere med uker til godkjenning: klokkeslett"))


class EmployeeForm(forms.Form):
    first_name = forms.CharField(label=_("Fornavn"), max_length=100)
    last_name = forms.CharField(label=_("Etternavn"), max_length=100)
    email = forms.EmailField(label=_("E-post"))
    employee_number = forms.CharField(label=_("Ansattnummer"), max_length=30)
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices)
    department: forms.ModelChoiceField[Department] = forms.ModelChoiceField(
        label=_("Avdeling"), queryset=None, required=False
    )
    is_active = forms.BooleanField(label=_("Aktiv"), required=False, initial=True)

    def __init__(self, *args: object, company: Company, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["department"].queryset = Department.objects.filter(company=company)  # type: ignore[attr-defined]
        if editing:
            self.fields["email"].disabled = True
        else:
            del self.fields["is_active"]


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Navn"), max_length=100)
    managers: forms.ModelMultipleChoiceField[Employee] = forms.ModelMultipleChoiceField(
        label=_("Ledere"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, company: Company, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["managers"].queryset = Employee.objects.filter(company=company, is_active=True)  # type: ignore[attr-defined]


class ProjectForm(forms.Form):
    number = forms.CharField(label=_("Prosjektnummer"), max_length=30)
    name = forms.CharField(label=_("Navn"), max_length=200)
    start_date = forms.DateField(
        label=_("Startdato"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("Sluttdato"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    is_closed = forms.BooleanField(label=_("Avsluttet"), required=False)


class WageTypeForm(forms.Form):
    number = forms.CharField(label=_("Nummer"), max_length=30)
    name = forms.CharField(label=_("Navn"), max_length=200)
    is_active = forms.BooleanField(label=_("Aktiv"), required=False, initial=True)


ROW_KEY = re.compile(r"p([0-9]{1,18})-w([0-9]{1,18})")
MAX_NEW_ROWS = 50
PROJECT_REQUIRED = _("Velg prosjekt for raden.")
PROJECT_INVALID = _("Velg et gyldig prosjekt.")
WAGE_TYPE_INVALID = _("Velg en gyldig lønnsart.")
ROW_ALREADY_IN_WEEK = _("Uken har allerede en rad med dette prosjektet og denne lønnsarten.")


@dataclass
class NewRow:
    """A row added with «Legg til rad»: its project and lønnsart are chosen on the page."""

    index: int
    project_id: str = ""
    wage_type_id: str = ""
    hours: list[str] = field(default_factory=lambda: [""] * 7)
    comments: list[str] = field(default_factory=lambda: [""] * 7)
    error: str = ""

    @property
    def key(self) -> str:
        return f"new{self.index}"

    @property
    def is_blank(self) -> bool:
        return not any(h.strip() for h in self.hours) and not any(c.strip() for c in self.comments)


class WeekGridForm:
    """Parses the grid's one POST into cells for services.week_save.

    Existing rows post ``row`` = "p<project>-w<lønnsart>" and per day ``h-<row>-<0..6>`` (hours) and
    ``c-<row>-<0..6>`` (comment). Rows added on the page post ``new<n>-project``/``new<n>-wage_type``
    and their cells under the row key ``new<n>``; ``new_rows`` says how many there are. A new row
    without hours is ignored: an empty row disappears on save.
    """

    def __init__(self, data: Mapping[str, Any], *, company: Company, days: list[datetime.date]) -> None:
        self.data, self.company, self.days = data, company, days
        self.row_keys: list[tuple[int, int]] = []
        self.new_rows: list[NewRow] = []
        self.cells: list[services.CellInput] = []
        self.typed: dict[str, tuple[str, str | None]] = {}
        self._parse()

    @property
    def has_row_errors(self) -> bool:
        return any(row.error for row in self.new_rows)

    def _text(self, name: str) -> str:
        value = self.data.get(name, "")
        return value if isinstance(value, str) else ""

    def _parse(self) -> None:
        getlist = getattr(self.data, "getlist", None)
        keys = getlist("row") if getlist else []
        for key in dict.fromkeys(keys):
            match = ROW_KEY.fullmatch(key)
            if match is None:
                continue
            project_id, wage_type_id = int(match.group(1)), int(match.group(2))
            self.row_keys.append((project_id, wage_type_id))
            self._cells_of(key, project_id, wage_type_id)
        try:
            count = min(int(self._text("new_rows") or 0), MAX_NEW_ROWS)
        except ValueError:
            count = 0
        projects = {str(p.id): p for p in selectors.projects_open(company=self.company)}
        wage_types = {str(w.id): w for w in selectors.wage_types_active(company=self.company)}
        for index in range(max(count, 0)):
            self._new_row(index, projects, wage_types)

    def _cells_of(self, key: str, project_id: int, wage_type_id: int) -> None:
        for index, day in enumerate(self.days):
            hours_name, comment_name = f"h-{key}-{index}", f"c-{key}-{index}"
            if hours_name not in self.data:
                continue
            comment = self._text(comment_name) if comment_name in self.data else None
            hours = self._text(hours_name)
            self.typed[hours_name] = (hours, comment)
            self.cells.append(services.CellInput(project_id, wage_type_id, day, hours, comment))

    def _new_row(self, index: int, projects: dict[str, Project], wage_types: dict[str, WageType]) -> None:
        row = NewRow(index, self._text(f"new{index}-project"), self._text(f"new{index}-wage_type"))
        row.hours = [self._text(f"h-{row.key}-{i}") for i in range(7)]
        row.comments = [self._text(f"c-{row.key}-{i}") for i in range(7)]
        self.new_rows.append(row)
        if row.is_blank:
            return
        project, wage_type = projects.get(row.project_id), wage_types.get(row.wage_type_id)
        if not row.project_id:
            row.error = str(PROJECT_REQUIRED)
        elif project is None:
            row.error = str(PROJECT_INVALID)
        elif wage_type is None:
            row.error = str(WAGE_TYPE_INVALID)
        elif (project.id, wage_type.id) in self.row_keys:
            row.error = str(ROW_ALREADY_IN_WEEK)
        if row.error:
            return
        assert project is not None and wage_type is not None
        self.row_keys.append((project.id, wage_type.id))
        key = selectors.grid_row_key(project.id, wage_type.id)
        for i, day in enumerate(self.days):
            self.typed[f"h-{key}-{i}"] = (row.hours[i], row.comments[i])
            if row.hours[i].strip() or row.comments[i].strip():
                self.cells.append(
                    services.CellInput(project.id, wage_type.id, day, row.hours[i], row.comments[i])
                )
