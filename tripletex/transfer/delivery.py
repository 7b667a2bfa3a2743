"""Delivery (docs/transfer.md#coalescing): take up to a list's worth of a company's due rows of each
kind, make Tripletex equal to them, record every outcome in one transaction. A company's rows go
together whichever approvals made them due, so a hundred entries cost one request."""

from __future__ import annotations

from collections.abc import Sequence

from tripletex.models import Connection, TransferState
from tripletex.transfer.clients import client_of
from tripletex.transfer.kind import RemoteKind
from tripletex.transfer.machine import CLAIM_SIZE, Claim, claim, connection_ready
from tripletex.transfer.outcomes import not_linked
from tripletex.transfer.record import record
from tripletex.transfer.refs import RowRef
from tripletex.transfer.registry import KINDS
from tripletex.transfer.sync import Result, create_lists, is_fresh, sync_one


def deliver_company(*, company_id: int) -> dict[RowRef, TransferState]:
    """One round for the company: its due rows (up to CLAIM_SIZE of each kind). Returns the state
    each claimed row ended in; the caller goes again while a full list was claimed."""
    connection = connection_ready(Connection.objects.filter(company_id=company_id).first(), company_id)
    if connection is None:
        return {}
    return _deliver(connection, {kind: claim(kind, connection) for kind in KINDS.values()})


def deliver(refs: Sequence[RowRef]) -> dict[RowRef, TransferState | None]:
    """Deliver these rows now, if they are due (None: not due, or held by another delivery)."""
    states: dict[RowRef, TransferState | None] = {ref: None for ref in refs}
    by_company: dict[int, dict[RemoteKind, list[int]]] = {}
    for kind in KINDS.values():
        ids = [ref.id for ref in refs if ref.kind == kind.kind]
        for company_id, row_id in kind.rows().filter(id__in=ids).values_list("company_id", "id"):
            by_company.setdefault(company_id, {}).setdefault(kind, []).append(row_id)
    for company_id, wanted in by_company.items():
        connection = connection_ready(Connection.objects.filter(company_id=company_id).first(), company_id)
        if connection is None:
            continue
        for start in range(0, max(len(ids) for ids in wanted.values()), CLAIM_SIZE):
            chosen = {
                kind: claim(kind, connection, ids=ids[start : start + CLAIM_SIZE])
                for kind, ids in wanted.items()
            }
            states.update(_deliver(connection, chosen))
    return states


def _deliver(connection: Connection, claims: dict[RemoteKind, list[Claim]]) -> dict[RowRef, TransferState]:
    if not any(claims.values()):
        return {}
    client = client_of(connection)
    results: list[Result] = []
    for kind, mine in claims.items():
        targets = kind.targets([c.row for c in mine])
        for c in mine:
            c.target = targets.get(c.row.id)
        results += [(c, not_linked()) for c in mine if c.target is None]
        ready = [c for c in mine if c.target is not None]
        results += create_lists(client, kind, [c for c in ready if is_fresh(c)])
        results += [(c, sync_one(client, c)) for c in ready if not is_fresh(c)]
    return record(connection.id, results)
