"""NUL and other control characters in any input: a 400 with a message, nothing saved, never a 500."""

from __future__ import annotations

import json

import pytest
from django.http import HttpRequest
from django.urls import reverse

from grønnjobb.middleware import CONTROL_CHARACTER_REFUSED
from hr.models import HourEntry, WageType
from hr.tests.factories import PASSWORD, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, employee):
    assert client.login(request=HttpRequest(), username=employee.email, password=PASSWORD)
    return client


@pytest.mark.parametrize("query", ["q=%00", "year=2026&week=4%008", "status=%1b"])
def test_a_control_character_in_a_query_string_is_a_400_with_a_message(logged_in, query):
    response = logged_in.get(reverse("hr:week") + "?" + query)
    assert response.status_code == 400
    assert str(CONTROL_CHARACTER_REFUSED) in response.content.decode()


def test_a_nul_in_a_form_field_saves_nothing(logged_in, employee):
    project = ProjectFactory.create(company=employee.company)
    ordinary = WageType.objects.get(company=employee.company, is_builtin=True)
    data = {"new_rows": "1", "new0-project": project.id, "new0-wage_type": ordinary.id, "h-new0-1": "7,5"}
    response = logged_in.post(reverse("hr:week"), {**data, "c-new0-1": "Forskaling\x00"})
    assert response.status_code == 400
    assert str(CONTROL_CHARACTER_REFUSED) in response.content.decode()
    assert not HourEntry.objects.exists()
    # and the same form without the NUL saves, so it is the character that was refused
    assert logged_in.post(reverse("hr:week"), {**data, "c-new0-1": "Forskaling\tmed tab"}).status_code == 302
    assert HourEntry.objects.get().comment == "Forskaling\tmed tab"


@pytest.mark.parametrize("comment", ["null\x00byte", "escape\x1b[31m"])
def test_a_control_character_in_a_json_field_is_a_400_on_that_field(logged_in, employee, comment):
    project = ProjectFactory.create(company=employee.company)
    ordinary = WageType.objects.get(company=employee.company, is_builtin=True)
    body = {
        "date": "2026-11-24",
        "project": project.id,
        "wage_type": ordinary.id,
        "hours": "4",
        "comment": comment,
    }
    response = logged_in.post("/api/v1/entries/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"comment": [str(CONTROL_CHARACTER_REFUSED)]}
    assert not HourEntry.objects.exists()
