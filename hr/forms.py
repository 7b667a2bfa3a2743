"""Forms parse and validate input only; the services decide and save."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from hr import selectors
from hr.models import Company, Department, Employee, Project, Role, WageType


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


class WeekEntryForm(EntryForm):
    """The add form under the week view: the day is one of the week's seven."""

    def __init__(self, *args: object, days: list[datetime.date], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["date"] = forms.TypedChoiceField(
            label=_("Dag"),
            choices=[(d.isoformat(), date_format(d, "D d.m.Y")) for d in days],
            coerce=datetime.date.fromisoformat,
        )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Begrunnelse"), max_length=500, required=False, widget=forms.Textarea)


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Navn"), max_length=200)
    organisation_number = forms.RegexField(
        label=_("Organisasjonsnummer"),
        regex=r"^[0-9]{9}$",
        error_messages={"invalid": _("Organisasjonsnummeret må ha ni sifre.")},
    )


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
