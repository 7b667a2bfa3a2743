"""What an approval costs the database: the same number of SQL queries for 20 entries as for 200,
and for «Godkjenn alle viste» over 2 weeks as over 20.

The outbox rows of every key an approval touches are written with one grouped sum, one insert that
skips the rows that exist, one locking read and one bulk update per row kind (hours, lønnsart
lines), whatever the number of keys (docs/transfer.md#outbox).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection as db_connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hr import services as hr_services
from hr.models import Employee, EntryStatus, HourEntry, WageType
from tripletex.models import RemoteHours, RemoteSalaryLine, TransferState, WageTypeLink
from tripletex.tests import transfer_helpers

pytestmark = pytest.mark.django_db

connected = transfer_helpers.connected
point_at_sandbox = transfer_helpers.point_at_sandbox

FIRST_DAY = datetime.date(2026, 9, 1)


def _sent_in_entries(worker, project, count: int, *, first_day: datetime.date) -> list[HourEntry]:
    """`count` entries sent in by a linked employee, two a day: 7,5 t ordinary and 2 t on the lønnsart
    imported from Tripletex (so both row kinds are written)."""
    ordinary = WageType.objects.get(company=worker.company, is_builtin=True)
    overtime, created = WageType.objects.get_or_create(
        company=worker.company, number="2010", defaults={"name": "Overtid 50 %"}
    )
    if created:
        WageTypeLink.objects.create(
            company=worker.company,
            tripletex_company_id=transfer_helpers.tripletex_company_of(worker.company),
            tripletex_id=2010,
            wage_type=overtime,
        )
    now = timezone.now()
    entries = [
        HourEntry(
            company=worker.company,
            employee=worker,
            project=project,
            wage_type=overtime if index % 2 else ordinary,
            date=first_day + datetime.timedelta(days=index // 2),
            hours=Decimal("2.00") if index % 2 else Decimal("7.50"),
            status=EntryStatus.SUBMITTED,
            submitted_by=worker,
            submitted_at=now,
        )
        for index in range(count)
    ]
    return HourEntry.objects.bulk_create(entries)


def _approval_queries(admin, entries) -> int:
    # The rows are delivered after the commit; only the approval's own queries are counted here.
    with CaptureQueriesContext(db_connection) as queries, TestCase.captureOnCommitCallbacks(execute=False):
        hr_services.entries_approve(actor=admin, entry_ids=[e.id for e in entries])
    return len(queries)


def test_an_approval_costs_the_same_queries_for_20_and_200_entries(connected):
    # given
    admin, worker, project = connected
    few = _sent_in_entries(worker, project, 20, first_day=FIRST_DAY)
    many = _sent_in_entries(worker, project, 200, first_day=FIRST_DAY + datetime.timedelta(days=10))
    # when
    # (each approval by a fresh read of the approver, as each request has)
    queries_few = _approval_queries(Employee.objects.get(id=admin.id), few)
    queries_many = _approval_queries(Employee.objects.get(id=admin.id), many)
    # then: the same cost, and every key has its row wanting exactly its approved hours
    assert queries_few == queries_many, (queries_few, queries_many)
    assert RemoteHours.objects.count() == 110  # one key a day on P-100
    assert RemoteSalaryLine.objects.count() == 110  # and one a day on «Overtid 50 %»
    assert set(RemoteHours.objects.values_list("wanted_hours", flat=True)) == {Decimal("9.50")}
    assert set(RemoteSalaryLine.objects.values_list("wanted_hours", flat=True)) == {Decimal("2.00")}
    assert set(RemoteHours.objects.values_list("state", flat=True)) == {TransferState.PENDING}
    assert set(RemoteSalaryLine.objects.values_list("state", flat=True)) == {TransferState.PENDING}


def _approve_all_shown(client, admin) -> tuple[int, str]:
    """«Godkjenn alle viste» as the page sends it: every card's shown entries. The approval's queries
    (the request's own, not the delivery after the commit) and the message it leaves."""
    client.force_login(admin.user)
    page = client.get(reverse("hr:approval")).content.decode()
    form = {"action": "approve-shown", **dict(re.findall(r'name="(shown-[^"]+)" value="([^"]*)"', page))}
    with CaptureQueriesContext(db_connection) as queries, TestCase.captureOnCommitCallbacks(execute=False):
        response = client.post(reverse("hr:approval"), form)
    assert response.status_code == 302
    return len(queries), " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_approving_all_shown_costs_the_same_queries_for_2_and_20_weeks(client, connected):
    # given: a person's 2 weeks, approved from the page; then 20 other weeks (14 entries each)
    admin, worker, project = connected
    monday = datetime.date(2026, 1, 5)
    _sent_in_entries(worker, project, 2 * 14, first_day=monday)
    queries_few, said_few = _approve_all_shown(client, admin)
    _sent_in_entries(worker, project, 20 * 14, first_day=monday + datetime.timedelta(weeks=10))

    # when
    queries_many, said_many = _approve_all_shown(client, admin)

    # then: one cost whatever the number of weeks, and every entry approved with its outbox row
    assert queries_few == queries_many, (queries_few, queries_many)
    assert "2 uker er godkjent (28 timeføringer)" in said_few
    assert "20 uker er godkjent (280 timeføringer)" in said_many
    assert not HourEntry.objects.filter(status=EntryStatus.SUBMITTED).exists()
    assert RemoteHours.objects.count() == 22 * 7
    assert RemoteSalaryLine.objects.count() == 22 * 7
