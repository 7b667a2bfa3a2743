"""«Koble til Tripletex»: the activation wizard, from the key to «Ferdigstill».

One way only: the wizard creates a session and reads; it never writes to Tripletex. Nothing it
fetches is in effect until `wizard_finish`, which applies everything in one transaction.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hr import imports
from hr.models import Department, Employee, EntryStatus, HourEntry, Project, Role, User, WageType
from hr.weeks import today_local
from tripletex import client as tx
from tripletex import crypto, dispatch, shown
from tripletex.models import (
    AuditAction,
    Connection,
    EmployeeLink,
    ItemKind,
    LinkState,
    ProjectLink,
    WageTypeLink,
    WizardItem,
    WizardRun,
    WizardStatus,
)
from tripletex.services import chunks
from tripletex.services.connection import audit, client_for_token, require_administrator
from tripletex.transfer import control, wanted

logger = logging.getLogger(__name__)

# Real keys are about a hundred characters; anything far longer was not copied from Tripletex.
KEY_MAX_LENGTH = 400
# Bulk writes go in chunks of the Tripletex page size, so queries grow with pages, not items.
CHUNK = 1000
GENERAL_PROJECT_ACTIVITY = "PROJECT_GENERAL_ACTIVITY"
PROJECT_SPECIFIC_ACTIVITY = "PROJECT_SPECIFIC_ACTIVITY"

KEY_REQUIRED = _("Lim inn API-brukernøkkelen fra Tripletex.")
KEY_MALFORMED = _(
    "Dette ser ikke ut som en API-brukernøkkel: den har ingen mellomrom eller linjeskift og er kortere "
    "enn 400 tegn. Kopier nøkkelen på nytt fra Tripletex og lim den inn."
)
KEY_REFUSED = _(
    "Tripletex godtok ikke nøkkelen. Sjekk at du kopierte hele API-brukernøkkelen, og at den ikke er "
    "slettet eller utløpt i Tripletex."
)
KEY_WRONG_APPLICATION = _(
    "Nøkkelen er laget for en annen applikasjon. Lag en ny API-brukernøkkel i Tripletex med "
    "Applikasjonsnavn «GrønnJobb», skrevet nøyaktig slik, med store og små bokstaver."
)
KEY_NO_ACCESS = _(
    "Brukeren som eier nøkkelen mangler tilgang i Tripletex til å lese %(what)s. Gi brukeren tilgang, "
    "eller lag nøkkelen med en bruker som har det."
)
TRIPLETEX_UNREACHABLE = _("Får ikke kontakt med Tripletex akkurat nå. Prøv igjen om litt.")
TRIPLETEX_THROTTLED = _("Tripletex ber oss vente litt før neste forespørsel. Prøv igjen om et minutt.")
TRIPLETEX_FAILED = _("Tripletex svarte med en feil (forespørsels-id %(request_id)s). Prøv igjen om litt.")
WIZARD_NOT_OPEN = _("Oppsettet er allerede fullført eller avbrutt. Start på nytt fra Selskapsinnstillinger.")
KEY_UNREADABLE = _(
    "Den lagrede API-brukernøkkelen kan ikke leses lenger. Lim inn nøkkelen fra Tripletex på nytt."
)
FETCH_FAILED = _(
    "Hentingen stoppet på grunn av en feil hos oss. Ingenting er endret. Velg «Start hentingen på nytt»; "
    "hjelper ikke det, kontakt brukerstøtte."
)
KEY_NOT_CHECKED = _("Lim inn og kontroller API-brukernøkkelen i første steg først.")
ITEMS_VANISHED = _(
    "Dette finnes ikke lenger i Tripletex: %(items)s. Gå tilbake til steget og hent listen på nytt. "
    "Ingenting er endret."
)
EMAILS_TAKEN_SINCE = _(
    "Disse e-postadressene er tatt i bruk siden listen ble hentet: %(emails)s. Hent ansatte på nytt. "
    "Ingenting er endret."
)
REASON_PROJECT_NO_NUMBER = _("Mangler prosjektnummer i Tripletex")
REASON_PROJECT_CLOSED = _("Avsluttet i Tripletex")
REASON_PROJECT_NO_ACTIVITY = _("Har ingen aktivitet det kan føres timer på i Tripletex")
REASON_DUPLICATE_NUMBER = _("Nummeret %(number)s finnes flere ganger i Tripletex")
REASON_EMPLOYEE_NO_EMAIL = _("Mangler e-post i Tripletex")
REASON_EMPLOYEE_NO_NUMBER = _("Mangler ansattnummer i Tripletex")
REASON_DUPLICATE_EMAIL = _("E-postadressen %(email)s finnes flere ganger i Tripletex")
REASON_EMAIL_IN_OTHER_COMPANY = _("E-postadressen brukes allerede av en bruker i et annet selskap")
REASON_WAGE_TYPE_HIDDEN = _("Vises ikke i timelisten i Tripletex (slå på «Vis i timelisten» for lønnsarten)")
REASON_WAGE_TYPE_NO_NUMBER = _("Mangler nummer i Tripletex")
# The choice «Opprett avdelingen …» in step «Ansatte» (a department_id option).
NEW_DEPARTMENT = "new"
REASON_TOO_LONG = _("%(field)s i Tripletex har %(length)s tegn; GrønnJobb har plass til %(limit)s")
FIELD_NAMES = {
    "number": _("Nummeret"),
    "name": _("Navnet"),
    "first_name": _("Fornavnet"),
    "last_name": _("Etternavnet"),
    "email": _("E-postadressen"),
}

KIND_NAMES = {
    ItemKind.PROJECT: _("prosjekt"),
    ItemKind.WAGE_TYPE: _("lønnsart"),
    ItemKind.EMPLOYEE: _("ansatt"),
}
WHAT_FOR_PERMISSION = {
    ItemKind.PROJECT: _("prosjekter og aktiviteter"),
    ItemKind.WAGE_TYPE: _("lønnsarter"),
    ItemKind.EMPLOYEE: _("ansatte"),
}

T = TypeVar("T")


def _chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    return chunks(items, size)


def tripletex_error_message(error: tx.TripletexError, *, what: str = "") -> str:
    """A Norwegian sentence for the administrator. Never contains a token (the client redacts)."""
    if isinstance(error, tx.InvalidCredentials):
        text = " ".join(m.message for m in getattr(error, "validation_messages", ()) or ()).lower()
        return str(KEY_WRONG_APPLICATION if "application" in text or "applikasjon" in text else KEY_REFUSED)
    if isinstance(error, tx.AuthenticationError):
        return str(KEY_REFUSED)
    if isinstance(error, tx.PermissionDenied):
        return str(KEY_NO_ACCESS % {"what": what or _("dette")})
    if isinstance(error, tx.RateLimited):
        return str(TRIPLETEX_THROTTLED)
    if isinstance(error, tx.TransportError):
        return str(TRIPLETEX_UNREACHABLE)
    request_id = getattr(error, "request_id", None) or "–"
    return str(TRIPLETEX_FAILED % {"request_id": request_id})


# --- start, key, cancel ----------------------------------------------------------------------


def wizard_open(*, company_id: int) -> WizardRun | None:
    return WizardRun.objects.filter(company_id=company_id, status=WizardStatus.OPEN).first()


def wizard_start(*, actor: Employee) -> WizardRun:
    """Start, or continue, the company's one open wizard."""
    require_administrator(actor)
    existing = wizard_open(company_id=actor.company_id)
    if existing is not None:
        return existing
    is_update = Connection.objects.filter(company=actor.company, is_active=True).exists()
    try:
        with transaction.atomic():
            return WizardRun.objects.create(company=actor.company, started_by=actor, is_update=is_update)
    except IntegrityError:
        # Another administrator started one at the same moment: both continue the same.
        run = wizard_open(company_id=actor.company_id)
        assert run is not None
        return run


