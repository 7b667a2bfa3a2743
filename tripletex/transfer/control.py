"""The administrator's hand on the outbox: removal stops it, a new key resumes it, «Prøv igjen»
sends again (docs/transfer.md#removal). Each returns the rows it made due; the caller hands them to
tripletex.dispatch."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from hr.models import Company
from tripletex.models import Connection, PauseReason, TransferState
from tripletex.transfer.blockers import active_connection, tripletex_company_of
from tripletex.transfer.refs import RowRef
from tripletex.transfer.registry import KINDS
from tripletex.transfer.texts import STATUS_REMOVED

RETRIED = (TransferState.FAILED, TransferState.CONFLICT, TransferState.NOT_SENT)


def transfers_cancel(*, company: Company) -> int:
    """Removal stops everything at once: what waits is shown as not sent."""
    return sum(
        kind.rows()
        .filter(company=company, state=TransferState.PENDING)
        .update(state=TransferState.NOT_SENT, next_attempt_at=None, message=str(STATUS_REMOVED))
        for kind in KINDS.values()
    )


def transfers_resume(*, company: Company) -> list[RowRef]:
    """A new key was saved: lift the company's pause and send what waited for it, looking first."""
    connection = active_connection(company)
    if connection is None:
        return []
    Connection.objects.filter(id=connection.id).update(
        paused_until=None, pause_reason=PauseReason.NONE, throttle_seconds=0
    )
    refs: list[RowRef] = []
    for kind in KINDS.values():
        waiting = kind.rows().filter(company=company, state=TransferState.PENDING)
        refs += [RowRef(kind.kind, row_id) for row_id in waiting.values_list("id", flat=True)]
        waiting.update(next_attempt_at=timezone.now(), needs_lookup=True)
    return refs


def transfers_retry(*, company: Company, refs: Sequence[RowRef] | None = None) -> list[RowRef]:
    """«Prøv igjen» for the rows given, or for all failed, conflicting and not sent rows of the
    company. A retry after an unknown fate starts with a look-up."""
    connection = active_connection(company)
    if connection is None:
        return []
    chosen: list[RowRef] = []
    for kind in KINDS.values():
        rows = kind.rows().filter(
            company=company, tripletex_company_id=tripletex_company_of(connection), state__in=RETRIED
        )
        if refs is not None:
            rows = rows.filter(id__in=[ref.id for ref in refs if ref.kind == kind.kind])
        ids = list(rows.values_list("id", flat=True))
        kind.rows().filter(id__in=ids).update(
            state=TransferState.PENDING,
            next_attempt_at=timezone.now(),
            attempts=0,
            needs_lookup=True,
            message="",
        )
        chosen += [RowRef(kind.kind, row_id) for row_id in ids]
    if connection.pause_reason == PauseReason.KEY:
        # Lift the pause first (the retried rows are pending now, so they are sent with the rest).
        return transfers_resume(company=company)
    return chosen
