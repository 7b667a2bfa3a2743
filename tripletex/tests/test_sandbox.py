"""The sandbox behaves like Tripletex where GrønnJobb depends on it. Raw HTTP, no client."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import time_machine
from werkzeug.test import Client

from tripletex.sandbox import DEMO_CONSUMER_TOKEN, DEMO_EMPLOYEE_TOKEN, SandboxApp, SeedOptions
from tripletex.sandbox import messages as msg
from tripletex.sandbox.testing import SandboxHandle

DAY = "2026-03-10"


@pytest.fixture
def http(tripletex_sandbox):
    return tripletex_sandbox.http()


def entry_body(sandbox: SandboxHandle, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "employee": {"id": sandbox.employee_id("1003")},
        "project": {"id": sandbox.project_id("P-100")},
        "activity": {"id": sandbox.activity_id("Snekring")},
        "date": DAY,
        "hours": 7.5,
    }
    body.update(overrides)
    return body


def post_entry(sandbox: SandboxHandle, http: requests.Session, **overrides: Any) -> requests.Response:
    return http.post(f"{sandbox.base_url}/timesheet/entry", json=entry_body(sandbox, **overrides), timeout=5)


def validation(response: requests.Response) -> list[tuple[str, str]]:
    return [(v["field"], v["message"]) for v in response.json()["validationMessages"]]


# ------------------------------------------------------------------ tokens and sessions


def test_session_create_without_expiration_date_is_refused(tripletex_sandbox):
    response = requests.post(
        f"{tripletex_sandbox.base_url}/token/session/:create",
        json={"consumerToken": DEMO_CONSUMER_TOKEN, "employeeToken": DEMO_EMPLOYEE_TOKEN},
        timeout=5,
    )

    assert response.status_code == 422
    assert response.json()["code"] == msg.CODE_VALIDATION
    assert validation(response) == [("expirationDate", msg.MSG_NOT_NULL)]


def test_legacy_put_and_post_with_query_parameters_both_create_sessions(tripletex_sandbox):
    params = {
        "consumerToken": DEMO_CONSUMER_TOKEN,
        "employeeToken": DEMO_EMPLOYEE_TOKEN,
        "expirationDate": "2099-01-01",
    }

    legacy = requests.put(f"{tripletex_sandbox.base_url}/token/session/:create", params=params, timeout=5)
    post = requests.post(f"{tripletex_sandbox.base_url}/token/session/:create", params=params, timeout=5)

    assert legacy.status_code == 200 and post.status_code == 201
    assert legacy.json()["value"]["token"] != post.json()["value"]["token"]


def test_wrong_consumer_token_is_422_with_the_observed_message(tripletex_sandbox):
    response = requests.post(
        f"{tripletex_sandbox.base_url}/token/session/:create",
        json={"consumerToken": "wrong", "employeeToken": DEMO_EMPLOYEE_TOKEN, "expirationDate": "2099-01-01"},
        timeout=5,
    )

    assert response.status_code == 422
    assert validation(response) == [("arg:consumerToken", msg.MSG_CONSUMER_TOKEN_INVALID)]
    assert response.json()["validationMessages"][0]["path"] is None


def _session(sandbox: SandboxHandle, expiration: str) -> str:
    response = requests.post(
        f"{sandbox.base_url}/token/session/:create",
        json={
            "consumerToken": DEMO_CONSUMER_TOKEN,
            "employeeToken": DEMO_EMPLOYEE_TOKEN,
            "expirationDate": expiration,
        },
        timeout=5,
    )
    assert response.status_code == 201
    token: str = response.json()["value"]["token"]
    return token


def test_session_expires_at_the_start_of_its_expiration_date_in_oslo(tripletex_sandbox):
    token = _session(tripletex_sandbox, "2026-03-12")
    url = f"{tripletex_sandbox.base_url}/token/session/>whoAmI"

    # 23:59:59 on 11 March in Oslo (CET, UTC+1): still valid
    with time_machine.travel(datetime(2026, 3, 11, 22, 59, 59, tzinfo=UTC), tick=False):
        before = requests.get(url, auth=("0", token), timeout=5)
    # midnight in Oslo: expired
    with time_machine.travel(datetime(2026, 3, 11, 23, 0, 0, tzinfo=UTC), tick=False):
        after = requests.get(url, auth=("0", token), timeout=5)

    assert before.status_code == 200
    assert after.status_code == 401
    assert after.json()["code"] == msg.CODE_AUTHENTICATION
    assert after.json()["developerMessage"] == msg.DEV_EXPIRED_SESSION


def test_a_session_expiring_today_is_born_expired(tripletex_sandbox):
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=UTC), tick=False):
        token = _session(tripletex_sandbox, "2026-03-10")
        response = requests.get(f"{tripletex_sandbox.base_url}/employee", auth=("0", token), timeout=5)

    assert response.status_code == 401


def test_unknown_session_and_bad_username_are_401(tripletex_sandbox):
    token = _session(tripletex_sandbox, "2099-01-01")
    url = f"{tripletex_sandbox.base_url}/employee"

    unknown = requests.get(url, auth=("0", "not-a-session"), timeout=5)
    bad_user = requests.get(url, auth=("ola@example.no", token), timeout=5)
    company_id = requests.get(url, auth=(str(tripletex_sandbox.app.store.company.id), token), timeout=5)
    missing = requests.get(url, timeout=5)

    assert [unknown.status_code, bad_user.status_code, missing.status_code] == [401, 401, 401]
    assert bad_user.json()["developerMessage"] == msg.DEV_BAD_USERNAME
    assert company_id.status_code == 200


def test_deleted_session_stops_working(tripletex_sandbox):
    token = _session(tripletex_sandbox, "2099-01-01")

    deleted = requests.delete(
        f"{tripletex_sandbox.base_url}/token/session/{token}", auth=("0", token), timeout=5
    )
    after = requests.get(f"{tripletex_sandbox.base_url}/employee", auth=("0", token), timeout=5)

    assert deleted.status_code == 204 and deleted.content == b""
    assert after.status_code == 401


def test_who_am_i_answers_with_raw_and_encoded_greater_than():
    app = SandboxApp()
    client = Client(app)
    token = client.post(
        "/v2/token/session/:create",
        json={
            "consumerToken": DEMO_CONSUMER_TOKEN,
            "employeeToken": DEMO_EMPLOYEE_TOKEN,
            "expirationDate": "2099-01-01",
        },
    ).get_json()["value"]["token"]
    headers = {"Authorization": "Basic " + __import__("base64").b64encode(f"0:{token}".encode()).decode()}

    raw = client.get("/v2/token/session/>whoAmI", headers=headers)
    encoded = client.get("/v2/token/session/%3EwhoAmI", headers=headers)

    assert raw.status_code == encoded.status_code == 200
    assert raw.get_json()["value"]["companyId"] == app.store.company.id


# ------------------------------------------------------------------ envelopes, paging, fields


def test_list_envelope_paging_and_references(tripletex_sandbox, http):
    response = http.get(f"{tripletex_sandbox.base_url}/project", params={"from": 2, "count": 3}, timeout=5)

    body = response.json()
    assert set(body) == {"fullResultSize", "from", "count", "versionDigest", "values"}
    assert (body["from"], body["count"], body["fullResultSize"]) == (2, 3, 9)
    assert body["versionDigest"] == msg.VERSION_DIGEST_NOT_REQUESTED
    manager = body["values"][0]["projectManager"]
    assert set(manager) == {"id", "url"}
    assert manager["url"] == f"127.0.0.1:{tripletex_sandbox.server.port}/v2/employee/{manager['id']}"
    assert response.headers["x-tlx-request-id"]


def test_negative_paging_is_refused(tripletex_sandbox, http):
    response = http.get(f"{tripletex_sandbox.base_url}/employee", params={"count": -1}, timeout=5)

    assert response.status_code == 422
    assert validation(response) == [("count", msg.MSG_WRONG_TYPE)]


def test_full_result_size_can_be_made_useless(tripletex_sandbox, http):
    tripletex_sandbox.set_faults(fullResultSize="zero")

    body = http.get(f"{tripletex_sandbox.base_url}/employee", timeout=5).json()

    assert body["fullResultSize"] == 0 and body["count"] == 18


def test_fields_filter_expands_nested_objects(tripletex_sandbox, http):
    response = http.get(
        f"{tripletex_sandbox.base_url}/project/{tripletex_sandbox.project_id('P-200')}",
        params={"fields": "name,projectActivities(isClosed,activity(name,activityType))"},
        timeout=5,
    )

    assert response.json()["value"] == {
        "name": "Rehabilitering Ås sykehjem",
        "projectActivities": [
            {
                "isClosed": False,
                "activity": {"name": "Rørlegging", "activityType": "PROJECT_SPECIFIC_ACTIVITY"},
            },
            {
                "isClosed": False,
                "activity": {"name": "Fakturerbart arbeid", "activityType": "PROJECT_GENERAL_ACTIVITY"},
            },
        ],
    }


@pytest.mark.parametrize(
    ("fields", "field", "model"),
    [("id,nope", "nope", "ProjectDTO"), ("projectActivities(activity(colour))", "colour", "ActivityDTO")],
)
def test_unknown_field_in_fields_filter_is_400(tripletex_sandbox, http, fields, field, model):
    response = http.get(f"{tripletex_sandbox.base_url}/project", params={"fields": fields}, timeout=5)

    assert response.status_code == 400
    assert response.json()["code"] == msg.CODE_ILLEGAL_FILTER
    assert response.json()["message"] == msg.MSG_ILLEGAL_FIELD.format(field=field, model=model)


def test_changes_only_when_asked_for(tripletex_sandbox, http):
    url = f"{tripletex_sandbox.base_url}/activity"

    default = http.get(url, params={"count": 1}, timeout=5).json()["values"][0]
    asked = http.get(url, params={"count": 1, "fields": "*,changes"}, timeout=5).json()["values"][0]

    assert "changes" not in default
    assert asked["changes"] == [] and asked["name"] == default["name"]


def test_search_requires_dates_and_sums_all_hours_beyond_the_page(tripletex_sandbox, http):
    for day in ("2026-03-10", "2026-03-11", "2026-03-12"):
        assert post_entry(tripletex_sandbox, http, date=day, hours=2.5).status_code == 201
    url = f"{tripletex_sandbox.base_url}/timesheet/entry"

    missing = http.get(url, params={"dateFrom": "2026-03-10"}, timeout=5)
    page = http.get(
        url, params={"dateFrom": "2026-03-10", "dateTo": "2026-03-12", "count": 1}, timeout=5
    ).json()

    assert missing.status_code == 422
    assert validation(missing) == [("dateTo", msg.MSG_NOT_NULL)]
    assert page["count"] == 1 and page["fullResultSize"] == 2
    assert page["sumAllHours"] == 5  # the 12th is excluded: dateTo is exclusive


def test_path_ids_must_be_numbers_and_exist(tripletex_sandbox, http):
    words = http.get(f"{tripletex_sandbox.base_url}/timesheet/entry/abc", timeout=5)
    missing = http.get(f"{tripletex_sandbox.base_url}/timesheet/entry/1", timeout=5)

    assert words.status_code == 422
    assert words.json()["message"] == msg.MSG_WRONG_NUMBER.format(value="abc")
    assert missing.status_code == 404
    assert (missing.json()["code"], missing.json()["message"]) == (
        msg.CODE_NOT_FOUND,
        msg.MSG_OBJECT_NOT_FOUND,
    )


def test_error_request_id_matches_the_header(tripletex_sandbox, http):
    response = http.get(f"{tripletex_sandbox.base_url}/timesheet/entry/1", timeout=5)

    assert response.json()["requestId"] == response.headers["x-tlx-request-id"]
    assert response.json()["link"] == msg.DOCS_LINK


def test_unknown_path_and_wrong_method(tripletex_sandbox, http):
    unknown = http.get(f"{tripletex_sandbox.base_url}/invoice", timeout=5)
    wrong = http.post(f"{tripletex_sandbox.base_url}/employee/1", json={}, timeout=5)

    assert unknown.status_code == 404
    assert wrong.status_code == 405


# ------------------------------------------------------------------ bodies


def test_unknown_body_property_is_422(tripletex_sandbox, http):
    response = post_entry(tripletex_sandbox, http, colour="grønn")

    assert response.status_code == 422
    assert response.json()["code"] == msg.CODE_MAPPING
    assert validation(response) == [("colour", msg.MSG_UNKNOWN_PROPERTY)]


def test_wrong_types_missing_fields_and_bad_json_are_422(tripletex_sandbox, http):
    wrong_type = post_entry(tripletex_sandbox, http, hours="sju")
    missing = http.post(f"{tripletex_sandbox.base_url}/timesheet/entry", json={"hours": 1}, timeout=5)
    broken = http.post(
        f"{tripletex_sandbox.base_url}/timesheet/entry",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )

    assert validation(wrong_type) == [("hours", msg.MSG_WRONG_TYPE)]
    assert validation(missing) == [
        ("employee", msg.MSG_FIELD_REQUIRED),
        ("activity", msg.MSG_FIELD_REQUIRED),
        ("date", msg.MSG_FIELD_REQUIRED),
    ]
    assert broken.status_code == 422 and broken.json()["code"] == msg.CODE_INVALID_JSON


def test_put_nulls_fields_that_are_present_but_empty(tripletex_sandbox, http):
    created = post_entry(tripletex_sandbox, http, comment="gj:1").json()["value"]
    url = f"{tripletex_sandbox.base_url}/timesheet/entry/{created['id']}"

    updated = http.put(url, json={"comment": None, "hours": 0}, timeout=5).json()["value"]
    no_project = http.put(url, json={"project": None}, timeout=5)

    assert (updated["comment"], updated["hours"], updated["version"]) == ("", 0, 1)
    assert validation(no_project) == [("activity.id", msg.MSG_ACTIVITY_NOT_USABLE)]


def test_a_comment_longer_than_tripletex_takes_is_refused_on_every_write(tripletex_sandbox, http):
    # given
    longest = "x" * 255
    stored = post_entry(tripletex_sandbox, http, comment=longest)
    url = f"{tripletex_sandbox.base_url}/timesheet/entry"

    # when
    created = post_entry(tripletex_sandbox, http, date="2026-03-11", comment=longest + "x")
    listed = http.post(f"{url}/list", json=[entry_body(tripletex_sandbox, comment=longest + "x")], timeout=5)
    updated = http.put(f"{url}/{stored.json()['value']['id']}", json={"comment": longest + "x"}, timeout=5)

    # then
    too_long = [("comment", msg.MSG_TOO_LONG.format(max=255))]
    assert stored.status_code == 201
    assert [r.status_code for r in (created, listed, updated)] == [422, 422, 422]
    assert [r.json()["code"] for r in (created, listed, updated)] == [msg.CODE_VALIDATION] * 3
    assert [validation(r) for r in (created, listed, updated)] == [too_long] * 3
    assert [e["comment"] for e in tripletex_sandbox.state()["timesheetEntries"]] == [longest]


def test_put_list_updates_every_entry(tripletex_sandbox, http):
    first = post_entry(tripletex_sandbox, http).json()["value"]
    second = post_entry(tripletex_sandbox, http, date="2026-03-11").json()["value"]

    response = http.put(
        f"{tripletex_sandbox.base_url}/timesheet/entry/list",
        json=[{"id": first["id"], "version": 0, "hours": 1}, {"id": second["id"], "version": 0, "hours": 2}],
        timeout=5,
    )

    assert response.status_code == 200
    assert [(v["hours"], v["version"]) for v in response.json()["values"]] == [(1, 1), (2, 1)]


def test_batch_with_a_duplicate_stores_nothing(tripletex_sandbox, http):
    body = entry_body(tripletex_sandbox)

    response = http.post(f"{tripletex_sandbox.base_url}/timesheet/entry/list", json=[body, body], timeout=5)

    assert response.status_code == 409 and response.json()["code"] == msg.CODE_DUPLICATE
    assert tripletex_sandbox.state()["timesheetEntries"] == []


def test_participants_only_project(tripletex_sandbox, http):
    activity = {"id": tripletex_sandbox.activity_id("Fakturerbart arbeid")}
    project = {"id": tripletex_sandbox.project_id("P-600")}

    outsider = post_entry(tripletex_sandbox, http, project=project, activity=activity)
    participant = post_entry(
        tripletex_sandbox,
        http,
        project=project,
        activity=activity,
        employee={"id": tripletex_sandbox.employee_id("1002")},
    )

    assert validation(outsider) == [("activity.id", msg.MSG_ACTIVITY_NOT_USABLE)]
    assert participant.status_code == 201


def test_for_timesheet_hides_used_activities_by_default(tripletex_sandbox, http):
    post_entry(tripletex_sandbox, http)
    params = {
        "projectId": tripletex_sandbox.project_id("P-100"),
        "employeeId": tripletex_sandbox.employee_id("1003"),
        "date": DAY,
    }
    url = f"{tripletex_sandbox.base_url}/activity/>forTimeSheet"

    default = {a["name"] for a in http.get(url, params=params, timeout=5).json()["values"]}
    unfiltered = {
        a["name"]
        for a in http.get(url, params=params | {"filterExistingHours": "false"}, timeout=5).json()["values"]
    }
    missing_project = http.get(url, timeout=5)

    assert "Snekring" not in default and "Snekring" in unfiltered
    assert missing_project.status_code == 422


def test_projects_for_timesheet_and_by_number(tripletex_sandbox, http):
    numbers = {
        p["number"]
        for p in http.get(
            f"{tripletex_sandbox.base_url}/project/>forTimeSheet", params={"date": DAY}, timeout=5
        ).json()["values"]
    }
    by_number = http.get(f"{tripletex_sandbox.base_url}/project/number/P-300", timeout=5)
    unknown = http.get(f"{tripletex_sandbox.base_url}/project/number/P-999", timeout=5)

    assert {"P-100", "P-200", "P-300", "P-400", "P-600"} <= numbers
    assert not {"P-500", "P-700"} & numbers
    assert by_number.json()["value"]["name"] == "Fasade Tromsø rådhus"
    assert unknown.status_code == 404


# ------------------------------------------------------------------ approval and locks


def test_month_approval_up_to_a_date_locks_only_up_to_it(tripletex_sandbox, http):
    employee = tripletex_sandbox.employee_id("1003")
    early = post_entry(tripletex_sandbox, http, date="2026-03-10").json()["value"]
    late = post_entry(tripletex_sandbox, http, date="2026-03-20").json()["value"]

    tripletex_sandbox.approve_month(employee_id=employee, month_year="2026-03", approved_until="2026-03-15")
    entry_url = f"{tripletex_sandbox.base_url}/timesheet/entry"
    locked = http.put(f"{entry_url}/{early['id']}", json={"hours": 1}, timeout=5)
    open_entry = http.put(f"{entry_url}/{late['id']}", json={"hours": 1}, timeout=5)
    status = http.get(
        f"{tripletex_sandbox.base_url}/timesheet/month/byMonthNumberList",
        params={"employeeIds": employee, "monthYearList": "2026-03"},
        timeout=5,
    ).json()["values"][0]

    assert locked.status_code == 409 and locked.json()["code"] == msg.CODE_LOCKED
    assert locked.json()["message"] == msg.MSG_LOCKED
    assert open_entry.status_code == 200
    assert (status["approved"], status["approvedUntilDate"]) == (True, "2026-03-15")
    assert len(status["timesheetEntries"]) == 2


def test_month_unapprove_unlocks(tripletex_sandbox, http):
    employee = tripletex_sandbox.employee_id("1003")
    entry = post_entry(tripletex_sandbox, http).json()["value"]
    tripletex_sandbox.approve_month(employee_id=employee, month_year="2026-03")

    unapproved = http.put(
        f"{tripletex_sandbox.base_url}/timesheet/month/:unapprove",
        params={"employeeIds": employee, "monthYear": "2026-03"},
        timeout=5,
    )
    deleted = http.delete(f"{tripletex_sandbox.base_url}/timesheet/entry/{entry['id']}", timeout=5)

    assert unapproved.json()["values"][0]["approved"] is False
    assert deleted.status_code == 204


def test_week_approval_is_listed_and_locks_specifications_too(tripletex_sandbox, http):
    employee = tripletex_sandbox.employee_id("1003")
    tripletex_sandbox.approve_week(employee_id=employee, week_year="2026-11")

    weeks = http.get(
        f"{tripletex_sandbox.base_url}/timesheet/week", params={"employeeIds": employee}, timeout=5
    ).json()
    spec = http.post(
        f"{tripletex_sandbox.base_url}/timesheet/salaryTypeSpecification",
        json={
            "employee": {"id": employee},
            "salaryType": {"id": tripletex_sandbox.salary_type_id("2010")},
            "date": DAY,
            "count": 1,
        },
        timeout=5,
    )

    assert [(w["year"], w["week"], w["approved"]) for w in weeks["values"]] == [(2026, 11, True)]
    assert spec.status_code == 409 and spec.json()["code"] == msg.CODE_LOCKED


# ------------------------------------------------------------------ rate limits


def test_rate_limit_headers_on_every_answer_and_429_past_the_limit(tripletex_sandbox, http):
    tripletex_sandbox.set_rate_limit(limit=2, period_seconds=30)
    url = f"{tripletex_sandbox.base_url}/employee"

    answers = [http.get(url, params={"count": 1}, timeout=5) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-Rate-Limit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert all(a.headers["X-Rate-Limit-Limit"] == "2" for a in answers)
    assert 0 < int(answers[2].headers["X-Rate-Limit-Reset"]) <= 30
    assert answers[2].json()["status"] == 429


def test_429_can_leave_out_the_reset_header(tripletex_sandbox, http):
    tripletex_sandbox.set_rate_limit(limit=1, period_seconds=30, omit_reset_on_429=True)
    url = f"{tripletex_sandbox.base_url}/employee"

    ok, limited = http.get(url, timeout=5), http.get(url, timeout=5)

    assert "X-Rate-Limit-Reset" in ok.headers
    assert limited.status_code == 429 and "X-Rate-Limit-Reset" not in limited.headers


# ------------------------------------------------------------------ /_sandbox


def test_control_api_faults_state_requests_and_reset(tripletex_sandbox, http):
    root = f"{tripletex_sandbox.root_url}/_sandbox"
    configured = requests.post(
        f"{root}/faults",
        json={"rules": [{"endpoint": "GET /employee", "action": "error", "status": 500, "times": 1}]},
        timeout=5,
    )
    failed = http.get(f"{tripletex_sandbox.base_url}/employee", timeout=5)
    recovered = http.get(f"{tripletex_sandbox.base_url}/employee", timeout=5)
    post_entry(tripletex_sandbox, http)
    counts = requests.get(f"{root}/requests", timeout=5).json()
    bad = requests.post(f"{root}/faults", json={"rules": [{"action": "explode"}]}, timeout=5)
    reset = requests.post(f"{root}/reset", timeout=5)

    assert configured.json()["rules"][0]["times"] == 1
    assert failed.status_code == 500 and failed.json()["code"] == msg.CODE_SERVER_ERROR
    assert recovered.status_code == 200
    assert counts["GET /employee"] == 2 and counts["POST /timesheet/entry"] == 1
    assert bad.status_code == 400
    assert reset.status_code == 200
    assert tripletex_sandbox.state()["timesheetEntries"] == []
    assert requests.get(f"{root}/faults", timeout=5).json()["rules"] == []


def test_error_rate_is_partial_and_repeatable(tripletex_sandbox, http):
    def run() -> list[int]:
        tripletex_sandbox.app.reset()
        tripletex_sandbox.set_faults(
            rules=[{"endpoint": "GET /activity", "action": "error", "status": 503, "rate": 0.5}]
        )
        session = tripletex_sandbox.http()
        return [
            session.get(f"{tripletex_sandbox.base_url}/activity", timeout=5).status_code for _ in range(12)
        ]

    first, second = run(), run()

    assert first == second
    assert 0 < first.count(503) < 12


def test_tokens_endpoint_lists_the_demo_tokens(tripletex_sandbox):
    tokens = requests.get(f"{tripletex_sandbox.root_url}/_sandbox/tokens", timeout=5).json()

    assert tokens["consumerToken"] == DEMO_CONSUMER_TOKEN
    assert tokens["employeeToken"] == DEMO_EMPLOYEE_TOKEN
    assert tokens["applicationName"] == "GrønnJobb"


# ------------------------------------------------------------------ demo data


def _employees(app: SandboxApp) -> list[tuple[str, str, str, str]]:
    return [(e.employee_number, e.first_name, e.last_name, e.email) for e in app.store.employees.values()]


def test_demo_company_is_deterministic_and_overlaps_the_hr_demo():
    first, second = SandboxApp(), SandboxApp()

    numbers = {e.employee_number for e in first.store.employees.values()}
    projects = {p.number: p for p in first.store.projects.values()}
    assert _employees(first) == _employees(second)
    assert {"1001", "1002", "1003", "1014", ""} <= numbers
    assert {e.email for e in first.store.employees.values()} >= {
        "admin@gronnbygg.no",
        "leder@gronnbygg.no",
        "ansatt@gronnbygg.no",
    }
    assert {"P-100", "P-200", "P-300", "P-400", ""} <= set(projects)
    assert projects["P-500"].is_closed
    assert any(not t.show_in_timesheet for t in first.store.salary_types.values())
    assert any(ch in json.dumps(_employees(first), ensure_ascii=False) for ch in "æøåÆØÅ")


def test_generator_adds_employees_and_projects_and_seed_changes_only_names():
    small = SandboxApp(options=SeedOptions(employees=50, projects=20, seed=1))
    same_seed = SandboxApp(options=SeedOptions(employees=50, projects=20, seed=1))
    other_seed = SandboxApp(options=SeedOptions(employees=50, projects=20, seed=2))

    assert len(small.store.employees) == 19 + 50
    assert len(small.store.projects) == 9 + 20
    assert _employees(small) == _employees(same_seed)
    assert _employees(small) != _employees(other_seed)
    assert [e.employee_number for e in small.store.employees.values()] == [
        e.employee_number for e in other_seed.store.employees.values()
    ]


def test_sorting_descending_and_unknown_sort_field(tripletex_sandbox, http):
    url = f"{tripletex_sandbox.base_url}/salary/type"

    numbers = [t["number"] for t in http.get(url, params={"sorting": "-number"}, timeout=5).json()["values"]]
    refused = http.get(url, params={"sorting": "colour"}, timeout=5)

    assert numbers == sorted(numbers, reverse=True) and len(numbers) == 7
    assert refused.status_code == 422 and refused.json()["code"] == msg.CODE_SORTING


def test_added_latency_makes_a_patient_enough_client_time_out(tripletex_sandbox):
    from tripletex.client import NotSent, Timeout, TransportError

    tripletex_sandbox.set_faults(latencyMs=1500)
    client = tripletex_sandbox.client(timeout=Timeout(connect=2, read=0.2))

    with pytest.raises(TransportError) as raised:
        client.whoami()

    assert not isinstance(raised.value, NotSent)


def test_after_store_fault_waits_for_a_request_that_stores(tripletex_sandbox, http):
    # given a drop-after-store fault, and a first request that is refused (422)
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": "POST /timesheet/entry", "action": "dropAfterStore", "times": 1}]
    )
    refused = post_entry(tripletex_sandbox, http, hours=25)

    # when a valid request follows
    with pytest.raises(requests.ConnectionError):
        post_entry(tripletex_sandbox, http)

    # then the fault hit the request that stored
    assert refused.status_code == 422
    assert len(tripletex_sandbox.state()["timesheetEntries"]) == 1
    assert tripletex_sandbox.app.faults.snapshot().rules[0].times == 0


def test_concurrent_posts_of_one_key_store_exactly_one_entry(tripletex_sandbox):
    # given eight threads posting the same entry at the same moment
    import threading

    barrier = threading.Barrier(8)
    statuses = []
    lock = threading.Lock()

    def post():
        session = tripletex_sandbox.http()
        barrier.wait()
        response = post_entry(tripletex_sandbox, session)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then one created, seven duplicates, one stored
    assert sorted(statuses) == [201] + [409] * 7
    assert len(tripletex_sandbox.state()["timesheetEntries"]) == 1


# ------------------------------------------------------------------ departments, employments, participants


def test_departments_are_listed_paged_and_filtered_by_fields(tripletex_sandbox, http):
    # when
    everything = http.get(f"{tripletex_sandbox.base_url}/department", timeout=5).json()
    second = http.get(
        f"{tripletex_sandbox.base_url}/department",
        params={"from": 1, "count": 1, "fields": "id,name"},
        timeout=5,
    ).json()
    one = http.get(f"{tripletex_sandbox.base_url}/department/{second['values'][0]['id']}", timeout=5)

    # then
    assert [d["name"] for d in everything["values"]] == ["Bygg", "Anlegg", "Administrasjon"]
    assert (everything["fullResultSize"], everything["from"], everything["count"]) == (3, 0, 3)
    assert (second["fullResultSize"], second["from"], second["count"]) == (3, 1, 1)
    assert second["values"] == [{"id": second["values"][0]["id"], "name": "Anlegg"}]
    assert one.status_code == 200
    assert one.json()["value"]["displayName"] == "20 Anlegg"


def test_every_employee_has_a_department_and_all_but_one_an_employment(tripletex_sandbox, http):
    # when
    employees = http.get(
        f"{tripletex_sandbox.base_url}/employee",
        params={"fields": "employeeNumber,department(name),employments(startDate,endDate)"},
        timeout=5,
    ).json()["values"]

    # then
    by_number = {e["employeeNumber"]: e for e in employees}
    assert all(e["department"] is not None for e in employees)
    assert by_number["1003"]["department"] == {"name": "Bygg"}
    assert by_number["1015"]["department"] == {"name": "Administrasjon"}
    assert by_number["1003"]["employments"] == [{"startDate": "2020-01-01", "endDate": None}]
    assert [n for n, e in by_number.items() if not e["employments"]] == ["1013"]


def test_employments_are_found_per_employee(tripletex_sandbox, http):
    # when
    found = http.get(
        f"{tripletex_sandbox.base_url}/employee/employment",
        params={"employeeId": tripletex_sandbox.employee_id("1003")},
        timeout=5,
    ).json()
    none = http.get(
        f"{tripletex_sandbox.base_url}/employee/employment",
        params={"employeeId": tripletex_sandbox.employee_id("1013")},
        timeout=5,
    ).json()
    one = http.get(f"{tripletex_sandbox.base_url}/employee/employment/{found['values'][0]['id']}", timeout=5)

    # then
    assert found["count"] == 1
    assert found["values"][0]["employee"]["id"] == tripletex_sandbox.employee_id("1003")
    assert none["count"] == 0
    assert one.json()["value"]["startDate"] == "2020-01-01"


def test_hours_of_an_employee_without_employment_are_accepted(tripletex_sandbox, http):
    # given 1013 has no employment (payroll needs one; Tripletex documents no refusal of hours)
    employee = {"id": tripletex_sandbox.employee_id("1013")}

    # when
    response = post_entry(tripletex_sandbox, http, employee=employee)

    # then
    assert response.status_code == 201


def test_participants_are_on_the_project_and_found_by_id(tripletex_sandbox, http):
    # when
    project = http.get(
        f"{tripletex_sandbox.base_url}/project/{tripletex_sandbox.project_id('P-600')}",
        params={"fields": "forParticipantsOnly,participants(id,employee(employeeNumber))"},
        timeout=5,
    ).json()["value"]
    other = http.get(
        f"{tripletex_sandbox.base_url}/project/{tripletex_sandbox.project_id('P-100')}",
        params={"fields": "participants"},
        timeout=5,
    ).json()["value"]
    first = project["participants"][0]
    one = http.get(f"{tripletex_sandbox.base_url}/project/participant/{first['id']}", timeout=5)

    # then
    assert project["forParticipantsOnly"] is True
    assert [p["employee"]["employeeNumber"] for p in project["participants"]] == ["1001", "1002"]
    assert other["participants"] == []
    assert one.status_code == 200
    assert one.json()["value"]["project"]["id"] == tripletex_sandbox.project_id("P-600")


def test_a_participant_added_in_tripletex_appears_and_may_register_hours(tripletex_sandbox, http):
    # given 1003 is made a participant of P-600
    project_id = tripletex_sandbox.project_id("P-600")
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[project_id].participant_ids.add(
            tripletex_sandbox.employee_id("1003")
        )

    # when
    participants = http.get(
        f"{tripletex_sandbox.base_url}/project/{project_id}",
        params={"fields": "participants(employee(employeeNumber))"},
        timeout=5,
    ).json()["value"]["participants"]
    entry = post_entry(
        tripletex_sandbox,
        http,
        project={"id": project_id},
        activity={"id": tripletex_sandbox.activity_id("Fakturerbart arbeid")},
    )

    # then
    assert [p["employee"]["employeeNumber"] for p in participants] == ["1001", "1002", "1003"]
    assert entry.status_code == 201


def test_demo_departments_are_the_hr_demo_companys_for_the_linked_employees():
    from hr.management.commands.seed_demo import PEOPLE

    # given
    app = SandboxApp()
    store = app.store
    assert all(e.department_id is not None for e in store.employees.values())
    tripletex = {
        e.employee_number: store.departments[e.department_id].name
        for e in store.employees.values()
        if e.department_id is not None
    }

    # then: every linked employee with an HR department has the same one in Tripletex
    hr = {number: department for _email, _first, _last, number, department, _role in PEOPLE if department}
    assert {number: tripletex[number] for number in hr} == hr
    assert {d.name for d in store.departments.values()} - set(hr.values()) == {"Administrasjon"}
