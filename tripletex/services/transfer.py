"""Approved hours reach Tripletex: once, with nothing lost, visibly (docs/transfer.md).

The database holds, per Tripletex key (employee, date, project, activity), the hours that should be
there and the id and version last seen. Approval updates that in its own transaction; a worker then
makes Tripletex equal to it. Delivery is at least once; every resend after an unclear outcome looks
the key up first, so nothing is stored twice.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from hr.integration import TransferStatus
from hr.models import Company, Employee, EntryStatus, HourEntry, Role
from tripletex import client as tx
from tripletex import crypto, shown
from tripletex.models import (
    Connection,
    EmployeeLink,
    ProjectLink,
    RemoteHours,
    RemoteSalaryLine,
    TransferAttempt,
    TransferState,
    WageTypeLink,
)
from tripletex.services import chunks
from tripletex.services.connection import client_for_token

Row = RemoteHours | RemoteSalaryLine
RowT = TypeVar("RowT", RemoteHours, RemoteSalaryLine)
ROW_MODELS: tuple[type[RemoteHours], type[RemoteSalaryLine]] = (RemoteHours, RemoteSalaryLine)

logger = logging.getLogger(__name__)

# New entries go to Tripletex in batches of this size (POST /timesheet/entry/list).
BATCH_SIZE = 100
# Our entries carry this in their comment, which tells them from hours typed in Tripletex by hand.
MARKER = "[GrønnJobb]"
# Tripletex's limit for TimesheetEntry.comment. The official OpenAPI document (v2.74.00) gives the
# field no maxLength; 255 is the shortest maxLength it documents for any free-text field (file names,
# names, e-mail addresses), so a comment this long fits whatever column is behind it. The sandbox
# refuses longer ones the way Tripletex refuses a field (tripletex/sandbox/handlers.py).
COMMENT_MAX_LENGTH = 255
# Between the employees' comments on one key, and at the end of a comment cut to fit.
COMMENT_SEPARATOR = "; "
COMMENT_CUT = "…"
# A row that keeps failing in ways that may pass stops after this many attempts, still visible.
MAX_ATTEMPTS = 8
# Backoff between attempts: 10 s, 20 s, 40 s … capped at an hour.
BACKOFF_BASE_SECONDS = 10
BACKOFF_CAP_SECONDS = 3600
# How long a claimed row counts as in flight: a delivery makes at most a few calls of at most 35 s
# each (the client's timeouts). A worker that dies holds its rows this long; one that outlives its
# lease finds its claim superseded when it records, and sends again after a look-up.
IN_FLIGHT = datetime.timedelta(seconds=90)
# A 429 without X-Rate-Limit-Reset pauses the company for this long, doubling, capped.
THROTTLE_DEFAULT_SECONDS = 30
# A key that stopped working pauses the company until a new key is saved.
KEY_PAUSE = datetime.timedelta(days=3650)

# Each refusal names the fix that works: «Oppdater Tripletex» links what exists in Tripletex with the
# same number (lønnsarter also by name); what does not exist there must be made there first.
BLOCK_EMPLOYEE = _(
    "%(name)s er ikke koblet til en ansatt i Tripletex. En administrator kan koble den ansatte i steget "
    "«Ansatte» under «Oppdater Tripletex». Finnes ikke den ansatte i Tripletex med samme ansattnummer og "
    "en e-postadresse, må det legges inn i Tripletex først."
)
BLOCK_PROJECT = _(
    "Prosjektet «%(project)s» er ikke koblet til Tripletex. En administrator kan koble det i steget "
    "«Prosjekter» under «Oppdater Tripletex». Finnes ikke prosjektet i Tripletex med samme "
    "prosjektnummer, må det opprettes i Tripletex først."
)
BLOCK_WAGE_TYPE = _(
    "Lønnsarten «%(wage_type)s» er ikke koblet til Tripletex. En administrator kan koble den i steget "
    "«Lønnsarter» under «Oppdater Tripletex» til lønnsarten i Tripletex med samme nummer eller navn; den "
    "må vises i timelisten i Tripletex. Ellers kan timene føres på «Ordinær tid»."
)
BLOCK_PROJECT_CLOSED = _(
    "Prosjektet «%(project)s» er avsluttet, så timene kan ikke sendes til Tripletex. Før timene på et "
    "åpent prosjekt, eller la en administrator åpne prosjektet i Tripletex og hente endringen med "
    "«Oppdater Tripletex»."
)
BLOCK_NOT_PARTICIPANT = _(
    "%(name)s er ikke deltaker i prosjektet «%(project)s» i Tripletex, og bare deltakerne kan føre timer "
    "der. En administrator kan legge den ansatte til som deltaker i prosjektet i Tripletex og deretter "
    "hente endringen med «Oppdater Tripletex»."
)
STATUS_BEFORE_SEND_FROM = _(
    "Ikke sendt: timer datert før %(date)s sendes ikke til Tripletex (valgt ved «Koble til Tripletex»)."
)
STATUS_REMOVED = _("Ikke sendt – integrasjonen ble fjernet")
STATUS_APPROVED_WHILE_REMOVED = _("Ikke sendt – godkjent mens integrasjonen var fjernet")
STATUS_CONFLICT = _(
    "Tripletex har allerede timer på denne ansatte, datoen, prosjektet og aktiviteten som ikke kom fra "
    "GrønnJobb. Ingenting er overskrevet: rett opp i Tripletex, og velg «Prøv igjen»."
)
STATUS_LOCKED = _(
    "Perioden er låst i Tripletex (godkjent måned eller uke, fakturert eller utbetalt). Åpne perioden i "
    "Tripletex, og velg «Prøv igjen»."
)
STATUS_REFUSED = _("Tripletex avviste timene: %(message)s")
STATUS_UNCLEAR = _("Uklart svar fra Tripletex; vi sjekker før vi prøver igjen.")
STATUS_UNREACHABLE = _("Får ikke kontakt med Tripletex; vi prøver igjen.")
STATUS_THROTTLED = _("Tripletex ba oss vente; vi sender når Tripletex er klar.")
STATUS_KEY_INVALID = _(
    "API-brukernøkkelen virker ikke lenger. En administrator må lage en ny og lime den inn med "
    "«Oppdater Tripletex»."
)
STATUS_GAVE_UP = _("Tripletex svarte ikke etter %(attempts)s forsøk. Velg «Prøv igjen».")
HINT_REFUSED = _("Sjekk at den ansatte og prosjektet kan føre timer på denne aktiviteten i Tripletex.")
# Pages show a refusal in their own language beside Tripletex's own words (Norwegian, as Tripletex
# answered them), which the templates mark with their language.
STATUS_REFUSED_SHOWN = _(
    "Tripletex avviste timene. Sjekk at den ansatte og prosjektet kan føre timer på denne aktiviteten i "
    "Tripletex. Svaret fra Tripletex:"
)
REOPEN_LOCKED = _(
    "Timene er låst i Tripletex (%(date)s) og kan ikke åpnes igjen her. Åpne perioden i Tripletex først."
)
REOPEN_CHANGED = _("Timene ble oppdatert i Tripletex mens de ble åpnet igjen. Prøv igjen.")


# --- approval: blockers, wanted state ----------------------------------------------------------


def remote_comment(comments: Iterable[str]) -> str:
    """The comment of one Tripletex entry: the marker, then the employees' comments on its key in the
    order given, each once, empty ones left out, on one line. Cut with «…» to fit Tripletex's limit;
    the marker comes first and is never cut, so look-ups still know the entry as ours."""
    seen: list[str] = []
    for comment in comments:
        text = " ".join(comment.split())
        if text and text not in seen:
            seen.append(text)
    if not seen:
        return MARKER
    whole = f"{MARKER} {COMMENT_SEPARATOR.join(seen)}"
    if len(whole) <= COMMENT_MAX_LENGTH:
        return whole
    return whole[: COMMENT_MAX_LENGTH - len(COMMENT_CUT)].rstrip() + COMMENT_CUT


def active_connection(company: Company) -> Connection | None:
    return Connection.objects.filter(company=company, is_active=True).first()


def _tripletex_company(connection: Connection) -> int:
    # An active connection always has one (a database constraint); a removed one keeps its last.
    assert connection.tripletex_company_id is not None
    return connection.tripletex_company_id


def approval_blockers(*, company: Company, entries: Sequence[HourEntry]) -> dict[int, str]:
    """Why entries cannot be sent, for reasons known here (docs/transfer.md#blockers). A fixed number
    of queries."""
    connection = active_connection(company)
    if connection is None or not entries:
        return {}
    tripletex_company = _tripletex_company(connection)

    def linked(model: type[Any], field: str) -> set[int]:
        ids = {getattr(e, field) for e in entries}
        return set(
            model.objects.filter(
                company=company, tripletex_company_id=tripletex_company, **{f"{field}__in": ids}
            ).values_list(field, flat=True)
        )

    employee_links = dict(
        EmployeeLink.objects.filter(
            company=company,
            tripletex_company_id=tripletex_company,
            employee_id__in={e.employee_id for e in entries},
        ).values_list("employee_id", "tripletex_id")
    )
    # Participants-only projects: who may register hours there, as of the last «Ferdigstill».
    participants = {
        project_id: set(ids) if only else None
        for project_id, only, ids in ProjectLink.objects.filter(
            company=company,
            tripletex_company_id=tripletex_company,
            project_id__in={e.project_id for e in entries},
        ).values_list("project_id", "participants_only", "participant_ids")
    }
    linked_employees = set(employee_links)
    linked_projects = set(participants)
    linked_wage_types = linked(WageTypeLink, "wage_type_id")
    blockers: dict[int, str] = {}
    for entry in entries:
        if before_send_from(connection, entry.date):
            continue  # never sent, so nothing to stop
        if entry.employee_id not in linked_employees:
            blockers[entry.id] = str(BLOCK_EMPLOYEE % {"name": entry.employee.full_name})
        elif entry.project.is_closed:
            # Before the link: a closed project cannot be imported, so «koble det» would not help.
            blockers[entry.id] = str(BLOCK_PROJECT_CLOSED % {"project": str(entry.project)})
        elif entry.project_id not in linked_projects:
            blockers[entry.id] = str(BLOCK_PROJECT % {"project": str(entry.project)})
        elif (allowed := participants[entry.project_id]) is not None and (
            employee_links[entry.employee_id] not in allowed
        ):
            blockers[entry.id] = str(
                BLOCK_NOT_PARTICIPANT % {"name": entry.employee.full_name, "project": str(entry.project)}
            )
        elif not entry.wage_type.is_builtin and entry.wage_type_id not in linked_wage_types:
            blockers[entry.id] = str(BLOCK_WAGE_TYPE % {"wage_type": entry.wage_type.name})
    return blockers


def before_send_from(connection: Connection, date: datetime.date) -> bool:
    """«Send godkjente timer fra og med»: hours dated before the connection's date are not sent."""
    return connection.send_hours_from is not None and date < connection.send_hours_from


def _keys_to_send(
    model: type[Row], connection: Connection, field: str, keys: list[tuple[int, datetime.date, int]]
) -> list[tuple[int, datetime.date, int]]:
    """The keys dated from the connection's date, plus earlier ones Tripletex already holds from us
    (a reopen there must still reach it). One query, only when some key is earlier."""
    early = [key for key in keys if before_send_from(connection, key[1])]
    if not early:
        return keys
    held = set(
        model.objects.filter(
            company_id=connection.company_id,
            tripletex_company_id=_tripletex_company(connection),
            employee_id__in={key[0] for key in early},
            date__in={key[1] for key in early},
            **{f"{field}__in": {key[2] for key in early}},
        ).values_list("employee_id", "date", field)
    )
    return [key for key in keys if not before_send_from(connection, key[1]) or key in held]


def hours_changed(*, company: Company, entries: Sequence[HourEntry]) -> list[int]:
    """Recompute the wanted hours of every key these entries touch. Runs inside the approval's (or
    reopen's) transaction; returns the ids of the rows to deliver once it commits (lønnsart lines
    negated)."""
    connection = Connection.objects.filter(company=company).first()
    if connection is None or connection.tripletex_company_id is None:
        return []
    now = timezone.now()
    activities = {
        link.project_id: link.activity_id
        for link in ProjectLink.objects.filter(
            company=company,
            tripletex_company_id=connection.tripletex_company_id,
            project_id__in={e.project_id for e in entries},
        )
    }
    hours = _rows_changed(
        RemoteHours,
        connection,
        "project_id",
        {(e.employee_id, e.date, e.project_id) for e in entries if e.project_id in activities},
        ("activity_id", activities),
        now,
    )
    salary_types = {
        link.wage_type_id: link.tripletex_id
        for link in WageTypeLink.objects.filter(
            company=company,
            tripletex_company_id=connection.tripletex_company_id,
            wage_type_id__in={e.wage_type_id for e in entries},
        )
    }
    # A lønnsart imported from Tripletex also gets a lønnsart line: count = its approved hours that day.
    lines = _rows_changed(
        RemoteSalaryLine,
        connection,
        "wage_type_id",
        {(e.employee_id, e.date, e.wage_type_id) for e in entries if e.wage_type_id in salary_types},
        ("salary_type_id", salary_types),
        now,
    )
    return hours + [-line_id for line_id in lines]


def _rows_changed(
    model: type[RowT],
    connection: Connection,
    field: str,
    touched: set[tuple[int, datetime.date, int]],
    remote: tuple[str, dict[int, int]],
    now: datetime.datetime,
) -> list[int]:
    """Set each key's row to the approved hours of the key, with a fixed number of queries whatever
    the number of keys: one insert that skips existing rows, one locking read, one read of the
    approved entries and two updates (docs/transfer.md#approval). `remote` names the Tripletex side
    of a key's row and gives it per project or lønnsart (the project's activity, the lønnsart's
    salary type)."""
    remote_field, remote_of = remote
    keys = sorted(_keys_to_send(model, connection, field, sorted(touched)))
    if not keys:
        return []
    scope = {
        "company_id": connection.company_id,
        "tripletex_company_id": _tripletex_company(connection),
    }
    # Rows for new keys; a key some other approval has just created is skipped by the constraint.
    model.objects.bulk_create(
        [
            model(**scope, employee_id=employee, date=date, **{field: third, remote_field: remote_of[third]})
            for employee, date, third in keys
        ],
        ignore_conflicts=True,
    )
    wanted_rows = {(employee_id, date, third, remote_of[third]) for employee_id, date, third in keys}
    in_keys = {
        "employee_id__in": {key[0] for key in keys},
        "date__in": {key[1] for key in keys},
        f"{field}__in": {key[2] for key in keys},
    }
    # Lock every row first, in one order, so two approvals on one key sum in turn, never past each
    # other, and never lock in opposite orders; then read the sums the locks now protect.
    rows = [
        row
        for row in model.objects.select_for_update().filter(**scope, **in_keys).order_by("id")
        if (row.employee_id, row.date, getattr(row, field), getattr(row, remote_field)) in wanted_rows
    ]
    # The approved entries of these keys, in the order they were written: the hours summed and, for
    # hours rows, the comments joined (docs/transfer.md#comments).
    approved: dict[tuple[int, datetime.date, int], list[tuple[Decimal, str]]] = defaultdict(list)
    for employee_id, date, third, hours, comment in (
        HourEntry.objects.filter(company_id=connection.company_id, status=EntryStatus.APPROVED, **in_keys)
        .order_by("id")
        .values_list("employee_id", "date", field, "hours", "comment")
    ):
        approved[employee_id, date, third].append((hours, comment))
    for row in rows:
        mine = approved.get((row.employee_id, row.date, getattr(row, field)), [])
        row.wanted_hours = sum((hours for hours, _comment in mine), Decimal("0"))
        if isinstance(row, RemoteHours):
            row.wanted_comment = remote_comment(comment for _hours, comment in mine)
    model.objects.bulk_update(
        rows, ["wanted_hours", "wanted_comment"] if model is RemoteHours else ["wanted_hours"]
    )
    # What every row shares is one plain update.
    ids = [row.id for row in rows]
    if connection.is_active:
        model.objects.filter(id__in=ids).update(
            state=TransferState.PENDING, next_attempt_at=now, message="", attempts=0
        )
        return ids
    model.objects.filter(id__in=ids).update(
        state=TransferState.NOT_SENT,
        next_attempt_at=None,
        message=str(STATUS_APPROVED_WHILE_REMOVED),
        attempts=0,
    )
    return []


def approved_from(
    *, company: Company, date: datetime.date, tripletex_company_id: int | None = None
) -> tuple[int, Decimal]:
    """How many approved entries, and hours, are dated from this date and not in Tripletex yet
    (no row for their key in that Tripletex company): what «Ferdigstill» sends."""
    held = RemoteHours.objects.filter(
        company=company,
        # No Tripletex company yet (the key is not checked): nothing is held there.
        tripletex_company_id=tripletex_company_id or 0,
        employee_id=OuterRef("employee_id"),
        date=OuterRef("date"),
        project_id=OuterRef("project_id"),
    )
    totals = (
        HourEntry.objects.filter(company=company, status=EntryStatus.APPROVED, date__gte=date)
        .exclude(Exists(held))
        .aggregate(entries=Count("id"), hours=Sum("hours"))
    )
    return totals["entries"], totals["hours"] or Decimal("0")


def approved_earlier_send(*, company: Company, connection: Connection) -> list[int]:
    """At «Ferdigstill»: hours approved before, dated from the connection's date, on keys not in
    Tripletex yet, go now. Entries approval would have blocked (not linked, closed) stay out; they
    are sent when approved again after the fix. Runs in the finish's transaction."""
    if connection.send_hours_from is None:
        return []
    entries = list(
        HourEntry.objects.filter(
            company=company, status=EntryStatus.APPROVED, date__gte=connection.send_hours_from
        ).select_related("employee", "project", "wage_type")
    )
    blocked = approval_blockers(company=company, entries=entries)
    held = set(
        RemoteHours.objects.filter(
            company=company,
            tripletex_company_id=_tripletex_company(connection),
            date__gte=connection.send_hours_from,
        ).values_list("employee_id", "date", "project_id")
    )
    fresh = [
        entry
        for entry in entries
        if entry.id not in blocked and (entry.employee_id, entry.date, entry.project_id) not in held
    ]
    return hours_changed(company=company, entries=fresh)


def deliver_on_commit(remote_ids: list[int]) -> None:
    """Enqueue delivery after the transaction commits. Positive ids are hours, negative ids lønnsart
    lines (one list keeps the seam with hr small)."""
    if not remote_ids:
        return
    from tripletex.tasks import salary_line_deliver_task, transfer_batch_task, transfer_deliver_task

    hours = [remote_id for remote_id in remote_ids if remote_id > 0]
    lines = [-remote_id for remote_id in remote_ids if remote_id < 0]

    def enqueue() -> None:
        try:
            if len(hours) == 1:
                transfer_deliver_task.delay(hours[0])
            for chunk in chunks(hours if len(hours) > 1 else [], BATCH_SIZE):
                transfer_batch_task.delay(chunk)
            for line_id in lines:
                salary_line_deliver_task.delay(line_id)
        except Exception:
            # The broker is away: the approval stands, and the sweep sends it (docs/transfer.md#f2).
            logger.warning("Could not enqueue %s transfers; the sweep will pick them up", len(remote_ids))

    transaction.on_commit(enqueue)


@dataclass(frozen=True)
class ReopenPrepared:
    """What reopen_prepare read before the reopen's transaction: the connection, and each sent row
    of the reopened keys as it stood (row id → Tripletex id and version) when Tripletex was asked."""

    connection_id: int | None
    seen: dict[int, tuple[int | None, int | None]]


def _sent_rows(
    *, company: Company, connection: Connection, entries: Sequence[HourEntry]
) -> list[RemoteHours]:
    """The rows of the entries' keys that Tripletex holds an entry for."""
    keys = {(e.employee_id, e.date, e.project_id) for e in entries}
    if not keys:
        return []
    rows = RemoteHours.objects.filter(
        company=company,
        tripletex_company_id=_tripletex_company(connection),
        remote_id__isnull=False,
        employee_id__in={k[0] for k in keys},
        date__in={k[1] for k in keys},
        project_id__in={k[2] for k in keys},
    ).order_by("id")
    return [row for row in rows if (row.employee_id, row.date, row.project_id) in keys]


def reopen_prepare(*, company: Company, entry_ids: Sequence[int]) -> ReopenPrepared:
    """Before the reopen's transaction (docs/transfer.md#reopen): read the sent entries in Tripletex
    and refuse hours Tripletex has locked. Runs with no transaction open, so no row lock waits on
    Tripletex's answer; reopen_recheck then checks inside the transaction that nothing moved since."""
    connection = active_connection(company)
    if connection is None:
        return ReopenPrepared(connection_id=None, seen={})
    entries = list(
        HourEntry.objects.filter(company=company, id__in=entry_ids, status=EntryStatus.APPROVED).only(
            "employee_id", "date", "project_id"
        )
    )
    rows = _sent_rows(company=company, connection=connection, entries=entries)
    if rows:
        client = _client(connection)
        for row in rows:
            assert row.remote_id is not None
            try:
                remote = client.timesheet_entry(row.remote_id)
            except tx.NotFound:
                continue
            except tx.TripletexError as error:
                raise ValidationError(str(error.message)) from None
            if remote.locked:
                raise ValidationError(REOPEN_LOCKED, params={"date": row.date.strftime("%d.%m.%Y")})
    return ReopenPrepared(
        connection_id=connection.id, seen={row.id: (row.remote_id, row.remote_version) for row in rows}
    )


def reopen_recheck(*, company: Company, entries: Sequence[HourEntry], prepared: ReopenPrepared) -> None:
    """Inside the reopen's transaction, after hours_changed locked the keys' rows: what reopen_prepare
    asked Tripletex about must still be what Tripletex holds. A delivery that created or updated an
    entry on one of the keys in between (its id or version moved on) means the entry was not the one
    checked, so the reopen is refused with REOPEN_CHANGED and the administrator tries again."""
    connection = active_connection(company)
    if connection is None:
        return
    if connection.id != prepared.connection_id:
        raise ValidationError(REOPEN_CHANGED)
    for row in _sent_rows(company=company, connection=connection, entries=entries):
        if prepared.seen.get(row.id) != (row.remote_id, row.remote_version):
            raise ValidationError(REOPEN_CHANGED)


# --- removal and resending ------------------------------------------------------------------


def transfers_cancel(*, company: Company) -> int:
    """Removal stops everything at once: what waits is shown as not sent (docs/transfer.md#removal)."""
    return sum(
        model.objects.filter(company=company, state=TransferState.PENDING).update(
            state=TransferState.NOT_SENT, next_attempt_at=None, message=str(STATUS_REMOVED)
        )
        for model in ROW_MODELS
    )


def transfers_resume(*, company: Company) -> list[int]:
    """A new key was saved: lift the company's pause and send what waited for it, looking first."""
    connection = active_connection(company)
    if connection is None:
        return []
    Connection.objects.filter(id=connection.id).update(paused_until=None, pause_reason="", throttle_seconds=0)
    ids: list[int] = []
    for model in ROW_MODELS:
        waiting = model.objects.filter(company=company, state=TransferState.PENDING)
        found = list(waiting.values_list("id", flat=True))
        waiting.update(next_attempt_at=timezone.now(), needs_lookup=True)
        ids += found if model is RemoteHours else [-line_id for line_id in found]
    deliver_on_commit(ids)
    return ids


def transfers_retry(
    *, company: Company, remote_ids: Sequence[int] | None = None, line_ids: Sequence[int] | None = None
) -> list[int]:
    """«Prøv igjen» for one row, or for all failed, conflicting and not sent rows of the company."""
    connection = active_connection(company)
    if connection is None:
        return []
    rows = RemoteHours.objects.filter(
        company=company,
        tripletex_company_id=_tripletex_company(connection),
        state__in=[TransferState.FAILED, TransferState.CONFLICT, TransferState.NOT_SENT],
    )
    if remote_ids is not None or line_ids is not None:
        rows = rows.filter(id__in=list(remote_ids or []))
    ids = list(rows.values_list("id", flat=True))
    retry = {
        "state": TransferState.PENDING,
        "next_attempt_at": timezone.now(),
        "attempts": 0,
        "needs_lookup": True,  # a retry after an unknown fate starts with a look-up
        "message": "",
    }
    RemoteHours.objects.filter(id__in=ids).update(**retry)
    lines = RemoteSalaryLine.objects.filter(
        company=company,
        tripletex_company_id=_tripletex_company(connection),
        state__in=[TransferState.FAILED, TransferState.CONFLICT, TransferState.NOT_SENT],
    )
    if remote_ids is not None or line_ids is not None:
        lines = lines.filter(id__in=list(line_ids or []))
    chosen_lines = list(lines.values_list("id", flat=True))
    RemoteSalaryLine.objects.filter(id__in=chosen_lines).update(**retry)
    ids += [-line_id for line_id in chosen_lines]
    if connection.pause_reason == "key":
        # Lift the pause first (the retried rows are pending now, so they are sent with the rest).
        return transfers_resume(company=company)
    deliver_on_commit(ids)
    return ids


# --- delivery ----------------------------------------------------------------------------------


@dataclass
class Claim:
    row: Row
    connection: Connection
    wanted: Decimal
    lease: datetime.datetime | None = None
    # What the Tripletex entry's comment should be (hours rows only).
    comment: str = MARKER


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1), BACKOFF_CAP_SECONDS)
    )


