"""The one place that hands work to the Celery worker, always once the transaction commits
(docs/transfer.md#kick-and-sweep). Services never enqueue: the transfer's services return the rows
they made due, and the seam, the views and the tasks give them here. Tasks are named, not imported,
so nothing the tasks run depends back on this module.

A company's deliveries are coalesced (docs/transfer.md#coalescing): the first kick of a quiet moment
schedules one delivery TRIPLETEX_COALESCE_SECONDS later, kicks before then join it, and a full list
of due rows is delivered at once."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from grønnjobb.celery import app
from tripletex.models import Connection
from tripletex.transfer.machine import CLAIM_SIZE, due_filter
from tripletex.transfer.refs import RowRef
from tripletex.transfer.registry import KINDS

logger = logging.getLogger(__name__)

DELIVER_COMPANY = "tripletex.deliver_company"
WIZARD_FETCH = "tripletex.wizard_fetch"
INVITATIONS_SEND = "tripletex.invitations_send"
TASK_NAMES = (DELIVER_COMPANY, WIZARD_FETCH, INVITATIONS_SEND)


def deliver_on_commit(refs: Sequence[RowRef]) -> None:
    """Deliver these rows once the current transaction commits (at once outside one)."""
    if refs:
        chosen = list(refs)
        transaction.on_commit(lambda: _kick_rows(chosen))


def _kick_rows(refs: list[RowRef]) -> None:
    companies: set[int] = set()
    for kind in KINDS.values():
        ids = [ref.id for ref in refs if ref.kind == kind.kind]
        if ids:
            companies.update(kind.rows().filter(id__in=ids).values_list("company_id", flat=True).distinct())
    for company_id in sorted(companies):
        kick(company_id)


def kick(company_id: int) -> None:
    """Have the company's due rows delivered: now when a full list waits, else once the coalescing
    window closes. A lost kick loses nothing: the sweep finds what is due."""
    window = 0.0 if settings.CELERY_TASK_ALWAYS_EAGER else settings.TRIPLETEX_COALESCE_SECONDS
    try:
        if window <= 0 or _full_list_due(company_id):
            _send(DELIVER_COMPANY, company_id)
            return
        at = timezone.now() + datetime.timedelta(seconds=window)
        if _window_opened(company_id, at):
            _send(DELIVER_COMPANY, company_id, eta=at)
    except Exception:
        # The broker is away: the approval stands, and the sweep sends it (docs/transfer.md#f2).
        logger.warning("Could not enqueue the delivery of company %s; the sweep will pick it up", company_id)


def _full_list_due(company_id: int) -> bool:
    now = timezone.now()
    return any(
        kind.rows().filter(company_id=company_id, **due_filter(now))[:CLAIM_SIZE].count() >= CLAIM_SIZE
        for kind in KINDS.values()
    )


def _window_opened(company_id: int, at: datetime.datetime) -> bool:
    """Claim the company's next delivery time; False when one is already scheduled, which these
    rows join."""
    now = timezone.now()
    return bool(
        Connection.objects.filter(company_id=company_id)
        .filter(Q(delivery_due_at__isnull=True) | Q(delivery_due_at__lte=now))
        .update(delivery_due_at=at)
    )


def wizard_fetch_on_commit(run_id: int, kind: str) -> None:
    transaction.on_commit(lambda: _send(WIZARD_FETCH, run_id, kind))


def invitations_on_commit(employee_ids: list[int]) -> None:
    transaction.on_commit(lambda: _send(INVITATIONS_SEND, employee_ids))


def _send(name: str, *args: Any, eta: datetime.datetime | None = None) -> None:
    app.tasks[name].apply_async(args, eta=eta)
