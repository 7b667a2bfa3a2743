"""Approval's side of the outbox (docs/transfer.md#approval): set each touched key's row to the
approved hours of the key and mark it due, inside the approval's transaction, with a fixed number
of queries however many entries. Nothing is sent from here: the caller hands the returned
references to tripletex.dispatch."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Sum
from django.utils import timezone

from hr.models import Company, EntryStatus, HourEntry
from tripletex.models import Connection, RemoteHours, TransferState
from tripletex.transfer.blockers import approval_blockers, before_send_from, tripletex_company_of
from tripletex.transfer.comments import remote_comment
from tripletex.transfer.kind import Key, RemoteKind
from tripletex.transfer.refs import Kind, RowRef
from tripletex.transfer.registry import KINDS
from tripletex.transfer.texts import STATUS_APPROVED_WHILE_REMOVED


def hours_changed(*, company: Company, entries: Sequence[HourEntry]) -> list[RowRef]:
    """Recompute the wanted state of every row, of every kind, these entries touch. Runs inside the
    approval's (or reopen's) transaction; returns the rows to deliver once it commits."""
    connection = Connection.objects.filter(company=company).first()
    if connection is None or connection.tripletex_company_id is None:
        return []
    now = timezone.now()
    refs: list[RowRef] = []
    for kind in KINDS.values():
        remote_of = kind.remote_of(connection, {getattr(e, kind.key_field) for e in entries})
        touched = {(e.employee_id, e.date, getattr(e, kind.key_field)) for e in entries}
        keys = _keys_to_send(kind, connection, sorted(key for key in touched if key[2] in remote_of))
        refs += [
            RowRef(kind.kind, row_id) for row_id in _rows_changed(kind, connection, keys, remote_of, now)
        ]
    return refs


def _keys_to_send(kind: RemoteKind, connection: Connection, keys: list[Key]) -> list[Key]:
    """The keys dated from the connection's date, plus earlier ones Tripletex already holds from us
    (a reopen there must still reach it). One query, only when some key is earlier."""
    early = [key for key in keys if before_send_from(connection, key[1])]
    if not early:
        return keys
    held = set(
        kind.rows()
        .filter(
            company_id=connection.company_id,
            tripletex_company_id=tripletex_company_of(connection),
            employee_id__in={key[0] for key in early},
            date__in={key[1] for key in early},
            **{f"{kind.key_field}__in": {key[2] for key in early}},
        )
        .values_list("employee_id", "date", kind.key_field)
    )
    return [key for key in keys if not before_send_from(connection, key[1]) or key in held]


def _rows_changed(
    kind: RemoteKind,
    connection: Connection,
    keys: list[Key],
    remote_of: dict[int, int],
    now: datetime.datetime,
) -> list[int]:
    """One insert that skips existing rows, one locking read, one read of the approved entries and
    two updates, whatever the number of keys. `remote_of` gives the Tripletex side of a key (the
    project's activity, the lønnsart's salary type)."""
    if not keys:
        return []
    model, field, remote_field = kind.model, kind.key_field, kind.remote_field
    scope = {"company_id": connection.company_id, "tripletex_company_id": tripletex_company_of(connection)}
    # Rows for new keys; a key some other approval has just created is skipped by the constraint.
    kind.rows().bulk_create(
        [model(**scope, employee_id=e, date=d, **{field: t, remote_field: remote_of[t]}) for e, d, t in keys],
        ignore_conflicts=True,
    )
    wanted_rows = {(e, d, t, remote_of[t]) for e, d, t in keys}
    in_keys: dict[str, set[object]] = {
        "employee_id__in": {key[0] for key in keys},
        "date__in": {key[1] for key in keys},
        f"{field}__in": {key[2] for key in keys},
    }
    # Lock every row first, in one order, so two approvals on one key sum in turn, never past each
    # other, and never lock in opposite orders; then read the sums the locks now protect.
    rows = [
        row
        for row in kind.rows().select_for_update().filter(**scope, **in_keys).order_by("id")
        if (row.employee_id, row.date, getattr(row, field), getattr(row, remote_field)) in wanted_rows
    ]
    approved = _approved(connection, field, in_keys)
    for row in rows:
        mine = approved.get((row.employee_id, row.date, getattr(row, field)), [])
        row.wanted_hours = sum((hours for hours, _comment in mine), Decimal("0"))
        if isinstance(row, RemoteHours):
            row.wanted_comment = remote_comment(comment for _hours, comment in mine)
    kind.rows().bulk_update(
        rows, ["wanted_hours", "wanted_comment"] if kind.kind == Kind.HOURS else ["wanted_hours"]
    )
    return _mark_due(kind, connection, [row.id for row in rows], now)


def _approved(
    connection: Connection, field: str, in_keys: dict[str, set[object]]
) -> dict[Key, list[tuple[Decimal, str]]]:
    """The approved entries of these keys, in the order they were written: their hours are summed
    and, for hours rows, their comments joined (docs/transfer.md#comments)."""
    approved: dict[Key, list[tuple[Decimal, str]]] = defaultdict(list)
    for employee_id, date, third, hours, comment in (
        HourEntry.objects.filter(company_id=connection.company_id, status=EntryStatus.APPROVED, **in_keys)
        .order_by("id")
        .values_list("employee_id", "date", field, "hours", "comment")
    ):
        approved[employee_id, date, third].append((hours, comment))
    return approved


def _mark_due(kind: RemoteKind, connection: Connection, ids: list[int], now: datetime.datetime) -> list[int]:
    """What every row shares is one plain update: due now, or not sent while the integration is
    removed."""
    rows = kind.rows().filter(id__in=ids)
    if connection.is_active:
        rows.update(state=TransferState.PENDING, next_attempt_at=now, message="", attempts=0)
        return ids
    rows.update(
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


def approved_earlier_send(*, company: Company, connection: Connection) -> list[RowRef]:
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
            tripletex_company_id=tripletex_company_of(connection),
            date__gte=connection.send_hours_from,
        ).values_list("employee_id", "date", "project_id")
    )
    fresh = [
        entry
        for entry in entries
        if entry.id not in blocked and (entry.employee_id, entry.date, entry.project_id) not in held
    ]
    return hours_changed(company=company, entries=fresh)
