"""The transfer's audit trail: every call made for a row, and what came of it (TransferAttempt)."""

from __future__ import annotations

from collections.abc import Iterable

from tripletex.models import TransferAttempt
from tripletex.transfer.kind import Row
from tripletex.transfer.registry import kind_of


def attempt_new(row: Row, action: str, outcome: str = "started", **fields: object) -> TransferAttempt:
    return TransferAttempt(**{kind_of(row).attempt_field: row}, action=action, outcome=outcome, **fields)


def attempt_log(row: Row, action: str) -> None:
    """Written before the call, so a worker that dies in it leaves the trace."""
    attempt_new(row, action).save()


def attempts_log(rows: Iterable[Row], action: str) -> None:
    TransferAttempt.objects.bulk_create([attempt_new(row, action) for row in rows])