def _claim(model: type[RemoteHours] | type[RemoteSalaryLine], remote_id: int) -> Claim | None:
    """Take the row if it is due, count the attempt and set the next one before any call (so a worker
    that dies mid-call leaves a row already rescheduled). Another worker holding it: skip."""
    now = timezone.now()
    with transaction.atomic():
        row: Row | None = (
            model.objects.select_for_update(skip_locked=True)
            .filter(id=remote_id, state=TransferState.PENDING)
            .first()
        )
        if row is None or (row.next_attempt_at is not None and row.next_attempt_at > now):
            return None
        if row.in_flight_until is not None and row.in_flight_until > now:
            # Another worker is calling Tripletex for this key; it sends again if the key changed.
            return None
        connection = Connection.objects.filter(company_id=row.company_id).first()
        if (
            connection is None
            or not connection.is_active
            or connection.tripletex_company_id != row.tripletex_company_id
        ):
            row.state, row.next_attempt_at, row.message = TransferState.NOT_SENT, None, str(STATUS_REMOVED)
            row.save()
            return None
        if connection.paused_until and connection.paused_until > now:
            row.next_attempt_at = connection.paused_until
            row.save(update_fields=["next_attempt_at", "changed_at"])
            return None
        if row.attempts >= MAX_ATTEMPTS:
            # Its worker died on every attempt (none came back to record): stop, visibly.
            row.state, row.next_attempt_at = TransferState.FAILED, None
            row.message = str(STATUS_GAVE_UP % {"attempts": row.attempts})
            row.save()
            _notify_failure_once(connection, row)
            return None
        row.attempts += 1
        row.next_attempt_at = now + _backoff(row.attempts)
        row.in_flight_until = now + IN_FLIGHT
        row.save(update_fields=["attempts", "next_attempt_at", "in_flight_until", "changed_at"])
        return Claim(
            row=row,
            connection=connection,
            wanted=row.wanted_hours,
            lease=row.in_flight_until,
            comment=_wanted_comment(row),
        )


