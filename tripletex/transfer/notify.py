"""Who hears of hours that did not reach Tripletex (docs/transfer.md#outcomes): the administrators
once per failure episode (until a transfer succeeds again), and each manager whose approved hours
did not arrive, once per episode too. Sent after the recording transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from hr.models import Employee, EntryStatus, HourEntry, Role
from tripletex.models import Connection, RemoteHours, TransferState
from tripletex.transfer.kind import Row
from tripletex.transfer.texts import (
    ADMIN_FAILURE_BODY,
    ADMIN_FAILURE_SUBJECT,
    APPROVER_FAILURE_BODY,
    APPROVER_FAILURE_SUBJECT,
)

Mail = tuple[str, str, None, list[str]]


def failure_notify_once(connection: Connection, row: Row) -> None:
    """Call with the connection locked (or freshly claimed) and the row in its final state."""
    new_episode = connection.failure_notified_at is None
    if new_episode:
        connection.failure_notified_at = timezone.now()
        connection.failure_notified_approvers = []
    messages = _approver_messages(connection, row)
    if not new_episode and not messages:
        return
    connection.save(update_fields=["failure_notified_at", "failure_notified_approvers"])
    if new_episode:
        messages += _administrator_messages(connection, row)
    transaction.on_commit(lambda: send_mass_mail(messages))


def _administrator_messages(connection: Connection, row: Row) -> list[Mail]:
    recipients = Employee.objects.filter(
        company_id=connection.company_id, role=Role.ADMINISTRATOR, is_active=True
    ).values_list("email", flat=True)
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(ADMIN_FAILURE_SUBJECT)
        body = str(ADMIN_FAILURE_BODY) % {
            "message": row.message,
            "link": settings.SITE_URL.rstrip("/") + "/innstillinger/tripletex/overforinger/",
        }
    return [(subject, body, None, [email]) for email in recipients]


def _approver_messages(connection: Connection, row: Row) -> list[Mail]:
    """One e-mail to each manager who approved the failed hours and has not been told in this
    episode; administrators hear of it as administrators. Marks them told on the connection."""
    if row.state not in (TransferState.FAILED, TransferState.CONFLICT):
        return []
    third = (
        {"project_id": row.project_id} if isinstance(row, RemoteHours) else {"wage_type_id": row.wage_type_id}
    )
    entries = HourEntry.objects.filter(
        company_id=connection.company_id,
        employee_id=row.employee_id,
        date=row.date,
        status=EntryStatus.APPROVED,
        **third,
    )
    told = set(connection.failure_notified_approvers)
    approvers = (
        Employee.objects.filter(
            company_id=connection.company_id, id__in=entries.values("decided_by_id"), is_active=True
        )
        .exclude(role=Role.ADMINISTRATOR)
        .exclude(id__in=told)
        .order_by("id")
    )
    what = row.project if isinstance(row, RemoteHours) else row.wage_type
    messages = []
    # Written in the company's language: people have no language of their own in the product.
    with translation.override(settings.LANGUAGE_CODE):
        for approver in approvers:
            body = str(APPROVER_FAILURE_BODY) % {
                "name": row.employee.full_name,
                "date": date_format(row.date, "SHORT_DATE_FORMAT"),
                "what": str(what),
                "message": row.message,
                "link": settings.SITE_URL.rstrip("/") + reverse("hr:approval"),
            }
            messages.append((str(APPROVER_FAILURE_SUBJECT), body, None, [approver.email]))
            told.add(approver.id)
    connection.failure_notified_approvers = sorted(told)
    return messages
