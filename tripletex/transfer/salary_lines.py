"""Lønnsart lines (salary type specifications): per (employee, date, lønnsart imported from
Tripletex), a line whose count is the approved hours of that lønnsart that day."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from tripletex import client as tx
from tripletex.models import Connection, RemoteSalaryLine, WageTypeLink
from tripletex.transfer.comments import MARKER
from tripletex.transfer.kind import NewObject, Remote, RemoteKind, Row, Target, Wanted
from tripletex.transfer.refs import Kind


class SalaryLineKind(RemoteKind):
    kind = Kind.SALARY_LINE
    model = RemoteSalaryLine
    key_field = "wage_type_id"
    remote_field = "salary_type_id"
    attempt_field = "salary_line"
    # Tripletex has no list endpoint for salary type specifications (the official OpenAPI document,
    # v2.74.00, offers POST /timesheet/salaryTypeSpecification alone), so each create is one call.
    batch_size = 1

    def remote_of(self, connection: Connection, thirds: Iterable[int]) -> dict[int, int]:
        assert connection.tripletex_company_id is not None
        return dict(
            WageTypeLink.objects.filter(
                company_id=connection.company_id,
                tripletex_company_id=connection.tripletex_company_id,
                wage_type_id__in=set(thirds),
            ).values_list("wage_type_id", "tripletex_id")
        )

    def wanted_text(self, row: Row) -> str:
        return MARKER

    def lookup(self, client: tx.TripletexClient, row: Row, target: Target) -> list[Remote]:
        assert isinstance(row, RemoteSalaryLine)
        return [
            line
            for line in client.salary_type_specifications(
                date_from=row.date,
                date_to=row.date + datetime.timedelta(days=1),
                employee_id=target.employee_id,
            )
            if line.date == row.date and line.salary_type_id == row.salary_type_id
        ]

    def read(self, client: tx.TripletexClient, remote_id: int) -> Remote:
        return client.salary_type_specification(remote_id)

    def create(self, client: tx.TripletexClient, new: NewObject) -> Remote:
        row = new.row
        assert isinstance(row, RemoteSalaryLine)
        return client.salary_type_specification_create(
            specification=tx.NewSalaryTypeSpecification(
                employee_id=new.target.employee_id,
                salary_type_id=row.salary_type_id,
                date=row.date,
                count=new.wanted.amount,
                description=new.wanted.text,
            )
        )

    def create_batch(self, client: tx.TripletexClient, news: Sequence[NewObject]) -> list[Remote | None]:
        assert len(news) <= self.batch_size
        return [self.create(client, new) for new in news]

    def update(self, client: tx.TripletexClient, new: NewObject, remote_id: int, version: int) -> Remote:
        row = new.row
        assert isinstance(row, RemoteSalaryLine)
        return client.salary_type_specification_update(
            specification=tx.SalaryTypeSpecification(
                id=remote_id,
                version=version,
                employee_id=new.target.employee_id,
                salary_type_id=row.salary_type_id,
                date=row.date,
                count=new.wanted.amount,
                description=new.wanted.text,
            )
        )

    def delete(self, client: tx.TripletexClient, remote_id: int, version: int) -> None:
        # Tripletex deletes a line by id alone (no version parameter).
        client.salary_type_specification_delete(specification_id=remote_id)

    def held(self, remote: Remote) -> Wanted:
        assert isinstance(remote, tx.SalaryTypeSpecification)
        return Wanted(remote.count, remote.description)
