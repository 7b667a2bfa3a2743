"""Benchmark: «Rapporter» over one month of a company's year, in PostgreSQL, with its query plans.

Not a test: `.venv/bin/python benchmarks/bench_report_plans.py` (or `make bench-report-plans`).
Needs PostgreSQL (DATABASE_URL, default the server on 127.0.0.1): a fresh database
`gj_report_plans`, dropped at the end.

Builds the company of benchmarks/bench_reports.py (300 people × the 250 working days of 2026 × 2
entries a day: 150,000 entries, most approved, «Send godkjente timer fra og med» 1 July) and gives
every approved key from 1 July a sent row in the transfer outbox, as the worker leaves it; then
ANALYZE. As its administrator, through the real pages (Django's test client): «Rapporter» for
November and for the year, and November's CSV export, each timed several times (median). Recorded
beside the times: each query of November's page with its time, and the plan of its transfer sums
(EXPLAIN ANALYZE): the indexes it reads, how many times the outbox was looked up, whether
PostgreSQL compiled it (JIT) and what that cost. docs/performance.md explains what these show.

Writes benchmarks/results/report_plans.json (or --output).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_transfer import database_prepare, run_identity  # noqa: E402

DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "report_plans.json"
DATABASE = "gj_report_plans"
PEOPLE, DAYS = 300, 250
SEND_FROM = datetime.date(2026, 7, 1)
MONTH = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
YEAR = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
OUTBOX_TABLES = ("tripletex_remotehours", "tripletex_remotesalaryline")


def outbox_sent(company: Any) -> int:
    """A sent row per approved key from SEND_FROM, with the key's hours, as delivery leaves it."""
    from django.db.models import Sum

    from hr.models import EntryStatus, HourEntry
    from tripletex.models import RemoteHours, TransferState

    keys = (
        HourEntry.objects.filter(company=company, status=EntryStatus.APPROVED, date__gte=SEND_FROM)
        .values("employee_id", "date", "project_id")
        .annotate(hours=Sum("hours"))
    )
    rows = [
        RemoteHours(
            company=company,
            tripletex_company_id=1,
            employee_id=key["employee_id"],
            date=key["date"],
            project_id=key["project_id"],
            activity_id=1,
            wanted_hours=key["hours"],
            sent_hours=key["hours"],
            state=TransferState.SENT,
        )
        for key in keys
    ]
    RemoteHours.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def median_ms(call: Any, repeats: int) -> float:
    call()  # warm: templates, the connection, PostgreSQL's caches
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def plan_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node] + [child for sub in node.get("Plans", []) for child in plan_nodes(sub)]


def transfer_sums_plan(admin: Any) -> dict[str, Any]:
    """EXPLAIN ANALYZE of November's transfer sums, as hr.reports builds them."""
    from django.db import connection
    from django.db.models import Count, Sum

    from hr import reports
    from hr.integration import integration_get
    from hr.models import EntryStatus

    entries = reports.report_entries(actor=admin, period=reports.Period(*MONTH)).order_by()
    rows = (
        integration_get()
        .transfer_states_annotate(company=admin.company, entries=entries.filter(status=EntryStatus.APPROVED))
        .values("transfer_state")  # type: ignore[misc]  # annotated by the integration
        .annotate(n_hours=Sum("hours"), n_entries=Count("id"))
        .order_by()
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        explained = cursor.fetchone()[0]
    explained = json.loads(explained) if isinstance(explained, str) else explained
    top = explained[0]
    nodes = plan_nodes(top["Plan"])
    return {
        "indexes": sorted({node["Index Name"] for node in nodes if "Index Name" in node}),
        "entries_read": next(
            node["Actual Rows"] for node in nodes if node.get("Relation Name") == "hr_hourentry"
        ),
        "outbox_look_ups": sum(
            round(node["Actual Loops"]) for node in nodes if node.get("Relation Name") in OUTBOX_TABLES
        ),
        "execution_ms": round(top["Execution Time"], 1),
        "jit_ms": round(top["JIT"]["Timing"]["Total"], 1) if "JIT" in top else 0.0,
    }


def run() -> dict[str, Any]:
    import bench_reports
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hr.models import HourEntry

    started = time.perf_counter()
    admin = bench_reports.build(PEOPLE, DAYS)
    sent_rows = outbox_sent(admin.company)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    built = round(time.perf_counter() - started, 1)
    client: Any = Client()
    client.force_login(admin.user)

    def page(period: tuple[datetime.date, datetime.date]) -> None:
        response = client.get(f"/rapporter/?from={period[0]}&to={period[1]}")
        assert response.status_code == 200, response.status_code

    def csv_month() -> None:
        response = client.get(f"/rapporter/eksport.csv?from={MONTH[0]}&to={MONTH[1]}")
        assert response.status_code == 200, response.status_code
        for _chunk in response.streaming_content:
            pass
        response.close()

    reset_queries()  # DEBUG logs every query; a request resets the log, the capture counts from here
    with CaptureQueriesContext(connection) as captured:
        page(MONTH)
    month_queries = [  # read now: the capture is a window on a log that later requests reset
        {"ms": round(float(query["time"]) * 1000, 1), "sql": query["sql"][:90]}
        for query in captured.captured_queries
    ]
    return {
        "benchmark": "«Rapporter» over one month of a company's year, in PostgreSQL, with its plans",
        **run_identity(),
        "database": "postgresql",
        "jit": jit,
        "entries": HourEntry.objects.filter(company=admin.company).count(),
        "entries_in_month": HourEntry.objects.filter(company=admin.company, date__range=MONTH).count(),
        "sent_rows": sent_rows,
        "build_seconds": built,
        "median_ms": {
            "report_month": median_ms(lambda: page(MONTH), 7),
            "report_year": median_ms(lambda: page(YEAR), 3),
            "csv_month": median_ms(csv_month, 3),
        },
        "month_page_queries": month_queries,
        "transfer_sums_plan": transfer_sums_plan(admin),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    arguments = parser.parse_args()
    database_url, drop = database_prepare(DATABASE)
    os.environ.update({"DATABASE_URL": database_url, "DJANGO_ENV": "development"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grønnjobb.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        result = run()
    finally:
        from django.db import connections

        connections.close_all()
        drop()
    arguments.output.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("median_ms", "transfer_sums_plan")}, indent=1))
    print(f"figures written to {arguments.output}")


if __name__ == "__main__":
    main()
