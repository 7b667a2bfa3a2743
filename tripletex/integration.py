"""Tripletex as hr's payroll integration (hr.integration): the settings panel now; the checks
before approval and the transfer after it come with the transfer itself."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string

from hr.integration import TransferStatus
from hr.models import Company, Employee, HourEntry
from tripletex import selectors
from tripletex.services import transfer


class TripletexIntegration:
    def approval_blockers(self, *, company: Company, entries: Sequence[HourEntry]) -> dict[int, str]:
        return transfer.approval_blockers(company=company, entries=entries)

    def entries_approved(self, *, company: Company, entries: Sequence[HourEntry]) -> None:
        transfer.deliver_on_commit(transfer.hours_changed(company=company, entries=entries))

    def entries_reopened(self, *, company: Company, entries: Sequence[HourEntry]) -> None:
        # Refused while Tripletex holds them locked; otherwise the remote entry follows once the
        # reopened hours are no longer approved (hr sets the status after this call).
        transfer.reopen_check(company=company, entries=entries)
        transaction.on_commit(lambda: _after_reopen(company.id, [e.id for e in entries]))

    def transfer_statuses(
        self, *, company: Company, entries: Sequence[HourEntry]
    ) -> dict[int, TransferStatus]:
        return transfer.transfer_statuses(company=company, entries=entries)

    def settings_panel(self, *, request: HttpRequest, actor: Employee) -> str:
        if not actor.is_administrator:
            return ""
        connection = selectors.connection_for(company=actor.company)
        context = {
            "connection": connection,
            "run": selectors.wizard_for(company=actor.company),
            "transfers": selectors.transfer_counts(company=actor.company) if connection else None,
        }
        return render_to_string("tripletex/card.html", context, request=request)


def _after_reopen(company_id: int, entry_ids: list[int]) -> None:
    with transaction.atomic():
        entries = list(HourEntry.objects.filter(company_id=company_id, id__in=entry_ids))
        if entries:
            transfer.deliver_on_commit(transfer.hours_changed(company=entries[0].company, entries=entries))