def _key_validate(key: str) -> str:
    key = key.strip()
    if not key:
        raise ValidationError({"key": ValidationError(KEY_REQUIRED, code="required")})
    if len(key) > KEY_MAX_LENGTH or any(c.isspace() or not c.isprintable() for c in key):
        raise ValidationError({"key": ValidationError(KEY_MALFORMED, code="malformed")})
    return key


def run_token(run: WizardRun) -> str:
    """The key this run works with: its own, or the connection's when an update keeps it."""
    if run.employee_token:
        return crypto.secret_decrypt(run.employee_token)
    connection = Connection.objects.get(company_id=run.company_id, is_active=True)
    return crypto.secret_decrypt(connection.employee_token)


def wizard_key_check(*, actor: Employee, run: WizardRun, key: str) -> WizardRun:
    """Step 1: the key works when Tripletex gives a session for it and says whose it is.

    An update may leave the field empty to keep the connection's key.
    """
    require_administrator(actor)
    _require_open(run)
    keeps_key = run.is_update and not key.strip()
    if keeps_key and not Connection.objects.filter(company_id=run.company_id, is_active=True).exists():
        raise ValidationError({"key": ValidationError(KEY_REQUIRED, code="required")})
    token = run_token(_without_token(run)) if keeps_key else _key_validate(key)
    client = client_for_token(token)
    try:
        who = client.whoami()
    except tx.TripletexError as error:
        logger.info(
            "Tripletex refused the key check for company %s: %s", run.company_id, type(error).__name__
        )
        raise ValidationError(
            {"key": ValidationError(tripletex_error_message(error), code="tripletex")}
        ) from None
    changed_company = run.tripletex_company_id not in (None, who.company_id)
    run.employee_token = "" if keeps_key else crypto.secret_encrypt(token)
    run.token_last4 = token[-4:]
    run.key_checked = True
    run.tripletex_company_id = who.company_id
    run.tripletex_company_name = who.company_name
    run.tripletex_organization_number = who.organization_number
    run.tripletex_user_name = who.employee_name
    run.tripletex_user_email = who.employee_email
    if changed_company:
        run.fetch_state = {}
        run.items.all().delete()
    run.save()
    return run


def _without_token(run: WizardRun) -> WizardRun:
    run.employee_token = ""
    return run


def _require_open(run: WizardRun) -> None:
    if run.status != WizardStatus.OPEN:
        raise ValidationError(WIZARD_NOT_OPEN, code="not_open")


@transaction.atomic
def wizard_cancel(*, actor: Employee, run: WizardRun) -> None:
    """«Avbryt oppsettet»: nothing of the run takes effect; its key is forgotten."""
    require_administrator(actor)
    run = WizardRun.objects.select_for_update().get(id=run.id)
    if run.status != WizardStatus.OPEN:
        return
    run.status = WizardStatus.CANCELLED
    run.finished_at = timezone.now()
    run.employee_token = ""
    run.save()
    run.items.all().delete()
    connection = Connection.objects.filter(company_id=run.company_id).first()
    audit(company=actor.company, actor=actor, action=AuditAction.CANCELLED, connection=connection, details={})


# --- fetching --------------------------------------------------------------------------------


