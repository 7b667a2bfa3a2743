"""What a remote kind is (docs/transfer.md#kinds): one sort of Tripletex object the outbox keeps
equal to the approved hours of a key. The delivery state machine (machine.py, sync.py) knows
kinds only through this interface; hours.py and salary_lines.py implement it."""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, cast

from django.db.models import Manager

from tripletex import client as tx
from tripletex.models import Connection, EmployeeLink, RemoteHours, RemoteSalaryLine
from tripletex.transfer.refs import Kind

Row = RemoteHours | RemoteSalaryLine
Remote = tx.TimesheetEntry | tx.SalaryTypeSpecification
# A row's key beside the company: (employee, date, project or lønnsart).
Key = tuple[int, datetime.date, int]


@dataclass(frozen=True)
class Wanted:
    """What the Tripletex object should hold: the amount (hours, or a lønnsart line's count) and
    the text (the comment with the marker, or the marker alone)."""

    amount: Decimal
    text: str


@dataclass(frozen=True)
class Target:
    """Where a row goes in Tripletex: the employee, and for hours the project."""

    employee_id: int
    project_id: int | None = None


@dataclass(frozen=True)
class NewObject:
    """One object to create: the row, where it goes, what it holds."""

    row: Row
    target: Target
    wanted: Wanted


class RemoteKind(ABC):
    """One kind of Tripletex object: its outbox table, how a row's key maps to Tripletex, and the
    calls that read and write the object."""

    kind: ClassVar[Kind]
    model: ClassVar[type[Row]]
    # The third part of a row's key, beside employee and date: the project or the lønnsart.
    key_field: ClassVar[str]
    # The Tripletex id the key's project or lønnsart maps to (the activity, the salary type).
    remote_field: ClassVar[str]
    # The TransferAttempt field that points at a row of this kind.
    attempt_field: ClassVar[str]
    # How many new objects one create call takes.
    batch_size: ClassVar[int]

    def rows(self) -> Manager[Row]:
        """The kind's outbox table."""
        return cast("Manager[Row]", self.model.objects)

    @abstractmethod
    def remote_of(self, connection: Connection, thirds: Iterable[int]) -> dict[int, int]:
        """The Tripletex id (activity, salary type) of each linked project or lønnsart given."""

    def wanted(self, row: Row) -> Wanted:
        return Wanted(row.wanted_hours, self.wanted_text(row))

    @abstractmethod
    def wanted_text(self, row: Row) -> str: ...

    def targets(self, rows: Sequence[Row]) -> dict[int, Target]:
        """Where each row goes, from the links; rows whose links are gone are left out."""
        if not rows:
            return {}
        employees = dict(
            EmployeeLink.objects.filter(
                tripletex_company_id=rows[0].tripletex_company_id,
                employee_id__in={row.employee_id for row in rows},
            ).values_list("employee_id", "tripletex_id")
        )
        return {row.id: Target(employees[row.employee_id]) for row in rows if row.employee_id in employees}

    @abstractmethod
    def lookup(self, client: tx.TripletexClient, row: Row, target: Target) -> list[Remote]:
        """The objects Tripletex holds on the row's key."""

    @abstractmethod
    def read(self, client: tx.TripletexClient, remote_id: int) -> Remote: ...

    @abstractmethod
    def create(self, client: tx.TripletexClient, new: NewObject) -> Remote: ...

    @abstractmethod
    def create_batch(self, client: tx.TripletexClient, news: Sequence[NewObject]) -> list[Remote | None]:
        """Create many in one call; the answer in the order given (None: not in the answer)."""

    @abstractmethod
    def update(self, client: tx.TripletexClient, new: NewObject, remote_id: int, version: int) -> Remote: ...

    @abstractmethod
    def delete(self, client: tx.TripletexClient, remote_id: int, version: int) -> None: ...

    @abstractmethod
    def held(self, remote: Remote) -> Wanted:
        """What a Tripletex object holds, to compare with what it should."""
