"""The week grid: services.week_save, the page's one POST, copying last week, and the week API."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hr import api, selectors, services, views
from hr.integration import NoIntegration, integration_register
from hr.models import Employee, EntryStatus, HourEntry, Project, WageType
from hr.tests.factories import PASSWORD, HourEntryFactory, ProjectFactory

MONDAY = datetime.date(2026, 11, 23)
SENT = datetime.datetime(2026, 11, 23, 16, 0, tzinfo=datetime.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _wednesday_of_week_48():
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def ordinary(company) -> WageType:
    return WageType.objects.get(company=company, is_builtin=True)


def cell(
    project: Project, wage_type: WageType, day: int, hours: str, comment: str | None = None
) -> services.CellInput:
    return services.CellInput(project.id, wage_type.id, MONDAY + datetime.timedelta(days=day), hours, comment)


def save(
    employee: Employee, *cells: services.CellInput, actor: Employee | None = None, replace: bool = False
) -> services.WeekSaveResult:
    return services.week_save(
        actor=actor or employee, employee=employee, monday=MONDAY, cells=list(cells), replace=replace
    )


# --- hours as people type them -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "hours"),
    [
        ("7,5", "7.50"),
        ("7.5", "7.50"),
        ("7:30", "7.50"),
        ("7t 30m", "7.50"),
        ("7h", "7.00"),
        ("45m", "0.75"),
        ("7:20", "7.33"),
        (" 8 ", "8.00"),
    ],
)
def test_hours_take_decimal_clock_and_unit_notation(typed, hours):
    assert services.hours_parse(typed) == Decimal(hours)


@pytest.mark.parametrize("typed", ["٣", "７", "1e1", "7:60", "t", "7:", "sju", "NaN"])
def test_hours_refuse_other_digits_and_notations(typed):
    with pytest.raises(ValidationError) as error:
        services.hours_parse(typed)
    assert error.value.messages == [str(services.HOURS_NOT_A_NUMBER)]


# --- week_save ------------------------------------------------------------------------------------


def test_week_save_creates_updates_and_clears_cells_in_one_go(employee, ordinary):
    # given: Monday 7,5 and Tuesday 8 on one row
    project = ProjectFactory.create(company=employee.company)
    save(employee, cell(project, ordinary, 0, "7,5"), cell(project, ordinary, 1, "8"))
    monday_entry = HourEntry.objects.get(date=MONDAY)
    # when: Monday becomes 7:30 with a comment, Tuesday is cleared, Wednesday is new
    result = save(
        employee,
        cell(project, ordinary, 0, "6t 15m", "Støping"),
        cell(project, ordinary, 1, ""),
        cell(project, ordinary, 2, "4"),
    )
    # then
    assert (len(result.created), len(result.updated), len(result.deleted)) == (1, 1, 1)
    hours = dict(HourEntry.objects.values_list("date", "hours"))
    assert hours == {MONDAY: Decimal("6.25"), MONDAY + datetime.timedelta(days=2): Decimal("4.00")}
    monday_entry.refresh_from_db()
    assert monday_entry.comment == "Støping"


def test_week_save_sent_twice_changes_nothing_the_second_time(employee, ordinary):
    project = ProjectFactory.create(company=employee.company)
    cells = [cell(project, ordinary, day, "7,5") for day in range(5)]
    assert save(employee, *cells).changed == 5
    assert save(employee, *cells).changed == 0
    assert HourEntry.objects.count() == 5


def test_week_save_is_all_or_nothing_with_an_error_per_cell(employee, ordinary):
    project = ProjectFactory.create(company=employee.company)
    with pytest.raises(services.WeekSaveError) as error:
        save(
            employee,
            cell(project, ordinary, 0, "7,5"),
            cell(project, ordinary, 1, "-2"),
            cell(project, ordinary, 2, "x"),
        )
    assert error.value.cell_errors == {
        (project.id, ordinary.id, MONDAY + datetime.timedelta(days=1)): [str(services.HOURS_NOT_POSITIVE)],
        (project.id, ordinary.id, MONDAY + datetime.timedelta(days=2)): [str(services.HOURS_NOT_A_NUMBER)],
    }
    assert not HourEntry.objects.exists()


def test_week_save_counts_24_hours_over_the_whole_day(employee, ordinary):
    first, second = (
        ProjectFactory.create(company=employee.company),
        ProjectFactory.create(company=employee.company),
    )
    with pytest.raises(services.WeekSaveError) as error:
        save(employee, cell(first, ordinary, 0, "14"), cell(second, ordinary, 0, "11"))
    messages = error.value.cell_errors
    assert messages[(first.id, ordinary.id, MONDAY)] == [
        "Du kan ikke føre mer enn 24 timer på én dag (allerede ført: 11 t)."
    ]
    assert messages[(second.id, ordinary.id, MONDAY)] == [
        "Du kan ikke føre mer enn 24 timer på én dag (allerede ført: 14 t)."
    ]
    # moving hours between rows of one day is fine when the day stays within 24
    save(employee, cell(first, ordinary, 0, "14"), cell(second, ordinary, 0, "10"))
    save(employee, cell(first, ordinary, 0, "10"), cell(second, ordinary, 0, "14"))
    assert sorted(HourEntry.objects.values_list("hours", flat=True)) == [Decimal("10.00"), Decimal("14.00")]


@pytest.mark.parametrize("status", [EntryStatus.SUBMITTED, EntryStatus.APPROVED])
def test_week_save_refuses_to_change_sent_in_and_approved_cells(employee, ordinary, status):
    entry = HourEntryFactory.create(
        employee=employee, date=MONDAY, wage_type=ordinary, status=status, submitted_at=SENT, decided_at=SENT
    )
    project = entry.project
    # the same value is no change and passes
    assert save(employee, cell(project, ordinary, 0, "7,5")).changed == 0
    with pytest.raises(services.WeekSaveError) as error:
        save(employee, cell(project, ordinary, 0, "3"))
    assert error.value.cell_errors == {(project.id, ordinary.id, MONDAY): [str(services.ENTRY_NOT_EDITABLE)]}
    entry.refresh_from_db()
    assert entry.hours == Decimal("7.50")


def test_week_save_edits_a_rejected_cell_which_stays_rejected_until_sent_in(employee, ordinary):
    entry = HourEntryFactory.create(
        employee=employee,
        date=MONDAY,
        wage_type=ordinary,
        status=EntryStatus.REJECTED,
        rejection_reason="Feil",
        submitted_at=SENT,
        decided_at=SENT,
    )
    save(employee, cell(entry.project, ordinary, 0, "6"))
    entry.refresh_from_db()
    assert (entry.hours, entry.status) == (Decimal("6.00"), EntryStatus.REJECTED)


def test_week_save_leaves_a_cell_with_several_entries_to_the_entry_page(employee, ordinary):
    project = ProjectFactory.create(company=employee.company)
    for hours in ("3", "4"):
        HourEntryFactory.create(
            employee=employee, project=project, wage_type=ordinary, date=MONDAY, hours=Decimal(hours)
        )
    assert save(employee, cell(project, ordinary, 0, "7")).changed == 0  # the sum: unchanged
    with pytest.raises(services.WeekSaveError) as error:
        save(employee, cell(project, ordinary, 0, "8"))
    assert error.value.cell_errors == {(project.id, ordinary.id, MONDAY): [str(services.CELL_HAS_SEVERAL)]}


def test_week_save_refuses_a_comment_without_hours(employee, ordinary):
    project = ProjectFactory.create(company=employee.company)
    with pytest.raises(services.WeekSaveError) as error:
        save(employee, cell(project, ordinary, 0, "", "Glemte timene"))
    assert error.value.cell_errors == {(project.id, ordinary.id, MONDAY): [str(services.HOURS_FOR_COMMENT)]}


def test_week_save_replace_clears_the_editable_cells_not_sent(employee, ordinary):
    project = ProjectFactory.create(company=employee.company)
    save(employee, cell(project, ordinary, 0, "7,5"), cell(project, ordinary, 1, "7,5"))
    locked = HourEntryFactory.create(
        employee=employee,
        date=MONDAY + datetime.timedelta(days=2),
        status=EntryStatus.APPROVED,
        submitted_at=SENT,
        decided_at=SENT,
    )
    save(employee, cell(project, ordinary, 1, "8"), replace=True)
    assert dict(HourEntry.objects.values_list("date", "hours")) == {
        MONDAY + datetime.timedelta(days=1): Decimal("8.00"),
        locked.date: locked.hours,
    }


def test_week_save_treats_another_companys_project_as_missing(employee, ordinary, other_company):
    foreign = ProjectFactory.create(company=other_company)
    with pytest.raises(Http404):
        save(employee, cell(foreign, ordinary, 0, "4"))
    assert not HourEntry.objects.exists()


def test_week_save_refuses_a_colleague_for_an_employee(employee, company, department, ordinary):
    from hr.tests.factories import EmployeeFactory

    colleague = EmployeeFactory.create(company=company, department=department)
    project = ProjectFactory.create(company=company)
    with pytest.raises(PermissionDenied):
        save(colleague, cell(project, ordinary, 0, "4"), actor=employee)
    assert not HourEntry.objects.exists()


def _queries_to_save(employee, rows: int, wage_type) -> int:
    projects = [ProjectFactory.create(company=employee.company) for _ in range(rows)]
    cells = [cell(project, wage_type, day, "1") for project in projects for day in range(2)]
    with CaptureQueriesContext(connection) as first:
        save(employee, *cells)
    return len(first)


def test_week_save_costs_the_same_queries_for_2_and_20_rows(employee, company, department, ordinary):
    from hr.tests.factories import EmployeeFactory

    other = EmployeeFactory.create(company=company, department=department)
    assert _queries_to_save(employee, 2, ordinary) == _queries_to_save(other, 20, ordinary)


def test_sending_in_a_week_costs_the_same_queries_for_2_and_20_rows(employee, company, department, ordinary):
    from hr.tests.factories import EmployeeFactory

    # given: two people with a week saved, of 2 and of 20 rows (two days each)
    other = EmployeeFactory.create(company=company, department=department)
    _queries_to_save(employee, 2, ordinary)
    _queries_to_save(other, 20, ordinary)
    counts = []
    for person, rows in ((employee, 2), (other, 20)):
        # when
        with CaptureQueriesContext(connection) as queries:
            sent = services.week_submit(actor=person, employee=person, monday=MONDAY)
        # then
        assert len(sent) == rows * 2
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- the page -------------------------------------------------------------------------------------


def week_url(**query: object) -> str:
    params = {"year": 2026, "week": 48, **query}
    return reverse("hr:week") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


@pytest.fixture
def logged_in(client, employee):
    assert client.login(request=HttpRequest(), username=employee.email, password=PASSWORD)
    return client


def test_the_grid_page_edits_an_existing_row_and_shows_the_total_beside_the_normal_week(
    logged_in, employee, ordinary
):
    project = ProjectFactory.create(company=employee.company, number="P-100", name="Kontorbygg")
    save(employee, cell(project, ordinary, 0, "7,5"))
    key = selectors.grid_row_key(project.id, ordinary.id)
    response = logged_in.post(week_url(), {"row": key, f"h-{key}-0": "8", f"h-{key}-1": "7:30"})
    assert response.status_code == 302
    page = logged_in.get(week_url()).content.decode()
    assert '<td class="num" id="week-total"><strong>15,5 t</strong></td>' in page
    assert '<td class="num" id="normal-week">37,5 t</td>' in page
    assert "22 t under" in page


def test_a_week_outside_the_supported_years_is_a_clear_400(logged_in):
    for query in (
        {"year": 9999, "week": 52},
        {"year": 1, "week": 1},
        {"year": 2026, "week": 0},
        {"week": "9999-W52"},
    ):
        response = logged_in.get(reverse("hr:week"), query)
        assert response.status_code == 400, query
        assert str(views.WEEK_OUT_OF_RANGE) in response.content.decode()
    for name in ("hr:week_submit", "hr:week_copy"):
        response = logged_in.post(reverse(name), {"monday": "9999-12-27"})
        assert response.status_code == 400
        assert str(views.WEEK_OUT_OF_RANGE) in response.content.decode()


def test_week_label_in_the_query_picks_the_week(logged_in):
    page = logged_in.get(reverse("hr:week"), {"week": "2026-W50"}).content.decode()
    assert "Uke 50, 2026" in page


def test_add_row_without_javascript_saves_and_offers_another_empty_row(logged_in, employee, ordinary):
    project = ProjectFactory.create(company=employee.company)
    data = {
        "new_rows": "1",
        "new0-project": project.id,
        "new0-wage_type": ordinary.id,
        "h-new0-0": "7,5",
        "add_row": "",
    }
    response = logged_in.post(week_url(), data)
    assert response.status_code == 302
    assert "nye=2" in response.url
    page = logged_in.get(response.url).content.decode()
    assert 'name="new1-project"' in page
    assert HourEntry.objects.get().hours == Decimal("7.50")


def test_an_empty_new_row_disappears_and_a_row_without_project_is_refused(logged_in, employee, ordinary):
    assert (
        logged_in.post(
            week_url(), {"new_rows": "1", "new0-project": "", "new0-wage_type": ordinary.id}
        ).status_code
        == 302
    )
    response = logged_in.post(week_url(), {"new_rows": "1", "new0-project": "", "h-new0-0": "4"})
    assert response.status_code == 400
    assert "Velg prosjekt for raden." in response.content.decode()
    assert not HourEntry.objects.exists()


def test_a_refused_new_row_keeps_its_choices_among_every_open_project_names_escaped(
    logged_in, employee, ordinary
):
    # given: a project whose name looks like markup, another chosen, a closed one
    odd = ProjectFactory.create(company=employee.company, number="P-1", name="Bro <b> & kai")
    chosen = ProjectFactory.create(company=employee.company, number="P-2", name="Tunnel")
    ProjectFactory.create(company=employee.company, number="P-3", name="Lukket", is_closed=True)
    overtime = WageType.objects.create(company=employee.company, name="Overtid <50 %>", number="2010")
    # when: the second of two new rows for the same project and lønnsart is refused, so the page
    # shows it again
    data: dict[str, object] = {"new_rows": "2", "h-new0-0": "4", "h-new1-1": "2"}
    for index in (0, 1):
        data.update({f"new{index}-project": chosen.id, f"new{index}-wage_type": overtime.id})
    response = logged_in.post(week_url(), data)
    # then: every choice of a project lists the open ones (the refused row and a blank one in the
    # grid, one day by day), and the refused row keeps its choices
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count(f'<option value="{odd.id}">P-1 Bro &lt;b&gt; &amp; kai</option>') == 3
    assert f'<option value="{chosen.id}" selected>P-2 Tunnel</option>' in page
    assert page.count(f'<option value="{overtime.id}" selected>Overtid &lt;50 %&gt;</option>') == 1
    assert "Lukket" not in page


def test_a_cell_escapes_what_people_typed(logged_in, employee, ordinary):
    # given: a saved comment and a project name that look like markup
    project = ProjectFactory.create(company=employee.company, name="<i>Bro</i>")
    save(employee, cell(project, ordinary, 0, "4", comment='<b>"kveld"</b>'))
    key = f"p{project.id}-w{ordinary.id}"
    # when: the week is saved again with hours that are no number, so the typed text is shown again
    response = logged_in.post(week_url(), {"row": key, f"h-{key}-0": "<script>", f"c-{key}-0": "ok"})
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "<script>" not in page and "<b>" not in page and "<i>Bro" not in page
    assert 'value="&lt;script&gt;"' in page
    assert ", &lt;i&gt;Bro&lt;/i&gt;</span>" in page
    saved = logged_in.get(week_url()).content.decode()
    assert "<b>" not in saved
    assert "&lt;b&gt;&quot;kveld&quot;&lt;/b&gt;</textarea>" in saved


def test_copy_rows_only_shows_last_weeks_rows_empty(logged_in, employee, ordinary):
    project = ProjectFactory.create(company=employee.company, number="P-777", name="Tunnel")
    HourEntryFactory.create(
        employee=employee, project=project, wage_type=ordinary, date=MONDAY - datetime.timedelta(days=7)
    )
    response = logged_in.post(reverse("hr:week_copy"), {"monday": MONDAY.isoformat(), "mode": "rows"})
    assert response.status_code == 302
    page = logged_in.get(response.url).content.decode()
    assert "1 rad er kopiert fra forrige uke." in page
    key = selectors.grid_row_key(project.id, ordinary.id)
    assert f'name="h-{key}-0"' in page
    assert HourEntry.objects.count() == 1  # rows only: no hours were created


@pytest.mark.parametrize(
    ("last_week", "this_week", "mode", "message"),
    [
        (False, False, "rows", views.COPY_NO_ROWS),
        (False, False, "hours", views.COPY_NO_ROWS),
        (True, True, "rows", views.COPY_ROWS_ALREADY_HERE),
        (True, True, "hours", views.COPY_HOURS_ALREADY_HERE),
    ],
)
def test_copy_says_exactly_why_nothing_was_copied(
    logged_in, employee, ordinary, last_week, this_week, mode, message
):
    project = ProjectFactory.create(company=employee.company)
    if last_week:
        HourEntryFactory.create(
            employee=employee, project=project, wage_type=ordinary, date=MONDAY - datetime.timedelta(days=7)
        )
    if this_week:
        HourEntryFactory.create(employee=employee, project=project, wage_type=ordinary, date=MONDAY)
    response = logged_in.post(
        reverse("hr:week_copy"), {"monday": MONDAY.isoformat(), "mode": mode}, follow=True
    )
    assert str(message) in response.content.decode()


class _Warns(NoIntegration):
    def row_warnings(self, *, company, employee, rows, date):
        return {
            (project.id, wage_type.id): f"«{project.name}» er ikke koblet." for project, wage_type in rows
        }


def test_a_row_that_could_not_be_sent_warns_while_typing(logged_in, employee, ordinary):
    integration_register(_Warns())
    project = ProjectFactory.create(
        company=employee.company, name="Bru", end_date=MONDAY + datetime.timedelta(days=2)
    )
    save(employee, cell(project, ordinary, 0, "4"))
    page = logged_in.get(week_url()).content.decode()
    assert "«Bru» er ikke koblet." in page
    assert "Prosjektet sluttet 25.11.2026: timer etter det kan ikke føres." in page


def test_the_grid_page_costs_the_same_queries_for_2_and_20_rows(
    client, employee, ordinary, django_assert_max_num_queries
):
    for count in (2, 20):
        HourEntry.objects.all().delete()
        for _ in range(count):
            HourEntryFactory.create(employee=employee, wage_type=ordinary, date=MONDAY)
        assert client.login(request=HttpRequest(), username=employee.email, password=PASSWORD)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(week_url()).status_code == 200
        if count == 2:
            baseline = len(queries)
    assert len(queries) == baseline


# --- the API --------------------------------------------------------------------------------------


def test_api_get_returns_the_week_as_the_grid_shows_it(logged_in, employee, ordinary):
    project = ProjectFactory.create(company=employee.company)
    save(employee, cell(project, ordinary, 0, "7,5", "Forskaling"))
    body = logged_in.get("/api/v1/weeks/2026-W48/").json()
    assert (body["label"], body["total"], body["normal_week"], body["difference"]) == (
        "2026-W48",
        "7.50",
        "37.50",
        "-30.00",
    )
    [row] = body["rows"]
    assert row["key"] == selectors.grid_row_key(project.id, ordinary.id)
    assert row["cells"][0] == {
        "date": "2026-11-23",
        "hours": "7.50",
        "comment": "Forskaling",
        "entries": 1,
        "is_editable": True,
        "status": "registered",
        "rejection_reason": "",
        "transfer": None,
    }
    assert row["cells"][1]["hours"] == "0.00"


def put(client, week: str, rows: list[dict[str, Any]], method: str = "put"):
    return getattr(client, method)(
        f"/api/v1/weeks/{week}/", json.dumps({"rows": rows}), content_type="application/json"
    )


def test_api_put_saves_the_whole_week_in_one_transaction(logged_in, employee, ordinary):
    project = ProjectFactory.create(company=employee.company)
    cells = [{"date": f"2026-11-{23 + day}", "hours": "7:30"} for day in range(5)]
    response = put(logged_in, "2026-W48", [{"project": project.id, "wage_type": ordinary.id, "cells": cells}])
    assert response.status_code == 200, response.content
    assert response.json()["total"] == "37.50"
    # PUT is the whole week: what is not sent is cleared
    response = put(
        logged_in, "2026-W48", [{"project": project.id, "wage_type": ordinary.id, "cells": cells[:1]}]
    )
    assert response.json()["total"] == "7.50"
    assert HourEntry.objects.count() == 1


def test_api_patch_changes_only_the_cells_sent(logged_in, employee, ordinary):
    project = ProjectFactory.create(company=employee.company)
    save(employee, cell(project, ordinary, 0, "7,5"), cell(project, ordinary, 1, "7,5"))
    response = put(
        logged_in,
        "2026-W48",
        [{"project": project.id, "wage_type": ordinary.id, "cells": [{"date": "2026-11-24", "hours": None}]}],
        "patch",
    )
    assert response.status_code == 200
    assert response.json()["total"] == "7.50"


def test_api_put_answers_errors_per_cell_with_409_and_saves_nothing(logged_in, employee, ordinary):
    # given: well-formed cells that the rules refuse: 25 hours on one day, a date in another week
    first, second = (
        ProjectFactory.create(company=employee.company),
        ProjectFactory.create(company=employee.company),
    )
    rows = [
        {
            "project": first.id,
            "wage_type": ordinary.id,
            "cells": [
                {"date": "2026-11-23", "hours": "7,5"},
                {"date": "2026-11-24", "hours": "20"},
                {"date": "2026-12-01", "hours": "1"},
            ],
        },
        {"project": second.id, "wage_type": ordinary.id, "cells": [{"date": "2026-11-24", "hours": 5}]},
    ]
    # when
    response = put(logged_in, "2026-W48", rows)
    # then
    assert response.status_code == 409
    errors = {(c["project"], c["date"]): c["errors"] for c in response.json()["cells"]}
    assert errors == {
        (first.id, "2026-11-24"): ["Du kan ikke føre mer enn 24 timer på én dag (allerede ført: 5 t)."],
        (second.id, "2026-11-24"): ["Du kan ikke føre mer enn 24 timer på én dag (allerede ført: 20 t)."],
        (first.id, "2026-12-01"): [str(services.DATE_NOT_IN_WEEK)],
    }
    assert response.json()["non_field_errors"] == []
    assert not HourEntry.objects.exists()


def test_api_put_refuses_hours_in_no_known_notation_with_400(logged_in, employee, ordinary):
    project = ProjectFactory.create(company=employee.company)
    cells = [{"date": "2026-11-23", "hours": "sju"}, {"date": "2026-11-24", "hours": "25"}]
    response = put(logged_in, "2026-W48", [{"project": project.id, "wage_type": ordinary.id, "cells": cells}])
    assert response.status_code == 400
    # DRF names list positions as keys: row 0, cells 0 and 1
    assert response.json() == {
        "rows": {
            "0": {
                "cells": {
                    "0": {"hours": [str(services.HOURS_NOT_A_NUMBER)]},
                    "1": {"hours": ["Du kan ikke føre mer enn 24 timer på én dag (allerede ført: 0 t)."]},
                }
            }
        }
    }
    assert not HourEntry.objects.exists()


@pytest.mark.parametrize("week", ["9999-W52", "1999-W01", "2026-W54", "2026-W00"])
def test_api_answers_not_found_for_weeks_that_do_not_exist_or_lie_outside_the_years(logged_in, week):
    response = logged_in.get(f"/api/v1/weeks/{week}/")
    assert response.status_code == 404
    assert response.json() == {"detail": str(api.WEEK_OUT_OF_RANGE)}


def test_api_treats_another_companys_project_as_missing(logged_in, ordinary, other_company):
    foreign = ProjectFactory.create(company=other_company)
    response = put(
        logged_in,
        "2026-W48",
        [{"project": foreign.id, "wage_type": ordinary.id, "cells": [{"date": "2026-11-23", "hours": "4"}]}],
    )
    assert response.status_code == 404
    assert not HourEntry.objects.exists()


def test_api_entries_refuse_dates_outside_the_supported_years(logged_in):
    response = logged_in.get("/api/v1/entries/", {"date": "9999-12-31"})
    assert response.status_code == 400


def test_the_grid_form_posted_twice_creates_its_entries_once(logged_in, employee, ordinary):
    project = ProjectFactory.create(company=employee.company)
    data = {
        "new_rows": "1",
        "new0-project": project.id,
        "new0-wage_type": ordinary.id,
        "h-new0-0": "7,5",
        "h-new0-1": "4",
    }
    first = logged_in.post(week_url(), data)
    second = logged_in.post(week_url(), data)  # a double click, or the browser resending
    assert (first.status_code, second.status_code) == (302, 302)
    assert HourEntry.objects.count() == 2
    messages = [str(m) for m in logged_in.get(second.url).context["messages"]]
    assert str(views.GRID_NOTHING_CHANGED) in messages


def test_the_grid_in_english_shows_english_texts_and_formats_only(logged_in, employee, ordinary, settings):
    project = ProjectFactory.create(company=employee.company, number="P-100", name="Kontorbygg")
    save(employee, cell(project, ordinary, 1, "7,5"))
    logged_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = logged_in.get(week_url()).content.decode()
    assert 'value="7.5"' in page
    assert "Tue <small>11/24</small>" in page.replace('<span aria-hidden="true">', "").replace("</span>", "")
    assert '<td class="num" id="week-total"><strong>7.5 h</strong></td>' in page
    assert "Tue 11/24/2026" in page
    for norwegian in ("24.11.", "Mine timer", "Lagre", "7,5", "Normal arbeidsuke"):
        assert norwegian not in page, norwegian
