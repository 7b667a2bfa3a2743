"""The client against the running sandbox, over real HTTP: every operation GrønnJobb uses."""

import logging
import socket
import time
from dataclasses import replace as _replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tripletex.client import (
    DuplicateEntry,
    InvalidCredentials,
    Locked,
    MaybeSent,
    NewSalaryTypeSpecification,
    NewTimesheetEntry,
    NotFound,
    NotSent,
    PermissionDenied,
    RateLimited,
    RevisionConflict,
    ServerError,
    Timeout,
    TripletexClient,
    ValidationError,
)
from tripletex.sandbox import DEMO_READ_ONLY_EMPLOYEE_TOKEN, DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN
from tripletex.sandbox import messages as sandbox_messages
from tripletex.sandbox.testing import SandboxHandle

DAY = date(2026, 3, 10)


def _entry(
    sandbox: SandboxHandle,
    *,
    hours: str = "7.5",
    employee: str = "1003",
    project: str | None = "P-100",
    activity: str = "Snekring",
    on: date = DAY,
    comment: str = "",
) -> NewTimesheetEntry:
    return NewTimesheetEntry(
        employee_id=sandbox.employee_id(employee),
        project_id=sandbox.project_id(project) if project else None,
        activity_id=sandbox.activity_id(activity),
        date=on,
        hours=Decimal(hours),
        comment=comment,
    )


def test_whoami_names_the_demo_company_and_token_owner(tripletex_sandbox):
    with tripletex_sandbox.client() as client:
        who = client.whoami()

    assert who.company_name == "Grønn Bygg AS"
    assert who.organization_number == "999888777"
    assert who.employee_id == tripletex_sandbox.employee_id("1001")
    assert who.employee_name == "Åse Bråten"


def test_tokens_stay_out_of_the_logs_over_real_http(tripletex_sandbox, caplog):
    # given every logger at DEBUG, urllib3's connection log included
    caplog.set_level(logging.DEBUG)
    client = tripletex_sandbox.client()

    # when
    client.whoami()
    created = client.timesheet_entry_create(entry=_entry(tripletex_sandbox))
    client.timesheet_entry_delete(entry_id=created.id, version=created.version)
    session_token = client._session_token
    client.close()

    # then
    assert "GET /v2/token/session/%3EwhoAmI" in caplog.text or "whoAmI" in caplog.text
    for secret in (session_token, tripletex_sandbox.consumer_token, tripletex_sandbox.employee_token):
        assert secret and secret not in caplog.text
    assert session_token not in repr(client)


def test_listing_reads_every_page_without_trusting_full_result_size(tripletex_sandbox):
    # given pages of seven and a fullResultSize that lies
    tripletex_sandbox.set_faults(fullResultSize="approximate")
    client = tripletex_sandbox.client(page_size=7)

    # when
    employees = list(client.employees())

    # then: 18 non-contact demo employees in three pages (7, 7, 4)
    assert len(employees) == 18
    assert tripletex_sandbox.request_count("GET /employee") == 3
    assert {e.employee_number for e in employees} >= {"1001", "1002", "1003", "1014", "1016", ""}
    assert all(not e.is_contact for e in employees)


def test_an_exact_multiple_of_the_page_size_needs_one_empty_page(tripletex_sandbox):
    client = tripletex_sandbox.client(page_size=18)

    employees = list(client.employees())

    assert len(employees) == 18
    assert tripletex_sandbox.request_count("GET /employee") == 2


def test_projects_come_with_their_activities(tripletex_sandbox):
    with tripletex_sandbox.client() as client:
        projects = {p.number: p for p in client.projects(include_activities=True)}

    assert projects["P-500"].is_closed
    assert projects["P-200"].general_project_activities_per_project_only
    assert projects["P-600"].for_participants_only and not projects["P-100"].for_participants_only
    assert "" in projects  # the project without number is listed; importing it is the wizard's call
    snekring = projects["P-100"].project_activities[0]
    assert snekring.activity is not None and snekring.activity.name == "Snekring"
    assert [pa.activity.name for pa in projects["P-200"].project_activities if pa.activity] == [
        "Rørlegging",
        "Fakturerbart arbeid",
    ]


def test_project_by_id_and_open_projects_only(tripletex_sandbox):
    client = tripletex_sandbox.client()

    open_numbers = {p.number for p in client.projects(is_closed=False)}
    single = client.project(tripletex_sandbox.project_id("P-300"))

    assert "P-500" not in open_numbers and "P-100" in open_numbers
    assert single.end_date == date(2027, 6, 30)
    assert single.project_activities[0].is_closed