def _wanted_comment(row: Row) -> str:
    return (row.wanted_comment or MARKER) if isinstance(row, RemoteHours) else MARKER


# One client per connection and key in each worker process, so its session (created once, renewed
# before it expires, re-created once after a 401) serves every task instead of one session per task.
_clients: dict[tuple[object, ...], tx.TripletexClient] = {}
_clients_lock = threading.Lock()


def _client(connection: Connection) -> tx.TripletexClient:
    key = (
        connection.id,
        connection.employee_token,
        settings.TRIPLETEX_BASE_URL,
        settings.TRIPLETEX_CONSUMER_TOKEN,
    )
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            for stale in [k for k in _clients if k[0] == connection.id]:
                _clients.pop(stale)  # the connection's key or Tripletex changed
            client = _clients[key] = client_for_token(crypto.secret_decrypt(connection.employee_token))
        return client


@dataclass
class Outcome:
    state: str
    message: str = ""
    remote: tx.TimesheetEntry | tx.SalaryTypeSpecification | None = None
    deleted: bool = False
    needs_lookup: bool = False
    request_id: str = ""
    retry: bool = False
    pause_seconds: float | None = None
    pause_reason: str = ""


def transfer_deliver(*, remote_id: int) -> str | None:
    """Make Tripletex equal to one row's wanted hours. Returns the state it ended in (None: not due)."""
    claim = _claim(RemoteHours, remote_id)
    if claim is None:
        return None
    return _deliver_claimed(claim)


