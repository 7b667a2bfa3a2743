"""The client on its own, with `responses` standing in for Tripletex: no sockets at all."""

import base64
import json
import logging
import socket
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests
import responses
import urllib3.exceptions
from responses import matchers
from urllib3.connection import HTTPConnection

from tripletex.client import (
    ApiError,
    AuthenticationError,
    BadRequest,
    Conflict,
    ConflictKind,
    DuplicateEntry,
    InvalidCredentials,
    InvalidResponse,
    Locked,
    MaybeSent,
    NewTimesheetEntry,
    NotFound,
    NotSent,
    PermissionDenied,
    RateLimited,
    RevisionConflict,
    ServerError,
    Timeout,
    TimesheetEntry,
    TripletexClient,
    ValidationError,
)
from tripletex.client.core import REDACTED

pytestmark = pytest.mark.disable_socket

BASE = "https://tripletex.test/v2"
CONSUMER = "consumer-secret-abc123"
EMPLOYEE = "employee-secret-def456"
SESSION = "session-secret-ghi789"
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def clock():
    return Clock(NOON)


@pytest.fixture
def slept(monkeypatch):
    """Every sleep anywhere in the process: the client must never wait in-process."""
    calls: list[object] = []
    monkeypatch.setattr(time, "sleep", calls.append)
    return calls


@pytest.fixture
def client(clock, slept):
    return TripletexClient(
        employee_token=EMPLOYEE,
        consumer_token=CONSUMER,
        base_url=BASE,
        timeout=Timeout(connect=3, read=7),
        clock=clock,
    )


def add_session(mocked: responses.RequestsMock, token: str = SESSION) -> responses.BaseResponse:
    created: responses.BaseResponse = mocked.post(
        f"{BASE}/token/session/:create",
        json={"value": {"id": 1, "token": token, "expirationDate": "2026-03-12"}},
        status=201,
    )
    return created


def who_am_i_body() -> dict[str, Any]:
    return {"value": {"employeeId": 5, "companyId": 9, "company": {"id": 9, "name": "Grønn Bygg AS"}}}


def basic(token: str) -> str:
    return "Basic " + base64.b64encode(f"0:{token}".encode()).decode()


# ------------------------------------------------------------------ sessions


def test_session_is_created_with_a_json_body_two_days_ahead_in_oslo(mocked, client):
    # given
    create = add_session(mocked)
    mocked.get(f"{BASE}/token/session/>whoAmI", json=who_am_i_body())

    # when
    who = client.whoami()

    # then
    assert who.company_name == "Grønn Bygg AS"
    assert json.loads(create.calls[0].request.body or "") == {
        "consumerToken": CONSUMER,
        "employeeToken": EMPLOYEE,
        "expirationDate": "2026-03-12",
    }
    assert "Authorization" not in create.calls[0].request.headers
    assert mocked.calls[1].request.headers["Authorization"] == basic(SESSION)


def test_expiration_date_uses_the_oslo_date_not_utc(mocked, client, clock):
    # 23:30 UTC on 10 March is already 11 March in Oslo
    clock.now = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    create = add_session(mocked)
    mocked.get(f"{BASE}/token/session/>whoAmI", json=who_am_i_body())

    client.whoami()

    assert json.loads(create.calls[0].request.body or "")["expirationDate"] == "2026-03-13"


def test_session_is_reused_until_shortly_before_it_expires(mocked, client, clock):
    create = add_session(mocked)
    mocked.get(f"{BASE}/token/session/>whoAmI", json=who_am_i_body())

    client.whoami()
    clock.now = datetime(2026, 3, 11, 21, 0, tzinfo=UTC)  # 22:00 Oslo, two hours before expiry
    client.whoami()
    assert create.call_count == 1

    clock.now = datetime(2026, 3, 11, 22, 30, tzinfo=UTC)  # 23:30 Oslo, inside the renewal margin
    client.whoami()
    assert create.call_count == 2


