"""The registry of remote kinds: every kind the outbox delivers, in the order rows are locked."""

from __future__ import annotations

from tripletex.transfer.hours import HoursKind
from tripletex.transfer.kind import RemoteKind, Row
from tripletex.transfer.refs import Kind, RowRef
from tripletex.transfer.salary_lines import SalaryLineKind

# Approval, recording and removal lock rows kind by kind in this order, ids ascending within a
# kind, so two transactions never lock in opposite orders.
KINDS: dict[Kind, RemoteKind] = {Kind.HOURS: HoursKind(), Kind.SALARY_LINE: SalaryLineKind()}


def kind_of(row: Row) -> RemoteKind:
    return next(kind for kind in KINDS.values() if isinstance(row, kind.model))


def ref_of(row: Row) -> RowRef:
    return RowRef(kind_of(row).kind, row.id)
