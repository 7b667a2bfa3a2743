"""Recording what deliveries came to (docs/transfer.md#claim): every outcome of one delivery in one
short transaction, each only while its claim's lease is still the row's."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tripletex.models import Connection, PauseReason, TransferAttempt, TransferState
from tripletex.transfer.attempts import attempt_new
from tripletex.transfer.kind import Row
from tripletex.transfer.machine import BACKOFF_CAP_SECONDS, MAX_ATTEMPTS, Claim
from tripletex.transfer.notify import failure_notify_once
from tripletex.transfer.outcomes import Outcome
from tripletex.transfer.refs import RowRef
from tripletex.transfer.registry import KINDS
from tripletex.transfer.texts import STATUS_GAVE_UP

# A 429 without X-Rate-Limit-Reset pauses the company for this long, doubling, capped.
THROTTLE_DEFAULT_SECONDS = 30
# A key that stopped working pauses the company until a new key is saved.
KEY_PAUSE = datetime.timedelta(days=3650)
ROW_FIELDS = [
    "in_flight_until",
    "request_id",
    "message",
    "needs_lookup",
    "remote_id",
    "remote_version",
    "sent_hours",
    "sent_at",
    "state",
    "next_attempt_at",
    "attempts",
    "changed_at",
]


def record(connection_id: int, results: Sequence[tuple[Claim, Outcome]]) -> dict[RowRef, TransferState]:
    """Store the outcomes; returns each row's state. A row whose key approvals changed meanwhile stays
    pending and is due at once; a row another delivery took over is left to that one."""
    if not results:
        return {}
    now = timezone.now()
    states: dict[RowRef, TransferState] = {}
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(id=connection_id)
        rows = _lock_rows(results)
        log: list[TransferAttempt] = []
        failed: list[Row] = []
        for claim, outcome in results:
            row = rows[RowRef(claim.kind.kind, claim.row.id)]
            row.changed_at = now  # bulk_update leaves auto_now alone
            log.append(
                attempt_new(
                    row, "result", outcome.state, request_id=outcome.request_id, message=outcome.message
                )
            )
            if row.in_flight_until != claim.lease:
                log.append(attempt_new(row, "superseded", outcome.state, request_id=outcome.request_id))
                _superseded(row, now)
            else:
                _apply(row, claim, outcome, connection, now)
                if (
                    row.state in (TransferState.FAILED, TransferState.CONFLICT)
                    or outcome.pause_reason == PauseReason.KEY
                ):
                    failed.append(row)
            states[RowRef(claim.kind.kind, row.id)] = TransferState(row.state)
        for kind in KINDS.values():
            mine = [row for row in rows.values() if isinstance(row, kind.model)]
            kind.rows().bulk_update(mine, ROW_FIELDS)
        TransferAttempt.objects.bulk_create(log)
        connection.save()
        for row in failed:
            failure_notify_once(connection, row)
    return states


def _lock_rows(results: Sequence[tuple[Claim, Outcome]]) -> dict[RowRef, Row]:
    """Lock the rows kind by kind, ids ascending: the order approval locks them in."""
    rows: dict[RowRef, Row] = {}
    for kind in KINDS.values():
        ids = [claim.row.id for claim, _outcome in results if claim.kind is kind]
        for row in kind.rows().select_for_update().filter(id__in=ids).order_by("id"):
            rows[RowRef(kind.kind, row.id)] = row
    return rows


def _superseded(row: Row, now: datetime.datetime) -> None:
    """Our lease ran out and another delivery took the row: what we saw may be stale. If the other
    has not recorded yet, it will; if it has, a fresh delivery looks the key up first."""
    if row.state != TransferState.PENDING:
        row.state, row.needs_lookup, row.next_attempt_at = TransferState.PENDING, True, now


def _apply(row: Row, claim: Claim, outcome: Outcome, connection: Connection, now: datetime.datetime) -> None:
    row.in_flight_until = None
    row.request_id = outcome.request_id or row.request_id
    row.message = outcome.message
    row.needs_lookup = outcome.needs_lookup
    if outcome.remote is not None:
        row.remote_id, row.remote_version = outcome.remote.id, outcome.remote.version
        row.sent_hours = claim.kind.held(outcome.remote).amount
    if outcome.deleted:
        row.remote_id, row.remote_version, row.sent_hours = None, None, Decimal("0")
    if outcome.state == TransferState.SENT:
        _sent(row, claim, connection, now)
    elif outcome.retry:
        _retry(row, outcome, connection, now)
    else:
        row.state, row.next_attempt_at = outcome.state, None


def _sent(row: Row, claim: Claim, connection: Connection, now: datetime.datetime) -> None:
    connection.last_transfer_at = now
    connection.failure_notified_at = None
    connection.throttle_seconds = 0
    row.sent_at = now
    row.attempts = 0
    # Approvals changed the key during the call, and found it in flight: it goes again at once.
    changed_meanwhile = claim.kind.wanted(row) != claim.wanted
    row.state = TransferState.PENDING if changed_meanwhile else TransferState.SENT
    row.next_attempt_at = now if changed_meanwhile else None


def _retry(row: Row, outcome: Outcome, connection: Connection, now: datetime.datetime) -> None:
    if outcome.pause_reason:
        pause(connection, outcome, now)
        row.next_attempt_at = connection.paused_until
        row.attempts = max(0, row.attempts - 1)  # waiting for Tripletex is not a failed attempt
        row.state = TransferState.PENDING
    elif row.attempts >= MAX_ATTEMPTS:
        row.state, row.next_attempt_at = TransferState.FAILED, None
        row.message = str(STATUS_GAVE_UP % {"attempts": row.attempts})
    else:
        row.state = TransferState.PENDING


def pause(connection: Connection, outcome: Outcome, now: datetime.datetime) -> None:
    if outcome.pause_reason == PauseReason.KEY:
        connection.paused_until, connection.pause_reason = now + KEY_PAUSE, PauseReason.KEY
        return
    if (
        connection.pause_reason == PauseReason.RATE
        and connection.paused_until
        and connection.paused_until > now
    ):
        # Already paused by another answer of the same moment (a list): one 429, one pause.
        return
    seconds = outcome.pause_seconds
    if seconds is None:
        # No reset header: capped exponential backoff on the company (docs/transfer.md#f8), remembered
        # between 429s.
        seconds = min(max(THROTTLE_DEFAULT_SECONDS, connection.throttle_seconds * 2), BACKOFF_CAP_SECONDS)
        connection.throttle_seconds = int(seconds)
    connection.paused_until = now + datetime.timedelta(seconds=seconds)
    connection.pause_reason = PauseReason.RATE