def test_a_401_creates_one_new_session_and_retries_once(mocked, client):
    # given the first session is refused, the second accepted
    create = add_session(mocked)
    mocked.get(
        f"{BASE}/token/session/>whoAmI",
        status=401,
        json={"status": 401, "code": 3000, "message": "Unauthorized"},
        match=[matchers.header_matcher({"Authorization": basic(SESSION)})],
    )
    mocked.post(f"{BASE}/token/session/:create", json={"value": {"token": "second-session"}}, status=201)
    mocked.get(f"{BASE}/token/session/>whoAmI", json=who_am_i_body())

    # when
    who = client.whoami()

    # then
    assert who.company_id == 9
    assert create.call_count == 1
    assert client.sessions_created == 2
    assert [c.request.url.split("/v2")[1] for c in mocked.calls] == [
        "/token/session/:create",
        "/token/session/%3EwhoAmI?fields=employeeId%2CcompanyId%2Cemployee%28id%2CfirstName%2ClastName%2Cemail%29%2Ccompany%28id%2Cname%2CorganizationNumber%29",
        "/token/session/:create",
        "/token/session/%3EwhoAmI?fields=employeeId%2CcompanyId%2Cemployee%28id%2CfirstName%2ClastName%2Cemail%29%2Ccompany%28id%2Cname%2CorganizationNumber%29",
    ]


class MemorySessions:
    """A session store as another process's client would see it."""

    def __init__(self, stored: tuple[str, datetime] | None = None) -> None:
        self.stored = stored
        self.saved: list[str] = []

    def load(self) -> tuple[str, datetime] | None:
        return self.stored

    def save(self, token: str, expires_at: datetime) -> None:
        self.stored = (token, expires_at)
        self.saved.append(token)

    def discard(self, token: str) -> None:
        if self.stored is not None and self.stored[0] == token:
            self.stored = None


def _sharing(clock: Clock, sessions: MemorySessions) -> TripletexClient:
    return TripletexClient(
        employee_token=EMPLOYEE, consumer_token=CONSUMER, base_url=BASE, clock=clock, sessions=sessions
    )


EXPIRES = datetime(2026, 3, 11, 23, 0, tzinfo=UTC)  # midnight Oslo, the 12th


def test_clients_of_one_key_share_one_session_through_the_store(mocked, clock, slept):
    # given: two clients (two worker processes) of one key and one store
    create = add_session(mocked)
    mocked.get(f"{BASE}/token/session/>whoAmI", json=who_am_i_body())
    sessions = MemorySessions()

    # when
    _sharing(clock, sessions).whoami()
    second = _sharing(clock, sessions)
    second.whoami()

    # then: one session, created by the first, used by the second
    assert create.call_count == 1
    assert sessions.saved == [SESSION]
    assert second.sessions_created == 0
    assert mocked.calls[-1].request.headers["Authorization"] == basic(SESSION)


def test_a_stored_session_inside_the_renewal_margin_is_not_adopted(mocked, clock, slept):
    # given: the stored session expires within the hour
    create = add_session(mocked)
    mocked.get(f"{BASE}/token/session/>whoAmI", json=who_am_i_body())
    clock.now = datetime(2026, 3, 11, 22, 30, tzinfo=UTC)
    sessions = MemorySessions(("old-session", EXPIRES))

    # when
    _sharing(clock, sessions).whoami()

    # then: a new one, stored in its place
    assert create.call_count == 1
    assert sessions.stored is not None and sessions.stored[0] == SESSION
    assert mocked.calls[-1].request.headers["Authorization"] == basic(SESSION)


def _revoked_then_new(
    mocked: responses.RequestsMock,
) -> tuple[responses.BaseResponse, responses.BaseResponse]:
    """Tripletex refuses "revoked-session" (401) and makes SESSION, which it accepts."""
    refused = mocked.get(
        f"{BASE}/token/session/>whoAmI",
        status=401,
        json={"status": 401, "code": 3000, "message": "Unauthorized"},
        match=[matchers.header_matcher({"Authorization": basic("revoked-session")})],
    )
    create = add_session(mocked)
    mocked.get(f"{BASE}/token/session/>whoAmI", json=who_am_i_body())
    return refused, create