def _deliver_claimed(claim: Claim) -> str:
    row = claim.row
    assert isinstance(row, RemoteHours)
    employee = EmployeeLink.objects.get(
        employee_id=row.employee_id, tripletex_company_id=row.tripletex_company_id
    )
    project = ProjectLink.objects.get(
        project_id=row.project_id, tripletex_company_id=row.tripletex_company_id
    )
    client = _client(claim.connection)
    outcome = _guarded(lambda: _sync_hours(client, claim, employee.tripletex_id, project.tripletex_id))
    return _record(claim, outcome)


def _sync_hours(client: tx.TripletexClient, claim: Claim, employee_id: int, project_id: int) -> Outcome:
    row = claim.row
    assert isinstance(row, RemoteHours)
    # Look first after an unclear outcome, or when an earlier attempt may have stored it before
    # its worker died (the attempt counter is written before every call).
    looks_first = row.needs_lookup or (row.remote_id is None and row.attempts > 1)
    remote = _current(client, row, employee_id, project_id) if looks_first else None
    if isinstance(remote, Outcome):
        return remote
    if looks_first and remote is None:
        # Nothing on the key in Tripletex (never stored, or deleted there by hand): create it anew.
        remote_id, version = None, None
    else:
        remote_id = remote.id if remote else row.remote_id
        version = remote.version if remote else row.remote_version
    if claim.wanted == 0:
        if remote_id is None:
            return Outcome(TransferState.SENT, deleted=True)
        _attempt(row, "delete")
        try:
            try:
                client.timesheet_entry_delete(entry_id=remote_id, version=version or 0)
            except tx.RevisionConflict:
                # Changed in Tripletex since we saw it: read the version again, delete once more
                # (docs/transfer.md#f16).
                client.timesheet_entry_delete(
                    entry_id=remote_id, version=client.timesheet_entry(remote_id).version
                )
        except tx.NotFound:
            pass
        return Outcome(TransferState.SENT, deleted=True, request_id=_rid(client))
    if remote_id is None:
        _attempt(row, "create")
        created = client.timesheet_entry_create(
            entry=tx.NewTimesheetEntry(
                employee_id=employee_id,
                activity_id=row.activity_id,
                project_id=project_id,
                date=row.date,
                hours=claim.wanted,
                comment=claim.comment,
            )
        )
        return Outcome(TransferState.SENT, remote=created, request_id=_rid(client))
    if remote is not None and remote.hours == claim.wanted and remote.comment == claim.comment:
        return Outcome(TransferState.SENT, remote=remote)
    return _update(client, row, claim, remote_id, version, employee_id, project_id)


