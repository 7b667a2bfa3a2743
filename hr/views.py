"""Pages: parse input, check access, call one service, render."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from hr import access, selectors, services
from hr.forms import (
    MAX_NEW_ROWS,
    ROW_KEY,
    ApprovalFilterForm,
    CompanyForm,
    DepartmentForm,
    EmployeeForm,
    EntryForm,
    NewRow,
    ProjectForm,
    ReminderSettingsForm,
    WageTypeForm,
    WeekGridForm,
)
from hr.integration import integration_get
from hr.models import Department, Employee, Project, WageType
from hr.weeks import (
    date_in_range,
    iso_label,
    monday_from_iso,
    monday_from_label,
    monday_of,
    today_local,
    week_days,
    week_label,
)

NO_EMPLOYEE_PROFILE = gettext_lazy("Brukeren din er ikke knyttet til noe selskap.")
NOTHING_SELECTED = gettext_lazy("Velg minst én timeføring.")
REMINDERS_SAVED = gettext_lazy("Påminnelsene er lagret.")

View = Callable[..., HttpResponse]


class EmployeeRequest(HttpRequest):
    employee: Employee


def employee_required(view: View) -> View:
    """Logged in, with an active employee profile; the profile is request.employee."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        employee = selectors.employee_for_user(user=request.user)  # type: ignore[arg-type]
        if employee is None:
            raise PermissionDenied(NO_EMPLOYEE_PROFILE)
        request.employee = employee  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def administrator_required(view: View) -> View:
    @employee_required
    @wraps(view)
    def wrapper(request: EmployeeRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.employee.is_administrator:
            raise PermissionDenied(services.ONLY_ADMINISTRATORS)
        return view(request, *args, **kwargs)

    return wrapper


def errors_to_form(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


def _messages_from(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(error) or _("Du har ikke tilgang til dette."))


# --- «Mine timer» ----------------------------------------------------------------------------


WEEK_OUT_OF_RANGE = gettext_lazy("Uken finnes ikke. Velg en uke mellom år 2000 og 2099.")
GRID_SAVED = gettext_lazy("Uken er lagret.")
GRID_NOTHING_CHANGED = gettext_lazy("Ingen endringer å lagre.")
GRID_NOT_SAVED = gettext_lazy("Ingenting er lagret. Rett feilene som er merket i tabellen, og lagre igjen.")
COPY_NO_ROWS = gettext_lazy("Forrige uke hadde ingen rader å kopiere.")
COPY_ROWS_ALREADY_HERE = gettext_lazy("Denne uken har allerede alle radene fra forrige uke.")
COPY_HOURS_ALREADY_HERE = gettext_lazy(
    "Denne uken har allerede timer på de samme dagene, prosjektene og lønnsartene."
)
COPY_NOTHING_ALLOWED = gettext_lazy(
    "Ingen av forrige ukes timer kunne kopieres: prosjektet er avsluttet, lønnsarten er ikke aktiv, "
    "eller dagen ville fått mer enn 24 timer."
)
DEFAULT_NEW_ROWS = 1


class WeekOutOfRange(ValueError):
    pass


def _week_from_query(request: HttpRequest) -> datetime.date:
    """?week=2026-W50, or ?year=2026&week=50; none means this week. WeekOutOfRange for a week that
    does not exist or lies outside the years the product accepts."""
    week, year = request.GET.get("week", ""), request.GET.get("year", "")
    if not week and not year:
        return monday_of(today_local())
    try:
        if "W" in week.upper():
            return monday_from_label(week.upper())
        return monday_from_iso(int(year), int(week))
    except (ValueError, OverflowError):
        raise WeekOutOfRange from None


def _subject_from_query(request: EmployeeRequest) -> Employee:
    """Whose week this is: oneself, or someone the actor may act for (?employee=)."""
    actor = request.employee
    raw = request.GET.get("employee") or request.POST.get("employee")
    if not raw:
        return actor
    subject = selectors.employee_get(company=actor.company, employee_id=raw)
    access.require_can_act_for(actor, subject)
    return subject


def _week_url(subject: Employee, actor: Employee, monday: datetime.date, **extra: str) -> str:
    year, week = iso_label(monday)
    query: dict[str, str | int] = {"year": year, "week": week}
    if subject.id != actor.id:
        query["employee"] = subject.id
    query.update(extra)
    return reverse("hr:week") + "?" + urlencode(query)


@employee_required
def home(request: EmployeeRequest) -> HttpResponse:
    return redirect("hr:week")


@employee_required
def week(request: EmployeeRequest) -> HttpResponse:
    """«Mine timer»: the week as an editable grid, saved in one POST («Lagre»)."""
    actor = request.employee
    subject = _subject_from_query(request)
    try:
        monday = _week_from_query(request)
    except WeekOutOfRange:
        messages.error(request, WEEK_OUT_OF_RANGE)
        return _week_render(request, subject, monday_of(today_local()), status=400)
    if request.method != "POST":
        return _week_render(request, subject, monday)
    form = WeekGridForm(request.POST, company=actor.company, days=week_days(monday))
    if form.has_row_errors:
        messages.error(request, GRID_NOT_SAVED)
        return _week_render(request, subject, monday, form=form, status=400)
    try:
        result = services.week_save(actor=actor, employee=subject, monday=monday, cells=form.cells)
    except services.WeekSaveError as error:
        messages.error(request, GRID_NOT_SAVED)
        return _week_render(request, subject, monday, form=form, cell_errors=error.cell_errors, status=400)
    messages.success(request, GRID_SAVED if result.changed else GRID_NOTHING_CHANGED)
    extra = {"nye": str(len(form.new_rows) + 1)} if "add_row" in request.POST else {}
    return HttpResponseRedirect(_week_url(subject, actor, monday, **extra) + "#week-grid")


def _week_render(
    request: EmployeeRequest,
    subject: Employee,
    monday: datetime.date,
    *,
    form: WeekGridForm | None = None,
    cell_errors: dict[services.CellKey, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.employee
    grid = selectors.week_grid(employee=subject, monday=monday)
    extra_keys = _row_keys_from_query(request) + (form.row_keys if form else [])
    selectors.week_grid_add_rows(grid, company=actor.company, keys=extra_keys)
    if form is not None:
        selectors.week_grid_overlay(grid, typed=form.typed, cell_errors=cell_errors or {})
    new_rows = [row for row in form.new_rows if row.error] if form else []
    blank_rows = _int_or(request.GET.get("nye"), DEFAULT_NEW_ROWS, limit=MAX_NEW_ROWS)
    new_rows += [NewRow(len(new_rows) + i) for i in range(max(blank_rows - len(new_rows), 1))]
    for index, row in enumerate(new_rows):
        row.index = index
    selectors.week_grid_annotate(grid)
    year, number = iso_label(monday)
    context = {
        "grid": grid,
        "new_rows": new_rows,
        "projects": selectors.projects_open(company=actor.company),
        "wage_types": selectors.wage_types_active(company=actor.company),
        "subject": subject,
        "acting_for_other": subject.id != actor.id,
        "actable": selectors.employees_actable(actor=actor) if access.can_approve(actor) else None,
        "year": year,
        "week_number": number,
        "week_label": week_label(monday),
        "previous_url": _week_url(subject, actor, monday - datetime.timedelta(days=7)),
        "next_url": _week_url(subject, actor, monday + datetime.timedelta(days=7)),
        "today_url": _week_url(subject, actor, monday_of(today_local())),
        "this_url": _week_url(subject, actor, monday),
        "add_row_url": _week_url(subject, actor, monday, nye=str(len(new_rows) + 1)) + "#new-rows",
        "today": today_local(),
    }
    return render(request, "hr/week.html", context, status=status)


def _row_keys_from_query(request: HttpRequest) -> list[tuple[int, int]]:
    """?rader=p1-w2.p3-w4: rows shown empty, as «Kopier forrige uke» → «Bare rader» leaves them."""
    keys = []
    for key in request.GET.get("rader", "").split(".")[:MAX_NEW_ROWS]:
        match = ROW_KEY.fullmatch(key)
        if match:
            keys.append((int(match.group(1)), int(match.group(2))))
    return keys


def _int_or(value: str | None, default: int, *, limit: int) -> int:
    try:
        return min(max(int(value or default), 0), limit)
    except ValueError:
        return default


@require_POST
@employee_required
def week_submit(request: EmployeeRequest) -> HttpResponse:
    actor = request.employee
    subject = _subject_from_query(request)
    try:
        monday = _monday_from_post(request)
    except WeekOutOfRange:
        messages.error(request, WEEK_OUT_OF_RANGE)
        return _week_render(request, subject, monday_of(today_local()), status=400)
    try:
        entries = services.week_submit(actor=actor, employee=subject, monday=monday)
    except (ValidationError, PermissionDenied) as error:
        _messages_from(request, error)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s timeføring er sendt til godkjenning.",
                "%(count)s timeføringer er sendt til godkjenning.",
                len(entries),
            )
            % {"count": len(entries)},
        )
    return HttpResponseRedirect(_week_url(subject, actor, monday))


@require_POST
@employee_required
def week_copy(request: EmployeeRequest) -> HttpResponse:
    """«Kopier forrige uke»: «Bare rader» shows last week's rows empty; «Rader og timer» copies the hours."""
    actor = request.employee
    subject = _subject_from_query(request)
    try:
        monday = _monday_from_post(request)
    except WeekOutOfRange:
        messages.error(request, WEEK_OUT_OF_RANGE)
        return _week_render(request, subject, monday_of(today_local()), status=400)
    if request.POST.get("mode") == "rows":
        keys = selectors.week_copy_rows(employee=subject, monday=monday)
        if not keys:
            messages.info(request, _copy_refusal(subject, monday, rows_only=True))
            return HttpResponseRedirect(_week_url(subject, actor, monday))
        rows = ".".join(selectors.grid_row_key(*key) for key in keys)
        messages.success(
            request,
            ngettext(
                "%(count)s rad er kopiert fra forrige uke. Skriv inn timene og lagre.",
                "%(count)s rader er kopiert fra forrige uke. Skriv inn timene og lagre.",
                len(keys),
            )
            % {"count": len(keys)},
        )
        return HttpResponseRedirect(_week_url(subject, actor, monday, rader=rows) + "#week-grid")
    created = services.week_copy_previous(actor=actor, employee=subject, monday=monday)
    if created:
        messages.success(
            request,
            ngettext(
                "%(count)s timeføring er kopiert fra forrige uke.",
                "%(count)s timeføringer er kopiert fra forrige uke.",
                len(created),
            )
            % {"count": len(created)},
        )
    else:
        messages.info(request, _copy_refusal(subject, monday, rows_only=False))
    return HttpResponseRedirect(_week_url(subject, actor, monday))


def _copy_refusal(subject: Employee, monday: datetime.date, *, rows_only: bool) -> str:
    """Exactly why copying last week gave nothing."""
    reason = selectors.week_copy_nothing_reason(employee=subject, monday=monday, rows_only=rows_only)
    return str(
        {
            "no_rows": COPY_NO_ROWS,
            "rows_here": COPY_ROWS_ALREADY_HERE,
            "hours_here": COPY_HOURS_ALREADY_HERE,
        }.get(reason, COPY_NOTHING_ALLOWED)
    )


def _monday_from_post(request: HttpRequest) -> datetime.date:
    """The week a button acts on; a date outside the accepted years is refused, never guessed."""
    try:
        date = datetime.date.fromisoformat(request.POST.get("monday", ""))
    except ValueError:
        return monday_of(today_local())
    if not date_in_range(date):
        raise WeekOutOfRange
    return monday_of(date)


@employee_required
def entry_edit(request: EmployeeRequest, entry_id: int) -> HttpResponse:
    actor = request.employee
    entry = selectors.entry_get(company=actor.company, entry_id=entry_id)
    access.require_can_act_for(actor, entry.employee)
    back = _week_url(entry.employee, actor, monday_of(entry.date))
    if not entry.is_editable:
        messages.error(request, services.ENTRY_NOT_EDITABLE)
        return HttpResponseRedirect(back)
    initial = {
        "date": entry.date,
        "project": entry.project,
        "wage_type": entry.wage_type,
        "hours": f"{entry.hours.normalize():f}".replace(".", ","),
        "comment": entry.comment,
    }
    form = EntryForm(request.POST or None, company=actor.company, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_update(actor=actor, entry=entry, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Timeføringen er oppdatert."))
            return HttpResponseRedirect(_week_url(entry.employee, actor, monday_of(entry.date)))
    context = {"form": form, "entry": entry, "back": back}
    return render(request, "hr/entry_edit.html", context, status=400 if form.errors else 200)


@require_POST
@employee_required
def entry_delete(request: EmployeeRequest, entry_id: int) -> HttpResponse:
    actor = request.employee
    entry = selectors.entry_get(company=actor.company, entry_id=entry_id)
    back = _week_url(entry.employee, actor, monday_of(entry.date))
    try:
        services.entry_delete(actor=actor, entry=entry)
    except (ValidationError, PermissionDenied) as error:
        _messages_from(request, error)
    else:
        messages.success(request, _("Timeføringen er slettet."))
    return HttpResponseRedirect(back)


# --- «Godkjenning» ---------------------------------------------------------------------------


APPROVAL_ONLY_APPROVERS = gettext_lazy("Bare ledere og administratorer kan godkjenne timer.")
FILTER_REFUSED = gettext_lazy("Filteret kan ikke brukes. Rett det som er merket, og velg «Vis».")
NOTHING_SHOWN_TO_APPROVE = gettext_lazy("Ingen av de viste ukene venter på godkjenning.")
WEEK_ALREADY_DECIDED = gettext_lazy(
    "Uken er allerede behandlet: ingen av timene venter på godkjenning lenger."
)


@employee_required
def approval(request: EmployeeRequest) -> HttpResponse:
    """«Godkjenning»: person-weeks filtered by department, person, week or dates and status (in the
    address), one card each, with «Godkjenn uke», «Avvis uke» and «Godkjenn alle viste»."""
    actor = request.employee
    if not access.can_approve(actor):
        raise PermissionDenied(APPROVAL_ONLY_APPROVERS)
    form = ApprovalFilterForm(_filter_data(request.GET), actor=actor)
    if request.method == "POST":
        return _approval_post(request, form)
    status = 200
    result = None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        result = selectors.approval_weeks(actor=actor, filters=form.filters, page=request.GET.get("page", 1))
    recent = selectors.recently_approved(actor=actor)
    # What happened to approved hours in the accounting system (Sendt, Feilet …), for the approver too.
    statuses = integration_get().transfer_statuses(company=actor.company, entries=recent)
    for entry in recent:
        entry.transfer = statuses.get(entry.id)  # type: ignore[attr-defined]
    query = form.query()
    context = {
        "form": form,
        "filters_refused": FILTER_REFUSED if status == 400 else "",
        "weeks": result.weeks if result else [],
        "page_obj": result.page if result else None,
        "query": urlencode(query),
        "page_query": urlencode({**query, "page": str(result.page.number)}) if result else urlencode(query),
        "approvable": any(week.submitted_ids for week in result.weeks) if result else False,
        "recent": recent,
    }
    return render(request, "hr/approval.html", context, status=status)


def _filter_data(query: Any) -> dict[str, str] | None:
    """The address's filters, or None (the defaults) when it has none; paging is not a filter."""
    data = {name: query.get(name, "") for name in ApprovalFilterForm.base_fields if name in query}
    return data or None


def _approval_back(request: EmployeeRequest, form: ApprovalFilterForm, anchor: str = "") -> HttpResponse:
    """Back to the same filtered page after a decision, at the card acted on."""
    query = form.query()
    page = request.GET.get("page", "")
    if page.isdigit():
        query["page"] = page
    url = reverse("hr:approval") + ("?" + urlencode(query) if query else "")
    return HttpResponseRedirect(url + (f"#{anchor}" if anchor else ""))


def _approval_post(request: EmployeeRequest, form: ApprovalFilterForm) -> HttpResponse:
    """One form for the whole page: each button names its action and target.

    approve-week:<key> / reject-week:<key> for a person's week (only the entries the card showed,
    ``shown-<key>``), approve-shown for every card on the page; approve:<id> / reject:<id> and
    approve-selected / reject-selected for entries by id. A rejection takes its reason from the
    matching field (reason-<key>, reason-<id>, reason).
    """
    actor = request.employee
    action, _sep, target = request.POST.get("action", "").partition(":")
    anchor = ""
    if action == "approve-shown":
        return _approve_shown(request, form)
    if action in ("approve", "reject"):
        entry_ids = [_int_or_404(target)]
        reason = request.POST.get(f"reason-{target}", "")
    elif action in ("approve-week", "reject-week"):
        anchor = f"week-{target}"
        entry_ids = _week_entry_ids(actor, target, request.POST.get(f"shown-{target}"))
        reason = request.POST.get(f"reason-{target}", "")
        if not entry_ids:
            messages.info(request, WEEK_ALREADY_DECIDED)
            return _approval_back(request, form, anchor)
    elif action in ("approve-selected", "reject-selected"):
        entry_ids = [_int_or_404(value) for value in request.POST.getlist("entries")]
        reason = request.POST.get("reason", "")
    elif action == "reopen":
        return _reopen(request, _int_or_404(target), form)
    else:
        entry_ids, reason = [], ""
    if not entry_ids:
        messages.error(request, NOTHING_SELECTED)
        return _approval_back(request, form)
    _approval_decide(request, approve=action.startswith("approve"), entry_ids=entry_ids, reason=reason)
    return _approval_back(request, form, anchor)


def _approval_decide(request: EmployeeRequest, *, approve: bool, entry_ids: list[int], reason: str) -> None:
    """Approve or reject the entries; say how many, or each cause that stopped them."""
    actor = request.employee
    try:
        if approve:
            approved = services.entries_approve(actor=actor, entry_ids=entry_ids)
            messages.success(
                request,
                ngettext(
                    "%(count)s timeføring er godkjent.", "%(count)s timeføringer er godkjent.", len(approved)
                )
                % {"count": len(approved)},
            )
        else:
            rejected = services.entries_reject(actor=actor, entry_ids=entry_ids, reason=reason)
            messages.success(
                request,
                ngettext(
                    "%(count)s timeføring er avvist.", "%(count)s timeføringer er avvist.", len(rejected)
                )
                % {"count": len(rejected)},
            )
    except (ValidationError, PermissionDenied) as error:
        # One message per cause: five entries blocked for one reason are one banner.
        for cause in services.refusal_causes(error):
            messages.error(request, cause)


def _approve_shown(request: EmployeeRequest, form: ApprovalFilterForm) -> HttpResponse:
    """«Godkjenn alle viste»: every card the page showed, week by week; what could not be approved
    is reported once per cause, with the number of weeks it stopped."""
    actor = request.employee
    asked = [
        week
        for name in request.POST
        if name.startswith("shown-")
        and (week := _week_asked(name.removeprefix("shown-"), request.POST.get(name, ""))) is not None
    ]
    weeks = [ids for ids in selectors.approval_weeks_entry_ids(actor=actor, weeks=asked) if ids]
    if not weeks:
        messages.info(request, NOTHING_SHOWN_TO_APPROVE)
        return _approval_back(request, form)
    result = services.weeks_approve(actor=actor, weeks=weeks)
    if result.approved_weeks:
        messages.success(
            request,
            ngettext(
                "%(weeks)s uke er godkjent (%(entries)s timeføringer).",
                "%(weeks)s uker er godkjent (%(entries)s timeføringer).",
                result.approved_weeks,
            )
            % {"weeks": result.approved_weeks, "entries": result.approved_entries},
        )
    for cause, count in result.refused.items():
        messages.error(
            request,
            ngettext(
                "%(count)s uke ble ikke godkjent: %(cause)s",
                "%(count)s uker ble ikke godkjent: %(cause)s",
                count,
            )
            % {"count": count, "cause": cause},
        )
    return _approval_back(request, form)


def _reopen(request: EmployeeRequest, entry_id: int, form: ApprovalFilterForm) -> HttpResponse:
    """An administrator reopens approved hours (they go back to «Til godkjenning»)."""
    try:
        services.entries_reopen(actor=request.employee, entry_ids=[entry_id])
    except (ValidationError, PermissionDenied) as error:
        _messages_from(request, error)
    else:
        messages.success(request, _("Timeføringen er åpnet igjen og venter på godkjenning."))
    return _approval_back(request, form, "recent-heading")


def _int_or_404(value: str) -> int:
    from django.http import Http404

    try:
        return int(value)
    except ValueError:
        raise Http404 from None


def _week_entry_ids(actor: Employee, key: str, shown: str | None) -> list[int]:
    """The entries a week's buttons act on: <employee id>-<Monday>, limited to the ids the card
    showed when the page sends them (``shown``, comma-separated)."""
    week = _week_asked(key, shown)
    if week is None:
        return []
    return selectors.approval_weeks_entry_ids(actor=actor, weeks=[week])[0]


def _week_asked(key: str, shown: str | None) -> selectors.WeekAsked | None:
    """A card's week from the form: <employee id>-<Monday> and the ids it showed; None if garbled."""
    employee_id, _sep, monday_text = key.partition("-")
    try:
        monday = datetime.date.fromisoformat(monday_text)
        shown_ids = (
            frozenset(int(value) for value in shown.split(",") if value) if shown is not None else None
        )
        return selectors.WeekAsked(employee_id=int(employee_id), monday=monday_of(monday), shown=shown_ids)
    except ValueError:
        return None


# --- «Selskapsinnstillinger» -----------------------------------------------------------------


def _settings_render(
    request: EmployeeRequest, tab: str, template: str, context: dict[str, Any]
) -> HttpResponse:
    status = (
        400 if any(getattr(f, "errors", None) for f in context.values() if isinstance(f, forms.Form)) else 200
    )
    return render(request, template, {"tab": tab, **context}, status=status)


@administrator_required
def settings_general(request: EmployeeRequest) -> HttpResponse:
    actor = request.employee
    company = actor.company
    # Two forms on one page: «Lagre» of «Påminnelser» is named, so each POST is one form's.
    reminders_posted = request.method == "POST" and "reminders-save" in request.POST
    company_posted = request.method == "POST" and not reminders_posted
    form = CompanyForm(
        request.POST if company_posted else None,
        initial={
            "name": company.name,
            "organisation_number": company.organisation_number,
            "normal_week_hours": company.normal_week_hours.normalize(),
        },
    )
    reminder_form = ReminderSettingsForm(
        request.POST if reminders_posted else None,
        initial={
            "reminders_enabled": company.reminders_enabled,
            "employee_reminder_weekday": company.employee_reminder_weekday,
            "employee_reminder_time": company.employee_reminder_time,
            "manager_reminder_weekday": company.manager_reminder_weekday,
            "manager_reminder_time": company.manager_reminder_time,
        },
    )
    if company_posted and form.is_valid():
        try:
            services.company_update(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Selskapsinformasjonen er lagret."))
            return redirect("hr:settings_general")
    if reminders_posted and reminder_form.is_valid():
        try:
            services.company_reminders_update(actor=actor, **reminder_form.cleaned_data)
        except ValidationError as error:
            errors_to_form(reminder_form, error)
        else:
            messages.success(request, REMINDERS_SAVED)
            return redirect(reverse("hr:settings_general") + "#paminnelser")
    panel = integration_get().settings_panel(request=request, actor=actor)
    context = {"form": form, "reminder_form": reminder_form, "company": company, "integration_panel": panel}
    return _settings_render(request, "general", "hr/settings/general.html", context)


@administrator_required
def settings_employees(request: EmployeeRequest) -> HttpResponse:
    actor = request.employee
    employees = (
        Employee.objects.filter(company=actor.company)
        .select_related("department", "user")
        .prefetch_related("managed_departments")
        .order_by("last_name", "first_name")
    )
    return _settings_render(request, "employees", "hr/settings/employees.html", {"employees": employees})


@administrator_required
def settings_employee(request: EmployeeRequest, employee_id: int | None = None) -> HttpResponse:
    actor = request.employee
    employee = selectors.employee_get(company=actor.company, employee_id=employee_id) if employee_id else None
    initial = {}
    if employee is not None:
        initial = {
            "first_name": employee.first_name,
            "last_name": employee.last_name,
            "email": employee.email,
            "employee_number": employee.employee_number,
            "role": employee.role,
            "department": employee.department,
            "is_active": employee.is_active,
        }
    form = EmployeeForm(
        request.POST or None, company=actor.company, editing=employee is not None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if employee is None:
                services.employee_invite(actor=actor, **data)
                messages.success(request, _("Den ansatte er opprettet og har fått en invitasjon på e-post."))
            else:
                data.pop("email", None)
                services.employee_update(actor=actor, employee=employee, **data)
                messages.success(request, _("Den ansatte er oppdatert."))
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            return redirect("hr:settings_employees")
    context = {"form": form, "employee": employee}
    return _settings_render(request, "employees", "hr/settings/employee_form.html", context)


@require_POST
@administrator_required
def settings_employee_unlock(request: EmployeeRequest, employee_id: int) -> HttpResponse:
    actor = request.employee
    employee = selectors.employee_get(company=actor.company, employee_id=employee_id)
    services.login_lockout_lift(actor=actor, employee=employee)
    messages.success(
        request, _("Innloggingssperren for %(name)s er opphevet.") % {"name": employee.full_name}
    )
    return redirect("hr:settings_employee", employee_id=employee.id)


@require_POST
@administrator_required
def settings_employee_invite_again(request: EmployeeRequest, employee_id: int) -> HttpResponse:
    actor = request.employee
    employee = selectors.employee_get(company=actor.company, employee_id=employee_id)
    try:
        services.employee_invitation_resend(actor=actor, employee=employee)
    except ValidationError as error:
        _messages_from(request, error)
    else:
        messages.success(
            request,
            _("En ny invitasjon er sendt til %(email)s. Den forrige lenken virker ikke lenger.")
            % {"email": employee.email},
        )
    return redirect("hr:settings_employee", employee_id=employee.id)


@administrator_required
def settings_departments(request: EmployeeRequest) -> HttpResponse:
    departments = Department.objects.filter(company=request.employee.company).prefetch_related("managers")
    return _settings_render(
        request, "departments", "hr/settings/departments.html", {"departments": departments}
    )


@administrator_required
def settings_department(request: EmployeeRequest, department_id: int | None = None) -> HttpResponse:
    actor = request.employee
    department = (
        selectors.department_get(company=actor.company, department_id=department_id)
        if department_id
        else None
    )
    initial = {"name": department.name, "managers": list(department.managers.all())} if department else {}
    form = DepartmentForm(request.POST or None, company=actor.company, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.department_save(actor=actor, department=department, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Avdelingen er lagret."))
            return redirect("hr:settings_departments")
    context = {"form": form, "department": department}
    return _settings_render(request, "departments", "hr/settings/simple_form.html", context)


@administrator_required
def settings_projects(request: EmployeeRequest) -> HttpResponse:
    projects = Project.objects.filter(company=request.employee.company).order_by("number")
    return _settings_render(request, "projects", "hr/settings/projects.html", {"projects": projects})


@administrator_required
def settings_project(request: EmployeeRequest, project_id: int | None = None) -> HttpResponse:
    actor = request.employee
    project = selectors.project_get(company=actor.company, project_id=project_id) if project_id else None
    initial = {}
    if project is not None:
        initial = {
            "number": project.number,
            "name": project.name,
            "start_date": project.start_date,
            "end_date": project.end_date,
            "is_closed": project.is_closed,
        }
    form = ProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_save(actor=actor, project=project, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Prosjektet er lagret."))
            return redirect("hr:settings_projects")
    context = {"form": form, "project": project}
    return _settings_render(request, "projects", "hr/settings/simple_form.html", context)


@administrator_required
def settings_wage_types(request: EmployeeRequest) -> HttpResponse:
    wage_types = WageType.objects.filter(company=request.employee.company)
    return _settings_render(request, "wage_types", "hr/settings/wage_types.html", {"wage_types": wage_types})


@administrator_required
def settings_wage_type(request: EmployeeRequest, wage_type_id: int | None = None) -> HttpResponse:
    actor = request.employee
    wage_type = (
        selectors.wage_type_get(company=actor.company, wage_type_id=wage_type_id) if wage_type_id else None
    )
    initial = (
        {"number": wage_type.number, "name": wage_type.name, "is_active": wage_type.is_active}
        if wage_type
        else {}
    )
    form = WageTypeForm(request.POST or None, initial=initial)
    if wage_type is not None and wage_type.is_builtin:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.wage_type_save(actor=actor, wage_type=wage_type, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("Lønnsarten er lagret."))
            return redirect("hr:settings_wage_types")
    context = {"form": form, "wage_type": wage_type}
    return _settings_render(request, "wage_types", "hr/settings/simple_form.html", context)