def test_a_stored_session_tripletex_refuses_is_discarded_and_replaced_once(mocked, clock, slept):
    # given: the store holds a session Tripletex no longer accepts
    sessions = MemorySessions(("revoked-session", EXPIRES))
    refused, create = _revoked_then_new(mocked)
    client = _sharing(clock, sessions)

    # when
    client.whoami()
    client.whoami()

    # then: refused once, one new session, stored for the others
    assert refused.call_count == 1
    assert create.call_count == 1
    assert sessions.stored is not None and sessions.stored[0] == SESSION
    assert "revoked-session" not in client.redact("token revoked-session")


def test_a_refused_session_is_not_taken_again_from_the_store(mocked, clock, slept):
    # given: another process stores the refused session back (it had not seen the 401)
    sessions = MemorySessions(("revoked-session", EXPIRES))
    _refused, create = _revoked_then_new(mocked)
    client = _sharing(clock, sessions)
    client.whoami()
    sessions.stored = ("revoked-session", EXPIRES)
    clock.now = datetime(2026, 3, 11, 22, 30, tzinfo=UTC)  # its own session is due for renewal

    # when
    client.whoami()

    # then: a new session rather than the refused one
    assert create.call_count == 2
    assert mocked.calls[-1].request.headers["Authorization"] == basic(SESSION)


def test_a_second_401_is_an_authentication_error_without_more_retries(mocked, client):
    add_session(mocked)
    whoami = mocked.get(
        f"{BASE}/token/session/>whoAmI",
        status=401,
        json={"status": 401, "code": 3000, "message": "Unauthorized"},
    )

    with pytest.raises(AuthenticationError) as raised:
        client.whoami()

    assert whoami.call_count == 2
    assert raised.value.status == 401 and raised.value.code == 3000


def test_refused_session_creation_is_invalid_credentials(mocked, client):
    mocked.post(
        f"{BASE}/token/session/:create",
        status=422,
        json={
            "status": 422,
            "code": 18000,
            "message": "Validering feilet.",
            "validationMessages": [
                {"field": "arg:consumerToken", "message": "The consumer token is invalid or does not exist."}
            ],
            "requestId": "req-1",
        },
    )

    with pytest.raises(InvalidCredentials) as raised:
        client.whoami()

    assert isinstance(raised.value, AuthenticationError)
    assert raised.value.request_id == "req-1"
    assert raised.value.validation_messages[0].field == "arg:consumerToken"


# ------------------------------------------------------------------ paging


def test_paging_continues_until_a_short_page_and_ignores_full_result_size(mocked, client):
    # given three pages; fullResultSize says 0 (as after Tripletex's 2026-03-16 release)
    add_session(mocked)

    def page(start: int, size: int) -> dict[str, Any]:
        return {
            "fullResultSize": 0,
            "from": start,
            "count": size,
            "values": [
                {"id": start + i, "firstName": "Ø", "employeeNumber": str(start + i)} for i in range(size)
            ],
        }

    for start, size in ((0, 1000), (1000, 1000), (2000, 5)):
        mocked.get(
            f"{BASE}/employee",
            json=page(start, size),
            match=[matchers.query_param_matcher({"from": str(start), "count": "1000"}, strict_match=False)],
        )

    # when
    employees = list(client.employees())

    # then
    assert len(employees) == 2005
    assert employees[-1].employee_number == "2004"
    assert len(mocked.calls) == 1 + 3


def test_listing_is_lazy(mocked, client):
    add_session(mocked)
    mocked.get(f"{BASE}/employee", json={"values": [{"id": i} for i in range(1000)]})

    first = next(client.employees())

    assert first.id == 0
    assert len(mocked.calls) == 2  # session + one page, not the whole list