def transfer_deliver_batch(*, remote_ids: Sequence[int]) -> dict[int, str | None]:
    """Deliver many hours rows: new entries (never sent, nothing unclear) go to Tripletex in lists of
    BATCH_SIZE; a list Tripletex refuses is split until the refused entry is found; everything else
    takes the one-row path. Returns each row's final state (None: not due)."""
    results: dict[int, str | None] = {}
    claims: list[Claim] = []
    for remote_id in remote_ids:
        claim = _claim(RemoteHours, remote_id)
        if claim is None:
            results[remote_id] = None
        else:
            claims.append(claim)
    fresh = [
        c
        for c in claims
        if c.row.remote_id is None and not c.row.needs_lookup and c.row.attempts == 1 and c.wanted
    ]
    fresh_ids = {c.row.id for c in fresh}
    by_connection: dict[int, list[Claim]] = {}
    for claim in fresh:
        by_connection.setdefault(claim.connection.id, []).append(claim)
    for group in by_connection.values():
        client = _client(group[0].connection)
        rows = [c.row for c in group]
        tripletex_company = group[0].row.tripletex_company_id
        employees = dict(
            EmployeeLink.objects.filter(
                tripletex_company_id=tripletex_company, employee_id__in={r.employee_id for r in rows}
            ).values_list("employee_id", "tripletex_id")
        )
        projects = dict(
            ProjectLink.objects.filter(
                tripletex_company_id=tripletex_company,
                project_id__in={r.project_id for r in rows if isinstance(r, RemoteHours)},
            ).values_list("project_id", "tripletex_id")
        )
        for chunk in chunks(group, BATCH_SIZE):
            _create_list(client, chunk, employees, projects, results)
    for claim in claims:
        if claim.row.id not in fresh_ids:
            results[claim.row.id] = _deliver_claimed(claim)
    return results