def test_activities_salary_types_and_settings(tripletex_sandbox):
    client = tripletex_sandbox.client()

    activities = {a.name: a for a in client.activities()}
    shown = {t.number for t in client.salary_types(show_in_timesheet=True)}
    all_types = {t.number: t for t in client.salary_types()}
    settings = client.timesheet_settings()

    assert activities["Fakturerbart arbeid"].is_chargeable
    assert activities["Møter"].activity_type == "TASK"
    assert shown == {"2000", "2010", "2020", "2030"}
    assert not all_types["1000"].show_in_timesheet
    assert settings.default_project_activity_id == tripletex_sandbox.activity_id("Fakturerbart arbeid")


def test_activities_for_timesheet_follow_the_project_rules(tripletex_sandbox):
    client = tripletex_sandbox.client()
    employee = tripletex_sandbox.employee_id("1003")

    on_p100 = {
        a.name
        for a in client.activities_for_timesheet(
            project_id=tripletex_sandbox.project_id("P-100"), on=DAY, employee_id=employee
        )
    }
    on_p200 = {
        a.name
        for a in client.activities_for_timesheet(
            project_id=tripletex_sandbox.project_id("P-200"), on=DAY, employee_id=employee
        )
    }
    on_closed = list(
        client.activities_for_timesheet(project_id=tripletex_sandbox.project_id("P-500"), on=DAY)
    )

    assert on_p100 == {"Prosjektadministrasjon", "Fakturerbart arbeid", "Overtid 50 %", "Snekring"}
    assert on_p200 == {"Rørlegging", "Fakturerbart arbeid"}
    assert on_closed == []


def test_activities_for_timesheet_still_offer_an_activity_that_has_hours(tripletex_sandbox):
    # given hours on Snekring that day
    client = tripletex_sandbox.client()
    client.timesheet_entry_create(entry=_entry(tripletex_sandbox))

    # when
    names = {
        a.name
        for a in client.activities_for_timesheet(
            project_id=tripletex_sandbox.project_id("P-100"),
            on=DAY,
            employee_id=tripletex_sandbox.employee_id("1003"),
        )
    }

    # then: filterExistingHours=false keeps it, so an update is not mistaken for invalid
    assert "Snekring" in names


def test_entry_create_read_update_delete(tripletex_sandbox):
    client = tripletex_sandbox.client()

    created = client.timesheet_entry_create(entry=_entry(tripletex_sandbox, hours="7.25", comment="gj:1"))
    read = client.timesheet_entry(created.id)
    updated = client.timesheet_entry_update(entry=_replace(read, hours=Decimal("8.5")))
    client.timesheet_entry_delete(entry_id=updated.id, version=updated.version)

    assert created.hours == Decimal("7.25") and created.version == 0 and created.comment == "gj:1"
    assert read == created
    assert updated.hours == Decimal("8.5") and updated.version == 1
    assert tripletex_sandbox.state()["timesheetEntries"] == []
    with pytest.raises(NotFound):
        client.timesheet_entry(created.id)


def test_entries_batch_and_search_with_exclusive_date_to(tripletex_sandbox):
    client = tripletex_sandbox.client()
    batch = [
        _entry(tripletex_sandbox, on=DAY),
        _entry(tripletex_sandbox, on=DAY + timedelta(days=1), hours="4"),
        _entry(tripletex_sandbox, employee="1002", project=None, activity="Administrasjon", hours="2"),
    ]

    created = client.timesheet_entries_create(entries=batch)
    one_day = list(client.timesheet_entries(date_from=DAY, date_to=DAY + timedelta(days=1)))
    by_key = list(
        client.timesheet_entries(
            date_from=DAY,
            date_to=DAY + timedelta(days=2),
            employee_ids=[tripletex_sandbox.employee_id("1003")],
            project_ids=[tripletex_sandbox.project_id("P-100")],
            activity_ids=[tripletex_sandbox.activity_id("Snekring")],
        )
    )

    assert [e.hours for e in created] == [Decimal("7.5"), Decimal("4"), Decimal("2")]
    assert created[2].project_id is None
    assert {e.id for e in one_day} == {created[0].id, created[2].id}
    assert [e.date for e in by_key] == [DAY, DAY + timedelta(days=1)]
    assert tripletex_sandbox.request_count("POST /timesheet/entry/list") == 1