def test_fields_are_sent_so_only_used_data_travels(mocked, client):
    add_session(mocked)
    call = mocked.get(f"{BASE}/project", json={"values": []})

    list(client.projects(include_activities=True, is_closed=False))

    query = call.calls[0].request.params
    assert query["fields"].startswith("id,version,name,number")
    assert "projectActivities(" in query["fields"]
    assert query["isClosed"] == "false"


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("status", "code", "expected", "kind"),
    [
        (400, 11000, BadRequest, None),
        (403, 9000, PermissionDenied, None),
        (404, 6000, NotFound, None),
        (409, 14000, DuplicateEntry, ConflictKind.DUPLICATE),
        (409, 7000, DuplicateEntry, ConflictKind.DUPLICATE),
        (409, 8000, RevisionConflict, ConflictKind.REVISION),
        (409, 10000, Locked, ConflictKind.LOCKED),
        (409, 99999, Conflict, ConflictKind.OTHER),
        (422, 18000, ValidationError, None),
        (500, 1000, ServerError, None),
        (503, None, ServerError, None),
    ],
)
def test_each_status_becomes_its_exception(mocked, client, status, code, expected, kind):
    add_session(mocked)
    mocked.get(
        f"{BASE}/timesheet/entry/1",
        status=status,
        json={
            "status": status,
            "code": code,
            "message": "Validering feilet.",
            "developerMessage": "details",
            "validationMessages": [{"field": "hours", "message": "Antall timer må være mellom 0 og 24."}],
            "requestId": "req-42",
        },
    )

    with pytest.raises(expected) as raised:
        client.timesheet_entry(1)

    error = raised.value
    assert type(error) is expected
    assert (error.status, error.code, error.message, error.request_id) == (
        status,
        code,
        "Validering feilet.",
        "req-42",
    )
    assert error.validation_messages[0].message == "Antall timer må være mellom 0 og 24."
    if kind is not None:
        assert error.kind is kind
    assert "req-42" in str(error) and "hours" in str(error)


def test_request_id_falls_back_to_the_header_when_the_body_is_not_json(mocked, client):
    add_session(mocked)
    mocked.get(
        f"{BASE}/timesheet/entry/1",
        status=502,
        body="<html>Bad gateway</html>",
        headers={"x-tlx-request-id": "hdr-1"},
    )

    with pytest.raises(ServerError) as raised:
        client.timesheet_entry(1)

    assert raised.value.request_id == "hdr-1"
    assert raised.value.message == "HTTP 502"


def test_429_carries_reset_seconds_and_none_without_the_header(mocked, client):
    add_session(mocked)
    mocked.get(
        f"{BASE}/timesheet/entry/1", status=429, json={"status": 429}, headers={"X-Rate-Limit-Reset": "17"}
    )
    mocked.get(f"{BASE}/timesheet/entry/2", status=429, json={"status": 429})

    with pytest.raises(RateLimited) as with_reset:
        client.timesheet_entry(1)
    with pytest.raises(RateLimited) as without_reset:
        client.timesheet_entry(2)

    assert with_reset.value.reset_seconds == 17
    assert without_reset.value.reset_seconds is None


@pytest.mark.parametrize(
    ("raised_error", "expected"),
    [
        (
            requests.ConnectionError(
                urllib3.exceptions.NewConnectionError(HTTPConnection("tripletex.test"), "refused")
            ),
            NotSent,
        ),
        (
            requests.ConnectionError(
                urllib3.exceptions.NameResolutionError(
                    "tripletex.test", HTTPConnection("tripletex.test"), socket.gaierror()
                )
            ),
            NotSent,
        ),
        (requests.ConnectTimeout("connect timed out"), NotSent),
        (requests.ReadTimeout("read timed out"), MaybeSent),
        (
            requests.ConnectionError(
                urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError())
            ),
            MaybeSent,
        ),
    ],
)
def test_transport_failures_say_whether_the_request_may_have_arrived(mocked, client, raised_error, expected):
    add_session(mocked)
    mocked.post(f"{BASE}/timesheet/entry", body=raised_error)
    entry = NewTimesheetEntry(employee_id=1, activity_id=2, date=date(2026, 3, 10), hours=Decimal("7.5"))

    with pytest.raises(expected):
        client.timesheet_entry_create(entry=entry)


