"""Reopening approved hours (docs/transfer.md#reopen): Tripletex is asked before the reopen's
transaction, and what it said is re-checked inside it, so no row lock ever waits on Tripletex."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from hr.models import Company, EntryStatus, HourEntry
from tripletex import client as tx
from tripletex.models import Connection, RemoteHours
from tripletex.transfer.blockers import active_connection, tripletex_company_of
from tripletex.transfer.clients import client_of
from tripletex.transfer.texts import REOPEN_CHANGED, REOPEN_LOCKED


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
        tripletex_company_id=tripletex_company_of(connection),
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
        client = client_of(connection)
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
