"""Who may do what, and company scoping that fails exactly like "not found".

Another company's id must behave like an id that does not exist (a 404), so lookups filter by
the actor's company and never reveal that the object exists elsewhere.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from hr.models import Company, Department, Employee, Role

NOT_ALLOWED_FOR_EMPLOYEE = _("Du har ikke tilgang til denne ansattes timer.")


def same_company(company: Company, *objects: Model | None) -> None:
    """Refuse objects of another company as if they did not exist."""
    for obj in objects:
        if obj is None:
            continue
        if getattr(obj, "company_id", company.id) != company.id:
            raise Http404


def managed_department_ids(actor: Employee) -> set[int]:
    """The departments whose hours the actor approves as their manager.

    The role decides: an «Ansatt» approves nothing even if a department still lists them (the
    services keep the two in step; this keeps every reader honest should they ever disagree).
    """
    cached = getattr(actor, "_managed_department_ids", None)
    if cached is None:
        if actor.role == Role.EMPLOYEE:
            cached = set()
        else:
            cached = set(Department.objects.filter(managers=actor).values_list("id", flat=True))
        actor._managed_department_ids = cached  # type: ignore[attr-defined]
    return cached


def can_act_for(actor: Employee, employee: Employee) -> bool:
    """Register and send in hours: oneself, an administrator, or the department's manager."""
    if actor.company_id != employee.company_id:
        return False
    if actor.id == employee.id or actor.is_administrator:
        return True
    return employee.department_id is not None and employee.department_id in managed_department_ids(actor)


def require_can_act_for(actor: Employee, employee: Employee) -> None:
    if actor.company_id != employee.company_id:
        raise Http404
    if not can_act_for(actor, employee):
        raise PermissionDenied(NOT_ALLOWED_FOR_EMPLOYEE)


def can_approve(actor: Employee) -> bool:
    return actor.is_administrator or bool(managed_department_ids(actor))
