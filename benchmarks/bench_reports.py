"""Benchmark: the «Rapporter» exports of a year of a large company, in constant memory.

Not a test: run it by hand (`.venv/bin/python benchmarks/bench_reports.py`) or through `make bench`.
SQLite in a fresh temporary file by default; PostgreSQL when DATABASE_URL names one (a fresh test
database on that server, dropped at the end).

Builds a company with bulk_create (people × 250 working days of 2026 × 2 entries a day, most
approved, with a Tripletex connection whose «Send godkjente timer fra og med» is 1 July), then, as
its administrator, downloads the year as CSV and as XLSX through the real pages (Django's test
client, the body read chunk by chunk as a server would send it) and opens «Rapporter» for the year.
For each: rows, bytes, SQL queries, seconds, the peak of Python's allocations while it ran
(tracemalloc) and the growth of the process's peak resident memory (VmHWM, reset before each run).
Sizes: 100 and 500 people (50,000 and 250,000 entries) by default; memory should not grow with rows.

Writes the figures to benchmarks/results/reports.json (or --output).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "reports.json"
YEAR_FROM, YEAR_TO = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
ENTRIES_PER_DAY = 2
BATCH = 5000


def setup_django(database_file: str) -> None:
    os.environ.setdefault("DJANGO_ENV", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grønnjobb.settings")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{database_file}"
    import django

    django.setup()


def working_days(count: int) -> list[datetime.date]:
    days: list[datetime.date] = []
    day = YEAR_FROM
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def rss_peak_kib() -> int | None:
    """The process's peak resident memory (VmHWM), on Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_peak_reset() -> None:
    """Linux resets VmHWM to the current resident size when 5 is written to clear_refs."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def build(people: int, days: int) -> Any:
    """A company with `people` people, each with two entries on each of `days` working days."""
    from hr.models import Employee, EntryStatus, HourEntry, Role, WageType
    from hr.tests.factories import CompanyFactory, DepartmentFactory, ProjectFactory, administrator_of
    from tripletex.models import Connection

    company: Any = CompanyFactory.create(name=f"Benk {people} AS")
    department: Any = DepartmentFactory.create(company=company, name="Bygg")
    admin = administrator_of(company)
    Connection.objects.create(
        company=company, tripletex_company_id=1, send_hours_from=datetime.date(2026, 7, 1)
    )
    projects: list[Any] = [
        ProjectFactory.create(company=company, number=f"P-{n:03d}", name=f"Prosjekt {n}") for n in range(20)
    ]
    ordinary = WageType.objects.get(company=company, is_builtin=True)
    employees = Employee.objects.bulk_create(
        Employee(
            company=company,
            department=department,
            first_name=f"Person{n}",
            last_name="Benk",
            email=f"p{n}@benk.no",
            employee_number=f"{10000 + n}",
            role=Role.EMPLOYEE,
        )
        for n in range(people)
    )
    decided = datetime.datetime(2026, 12, 31, 12, 0, tzinfo=datetime.UTC)
    statuses = [EntryStatus.APPROVED] * 8 + [EntryStatus.SUBMITTED, EntryStatus.REGISTERED]
    batch: list[HourEntry] = []
    number = 0
    for person in employees:
        for day in working_days(days):
            for half in range(ENTRIES_PER_DAY):
                status = statuses[number % len(statuses)]
                batch.append(
                    HourEntry(
                        company=company,
                        employee=person,
                        project=projects[(number // 7) % len(projects)],
                        wage_type=ordinary,
                        date=day,
                        hours=Decimal("3.75"),
                        status=status,
                        submitted_at=None if status == EntryStatus.REGISTERED else decided,
                        decided_at=decided if status == EntryStatus.APPROVED else None,
                        comment=f"del {half + 1}",
                    )
                )
                number += 1
                if len(batch) >= BATCH:
                    HourEntry.objects.bulk_create(batch)
                    batch = []
    HourEntry.objects.bulk_create(batch)
    return admin


TRACE = {"on": True}


def measure(call: Callable[..., tuple[int, int]], *arguments: Any) -> dict[str, Any]:
    """Runs `call(*arguments)` (which returns rows and bytes) once, with its queries, time and memory."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rss_peak_reset()
    rss_before = rss_peak_kib()
    if TRACE["on"]:
        tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        rows, size = call(*arguments)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if TRACE["on"] else None
    tracemalloc.stop()
    rss_after = rss_peak_kib()
    return {
        "rows": rows,
        "bytes": size,
        "queries": len(captured),
        "seconds": round(seconds, 1),
        "tracemalloc_peak_mib": round(peak / 2**20, 2) if peak is not None else None,
        "rss_peak_growth_mib": round((rss_after - rss_before) / 1024, 1)
        if rss_before is not None and rss_after is not None
        else None,
    }


def download(client: Any, file_format: str, query: str, entries: int) -> tuple[int, int]:
    """The export through the page, read chunk by chunk: rows (lines for CSV) and bytes."""
    response = client.get(f"/rapporter/eksport.{file_format}{query}")
    assert response.status_code == 200, response.status_code
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    return (lines - 1 if file_format == "csv" else entries), size


def page(client: Any, query: str, entries: int) -> tuple[int, int]:
    response = client.get(f"/rapporter/{query}")
    assert response.status_code == 200, response.status_code
    return entries, len(response.content)


def run(people_sizes: list[int], days: int) -> dict[str, Any]:
    from django.test import Client, override_settings

    from hr.models import HourEntry

    figures: dict[str, Any] = {}
    query = f"?from={YEAR_FROM.isoformat()}&to={YEAR_TO.isoformat()}"
    for people in people_sizes:
        started = time.perf_counter()
        admin = build(people, days)
        entries = HourEntry.objects.filter(company=admin.company).count()
        built_in = round(time.perf_counter() - started, 1)
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            client = Client()
            client.force_login(admin.user)
            figures[f"{entries}_entries"] = {
                "people": people,
                "working_days": days,
                "build_seconds": built_in,
                "csv": measure(download, client, "csv", query, entries),
                "xlsx": measure(download, client, "xlsx", query, entries),
                "report_page": measure(page, client, query, entries),
            }
        HourEntry.objects.filter(company=admin.company).delete()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="measure resident memory only (tracemalloc slows allocation-heavy code several times)",
    )
    arguments = parser.parse_args()
    TRACE["on"] = not arguments.no_tracemalloc
    with tempfile.TemporaryDirectory() as folder:
        setup_django(str(Path(folder) / "bench.sqlite3"))
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
        try:
            figures = run(arguments.people, arguments.days)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    sizes = list(figures.values())
    report = {
        "benchmark": "«Rapporter»: a year exported as CSV and XLSX and the report page, at two sizes",
        "database": connection.vendor,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "results": figures,
        "queries_equal_across_sizes": all(
            sizes[0][name]["queries"] == size[name]["queries"]
            for size in sizes
            for name in ("csv", "xlsx", "report_page")
        ),
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
