"""Celery tasks: take ids, re-read, call one service."""

from __future__ import annotations

from celery import shared_task

from tripletex.services import wizard


@shared_task(acks_late=True)
def wizard_fetch_task(run_id: int, kind: str) -> None:
    wizard.wizard_fetch(run_id=run_id, kind=kind)


@shared_task(acks_late=True)
def invitations_send_task(employee_ids: list[int]) -> None:
    from hr.notifications import invitations_send

    invitations_send(employee_ids=employee_ids)