def wizard_fetch_start(*, actor: Employee, run: WizardRun, kind: str, restart: bool = False) -> None:
    """Mark the step as fetching and hand the fetch to a worker (after this transaction commits).

    A fetch already running is left alone, unless it is asked to restart or has not moved for
    FETCH_STALE (its worker died): then it starts again.
    """
    require_administrator(actor)
    _require_open(run)
    if not run.key_checked:
        raise ValidationError(KEY_NOT_CHECKED, code="key_not_checked")
    with transaction.atomic():
        locked = WizardRun.objects.select_for_update().get(id=run.id)
        current = locked.fetch_state.get(kind, {})
        if current.get("state") == "running" and not restart and not _stale(current):
            return
        now = timezone.now().isoformat()
        locked.fetch_state = {**locked.fetch_state, kind: {"state": "running", "count": 0, "moved_at": now}}
        locked.save(update_fields=["fetch_state"])
        run.fetch_state = locked.fetch_state
        dispatch.wizard_fetch_on_commit(run.id, kind)


FETCH_STALE = datetime.timedelta(minutes=10)
# Tripletex's rate limit met during a fetch: the fetch ends, frees its worker and is started again
# when the window resets (a task countdown of at most FETCH_WAIT_MAX seconds), this many times.
FETCH_RATE_LIMIT_RETRIES = 10
FETCH_WAIT_DEFAULT = 30
FETCH_WAIT_MAX = 120


def _stale(state: dict[str, Any]) -> bool:
    moved = state.get("moved_at")
    if not moved:
        return True
    return timezone.now() - datetime.datetime.fromisoformat(moved) > FETCH_STALE


def _fetch_state_set(run_id: int, kind: str, **state: Any) -> None:
    with transaction.atomic():
        run = WizardRun.objects.select_for_update().get(id=run_id)
        run.fetch_state = {**run.fetch_state, kind: {**state, "moved_at": timezone.now().isoformat()}}
        run.save(update_fields=["fetch_state"])


def wizard_fetch(*, run_id: int, kind: str, attempt: int = 0) -> int | None:
    """Fetch one step's list from Tripletex into WizardItems, page by page, in bulk.

    Returns None when the fetch ended (done or failed, said in the run's fetch_state), or the
    seconds to wait before fetching again when Tripletex's rate limit is used up: the step keeps
    showing «Henter …» and the caller schedules the next attempt (docs/wizard.md#fetching).
    """
    run = WizardRun.objects.select_related("company").get(id=run_id)
    if run.status != WizardStatus.OPEN:
        return None
    try:
        client = client_for_token(run_token(run))
    except (crypto.SecretUnreadable, Connection.DoesNotExist):
        # The key cannot be read (its encryption key is gone, or the connection was removed): say so,
        # or the step would show «Henter …» for ever.
        _fetch_state_set(run.id, kind, state="failed", count=0, error=str(KEY_UNREADABLE))
        return None
    fetchers = {
        ItemKind.PROJECT: _fetch_projects,
        ItemKind.WAGE_TYPE: _fetch_wage_types,
        ItemKind.EMPLOYEE: _fetch_employees,
    }
    WizardItem.objects.filter(run=run, kind=kind).delete()
    count = 0
    try:
        for page in _chunks(fetchers[ItemKind(kind)](client, run)):
            _match_and_store(run, kind, page)
            count += len(page)
            _fetch_state_set(run.id, kind, state="running", count=count)
        _mark_duplicates(run, kind)
    except tx.RateLimited as error:
        if attempt < FETCH_RATE_LIMIT_RETRIES:
            wait = min(max(1, error.reset_seconds or FETCH_WAIT_DEFAULT), FETCH_WAIT_MAX)
            logger.info("Fetching %s for wizard %s waits %s s for Tripletex's rate limit", kind, run.id, wait)
            _fetch_state_set(run.id, kind, state="running", count=0, attempt=attempt + 1)
            return wait
        message = tripletex_error_message(error)
        _fetch_state_set(run.id, kind, state="failed", count=count, error=message)
        return None
    except tx.TripletexError as error:
        logger.info("Fetching %s for wizard %s failed: %s", kind, run.id, type(error).__name__)
        message = tripletex_error_message(error, what=str(WHAT_FOR_PERMISSION[ItemKind(kind)]))
        _fetch_state_set(run.id, kind, state="failed", count=count, error=message)
        return None
    except Exception:
        # Whatever else went wrong, the step must end with a message and «Prøv igjen», never
        # «Henter …» for ever.
        logger.exception("Fetching %s for wizard %s failed unexpectedly", kind, run.id)
        _fetch_state_set(run.id, kind, state="failed", count=count, error=str(FETCH_FAILED))
        return None
    _fetch_state_set(run.id, kind, state="done", count=count, fetched_at=timezone.now().isoformat())
    return None


def _fetch_projects(client: tx.TripletexClient, run: WizardRun) -> Iterator[WizardItem]:
    settings = client.timesheet_settings()
    activities = {a.id: a for a in client.activities()}
    general = [
        a for a in activities.values() if a.activity_type == GENERAL_PROJECT_ACTIVITY and not a.is_disabled
    ]
    for project in client.projects(include_activities=True):
        usable = _usable_activities(project, general, activities)
        default = next((a for a in usable if a.id == settings.default_project_activity_id), None)
        chosen = default or (usable[0] if usable else None)
        reason = ""
        if not project.number:
            reason = str(REASON_PROJECT_NO_NUMBER)
        elif project.is_closed:
            reason = str(REASON_PROJECT_CLOSED)
        elif chosen is None:
            reason = str(REASON_PROJECT_NO_ACTIVITY)
        yield WizardItem(
            run=run,
            kind=ItemKind.PROJECT,
            tripletex_id=project.id,
            number=project.number,
            name=project.name,
            data={
                "is_closed": project.is_closed,
                "start_date": project.start_date.isoformat() if project.start_date else None,
                "end_date": project.end_date.isoformat() if project.end_date else None,
                "activities": [{"id": a.id, "name": a.name} for a in usable],
                # Tripletex refuses hours from anyone but the project's participants: said in the step,
                # and kept with the link so approval can say it before Tripletex does.
                "for_participants_only": project.for_participants_only,
                "participants": [{"id": p.employee_id, "name": p.name} for p in project.participants]
                if project.for_participants_only
                else [],
            },
            eligible=not reason,
            reason=reason,
            options={"activity_id": chosen.id} if chosen else {},
        )