def test_second_entry_on_the_same_key_is_a_duplicate(tripletex_sandbox):
    client = tripletex_sandbox.client()
    client.timesheet_entry_create(entry=_entry(tripletex_sandbox))

    with pytest.raises(DuplicateEntry) as raised:
        client.timesheet_entry_create(entry=_entry(tripletex_sandbox, hours="1"))

    assert raised.value.status == 409 and raised.value.code == 14000
    assert raised.value.message == sandbox_messages.MSG_DUPLICATE
    assert raised.value.request_id
    assert len(tripletex_sandbox.state()["timesheetEntries"]) == 1


def test_stale_version_is_a_revision_conflict(tripletex_sandbox):
    client = tripletex_sandbox.client()
    created = client.timesheet_entry_create(entry=_entry(tripletex_sandbox))
    client.timesheet_entry_update(entry=_replace(created, hours=Decimal("6")))

    with pytest.raises(RevisionConflict) as raised:
        client.timesheet_entry_update(entry=_replace(created, hours=Decimal("5")))
    with pytest.raises(RevisionConflict):
        client.timesheet_entry_delete(entry_id=created.id, version=0)

    assert raised.value.code == 8000
    assert tripletex_sandbox.state()["timesheetEntries"][0]["hours"] == 6


def test_approved_month_locks_entries(tripletex_sandbox):
    # given an entry, then the month approved in Tripletex
    client = tripletex_sandbox.client()
    created = client.timesheet_entry_create(entry=_entry(tripletex_sandbox))
    tripletex_sandbox.approve_month(employee_id=created.employee_id, month_year="2026-03")

    # when / then
    assert client.timesheet_entry(created.id).locked
    with pytest.raises(Locked) as raised:
        client.timesheet_entry_update(entry=_replace(created, hours=Decimal("1")))
    with pytest.raises(Locked):
        client.timesheet_entry_delete(entry_id=created.id, version=created.version)
    with pytest.raises(Locked):
        client.timesheet_entry_create(entry=_entry(tripletex_sandbox, on=DAY + timedelta(days=1)))
    assert raised.value.code == 10000


def test_approved_week_locks_only_that_week(tripletex_sandbox):
    client = tripletex_sandbox.client()
    employee = tripletex_sandbox.employee_id("1003")
    tripletex_sandbox.approve_week(employee_id=employee, week_year="2026-11")  # 9-15 March 2026

    with pytest.raises(Locked):
        client.timesheet_entry_create(entry=_entry(tripletex_sandbox, on=date(2026, 3, 15)))
    outside = client.timesheet_entry_create(entry=_entry(tripletex_sandbox, on=date(2026, 3, 16)))

    assert not outside.locked


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"hours": "24.5"}, "hours", sandbox_messages.MSG_HOURS_OUT_OF_RANGE),
        ({"activity": "Rørlegging"}, "activity.id", sandbox_messages.MSG_ACTIVITY_NOT_USABLE),
        (
            {"project": "P-500", "activity": "Fakturerbart arbeid"},
            "project.id",
            sandbox_messages.MSG_PROJECT_CLOSED,
        ),
        (
            {"project": "P-700", "activity": "Fakturerbart arbeid"},
            "date",
            sandbox_messages.MSG_DATE_OUTSIDE_PROJECT,
        ),
        (
            {"project": None, "activity": "Fakturerbart arbeid"},
            "activity.id",
            sandbox_messages.MSG_ACTIVITY_NOT_USABLE,
        ),
        ({"employee": "1018"}, "employee.id", sandbox_messages.MSG_EMPLOYEE_CANNOT_REGISTER),
    ],
)
def test_entries_tripletex_would_refuse_are_validation_errors(tripletex_sandbox, changes, field, message):
    client = tripletex_sandbox.client()

    with pytest.raises(ValidationError) as raised:
        client.timesheet_entry_create(entry=_entry(tripletex_sandbox, **changes))

    assert raised.value.status == 422
    assert [(v.field, v.message) for v in raised.value.validation_messages] == [(field, message)]
    assert tripletex_sandbox.state()["timesheetEntries"] == []


