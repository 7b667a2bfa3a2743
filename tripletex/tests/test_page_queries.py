"""What «Overføringer» and «Avstemming» cost the database: the same number of SQL queries for 2 rows
as for 40, so the pages an administrator keeps open under load (`make load`) do not grow with the
company. The counts include the session and the login's own queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hr.models import Employee, EntryStatus, HourEntry, WageType
from hr.tests.factories import EmployeeFactory
from tripletex.models import RemoteHours, TransferState
from tripletex.tests import transfer_helpers

pytestmark = pytest.mark.django_db

connected = transfer_helpers.connected
point_at_sandbox = transfer_helpers.point_at_sandbox

TRANSFERS_PAGE_QUERIES = 8
RECONCILIATION_PAGE_QUERIES = 12
DAY = datetime.date(2026, 11, 2)


def _people(admin: Employee, count: int) -> list[Employee]:
    return [EmployeeFactory.create(company=admin.company) for _ in range(count)]


def _queries(client: Client, admin, address: str) -> tuple[int, str]:
    client.force_login(admin.user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured), response.content.decode()


@pytest.mark.parametrize("rows", [2, 40])
def test_transfers_page_takes_the_same_queries_for_2_and_40_failed_rows(client, connected, rows):
    # given: rows that failed, one per person, each shown with its person and project
    admin, _worker, project = connected
    tripletex_company = transfer_helpers.tripletex_company_of(admin.company)
    RemoteHours.objects.bulk_create(
        RemoteHours(
            company=admin.company,
            tripletex_company_id=tripletex_company,
            employee=person,
            project=project,
            date=DAY,
            activity_id=1,
            wanted_hours=Decimal("7.5"),
            state=TransferState.FAILED,
            attempts=1,
            message="Refused",
        )
        for person in _people(admin, rows)
    )

    # when
    queries, page = _queries(client, admin, "/innstillinger/tripletex/overforinger/")

    # then
    assert queries == TRANSFERS_PAGE_QUERIES
    assert page.count("Refused") == rows


@pytest.mark.parametrize("people", [2, 40])
def test_reconciliation_takes_the_same_queries_for_2_and_40_people(client, connected, people):
    # given: a month of approved hours for each person (none of them in Tripletex: every line differs)
    admin, _worker, project = connected
    ordinary = WageType.objects.get(company=admin.company, is_builtin=True)
    HourEntry.objects.bulk_create(
        HourEntry(
            company=admin.company,
            employee=person,
            project=project,
            wage_type=ordinary,
            date=DAY,
            hours=Decimal("7.5"),
            status=EntryStatus.APPROVED,
            submitted_at=timezone.now(),
            decided_at=timezone.now(),
        )
        for person in _people(admin, people)
    )

    # when
    queries, page = _queries(client, admin, f"/innstillinger/tripletex/avstemming/?maned={DAY:%Y-%m}")

    # then
    assert queries == RECONCILIATION_PAGE_QUERIES
    assert f"{people} linjer avviker" in page