def _usable_activities(
    project: tx.Project, general: Sequence[tx.Activity], activities: dict[int, tx.Activity]
) -> list[tx.Activity]:
    """Tripletex's rule for where a project's hours can go (docs/wizard.md#activities): activities
    linked to the project and open, plus the general project activities unless the project allows
    only its own."""
    linked = []
    for link in project.project_activities:
        activity = link.activity or activities.get(link.activity_id or 0)
        if link.is_closed or activity is None or activity.is_disabled:
            continue
        if activity.activity_type in (GENERAL_PROJECT_ACTIVITY, PROJECT_SPECIFIC_ACTIVITY):
            linked.append(activity)
    if getattr(project, "general_project_activities_per_project_only", False):
        return linked
    linked_ids = {a.id for a in linked}
    return linked + [a for a in general if a.id not in linked_ids]


def _fetch_wage_types(client: tx.TripletexClient, run: WizardRun) -> Iterator[WizardItem]:
    for salary_type in client.salary_types():
        reason = ""
        if not salary_type.number:
            reason = str(REASON_WAGE_TYPE_NO_NUMBER)
        elif not salary_type.show_in_timesheet:
            reason = str(REASON_WAGE_TYPE_HIDDEN)
        yield WizardItem(
            run=run,
            kind=ItemKind.WAGE_TYPE,
            tripletex_id=salary_type.id,
            number=salary_type.number,
            name=salary_type.name,
            eligible=not reason,
            reason=reason,
        )


# Departments here and in Tripletex are the same when their names are, ignoring case and the
# spaces around them: hr's rule, which «Ferdigstill» applies when it creates them.
department_key = imports.department_key


def _fetch_employees(client: tx.TripletexClient, run: WizardRun) -> Iterator[WizardItem]:
    departments = {
        department_key(d.name): d.id
        for d in Department.objects.filter(company_id=run.company_id).only("name")
    }
    today = today_local()
    for employee in client.employees():
        reason = ""
        if not employee.email:
            reason = str(REASON_EMPLOYEE_NO_EMAIL)
        elif not employee.employee_number:
            reason = str(REASON_EMPLOYEE_NO_NUMBER)
        yield WizardItem(
            run=run,
            kind=ItemKind.EMPLOYEE,
            tripletex_id=employee.id,
            number=employee.employee_number,
            name=employee.display_name,
            data={
                "first_name": employee.first_name,
                "last_name": employee.last_name,
                "email": employee.email.lower(),
                "department_name": employee.department_name.strip(),
                # Tripletex takes hours without one, but cannot run payroll for them (the step says so).
                "has_employment": employee.has_employment_on(today),
            },
            eligible=not reason,
            reason=reason,
            # The department here with the Tripletex department's name is proposed; none else.
            options={
                "role": Role.EMPLOYEE,
                "department_id": departments.get(department_key(employee.department_name)),
            },
        )


def _local_model(kind: str) -> type[Any]:
    return {ItemKind.PROJECT: Project, ItemKind.WAGE_TYPE: WageType, ItemKind.EMPLOYEE: Employee}[
        ItemKind(kind)
    ]


def _link_model(kind: str) -> type[Any]:
    return {ItemKind.PROJECT: ProjectLink, ItemKind.WAGE_TYPE: WageTypeLink, ItemKind.EMPLOYEE: EmployeeLink}[
        ItemKind(kind)
    ]


LINK_FIELD = {
    ItemKind.PROJECT: "project_id",
    ItemKind.WAGE_TYPE: "wage_type_id",
    ItemKind.EMPLOYEE: "employee_id",
}
NUMBER_FIELD = {
    ItemKind.PROJECT: "number",
    ItemKind.WAGE_TYPE: "number",
    ItemKind.EMPLOYEE: "employee_number",
}


def _length_limits(kind: str) -> dict[str, int]:
    """Where each value of a Tripletex item lands here, and how long it may be there."""
    model = _local_model(kind)
    if kind == ItemKind.EMPLOYEE:
        fields = {"number": "employee_number", "first_name": "first_name", "last_name": "last_name"}
        fields["email"] = "email"
    else:
        fields = {"number": "number", "name": "name"}
    return {value: model._meta.get_field(field).max_length for value, field in fields.items()}


def _mark_too_long(kind: str, page: list[WizardItem]) -> set[int]:
    """An item with a value that does not fit here cannot be imported, and the step says which and
    why; it is stored cut to the step's own columns, and never matched on a cut number. Returns
    the Tripletex ids of such items."""
    limits = _length_limits(kind)
    too_long = set()
    for item in page:
        values = {"number": item.number, "name": item.name, **item.data}
        for field, limit in limits.items():
            value = values.get(field) or ""
            if isinstance(value, str) and len(value) > limit:
                item.eligible, item.selected = False, False
                item.reason = str(
                    REASON_TOO_LONG % {"field": FIELD_NAMES[field], "length": len(value), "limit": limit}
                )
                too_long.add(item.tripletex_id)
                break
        item.number = item.number[: WizardItem._meta.get_field("number").max_length]
        item.name = item.name[: WizardItem._meta.get_field("name").max_length]
    return too_long