def test_salary_type_specification_lifecycle(tripletex_sandbox):
    client = tripletex_sandbox.client()
    employee = tripletex_sandbox.employee_id("1003")
    new = NewSalaryTypeSpecification(
        employee_id=employee,
        salary_type_id=tripletex_sandbox.salary_type_id("2010"),
        date=DAY,
        count=Decimal("2.5"),
    )

    created = client.salary_type_specification_create(specification=new)
    with pytest.raises(DuplicateEntry):
        client.salary_type_specification_create(specification=new)
    found = list(
        client.salary_type_specifications(
            date_from=DAY, date_to=DAY + timedelta(days=1), employee_id=employee
        )
    )
    none_found = list(
        client.salary_type_specifications(date_from=DAY + timedelta(days=1), date_to=DAY + timedelta(days=2))
    )
    updated = client.salary_type_specification_update(specification=_replace(created, count=Decimal("3")))
    with pytest.raises(RevisionConflict):
        client.salary_type_specification_update(specification=created)
    read = client.salary_type_specification(created.id)
    client.salary_type_specification_delete(specification_id=created.id)

    assert found == [created] and none_found == []
    assert updated.count == Decimal("3") and updated.version == 1 and read == updated
    assert tripletex_sandbox.state()["salaryTypeSpecifications"] == []


def test_salary_type_hidden_from_the_timesheet_is_refused(tripletex_sandbox):
    client = tripletex_sandbox.client()
    new = NewSalaryTypeSpecification(
        employee_id=tripletex_sandbox.employee_id("1003"),
        salary_type_id=tripletex_sandbox.salary_type_id("1000"),
        date=DAY,
        count=Decimal("1"),
    )

    with pytest.raises(ValidationError) as raised:
        client.salary_type_specification_create(specification=new)

    assert [(v.field, v.message) for v in raised.value.validation_messages] == [
        ("salaryType.id", sandbox_messages.MSG_SALARY_TYPE_NOT_IN_TIMESHEET)
    ]


def test_wrong_application_name_means_invalid_credentials(tripletex_sandbox):
    client = tripletex_sandbox.client(employee_token=DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN)

    with pytest.raises(InvalidCredentials) as raised:
        client.whoami()

    assert raised.value.status == 422
    assert DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN not in str(raised.value)
    assert [v.field for v in raised.value.validation_messages] == ["arg:employeeToken"]


def test_wrong_consumer_token_means_invalid_credentials(tripletex_sandbox):
    client = tripletex_sandbox.client(consumer_token="not-our-consumer-token")

    with pytest.raises(InvalidCredentials) as raised:
        client.whoami()

    assert (raised.value.validation_messages[0].field, raised.value.validation_messages[0].message) == (
        "arg:consumerToken",
        sandbox_messages.MSG_CONSUMER_TOKEN_INVALID,
    )


def test_missing_entitlement_is_permission_denied(tripletex_sandbox):
    client = tripletex_sandbox.client(employee_token=DEMO_READ_ONLY_EMPLOYEE_TOKEN)

    assert len(list(client.employees())) == 18
    with pytest.raises(PermissionDenied) as raised:
        list(client.projects())

    assert raised.value.code == 9000


def test_session_is_reused_and_renewed_after_the_sandbox_forgets_it(tripletex_sandbox):
    client = tripletex_sandbox.client()
    client.whoami()
    client.whoami()
    assert client.sessions_created == 1

    # when the sandbox loses every session (as after a Tripletex-side revocation)
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.sessions.clear()
    who = client.whoami()

    # then one new session and one retry
    assert who.company_name == "Grønn Bygg AS"
    assert client.sessions_created == 2
    assert tripletex_sandbox.request_count("GET /token/session/>whoAmI") == 4


def test_rate_limit_headers_are_recorded_and_429_carries_reset(tripletex_sandbox, monkeypatch):
    # given a budget of two requests per session owner (creating the session is counted apart)
    tripletex_sandbox.set_rate_limit(limit=2, period_seconds=60)
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    client = tripletex_sandbox.client()

    # when the budget is used up
    client.whoami()
    info = client.last_response_info
    client.whoami()
    with pytest.raises(RateLimited) as raised:
        client.whoami()

    # then the third call is refused at once, without a request and without sleeping
    assert info is not None and info.rate_limit_limit == 2 and info.rate_limit_remaining == 1
    assert info.request_id
    assert raised.value.reset_seconds is not None and 0 < raised.value.reset_seconds <= 60
    assert tripletex_sandbox.request_count("GET /token/session/>whoAmI") == 2
    assert slept == []


def test_429_without_reset_header(tripletex_sandbox):
    tripletex_sandbox.set_faults(rateLimitStorm={"requests": 2, "resetSeconds": None})
    client = tripletex_sandbox.client()

    with pytest.raises(RateLimited) as raised:
        client.whoami()

    assert raised.value.reset_seconds is None


