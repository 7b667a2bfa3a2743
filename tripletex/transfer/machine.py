"""The delivery state machine (docs/transfer.md#claim): claim due rows, lease them while a worker
calls Tripletex, record what came back, back off, pause the company. It knows no kind: what a row
holds and how it reaches Tripletex come from the registry (registry.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from tripletex.models import Connection, TransferState
from tripletex.transfer.kind import RemoteKind, Row, Target, Wanted
from tripletex.transfer.notify import failure_notify_once
from tripletex.transfer.registry import KINDS
from tripletex.transfer.texts import STATUS_GAVE_UP, STATUS_REMOVED

# A row that keeps failing in ways that may pass stops after this many attempts, still visible.
MAX_ATTEMPTS = 8
# Backoff between attempts: 10 s, 20 s, 40 s … capped at an hour.
BACKOFF_BASE_SECONDS = 10
BACKOFF_CAP_SECONDS = 3600
# How long a claimed row counts as in flight: a delivery makes at most a few calls of at most 35 s
# each (the client's timeouts) per row, and a list of a hundred in one call. A worker that dies holds
# its rows this long; one that outlives its lease finds its claim superseded when it records, and
# the row is sent again after a look-up.
IN_FLIGHT = datetime.timedelta(seconds=90)
# At most this many rows of one kind are claimed, sent and recorded together: one list in Tripletex.
CLAIM_SIZE = 100
# Rows that take the one-row path (updates, deletes, look-ups) cost a call or more each: a round takes
# at most this many, so it ends well inside its lease.
SINGLES_PER_ROUND = 10


@dataclass
class Claim:
    """One row taken for delivery: what it should hold as claimed, and the lease that proves the
    claim is still ours when the outcome is recorded."""

    kind: RemoteKind
    row: Row
    wanted: Wanted
    lease: datetime.datetime
    target: Target | None = None


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1), BACKOFF_CAP_SECONDS)
    )


def due_filter(now: datetime.datetime) -> dict[str, Any]:
    return {"state": TransferState.PENDING, "next_attempt_at__lte": now}


def claim(kind: RemoteKind, connection: Connection, *, ids: list[int] | None = None) -> list[Claim]:
    """Take up to CLAIM_SIZE due rows of the company (or of these ids), in one transaction with one
    locking read and one update: each attempt is counted and its next one set before any call, so
    a worker that dies mid-call leaves its rows already rescheduled. Rows another worker holds are
    skipped; rows in flight are not due."""
    now = timezone.now()
    with transaction.atomic():
        taken = _due_rows(kind, connection, ids, now)
        claims = [claim for row in taken if (claim := _take(kind, row, connection, now)) is not None]
        fields = ["state", "next_attempt_at", "message", "attempts", "in_flight_until", "changed_at"]
        kind.rows().bulk_update(taken, fields)
        for row in taken:
            if row.state == TransferState.FAILED:
                failure_notify_once(connection, row)
    return claims


def _due_rows(
    kind: RemoteKind, connection: Connection, ids: list[int] | None, now: datetime.datetime
) -> list[Row]:
    """One locking read, oldest first; of the rows for the one-row path only SINGLES_PER_ROUND."""
    rows = (
        kind.rows()
        .select_for_update(skip_locked=True)
        .filter(company_id=connection.company_id, **due_filter(now))
    )
    if ids is not None:
        rows = rows.filter(id__in=ids)
    due = list(rows.exclude(in_flight_until__gt=now).order_by("next_attempt_at", "id")[:CLAIM_SIZE])
    singles = [row.id for row in due if not _fresh(row)][:SINGLES_PER_ROUND]
    return [row for row in due if _fresh(row) or row.id in singles]


def _take(kind: RemoteKind, row: Row, connection: Connection, now: datetime.datetime) -> Claim | None:
    """Count the attempt and lease the row; or stop it, when it cannot or should not go again."""
    row.changed_at = now  # bulk_update leaves auto_now alone
    if row.tripletex_company_id != connection.tripletex_company_id or not connection.is_active:
        row.state, row.next_attempt_at, row.message = TransferState.NOT_SENT, None, str(STATUS_REMOVED)
        return None
    if row.attempts >= MAX_ATTEMPTS:
        # Its worker died on every attempt (none came back to record): stop, visibly.
        row.state, row.next_attempt_at = TransferState.FAILED, None
        row.message = str(STATUS_GAVE_UP % {"attempts": row.attempts})
        return None
    row.attempts += 1
    row.next_attempt_at = now + backoff(row.attempts)
    row.in_flight_until = now + IN_FLIGHT
    return Claim(kind, row, kind.wanted(row), row.in_flight_until)


def _fresh(row: Row) -> bool:
    """Never tried and never sent: a plain create, which goes in a list."""
    return row.remote_id is None and not row.needs_lookup and row.attempts == 0 and row.wanted_hours > 0


def connection_ready(connection: Connection | None, company_id: int) -> Connection | None:
    """The connection rows may be delivered through now. A paused company's due rows wait for the
    pause to end; a removed integration's rows are shown as not sent."""
    now = timezone.now()
    if connection is None or not connection.is_active:
        for kind in KINDS.values():
            kind.rows().filter(company_id=company_id, state=TransferState.PENDING).update(
                state=TransferState.NOT_SENT, next_attempt_at=None, message=str(STATUS_REMOVED)
            )
        return None
    if connection.paused_until and connection.paused_until > now:
        for kind in KINDS.values():
            kind.rows().filter(company_id=company_id, **due_filter(now)).update(
                next_attempt_at=connection.paused_until
            )
        return None
    return connection
