"""TripletexClient: one per company connection, one request path, no surprises.

Patterns: one request path mapping every failure to a typed exception (Sentry's
shared_integrations client), mandatory timeouts and no transport retries (Zulip's outgoing_http):
retries belong to the transfer loop, which looks a key up before it resends (docs/transfer.md#look-up).
The client never sleeps: a rate limit used up is a `RateLimited` raised at once, and the caller
decides when to come back (docs/transfer.md#rate-limits).
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from tripletex.client import errors
from tripletex.client import models as m

logger = logging.getLogger(__name__)

OSLO = ZoneInfo("Europe/Oslo")

# Tripletex lets a session live until the start of its expirationDate (Oslo). Two days ahead keeps
# one session for a working day and a night of sweeps without a long-lived secret.
SESSION_LIFETIME_DAYS = 2
# Renew this long before expiry, so a call started just before midnight does not meet a 401.
SESSION_RENEWAL_MARGIN = timedelta(hours=1)
# Tripletex's own default and a safe maximum; bigger pages risk "Result Set Too Large".
PAGE_SIZE = 1000
# At or below this share of the window's budget the client stops sending until the window resets:
# it raises RateLimited at once instead of waiting in-process (a worker must never sleep), and the
# last tenth stays for the administrator's own calls (the wizard's key check, reopening hours).
LOW_REMAINING_FRACTION = 0.1

# Texts of the client's own errors (developer-facing; Tripletex's messages are passed through).
MSG_TIMEOUTS_REQUIRED = "Tripletex timeouts must be positive numbers of seconds."
MSG_SESSION_WITHOUT_TOKEN = "Tripletex returned a session without a token."
MSG_NOT_REACHED = "Tripletex could not be reached ({method} {path}): {error}"
MSG_NO_ANSWER_IN_TIME = "Tripletex did not answer in time ({method} {path}): {error}"
MSG_CONNECTION_FAILED = "Connection to Tripletex failed ({method} {path}): {error}"
MSG_REQUEST_FAILED = "Request to Tripletex failed ({method} {path}): {error}"
MSG_UNEXPECTED_STATUS = "Tripletex answered {status} where {expected} was expected."
MSG_NOT_JSON_OBJECT = "Tripletex answered {status} with a body that is not a JSON object."
MSG_NO_OBJECT = "Tripletex answered {status} without the object."
MSG_NO_LIST = "Tripletex answered {status} without a list of objects."
MSG_UNREADABLE_OBJECT = "Tripletex stored something but its answer could not be read: {error}"
MSG_BUDGET_USED = "Tripletex's rate limit is used up ({remaining} of {limit} left); it resets in {seconds} s."

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
REDACTED = "[redacted]"
USER_AGENT = "GronnJobb/1.0 (tripletex client)"

EMPLOYEE_FIELDS = (
    "id,version,firstName,lastName,employeeNumber,email,isContact,allowInformationRegistration,"
    "department(id,name),employments(id,startDate,endDate)"
)
ACTIVITY_FIELDS = "id,name,number,activityType,isChargeable,isDisabled"
PROJECT_FIELDS = (
    "id,version,name,number,isClosed,startDate,endDate,"
    "generalProjectActivitiesPerProjectOnly,forParticipantsOnly"
)
PROJECT_WITH_ACTIVITIES_FIELDS = (
    f"{PROJECT_FIELDS},projectActivities(id,startDate,endDate,isClosed,activity({ACTIVITY_FIELDS})),"
    "participants(id,employee(id,firstName,lastName))"
)
SALARY_TYPE_FIELDS = "id,number,name,showInTimesheet"
ENTRY_FIELDS = "id,version,employee,activity,project,date,hours,comment,locked"
SPECIFICATION_FIELDS = "id,version,employee,salaryType,date,count,description"
WHO_AM_I_FIELDS = (
    "employeeId,companyId,employee(id,firstName,lastName,email),company(id,name,organizationNumber)"
)
SETTINGS_FIELDS = "defaultProjectActivity,requireCommentsOnRegisteredHoursAllProjects"

T = TypeVar("T")


@dataclass(frozen=True)
class Timeout:
    """Seconds to connect and to wait for the answer. Both are required: no call waits forever."""

    connect: float = 5.0
    read: float = 30.0

    def __post_init__(self) -> None:
        if not (self.connect > 0 and self.read > 0):
            raise ValueError(MSG_TIMEOUTS_REQUIRED)


DEFAULT_TIMEOUT = Timeout()


@dataclass(frozen=True)
class ResponseInfo:
    """What every answer says beside its body: for logs, support cases and throttling."""

    method: str
    path: str
    status: int
    request_id: str | None
    rate_limit_limit: int | None
    rate_limit_remaining: int | None
    rate_limit_reset: int | None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _int_header(response: requests.Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        # Hours have at most two decimals, so the float's shortest repr is exactly those digits.
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _never_left(error: BaseException) -> bool:
    """True when the failure happened before a byte of the request reached Tripletex."""
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen or current is None:
            continue
        seen.add(id(current))
        if isinstance(
            current, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
        ):
            return True
        if isinstance(current, BaseException):
            pending.extend(current.args)
            pending.extend([current.__cause__, current.__context__])
        if isinstance(current, urllib3.exceptions.MaxRetryError):
            pending.append(current.reason)
    return False


class SessionStore(Protocol):
    """Where clients of one key in different processes share its session, so that a process does
    not log in for a session another one already holds. Clients adopt a stored session that has
    time left, store each one they create, and discard one Tripletex refused."""

    def load(self) -> tuple[str, datetime] | None:
        """The stored session token and when it expires, or None."""

    def save(self, token: str, expires_at: datetime) -> None: ...

    def discard(self, token: str) -> None:
        """Forget the stored session if it is this token (another may have replaced it)."""


class TripletexClient:
    """A connection to one Tripletex company, identified by its employee token."""

    def __init__(
        self,
        *,
        employee_token: str,
        consumer_token: str | None = None,
        base_url: str | None = None,
        company_id: int = 0,
        timeout: Timeout = DEFAULT_TIMEOUT,
        session_lifetime_days: int = SESSION_LIFETIME_DAYS,
        page_size: int = PAGE_SIZE,
        http: requests.Session | None = None,
        clock: Callable[[], datetime] = _utc_now,
        sessions: SessionStore | None = None,
    ) -> None:
        if consumer_token is None or base_url is None:
            from django.conf import settings

            consumer_token = (
                consumer_token if consumer_token is not None else settings.TRIPLETEX_CONSUMER_TOKEN
            )
            base_url = base_url if base_url is not None else settings.TRIPLETEX_BASE_URL
        if not employee_token or not consumer_token:
            raise ValueError("Both the consumer token and the employee token are required.")
        if session_lifetime_days < 1:
            raise ValueError("A session must live at least until tomorrow.")
        self.base_url = base_url.rstrip("/")
        self.company_id = company_id
        self.timeout = timeout
        self.page_size = page_size
        self._consumer_token = consumer_token
        self._employee_token = employee_token
        self._session_lifetime_days = session_lifetime_days
        self._clock = clock
        self._lock = threading.RLock()
        self._session_token: str | None = None
        # Every session token this client has held: a retired one may still show up in an error text.
        self._retired_session_tokens: list[str] = []
        self._session_expires_at: datetime | None = None
        self._sessions = sessions
        self._http = http or requests.Session()
        # No transport retries at all: urllib3 would otherwise resend PUTs on its own.
        adapter = HTTPAdapter(max_retries=0)
        self._http.mount("https://", adapter)
        self._http.mount("http://", adapter)
        self.last_response_info: ResponseInfo | None = None
        # The rate limit as the last answer to a call with a session told it, and when its window
        # resets (None: Tripletex did not say).
        self._budget: ResponseInfo | None = None
        self._window_resets_at: datetime | None = None
        self.request_count = 0
        self.sessions_created = 0
        # Calls refused here because the budget was used up (no request sent).
        self.throttled_calls = 0

    def __repr__(self) -> str:
        return f"TripletexClient(base_url={self.base_url!r}, company_id={self.company_id})"

    def __enter__(self) -> TripletexClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release connections and forget the session.

        The session is not deleted in Tripletex: `DELETE /token/session/{token}` puts the token in
        the URL, which urllib3 logs at DEBUG level. It expires by itself within two days.
        """
        with self._lock:
            if self._session_token is not None:
                self._retired_session_tokens.append(self._session_token)
            self._session_token = None
            self._session_expires_at = None
        self._http.close()

    # ------------------------------------------------------------------ secrets

    def redact(self, text: str) -> str:
        for secret in (
            self._session_token,
            *self._retired_session_tokens,
            self._employee_token,
            self._consumer_token,
        ):
            if secret:
                text = text.replace(secret, REDACTED)
        return text

    # ------------------------------------------------------------------ sessions

    def _current_session_token(self) -> str:
        with self._lock:
            if not self._usable(self._session_token, self._session_expires_at) and not self._session_adopt():
                self._create_session()
            assert self._session_token is not None
            return self._session_token

    def _usable(self, token: str | None, expires_at: datetime | None) -> bool:
        return (
            token is not None
            and expires_at is not None
            and self._clock() < expires_at - SESSION_RENEWAL_MARGIN
        )

    def _session_adopt(self) -> bool:
        """Take the session another process stored for this key, if it has time left and is not
        one this client has seen refused."""
        stored = self._sessions.load() if self._sessions is not None else None
        if stored is None:
            return False
        token, expires_at = stored
        if not self._usable(token, expires_at) or token in self._retired_session_tokens:
            return False
        if self._session_token is not None:
            self._retired_session_tokens.append(self._session_token)
        self._session_token = token
        self._session_expires_at = expires_at
        return True

    def _create_session(self) -> None:
        expiration = self._clock().astimezone(OSLO).date() + timedelta(days=self._session_lifetime_days)
        body = {
            "consumerToken": self._consumer_token,
            "employeeToken": self._employee_token,
            "expirationDate": expiration.isoformat(),
        }
        response = self._send("POST", "/token/session/:create", json_body=body, session_token=None)
        if response.status_code != 201:
            error = self._error_from(response)
            if response.status_code in (400, 401, 403, 404, 422):
                raise errors.InvalidCredentials(
                    error.message,
                    status=error.status,
                    code=error.code,
                    developer_message=error.developer_message,
                    validation_messages=error.validation_messages,
                    request_id=error.request_id,
                )
            raise error
        value = self._value(response, write=False)
        token = value.get("token")
        if not isinstance(token, str) or not token:
            raise errors.InvalidResponse(MSG_SESSION_WITHOUT_TOKEN, status=201)
        if self._session_token is not None:
            self._retired_session_tokens.append(self._session_token)
        self._session_token = token
        self._session_expires_at = datetime.combine(expiration, clock_time(0), tzinfo=OSLO)
        self.sessions_created += 1
        if self._sessions is not None:
            self._sessions.save(token, self._session_expires_at)

    # ------------------------------------------------------------------ one request path

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        session_token: str | None,
        loggable_path: str | None = None,
    ) -> requests.Response:
        if session_token is not None:
            self._check_budget()
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        data = None
        if json_body is not None:
            data = json.dumps(json_body, default=_json_default, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = JSON_CONTENT_TYPE
        auth = (str(self.company_id), session_token) if session_token is not None else None
        shown_path = loggable_path or path
        self.request_count += 1
        try:
            response = self._http.request(
                method,
                self.base_url + path,
                params=params,
                data=data,
                headers=headers,
                auth=auth,
                timeout=(self.timeout.connect, self.timeout.read),
                allow_redirects=False,
            )
        except requests.ConnectTimeout as error:
            raise errors.NotSent(
                self.redact(MSG_NOT_REACHED.format(method=method, path=shown_path, error=error))
            ) from None
        except requests.ReadTimeout as error:
            raise errors.MaybeSent(
                self.redact(MSG_NO_ANSWER_IN_TIME.format(method=method, path=shown_path, error=error))
            ) from None
        except requests.ConnectionError as error:
            text = self.redact(MSG_CONNECTION_FAILED.format(method=method, path=shown_path, error=error))
            if _never_left(error):
                raise errors.NotSent(text) from None
            raise errors.MaybeSent(text) from None
        except requests.RequestException as error:
            raise errors.MaybeSent(
                self.redact(MSG_REQUEST_FAILED.format(method=method, path=shown_path, error=error))
            ) from None
        info = ResponseInfo(
            method=method,
            path=shown_path,
            status=response.status_code,
            request_id=response.headers.get("x-tlx-request-id"),
            rate_limit_limit=_int_header(response, "X-Rate-Limit-Limit"),
            rate_limit_remaining=_int_header(response, "X-Rate-Limit-Remaining"),
            rate_limit_reset=_int_header(response, "X-Rate-Limit-Reset"),
        )
        self.last_response_info = info
        if session_token is not None:
            # Creating a session is counted apart from the session's calls: only their budget counts.
            self._budget = info
            self._window_resets_at = (
                self._clock() + timedelta(seconds=info.rate_limit_reset)
                if info.rate_limit_reset is not None
                else None
            )
        logger.debug(
            "Tripletex %s %s -> %s (request id %s, rate limit remaining %s)",
            method,
            shown_path,
            info.status,
            info.request_id,
            info.rate_limit_remaining,
        )
        return response

    def _check_budget(self) -> None:
        """Refuse to send while the last answer said the window's budget is (nearly) used up and
        the window has not reset yet: RateLimited at once, with the seconds left, never a sleep."""
        info = self._budget
        resets_at = self._window_resets_at
        if info is None or info.rate_limit_limit is None or info.rate_limit_remaining is None:
            return
        if resets_at is None:
            return  # no reset time to wait for: send, and let Tripletex answer 429 if it must
        if info.rate_limit_remaining > int(info.rate_limit_limit * LOW_REMAINING_FRACTION):
            return
        seconds = math.ceil((resets_at - self._clock()).total_seconds())
        if seconds <= 0:
            return  # the window has reset since
        self.throttled_calls += 1
        logger.info("Tripletex rate limit used up; not sending for %s s", seconds)
        raise errors.RateLimited(
            MSG_BUDGET_USED.format(
                remaining=info.rate_limit_remaining, limit=info.rate_limit_limit, seconds=seconds
            ),
            reset_seconds=seconds,
            status=429,
        )

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        expected: int,
    ) -> requests.Response:
        """Send with a session; on 401 make one new session and try exactly once more."""
        token = self._current_session_token()
        response = self._send(method, path, params=params, json_body=json_body, session_token=token)
        if response.status_code == 401:
            with self._lock:
                if self._session_token == token:
                    self._retired_session_tokens.append(token)
                    self._session_token = None
                    if self._sessions is not None:
                        self._sessions.discard(token)
            token = self._current_session_token()
            response = self._send(method, path, params=params, json_body=json_body, session_token=token)
        if response.status_code != expected:
            if 200 <= response.status_code < 300 and method != "GET":
                raise errors.MaybeSent(
                    MSG_UNEXPECTED_STATUS.format(status=response.status_code, expected=expected),
                    request_id=response.headers.get("x-tlx-request-id"),
                    status=response.status_code,
                )
            raise self._error_from(response)
        return response

    def _body(self, response: requests.Response, *, write: bool) -> dict[str, Any]:
        request_id = response.headers.get("x-tlx-request-id")
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            text = MSG_NOT_JSON_OBJECT.format(status=response.status_code)
            if write:
                raise errors.MaybeSent(text, request_id=request_id, status=response.status_code)
            raise errors.InvalidResponse(text, request_id=request_id, status=response.status_code)
        return body

    def _value(self, response: requests.Response, *, write: bool) -> dict[str, Any]:
        value = self._body(response, write=write).get("value")
        if not isinstance(value, dict):
            text = MSG_NO_OBJECT.format(status=response.status_code)
            request_id = response.headers.get("x-tlx-request-id")
            if write:
                raise errors.MaybeSent(text, request_id=request_id, status=response.status_code)
            raise errors.InvalidResponse(text, request_id=request_id, status=response.status_code)
        return value

    def _values(self, response: requests.Response, *, write: bool) -> list[dict[str, Any]]:
        values = self._body(response, write=write).get("values")
        if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
            text = MSG_NO_LIST.format(status=response.status_code)
            request_id = response.headers.get("x-tlx-request-id")
            if write:
                raise errors.MaybeSent(text, request_id=request_id, status=response.status_code)
            raise errors.InvalidResponse(text, request_id=request_id, status=response.status_code)
        return values

    def _error_from(self, response: requests.Response) -> errors.ApiError:
        try:
            body = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            body = {}
        status = response.status_code
        code = body.get("code") if isinstance(body.get("code"), int) else None
        message = self.redact(str(body.get("message") or f"HTTP {status}"))
        developer_message = body.get("developerMessage")
        validation = tuple(
            errors.ValidationMessage(
                field=self.redact(str(item["field"])) if item.get("field") is not None else None,
                message=self.redact(str(item.get("message") or "")),
            )
            for item in body.get("validationMessages") or ()
            if isinstance(item, dict)
        )
        request_id = body.get("requestId") or response.headers.get("x-tlx-request-id")
        common: dict[str, Any] = {
            "status": status,
            "code": code,
            "developer_message": self.redact(str(developer_message))
            if developer_message is not None
            else None,
            "validation_messages": validation,
            "request_id": request_id if isinstance(request_id, str) else None,
        }
        if status == 429:
            return errors.RateLimited(
                message, reset_seconds=_int_header(response, "X-Rate-Limit-Reset"), **common
            )
        if status == 409:
            return errors.CONFLICT_CLASSES.get(code or 0, errors.Conflict)(message, **common)
        if status >= 500:
            return errors.ServerError(message, **common)
        return errors.STATUS_CLASSES.get(status, errors.ApiError)(message, **common)

    # ------------------------------------------------------------------ reading

    def _get_value(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._value(self._request("GET", path, params=params, expected=200), write=False)

    def _paged(self, path: str, params: dict[str, Any], parse: Callable[[dict[str, Any]], T]) -> Iterator[T]:
        """Every item, page by page, until a short page. `fullResultSize` is not exact and has
        changed meaning before (Tripletex issue #127), so it is never consulted."""
        start = 0
        while True:
            page_params = {**params, "from": start, "count": self.page_size}
            values = self._values(self._request("GET", path, params=page_params, expected=200), write=False)
            for item in values:
                yield parse(item)
            if len(values) < self.page_size:
                return
            start += len(values)

    def whoami(self) -> m.WhoAmI:
        return m.WhoAmI.from_json(self._get_value("/token/session/>whoAmI", {"fields": WHO_AM_I_FIELDS}))

    def employees(
        self, *, include_contacts: bool = False, fields: str = EMPLOYEE_FIELDS
    ) -> Iterator[m.Employee]:
        params = {"includeContacts": str(include_contacts).lower(), "fields": fields}
        return self._paged("/employee", params, m.Employee.from_json)

    def projects(
        self, *, include_activities: bool = False, is_closed: bool | None = None, fields: str | None = None
    ) -> Iterator[m.Project]:
        params: dict[str, Any] = {
            "fields": fields or (PROJECT_WITH_ACTIVITIES_FIELDS if include_activities else PROJECT_FIELDS)
        }
        if is_closed is not None:
            params["isClosed"] = str(is_closed).lower()
        return self._paged("/project", params, m.Project.from_json)

    def project(self, project_id: int) -> m.Project:
        return m.Project.from_json(
            self._get_value(f"/project/{project_id}", {"fields": PROJECT_WITH_ACTIVITIES_FIELDS})
        )

    def activities(self, *, fields: str = ACTIVITY_FIELDS) -> Iterator[m.Activity]:
        return self._paged("/activity", {"fields": fields}, m.Activity.from_json)

    def activities_for_timesheet(
        self, *, project_id: int, on: date, employee_id: int | None = None
    ) -> Iterator[m.Activity]:
        """Activities hours can go to, for this project and day. filterExistingHours=false: the
        default hides activities that already have hours, which would make an update look invalid."""
        params: dict[str, Any] = {
            "projectId": project_id,
            "date": on.isoformat(),
            "filterExistingHours": "false",
            "fields": ACTIVITY_FIELDS,
        }
        if employee_id is not None:
            params["employeeId"] = employee_id
        return self._paged("/activity/>forTimeSheet", params, m.Activity.from_json)

    def salary_types(self, *, show_in_timesheet: bool | None = None) -> Iterator[m.SalaryType]:
        params: dict[str, Any] = {"fields": SALARY_TYPE_FIELDS}
        if show_in_timesheet is not None:
            params["showInTimesheet"] = str(show_in_timesheet).lower()
        return self._paged("/salary/type", params, m.SalaryType.from_json)

    def timesheet_settings(self) -> m.TimesheetSettings:
        return m.TimesheetSettings.from_json(
            self._get_value("/timesheet/settings", {"fields": SETTINGS_FIELDS})
        )

    # ------------------------------------------------------------------ timesheet entries

    def timesheet_entry(self, entry_id: int) -> m.TimesheetEntry:
        return m.TimesheetEntry.from_json(
            self._get_value(f"/timesheet/entry/{entry_id}", {"fields": ENTRY_FIELDS})
        )

    def timesheet_entries(
        self,
        *,
        date_from: date,
        date_to: date,
        employee_ids: Iterable[int] = (),
        project_ids: Iterable[int] = (),
        activity_ids: Iterable[int] = (),
    ) -> Iterator[m.TimesheetEntry]:
        """Entries from `date_from` up to but not including `date_to` (Tripletex's dateTo is exclusive)."""
        params: dict[str, Any] = {
            "dateFrom": date_from.isoformat(),
            "dateTo": date_to.isoformat(),
            "fields": ENTRY_FIELDS,
        }
        for name, ids in (
            ("employeeId", employee_ids),
            ("projectId", project_ids),
            ("activityId", activity_ids),
        ):
            joined = ",".join(str(i) for i in ids)
            if joined:
                params[name] = joined
        return self._paged("/timesheet/entry", params, m.TimesheetEntry.from_json)

    def timesheet_entry_create(self, *, entry: m.NewTimesheetEntry) -> m.TimesheetEntry:
        response = self._request(
            "POST",
            "/timesheet/entry",
            params={"fields": ENTRY_FIELDS},
            json_body=entry.to_json(),
            expected=201,
        )
        return self._parsed_write(response, m.TimesheetEntry.from_json)

    def timesheet_entries_create(self, *, entries: Sequence[m.NewTimesheetEntry]) -> list[m.TimesheetEntry]:
        if not entries:
            return []
        response = self._request(
            "POST",
            "/timesheet/entry/list",
            params={"fields": ENTRY_FIELDS},
            json_body=[entry.to_json() for entry in entries],
            expected=201,
        )
        values = self._values(response, write=True)
        return [self._parse_written(value, m.TimesheetEntry.from_json, response) for value in values]

    def timesheet_entry_update(self, *, entry: m.TimesheetEntry) -> m.TimesheetEntry:
        response = self._request(
            "PUT",
            f"/timesheet/entry/{entry.id}",
            params={"fields": ENTRY_FIELDS},
            json_body=entry.to_json(),
            expected=200,
        )
        return self._parsed_write(response, m.TimesheetEntry.from_json)

    def timesheet_entry_delete(self, *, entry_id: int, version: int) -> None:
        self._request("DELETE", f"/timesheet/entry/{entry_id}", params={"version": version}, expected=204)

    # ------------------------------------------------------------------ salary-type specifications

    def salary_type_specification(self, specification_id: int) -> m.SalaryTypeSpecification:
        value = self._get_value(
            f"/timesheet/salaryTypeSpecification/{specification_id}", {"fields": SPECIFICATION_FIELDS}
        )
        return m.SalaryTypeSpecification.from_json(value)

    def salary_type_specifications(
        self, *, date_from: date | None = None, date_to: date | None = None, employee_id: int | None = None
    ) -> Iterator[m.SalaryTypeSpecification]:
        """Specifications from `date_from` up to but not including `date_to`."""
        params: dict[str, Any] = {"fields": SPECIFICATION_FIELDS}
        if date_from is not None:
            params["dateFrom"] = date_from.isoformat()
        if date_to is not None:
            params["dateTo"] = date_to.isoformat()
        if employee_id is not None:
            params["employeeId"] = employee_id
        return self._paged("/timesheet/salaryTypeSpecification", params, m.SalaryTypeSpecification.from_json)

    def salary_type_specification_create(
        self, *, specification: m.NewSalaryTypeSpecification
    ) -> m.SalaryTypeSpecification:
        response = self._request(
            "POST",
            "/timesheet/salaryTypeSpecification",
            params={"fields": SPECIFICATION_FIELDS},
            json_body=specification.to_json(),
            expected=201,
        )
        return self._parsed_write(response, m.SalaryTypeSpecification.from_json)

    def salary_type_specification_update(
        self, *, specification: m.SalaryTypeSpecification
    ) -> m.SalaryTypeSpecification:
        response = self._request(
            "PUT",
            f"/timesheet/salaryTypeSpecification/{specification.id}",
            params={"fields": SPECIFICATION_FIELDS},
            json_body=specification.to_json(),
            expected=200,
        )
        return self._parsed_write(response, m.SalaryTypeSpecification.from_json)

    def salary_type_specification_delete(self, *, specification_id: int) -> None:
        self._request("DELETE", f"/timesheet/salaryTypeSpecification/{specification_id}", expected=204)

    # ------------------------------------------------------------------ helpers for writes

    def _parsed_write(self, response: requests.Response, parse: Callable[[dict[str, Any]], T]) -> T:
        return self._parse_written(self._value(response, write=True), parse, response)

    def _parse_written(
        self, value: dict[str, Any], parse: Callable[[dict[str, Any]], T], response: requests.Response
    ) -> T:
        try:
            return parse(value)
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise errors.MaybeSent(
                MSG_UNREADABLE_OBJECT.format(error=type(error).__name__),
                request_id=response.headers.get("x-tlx-request-id"),
                status=response.status_code,
            ) from None
