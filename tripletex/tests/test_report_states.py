"""The transfer states «Rapporter» sums and exports (TripletexIntegration.transfer_states_annotate)
are the ones «Mine timer» shows (transfer_statuses), computed in SQL for any number of entries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count

from hr import reports
from hr.integration import integration_get
from hr.models import EntryStatus, HourEntry, WageType
from hr.tests.factories import (
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    HourEntryFactory,
    ProjectFactory,
    WageTypeFactory,
    administrator_of,
)
from tripletex.models import Connection, RemoteHours, RemoteSalaryLine, TransferState

pytestmark = pytest.mark.django_db

SEND_FROM = datetime.date(2026, 12, 3)
DECIDED = datetime.datetime(2026, 12, 10, 12, 0, tzinfo=datetime.UTC)


def test_the_annotation_agrees_with_the_statuses_of_mine_timer():
    # given: approved entries whose keys have a row, a failed lønnsart line, both, nothing (before
    # and after «Send godkjente timer fra og med»), a registered entry, and another company's rows
    company = CompanyFactory.create()
    Connection.objects.create(company=company, tripletex_company_id=77, send_hours_from=SEND_FROM)
    worker = EmployeeFactory.create(company=company, department=DepartmentFactory.create(company=company))
    project = ProjectFactory.create(company=company)
    ordinary = WageType.objects.get(company=company, is_builtin=True)
    overtime = WageTypeFactory.create(company=company)

    def approved(day: int, wage_type: WageType = ordinary, status: str = EntryStatus.APPROVED) -> HourEntry:
        return HourEntryFactory.create(
            employee=worker,
            project=project,
            wage_type=wage_type,
            date=datetime.date(2026, 12, day),
            hours=Decimal("2"),
            status=status,
            submitted_at=DECIDED,
            decided_at=DECIDED if status == EntryStatus.APPROVED else None,
        )

    def row(day: int, state: str) -> None:
        RemoteHours.objects.create(
            company=company,
            tripletex_company_id=77,
            employee=worker,
            project=project,
            date=datetime.date(2026, 12, day),
            activity_id=1,
            state=state,
        )

    def line(day: int, state: str) -> None:
        RemoteSalaryLine.objects.create(
            company=company,
            tripletex_company_id=77,
            employee=worker,
            wage_type=overtime,
            date=datetime.date(2026, 12, day),
            salary_type_id=5,
            state=state,
        )

    entries = [
        approved(1),  # before send-from, no row: not sent
        approved(2),  # before send-from, sent all the same: sent
        approved(4),  # after send-from, no row: no state
        approved(5),  # sent
        approved(6, overtime),  # sent, its line failed: failed
        approved(7, overtime),  # no row, a pending line: pending
        approved(8, overtime),  # conflict row, sent line: conflict
        approved(9, status=EntryStatus.SUBMITTED),  # not approved: no state even with a row
        approved(10, overtime),  # sent row, its line in conflict: conflict
    ]
    row(2, TransferState.SENT)
    row(5, TransferState.SENT)
    row(6, TransferState.SENT)
    line(6, TransferState.FAILED)
    line(7, TransferState.PENDING)
    row(8, TransferState.CONFLICT)
    line(8, TransferState.SENT)
    row(9, TransferState.SENT)
    row(10, TransferState.SENT)
    line(10, TransferState.CONFLICT)
    integration = integration_get()
    # when
    annotated = dict(
        integration.transfer_states_annotate(
            company=company, entries=HourEntry.objects.filter(company=company)
        )
        .order_by("date")
        .values_list("id", "transfer_state")  # type: ignore[misc]  # annotated at run time by the integration
    )
    # then
    expected = {
        entry_id: status.state
        for entry_id, status in integration.transfer_statuses(company=company, entries=entries).items()
    }
    assert annotated == {entry.id: expected.get(entry.id) for entry in entries}
    assert list(annotated.values()) == [
        "not_sent",
        "sent",
        None,
        "sent",
        "failed",
        "pending",
        "conflict",
        None,
        "conflict",
    ]


def test_each_look_up_appears_once_in_the_sql_however_the_state_is_used():
    # given: a state that is grouped on, as «Rapporter» does; PostgreSQL runs a subquery once per
    # place it appears in, so the lønnsart line's two look-ups (failed? its state) and the row's
    # one must each be named once
    company = CompanyFactory.create()
    Connection.objects.create(company=company, tripletex_company_id=77, send_hours_from=SEND_FROM)
    annotated = integration_get().transfer_states_annotate(
        company=company, entries=HourEntry.objects.filter(company=company)
    )
    # when
    sql = str(annotated.values("transfer_state").annotate(n=Count("id")).order_by().query)  # type: ignore[misc]
    # then
    assert sql.count('FROM "tripletex_remotehours"') == 1
    assert sql.count('FROM "tripletex_remotesalaryline"') == 2


def test_the_report_sums_approved_hours_by_transfer_state():
    # given
    company = CompanyFactory.create()
    Connection.objects.create(company=company, tripletex_company_id=77, send_hours_from=SEND_FROM)
    admin = administrator_of(company)
    worker = EmployeeFactory.create(company=company, department=DepartmentFactory.create(company=company))
    project = ProjectFactory.create(company=company)
    for day, hours in ((1, "1.5"), (2, "2"), (5, "3")):
        HourEntryFactory.create(
            employee=worker,
            project=project,
            date=datetime.date(2026, 12, day),
            hours=Decimal(hours),
            status=EntryStatus.APPROVED,
            submitted_at=DECIDED,
            decided_at=DECIDED,
        )
    RemoteHours.objects.create(
        company=company,
        tripletex_company_id=77,
        employee=worker,
        project=project,
        date=datetime.date(2026, 12, 5),
        activity_id=1,
        state=TransferState.SENT,
    )
    period = reports.Period(datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
    # when
    report = reports.hours_report(actor=admin, period=period)
    # then: every state listed, in the integration's order, «Ingen overføring» last
    assert [(t.state, t.label, f"{t.hours:.2f}", t.entries) for t in report.transfers] == [
        ("pending", "Venter", "0.00", 0),
        ("sent", "Sendt", "3.00", 1),
        ("failed", "Feilet", "0.00", 0),
        ("conflict", "Konflikt", "0.00", 0),
        ("not_sent", "Ikke sendt", "3.50", 2),
        ("", "Ingen overføring", "0.00", 0),
    ]
    rows = list(reports.export_rows(reports.export_queryset(actor=admin, period=period)))
    assert [(r.transfer_state, r.transfer_state_label) for r in rows] == [
        ("not_sent", "Ikke sendt"),
        ("not_sent", "Ikke sendt"),
        ("sent", "Sendt"),
    ]
