"""Reads, always scoped to a company."""

from __future__ import annotations

from hr.models import Employee, User


def employee_for_user(*, user: User) -> Employee | None:
    """The active employee profile of a logged-in user, with its company."""
    return (
        Employee.objects.select_related("company", "department")
        .filter(user=user, is_active=True, company__isnull=False)
        .first()
    )