def _create_list(
    client: tx.TripletexClient,
    claims: list[Claim],
    employees: dict[int, int],
    projects: dict[int, int],
    results: dict[int, str | None],
) -> None:
    rows = [c.row for c in claims]
    for row in rows:
        _attempt(row, "create")
    new = [
        tx.NewTimesheetEntry(
            employee_id=employees[row.employee_id],
            activity_id=row.activity_id,
            project_id=projects[row.project_id],
            date=row.date,
            hours=claim.wanted,
            comment=claim.comment,
        )
        for claim, row in zip(claims, rows, strict=True)
        if isinstance(row, RemoteHours)
    ]
    try:
        created = client.timesheet_entries_create(entries=new)
    except (tx.ValidationError, tx.BadRequest) as error:
        if len(claims) > 1:
            # Which one did Tripletex refuse? Split the list until the refused entry stands alone.
            half = len(claims) // 2
            _create_list(client, claims[:half], employees, projects, results)
            _create_list(client, claims[half:], employees, projects, results)
            return
        refused = error
        for claim in claims:
            results[claim.row.id] = _record(claim, _guarded(lambda: _raise(refused)))
        return
    except tx.TripletexError as error:
        failure = error
        for claim in claims:
            results[claim.row.id] = _record(claim, _guarded(lambda: _raise(failure)))
        return
    by_key = {(e.employee_id, e.date, e.project_id, e.activity_id): e for e in created}
    for claim, entry in zip(claims, new, strict=True):
        remote = by_key.get((entry.employee_id, entry.date, entry.project_id, entry.activity_id))
        if remote is None:
            # Not in the answer: treat as unclear, so the next attempt looks the key up first.
            outcome = Outcome(
                TransferState.PENDING, needs_lookup=True, retry=True, message=str(STATUS_UNCLEAR)
            )
        else:
            outcome = Outcome(TransferState.SENT, remote=remote, request_id=_rid(client))
        results[claim.row.id] = _record(claim, outcome)


def _raise(error: BaseException) -> Outcome:
    raise error


def salary_line_deliver(*, line_id: int) -> str | None:
    """Make one lønnsart line in Tripletex equal to its wanted count."""
    claim = _claim(RemoteSalaryLine, line_id)
    if claim is None:
        return None
    employee_link = EmployeeLink.objects.get(
        employee_id=claim.row.employee_id, tripletex_company_id=claim.row.tripletex_company_id
    )
    client = _client(claim.connection)
    outcome = _guarded(lambda: _sync_salary_line(client, claim, employee_link.tripletex_id))
    return _record(claim, outcome)


def _sync_salary_line(client: tx.TripletexClient, claim: Claim, employee_id: int) -> Outcome:
    line = claim.row
    assert isinstance(line, RemoteSalaryLine)
    remote: tx.SalaryTypeSpecification | None = None
    if line.needs_lookup or (line.remote_id is None and line.attempts > 1):
        _attempt(line, "lookup")
        remote = next(
            (
                s
                for s in client.salary_type_specifications(
                    date_from=line.date,
                    date_to=line.date + datetime.timedelta(days=1),
                    employee_id=employee_id,
                )
                if s.date == line.date and s.salary_type_id == line.salary_type_id
            ),
            None,
        )
        if remote is not None and MARKER not in remote.description and remote.id != line.remote_id:
            return Outcome(TransferState.CONFLICT, message=str(STATUS_CONFLICT), request_id=_rid(client))
    looked = line.needs_lookup or (line.remote_id is None and line.attempts > 1)
    remote_id = remote.id if remote else (None if looked else line.remote_id)
    version = remote.version if remote else (None if looked else line.remote_version)
    if claim.wanted == 0:
        if remote_id is not None:
            _attempt(line, "delete")
            try:
                client.salary_type_specification_delete(specification_id=remote_id)
            except tx.NotFound:
                pass
        return Outcome(TransferState.SENT, deleted=True, request_id=_rid(client))
    if remote_id is None:
        _attempt(line, "create")
        created = client.salary_type_specification_create(
            specification=tx.NewSalaryTypeSpecification(
                employee_id=employee_id,
                salary_type_id=line.salary_type_id,
                date=line.date,
                count=claim.wanted,
                description=MARKER,
            )
        )
        return Outcome(TransferState.SENT, remote=created, request_id=_rid(client))
    if remote is not None and remote.count == claim.wanted:
        return Outcome(TransferState.SENT, remote=remote)

    def put(version: int | None) -> tx.SalaryTypeSpecification:
        _attempt(line, "update")
        return client.salary_type_specification_update(
            specification=tx.SalaryTypeSpecification(
                id=remote_id,
                version=version or 0,
                employee_id=employee_id,
                salary_type_id=line.salary_type_id,
                date=line.date,
                count=claim.wanted,
                description=MARKER,
            )
        )

    try:
        updated = put(version)
    except tx.RevisionConflict:
        # Changed in Tripletex since we saw it: read the version again and retry once, as for hours.
        updated = put(client.salary_type_specification(remote_id).version)
    return Outcome(TransferState.SENT, remote=updated, request_id=_rid(client))


def _guarded(sync: Callable[[], Outcome]) -> Outcome:
    """Run one sync and turn every Tripletex failure into an outcome (docs/transfer.md#outcomes)."""
    try:
        return sync()
    except tx.DuplicateEntry:
        # Someone stored an entry on this key: find it before anything else.
        return Outcome(TransferState.PENDING, needs_lookup=True, retry=True, message=str(STATUS_UNCLEAR))
    except (tx.MaybeSent, tx.ServerError, tx.InvalidResponse) as error:
        return Outcome(
            TransferState.PENDING,
            needs_lookup=True,
            retry=True,
            message=str(STATUS_UNCLEAR),
            request_id=error.request_id or "",
        )
    except tx.NotSent:
        return Outcome(TransferState.PENDING, retry=True, message=str(STATUS_UNREACHABLE))
    except tx.RateLimited as error:
        return Outcome(
            TransferState.PENDING,
            retry=True,
            message=str(STATUS_THROTTLED),
            pause_seconds=error.reset_seconds,
            pause_reason="rate",
            request_id=error.request_id or "",
        )
    except tx.AuthenticationError as error:
        return Outcome(
            TransferState.PENDING,
            retry=True,
            message=str(STATUS_KEY_INVALID),
            pause_reason="key",
            request_id=error.request_id or "",
        )
    except tx.Locked as error:
        return Outcome(TransferState.FAILED, message=str(STATUS_LOCKED), request_id=error.request_id or "")
    except tx.ApiError as error:
        return Outcome(
            TransferState.FAILED,
            message=str(STATUS_REFUSED % {"message": _explain(error)}),
            request_id=error.request_id or "",
        )


def _rid(client: tx.TripletexClient) -> str:
    info = client.last_response_info
    return (getattr(info, "request_id", None) or "") if info else ""


