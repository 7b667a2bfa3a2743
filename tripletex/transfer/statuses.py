"""Each approved entry's transfer status, for the pages and the API (through the seam)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.formats import date_format

from hr.integration import TransferStatus
from hr.models import Company, EntryStatus, HourEntry
from tripletex.models import Connection, RemoteHours, RemoteSalaryLine, TransferState
from tripletex.transfer.kind import Row
from tripletex.transfer.texts import STATUS_BEFORE_SEND_FROM, message_shown


def transfer_statuses(*, company: Company, entries: Sequence[HourEntry]) -> dict[int, TransferStatus]:
    """Each approved entry's transfer status, from the row of its key; hours dated before the
    connection's «Send godkjente timer fra og med» say so. A fixed number of queries."""
    approved = [e for e in entries if e.status == EntryStatus.APPROVED]
    if not approved:
        return {}
    connection = Connection.objects.filter(company=company).first()
    send_from = connection.send_hours_from if connection is not None else None
    rows = RemoteHours.objects.filter(
        company=company,
        employee_id__in={e.employee_id for e in approved},
        date__range=(min(e.date for e in approved), max(e.date for e in approved)),
    ).order_by("changed_at")
    by_key = {(r.employee_id, r.date, r.project_id): r for r in rows}
    lines = RemoteSalaryLine.objects.filter(
        company=company,
        employee_id__in={e.employee_id for e in approved},
        date__range=(min(e.date for e in approved), max(e.date for e in approved)),
    ).order_by("changed_at")
    line_by_key = {(line.employee_id, line.date, line.wage_type_id): line for line in lines}
    labels = dict(TransferState.choices)
    statuses = {}
    for entry in approved:
        row: Row | None = by_key.get((entry.employee_id, entry.date, entry.project_id))
        line = line_by_key.get((entry.employee_id, entry.date, entry.wage_type_id))
        # The lønnsart line speaks for the entry when it is the one that did not arrive.
        if line is not None and (row is None or line.state in (TransferState.FAILED, TransferState.CONFLICT)):
            row = line
        if row is not None:
            message, quoted = message_shown(row.message)
            statuses[entry.id] = TransferStatus(
                state=row.state, label=str(labels[row.state]), message=message, quoted=quoted
            )
        elif send_from is not None and entry.date < send_from:
            statuses[entry.id] = TransferStatus(
                state=TransferState.NOT_SENT,
                label=str(labels[TransferState.NOT_SENT]),
                message=str(STATUS_BEFORE_SEND_FROM % {"date": date_format(send_from, "SHORT_DATE_FORMAT")}),
            )
    return statuses
