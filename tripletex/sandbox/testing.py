"""Pytest fixtures serving the sandbox over real HTTP, for this app's tests and later ones.

Use in a conftest.py:

    from tripletex.sandbox.testing import (  # noqa: F401
        tripletex_sandbox,
        tripletex_sandbox_server,
        tripletex_sandbox_settings,
    )

then take `tripletex_sandbox` in a test: a `SandboxHandle` with the base URL, the demo tokens, a
ready client (`handle.client()`), fault switches, state inspection and demo-object look-ups. The
server starts once per test session on a free loopback port; every test starts from the seeded
demo company (`handle.add_company()` adds another Tripletex company for the test, with its own
employee token and rate-limit budget; README, «Many companies»). When TRIPLETEX_OPENAPI_SPEC names
the official document, every response the sandbox gave during the test, and every request the
GrønnJobb client made, is validated against it at teardown; a violation fails the test.
`tripletex_sandbox_settings` is the same handle with Django's TRIPLETEX_* settings pointed at the sandbox.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tripletex.client import Timeout, TripletexClient
from tripletex.sandbox import conformance
from tripletex.sandbox.app import Exchange, SandboxApp
from tripletex.sandbox.server import SandboxServer

# Short enough that a test of a lost answer does not wait long, long enough for a loaded CI box.
TEST_TIMEOUT = Timeout(connect=2.0, read=5.0)


@dataclass(frozen=True)
class SandboxCompany:
    """A company added to the sandbox: its Tripletex id, name and the employee token that opens it."""

    id: int
    name: str
    employee_token: str


@dataclass
class SandboxHandle:
    server: SandboxServer
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def app(self) -> SandboxApp:
        return self.server.app

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def root_url(self) -> str:
        return self.server.root_url

    @property
    def consumer_token(self) -> str:
        return self.app.options.consumer_token

    @property
    def employee_token(self) -> str:
        return self.app.options.employee_token

    def client(self, **overrides: Any) -> TripletexClient:
        options: dict[str, Any] = {
            "employee_token": self.employee_token,
            "consumer_token": self.consumer_token,
            "base_url": self.base_url,
            "timeout": TEST_TIMEOUT,
        }
        options.update(overrides)
        return TripletexClient(**options)

    # -------------------------------------------------------------- more companies

    def add_company(
        self,
        *,
        employees: int = 0,
        projects: int = 0,
        name: str = "",
        rate_limit: int | None = None,
        period_seconds: int = 60,
    ) -> SandboxCompany:
        """Another company seeded like the demo one (plus generated employees and projects), through
        the control API; it lasts until the next reset (the next test)."""
        body: dict[str, Any] = {"employees": employees, "projects": projects, "name": name}
        if rate_limit is not None:
            body["rateLimit"] = {"limit": rate_limit, "periodSeconds": period_seconds}
        response = requests.post(f"{self.root_url}/_sandbox/companies", json=body, timeout=30)
        response.raise_for_status()
        added = response.json()["companies"][0]
        return SandboxCompany(id=added["id"], name=added["name"], employee_token=added["employeeToken"])

    def company_client(self, company: SandboxCompany, **overrides: Any) -> TripletexClient:
        return self.client(employee_token=company.employee_token, **overrides)

    def company_state(self, company: SandboxCompany) -> dict[str, Any]:
        """`state()` of one company; its `requestCounts` are that company's alone."""
        response = requests.get(f"{self.root_url}/_sandbox/state", params={"company": company.id}, timeout=5)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    # -------------------------------------------------------------- faults and state

    def set_faults(self, **config: Any) -> None:
        """E.g. set_faults(rules=[{"endpoint": "POST /timesheet/entry", "action": "dropAfterStore"}])."""
        self.app.faults.configure(config)

    def set_rate_limit(
        self, *, limit: int, period_seconds: int = 60, omit_reset_on_429: bool = False
    ) -> None:
        self.app.rate_limiter.configure(limit=limit, period_seconds=period_seconds)
        self.app.omit_reset_on_429 = omit_reset_on_429

    def state(self) -> dict[str, Any]:
        response = requests.get(f"{self.root_url}/_sandbox/state", timeout=5)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def request_count(self, endpoint: str) -> int:
        """How many requests reached an endpoint, e.g. request_count("POST /timesheet/entry")."""
        with self.app.lock:
            return self.app.request_counts[endpoint]

    # -------------------------------------------------------------- demo objects

    def employee_id(self, number: str) -> int:
        with self.app.lock:
            return next(e.id for e in self.app.store.employees.values() if e.employee_number == number)

    def project_id(self, number: str) -> int:
        with self.app.lock:
            return next(p.id for p in self.app.store.projects.values() if p.number == number)

    def activity_id(self, name: str) -> int:
        with self.app.lock:
            return next(a.id for a in self.app.store.activities.values() if a.name == name)

    def salary_type_id(self, number: str) -> int:
        with self.app.lock:
            return next(t.id for t in self.app.store.salary_types.values() if t.number == number)

    # -------------------------------------------------------------- raw HTTP, for what the client never does

    def http(self) -> requests.Session:
        """A requests session already logged in as the demo employee token."""
        session = requests.Session()
        response = session.post(
            f"{self.base_url}/token/session/:create",
            json={
                "consumerToken": self.consumer_token,
                "employeeToken": self.employee_token,
                "expirationDate": "2099-01-01",
            },
            timeout=5,
        )
        response.raise_for_status()
        session.auth = ("0", response.json()["value"]["token"])
        return session

    def approve_month(self, *, employee_id: int, month_year: str, approved_until: str | None = None) -> None:
        params = {"employeeIds": str(employee_id), "monthYear": month_year}
        if approved_until:
            params["approvedUntilDate"] = approved_until
        self.http().put(
            f"{self.base_url}/timesheet/month/:approve", params=params, timeout=5
        ).raise_for_status()

    def approve_week(self, *, employee_id: int, week_year: str) -> None:
        params = {"employeeId": str(employee_id), "weekYear": week_year}
        self.http().put(
            f"{self.base_url}/timesheet/week/:approve", params=params, timeout=5
        ).raise_for_status()

    # -------------------------------------------------------------- conformance

    def conformance_problems(self) -> list[conformance.Problem]:
        spec = conformance.validator()
        if spec is None:
            return []
        problems: list[conformance.Problem] = []
        for exchange in list(self.exchanges):
            problems += conformance.check_exchange(spec, exchange)
        return problems


