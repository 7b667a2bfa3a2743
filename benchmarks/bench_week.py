"""Benchmark: «Mine timer» with a 20-row week, beside a trivial Django view in the same process.

Not a test: run it by hand (`.venv/bin/python benchmarks/bench_week.py`) or through `make bench`.
SQLite in a fresh temporary file by default; PostgreSQL when DATABASE_URL names one (a fresh test
database on that server, dropped at the end).

For 2 and 20 rows (project × lønnsart, Monday to Sunday filled): render the grid page, save the whole
week through the page's one POST (every cell changed), and save it through the API's PUT. For each:
SQL queries per request, and the median and p95 of the time over the repeats. The same requests go
to a trivial view (an «ok» response through the same middleware) so the times can be read as ratios
on any machine.

Writes the figures to benchmarks/results/week.json (or --output).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "week.json"
MONDAY = datetime.date(2026, 11, 23)
WEEK = "2026-W48"


def setup_django(database_file: str) -> None:
    os.environ.setdefault("DJANGO_ENV", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grønnjobb.settings")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{database_file}"
    import django

    django.setup()


def timed(call: Callable[[], Any], repeats: int) -> dict[str, float]:
    durations = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        durations.append(time.perf_counter() - started)
    durations.sort()
    return {
        "median_ms": round(statistics.median(durations) * 1000, 2),
        "p95_ms": round(durations[int(len(durations) * 0.95) - 1] * 1000, 2),
    }


def queries_of(call: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def run(repeats: int) -> dict[str, Any]:
    from django.http import HttpResponse
    from django.test import override_settings
    from django.urls import include, path

    from hr.models import WageType
    from hr.tests.factories import (
        CompanyFactory,
        DepartmentFactory,
        EmployeeFactory,
        ProjectFactory,
    )

    urlconf = type(sys)("bench_week_urls")
    urlconf.urlpatterns = [  # type: ignore[attr-defined]
        path("_bench/trivial/", lambda request: HttpResponse("ok")),
        path("", include("grønnjobb.urls")),
    ]
    company: Any = CompanyFactory.create(name="Benk AS")
    department = DepartmentFactory.create(company=company, name="Bygg")
    ordinary = WageType.objects.get(company=company, is_builtin=True)
    projects = [
        ProjectFactory.create(company=company, number=f"P-{n:03d}", name=f"Prosjekt {n}") for n in range(20)
    ]
    with override_settings(
        ROOT_URLCONF=urlconf, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ):
        return {
            f"{rows}_rows": measure(
                EmployeeFactory.create(company=company, department=department),
                projects[:rows],
                ordinary,
                repeats,
            )
            for rows in (2, 20)
        }


def measure(employee: Any, projects: list[Any], wage_type: Any, repeats: int) -> dict[str, Any]:
    from django.test import Client

    from hr import selectors
    from hr.models import HourEntry

    client = Client()
    client.force_login(employee.user)
    keys = [selectors.grid_row_key(project.id, wage_type.id) for project in projects]
    # One hour or half an hour a cell, alternating so every save changes every cell; 20 rows stay
    # within 24 hours a day.
    values = iter(["1", "0,5"] * (2 * repeats + 4))

    def page_post() -> None:
        data: dict[str, Any] = {"row": keys}
        value = next(values)
        for key in keys:
            data.update({f"h-{key}-{day}": value for day in range(7)})
        assert client.post(f"/timer/?week={WEEK}", data).status_code == 302

    def api_put() -> None:
        value = next(values)
        days = [(MONDAY + datetime.timedelta(days=d)).isoformat() for d in range(7)]
        rows = [
            {"project": p.id, "wage_type": wage_type.id, "cells": [{"date": d, "hours": value} for d in days]}
            for p in projects
        ]
        response = client.put(
            f"/api/v1/weeks/{WEEK}/", json.dumps({"rows": rows}), content_type="application/json"
        )
        assert response.status_code == 200, response.content

    def render() -> None:
        assert client.get(f"/timer/?week={WEEK}").status_code == 200

    def trivial() -> None:
        assert client.get("/_bench/trivial/").status_code == 200

    page_post()
    assert HourEntry.objects.filter(employee=employee).count() == len(projects) * 7
    figures: dict[str, Any] = {"entries": len(projects) * 7}
    for name, call in (("render", render), ("save_page_post", page_post), ("save_api_put", api_put)):
        figures[name] = {"queries": queries_of(call), **timed(call, repeats)}
    figures["trivial_view"] = {"queries": queries_of(trivial), **timed(trivial, repeats)}
    base = figures["trivial_view"]["median_ms"]
    for name in ("render", "save_page_post", "save_api_put"):
        figures[name]["median_ratio_to_trivial"] = round(figures[name]["median_ms"] / base, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(str(Path(folder) / "bench.sqlite3"))
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
        try:
            figures = run(arguments.repeats)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    report = {
        "benchmark": "week grid: 2 and 20 rows, render and save, beside a trivial view",
        "database": connection.vendor,
        "repeats": arguments.repeats,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "results": figures,
        "queries_equal_for_2_and_20_rows": all(
            figures["2_rows"][name]["queries"] == figures["20_rows"][name]["queries"]
            for name in ("render", "save_page_post", "save_api_put")
        ),
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
