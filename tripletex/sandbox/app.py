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
from dataclasses import dataclass, field
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
from tripletex.sandbox.demo import SeedOptions, seed_other_company, seed_store
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


@dataclass
class Tenant:
    """One Tripletex company of the sandbox: its data, its lock, its rate-limit budget, and what it
    was asked. A session made from the company's employee token reaches only this (README, «Many
    companies»)."""

    store: s.Store
    lock: threading.RLock
    rate_limiter: RateLimiter
    omit_reset_on_429: bool = False
    # Requests of this company's sessions, and session creations with its employee token.
    request_counts: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0  # 429 answers given to this company's sessions
    last_write_at: float | None = None  # wall clock (time.time()) of the last stored change

    @property
    def company_id(self) -> int:
        return self.store.company.id


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
        # The demo company's lock, and the lock for the set of companies and session creation.
        # Every other company has a lock of its own.
        self.lock = threading.RLock()
        self.faults = FaultBox(seed=self.options.seed)
        self.default = Tenant(
            store=s.Store(),
            lock=self.lock,
            rate_limiter=RateLimiter(limit=rate_limit, period_seconds=rate_limit_period_seconds),
            omit_reset_on_429=omit_reset_on_429,
        )
        self.tenants: dict[int, Tenant] = {}
        # Every /v2 request, whatever company (or none) it reached.
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
                Rule("/_sandbox/companies", methods=["GET", "POST"], endpoint="companies"),
            ]
        )
        self.reset()

    # ------------------------------------------------------------ state

    def reset(self) -> None:
        """Back to the seeded company alone (added companies are gone), no faults, fresh rate-limit
        windows and counters."""
        rate_limit, period, omit_reset, latency = self._initial
        store = s.Store()
        seed_store(store, self.options)
        with self.lock:
            self.default.store = store
            self.tenants = {store.company.id: self.default}
            self.faults.clear()
            if latency:
                self.faults.configure({"latencyMs": latency})
            self.default.rate_limiter.configure(limit=rate_limit, period_seconds=period)
            self.default.omit_reset_on_429 = omit_reset
            self.default.request_counts.clear()
            self.default.rate_limited = 0
            self.default.last_write_at = None
            self.request_counts.clear()

    # The demo company, as the single-company sandbox had it.

    @property
    def store(self) -> s.Store:
        return self.default.store

    @property
    def rate_limiter(self) -> RateLimiter:
        return self.default.rate_limiter

    @property
    def omit_reset_on_429(self) -> bool:
        return self.default.omit_reset_on_429

    @omit_reset_on_429.setter
    def omit_reset_on_429(self, value: bool) -> None:
        self.default.omit_reset_on_429 = value

    def add_company(
        self,
        *,
        name: str = "",
        employees: int = 0,
        projects: int = 0,
        rate_limit: int | None = None,
        rate_limit_period_seconds: int | None = None,
    ) -> tuple[Tenant, s.EmployeeToken]:
        """Another company seeded like the demo one, with its own employee token and rate-limit
        budget (by default the sandbox's starting limit). Gone again at the next reset."""
        default_limit, default_period, omit_reset, _ = self._initial
        store = self.store.sibling()
        token = seed_other_company(
            store, name=name, employees=employees, projects=projects, seed=self.options.seed
        )
        tenant = Tenant(
            store=store,
            lock=threading.RLock(),
            rate_limiter=RateLimiter(
                limit=default_limit if rate_limit is None else rate_limit,
                period_seconds=rate_limit_period_seconds or default_period,
            ),
            omit_reset_on_429=omit_reset,
        )
        with self.lock:
            self.tenants[store.company.id] = tenant
        return tenant, token

    def tenant(self, company_id: int) -> Tenant:
        with self.lock:
            found = self.tenants.get(company_id)
        if found is None:
            raise NotFound(f"no company {company_id}")
        return found

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
            session, tenant, auth_error = self._authenticate(request, route)
        if route.area == "public":
            tenant = self._creation_tenant(request)
        if tenant is not None:
            with tenant.lock:
                tenant.request_counts[route.endpoint] += 1
        self._rate_limit(session, tenant, request, headers)
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
            return self._handle(request, route, path_args, session, tenant, rule)
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
        tenant: Tenant | None,
        rule: FaultRule | None,
    ) -> tuple[Result, FaultRule | None]:
        # Session creation touches only what the companies share; it runs under the sandbox's lock.
        tenant = tenant if session is not None and tenant is not None else self.default
        with tenant.lock:
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
                store=tenant.store,
                renderer=Renderer(tenant.store, request.host),
                fields=fields,
                today=self.today(),
                owner_id=owner_id,
                full_result_size=self.faults.snapshot().full_result_size,
            )
            result = route.handler(call, **path_args)
            if route.method != "GET" and route.area not in ("token", "public") and result.status < 300:
                tenant.last_write_at = time.time()
        return result, rule

    def _employee_token(self, session: s.Session) -> s.EmployeeToken:
        for token in list(self.store.employee_tokens.values()):  # companies may be added meanwhile
            if token.id == session.employee_token_id:
                return token
        raise ApiException(status=401, code=m.CODE_AUTHENTICATION, message=m.MSG_UNAUTHORIZED)

    def _find_tenant(self, employee_token_id: int) -> Tenant | None:
        for token in list(self.store.employee_tokens.values()):  # companies may be added meanwhile
            if token.id == employee_token_id:
                return self.tenants.get(token.company_id)
        return None

    def _creation_tenant(self, request: Request) -> Tenant | None:
        """The company whose employee token a session creation names (in the body or the query)."""
        value = request.args.get("employeeToken")
        if value is None and request.get_data():
            body = request.get_json(force=True, silent=True)
            value = body.get("employeeToken") if isinstance(body, dict) else None
        token = self.store.employee_tokens.get(str(value or ""))
        if token is None:
            return None
        with self.lock:
            return self.tenants.get(token.company_id)

    def _authenticate(
        self, request: Request, route: Route
    ) -> tuple[s.Session | None, Tenant | None, ApiException | None]:
        if route.area == "public":
            return None, None, None

        def refused(developer_message: str) -> tuple[None, None, ApiException]:
            return (
                None,
                None,
                ApiException(
                    status=401,
                    code=m.CODE_AUTHENTICATION,
                    message=m.MSG_UNAUTHORIZED,
                    developer_message=developer_message,
                ),
            )

        credentials = request.authorization
        if credentials is None or credentials.type != "basic":
            return refused(m.MSG_UNAUTHORIZED)
        session = self.store.sessions.get(credentials.password or "")
        # The session decides the company; the username may name it (README).
        tenant = self._find_tenant(session.employee_token_id) if session is not None else None
        company_id = (tenant or self.default).company_id
        if credentials.username not in ("", "0", str(company_id)):
            return refused(m.DEV_BAD_USERNAME)
        if session is None or tenant is None:
            return refused(m.DEV_EXPIRED_SESSION)
        # Sessions end at the start of expirationDate in Oslo: "today" is born expired
        # (tripletex/sandbox/README.md#session-expiry).
        expires_at = datetime.combine(session.expiration_date, clock_time(0), tzinfo=OSLO)
        if self.now() >= expires_at:
            return refused(m.DEV_EXPIRED_SESSION)
        return session, tenant, None

    def _rate_limit(
        self, session: s.Session | None, tenant: Tenant | None, request: Request, headers: dict[str, str]
    ) -> None:
        """Each company has its own budget, in windows per employee token; requests without a
        session (session creation, refused credentials) count per client address on the demo
        company's limiter, as before there were many companies."""
        budget = tenant if session is not None and tenant is not None else self.default
        key = f"token:{session.employee_token_id}" if session else f"anonymous:{request.remote_addr}"
        storm = self.faults.take_storm()
        verdict = budget.rate_limiter.hit(key)
        headers["X-Rate-Limit-Limit"] = str(verdict.limit)
        headers["X-Rate-Limit-Remaining"] = str(verdict.remaining)
        headers["X-Rate-Limit-Reset"] = str(verdict.reset_seconds)
        if storm is not None or verdict.exceeded:
            if session is not None and tenant is not None:
                with tenant.lock:
                    tenant.rate_limited += 1
            reset = storm.reset_seconds if storm is not None else verdict.reset_seconds
            error_headers = dict(headers, **{"X-Rate-Limit-Remaining": "0"})
            if reset is None or budget.omit_reset_on_429:
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
            result = getattr(self, f"_control_{endpoint}")(request, body)
            status = 200
        except FaultConfigError as error:
            result, status = {"error": str(error)}, 400
        except HTTPException as error:
            result, status = {"error": error.description}, error.code or 500
        return Response(json.dumps(result, ensure_ascii=False), status=status, content_type=JSON_TYPE)

    def _chosen(self, request: Request) -> Tenant:
        """`?company=<id>` picks a company; without it, the demo company."""
        raw = request.args.get("company")
        if raw is None:
            return self.default
        if not raw.isdigit():
            raise FaultConfigError("company must be a company id")
        return self.tenant(int(raw))

    def _control_help(self, request: Request, body: Any) -> dict[str, Any]:
        return {
            "endpoints": [rule.rule for rule in self.control_map.iter_rules()],
            "faultEndpoints": sorted({route.endpoint for route in ROUTES}),
        }

    def _control_reset(self, request: Request, body: Any) -> dict[str, Any]:
        self.reset()
        return {"reset": True}

    def _control_tokens(self, request: Request, body: Any) -> dict[str, Any]:
        return {
            "consumerToken": self.options.consumer_token,
            "employeeToken": self.options.employee_token,
            "readOnlyEmployeeToken": demo.DEMO_READ_ONLY_EMPLOYEE_TOKEN,
            "wrongApplicationEmployeeToken": demo.DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN,
            "applicationName": demo.APPLICATION_NAME,
        }

    def _control_companies(self, request: Request, body: Any) -> Any:
        """POST adds companies (`count` of them, default 1) and answers their tokens; GET lists every
        company with its counters."""
        if request.method == "POST":
            body = {} if body is None else body
            if not isinstance(body, dict):
                raise FaultConfigError("the body must be a JSON object")
            unknown = set(body) - {"count", "name", "employees", "projects", "rateLimit"}
            if unknown:
                raise FaultConfigError(f"unknown keys: {sorted(unknown)}")
            count, employees, projects = (
                body.get(k, d) for k, d in (("count", 1), ("employees", 0), ("projects", 0))
            )
            limit = body.get("rateLimit") or {}
            numbers = [count, employees, projects, limit.get("limit", 0), limit.get("periodSeconds", 1)]
            if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
                raise FaultConfigError(
                    "count, employees, projects and rateLimit must be non-negative integers"
                )
            if not isinstance(body.get("name", ""), str) or count < 1 or limit.get("periodSeconds", 1) < 1:
                raise FaultConfigError("name must be text, count and periodSeconds at least 1")
            added = []
            for index in range(count):
                name = body.get("name", "")
                tenant, token = self.add_company(
                    name=f"{name} {index + 1}" if name and count > 1 else name,
                    employees=employees,
                    projects=projects,
                    rate_limit=limit.get("limit"),
                    rate_limit_period_seconds=limit.get("periodSeconds"),
                )
                added.append(
                    {
                        "id": tenant.company_id,
                        "name": tenant.store.company.name,
                        "organizationNumber": tenant.store.company.organization_number,
                        "employeeToken": token.token,
                        "consumerToken": self.options.consumer_token,
                    }
                )
            return {"companies": added}
        with self.lock:
            tenants = list(self.tenants.values())
        return {"companies": [self._summary(tenant) for tenant in tenants]}

    def _summary(self, tenant: Tenant) -> dict[str, Any]:
        with tenant.lock:
            store = tenant.store
            return {
                "id": store.company.id,
                "name": store.company.name,
                "counts": {
                    "employees": len(store.employees),
                    "projects": len(store.projects),
                    "timesheetEntries": len(store.entries),
                    "salaryTypeSpecifications": len(store.specifications),
                },
                "requests": sum(tenant.request_counts.values()),
                "requestCounts": dict(tenant.request_counts),
                "rateLimited": tenant.rate_limited,
                "rateLimit": {
                    "limit": tenant.rate_limiter.limit,
                    "periodSeconds": tenant.rate_limiter.period_seconds,
                },
                "lastWriteAt": tenant.last_write_at,
            }

    def _control_state(self, request: Request, body: Any) -> dict[str, Any]:
        chosen = self._chosen(request)
        with chosen.lock:
            store = chosen.store
            return {
                "company": {"id": store.company.id, "name": store.company.name},
                "counts": {
                    "employees": len(store.employees),
                    "projects": len(store.projects),
                    "activities": len(store.activities),
                    "salaryTypes": len(store.salary_types),
                    "sessions": sum(
                        1
                        for x in list(store.sessions.values())
                        if self._find_tenant(x.employee_token_id) is chosen
                    ),
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
                # Without `company`, every request the sandbox was asked (as before many companies).
                "requestCounts": dict(
                    self.request_counts if "company" not in request.args else chosen.request_counts
                ),
                "rateLimited": chosen.rate_limited,
            }

    def _control_faults(self, request: Request, body: Any) -> dict[str, Any]:
        if request.method == "POST":
            self.faults.configure(body)
        elif request.method == "DELETE":
            self.faults.clear()
        return self.faults.snapshot().as_json()

    def _control_rate_limit(self, request: Request, body: Any) -> dict[str, Any]:
        chosen = self._chosen(request)
        if request.method == "PUT":
            if not isinstance(body, dict):
                raise FaultConfigError("the body must be a JSON object")
            limit = body.get("limit", chosen.rate_limiter.limit)
            period = body.get("periodSeconds", chosen.rate_limiter.period_seconds)
            if not isinstance(limit, int) or not isinstance(period, int) or limit < 0 or period < 1:
                raise FaultConfigError("limit must be >= 0 and periodSeconds >= 1")
            chosen.rate_limiter.configure(limit=limit, period_seconds=period)
            chosen.omit_reset_on_429 = bool(body.get("omitResetOn429", chosen.omit_reset_on_429))
        return {
            "limit": chosen.rate_limiter.limit,
            "periodSeconds": chosen.rate_limiter.period_seconds,
            "omitResetOn429": chosen.omit_reset_on_429,
        }

    def _control_requests(self, request: Request, body: Any) -> dict[str, Any]:
        """Without `company`: every request; with it, that company's (DELETE clears what it shows)."""
        counts = (
            self.request_counts if "company" not in request.args else self._chosen(request).request_counts
        )
        lock = self.lock if "company" not in request.args else self._chosen(request).lock
        with lock:
            if request.method == "DELETE":
                counts.clear()
                if "company" not in request.args:
                    with self.lock:
                        tenants = list(self.tenants.values())
                    for tenant in tenants:
                        with tenant.lock:
                            tenant.request_counts.clear()
            return dict(counts)
