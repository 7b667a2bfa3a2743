"""The demo company: what the README promises, and idempotent."""

from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.http import HttpRequest

from hr.models import Company, Department, Employee, EntryStatus, HourEntry, Role

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_documented_company_once():
    call_command("seed_demo")
    counts = (Employee.objects.count(), HourEntry.objects.count())
    call_command("seed_demo")
    assert (Employee.objects.count(), HourEntry.objects.count()) == counts
    company = Company.objects.get(name="Grønn Bygg AS")
    roles = Counter(Employee.objects.filter(company=company).values_list("role", flat=True))
    assert roles == {Role.ADMINISTRATOR: 1, Role.MANAGER: 2, Role.EMPLOYEE: 11}
    bygg = Department.objects.get(company=company, name="Bygg")
    assert list(bygg.managers.values_list("email", flat=True)) == ["leder@gronnbygg.no"]
    assert Employee.objects.get(email="ansatt@gronnbygg.no").department == bygg
    assert set(HourEntry.objects.values_list("status", flat=True)) == set(EntryStatus.values)
    for email in ("admin@gronnbygg.no", "leder@gronnbygg.no", "ansatt@gronnbygg.no"):
        assert authenticate(HttpRequest(), username=email, password="gronnjobb-demo") is not None