def _match_and_store(run: WizardRun, kind: str, page: list[WizardItem]) -> None:
    """Mark what each item is here: linked before (same Tripletex company and id), matching by
    number, or new; and what changed in Tripletex since. A few queries per page."""
    too_long = _mark_too_long(kind, page)
    company_id = run.company_id
    link_field = LINK_FIELD[ItemKind(kind)]
    number_field = NUMBER_FIELD[ItemKind(kind)]
    links = {
        link.tripletex_id: getattr(link, link_field)
        for link in _link_model(kind).objects.filter(
            company_id=company_id,
            tripletex_company_id=run.tripletex_company_id,
            tripletex_id__in=[i.tripletex_id for i in page],
        )
    }
    numbers = [i.number for i in page if i.number]
    model = _local_model(kind)
    local_by_id = {o.id: o for o in model.objects.filter(company_id=company_id, id__in=links.values())}
    local_by_number = {
        getattr(o, number_field): o
        for o in model.objects.filter(company_id=company_id, **{f"{number_field}__in": numbers})
    }
    local_by_name = _wage_types_by_name(company_id, page) if kind == ItemKind.WAGE_TYPE else {}
    # Local objects linked to some other Tripletex item: a number match must not steal them silently.
    linked_elsewhere = set(
        _link_model(kind)
        .objects.filter(
            company_id=company_id,
            tripletex_company_id=run.tripletex_company_id,
            **{f"{link_field}__in": [o.id for o in [*local_by_number.values(), *local_by_name.values()]]},
        )
        .values_list(link_field, flat=True)
    )
    if kind == ItemKind.EMPLOYEE:
        _employee_emails(run, page)
    for item in page:
        if item.tripletex_id in too_long:
            continue
        linked_local = local_by_id.get(links.get(item.tripletex_id, 0))
        local = linked_local or local_by_number.get(item.number)
        if local is None and item.name.casefold() in local_by_name:
            local = local_by_name[item.name.casefold()]
            item.data = {**item.data, "matched_by": "name"}
        if local is None:
            continue
        item.local_id = local.id
        item.linked_now = linked_local is not None
        item.changes = _changes(kind, local, item)
        item.link_state = LinkState.CHANGED if item.changes else LinkState.LINKED
        # What matches is proposed for linking: ticked, so «Neste» and «Ferdigstill» link it.
        item.selected = item.eligible and (item.linked_now or local.id not in linked_elsewhere)
    WizardItem.objects.bulk_create(page, batch_size=CHUNK)


def _wage_types_by_name(company_id: int, page: list[WizardItem]) -> dict[str, WageType]:
    """Lønnsarter here without a Tripletex number match, by name: «Overtid 50 %» here is Tripletex's
    «Overtid 50 %» whatever its number. The built-in «Ordinær tid» is never matched."""
    numbers = {i.number for i in page if i.number}
    names = {i.name.casefold() for i in page if i.name}
    return {
        wage_type.name.casefold(): wage_type
        for wage_type in WageType.objects.filter(company_id=company_id, is_builtin=False).exclude(
            number__in=numbers
        )
        if wage_type.name.casefold() in names
    }


def _changes(kind: str, local: Any, item: WizardItem) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    if kind == ItemKind.EMPLOYEE:
        for field in ("first_name", "last_name"):
            if getattr(local, field) != item.data.get(field, ""):
                changes[field] = [getattr(local, field), item.data.get(field, "")]
        return changes
    if local.name != item.name:
        changes["name"] = [local.name, item.name]
    # A lønnsart's number here is the company's own: linked by Tripletex id, matched by number or
    # name, it keeps it. A project's number is how GrønnJobb matches it, so a change there shows.
    if kind == ItemKind.PROJECT and item.number and local.number != item.number:
        changes["number"] = [local.number, item.number]
    if kind == ItemKind.PROJECT and local.is_closed != item.data.get("is_closed", False):
        changes["is_closed"] = [local.is_closed, item.data.get("is_closed", False)]
    return changes


def _employee_emails(run: WizardRun, page: list[WizardItem]) -> None:
    """An e-mail that already belongs to a user is shown in the step, not found at «Ferdigstill»."""
    emails = [i.data["email"] for i in page if i.data.get("email")]
    users = {u.email.lower(): u for u in User.objects.filter(email__in=emails).select_related("employee")}
    for item in page:
        user = users.get(item.data.get("email", ""))
        if user is None:
            continue
        owner = getattr(user, "employee", None)
        if owner is not None and owner.company_id != run.company_id:
            if item.eligible:
                item.eligible, item.reason = False, str(REASON_EMAIL_IN_OTHER_COMPANY)
            continue
        if owner is not None and owner.employee_number == item.number:
            continue  # the same person, matched by number already
        item.email_user_id = user.id