def test_stored_but_answer_lost_is_maybe_sent(mocked, client):
    # given Tripletex stores the entry and the answer never arrives
    stored = []
    add_session(mocked)

    def store_then_time_out(request):
        stored.append(json.loads(request.body))
        raise requests.ReadTimeout("read timed out")

    mocked.add_callback(responses.POST, f"{BASE}/timesheet/entry", callback=store_then_time_out)
    entry = NewTimesheetEntry(employee_id=1, activity_id=2, date=date(2026, 3, 10), hours=Decimal("7.5"))

    # when / then
    with pytest.raises(MaybeSent):
        client.timesheet_entry_create(entry=entry)
    assert len(stored) == 1


@pytest.mark.parametrize(
    "body", ["<html>oops</html>", "", json.dumps({"no": "value"}), json.dumps({"value": {"id": 1}})]
)
def test_unreadable_2xx_on_a_write_is_maybe_sent(mocked, client, body):
    add_session(mocked)
    mocked.post(f"{BASE}/timesheet/entry", status=201, body=body)
    entry = NewTimesheetEntry(employee_id=1, activity_id=2, date=date(2026, 3, 10), hours=Decimal("7.5"))

    with pytest.raises(MaybeSent) as raised:
        client.timesheet_entry_create(entry=entry)

    assert raised.value.status == 201


def test_unreadable_2xx_on_a_read_is_invalid_response(mocked, client):
    add_session(mocked)
    mocked.get(f"{BASE}/employee", status=200, body="<html>maintenance</html>")

    with pytest.raises(InvalidResponse):
        list(client.employees())


# ------------------------------------------------------------------ writes


def test_update_sends_the_full_object_with_its_version(mocked, client):
    add_session(mocked)
    entry = TimesheetEntry(
        id=7,
        version=3,
        employee_id=1,
        activity_id=2,
        project_id=None,
        date=date(2026, 3, 10),
        hours=Decimal("7.25"),
        comment="gj:9",
        locked=False,
    )
    call = mocked.put(
        f"{BASE}/timesheet/entry/7",
        json={
            "value": {
                "id": 7,
                "version": 4,
                "employee": {"id": 1},
                "activity": {"id": 2},
                "project": None,
                "date": "2026-03-10",
                "hours": 7.25,
            }
        },
    )

    updated = client.timesheet_entry_update(entry=entry)

    assert json.loads(call.calls[0].request.body) == {
        "id": 7,
        "version": 3,
        "employee": {"id": 1},
        "project": None,
        "activity": {"id": 2},
        "date": "2026-03-10",
        "hours": 7.25,
        "comment": "gj:9",
    }
    assert call.calls[0].request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert updated.version == 4 and updated.hours == Decimal("7.25")


def test_delete_sends_the_version_and_batch_create_posts_a_list(mocked, client):
    add_session(mocked)
    delete = mocked.delete(f"{BASE}/timesheet/entry/7", status=204)
    batch = mocked.post(
        f"{BASE}/timesheet/entry/list",
        status=201,
        json={
            "values": [
                {"id": 1, "date": "2026-03-10", "hours": 1},
                {"id": 2, "date": "2026-03-11", "hours": 2},
            ]
        },
    )
    entries = [
        NewTimesheetEntry(
            employee_id=1, activity_id=2, project_id=3, date=date(2026, 3, 10), hours=Decimal("1")
        ),
        NewTimesheetEntry(employee_id=1, activity_id=2, date=date(2026, 3, 11), hours=Decimal("2")),
    ]

    client.timesheet_entry_delete(entry_id=7, version=5)
    created = client.timesheet_entries_create(entries=entries)

    assert delete.calls[0].request.params == {"version": "5"}
    sent = json.loads(batch.calls[0].request.body)
    assert [item.get("project") for item in sent] == [{"id": 3}, None]
    assert [e.id for e in created] == [1, 2]


