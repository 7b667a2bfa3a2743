"""Fixtures for the tripletex tests, and the guard that no call to Tripletex runs inside a
transaction (docs/transfer.md#no-calls-in-transactions)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from tripletex.client import TripletexClient
from tripletex.sandbox.testing import (  # noqa: F401
    tripletex_sandbox,
    tripletex_sandbox_server,
    tripletex_sandbox_settings,
)

MSG_CALL_IN_TRANSACTION = (
    "Tripletex was called ({method} {path}) inside a database transaction the code under test opened: "
    "a slow answer would hold its row locks. Read before the transaction, re-check inside it."
)


class CallInTransaction(AssertionError):
    """A request to Tripletex left while a transaction of the code under test was open."""


# The number of atomic blocks open on the test's own thread when the test body starts: pytest-django
# wraps a test in atomic blocks of its own, and only blocks opened beyond those count. Other threads
# (a live server) start from none. None outside a test's body (fixtures set up and torn down freely).
_baseline: dict[int, int] = {}
_checking = threading.Event()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    _baseline.clear()
    _baseline[threading.get_ident()] = len(connection.atomic_blocks)
    _checking.set()
    try:
        yield
    finally:
        _checking.clear()
        _baseline.clear()


def transaction_depth_beyond_test() -> int:
    """Atomic blocks open now on this thread beyond those the test started with."""
    return len(connection.atomic_blocks) - _baseline.get(threading.get_ident(), 0)


@pytest.fixture(autouse=True)
def no_tripletex_call_in_a_transaction(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every request to Tripletex goes through TripletexClient._send; one that leaves while the code
    under test holds a transaction open raises, and is recorded so that production code catching
    broad exceptions cannot hide it: the test then fails at teardown."""
    violations: list[str] = []
    real_send = TripletexClient._send

    def guarded_send(self: TripletexClient, method: str, path: str, **kwargs: Any) -> Any:
        if _checking.is_set() and transaction_depth_beyond_test() > 0:
            message = MSG_CALL_IN_TRANSACTION.format(method=method, path=path)
            violations.append(message)
            raise CallInTransaction(message)
        return real_send(self, method, path, **kwargs)

    monkeypatch.setattr(TripletexClient, "_send", guarded_send)
    yield violations
    assert not violations, violations