def _mark_duplicates(run: WizardRun, kind: str) -> None:
    """Numbers (and employees' e-mails) that occur twice in Tripletex cannot be matched safely.

    In bulk, a few queries per thousand duplicates: a Tripletex full of them must not cost a query
    each."""
    items = WizardItem.objects.filter(run=run, kind=kind)
    duplicated = list(
        items.exclude(number="")
        .values("number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("number", flat=True)
    )
    _mark_ineligible(
        items.filter(number__in=chunk, eligible=True).only("id", "number") for chunk in _chunks(duplicated)
    )
    if kind == ItemKind.EMPLOYEE:
        emails = Counter(e for e in items.values_list("data__email", flat=True) if e)
        twice = {email for email, n in emails.items() if n > 1}
        if twice:
            # The items the number pass left eligible, read after it was written.
            _mark_ineligible(
                [
                    [item for item in chunk if item.data.get("email") in twice]
                    for chunk in _chunks(items.filter(eligible=True).only("id", "data").iterator(CHUNK))
                ],
                email=True,
            )


def _mark_ineligible(chunks: Iterable[Iterable[WizardItem]], *, email: bool = False) -> None:
    for chunk in chunks:
        marked = list(chunk)
        for item in marked:
            item.eligible = item.selected = False
            item.reason = str(
                REASON_DUPLICATE_EMAIL % {"email": item.data["email"]}
                if email
                else REASON_DUPLICATE_NUMBER % {"number": item.number}
            )
        WizardItem.objects.bulk_update(marked, ["eligible", "selected", "reason"], batch_size=CHUNK)


# --- choosing --------------------------------------------------------------------------------


def wizard_selection_save(
    *,
    actor: Employee,
    run: WizardRun,
    kind: str,
    shown_ids: Sequence[int],
    selected_ids: Iterable[int],
    options: dict[int, dict[str, Any]],
) -> int:
    """Save the ticks and choices of the items shown on one page of a step. Returns how many."""
    require_administrator(actor)
    _require_open(run)
    selected = set(selected_ids)
    items = list(WizardItem.objects.filter(run=run, kind=kind, id__in=list(shown_ids)))
    departments = set(Department.objects.filter(company=actor.company).values_list("id", flat=True))
    wage_types = (
        {w.id: w for w in WageType.objects.filter(company=actor.company, is_builtin=False)}
        if kind == ItemKind.WAGE_TYPE
        else {}
    )
    for item in items:
        item.selected = item.eligible and item.id in selected
        item.options = _options_clean(kind, item, options.get(item.id, {}), departments)
        if kind == ItemKind.WAGE_TYPE and item.eligible and "wage_type_id" in options.get(item.id, {}):
            _wage_type_choose(item, options[item.id]["wage_type_id"], wage_types)
    WizardItem.objects.bulk_update(
        items, ["selected", "options", "local_id", "link_state", "changes"], batch_size=CHUNK
    )
    return sum(1 for i in items if i.selected)


def _wage_type_choose(item: WizardItem, raw: Any, wage_types: dict[int, WageType]) -> None:
    """Step «Lønnsarter»: which lønnsart here this Tripletex salary type links to, or «Ny lønnsart»
    (imported as new). A forged or another company's id is ignored."""
    if raw == "new":
        if not item.linked_now:
            item.local_id, item.link_state, item.changes = None, LinkState.NEW, {}
        return
    chosen = wage_types.get(_int_or_none(raw) or 0)
    if chosen is None or chosen.id == item.local_id:
        return
    item.local_id = chosen.id
    item.changes = _changes(ItemKind.WAGE_TYPE, chosen, item)
    item.link_state = LinkState.CHANGED if item.changes else LinkState.LINKED


def _options_clean(kind: str, item: WizardItem, raw: dict[str, Any], departments: set[int]) -> dict[str, Any]:
    """Only choices that are valid for this item survive: a forged id is dropped, not stored."""
    options = dict(item.options)
    if kind == ItemKind.PROJECT and "activity_id" in raw:
        usable = {a["id"] for a in item.data.get("activities", [])}
        activity_id = _int_or_none(raw["activity_id"])
        if activity_id in usable:
            options["activity_id"] = activity_id
    if kind == ItemKind.EMPLOYEE:
        if raw.get("role") in Role.values:
            options["role"] = raw["role"]
        if "department_id" in raw:
            # «Opprett avdelingen «X»»: only for a Tripletex department that has no namesake here.
            wants_new = raw["department_id"] == NEW_DEPARTMENT and item.data.get("department_name")
            department_id = _int_or_none(raw["department_id"])
            options["department_id"] = department_id if department_id in departments else None
            if wants_new:
                options["department_new"] = True
            else:
                options.pop("department_new", None)
        if "link_user" in raw:
            options["link_user"] = bool(raw["link_user"]) and item.email_user_id is not None
    return options


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def wizard_select_all(*, actor: Employee, run: WizardRun, kind: str, select: bool, query: str = "") -> int:
    """«Velg alle» / «Velg ingen» for every eligible item of the step that matches the search."""
    require_administrator(actor)
    _require_open(run)
    items = WizardItem.objects.filter(run=run, kind=kind, eligible=True)
    if query:
        items = items.filter(Q(name__icontains=query) | Q(number__icontains=query))
    return items.update(selected=select)


# --- «Ferdigstill» ---------------------------------------------------------------------------


@dataclass
class FinishResult:
    created: dict[str, list[str]]
    linked: dict[str, list[str]]
    updated: dict[str, list[str]]
    invited_employee_ids: list[int]
    unlinked: dict[str, list[str]] = dataclass_field(default_factory=dict)
    departments_created: list[str] = dataclass_field(default_factory=list)


def wizard_send_from_default(*, run: WizardRun) -> datetime.date:
    """«Send godkjente timer fra og med»: the date chosen, else the date an update's connection has,
    else the activation day (today) — moved back to the earliest hours sent in for approval, so that
    hours waiting when the integration is activated are sent once approved, as every later approval
    is. Hours approved before activation and dated earlier stay out (docs/wizard.md#send-from)."""
    if run.send_hours_from is not None:
        return run.send_hours_from
    connection = Connection.objects.filter(
        company_id=run.company_id, is_active=True, tripletex_company_id=run.tripletex_company_id
    ).first()
    if connection is not None and connection.send_hours_from is not None:
        return connection.send_hours_from
    today = today_local()
    waiting = HourEntry.objects.filter(
        company_id=run.company_id, status=EntryStatus.SUBMITTED, date__lt=today
    ).aggregate(first=Min("date"))["first"]
    return min(waiting, today) if waiting is not None else today


def wizard_send_from_set(*, actor: Employee, run: WizardRun, date: datetime.date) -> WizardRun:
    require_administrator(actor)
    _require_open(run)
    run.send_hours_from = date
    run.save(update_fields=["send_hours_from"])
    return run


def wizard_finish(
    *, actor: Employee, run: WizardRun, send_hours_from: datetime.date | None = None
) -> FinishResult:
    """Apply the whole import and activate the connection, all in one transaction.

    Before writing, the selected items are checked against Tripletex again: if one has vanished
    since the step fetched it, nothing is applied and the message says what vanished. Approved hours
    dated from `send_hours_from` (by default `wizard_send_from_default`) that are not in Tripletex
    yet are sent once the transaction commits; earlier ones never are.
    """
    require_administrator(actor)
    _require_open(run)
    if send_hours_from is not None:
        run.send_hours_from = send_hours_from
    if not run.key_checked:
        raise ValidationError(KEY_NOT_CHECKED, code="key_not_checked")
    _verify_still_in_tripletex(run)
    with transaction.atomic():
        locked = WizardRun.objects.select_for_update().get(id=run.id)
        _require_open(locked)  # a double click, or a second administrator, finds it finished
        result = FinishResult(created={}, linked={}, updated={}, invited_employee_ids=[])
        _apply_projects(locked, actor, result)
        _apply_wage_types(locked, actor, result)
        _apply_employees(locked, actor, result)
        _unlink_unticked(locked, result)
        locked.send_hours_from = wizard_send_from_default(run=run)
        connection = _activate(locked, actor)
        dispatch.deliver_on_commit(wanted.approved_earlier_send(company=actor.company, connection=connection))
        locked.status = WizardStatus.FINISHED
        locked.finished_at = timezone.now()
        locked.employee_token = ""
        locked.save()
        details = {
            kind: {
                "created": result.created.get(kind, [])[:200],
                "linked": result.linked.get(kind, [])[:200],
                "updated": result.updated.get(kind, [])[:200],
                "unlinked": result.unlinked.get(kind, [])[:200],
                "counts": [
                    len(result.created.get(kind, [])),
                    len(result.linked.get(kind, [])),
                    len(result.updated.get(kind, [])),
                    len(result.unlinked.get(kind, [])),
                ],
            }
            for kind in ItemKind.values
        }
        action = AuditAction.UPDATED if locked.is_update else AuditAction.CONNECTED
        audit(company=actor.company, actor=actor, action=action, connection=connection, details=details)
        invited = result.invited_employee_ids
        if invited:
            dispatch.invitations_on_commit(invited)
    run.status = WizardStatus.FINISHED
    return result


def _unlink_unticked(run: WizardRun, result: FinishResult) -> None:
    """«Kobles fra»: an item linked now that the administrator unticked loses its link. Items the
    run never fetched, or that cannot be imported, keep theirs."""
    for kind in ItemKind.values:
        unticked = WizardItem.objects.filter(
            run=run, kind=kind, eligible=True, selected=False, linked_now=True
        ).only("tripletex_id", "number", "name")
        for chunk in _chunks(unticked.iterator(CHUNK)):
            _link_model(kind).objects.filter(
                company_id=run.company_id,
                tripletex_company_id=run.tripletex_company_id,
                tripletex_id__in=[item.tripletex_id for item in chunk],
            ).delete()
            result.unlinked.setdefault(kind, []).extend(item.number or item.name for item in chunk)


def _verify_still_in_tripletex(run: WizardRun) -> None:
    selected = WizardItem.objects.filter(run=run, selected=True)
    kinds = set(selected.values_list("kind", flat=True))
    client = client_for_token(run_token(run))
    present: dict[str, set[int]] = {}
    try:
        client.whoami()
        # Only whether they still exist matters here: ask for the ids alone.
        if ItemKind.PROJECT in kinds:
            present[ItemKind.PROJECT] = {p.id for p in client.projects(fields="id")}
        if ItemKind.WAGE_TYPE in kinds:
            present[ItemKind.WAGE_TYPE] = {s.id for s in client.salary_types()}
        if ItemKind.EMPLOYEE in kinds:
            present[ItemKind.EMPLOYEE] = {e.id for e in client.employees(fields="id")}
    except tx.TripletexError as error:
        raise ValidationError(tripletex_error_message(error), code="tripletex") from None
    vanished = [
        f"{KIND_NAMES[ItemKind(item.kind)]} {item.number or ''} {item.name}".strip()
        for item in selected.only("kind", "tripletex_id", "number", "name")
        if item.tripletex_id not in present.get(item.kind, set())
    ]
    if vanished:
        shown = ", ".join(vanished[:10]) + ("…" if len(vanished) > 10 else "")
        raise ValidationError(ITEMS_VANISHED, code="vanished", params={"items": shown})


def _selected(run: WizardRun, kind: str) -> list[WizardItem]:
    return list(WizardItem.objects.filter(run=run, kind=kind, selected=True, eligible=True).order_by("id"))


def _relink(
    model: type[Any],
    run: WizardRun,
    field: str,
    pairs: list[tuple[int, WizardItem]],
    extra: Any = None,
) -> None:
    """Replace the links of these local objects and these Tripletex ids with one link each."""
    for chunk in _chunks(pairs):
        local_ids = [local_id for local_id, _item in chunk]
        model.objects.filter(
            Q(**{f"{field}__in": local_ids})
            | Q(
                company_id=run.company_id,
                tripletex_company_id=run.tripletex_company_id,
                tripletex_id__in=[i.tripletex_id for _l, i in chunk],
            )
        ).delete()
        model.objects.bulk_create(
            [
                model(
                    company_id=run.company_id,
                    tripletex_company_id=run.tripletex_company_id,
                    tripletex_id=item.tripletex_id,
                    **{field: local_id},
                    **(extra(item) if extra else {}),
                )
                for local_id, item in chunk
            ]
        )


def _date_or_none(value: Any) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _outcomes_record(
    kind: str, items: list[WizardItem], outcomes: list[imports.Outcome], result: FinishResult
) -> list[tuple[int, WizardItem]]:
    """The summary's lists from what hr did with each item, and the (local id, item) pairs to link."""
    pairs: list[tuple[int, WizardItem]] = []
    lists = {"created": result.created, "updated": result.updated, "linked": result.linked}
    for item, outcome in zip(items, outcomes, strict=True):
        if outcome.id is None:
            continue
        lists[outcome.state].setdefault(kind, []).append(item.number)
        pairs.append((outcome.id, item))
    return pairs


def _apply_projects(run: WizardRun, actor: Employee, result: FinishResult) -> None:
    items = _selected(run, ItemKind.PROJECT)
    rows = [
        imports.ProjectRow(
            number=item.number,
            name=item.name[:200],
            is_closed=bool(item.data.get("is_closed")),
            start_date=_date_or_none(item.data.get("start_date")),
            end_date=_date_or_none(item.data.get("end_date")),
            existing_id=item.local_id,
        )
        for item in items
    ]
    outcomes = imports.projects_import(actor=actor, rows=rows)
    pairs = _outcomes_record(ItemKind.PROJECT, items, outcomes, result)
    activity_names = {
        i.tripletex_id: {a["id"]: a["name"] for a in i.data.get("activities", [])} for i in items
    }
    _relink(
        ProjectLink,
        run,
        "project_id",
        pairs,
        extra=lambda i: {
            "activity_id": i.options["activity_id"],
            "activity_name": activity_names[i.tripletex_id].get(i.options["activity_id"], "")[:255],
            "participants_only": bool(i.data.get("for_participants_only")),
            "participant_ids": sorted(p["id"] for p in i.data.get("participants", [])),
        },
    )


def _apply_wage_types(run: WizardRun, actor: Employee, result: FinishResult) -> None:
    items = _selected(run, ItemKind.WAGE_TYPE)
    rows = [imports.WageTypeRow(number=i.number, name=i.name[:200], existing_id=i.local_id) for i in items]
    outcomes = imports.wage_types_import(actor=actor, rows=rows)
    _relink(WageTypeLink, run, "wage_type_id", _outcomes_record(ItemKind.WAGE_TYPE, items, outcomes, result))


def _apply_employees(run: WizardRun, actor: Employee, result: FinishResult) -> None:
    items = _selected(run, ItemKind.EMPLOYEE)
    rows = [
        imports.EmployeeRow(
            number=item.number,
            first_name=item.data.get("first_name", "")[:100],
            last_name=item.data.get("last_name", "")[:100],
            email=item.data.get("email", ""),
            role=item.options.get("role") or Role.EMPLOYEE,
            department_id=None if item.options.get("department_new") else item.options.get("department_id"),
            new_department=_department_name(item) if item.options.get("department_new") else "",
            existing_id=item.local_id,
            user_id=item.email_user_id,
            link_user=bool(item.options.get("link_user")),
        )
        for item in items
    ]
    try:
        imported = imports.employees_import(actor=actor, rows=rows)
    except ValidationError as error:
        if getattr(error, "code", None) != "email_taken":
            raise
        # Someone took an address since the list was fetched: fetch again, nothing is changed.
        raise ValidationError(
            EMAILS_TAKEN_SINCE, code="email_taken", params={"emails": (error.params or {})["email"]}
        ) from None
    _relink(
        EmployeeLink,
        run,
        "employee_id",
        _outcomes_record(ItemKind.EMPLOYEE, items, imported.outcomes, result),
    )
    result.invited_employee_ids = imported.invited_ids
    result.departments_created = imported.departments_created


def _department_name(item: WizardItem) -> str:
    """The Tripletex department's name as a department here can hold it."""
    name: str = item.data.get("department_name", "")
    return name[: Department._meta.get_field("name").max_length].strip()


def _activate(run: WizardRun, actor: Employee) -> Connection:
    connection, _created = Connection.objects.select_for_update().get_or_create(company_id=run.company_id)
    now = timezone.now()
    if run.employee_token:
        connection.employee_token = run.employee_token
        connection.token_last4 = run.token_last4
    if not connection.is_active or connection.tripletex_company_id != run.tripletex_company_id:
        connection.connected_at = now
        connection.connected_by = actor
    connection.is_active = True
    connection.removed_at = None
    connection.tripletex_company_id = run.tripletex_company_id
    connection.tripletex_company_name = run.tripletex_company_name
    connection.tripletex_organization_number = run.tripletex_organization_number
    connection.tripletex_user_name = run.tripletex_user_name
    connection.tripletex_user_email = run.tripletex_user_email
    connection.last_import_at = now
    connection.send_hours_from = run.send_hours_from
    connection.full_clean(exclude=["company", "connected_by"])
    connection.save()
    if run.employee_token:
        # A new key: transfers that waited for one (a 401 paused them) go again.
        dispatch.deliver_on_commit(control.transfers_resume(company=run.company))
    return connection


# Every reason an item may store; the steps show it in the page's language (reason_shown).
REASONS = (
    REASON_PROJECT_NO_NUMBER,
    REASON_PROJECT_CLOSED,
    REASON_PROJECT_NO_ACTIVITY,
    REASON_DUPLICATE_NUMBER,
    REASON_EMPLOYEE_NO_EMAIL,
    REASON_EMPLOYEE_NO_NUMBER,
    REASON_DUPLICATE_EMAIL,
    REASON_EMAIL_IN_OTHER_COMPANY,
    REASON_WAGE_TYPE_HIDDEN,
    REASON_WAGE_TYPE_NO_NUMBER,
    REASON_TOO_LONG,
)


def reason_shown(reason: str) -> str:
    """An item's stored reason (written in the language of whoever fetched) in the page's language."""
    found = shown.text_match(reason, REASONS)
    if found is None:
        return reason
    template, values = found
    if template is REASON_TOO_LONG:
        field = shown.text_match(values["field"], tuple(FIELD_NAMES.values()))
        if field is not None:
            values["field"] = str(field[0])
    return str(template % values) if values else str(template)
