"""The sandbox as a WSGI application on Werkzeug: routing, sessions, rate limits, faults."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tripletex.sandbox import demo
from tripletex.sandbox import messages as m
from tripletex.sandbox import store as s
from tripletex.sandbox.demo import SeedOptions, seed_store
from tripletex.sandbox.errors import ApiException
from tripletex.sandbox.faults import GARBLED_ANSWERS, FaultBox, FaultConfigError, RateLimiter
from tripletex.sandbox.faults import Rule as FaultRule
from tripletex.sandbox.handlers import ROUTES, Call, Result, Route
from tripletex.sandbox.render import IllegalFieldError, Renderer, check_fields, number, parse_fields

logger = logging.getLogger(__name__)

OSLO = ZoneInfo("Europe/Oslo")
JSON_TYPE = "application/json; charset=utf-8"

# Tripletex publishes no numbers; generous enough that tests and benchmarks never meet it unless
# they lower it on purpose (README).
DEFAULT_RATE_LIMIT = 6000
DEFAULT_RATE_LIMIT_PERIOD_SECONDS = 60


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as seen by the sandbox (for conformance checks in tests)."""

    method: str
    path: str
    query: dict[str, str]
    request_headers: dict[str, str]
    request_body: bytes
    request_content_type: str
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    endpoint: str | None


Observer = Callable[[Exchange], None]