def test_storm_with_reset_seconds(tripletex_sandbox, monkeypatch):
    # given a session, then a 429 saying «come back in 17 s», and a clock we move
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    now = [datetime.now(UTC)]
    client = tripletex_sandbox.client(clock=lambda: now[0])
    client.whoami()
    tripletex_sandbox.set_faults(rateLimitStorm={"requests": 1, "resetSeconds": 17})

    # when
    with pytest.raises(RateLimited) as raised:
        client.whoami()
    with pytest.raises(RateLimited) as refused:
        client.whoami()
    sent_before_reset = tripletex_sandbox.request_count("GET /token/session/>whoAmI")
    now[0] += timedelta(seconds=17)
    who = client.whoami()

    # then the call inside the window is refused here at once; after it, the client sends again
    assert raised.value.reset_seconds == 17
    assert refused.value.reset_seconds == 17
    assert sent_before_reset == 2
    assert who.company_id
    assert slept == []


def test_server_error_on_write_stores_nothing(tripletex_sandbox):
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": "POST /timesheet/entry", "action": "error", "status": 503, "times": 1}]
    )
    client = tripletex_sandbox.client()

    with pytest.raises(ServerError) as raised:
        client.timesheet_entry_create(entry=_entry(tripletex_sandbox))
    retried = client.timesheet_entry_create(entry=_entry(tripletex_sandbox))

    assert raised.value.status == 503
    assert [e["id"] for e in tripletex_sandbox.state()["timesheetEntries"]] == [retried.id]


def test_stored_then_connection_dropped_is_maybe_sent_and_the_entry_exists(tripletex_sandbox):
    # given Tripletex stores the entry, then the connection drops before the answer
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": "POST /timesheet/entry", "action": "dropAfterStore", "times": 1}]
    )
    client = tripletex_sandbox.client()

    # when
    with pytest.raises(MaybeSent):
        client.timesheet_entry_create(entry=_entry(tripletex_sandbox))
    found = list(
        client.timesheet_entries(
            date_from=DAY,
            date_to=DAY + timedelta(days=1),
            employee_ids=[tripletex_sandbox.employee_id("1003")],
        )
    )

    # then the look-up finds exactly one entry; one POST in all
    assert len(found) == 1
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 1


def test_dropped_before_store_is_maybe_sent_and_nothing_exists(tripletex_sandbox):
    tripletex_sandbox.set_faults(rules=[{"endpoint": "POST /timesheet/entry", "action": "drop", "times": 1}])
    client = tripletex_sandbox.client()

    with pytest.raises(MaybeSent):
        client.timesheet_entry_create(entry=_entry(tripletex_sandbox))

    assert tripletex_sandbox.state()["timesheetEntries"] == []


def test_slow_answer_after_store_is_maybe_sent(tripletex_sandbox):
    tripletex_sandbox.set_faults(
        rules=[
            {"endpoint": "POST /timesheet/entry", "action": "delayAfterStore", "latencyMs": 1500, "times": 1}
        ]
    )
    client = tripletex_sandbox.client(timeout=Timeout(connect=2.0, read=0.3))

    with pytest.raises(MaybeSent):
        client.timesheet_entry_create(entry=_entry(tripletex_sandbox))

    assert len(tripletex_sandbox.state()["timesheetEntries"]) == 1


@pytest.mark.parametrize("action", ["htmlAfterStore", "emptyAfterStore", "noObjectAfterStore"])
def test_stored_but_garbled_answer_is_maybe_sent(tripletex_sandbox, action):
    tripletex_sandbox.set_faults(rules=[{"endpoint": "POST /timesheet/entry", "action": action, "times": 1}])
    client = tripletex_sandbox.client()

    with pytest.raises(MaybeSent):
        client.timesheet_entry_create(entry=_entry(tripletex_sandbox))

    assert len(tripletex_sandbox.state()["timesheetEntries"]) == 1


def test_refused_connection_is_not_sent():
    # given a loopback port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = TripletexClient(employee_token="e", consumer_token="c", base_url=f"http://127.0.0.1:{port}/v2")

    with pytest.raises(NotSent):
        client.whoami()


def test_a_client_built_from_settings_reaches_the_sandbox(tripletex_sandbox_settings):
    client = TripletexClient(employee_token=tripletex_sandbox_settings.employee_token)

    assert client.base_url == tripletex_sandbox_settings.base_url
    assert client.whoami().company_name == "Grønn Bygg AS"
