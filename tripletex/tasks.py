"""Celery tasks: take ids, re-read, call one service."""

from __future__ import annotations

from celery import shared_task

from tripletex.services import wizard


@shared_task(acks_late=True)
def wizard_fetch_task(run_id: int, kind: str, attempt: int = 0) -> None:
    wait = wizard.wizard_fetch(run_id=run_id, kind=kind, attempt=attempt)
    if wait is not None:
        # Tripletex's rate limit is used up: come back when it resets; the worker is free meanwhile.
        wizard_fetch_task.apply_async((run_id, kind, attempt + 1), countdown=wait)


@shared_task(acks_late=True)
def invitations_send_task(employee_ids: list[int]) -> None:
    from hr.notifications import invitations_send

    invitations_send(employee_ids=employee_ids)


@shared_task(acks_late=True)
def transfer_deliver_task(remote_id: int) -> None:
    from tripletex.services import transfer

    transfer.transfer_deliver(remote_id=remote_id)


@shared_task(acks_late=True)
def transfer_sweep_task() -> int:
    """Every minute (beat): re-enqueue what is due, so a lost kick or a crashed worker loses nothing."""
    from tripletex.services import transfer

    due = transfer.transfers_due()
    for start in range(0, len(due), transfer.BATCH_SIZE):
        transfer_batch_task.delay(due[start : start + transfer.BATCH_SIZE])
    lines = transfer.salary_lines_due()
    for line_id in lines:
        salary_line_deliver_task.delay(line_id)
    return len(due) + len(lines)


@shared_task(acks_late=True)
def salary_line_deliver_task(line_id: int) -> None:
    from tripletex.services import transfer

    transfer.salary_line_deliver(line_id=line_id)


@shared_task(acks_late=True)
def transfer_batch_task(remote_ids: list[int]) -> None:
    from tripletex.services import transfer

    transfer.transfer_deliver_batch(remote_ids=remote_ids)
