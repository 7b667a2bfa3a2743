"""Timesheet entries: the hours of one key (employee, date, project, activity) as one Tripletex
entry, with the employees' comments behind the marker."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from tripletex import client as tx
from tripletex.models import Connection, ProjectLink, RemoteHours
from tripletex.transfer.comments import MARKER
from tripletex.transfer.kind import NewObject, Remote, RemoteKind, Row, Target, Wanted
from tripletex.transfer.refs import Kind


class HoursKind(RemoteKind):
    kind = Kind.HOURS
    model = RemoteHours
    key_field = "project_id"
    remote_field = "activity_id"
    attempt_field = "remote"
    # POST /timesheet/entry/list takes many entries; a hundred keeps one answer small.
    batch_size = 100

    def remote_of(self, connection: Connection, thirds: Iterable[int]) -> dict[int, int]:
        assert connection.tripletex_company_id is not None
        return dict(
            ProjectLink.objects.filter(
                company_id=connection.company_id,
                tripletex_company_id=connection.tripletex_company_id,
                project_id__in=set(thirds),
            ).values_list("project_id", "activity_id")
        )

    def wanted_text(self, row: Row) -> str:
        assert isinstance(row, RemoteHours)
        # Rows from before comments were sent carry the marker alone.
        return row.wanted_comment or MARKER

    def targets(self, rows: Sequence[Row]) -> dict[int, Target]:
        employees = super().targets(rows)
        if not employees:
            return {}
        projects = dict(
            ProjectLink.objects.filter(
                tripletex_company_id=rows[0].tripletex_company_id,
                project_id__in={row.project_id for row in rows if isinstance(row, RemoteHours)},
            ).values_list("project_id", "tripletex_id")
        )
        return {
            row.id: Target(employees[row.id].employee_id, projects[row.project_id])
            for row in rows
            if isinstance(row, RemoteHours) and row.id in employees and row.project_id in projects
        }

    def lookup(self, client: tx.TripletexClient, row: Row, target: Target) -> list[Remote]:
        assert isinstance(row, RemoteHours) and target.project_id is not None
        return [
            entry
            for entry in client.timesheet_entries(
                date_from=row.date,
                date_to=row.date + datetime.timedelta(days=1),
                employee_ids=[target.employee_id],
                project_ids=[target.project_id],
                activity_ids=[row.activity_id],
            )
            if entry.date == row.date
            and entry.project_id == target.project_id
            and entry.activity_id == row.activity_id
        ]

    def read(self, client: tx.TripletexClient, remote_id: int) -> Remote:
        return client.timesheet_entry(remote_id)

    def create(self, client: tx.TripletexClient, new: NewObject) -> Remote:
        return client.timesheet_entry_create(entry=_new_entry(new))

    def create_batch(self, client: tx.TripletexClient, news: Sequence[NewObject]) -> list[Remote | None]:
        entries = [_new_entry(new) for new in news]
        created = client.timesheet_entries_create(entries=entries)
        by_key = {(e.employee_id, e.date, e.project_id, e.activity_id): e for e in created}
        return [by_key.get((e.employee_id, e.date, e.project_id, e.activity_id)) for e in entries]

    def update(self, client: tx.TripletexClient, new: NewObject, remote_id: int, version: int) -> Remote:
        fields = _new_entry(new)
        return client.timesheet_entry_update(
            entry=tx.TimesheetEntry(
                id=remote_id,
                version=version,
                employee_id=fields.employee_id,
                activity_id=fields.activity_id,
                project_id=fields.project_id,
                date=fields.date,
                hours=fields.hours,
                comment=fields.comment,
                locked=False,
            )
        )

    def delete(self, client: tx.TripletexClient, remote_id: int, version: int) -> None:
        client.timesheet_entry_delete(entry_id=remote_id, version=version)

    def held(self, remote: Remote) -> Wanted:
        assert isinstance(remote, tx.TimesheetEntry)
        return Wanted(remote.hours, remote.comment)


def _new_entry(new: NewObject) -> tx.NewTimesheetEntry:
    row = new.row
    assert isinstance(row, RemoteHours) and new.target.project_id is not None
    return tx.NewTimesheetEntry(
        employee_id=new.target.employee_id,
        activity_id=row.activity_id,
        project_id=new.target.project_id,
        date=row.date,
        hours=new.wanted.amount,
        comment=new.wanted.text,
    )
