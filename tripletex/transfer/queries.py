"""What is due, for the sweep (docs/transfer.md#kick-and-sweep)."""

from __future__ import annotations

import datetime

from django.db.models import Min
from django.utils import timezone

from tripletex.transfer.machine import due_filter
from tripletex.transfer.refs import RowRef
from tripletex.transfer.registry import KINDS


def companies_due(*, limit: int = 1000) -> list[int]:
    """The companies with rows due and not in flight (their kick may have been lost), the longest
    waiting first: each gets one delivery."""
    now = timezone.now()
    oldest: dict[int, datetime.datetime] = {}
    for kind in KINDS.values():
        for company_id, due_at in (
            kind.rows()
            .filter(**due_filter(now))
            .exclude(in_flight_until__gt=now)
            .values("company_id")
            .annotate(oldest=Min("next_attempt_at"))
            .order_by("oldest")
            .values_list("company_id", "oldest")[:limit]
        ):
            oldest[company_id] = min(due_at, oldest.get(company_id, due_at))
    return sorted(oldest, key=oldest.__getitem__)[:limit]


def rows_due(*, limit: int = 500) -> list[RowRef]:
    """The rows due now, of every kind."""
    now = timezone.now()
    refs: list[RowRef] = []
    for kind in KINDS.values():
        ids = (
            kind.rows()
            .filter(**due_filter(now))
            .exclude(in_flight_until__gt=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        refs += [RowRef(kind.kind, row_id) for row_id in ids]
    return refs


def company_has_due(company_id: int) -> bool:
    now = timezone.now()
    return any(
        kind.rows().filter(company_id=company_id, **due_filter(now)).exclude(in_flight_until__gt=now).exists()
        for kind in KINDS.values()
    )