def _explain(error: tx.ApiError) -> str:
    details = "; ".join(m.message for m in error.validation_messages if m.message)
    return details or error.message


def _attempt(row: Row, action: str, outcome: str = "started", **fields: object) -> None:
    owner = {"remote": row} if isinstance(row, RemoteHours) else {"salary_line": row}
    TransferAttempt.objects.create(**owner, action=action, outcome=outcome, **fields)


def _current(
    client: tx.TripletexClient, row: RemoteHours, employee_id: int, project_id: int
) -> tx.TimesheetEntry | Outcome | None:
    """Look the key up in Tripletex: ours (marked) is adopted; a hand-typed one is a conflict."""
    _attempt(row, "lookup")
    found = [
        e
        for e in client.timesheet_entries(
            date_from=row.date,
            date_to=row.date + datetime.timedelta(days=1),
            employee_ids=[employee_id],
            project_ids=[project_id],
            activity_ids=[row.activity_id],
        )
        if e.date == row.date and e.project_id == project_id and e.activity_id == row.activity_id
    ]
    if not found:
        return None
    entry = found[0]
    if MARKER not in entry.comment and entry.id != row.remote_id:
        return Outcome(TransferState.CONFLICT, message=str(STATUS_CONFLICT), request_id=_rid(client))
    return entry


def _update(
    client: tx.TripletexClient,
    row: RemoteHours,
    claim: Claim,
    remote_id: int,
    version: int | None,
    employee_id: int,
    project_id: int,
) -> Outcome:
    for attempt in (1, 2):
        _attempt(row, "update")
        entry = tx.TimesheetEntry(
            id=remote_id,
            version=version or 0,
            employee_id=employee_id,
            activity_id=row.activity_id,
            project_id=project_id,
            date=row.date,
            hours=claim.wanted,
            comment=claim.comment,
            locked=False,
        )
        try:
            return Outcome(
                TransferState.SENT, remote=client.timesheet_entry_update(entry=entry), request_id=_rid(client)
            )
        except tx.RevisionConflict:
            if attempt == 2:
                raise
            # Someone changed it since we last saw it: read the version again, retry once
            # (docs/transfer.md#f16).
            version = client.timesheet_entry(remote_id).version
        except tx.NotFound:
            # Deleted in Tripletex by hand: create it again after a look-up.
            return Outcome(TransferState.PENDING, needs_lookup=True, retry=True, message=str(STATUS_UNCLEAR))
    raise AssertionError("unreachable")


def _record(claim: Claim, outcome: Outcome) -> str:
    """Store the outcome in a short transaction. If approvals changed the key meanwhile, it stays
    pending and goes again at once."""
    now = timezone.now()
    with transaction.atomic():
        row: Row = type(claim.row).objects.select_for_update().get(id=claim.row.id)
        connection = Connection.objects.select_for_update().get(id=claim.connection.id)
        _attempt(row, "result", outcome.state, request_id=outcome.request_id, message=outcome.message)
        if row.in_flight_until != claim.lease:
            # Our lease ran out and another delivery took the row: what we saw may be stale, so
            # leave the row to a fresh delivery that looks the key up first.
            _attempt(row, "superseded", outcome.state, request_id=outcome.request_id)
            if row.state == TransferState.PENDING:
                return str(row.state)  # the other delivery has not recorded yet; it will
            row.state, row.needs_lookup, row.next_attempt_at = TransferState.PENDING, True, now
            row.save()
            deliver_on_commit([row.id if isinstance(row, RemoteHours) else -row.id])
            return str(row.state)
        row.in_flight_until = None
        row.request_id = outcome.request_id or row.request_id
        row.message = outcome.message
        row.needs_lookup = outcome.needs_lookup
        if outcome.remote is not None:
            amount = (
                outcome.remote.hours
                if isinstance(outcome.remote, tx.TimesheetEntry)
                else outcome.remote.count
            )
            row.remote_id, row.remote_version, row.sent_hours = (
                outcome.remote.id,
                outcome.remote.version,
                amount,
            )
        if outcome.deleted:
            row.remote_id, row.remote_version, row.sent_hours = None, None, Decimal("0")
        changed_meanwhile = row.wanted_hours != claim.wanted or _wanted_comment(row) != claim.comment
        if outcome.state == TransferState.SENT:
            connection.last_transfer_at = now
            connection.failure_notified_at = None
            connection.throttle_seconds = 0
            row.sent_at = now
            row.state = TransferState.PENDING if changed_meanwhile else TransferState.SENT
            row.next_attempt_at = now if changed_meanwhile else None
            row.attempts = 0
            if changed_meanwhile:
                # Approvals changed the key during the call, and their own kick found it in flight.
                deliver_on_commit([row.id if isinstance(row, RemoteHours) else -row.id])
        elif outcome.retry:
            if outcome.pause_reason:
                _pause(connection, outcome, now)
                row.next_attempt_at = connection.paused_until
                row.attempts = max(0, row.attempts - 1)  # waiting for Tripletex is not a failed attempt
            if row.attempts >= MAX_ATTEMPTS and not outcome.pause_reason:
                row.state = TransferState.FAILED
                row.message = str(STATUS_GAVE_UP % {"attempts": row.attempts})
                row.next_attempt_at = None
            else:
                row.state = TransferState.PENDING
        else:
            row.state = outcome.state
            row.next_attempt_at = None
        row.save()
        connection.save()
        if row.state in (TransferState.FAILED, TransferState.CONFLICT) or outcome.pause_reason == "key":
            _notify_failure_once(connection, row)
    return row.state


def _pause(connection: Connection, outcome: Outcome, now: datetime.datetime) -> None:
    if outcome.pause_reason == "key":
        connection.paused_until, connection.pause_reason = now + KEY_PAUSE, "key"
        return
    if connection.pause_reason == "rate" and connection.paused_until and connection.paused_until > now:
        # Already paused by another answer of the same moment (a batch): one 429, one pause.
        return
    seconds = outcome.pause_seconds
    if seconds is None:
        # No reset header: capped exponential backoff on the company (docs/transfer.md#f8), remembered
        # between 429s.
        seconds = min(max(THROTTLE_DEFAULT_SECONDS, connection.throttle_seconds * 2), BACKOFF_CAP_SECONDS)
        connection.throttle_seconds = int(seconds)
    connection.paused_until, connection.pause_reason = now + datetime.timedelta(seconds=seconds), "rate"


