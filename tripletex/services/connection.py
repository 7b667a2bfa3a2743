"""The company's Tripletex connection: a client for its key, and removal."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hr.models import Company, Employee
from tripletex import crypto
from tripletex.client import TripletexClient
from tripletex.models import AuditAction, AuditEvent, Connection, PauseReason, WizardRun, WizardStatus
from tripletex.transfer.control import transfers_cancel

ONLY_ADMINISTRATORS = _("Bare administratorer kan koble til Tripletex.")
NOT_CONNECTED = _("Integrasjonen med Tripletex er ikke satt opp.")
REMOVE_WHILE_WIZARD_OPEN = _(
    "Et oppsett av Tripletex pågår. Fullfør eller avbryt det før du fjerner integrasjonen."
)


def require_administrator(actor: Employee) -> None:
    if not actor.is_administrator:
        raise PermissionDenied(ONLY_ADMINISTRATORS)


def client_for_token(employee_token: str) -> TripletexClient:
    """A client for one key, at the Tripletex the settings name; never at a user-given address."""
    return TripletexClient(employee_token=employee_token)


def connection_client(*, company: Company) -> TripletexClient:
    connection = Connection.objects.get(company=company, is_active=True)
    return client_for_token(crypto.secret_decrypt(connection.employee_token))


def audit(
    *,
    company: Company,
    actor: Employee | None,
    action: str,
    connection: Connection | None,
    details: dict[str, Any],
) -> AuditEvent:
    return AuditEvent.objects.create(
        company=company,
        actor=actor,
        actor_name=actor.full_name if actor else "",
        action=action,
        tripletex_company_id=connection.tripletex_company_id if connection else None,
        tripletex_company_name=connection.tripletex_company_name if connection else "",
        details=details,
    )


@transaction.atomic
def connection_remove(*, actor: Employee) -> Connection:
    """«Fjern integrasjonen»: forget the key, keep every import, link and history
    (docs/transfer.md#removal). Refused while a wizard is open: an update may rely on the key."""
    require_administrator(actor)
    if WizardRun.objects.filter(company=actor.company, status=WizardStatus.OPEN).exists():
        raise ValidationError(REMOVE_WHILE_WIZARD_OPEN, code="wizard_open")
    connection = Connection.objects.select_for_update().filter(company=actor.company, is_active=True).first()
    if connection is None:
        raise PermissionDenied(NOT_CONNECTED)
    connection.is_active = False
    connection.employee_token = ""
    connection.removed_at = timezone.now()
    connection.paused_until, connection.pause_reason = None, PauseReason.NONE
    connection.save()
    transfers_cancel(company=actor.company)
    audit(company=actor.company, actor=actor, action=AuditAction.REMOVED, connection=connection, details={})
    return connection


def connection_keys_rotate() -> int:
    """Re-encrypt every stored key with the first of settings.ENCRYPTION_KEYS. Returns how many."""
    count = 0
    for model in (Connection, WizardRun):
        for row in model.objects.exclude(employee_token="").only("id", "employee_token"):
            rotated = crypto.secret_rotate(row.employee_token)
            model.objects.filter(id=row.id).update(employee_token=rotated)
            count += 1
    return count
