"""«Koble til Tripletex»: the wizard's pages, the connection card's actions and the audit trail."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hr.models import Role
from hr.views import EmployeeRequest, administrator_required
from tripletex import crypto, dispatch, selectors
from tripletex.models import ItemKind, WizardRun
from tripletex.services import connection as connection_services
from tripletex.services import reconciliation as reconciliation_services
from tripletex.services import wizard
from tripletex.transfer import control, texts, wanted
from tripletex.transfer.refs import Kind, RowRef

STEPS = [
    ("key", gettext_lazy("API-brukernøkkel")),
    (ItemKind.PROJECT, gettext_lazy("Prosjekter")),
    (ItemKind.WAGE_TYPE, gettext_lazy("Lønnsarter")),
    (ItemKind.EMPLOYEE, gettext_lazy("Ansatte")),
    ("summary", gettext_lazy("Oppsummering")),
]
STEP_SLUGS = {"prosjekter": ItemKind.PROJECT, "lonnsarter": ItemKind.WAGE_TYPE, "ansatte": ItemKind.EMPLOYEE}
KIND_SLUGS = {kind: slug for slug, kind in STEP_SLUGS.items()}
WIZARD_CANCELLED = gettext_lazy("Oppsettet er avbrutt. Ingenting er endret, og ingen timer blir sendt.")
# Cancelling an update leaves the integration as it was: active, and still sending approved hours.
UPDATE_CANCELLED = gettext_lazy(
    "Oppdateringen er avbrutt. Ingenting er endret: integrasjonen med Tripletex er fortsatt aktiv med "
    "de samme koblingene, og godkjente timer sendes fortsatt til Tripletex."
)
KEY_ACCEPTED = gettext_lazy("Nøkkelen virker: den hører til %(company)s (bruker %(user)s).")
WIZARD_FINISHED = gettext_lazy(
    "Integrasjonen med Tripletex er aktiv. %(created)s nye, %(linked)s koblet, %(updated)s oppdatert, "
    "%(unlinked)s koblet fra."
)
KEY_UNREADABLE = wizard.KEY_UNREADABLE
REMOVE_WHILE_WIZARD_OPEN = connection_services.REMOVE_WHILE_WIZARD_OPEN
SEND_FROM_INVALID = gettext_lazy("Skriv datoen timene skal sendes fra og med, for eksempel 01.12.2026.")
CONNECTION_REMOVED = gettext_lazy(
    "Integrasjonen med Tripletex er fjernet. Ingen timer blir sendt til Tripletex."
)


def _run_or_start(request: EmployeeRequest) -> WizardRun:
    run = selectors.wizard_for(company=request.employee.company)
    if run is None:
        raise Http404
    return run


def _step_url(kind: str) -> str:
    if kind == "key":
        return reverse("tripletex:wizard_key")
    if kind == "summary":
        return reverse("tripletex:wizard_summary")
    return reverse("tripletex:wizard_step", args=[KIND_SLUGS[ItemKind(kind)]])


def _steps_context(current: str, run: WizardRun) -> dict[str, Any]:
    steps = [
        {"key": key, "label": label, "url": _step_url(key), "current": key == current, "number": index + 1}
        for index, (key, label) in enumerate(STEPS)
    ]
    return {"steps": steps, "run": run, "current_step": current}


def _neighbour(current: str, offset: int) -> str:
    keys = [key for key, _label in STEPS]
    return keys[max(0, min(len(keys) - 1, keys.index(current) + offset))]


@require_POST
@administrator_required
def wizard_begin(request: EmployeeRequest) -> HttpResponse:
    """«Koble til Tripletex», «Oppdater Tripletex» or «Fortsett oppsettet»."""
    wizard.wizard_start(actor=request.employee)
    return redirect("tripletex:wizard_key")


@require_POST
@administrator_required
def wizard_cancel(request: EmployeeRequest) -> HttpResponse:
    run = selectors.wizard_for(company=request.employee.company)
    if run is not None:
        wizard.wizard_cancel(actor=request.employee, run=run)
    connection = selectors.connection_for(company=request.employee.company)
    messages.info(request, UPDATE_CANCELLED if connection and connection.is_active else WIZARD_CANCELLED)
    return redirect(reverse("hr:settings_general") + "#integrasjoner")


@administrator_required
def wizard_key(request: EmployeeRequest) -> HttpResponse:
    run = _run_or_start(request)
    error = None
    if request.method == "POST":
        try:
            run = wizard.wizard_key_check(actor=request.employee, run=run, key=request.POST.get("key", ""))
        except ValidationError as exc:
            error = (
                exc.message_dict.get("key", exc.messages)[0]
                if hasattr(exc, "error_dict")
                else exc.messages[0]
            )
        except crypto.SecretUnreadable:
            # The kept key was encrypted with a key no longer configured: fail closed, and say so.
            error = str(KEY_UNREADABLE)
        else:
            messages.success(
                request,
                KEY_ACCEPTED % {"company": run.tripletex_company_name, "user": run.tripletex_user_name},
            )
            return redirect(_step_url(ItemKind.PROJECT))
    connection = selectors.connection_for(company=request.employee.company)
    context = {
        **_steps_context("key", run),
        "error": error,
        "connection": connection if connection and connection.is_active else None,
        "application_name": "GrønnJobb",
    }
    return render(request, "tripletex/wizard_key.html", context, status=400 if error else 200)


def _options_from_post(request: EmployeeRequest, shown: list[int]) -> dict[int, dict[str, Any]]:
    options: dict[int, dict[str, Any]] = {}
    for item_id in shown:
        raw: dict[str, Any] = {}
        for field in ("activity_id", "role", "department_id", "wage_type_id"):
            key = f"{field}-{item_id}"
            if key in request.POST:
                raw[field] = request.POST[key]
        if f"link_user-present-{item_id}" in request.POST:
            raw["link_user"] = f"link_user-{item_id}" in request.POST
        options[item_id] = raw
    return options


def _int_list(values: list[str]) -> list[int]:
    result = []
    for value in values:
        try:
            result.append(int(value))
        except ValueError:
            continue
    return result


@administrator_required
def wizard_step(request: EmployeeRequest, slug: str) -> HttpResponse:
    kind = STEP_SLUGS.get(slug)
    if kind is None:
        raise Http404
    run = _run_or_start(request)
    if not run.key_checked:
        messages.error(request, wizard.KEY_NOT_CHECKED)
        return redirect("tripletex:wizard_key")
    query = request.GET.get("q", "").strip()[:100]
    shown_filter = request.GET.get("vis", "alle")
    if request.method == "POST":
        return _step_post(request, run, kind, query, shown_filter)
    state = run.fetch_state.get(kind)
    if state is None:
        wizard.wizard_fetch_start(actor=request.employee, run=run, kind=kind)
        run.refresh_from_db()
        state = run.fetch_state.get(kind)
    context = {**_steps_context(kind, run), "kind": kind, "slug": slug, "state": state or {}}
    if not state or state.get("state") != "done":
        return render(request, "tripletex/wizard_fetching.html", context)
    page = selectors.step_page(
        run=run, kind=kind, query=query, shown=shown_filter, page_number=request.GET.get("side")
    )
    departments = (
        list(selectors.departments_of(company=request.employee.company)) if kind == ItemKind.EMPLOYEE else []
    )
    _annotate_items(run, kind, page.object_list, departments)
    for item in page.object_list:
        item.reason = wizard.reason_shown(item.reason)  # shown, not saved: in the page's language
    context.update(
        {
            "page": page,
            "counts": selectors.step_counts(run=run, kind=kind),
            "query": query,
            "shown_filter": shown_filter,
            "filters": selectors.FILTERS,
            "departments": departments,
            "roles": Role.choices,
            "wage_types": selectors.wage_types_of(company=request.employee.company)
            if kind == ItemKind.WAGE_TYPE
            else [],
        }
    )
    return render(request, "tripletex/wizard_step.html", context)


def _annotate_items(run: WizardRun, kind: str, items: Any, departments: list[Any]) -> None:
    """What the rows show beside their data: participants-only projects' non-participants, and the
    Tripletex department of a new employee that has no namesake here («Opprett avdelingen …»)."""
    if kind == ItemKind.PROJECT:
        missing = selectors.non_participants(run=run, items=list(items))
        for item in items:
            item.non_participants = missing.get(item.id, [])
    if kind == ItemKind.EMPLOYEE:
        here = {wizard.department_key(d.name) for d in departments}
        for item in items:
            name = (item.data.get("department_name") or "").strip()
            item.department_to_create = name if name and wizard.department_key(name) not in here else ""


def _step_post(
    request: EmployeeRequest, run: WizardRun, kind: str, query: str, shown_filter: str
) -> HttpResponse:
    action = request.POST.get("action", "save")
    shown = _int_list(request.POST.getlist("shown"))
    selected = _int_list(request.POST.getlist("selected"))
    wizard.wizard_selection_save(
        actor=request.employee,
        run=run,
        kind=kind,
        shown_ids=shown,
        selected_ids=selected,
        options=_options_from_post(request, shown),
    )
    here = _step_url(kind)
    params = {"q": query, "vis": shown_filter}
    if action in ("select-all", "select-none"):
        count = wizard.wizard_select_all(
            actor=request.employee, run=run, kind=kind, select=action == "select-all", query=query
        )
        messages.info(request, _("%(count)s rader er oppdatert.") % {"count": count})
    elif action == "refetch":
        wizard.wizard_fetch_start(actor=request.employee, run=run, kind=kind, restart=True)
    elif action.startswith("page:"):
        params["side"] = action.partition(":")[2]
    elif action in ("next", "previous"):
        return redirect(_step_url(_neighbour(kind, 1 if action == "next" else -1)))
    return redirect(here + "?" + urlencode({k: v for k, v in params.items() if v}))


@administrator_required
def wizard_fetch_status(request: EmployeeRequest, slug: str) -> JsonResponse:
    kind = STEP_SLUGS.get(slug)
    if kind is None:
        raise Http404
    run = _run_or_start(request)
    state = run.fetch_state.get(kind, {})
    return JsonResponse(
        {
            "state": state.get("state", "pending"),
            "count": state.get("count", 0),
            "error": state.get("error", ""),
        }
    )


@administrator_required
def wizard_summary(request: EmployeeRequest) -> HttpResponse:
    if request.method == "POST" and selectors.wizard_for(company=request.employee.company) is None:
        # A double-clicked «Ferdigstill», or another administrator finished or cancelled first.
        messages.error(request, wizard.WIZARD_NOT_OPEN)
        return redirect(reverse("hr:settings_general") + "#integrasjoner")
    run = _run_or_start(request)
    if not run.key_checked:
        messages.error(request, wizard.KEY_NOT_CHECKED)
        return redirect("tripletex:wizard_key")
    error = None
    send_from = wizard.wizard_send_from_default(run=run)
    if request.method == "POST":
        raw = request.POST.get("send_from", "").strip()
        # Left out (an old form, a script): the default; typed but not a date: say so.
        chosen = _date_or_none(raw) if raw else send_from
        if chosen is None:
            error = str(SEND_FROM_INVALID)
        elif request.POST.get("action") == "count":
            # «Vis antall»: the chosen date and what it includes, without finishing.
            wizard.wizard_send_from_set(actor=request.employee, run=run, date=chosen)
            return redirect("tripletex:wizard_summary")
    if request.method == "POST" and error is None:
        try:
            result = wizard.wizard_finish(actor=request.employee, run=run, send_hours_from=chosen)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except crypto.SecretUnreadable:
            error = str(KEY_UNREADABLE)
        else:
            created = sum(len(v) for v in result.created.values())
            messages.success(
                request,
                WIZARD_FINISHED
                % {
                    "created": created,
                    "linked": sum(len(v) for v in result.linked.values()),
                    "updated": sum(len(v) for v in result.updated.values()),
                    "unlinked": sum(len(v) for v in result.unlinked.values()),
                },
            )
            return redirect(reverse("hr:settings_general") + "#integrasjoner")
    context = {
        **_steps_context("summary", run),
        "lines": selectors.wizard_summary(run=run),
        "error": error,
        "send_from": send_from,
        "send_from_totals": wanted.approved_from(
            company=request.employee.company, date=send_from, tripletex_company_id=run.tripletex_company_id
        ),
        "send_from_waiting": selectors.waiting_around(company=request.employee.company, date=send_from),
        "unfetched": [str(label) for key, label in STEPS[1:4] if key not in run.fetch_state],
    }
    return render(request, "tripletex/wizard_summary.html", context, status=400 if error else 200)


def _date_or_none(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


@administrator_required
def connection_remove(request: EmployeeRequest) -> HttpResponse:
    connection = selectors.connection_for(company=request.employee.company)
    if connection is None or not connection.is_active:
        return redirect(reverse("hr:settings_general") + "#integrasjoner")
    if selectors.wizard_for(company=request.employee.company) is not None:
        # An open update may rely on the key removal deletes; the card offers removal only without one.
        messages.error(request, REMOVE_WHILE_WIZARD_OPEN)
        return redirect(reverse("hr:settings_general") + "#integrasjoner")
    if request.method == "POST":
        try:
            connection_services.connection_remove(actor=request.employee)
        except ValidationError as error:  # a wizard opened since the check above
            messages.error(request, " ".join(error.messages))
            return redirect(reverse("hr:settings_general") + "#integrasjoner")
        messages.success(request, CONNECTION_REMOVED)
        return redirect(reverse("hr:settings_general") + "#integrasjoner")
    return render(request, "tripletex/remove_confirm.html", {"connection": connection})


@administrator_required
def audit_log(request: EmployeeRequest) -> HttpResponse:
    events = selectors.audit_events(company=request.employee.company).select_related("actor")[:200]
    return render(request, "tripletex/audit.html", {"events": events, "tab": "general"})


@administrator_required
def transfers(request: EmployeeRequest) -> HttpResponse:
    """What did not reach Tripletex, with Tripletex's message and request id, and «Prøv igjen»."""
    company = request.employee.company
    if request.method == "POST":
        action, _sep, target = request.POST.get("action", "").partition(":")
        try:
            if action == "retry-all":
                refs = control.transfers_retry(company=company)
            else:
                kind = Kind.SALARY_LINE if action == "retry-line" else Kind.HOURS
                refs = control.transfers_retry(company=company, refs=[RowRef(kind, int(target))])
        except ValueError:
            raise Http404 from None
        dispatch.deliver_on_commit(refs)
        if refs:
            messages.success(request, _("%(count)s sendes på nytt.") % {"count": len(refs)})
        else:
            messages.info(request, _("Ingenting å sende på nytt."))
        return redirect("tripletex:transfers")
    page = Paginator(selectors.transfer_problems(company=company), 100).get_page(request.GET.get("side"))
    lines = list(selectors.salary_line_problems(company=company))
    for row in [*page.object_list, *lines]:
        # Shown in the page's language; Tripletex's own words beside it (texts.message_shown).
        row.message, quoted = texts.message_shown(row.message)
        setattr(row, "quoted", quoted)  # noqa: B010 (shown, not a field)
    context = {
        "page": page,
        "counts": selectors.transfer_counts(company=company),
        "lines": lines,
        "connection": selectors.connection_for(company=company),
        "hint": texts.HINT_REFUSED,
        "tab": "general",
    }
    return render(request, "tripletex/transfers.html", context)


@administrator_required
def reconciliation(request: EmployeeRequest) -> HttpResponse:
    """«Avstemming»: a month's approved hours here against Tripletex, per employee and project."""
    today = timezone.localdate()
    month = request.GET.get("maned") or f"{today.year:04d}-{today.month:02d}"
    try:
        reconciliation_services.month_bounds(month)
    except ValueError:
        month = f"{today.year:04d}-{today.month:02d}"
    error = None
    result = reconciliation_services.Reconciliation(lines=[])
    try:
        result = reconciliation_services.reconciliation(
            company=request.employee.company, month=month, fresh=request.GET.get("hent") == "1"
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    lines = result.lines
    context = {
        "lines": lines,
        "fetched_at": result.fetched_at,
        "month": month,
        "error": error,
        "differences": sum(1 for line in lines if line.difference),
        "connection": selectors.connection_for(company=request.employee.company),
        "tab": "general",
    }
    return render(request, "tripletex/reconciliation.html", context)
