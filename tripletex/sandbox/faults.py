"""Fault injection and rate limiting: what makes the sandbox useful for reliability tests.

Configured over HTTP under /_sandbox/faults (README) so a test, a benchmark or a person with curl
can switch them without restarting. Decisions are deterministic where a test needs them to be
(`times`), and seeded where they are meant to be statistical (`rate`).
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ACTIONS = frozenset(
    {
        "error",
        "drop",
        "dropAfterStore",
        "delayAfterStore",
        "htmlAfterStore",
        "emptyAfterStore",
        "noObjectAfterStore",
    }
)
# Answers Tripletex should never give but a proxy or a bad release might (docs/transfer.md#b9).
GARBLED_ANSWERS = frozenset({"htmlAfterStore", "emptyAfterStore", "noObjectAfterStore"})
FULL_RESULT_SIZE_MODES = frozenset({"exact", "zero", "approximate"})


class FaultConfigError(ValueError):
    pass


@dataclass
class Rule:
    """One fault for one endpoint ("POST /timesheet/entry", or "*" for every endpoint)."""

    endpoint: str
    action: str
    status: int = 503
    latency_ms: int = 0
    times: int | None = None  # None: no limit
    rate: float = 1.0

    def as_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "action": self.action,
            "status": self.status,
            "latencyMs": self.latency_ms,
            "times": self.times,
            "rate": self.rate,
        }


@dataclass
class Storm:
    requests: int
    reset_seconds: int | None


@dataclass
class Faults:
    latency_ms: int = 0
    rules: list[Rule] = field(default_factory=list)
    storm: Storm | None = None
    full_result_size: str = "exact"

    def as_json(self) -> dict[str, Any]:
        return {
            "latencyMs": self.latency_ms,
            "rules": [rule.as_json() for rule in self.rules],
            "rateLimitStorm": (
                {"requests": self.storm.requests, "resetSeconds": self.storm.reset_seconds}
                if self.storm
                else None
            ),
            "fullResultSize": self.full_result_size,
        }


def _int(config: dict[str, Any], key: str, default: int | None) -> int | None:
    value = config.get(key, default)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise FaultConfigError(f"{key} must be a non-negative integer or null")
    return value


def parse_rule(config: Any) -> Rule:
    if not isinstance(config, dict):
        raise FaultConfigError("each rule must be an object")
    unknown = set(config) - {"endpoint", "action", "status", "latencyMs", "times", "rate"}
    if unknown:
        raise FaultConfigError(f"unknown rule keys: {sorted(unknown)}")
    action = config.get("action")
    if action not in ACTIONS:
        raise FaultConfigError(f"action must be one of {sorted(ACTIONS)}")
    rate = config.get("rate", 1.0)
    if not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise FaultConfigError("rate must be between 0 and 1")
    status = _int(config, "status", 503) or 503
    if not 400 <= status <= 599:
        raise FaultConfigError("status must be an HTTP error status")
    return Rule(
        endpoint=str(config.get("endpoint", "*")),
        action=action,
        status=status,
        latency_ms=_int(config, "latencyMs", 0) or 0,
        times=_int(config, "times", None),
        rate=float(rate),
    )


def _parse_storm(storm: Any) -> Storm | None:
    """`rateLimitStorm`: an object that starts a storm, or null that ends it."""
    if storm is None:
        return None
    if isinstance(storm, dict):
        return Storm(
            requests=_int(storm, "requests", 0) or 0, reset_seconds=_int(storm, "resetSeconds", None)
        )
    raise FaultConfigError("rateLimitStorm must be an object or null")


class FaultBox:
    """The current faults, behind their own lock so the server never blocks on the store for them."""

    def __init__(self, *, seed: int) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._random = random.Random(seed)
        self.faults = Faults()

    def clear(self) -> None:
        with self._lock:
            self.faults = Faults()
            self._random = random.Random(self._seed)

    def configure(self, config: Any) -> None:
        if not isinstance(config, dict):
            raise FaultConfigError("the body must be a JSON object")
        unknown = set(config) - {"latencyMs", "rules", "rateLimitStorm", "fullResultSize"}
        if unknown:
            raise FaultConfigError(f"unknown keys: {sorted(unknown)}")
        with self._lock:
            if "latencyMs" in config:
                self.faults.latency_ms = _int(config, "latencyMs", 0) or 0
            if "rules" in config:
                if not isinstance(config["rules"], list):
                    raise FaultConfigError("rules must be a list")
                self.faults.rules = [parse_rule(rule) for rule in config["rules"]]
            if "rateLimitStorm" in config:
                self.faults.storm = _parse_storm(config["rateLimitStorm"])
            if "fullResultSize" in config:
                if config["fullResultSize"] not in FULL_RESULT_SIZE_MODES:
                    raise FaultConfigError(f"fullResultSize must be one of {sorted(FULL_RESULT_SIZE_MODES)}")
                self.faults.full_result_size = config["fullResultSize"]

    def snapshot(self) -> Faults:
        with self._lock:
            return Faults(
                latency_ms=self.faults.latency_ms,
                rules=list(self.faults.rules),
                storm=self.faults.storm,
                full_result_size=self.faults.full_result_size,
            )

    def take_rule(self, endpoint: str) -> Rule | None:
        """The rule that fires for this request, if any; counts down `times`."""
        with self._lock:
            for rule in self.faults.rules:
                if rule.endpoint not in ("*", endpoint):
                    continue
                if rule.times is not None and rule.times <= 0:
                    continue
                if rule.rate < 1.0 and self._random.random() >= rule.rate:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                return rule
        return None

    def give_back(self, rule: Rule) -> None:
        """The request was refused before anything was stored: an after-store fault did not fire."""
        if rule.action in ("error", "drop"):
            return
        with self._lock:
            if rule.times is not None:
                rule.times += 1

    def take_storm(self) -> Storm | None:
        with self._lock:
            storm = self.faults.storm
            if storm is None or storm.requests <= 0:
                return None
            storm.requests -= 1
            return Storm(requests=storm.requests, reset_seconds=storm.reset_seconds)


@dataclass
class RateLimitVerdict:
    limit: int
    remaining: int
    reset_seconds: int
    exceeded: bool


class RateLimiter:
    """Fixed windows per employee token and consumer, as Tripletex describes its limit."""

    def __init__(self, *, limit: int, period_seconds: int, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.period_seconds = period_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def configure(self, *, limit: int, period_seconds: int) -> None:
        with self._lock:
            self.limit = limit
            self.period_seconds = period_seconds
            self._windows.clear()

    def hit(self, key: str) -> RateLimitVerdict:
        now = self._clock()
        with self._lock:
            start, used = self._windows.get(key, (now, 0))
            if now - start >= self.period_seconds:
                start, used = now, 0
            exceeded = used >= self.limit
            if not exceeded:
                used += 1
            self._windows[key] = (start, used)
            reset = max(0, math.ceil(start + self.period_seconds - now))
            return RateLimitVerdict(
                limit=self.limit, remaining=max(0, self.limit - used), reset_seconds=reset, exceeded=exceeded
            )
