"""The sandbox serves many Tripletex companies: a session made from one company's employee token sees
that company alone, and requests and rate limits are counted per company (sandbox README, «Many
companies»)."""

import datetime
from decimal import Decimal

import pytest
import requests

from tripletex.client import NewTimesheetEntry
from tripletex.sandbox import DEMO_CONSUMER_TOKEN, DEMO_EMPLOYEE_TOKEN
from tripletex.sandbox import messages as msg

DAY = datetime.date(2026, 3, 10)


def login(sandbox, employee_token: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{sandbox.base_url}/token/session/:create",
        json={
            "consumerToken": DEMO_CONSUMER_TOKEN,
            "employeeToken": employee_token,
            "expirationDate": "2099-01-01",
        },
        timeout=5,
    )
    response.raise_for_status()
    session.auth = ("0", response.json()["value"]["token"])
    return session


def ids(session: requests.Session, url: str) -> set[int]:
    response = session.get(url, params={"fields": "id"}, timeout=5)
    response.raise_for_status()
    return {value["id"] for value in response.json()["values"]}


def new_entry(client, employee_number: str = "1003") -> NewTimesheetEntry:
    employee = next(e for e in client.employees() if e.employee_number == employee_number)
    project = next(p for p in client.projects() if p.number == "P-100")
    activity = client.timesheet_settings().default_project_activity_id
    return NewTimesheetEntry(
        employee_id=employee.id, activity_id=activity, project_id=project.id, date=DAY, hours=Decimal("7.5")
    )


def test_an_added_company_is_seeded_like_the_demo_one_under_ids_and_a_token_of_its_own(tripletex_sandbox):
    added = tripletex_sandbox.add_company(employees=3, projects=2, name="Fjord Bygg AS")
    demo = tripletex_sandbox.client().whoami()
    other = tripletex_sandbox.company_client(added)

    me = other.whoami()
    employees = list(other.employees())
    numbers = {e.employee_number for e in employees}

    assert (me.company_id, me.company_name) == (added.id, "Fjord Bygg AS")
    assert added.id != demo.company_id and added.employee_token != DEMO_EMPLOYEE_TOKEN
    assert {"1001", "1003", "20000", "20001", "20002"} <= numbers and "20003" not in numbers
    assert {p.number for p in other.projects()} >= {"P-100", "G-00001", "G-00002"}
    demo_ids = {e.id for e in tripletex_sandbox.client().employees()}
    assert not demo_ids & {e.id for e in employees}


def test_a_token_of_one_company_never_sees_the_others_data(tripletex_sandbox):
    first, second = tripletex_sandbox.add_company(), tripletex_sandbox.add_company()
    one, two = login(tripletex_sandbox, first.employee_token), login(tripletex_sandbox, second.employee_token)
    base = tripletex_sandbox.base_url
    stored = tripletex_sandbox.company_client(first).timesheet_entry_create(
        entry=new_entry(tripletex_sandbox.company_client(first))
    )
    foreign_employee = next(iter(ids(one, f"{base}/employee")))
    foreign_project = next(iter(ids(one, f"{base}/project")))
    mine = new_entry(tripletex_sandbox.company_client(second)).to_json()

    seen_by_two = two.get(
        f"{base}/timesheet/entry", params={"dateFrom": "2026-03-01", "dateTo": "2026-04-01"}, timeout=5
    )
    entry_from_two = two.get(f"{base}/timesheet/entry/{stored.id}", timeout=5)
    employee_from_two = two.get(f"{base}/employee/{foreign_employee}", timeout=5)
    wrong_project = two.post(
        f"{base}/timesheet/entry", json=dict(mine, hours=7.5, project={"id": foreign_project}), timeout=5
    )
    delete_from_two = two.delete(f"{base}/timesheet/entry/{stored.id}", timeout=5)

    assert ids(one, f"{base}/employee").isdisjoint(ids(two, f"{base}/employee"))
    assert seen_by_two.status_code == 200 and seen_by_two.json()["values"] == []
    assert entry_from_two.status_code == 404 and employee_from_two.status_code == 404
    assert wrong_project.status_code == 422 and delete_from_two.status_code == 404
    assert [e["id"] for e in tripletex_sandbox.company_state(first)["timesheetEntries"]] == [stored.id]
    assert tripletex_sandbox.company_state(second)["timesheetEntries"] == []
    assert tripletex_sandbox.state()["timesheetEntries"] == []  # the demo company's


def test_the_username_may_name_the_sessions_own_company_only(tripletex_sandbox):
    added = tripletex_sandbox.add_company()
    token = login(tripletex_sandbox, added.employee_token).auth[1]  # type: ignore[index]
    url = f"{tripletex_sandbox.base_url}/employee"
    demo_id = tripletex_sandbox.app.store.company.id

    own = requests.get(url, auth=(str(added.id), token), timeout=5)
    demos = requests.get(url, auth=(str(demo_id), token), timeout=5)

    assert own.status_code == 200
    assert demos.status_code == 401 and demos.json()["developerMessage"] == msg.DEV_BAD_USERNAME


