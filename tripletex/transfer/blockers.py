"""Why approved hours cannot be sent, for reasons known here before anything is sent
(docs/transfer.md#blockers): the approval refuses them and the week grid warns with the same words."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Links:
    """What the entries' employees, projects and lønnsarter are linked to in Tripletex."""

    employees: dict[int, int]  # employee → Tripletex employee
    # project → its participants' Tripletex ids when only participants may register, else None
    participants: dict[int, set[int] | None]
    wage_types: set[int]


def approval_blockers(*, company: Company, entries: Sequence[HourEntry]) -> dict[int, str]:
    """Why entries cannot be sent, for reasons known here (docs/transfer.md#blockers). A fixed number
    of queries."""
    connection = active_connection(company)
    if connection is None or not entries:
        return {}
    links = _links(company, tripletex_company_of(connection), entries)
    blockers: dict[int, str] = {}
    for entry in entries:
        if before_send_from(connection, entry.date):
            continue  # never sent, so nothing to stop
        reason = _blocker(entry, links)
        if reason:
            blockers[entry.id] = reason
    return blockers


def _links(company: Company, tripletex_company: int, entries: Sequence[HourEntry]) -> Links:
    scope = {"company": company, "tripletex_company_id": tripletex_company}
    employees = EmployeeLink.objects.filter(**scope, employee_id__in={e.employee_id for e in entries})
    # Participants-only projects: who may register hours there, as of the last «Ferdigstill».
    projects = ProjectLink.objects.filter(**scope, project_id__in={e.project_id for e in entries})
    wage_types = WageTypeLink.objects.filter(**scope, wage_type_id__in={e.wage_type_id for e in entries})
    return Links(
        employees=dict(employees.values_list("employee_id", "tripletex_id")),
        participants={
            project_id: set(ids) if only else None
            for project_id, only, ids in projects.values_list(
                "project_id", "participants_only", "participant_ids"
            )
        },
        wage_types=set(wage_types.values_list("wage_type_id", flat=True)),
    )


def _blocker(entry: HourEntry, links: Links) -> str:
    """The first reason the entry cannot be sent, or ""."""
    if entry.employee_id not in links.employees:
        return str(BLOCK_EMPLOYEE % {"name": entry.employee.full_name})
    if entry.project.is_closed:
        # Before the link: a closed project cannot be imported, so «koble det» would not help.
        return str(BLOCK_PROJECT_CLOSED % {"project": str(entry.project)})
    if entry.project_id not in links.participants:
        return str(BLOCK_PROJECT % {"project": str(entry.project)})
    allowed = links.participants[entry.project_id]
    if allowed is not None and links.employees[entry.employee_id] not in allowed:
        return str(BLOCK_NOT_PARTICIPANT % {"name": entry.employee.full_name, "project": str(entry.project)})
    if not entry.wage_type.is_builtin and entry.wage_type_id not in links.wage_types:
        return str(BLOCK_WAGE_TYPE % {"wage_type": entry.wage_type.name})
    return ""


def before_send_from(connection: Connection, date: datetime.date) -> bool:
    """«Send godkjente timer fra og med»: hours dated before the connection's date are not sent."""
    return connection.send_hours_from is not None and date < connection.send_hours_from