def test_search_sends_exclusive_date_to_and_id_lists(mocked, client):
    add_session(mocked)
    call = mocked.get(f"{BASE}/timesheet/entry", json={"values": [], "sumAllHours": 0})

    list(
        client.timesheet_entries(
            date_from=date(2026, 3, 10), date_to=date(2026, 3, 11), employee_ids=[1, 2], activity_ids=[3]
        )
    )

    params = call.calls[0].request.params
    assert (params["dateFrom"], params["dateTo"], params["employeeId"], params["activityId"]) == (
        "2026-03-10",
        "2026-03-11",
        "1,2",
        "3",
    )
    assert "projectId" not in params


# ------------------------------------------------------------------ transport settings, rate limits


def test_every_call_has_the_timeouts_and_no_transport_retries(mocked, client):
    add_session(mocked)
    mocked.get(f"{BASE}/token/session/>whoAmI", json=who_am_i_body())

    client.whoami()

    assert all(call.request.req_kwargs["timeout"] == (3, 7) for call in mocked.calls)
    adapter = client._http.get_adapter(BASE)
    assert adapter.max_retries.total == 0


def test_timeouts_are_mandatory():
    with pytest.raises(ValueError):
        Timeout(connect=0, read=5)


def test_rate_limit_headers_are_recorded_and_a_used_up_budget_refuses_at_once(mocked, client, clock, slept):
    # given an answer leaving 10 of 100 requests (the tenth kept in reserve) for the next 20 seconds
    add_session(mocked)
    who = mocked.get(
        f"{BASE}/token/session/>whoAmI",
        json=who_am_i_body(),
        headers={
            "X-Rate-Limit-Limit": "100",
            "X-Rate-Limit-Remaining": "10",
            "X-Rate-Limit-Reset": "20",
            "x-tlx-request-id": "r-9",
        },
    )

    # when
    client.whoami()
    info = client.last_response_info
    clock.now = NOON.replace(second=5)
    with pytest.raises(RateLimited) as raised:
        client.whoami()

    # then the second call was refused without a request, saying when the window resets, no sleep
    assert (info.rate_limit_limit, info.rate_limit_remaining, info.rate_limit_reset, info.request_id) == (
        100,
        10,
        20,
        "r-9",
    )
    assert raised.value.reset_seconds == 15
    assert raised.value.status == 429
    assert who.call_count == 1
    assert client.throttled_calls == 1
    assert slept == []


