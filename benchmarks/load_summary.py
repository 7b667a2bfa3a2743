"""The figures of the load test (bench_load.py), from the requests Locust recorded: pure functions.

Each record is one request as the load file saw it: its name (a page or endpoint, the same for every
week or id), its time in milliseconds and whether it failed. Per name: the count, the errors, the
median, p95 and p99 (nearest rank), and the p95 as a multiple of the trivial view's p95 measured in
the same run, so the figures read the same on a busy and on an idle machine.
"""

from __future__ import annotations

import datetime
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from bench_transfer import percentile

TRIVIAL = "GET /helse/"
# Addresses that carry an id or a week: one name for all of them, as the load file names them.
PATH_PATTERNS = [(re.compile(r"^/api/v1/weeks/[0-9]{4}-W[0-9]{1,2}/$"), "/api/v1/weeks/{week}/")]
TARGET_P95_RATIO = 3.0


class Record(NamedTuple):
    name: str
    milliseconds: float
    failed: bool
    at: float = 0.0  # when it was sent, in seconds from the start of the run


ACCESS_LOG_FORMAT = "%(t)s %(m)s %(U)s %(s)s %(D)s"  # gunicorn's --access-logformat for server_records


def server_records(lines: Iterable[str], *, started: float) -> list[Record]:
    """Requests as gunicorn's access log saw them (ACCESS_LOG_FORMAT): the time spent in a worker,
    without the wait for a free one. A status of 500 or more counts as failed; `started` is the
    epoch second the run's times count from."""
    records = []
    for line in lines:
        parts = line.split()
        if len(parts) != 6:
            continue
        day, zone, method, path, status, microseconds = parts
        at = datetime.datetime.strptime(f"{day} {zone}", "[%d/%b/%Y:%H:%M:%S %z]").timestamp()
        for pattern, name in PATH_PATTERNS:
            if pattern.match(path):
                path = name
        records.append(Record(f"{method} {path}", int(microseconds) / 1000, int(status) >= 500, at - started))
    return records


def after_warmup(records: Iterable[Record], seconds: float) -> list[Record]:
    """The requests sent once the users have all logged in and settled: the steady state."""
    return [record for record in records if record.at >= seconds]


def figures(times: Sequence[float], errors: int) -> dict[str, Any]:
    """Count, errors, median, p95 and p99 of one name's times (milliseconds, any order)."""
    ordered = sorted(times)
    if not ordered:
        return {"requests": 0, "errors": errors, "median_ms": None, "p95_ms": None, "p99_ms": None}
    return {
        "requests": len(ordered),
        "errors": errors,
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(percentile(ordered, 0.95), 1),
        "p99_ms": round(percentile(ordered, 0.99), 1),
    }


def summarise(
    records: Iterable[Record],
    *,
    trivial: str = TRIVIAL,
    target_ratio: float = TARGET_P95_RATIO,
    exempt: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Per name its figures and p95 ratio to the trivial view; which names miss the ratio target
    (those in `exempt` are reported with their reason instead), and the error total."""
    exempt = exempt or {}
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for record in records:
        times[record.name].append(record.milliseconds)
        errors[record.name] += int(record.failed)
    if trivial not in times:
        raise ValueError(f"no request to the trivial view {trivial!r} was recorded")
    base = figures(times[trivial], errors[trivial])
    by_name: dict[str, dict[str, Any]] = {}
    over: list[str] = []
    for name in sorted(times):
        entry = figures(times[name], errors[name])
        ratio = entry["p95_ms"] / base["p95_ms"] if base["p95_ms"] else None
        entry["p95_ratio_to_trivial"] = None if ratio is None else round(ratio, 2)
        if name in exempt:
            entry["exempt_from_target"] = exempt[name]
        elif name != trivial and (ratio is None or ratio > target_ratio):
            over.append(name)
        by_name[name] = entry
    return {
        "trivial_view": {"name": trivial, **base},
        "requests": by_name,
        "total_requests": sum(e["requests"] for e in by_name.values()),
        "total_errors": sum(e["errors"] for e in by_name.values()),
        "target_p95_ratio": target_ratio,
        "p95_over_target": over,
    }


def queue_summary(samples: Sequence[Mapping[str, float]]) -> dict[str, Any]:
    """The sampled queue depth (and rows waiting for Tripletex): the largest, the mean, and the samples."""
    depths = [s["queue"] for s in samples]
    pending = [s["rows_pending"] for s in samples]
    return {
        "samples": len(samples),
        "queue_max": max(depths, default=0),
        "queue_mean": round(statistics.fmean(depths), 2) if depths else 0,
        "rows_pending_max": max(pending, default=0),
        "series": list(samples),
    }


def verdict(summary: Mapping[str, Any], ledger: Mapping[str, Any]) -> dict[str, Any]:
    """The three targets: no errors, every p95 within the ratio, the ledger exact."""
    return {
        "zero_errors": summary["total_errors"] == 0,
        "every_p95_within_target": not summary["p95_over_target"],
        "ledger_exact": bool(ledger.get("exact")),
    }
