"""The seam between hour approval and an accounting system.

hr knows nothing of Tripletex. Approval asks the registered payroll integration whether entries can
be sent, and tells it what was approved or reopened. The tripletex app implements this and registers
itself in its AppConfig.ready(); without one, approval works on its own.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest

    from hr.models import Company, Employee, HourEntry, Project, WageType


@dataclass(frozen=True)
class TransferStatus:
    """Where an approved entry is in the accounting system, as the pages show it."""

    state: str  # pending, sent, failed, conflict, not_sent
    label: str
    message: str = ""
    # The accounting system's own words, shown beside the message as they are (not translated).
    quoted: str = ""


class PayrollIntegration(Protocol):
    def approval_blockers(self, *, company: Company, entries: Sequence[HourEntry]) -> dict[int, str]:
        """Entry id → why it cannot be sent (for reasons known locally). Empty when all can."""
        ...

    def row_warnings(
        self,
        *,
        company: Company,
        employee: Employee,
        rows: Sequence[tuple[Project, WageType]],
        date: datetime.date,
    ) -> dict[tuple[int, int], str]:
        """(project id, lønnsart id) → why hours on that row and date could not be sent once
        approved, for reasons known locally: the same checks as approval_blockers, shown while typing."""
        ...

    def entries_approved(self, *, company: Company, entries: Sequence[HourEntry]) -> None:
        """Called inside the approval's transaction."""
        ...

    def reopen_prepare(self, *, company: Company, entry_ids: Sequence[int]) -> object:
        """Called before the reopen's transaction opens, with the ids asked for (not yet checked
        or locked): anything the accounting system must be asked over the network is asked here,
        never while entries are locked. Raises ValidationError to refuse the reopen. The result is
        handed to entries_reopened as it is."""
        ...

    def entries_reopened(self, *, company: Company, entries: Sequence[HourEntry], prepared: object) -> None:
        """Called inside the reopen's transaction, after the entries' status has changed, with what
        reopen_prepare returned; makes no network call. Raises ValidationError to refuse the reopen
        (the whole transaction then rolls back), e.g. when what was prepared no longer holds."""
        ...

    def settings_panel(self, *, request: HttpRequest, actor: Employee) -> str:
        """HTML for the «Integrasjoner» section of «Selskapsinnstillinger» → «Generelt»."""
        ...

    def transfer_statuses(
        self, *, company: Company, entries: Sequence[HourEntry]
    ) -> dict[int, TransferStatus]:
        """Entry id → its transfer status, for approved entries. A fixed number of queries."""
        ...

    def transfer_states_annotate(
        self, *, company: Company, entries: QuerySet[HourEntry]
    ) -> QuerySet[HourEntry]:
        """The entries with `transfer_state` annotated in SQL: the state (pending, sent, failed,
        conflict, not_sent) of each approved entry, None where there is none. The same answer as
        transfer_statuses, for reports and exports over any number of entries in one query."""
        ...

    def transfer_state_labels(self) -> dict[str, str]:
        """Transfer state → its label, in the current language, every state listed."""
        ...


class NoIntegration:
    def approval_blockers(self, *, company: Company, entries: Sequence[HourEntry]) -> dict[int, str]:
        return {}

    def row_warnings(
        self,
        *,
        company: Company,
        employee: Employee,
        rows: Sequence[tuple[Project, WageType]],
        date: datetime.date,
    ) -> dict[tuple[int, int], str]:
        return {}

    def entries_approved(self, *, company: Company, entries: Sequence[HourEntry]) -> None:
        return None

    def reopen_prepare(self, *, company: Company, entry_ids: Sequence[int]) -> object:
        return None

    def entries_reopened(self, *, company: Company, entries: Sequence[HourEntry], prepared: object) -> None:
        return None

    def settings_panel(self, *, request: HttpRequest, actor: Employee) -> str:
        return ""

    def transfer_statuses(
        self, *, company: Company, entries: Sequence[HourEntry]
    ) -> dict[int, TransferStatus]:
        return {}

    def transfer_states_annotate(
        self, *, company: Company, entries: QuerySet[HourEntry]
    ) -> QuerySet[HourEntry]:
        from django.db.models import CharField, Value

        return entries.annotate(transfer_state=Value(None, output_field=CharField()))

    def transfer_state_labels(self) -> dict[str, str]:
        return {}


_integration: PayrollIntegration = NoIntegration()


def integration_register(integration: PayrollIntegration) -> None:
    global _integration
    _integration = integration


def integration_get() -> PayrollIntegration:
    return _integration
