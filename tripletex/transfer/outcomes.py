"""What one delivery attempt came to, and the table that turns every Tripletex failure into one
(docs/transfer.md#outcomes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tripletex import client as tx
from tripletex.models import PauseReason, TransferState
from tripletex.transfer.kind import Remote
from tripletex.transfer.texts import (
    STATUS_CONFLICT,
    STATUS_KEY_INVALID,
    STATUS_LOCKED,
    STATUS_NOT_LINKED,
    STATUS_REFUSED,
    STATUS_THROTTLED,
    STATUS_UNCLEAR,
    STATUS_UNREACHABLE,
)


@dataclass(frozen=True)
class Outcome:
    state: TransferState
    message: str = ""
    # What Tripletex holds now (created, updated or found); `deleted`: it holds nothing.
    remote: Remote | None = None
    deleted: bool = False
    # The fate of what was sent is unknown: look the key up before sending again.
    needs_lookup: bool = False
    request_id: str = ""
    # Worth another attempt (backoff), rather than final.
    retry: bool = False
    pause_seconds: float | None = None
    pause_reason: PauseReason = PauseReason.NONE


def sent(client: tx.TripletexClient, remote: Remote | None = None, *, deleted: bool = False) -> Outcome:
    return Outcome(TransferState.SENT, remote=remote, deleted=deleted, request_id=request_id_of(client))


def unclear(request_id: str = "") -> Outcome:
    return Outcome(
        TransferState.PENDING,
        needs_lookup=True,
        retry=True,
        message=str(STATUS_UNCLEAR),
        request_id=request_id,
    )


def conflict(client: tx.TripletexClient) -> Outcome:
    return Outcome(TransferState.CONFLICT, message=str(STATUS_CONFLICT), request_id=request_id_of(client))


def not_linked() -> Outcome:
    return Outcome(TransferState.FAILED, message=str(STATUS_NOT_LINKED))


def guarded(sync: Callable[[], Outcome]) -> Outcome:
    """Run one sync and turn every Tripletex failure into an outcome."""
    try:
        return sync()
    except tx.TripletexError as error:
        return outcome_of(error)


def outcome_of(error: tx.TripletexError) -> Outcome:
    """The outcome of a call that raised. Anything not a Tripletex error is not caught here: the
    worker dies with it and the row's lease and attempt counter take over."""
    request_id = error.request_id or ""
    if isinstance(error, tx.DuplicateEntry):
        # Someone stored an entry on this key: find it before anything else.
        return unclear()
    if isinstance(error, tx.MaybeSent | tx.ServerError | tx.InvalidResponse):
        return unclear(request_id)
    if isinstance(error, tx.NotSent):
        return Outcome(TransferState.PENDING, retry=True, message=str(STATUS_UNREACHABLE))
    if isinstance(error, tx.RateLimited):
        return Outcome(
            TransferState.PENDING,
            retry=True,
            message=str(STATUS_THROTTLED),
            pause_seconds=error.reset_seconds,
            pause_reason=PauseReason.RATE,
            request_id=request_id,
        )
    if isinstance(error, tx.AuthenticationError):
        return Outcome(
            TransferState.PENDING,
            retry=True,
            message=str(STATUS_KEY_INVALID),
            pause_reason=PauseReason.KEY,
            request_id=request_id,
        )
    if isinstance(error, tx.Locked):
        return Outcome(TransferState.FAILED, message=str(STATUS_LOCKED), request_id=request_id)
    if isinstance(error, tx.ApiError):
        return Outcome(
            TransferState.FAILED,
            message=str(STATUS_REFUSED % {"message": _explain(error)}),
            request_id=request_id,
        )
    raise error


def request_id_of(client: tx.TripletexClient) -> str:
    info = client.last_response_info
    return (getattr(info, "request_id", None) or "") if info else ""


def _explain(error: tx.ApiError) -> str:
    details = "; ".join(m.message for m in error.validation_messages if m.message)
    return details or error.message