def _notify_failure_once(connection: Connection, row: Row) -> None:
    """Tell the administrators once per failure episode (until a transfer succeeds again), and each
    manager whose approved hours did not arrive, once per episode too."""
    new_episode = connection.failure_notified_at is None
    if new_episode:
        connection.failure_notified_at = timezone.now()
        connection.failure_notified_approvers = []
    messages = _approvers_failure_messages(connection, row)
    if not new_episode and not messages:
        return
    connection.save(update_fields=["failure_notified_at", "failure_notified_approvers"])
    if new_episode:
        recipients = list(
            Employee.objects.filter(
                company_id=connection.company_id, role=Role.ADMINISTRATOR, is_active=True
            ).values_list("email", flat=True)
        )
        subject = str(_("Timer når ikke fram til Tripletex"))
        body = str(
            _(
                "Overføringen av godkjente timer til Tripletex feiler: %(message)s\n\n"
                "Se Selskapsinnstillinger → Generelt → Tripletex for alle som ikke er sendt: %(link)s"
            )
            % {
                "message": row.message,
                "link": settings.SITE_URL.rstrip("/") + "/innstillinger/tripletex/overforinger/",
            }
        )
        messages += [(subject, body, None, [email]) for email in recipients]
    transaction.on_commit(lambda: send_mass_mail(messages))


APPROVER_FAILURE_SUBJECT = _("Timer du godkjente, når ikke fram til Tripletex")
APPROVER_FAILURE_BODY = _(
    "Timene til %(name)s %(date)s på %(what)s, som du godkjente, har ikke kommet fram til Tripletex: "
    "%(message)s\n\n"
    "Administratorene er varslet og kan rette det og sende timene på nytt. Du får ikke flere slike "
    "e-poster før overføringen virker igjen; «Nylig godkjent» under «Godkjenning» viser hvor timene er: "
    "%(link)s"
)


def _approvers_failure_messages(connection: Connection, row: Row) -> list[tuple[str, str, None, list[str]]]:
    """One e-mail to each manager who approved the failed hours and has not been told in this
    episode; administrators hear of it as administrators. Marks them told on the connection."""
    if row.state not in (TransferState.FAILED, TransferState.CONFLICT):
        return []
    entries = HourEntry.objects.filter(
        company_id=connection.company_id,
        employee_id=row.employee_id,
        date=row.date,
        status=EntryStatus.APPROVED,
        **(
            {"project_id": row.project_id}
            if isinstance(row, RemoteHours)
            else {"wage_type_id": row.wage_type_id}
        ),
    )
    told = set(connection.failure_notified_approvers)
    approvers = (
        Employee.objects.filter(
            company_id=connection.company_id,
            id__in=entries.values("decided_by_id"),
            is_active=True,
        )
        .exclude(role=Role.ADMINISTRATOR)
        .exclude(id__in=told)
        .order_by("id")
    )
    what = row.project if isinstance(row, RemoteHours) else row.wage_type
    messages = []
    # Written in the company's language: people have no language of their own in the product.
    with translation.override(settings.LANGUAGE_CODE):
        for approver in approvers:
            body = str(APPROVER_FAILURE_BODY) % {
                "name": row.employee.full_name,
                "date": date_format(row.date, "SHORT_DATE_FORMAT"),
                "what": str(what),
                "message": row.message,
                "link": settings.SITE_URL.rstrip("/") + reverse("hr:approval"),
            }
            messages.append((str(APPROVER_FAILURE_SUBJECT), body, None, [approver.email]))
            told.add(approver.id)
    connection.failure_notified_approvers = sorted(told)
    return messages


def transfers_due(*, limit: int = 500) -> list[int]:
    """What the sweep re-enqueues: pending hours rows that are due (their kick may have been lost)."""
    return _due(RemoteHours, limit)


def salary_lines_due(*, limit: int = 500) -> list[int]:
    return _due(RemoteSalaryLine, limit)


def _due(model: type[RemoteHours] | type[RemoteSalaryLine], limit: int) -> list[int]:
    now = timezone.now()
    return list(
        model.objects.filter(state=TransferState.PENDING, next_attempt_at__lte=now)
        .exclude(in_flight_until__gt=now)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )


def transfer_statuses(*, company: Company, entries: Sequence[HourEntry]) -> dict[int, TransferStatus]:
    """Each approved entry's transfer status, from the row of its key; hours dated before the
    connection's «Send godkjente timer fra og med» say so. A fixed number of queries."""
    approved = [e for e in entries if e.status == EntryStatus.APPROVED]
    if not approved:
        return {}
    connection = Connection.objects.filter(company=company).first()
    send_from = connection.send_hours_from if connection is not None else None
    rows = RemoteHours.objects.filter(
        company=company,
        employee_id__in={e.employee_id for e in approved},
        date__range=(min(e.date for e in approved), max(e.date for e in approved)),
    ).order_by("changed_at")
    by_key = {(r.employee_id, r.date, r.project_id): r for r in rows}
    lines = RemoteSalaryLine.objects.filter(
        company=company,
        employee_id__in={e.employee_id for e in approved},
        date__range=(min(e.date for e in approved), max(e.date for e in approved)),
    ).order_by("changed_at")
    line_by_key = {(line.employee_id, line.date, line.wage_type_id): line for line in lines}
    labels = dict(TransferState.choices)
    statuses = {}
    for entry in approved:
        row: Row | None = by_key.get((entry.employee_id, entry.date, entry.project_id))
        line = line_by_key.get((entry.employee_id, entry.date, entry.wage_type_id))
        # The lønnsart line speaks for the entry when it is the one that did not arrive.
        if line is not None and (row is None or line.state in (TransferState.FAILED, TransferState.CONFLICT)):
            row = line
        if row is not None:
            message, quoted = message_shown(row.message)
            statuses[entry.id] = TransferStatus(
                state=row.state, label=str(labels[row.state]), message=message, quoted=quoted
            )
        elif send_from is not None and entry.date < send_from:
            statuses[entry.id] = TransferStatus(
                state=TransferState.NOT_SENT,
                label=str(labels[TransferState.NOT_SENT]),
                message=str(STATUS_BEFORE_SEND_FROM % {"date": date_format(send_from, "SHORT_DATE_FORMAT")}),
            )
    return statuses


# Every message a transfer row stores; rows keep the text, pages show it in their language.
STORED_MESSAGES = (
    STATUS_REMOVED,
    STATUS_APPROVED_WHILE_REMOVED,
    STATUS_CONFLICT,
    STATUS_LOCKED,
    STATUS_REFUSED,
    STATUS_UNCLEAR,
    STATUS_UNREACHABLE,
    STATUS_THROTTLED,
    STATUS_KEY_INVALID,
    STATUS_GAVE_UP,
)


def message_shown(message: str) -> tuple[str, str]:
    """A row's stored message in the page's language, and Tripletex's own words when Tripletex
    refused (shown beside it as they are: its words are data, not ours to translate)."""
    found = shown.text_match(message, STORED_MESSAGES)
    if found is not None and found[0] is STATUS_REFUSED:
        return str(STATUS_REFUSED_SHOWN), found[1]["message"]
    return shown.text_shown(message, STORED_MESSAGES), ""
