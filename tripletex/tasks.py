"""Celery tasks: take ids, re-read, call one service. Each is named (tripletex.dispatch sends them
by name)."""

from __future__ import annotations

from celery import shared_task

from hr.notifications import invitations_send
from tripletex import dispatch
from tripletex.services import wizard
from tripletex.transfer import delivery, queries

# Rounds one delivery task runs for a company before it hands the rest to a new task, so one busy
# company cannot hold a worker for long while others wait.
ROUNDS_PER_TASK = 5


@shared_task(name=dispatch.WIZARD_FETCH, acks_late=True)
def wizard_fetch_task(run_id: int, kind: str, attempt: int = 0) -> None:
    wait = wizard.wizard_fetch(run_id=run_id, kind=kind, attempt=attempt)
    if wait is not None:
        # Tripletex's rate limit is used up: come back when it resets; the worker is free meanwhile.
        wizard_fetch_task.apply_async((run_id, kind, attempt + 1), countdown=wait)


@shared_task(name=dispatch.INVITATIONS_SEND, acks_late=True)
def invitations_send_task(employee_ids: list[int]) -> None:
    invitations_send(employee_ids=employee_ids)


@shared_task(name=dispatch.DELIVER_COMPANY, acks_late=True)
def deliver_company_task(company_id: int) -> int:
    """Deliver the company's due rows, a list at a time; what is still due after a few rounds goes
    to a new task (behind other companies' work in the queue)."""
    delivered = 0
    for _round in range(ROUNDS_PER_TASK):
        states = delivery.deliver_company(company_id=company_id)
        delivered += len(states)
        if not states or not queries.company_has_due(company_id):
            return delivered
    dispatch.kick(company_id)
    return delivered


@shared_task(name="tripletex.transfer_sweep", acks_late=True)
def transfer_sweep_task() -> int:
    """Every minute (beat): kick every company with rows due, so a lost kick or a crashed worker
    loses nothing."""
    companies = queries.companies_due()
    for company_id in companies:
        dispatch.kick(company_id)
    return len(companies)