@pytest.fixture(scope="session")
def tripletex_sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer(SandboxApp()).start()
    yield server
    server.stop()


@pytest.fixture
def tripletex_sandbox(tripletex_sandbox_server: SandboxServer) -> Iterator[SandboxHandle]:
    app = tripletex_sandbox_server.app
    app.reset()
    handle = SandboxHandle(server=tripletex_sandbox_server)
    lock = threading.Lock()

    def record(exchange: Exchange) -> None:
        with lock:
            handle.exchanges.append(exchange)

    app.observers.append(record)
    try:
        yield handle
    finally:
        app.observers.remove(record)
    problems = handle.conformance_problems()
    if problems:
        pytest.fail(
            "Sandbox traffic violates the official Tripletex API document:\n" + "\n".join(map(str, problems))
        )


@pytest.fixture
def tripletex_sandbox_settings(settings: Any, tripletex_sandbox: SandboxHandle) -> SandboxHandle:
    """The sandbox, with Django settings pointing at it: code that builds its client from
    settings (TRIPLETEX_BASE_URL, TRIPLETEX_CONSUMER_TOKEN) talks to the sandbox. Needs pytest-django."""
    settings.TRIPLETEX_BASE_URL = tripletex_sandbox.base_url
    settings.TRIPLETEX_CONSUMER_TOKEN = tripletex_sandbox.consumer_token
    return tripletex_sandbox
