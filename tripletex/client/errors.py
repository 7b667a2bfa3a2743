"""What can go wrong talking to Tripletex, as exceptions a caller can act on.

The transfer worker (docs/transfer.md#outcomes) needs to tell apart: a request that never
left (`NotSent`: safe to resend), one whose fate is unknown (`MaybeSent`: look the key up before
resending), throttling (`RateLimited`), an invalid key (`AuthenticationError`), the three kinds of
409 (`DuplicateEntry`, `RevisionConflict`, `Locked`) and refusals (400/403/404/422).

Messages may come from Tripletex; every text passes through the client's redaction first, so a
token echoed back by a server never reaches a log or a stored error.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class ValidationMessage:
    field: str | None
    message: str


class TripletexError(Exception):
    """Base of everything the client raises."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id


class TransportError(TripletexError):
    """No usable HTTP answer."""


class NotSent(TransportError):
    """The request never reached Tripletex (DNS, refused connection, connect timeout): resend freely."""


class MaybeSent(TransportError):
    """Tripletex may have acted on the request but we cannot tell (read timeout, connection dropped
    after sending, an unparsable 2xx answer to a write): look up before resending."""

    def __init__(self, message: str, *, request_id: str | None = None, status: int | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.status = status


class InvalidResponse(TripletexError):
    """A read got a 2xx answer that is not the JSON Tripletex promises. Reads are safe to repeat."""

    def __init__(self, message: str, *, request_id: str | None = None, status: int | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.status = status


class ApiError(TripletexError):
    """Tripletex answered with an error envelope."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | None = None,
        developer_message: str | None = None,
        validation_messages: tuple[ValidationMessage, ...] = (),
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.status = status
        self.code = code
        self.developer_message = developer_message
        self.validation_messages = validation_messages

    def __str__(self) -> str:
        parts = [f"Tripletex {self.status}"]
        if self.code is not None:
            parts.append(f"(code {self.code})")
        parts.append(f": {self.message}")
        text = " ".join(parts[:-1]) + parts[-1]
        for item in self.validation_messages:
            text += f"; {item.field}: {item.message}" if item.field else f"; {item.message}"
        if self.request_id:
            text += f" [requestId {self.request_id}]"
        return text


class BadRequest(ApiError):
    """400, e.g. an illegal `fields` filter: a bug on our side."""


class AuthenticationError(ApiError):
    """401: the session is not (or no longer) valid, even after creating a new one."""


class InvalidCredentials(AuthenticationError):
    """Tripletex refused to create a session: the consumer or employee token is wrong, expired,
    or made for another application name. The company's key must be replaced."""


class PermissionDenied(ApiError):
    """403: the employee token lacks the entitlement."""


class NotFound(ApiError):
    """404."""


class ConflictKind(Enum):
    DUPLICATE = "duplicate"
    REVISION = "revision"
    LOCKED = "locked"
    OTHER = "other"


class Conflict(ApiError):
    kind = ConflictKind.OTHER


class DuplicateEntry(Conflict):
    """409 code 14000 (or 7000 "object exists"): the key already has an entry."""

    kind = ConflictKind.DUPLICATE


class RevisionConflict(Conflict):
    """409 code 8000: our `version` is stale."""

    kind = ConflictKind.REVISION


class Locked(Conflict):
    """409 code 10000: the period is approved (locked) in Tripletex."""

    kind = ConflictKind.LOCKED


class ValidationError(ApiError):
    """422: Tripletex refused the content; its messages say why."""


class RateLimited(ApiError):
    """429, or the client's own refusal to send while the window's budget is used up (then no
    request was sent). `reset_seconds` is when to come back; None when Tripletex left out
    X-Rate-Limit-Reset (it sometimes does)."""

    def __init__(self, message: str, *, reset_seconds: int | None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.reset_seconds = reset_seconds


class ServerError(ApiError):
    """5xx. On a write the outcome is unclear, like MaybeSent."""


CONFLICT_CLASSES: dict[int, type[Conflict]] = {
    7000: DuplicateEntry,
    14000: DuplicateEntry,
    8000: RevisionConflict,
    10000: Locked,
}

STATUS_CLASSES: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    422: ValidationError,
}