def test_once_the_window_has_reset_the_client_sends_again(mocked, client, clock, slept):
    # given the budget used up until 20 s from now
    add_session(mocked)
    who = mocked.get(
        f"{BASE}/token/session/>whoAmI",
        json=who_am_i_body(),
        headers={"X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "20"},
    )
    client.whoami()

    # when the window has passed
    clock.now = NOON.replace(second=20)
    client.whoami()

    # then
    assert who.call_count == 2
    assert client.throttled_calls == 0
    assert slept == []


def test_no_refusal_while_plenty_remains(mocked, client, slept):
    add_session(mocked)
    who = mocked.get(
        f"{BASE}/token/session/>whoAmI",
        json=who_am_i_body(),
        headers={"X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "11", "X-Rate-Limit-Reset": "20"},
    )

    client.whoami()
    client.whoami()

    assert who.call_count == 2
    assert slept == []


def test_a_429_refuses_the_next_calls_until_its_reset_without_sleeping(mocked, client, slept):
    # given
    add_session(mocked)
    mocked.get(
        f"{BASE}/token/session/>whoAmI",
        json={"status": 429, "message": "Too many requests"},
        status=429,
        headers={"X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "3600"},
    )

    # when
    with pytest.raises(RateLimited) as first:
        client.whoami()
    with pytest.raises(RateLimited) as second:
        client.whoami()

    # then one request, the second refused here with the same hour to wait
    assert first.value.reset_seconds == 3600
    assert second.value.reset_seconds == 3600
    assert len([c for c in mocked.calls if "whoAmI" in c.request.url]) == 1
    assert slept == []


# ------------------------------------------------------------------ secrets


def test_tokens_never_appear_in_exceptions_logs_or_repr(mocked, client, caplog):
    # given a server that echoes every token back in its error
    add_session(mocked)
    echo = f"consumer {CONSUMER} employee {EMPLOYEE} session {SESSION}"
    mocked.get(
        f"{BASE}/timesheet/entry/1",
        status=422,
        json={
            "status": 422,
            "code": 18000,
            "message": echo,
            "developerMessage": echo,
            "validationMessages": [{"field": SESSION, "message": echo}],
        },
    )
    mocked.get(f"{BASE}/timesheet/entry/2", body=requests.ConnectionError(f"reset while sending {SESSION}"))
    caplog.set_level(logging.DEBUG)

    # when
    with pytest.raises(ValidationError) as refused:
        client.timesheet_entry(1)
    with pytest.raises(MaybeSent) as lost:
        client.timesheet_entry(2)

    # then
    texts = [
        str(refused.value),
        repr(refused.value),
        refused.value.message,
        refused.value.developer_message or "",
        *(f"{v.field} {v.message}" for v in refused.value.validation_messages),
        str(lost.value),
        repr(client),
        caplog.text,
    ]
    for text in texts:
        for secret in (CONSUMER, EMPLOYEE, SESSION):
            assert secret not in text
    assert REDACTED in str(refused.value) and REDACTED in str(lost.value)


def test_settings_supply_the_base_url_and_consumer_token(settings, mocked):
    settings.TRIPLETEX_BASE_URL = "https://configured.test/v2/"
    settings.TRIPLETEX_CONSUMER_TOKEN = "from-settings"
    create = mocked.post(
        "https://configured.test/v2/token/session/:create", json={"value": {"token": SESSION}}, status=201
    )
    mocked.get("https://configured.test/v2/token/session/>whoAmI", json=who_am_i_body())

    TripletexClient(employee_token=EMPLOYEE).whoami()

    assert json.loads(create.calls[0].request.body or "")["consumerToken"] == "from-settings"


def test_missing_tokens_are_refused_up_front():
    with pytest.raises(ValueError):
        TripletexClient(employee_token="", consumer_token=CONSUMER, base_url=BASE)


def test_api_error_str_without_code_or_request_id():
    assert str(ApiError("Noe gikk galt", status=418)) == "Tripletex 418: Noe gikk galt"


def test_employees_department_and_employments_are_read_and_their_absence_told_apart():
    from tripletex.client import Employee

    # given
    full = {
        "id": 1,
        "department": {"id": 7, "name": "Bygg"},
        "employments": [{"id": 3, "startDate": "2020-01-01", "endDate": "2026-06-30"}],
    }

    # when
    employee = Employee.from_json(full)
    without = Employee.from_json({"id": 2, "department": None, "employments": []})
    unasked = Employee.from_json({"id": 3})

    # then
    assert (employee.department_id, employee.department_name) == (7, "Bygg")
    assert employee.has_employment_on(date(2026, 6, 30)) and not employee.has_employment_on(date(2026, 7, 1))
    assert not employee.has_employment_on(date(2019, 12, 31))
    assert (without.department_id, without.department_name, without.employments) == (None, "", ())
    assert not without.has_employment_on(date(2026, 1, 1))
    assert unasked.employments is None


def test_a_projects_participants_are_read_by_employee_id_and_name():
    from tripletex.client import Participant, Project

    # when
    project = Project.from_json(
        {
            "id": 1,
            "forParticipantsOnly": True,
            "participants": [
                {"id": 9, "employee": {"id": 5, "firstName": "Åse", "lastName": "Bråten"}},
                {"id": 10, "employee": None},
            ],
        }
    )

    # then
    assert project.participants == (Participant(employee_id=5, name="Åse Bråten"),)
