"""Celery tasks of the HR core: take ids (or nothing), call one service."""

from __future__ import annotations

from celery import shared_task

from hr.reminders import reminders_send


@shared_task(acks_late=True)
def reminders_send_task() -> int:
    """Every few minutes (beat): send the weekly reminders whose moment has passed. Safe to run in
    several processes at once and again after a restart: each reminder is claimed before it is sent."""
    return len(reminders_send())