class SandboxApp:
    def __init__(
        self,
        *,
        options: SeedOptions | None = None,
        rate_limit: int = DEFAULT_RATE_LIMIT,
        rate_limit_period_seconds: int = DEFAULT_RATE_LIMIT_PERIOD_SECONDS,
        omit_reset_on_429: bool = False,
        latency_ms: int = 0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.options = options or SeedOptions()
        self._initial = (rate_limit, rate_limit_period_seconds, omit_reset_on_429, latency_ms)
        self.clock = clock
        # One lock for all state: the sandbox is for correctness, not throughput.
        self.lock = threading.RLock()
        self.store = s.Store()
        self.faults = FaultBox(seed=self.options.seed)
        self.rate_limiter = RateLimiter(limit=rate_limit, period_seconds=rate_limit_period_seconds)
        self.omit_reset_on_429 = omit_reset_on_429
        self.request_counts: Counter[str] = Counter()
        self.observers: list[Observer] = []
        self.url_map = Map(
            [Rule("/v2" + r.path, methods=[r.method], endpoint=r, merge_slashes=False) for r in ROUTES],
            strict_slashes=False,
        )
        self.control_map = Map(
            [
                Rule("/_sandbox", methods=["GET"], endpoint="help"),
                Rule("/_sandbox/reset", methods=["POST"], endpoint="reset"),
                Rule("/_sandbox/state", methods=["GET"], endpoint="state"),
                Rule("/_sandbox/tokens", methods=["GET"], endpoint="tokens"),
                Rule("/_sandbox/faults", methods=["GET", "POST", "DELETE"], endpoint="faults"),
                Rule("/_sandbox/rate-limit", methods=["GET", "PUT"], endpoint="rate_limit"),
                Rule("/_sandbox/requests", methods=["GET", "DELETE"], endpoint="requests"),
            ]
        )
        self.reset()

    # ------------------------------------------------------------ state

    def reset(self) -> None:
        """Back to the seeded company, no faults, fresh rate-limit windows and counters."""
        rate_limit, period, omit_reset, latency = self._initial
        store = s.Store()
        seed_store(store, self.options)
        with self.lock:
            self.store = store
            self.faults.clear()
            if latency:
                self.faults.configure({"latencyMs": latency})
            self.rate_limiter.configure(limit=rate_limit, period_seconds=period)
            self.omit_reset_on_429 = omit_reset
            self.request_counts.clear()

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.now().astimezone(OSLO).date()

    # ------------------------------------------------------------ WSGI

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == "/_sandbox" or request.path.startswith("/_sandbox/"):
            response = self._control(request)
            return response(environ, start_response)
        response, endpoint, after = self._v2(request)
        if after is not None and after.action in ("drop", "dropAfterStore"):
            if after.action == "dropAfterStore":
                self._notify(request, response, endpoint)  # what Tripletex would have answered
            return self._drop(environ, start_response)
        if after is not None and after.action == "delayAfterStore":
            time.sleep(after.latency_ms / 1000)
        if after is not None and after.action in GARBLED_ANSWERS:
            return self._garbled(after.action, response)(environ, start_response)
        self._notify(request, response, endpoint)
        return response(environ, start_response)

    def _garbled(self, action: str, response: Response) -> Response:
        """The change is stored, but the answer is not what Tripletex promises."""
        headers = {"x-tlx-request-id": response.headers.get("x-tlx-request-id", "")}
        if action == "htmlAfterStore":
            return Response(
                "<html><body>502 Bad Gateway</body></html>",
                status=200,
                headers=headers,
                content_type="text/html",
            )
        if action == "emptyAfterStore":
            return Response(b"", status=response.status_code, headers=headers, content_type=JSON_TYPE)
        return Response(b"{}", status=response.status_code, headers=headers, content_type=JSON_TYPE)

    def _drop(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Close the connection without an answer: the client cannot know what happened."""
        connection = environ.get("werkzeug.socket")
        if connection is None:
            raise ConnectionAbortedError("dropped by sandbox fault injection")
        connection.shutdown(socket.SHUT_RDWR)
        return Response(b"", status=500)(environ, start_response)

    def _notify(self, request: Request, response: Response, endpoint: str | None) -> None:
        if not self.observers:
            return
        exchange = Exchange(
            method=request.method,
            path=request.path,
            query=dict(request.args.items()),
            request_headers={k: v for k, v in request.headers.items()},
            request_body=request.get_data(),
            request_content_type=request.content_type or "",
            status=response.status_code,
            response_headers={k: v for k, v in response.headers.items()},
            response_body=response.get_data(),
            endpoint=endpoint,
        )
        for observer in list(self.observers):
            observer(exchange)

    def _v2(self, request: Request) -> tuple[Response, str | None, FaultRule | None]:
        request_id = str(uuid.uuid4())
        headers = {"x-tlx-request-id": request_id}
        endpoint: str | None = None
        after: FaultRule | None = None
        try:
            route, path_args = self._match(request)
            endpoint = route.endpoint
            with self.lock:
                self.request_counts[endpoint] += 1
            latency = self.faults.snapshot().latency_ms
            if latency:
                time.sleep(latency / 1000)
            result, after = self._guarded(request, route, path_args, headers)
        except ApiException as error:
            headers.update(error.headers)
            result = Result(error.status, error.envelope(request_id))
        except Exception:
            logger.exception("sandbox failure in %s %s", request.method, request.path)
            failure = ApiException(status=500, code=m.CODE_SERVER_ERROR, message=m.MSG_SERVER_ERROR)
            result = Result(500, failure.envelope(request_id))
        headers.update(result.headers)
        if result.body is None:
            return Response(status=result.status, headers=headers), endpoint, after
        payload = json.dumps(result.body, ensure_ascii=False).encode("utf-8")
        return (
            Response(payload, status=result.status, headers=headers, content_type=JSON_TYPE),
            endpoint,
            after,
        )

    def _match(self, request: Request) -> tuple[Route, dict[str, str]]:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            matched, path_args = adapter.match()
        except MethodNotAllowed as error:
            raise ApiException(
                status=405, code=m.CODE_BAD_REQUEST, message=m.MSG_METHOD_NOT_ALLOWED
            ) from error
        except (NotFound, HTTPException) as error:
            raise ApiException(status=404, code=m.CODE_NOT_FOUND, message=m.MSG_ENDPOINT_NOT_FOUND) from error
        assert isinstance(matched, Route)
        return matched, dict(path_args)

    def _guarded(
        self, request: Request, route: Route, path_args: dict[str, str], headers: dict[str, str]
    ) -> tuple[Result, FaultRule | None]:
        """Everything between routing and the handler: auth, rate limit, faults, fields."""
        with self.lock:
            session, auth_error = self._authenticate(request, route)
        self._rate_limit(session, request, headers)
        if auth_error is not None:
            raise auth_error
        rule = self.faults.take_rule(route.endpoint)
        if rule is not None and rule.action == "error":
            code = m.CODE_SERVER_ERROR if rule.status >= 500 else None
            raise ApiException(status=rule.status, code=code, message=m.MSG_SERVER_ERROR)
        if rule is not None and rule.action == "drop":
            # Nothing is handled: the caller resets the connection before a byte is answered.
            return Result(500), rule
        try:
            return self._handle(request, route, path_args, session, rule)
        except ApiException:
            if rule is not None:
                self.faults.give_back(rule)
            raise

    def _handle(
        self,
        request: Request,
        route: Route,
        path_args: dict[str, str],
        session: s.Session | None,
        rule: FaultRule | None,
    ) -> tuple[Result, FaultRule | None]:
        with self.lock:
            owner_id = 0
            if session is not None:
                token = self._employee_token(session)
                owner_id = token.employee_id
                if route.area not in ("token", "public") and token.entitlements is not None:
                    if route.area not in token.entitlements:
                        raise ApiException(status=403, code=m.CODE_SECURITY, message=m.MSG_FORBIDDEN)
            try:
                fields = parse_fields(request.args.get("fields", ""))
                if route.kind is not None:
                    check_fields(route.kind, fields)
            except IllegalFieldError as error:
                raise ApiException(status=400, code=m.CODE_ILLEGAL_FILTER, message=str(error)) from error
            call = Call(
                request=request,
                store=self.store,
                renderer=Renderer(self.store, request.host),
                fields=fields,
                today=self.today(),
                owner_id=owner_id,
                full_result_size=self.faults.snapshot().full_result_size,
            )
            result = route.handler(call, **path_args)
        return result, rule

    def _employee_token(self, session: s.Session) -> s.EmployeeToken:
        for token in self.store.employee_tokens.values():
            if token.id == session.employee_token_id:
                return token
        raise ApiException(status=401, code=m.CODE_AUTHENTICATION, message=m.MSG_UNAUTHORIZED)

    def _authenticate(self, request: Request, route: Route) -> tuple[s.Session | None, ApiException | None]:
        if route.area == "public":
            return None, None

        def refused(developer_message: str) -> ApiException:
            return ApiException(
                status=401,
                code=m.CODE_AUTHENTICATION,
                message=m.MSG_UNAUTHORIZED,
                developer_message=developer_message,
            )

        credentials = request.authorization
        if credentials is None or credentials.type != "basic":
            return None, refused(m.MSG_UNAUTHORIZED)
        if credentials.username not in ("", "0", str(self.store.company.id)):
            return None, refused(m.DEV_BAD_USERNAME)
        session = self.store.sessions.get(credentials.password or "")
        if session is None:
            return None, refused(m.DEV_EXPIRED_SESSION)
        # Sessions end at the start of expirationDate in Oslo: "today" is born expired
        # (tripletex/sandbox/README.md#session-expiry).
        expires_at = datetime.combine(session.expiration_date, clock_time(0), tzinfo=OSLO)
        if self.now() >= expires_at:
            return None, refused(m.DEV_EXPIRED_SESSION)
        return session, None

    def _rate_limit(self, session: s.Session | None, request: Request, headers: dict[str, str]) -> None:
        key = f"token:{session.employee_token_id}" if session else f"anonymous:{request.remote_addr}"
        storm = self.faults.take_storm()
        verdict = self.rate_limiter.hit(key)
        headers["X-Rate-Limit-Limit"] = str(verdict.limit)
        headers["X-Rate-Limit-Remaining"] = str(verdict.remaining)
        headers["X-Rate-Limit-Reset"] = str(verdict.reset_seconds)
        if storm is not None or verdict.exceeded:
            reset = storm.reset_seconds if storm is not None else verdict.reset_seconds
            error_headers = dict(headers, **{"X-Rate-Limit-Remaining": "0"})
            if reset is None or self.omit_reset_on_429:
                # Real Tripletex sometimes answers 429 without the reset header (issue #103).
                error_headers.pop("X-Rate-Limit-Reset", None)
            else:
                error_headers["X-Rate-Limit-Reset"] = str(reset)
            headers.pop("X-Rate-Limit-Reset", None)
            raise ApiException(status=429, code=None, message=m.MSG_RATE_LIMITED, headers=error_headers)

    # ------------------------------------------------------------ /_sandbox

    def _control(self, request: Request) -> Response:
        adapter = self.control_map.bind_to_environ(request.environ)
        try:
            endpoint, _ = adapter.match()
            body = request.get_json(silent=True) if request.get_data() else None
            result = getattr(self, f"_control_{endpoint}")(request.method, body)
            status = 200
        except FaultConfigError as error:
            result, status = {"error": str(error)}, 400
        except HTTPException as error:
            result, status = {"error": error.description}, error.code or 500
        return Response(json.dumps(result, ensure_ascii=False), status=status, content_type=JSON_TYPE)

    def _control_help(self, method: str, body: Any) -> dict[str, Any]:
        return {
            "endpoints": [rule.rule for rule in self.control_map.iter_rules()],
            "faultEndpoints": sorted({route.endpoint for route in ROUTES}),
        }

    def _control_reset(self, method: str, body: Any) -> dict[str, Any]:
        self.reset()
        return {"reset": True}

    def _control_tokens(self, method: str, body: Any) -> dict[str, Any]:
        return {
            "consumerToken": self.options.consumer_token,
            "employeeToken": self.options.employee_token,
            "readOnlyEmployeeToken": demo.DEMO_READ_ONLY_EMPLOYEE_TOKEN,
            "wrongApplicationEmployeeToken": demo.DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN,
            "applicationName": demo.APPLICATION_NAME,
        }

    def _control_state(self, method: str, body: Any) -> dict[str, Any]:
        with self.lock:
            store = self.store
            return {
                "company": {"id": store.company.id, "name": store.company.name},
                "counts": {
                    "employees": len(store.employees),
                    "projects": len(store.projects),
                    "activities": len(store.activities),
                    "salaryTypes": len(store.salary_types),
                    "sessions": len(store.sessions),
                },
                "timesheetEntries": [
                    {
                        "id": e.id,
                        "version": e.version,
                        "employeeId": e.employee_id,
                        "projectId": e.project_id,
                        "activityId": e.activity_id,
                        "date": e.date.isoformat(),
                        "hours": number(e.hours),
                        "comment": e.comment,
                    }
                    for e in sorted(store.entries.values(), key=lambda e: e.id)
                ],
                "salaryTypeSpecifications": [
                    {
                        "id": x.id,
                        "version": x.version,
                        "employeeId": x.employee_id,
                        "salaryTypeId": x.salary_type_id,
                        "date": x.date.isoformat(),
                        "count": number(x.count),
                        "description": x.description,
                    }
                    for x in sorted(store.specifications.values(), key=lambda x: x.id)
                ],
                "approvedMonths": [
                    {
                        "employeeId": x.employee_id,
                        "monthYear": f"{x.year:04d}-{x.month:02d}",
                        "approvedUntilDate": x.approved_until.isoformat(),
                    }
                    for x in store.months.values()
                    if x.approved_until is not None
                ],
                "approvedWeeks": [
                    {"employeeId": x.employee_id, "weekYear": f"{x.year}-{x.week:02d}"}
                    for x in store.weeks.values()
                    if x.approved
                ],
                "requestCounts": dict(self.request_counts),
            }

    def _control_faults(self, method: str, body: Any) -> dict[str, Any]:
        if method == "POST":
            self.faults.configure(body)
        elif method == "DELETE":
            self.faults.clear()
        return self.faults.snapshot().as_json()

    def _control_rate_limit(self, method: str, body: Any) -> dict[str, Any]:
        if method == "PUT":
            if not isinstance(body, dict):
                raise FaultConfigError("the body must be a JSON object")
            limit = body.get("limit", self.rate_limiter.limit)
            period = body.get("periodSeconds", self.rate_limiter.period_seconds)
            if not isinstance(limit, int) or not isinstance(period, int) or limit < 0 or period < 1:
                raise FaultConfigError("limit must be >= 0 and periodSeconds >= 1")
            self.rate_limiter.configure(limit=limit, period_seconds=period)
            self.omit_reset_on_429 = bool(body.get("omitResetOn429", self.omit_reset_on_429))
        return {
            "limit": self.rate_limiter.limit,
            "periodSeconds": self.rate_limiter.period_seconds,
            "omitResetOn429": self.omit_reset_on_429,
        }

    def _control_requests(self, method: str, body: Any) -> dict[str, Any]:
        with self.lock:
            if method == "DELETE":
                self.request_counts.clear()
            return dict(self.request_counts)