def test_request_counts_are_kept_per_company(tripletex_sandbox):
    first, second = tripletex_sandbox.add_company(), tripletex_sandbox.add_company()
    one, two = login(tripletex_sandbox, first.employee_token), login(tripletex_sandbox, second.employee_token)
    for _ in range(3):
        one.get(f"{tripletex_sandbox.base_url}/employee", timeout=5).raise_for_status()
    two.get(f"{tripletex_sandbox.base_url}/project", timeout=5).raise_for_status()
    root = f"{tripletex_sandbox.root_url}/_sandbox"

    counts_one = tripletex_sandbox.company_state(first)["requestCounts"]
    counts_two = requests.get(f"{root}/requests", params={"company": second.id}, timeout=5).json()
    everything = requests.get(f"{root}/requests", timeout=5).json()
    listed = {c["id"]: c for c in requests.get(f"{root}/companies", timeout=5).json()["companies"]}
    cleared = requests.delete(f"{root}/requests", params={"company": first.id}, timeout=5).json()

    assert counts_one == {"POST /token/session/:create": 1, "GET /employee": 3}
    assert counts_two == {"POST /token/session/:create": 1, "GET /project": 1}
    assert everything == {"POST /token/session/:create": 2, "GET /employee": 3, "GET /project": 1}
    assert (listed[first.id]["requests"], listed[second.id]["requests"]) == (4, 2)
    assert sum(listed[tripletex_sandbox.app.store.company.id]["requestCounts"].values()) == 0
    assert cleared == {}
    assert tripletex_sandbox.company_state(second)["requestCounts"]["GET /project"] == 1


def test_each_company_has_its_own_rate_limit_budget(tripletex_sandbox):
    tight = tripletex_sandbox.add_company(rate_limit=2, period_seconds=30)
    roomy = tripletex_sandbox.add_company()
    one, two = login(tripletex_sandbox, tight.employee_token), login(tripletex_sandbox, roomy.employee_token)
    url = f"{tripletex_sandbox.base_url}/employee"

    tight_answers = [one.get(url, timeout=5) for _ in range(3)]
    roomy_answers = [two.get(url, timeout=5) for _ in range(3)]
    demo_answer = tripletex_sandbox.http().get(url, timeout=5)
    listed = {
        c["id"]: c
        for c in requests.get(f"{tripletex_sandbox.root_url}/_sandbox/companies", timeout=5).json()[
            "companies"
        ]
    }

    assert [a.status_code for a in tight_answers] == [200, 200, 429]
    assert [a.headers["X-Rate-Limit-Limit"] for a in tight_answers] == ["2", "2", "2"]
    assert [a.status_code for a in roomy_answers] == [200, 200, 200]
    assert roomy_answers[-1].headers["X-Rate-Limit-Remaining"] == str(
        int(roomy_answers[-1].headers["X-Rate-Limit-Limit"]) - 3
    )
    assert demo_answer.status_code == 200
    assert (listed[tight.id]["rateLimited"], listed[roomy.id]["rateLimited"]) == (1, 0)


def test_the_rate_limit_of_one_company_is_changed_alone(tripletex_sandbox):
    added = tripletex_sandbox.add_company()
    root = f"{tripletex_sandbox.root_url}/_sandbox"

    changed = requests.put(f"{root}/rate-limit", params={"company": added.id}, json={"limit": 1}, timeout=5)
    one = login(tripletex_sandbox, added.employee_token)
    answers = [one.get(f"{tripletex_sandbox.base_url}/employee", timeout=5) for _ in range(2)]
    demo = requests.get(f"{root}/rate-limit", timeout=5).json()

    assert changed.json()["limit"] == 1
    assert [a.status_code for a in answers] == [200, 429]
    assert demo["limit"] > 1


def test_reset_removes_added_companies_and_unknown_ones_are_refused(tripletex_sandbox):
    added = tripletex_sandbox.add_company()
    root = f"{tripletex_sandbox.root_url}/_sandbox"

    requests.post(f"{root}/reset", timeout=5).raise_for_status()
    login_after = requests.post(
        f"{tripletex_sandbox.base_url}/token/session/:create",
        json={
            "consumerToken": DEMO_CONSUMER_TOKEN,
            "employeeToken": added.employee_token,
            "expirationDate": "2099-01-01",
        },
        timeout=5,
    )
    state = requests.get(f"{root}/state", params={"company": added.id}, timeout=5)
    companies = requests.get(f"{root}/companies", timeout=5).json()["companies"]

    assert login_after.status_code == 422
    assert state.status_code == 404
    assert [c["id"] for c in companies] == [tripletex_sandbox.app.store.company.id]


@pytest.mark.parametrize(
    "body",
    [{"colour": "red"}, {"employees": -1}, {"count": 0}, {"rateLimit": {"limit": 5, "periodSeconds": 0}}, []],
)
def test_adding_a_company_with_a_bad_body_is_400(tripletex_sandbox, body):
    response = requests.post(f"{tripletex_sandbox.root_url}/_sandbox/companies", json=body, timeout=5)

    assert response.status_code == 400
    assert (
        len(requests.get(f"{tripletex_sandbox.root_url}/_sandbox/companies", timeout=5).json()["companies"])
        == 1
    )


def test_many_companies_are_added_in_one_call(tripletex_sandbox):
    response = requests.post(
        f"{tripletex_sandbox.root_url}/_sandbox/companies", json={"count": 3, "employees": 2}, timeout=30
    )

    added = response.json()["companies"]
    assert len({c["id"] for c in added}) == len({c["employeeToken"] for c in added}) == 3
    for company in added:
        me = tripletex_sandbox.client(employee_token=company["employeeToken"]).whoami()
        assert me.company_id == company["id"]
