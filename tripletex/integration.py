"""Tripletex as hr's payroll integration (hr.integration): the settings panel now; the checks
before approval and the transfer after it come with the transfer itself."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db.models import Case, CharField, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from hr.integration import TransferStatus
from hr.models import Company, Employee, EntryStatus, HourEntry, Project, WageType
from tripletex import dispatch, selectors
from tripletex.models import Connection, PauseReason, RemoteHours, RemoteSalaryLine, TransferState
from tripletex.transfer import blockers, reopen, statuses, wanted


class TripletexIntegration:
    def approval_blockers(self, *, company: Company, entries: Sequence[HourEntry]) -> dict[int, str]:
        return blockers.approval_blockers(company=company, entries=entries)

    def row_warnings(
        self,
        *,
        company: Company,
        employee: Employee,
        rows: Sequence[tuple[Project, WageType]],
        date: datetime.date,
    ) -> dict[tuple[int, int], str]:
        # The approval's own checks, run on one unsaved entry per row: the warning while typing and
        # the refusal at approval can never disagree.
        probes = [
            HourEntry(
                id=-(index + 1),
                company=company,
                employee=employee,
                project=project,
                wage_type=wage_type,
                date=date,
            )
            for index, (project, wage_type) in enumerate(rows)
        ]
        found = blockers.approval_blockers(company=company, entries=probes)
        return {
            (probe.project_id, probe.wage_type_id): found[probe.id] for probe in probes if probe.id in found
        }

    def entries_approved(self, *, company: Company, entries: Sequence[HourEntry]) -> None:
        dispatch.deliver_on_commit(wanted.hours_changed(company=company, entries=entries))

    def reopen_prepare(self, *, company: Company, entry_ids: Sequence[int]) -> object:
        # Tripletex is asked here, before the reopen's transaction: refused while it holds the
        # hours locked (docs/transfer.md#reopen).
        return reopen.reopen_prepare(company=company, entry_ids=entry_ids)

    def entries_reopened(self, *, company: Company, entries: Sequence[HourEntry], prepared: object) -> None:
        # The keys are recomputed in this same transaction, so the change reaches Tripletex even if
        # the process dies before commit hooks; then, with the keys' rows locked, what was read
        # before the transaction is checked to still hold. No call to Tripletex in here.
        assert isinstance(prepared, reopen.ReopenPrepared)
        refs = wanted.hours_changed(company=company, entries=entries)
        reopen.reopen_recheck(company=company, entries=entries, prepared=prepared)
        dispatch.deliver_on_commit(refs)

    def transfer_statuses(
        self, *, company: Company, entries: Sequence[HourEntry]
    ) -> dict[int, TransferStatus]:
        return statuses.transfer_statuses(company=company, entries=entries)

    def transfer_states_annotate(
        self, *, company: Company, entries: QuerySet[HourEntry]
    ) -> QuerySet[HourEntry]:
        return _transfer_states_annotate(company=company, entries=entries)

    def transfer_state_labels(self) -> dict[str, str]:
        return {state: str(label) for state, label in TransferState.choices}

    def settings_panel(self, *, request: HttpRequest, actor: Employee) -> str:
        if not actor.is_administrator:
            return ""
        connection = selectors.connection_for(company=actor.company)
        context = {
            "connection": connection,
            "run": selectors.wizard_for(company=actor.company),
            "transfers": selectors.transfer_counts(company=actor.company) if connection else None,
            "links": selectors.link_counts(connection=connection)
            if connection is not None and connection.is_active
            else None,
            "rate_paused_until": _rate_paused_until(connection),
        }
        return render_to_string("tripletex/card.html", context, request=request)


def _rate_paused_until(connection: Connection | None) -> datetime.datetime | None:
    """When transfers resume after Tripletex answered 429, while that pause lasts."""
    if connection is None or connection.pause_reason != PauseReason.RATE or connection.paused_until is None:
        return None
    return connection.paused_until if connection.paused_until > timezone.now() else None


def _transfer_states_annotate(*, company: Company, entries: QuerySet[HourEntry]) -> QuerySet[HourEntry]:
    """statuses.transfer_statuses in SQL: the latest row of the entry's key (employee, date,
    project) speaks for it, unless its lønnsart line failed or conflicts (or there is no row); hours
    dated before «Send godkjente timer fra og med» without a row are «Ikke sendt».

    One COALESCE, so that each lookup appears once in the SQL and runs only while the ones before
    it found nothing: a sent entry costs two index look-ups, however often the state is grouped or
    sorted on (a CASE naming a subquery three times runs it up to three times per entry)."""
    send_from = Connection.objects.filter(company=company).values_list("send_hours_from", flat=True).first()

    def latest(rows: QuerySet[Any], *, key: str, state: Any) -> Subquery:
        return Subquery(
            rows.filter(
                company=company,
                employee_id=OuterRef("employee_id"),
                date=OuterRef("date"),
                **{f"{key}_id": OuterRef(f"{key}_id")},
            )
            .order_by("-changed_at")
            .annotate(shown=state)
            .values("shown")[:1],
            output_field=CharField(),
        )

    failed_states = [TransferState.FAILED, TransferState.CONFLICT]
    # The line's state when it failed or conflicts: it then speaks for the entry, whatever the row says.
    line_failed = latest(
        RemoteSalaryLine.objects.all(),
        key="wage_type",
        state=Case(When(state__in=failed_states, then=F("state")), default=Value(None)),
    )
    row_state = latest(RemoteHours.objects.all(), key="project", state=F("state"))
    line_state = latest(RemoteSalaryLine.objects.all(), key="wage_type", state=F("state"))
    before_send_from = (
        [Case(When(date__lt=send_from, then=Value(TransferState.NOT_SENT)), default=Value(None))]
        if send_from is not None
        else []
    )
    return entries.annotate(
        transfer_state=Case(
            When(
                status=EntryStatus.APPROVED,
                then=Coalesce(line_failed, row_state, line_state, *before_send_from),
            ),
            default=Value(None),
            output_field=CharField(),
        )
    )
