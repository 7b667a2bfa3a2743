"""Benchmark: list 10,000 employees and 10,000 projects from the sandbox over HTTP with the client.

Not a test: run it by hand (`.venv/bin/python benchmarks/bench_client.py`). The sandbox runs in a
subprocess (`manage.py tripletex_sandbox`) so the memory figures are the client's alone.
Reports requests per list (asserted to be ceil(items / 1000): pages of 1000 until a short page,
fullResultSize never consulted), items per second and the client's peak memory.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sandbox_process import start_sandbox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tripletex.client import Timeout, TripletexClient  # noqa: E402
from tripletex.sandbox import DEMO_CONSUMER_TOKEN, DEMO_EMPLOYEE_TOKEN  # noqa: E402

PAGE_SIZE = 1000


def measure(client: TripletexClient, name: str, listing: Callable[[], Iterator[Any]]) -> dict[str, Any]:
    requests_before = client.request_count
    tracemalloc.reset_peak()
    started = time.perf_counter()
    items = sum(1 for _ in listing())
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    requests_made = client.request_count - requests_before
    expected = math.ceil(items / PAGE_SIZE) if items % PAGE_SIZE else items // PAGE_SIZE + 1
    assert requests_made == expected, (
        f"{name}: {requests_made} requests for {items} items, expected {expected}"
    )
    return {
        "list": name,
        "items": items,
        "requests": requests_made,
        "ceil_items_per_1000": math.ceil(items / PAGE_SIZE),
        "seconds": elapsed,
        "items_per_second": items / elapsed,
        "traced_peak_mib": peak / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=10_000)
    arguments = parser.parse_args()

    process, base_url = start_sandbox(employees=arguments.employees, projects=arguments.projects)
    try:
        tracemalloc.start()
        client = TripletexClient(
            employee_token=DEMO_EMPLOYEE_TOKEN,
            consumer_token=DEMO_CONSUMER_TOKEN,
            base_url=base_url,
            timeout=Timeout(connect=5, read=60),
        )
        client.whoami()  # the session, outside the measured lists
        results = [
            measure(client, "employees", client.employees),
            measure(client, "projects", client.projects),
            measure(client, "projects with activities", lambda: client.projects(include_activities=True)),
        ]
        tracemalloc.stop()
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=10)

    print(
        f"sandbox: {arguments.employees} generated employees and {arguments.projects} generated projects"
        " on top of the demo company"
    )
    for r in results:
        print(
            f"{r['list']:<26} {r['items']:>6} items  {r['requests']:>3} requests"
            f" (ceil(N/1000) = {r['ceil_items_per_1000']})  {r['seconds']:6.2f} s"
            f"  {r['items_per_second']:8.0f} items/s  peak traced {r['traced_peak_mib']:.1f} MiB"
        )
    max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"client process peak RSS (whole interpreter): {max_rss_mib:.1f} MiB")


if __name__ == "__main__":
    main()
