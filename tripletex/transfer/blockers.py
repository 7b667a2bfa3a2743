"""Why approved hours cannot be sent, for reasons known here before anything is sent
(docs/transfer.md#blockers): the approval refuses them and the week grid warns with the same words."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from hr.models import Company, HourEntry
from tripletex.models import Connection, EmployeeLink, ProjectLink, WageTypeLink
from tripletex.transfer.texts import (
    BLOCK_EMPLOYEE,
    BLOCK_NOT_PARTICIPANT,
    BLOCK_PROJECT,
    BLOCK_PROJECT_CLOSED,
    BLOCK_WAGE_TYPE,
)


def active_connection(company: Company) -> Connection | None:
    return Connection.objects.filter(company=company, is_active=True).first()


def tripletex_company_of(connection: Connection) -> int:
    # An active connection always has one (a database constraint); a removed one keeps its last.
    assert connection.tripletex_company_id is not None
    return connection.tripletex_company_id


def approval_blockers(*, company: Company, entries: Sequence[HourEntry]) -> dict[int, str]:
    """Why entries cannot be sent, for reasons known here (docs/transfer.md#blockers). A fixed number
    of queries."""
    connection = active_connection(company)
    if connection is None or not entries:
        return {}
    tripletex_company = tripletex_company_of(connection)

    def linked(model: type[Any], field: str) -> set[int]:
        ids = {getattr(e, field) for e in entries}
        return set(
            model.objects.filter(
                company=company, tripletex_company_id=tripletex_company, **{f"{field}__in": ids}
            ).values_list(field, flat=True)
        )

    employee_links = dict(
        EmployeeLink.objects.filter(
            company=company,
            tripletex_company_id=tripletex_company,
            employee_id__in={e.employee_id for e in entries},
        ).values_list("employee_id", "tripletex_id")
    )
    # Participants-only projects: who may register hours there, as of the last «Ferdigstill».
    participants = {
        project_id: set(ids) if only else None
        for project_id, only, ids in ProjectLink.objects.filter(
            company=company,
            tripletex_company_id=tripletex_company,
            project_id__in={e.project_id for e in entries},
        ).values_list("project_id", "participants_only", "participant_ids")
    }
    linked_employees = set(employee_links)
    linked_projects = set(participants)
    linked_wage_types = linked(WageTypeLink, "wage_type_id")
    blockers: dict[int, str] = {}
    for entry in entries:
        if before_send_from(connection, entry.date):
            continue  # never sent, so nothing to stop
        if entry.employee_id not in linked_employees:
            blockers[entry.id] = str(BLOCK_EMPLOYEE % {"name": entry.employee.full_name})
        elif entry.project.is_closed:
            # Before the link: a closed project cannot be imported, so «koble det» would not help.
            blockers[entry.id] = str(BLOCK_PROJECT_CLOSED % {"project": str(entry.project)})
        elif entry.project_id not in linked_projects:
            blockers[entry.id] = str(BLOCK_PROJECT % {"project": str(entry.project)})
        elif (allowed := participants[entry.project_id]) is not None and (
            employee_links[entry.employee_id] not in allowed
        ):
            blockers[entry.id] = str(
                BLOCK_NOT_PARTICIPANT % {"name": entry.employee.full_name, "project": str(entry.project)}
            )
        elif not entry.wage_type.is_builtin and entry.wage_type_id not in linked_wage_types:
            blockers[entry.id] = str(BLOCK_WAGE_TYPE % {"wage_type": entry.wage_type.name})
    return blockers


def before_send_from(connection: Connection, date: datetime.date) -> bool:
    """«Send godkjente timer fra og med»: hours dated before the connection's date are not sent."""
    return connection.send_hours_from is not None and date < connection.send_hours_from
