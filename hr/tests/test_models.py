"""Database constraints: what must hold even if a service is bypassed."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from hr.models import Company, EntryStatus, HourEntry, WageType
from hr.tests.factories import EmployeeFactory, HourEntryFactory, ProjectFactory, WageTypeFactory

NOW = datetime.datetime(2026, 11, 27, 15, 0, tzinfo=datetime.UTC)


def _refused(**kwargs: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        HourEntryFactory.create(**kwargs)


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("-1"), Decimal("24.01"), Decimal("99")])
def test_hours_must_be_more_than_0_and_at_most_24(employee, hours):
    _refused(employee=employee, hours=hours)

    assert not HourEntry.objects.exists()


@pytest.mark.parametrize("hours", [Decimal("0.01"), Decimal("24")])
def test_hours_at_the_limits_are_accepted(employee, hours):
    entry = HourEntryFactory.create(employee=employee, hours=hours)

    entry.refresh_from_db()
    assert entry.hours == hours


def test_a_rejected_entry_needs_a_reason(employee):
    _refused(
        employee=employee, status=EntryStatus.REJECTED, submitted_at=NOW, decided_at=NOW, rejection_reason=""
    )

    HourEntryFactory.create(
        employee=employee,
        status=EntryStatus.REJECTED,
        submitted_at=NOW,
        decided_at=NOW,
        rejection_reason="Feil",
    )
    assert HourEntry.objects.count() == 1


@pytest.mark.parametrize("status", [EntryStatus.SUBMITTED, EntryStatus.APPROVED])
def test_a_sent_in_entry_needs_the_time_it_was_sent_in(employee, status):
    _refused(employee=employee, status=status, submitted_at=None, decided_at=NOW)

    assert not HourEntry.objects.exists()


@pytest.mark.parametrize("status", [EntryStatus.APPROVED, EntryStatus.REJECTED])
def test_a_decided_entry_needs_the_time_of_the_decision(employee, status):
    _refused(employee=employee, status=status, submitted_at=NOW, decided_at=None, rejection_reason="Feil")

    assert not HourEntry.objects.exists()


def test_an_unknown_status_is_refused(employee):
    _refused(employee=employee, status="paid")

    assert not HourEntry.objects.exists()


def test_project_numbers_are_unique_per_company(company, other_company):
    ProjectFactory.create(company=company, number="100")

    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory.create(company=company, number="100")

    ProjectFactory.create(company=other_company, number="100")
    assert list(Company.objects.filter(projects__number="100").order_by("id")) == [company, other_company]


def test_a_project_cannot_end_before_it_starts(company):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory.create(
            company=company, start_date=datetime.date(2026, 12, 1), end_date=datetime.date(2026, 11, 1)
        )


def test_each_company_has_one_builtin_wage_type(company):
    with pytest.raises(IntegrityError), transaction.atomic():
        WageType.objects.create(company=company, number="ORD2", name="Ordinær tid 2", is_builtin=True)

    assert WageType.objects.filter(company=company, is_builtin=True).count() == 1


def test_wage_type_numbers_are_unique_per_company(company):
    WageTypeFactory.create(company=company, number="500")

    with pytest.raises(IntegrityError), transaction.atomic():
        WageTypeFactory.create(company=company, number="500")


def test_employee_numbers_are_unique_per_company(company, other_company):
    EmployeeFactory.create(company=company, employee_number="42")

    with pytest.raises(IntegrityError), transaction.atomic():
        EmployeeFactory.create(company=company, employee_number="42")

    assert EmployeeFactory.create(company=other_company, employee_number="42").pk is not None


def test_an_organisation_number_has_nine_digits(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.create(name="Feil AS", organisation_number="12345678A")

    assert not Company.objects.filter(name="Feil AS").exists()
