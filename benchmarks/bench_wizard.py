"""Benchmark: the «Koble til Tripletex» wizard against a sandbox with 10,000 employees and 10,000 projects.

Not a test: run it by hand (`.venv/bin/python benchmarks/bench_wizard.py`). SQLite by default (a
fresh temporary file); PostgreSQL when DATABASE_URL names one (a fresh database `gronnjobb_bench` on
that server, dropped at the end). Every phase of the journey runs with every item selected: key
check, the fetch of each step, the first page and counts of each step, «Velg alle» on every step, the
summary, and «Ferdigstill» (invitations included: they go to Django's in-memory mail backend via the
eager Celery task that runs when the transaction commits).

For each phase: seconds, Tripletex requests (counted by the sandbox), SQL queries (counted on the
default connection), the tracemalloc peak and the process's peak RSS. The sandbox runs in its own
process, so the memory is GrønnJobb's alone. Each company size runs in a child process of its own
(a fresh database, and a peak RSS that is that run's), twice: once for the seconds and the RSS, and
once under tracemalloc for the per-phase peaks (tracemalloc slows Python down, so its run is not
timed). A second, smaller company shows how SQL queries scale: with pages of 1000, not with items.

Writes the figures to benchmarks/results/wizard.json (or --output).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from urllib.request import Request, urlopen

from sandbox_process import start_sandbox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DATABASE = "gronnjobb_bench"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "wizard.json"
PAGE_SIZE = 1000
TARGET_FINISH_SECONDS = 30.0


# --- the sandbox, in a process of its own ------------------------------------------------------


def sandbox_requests(base_url: str, *, clear: bool) -> dict[str, int]:
    """Requests per endpoint since the last clear (the control API is not counted)."""
    root = base_url.removesuffix("/v2")
    with urlopen(f"{root}/_sandbox/requests", timeout=10) as response:  # noqa: S310 (loopback)
        counts: dict[str, int] = json.load(response)
    if clear:
        with urlopen(Request(f"{root}/_sandbox/requests", method="DELETE"), timeout=10):  # noqa: S310
            pass
    return counts


# --- the database: a fresh one for each run ----------------------------------------------------


def database_prepare() -> tuple[str, Callable[[], None]]:
    """A DATABASE_URL for a fresh, empty database, and how to get rid of it afterwards."""
    given = os.environ.get("DATABASE_URL", "")
    if not given:
        directory = tempfile.mkdtemp(prefix="gronnjobb-bench-")
        return f"sqlite:///{directory}/bench.sqlite3", lambda: shutil.rmtree(directory, ignore_errors=True)
    parts = urlsplit(given)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (or be unset for SQLite).")
    import psycopg

    server = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))

    def admin(statement: str) -> None:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(statement)

    admin(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{BENCH_DATABASE}"')
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}")), lambda: admin(
        f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'
    )


# --- one run: a child process ------------------------------------------------------------------


class Meter:
    """Seconds, Tripletex requests, SQL queries and memory of each phase."""

    def __init__(self, base_url: str, *, trace_memory: bool) -> None:
        self.base_url = base_url
        self.trace_memory = trace_memory
        self.phases: list[dict[str, Any]] = []
        self.queries: Counter[str] = Counter()

    def count_query(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.queries[sql.lstrip().split(" ", 1)[0].upper()] += 1
        return execute(sql, params, many, context)

    @contextmanager
    def phase(self, name: str, **extra: Any) -> Iterator[dict[str, Any]]:
        from django.db import connection

        sandbox_requests(self.base_url, clear=True)
        self.queries.clear()
        if self.trace_memory:
            tracemalloc.reset_peak()
        record: dict[str, Any] = {"phase": name, **extra}
        with connection.execute_wrapper(self.count_query):
            started = time.perf_counter()
            yield record
            record["seconds"] = time.perf_counter() - started
        requests = sandbox_requests(self.base_url, clear=True)
        record["tripletex_requests"] = sum(requests.values())
        record["tripletex_requests_by_endpoint"] = dict(sorted(requests.items()))
        record["sql_queries"] = sum(self.queries.values())
        record["sql_queries_by_verb"] = dict(sorted(self.queries.items()))
        if self.trace_memory:
            record["traced_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        record["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.phases.append(record)


FINISH_PARTS = ("_verify_still_in_tripletex", "_apply_projects", "_apply_wage_types", "_apply_employees")


def timed(function: Callable[..., Any], name: str, seconds: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] += time.perf_counter() - started

    return wrapper


def child(employees: int, projects: int, *, trace_memory: bool, profile: str | None = None) -> dict[str, Any]:
    """The whole wizard for one company size, in this process. Returns the figures."""
    database_url, database_drop = database_prepare()
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_ENV"] = "development"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grønnjobb.settings")
    # The wizard makes a few dozen requests; the default window would allow them too, but a
    # benchmark must never measure a 429 wait.
    process, base_url = start_sandbox(employees=employees, projects=projects, rate_limit=1_000_000)
    try:
        return _child_run(employees, projects, base_url, trace_memory=trace_memory, profile=profile)
    finally:
        process.terminate()
        process.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        database_drop()


def _child_run(
    employees: int, projects: int, base_url: str, *, trace_memory: bool, profile: str | None
) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command

    settings.DEBUG = False  # as in production: no query log kept in memory
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TRIPLETEX_BASE_URL = base_url
    from tripletex.sandbox import DEMO_CONSUMER_TOKEN, DEMO_EMPLOYEE_TOKEN

    settings.TRIPLETEX_CONSUMER_TOKEN = DEMO_CONSUMER_TOKEN
    assert settings.CELERY_TASK_ALWAYS_EAGER, "invitations must be sent in this process"
    call_command("migrate", verbosity=0, interactive=False)

    import hr.notifications
    from hr.models import Employee, Project, Role, User, WageType
    from hr.services import company_create
    from tripletex.models import (
        Connection,
        EmployeeLink,
        ItemKind,
        ProjectLink,
        WageTypeLink,
        WizardItem,
    )
    from tripletex.selectors import step_counts, step_page, wizard_summary
    from tripletex.services import wizard

    company = company_create(name="Grønn Bygg AS", organisation_number="999888777")
    admin = Employee.objects.create(
        company=company,
        user=User.objects.create_user("admin@gronnbygg.no", "bench-password"),
        first_name="Åse",
        last_name="Bråten",
        email="admin@gronnbygg.no",
        employee_number="1001",
        role=Role.ADMINISTRATOR,
    )
    mail.outbox = []

    # Time the invitations apart: they run inside «Ferdigstill», when its transaction commits.
    invitations: dict[str, float] = {"seconds": 0.0, "count": 0}
    send = hr.notifications.invitations_send

    def timed_send(*, employee_ids: list[int]) -> None:
        started = time.perf_counter()
        send(employee_ids=employee_ids)
        invitations["seconds"] += time.perf_counter() - started
        invitations["count"] += len(employee_ids)

    hr.notifications.invitations_send = timed_send
    # And the parts of «Ferdigstill» (private helpers: a breakdown only, skipped if renamed).
    breakdown: dict[str, float] = defaultdict(float)
    for name in FINISH_PARTS:
        if callable(getattr(wizard, name, None)):
            setattr(wizard, name, timed(getattr(wizard, name), name, breakdown))

    if trace_memory:
        tracemalloc.start()
    meter = Meter(base_url, trace_memory=trace_memory)
    kinds = [ItemKind.PROJECT, ItemKind.WAGE_TYPE, ItemKind.EMPLOYEE]
    with meter.phase("key check") as record:
        run = wizard.wizard_start(actor=admin)
        run = wizard.wizard_key_check(actor=admin, run=run, key=DEMO_EMPLOYEE_TOKEN)
    for kind in kinds:
        with meter.phase(f"fetch {kind}") as record:
            wizard.wizard_fetch(run_id=run.id, kind=kind)
        record["items"] = WizardItem.objects.filter(run=run, kind=kind).count()
    run.refresh_from_db()
    for kind in kinds:
        with meter.phase(f"step page {kind}") as record:
            page = step_page(run=run, kind=kind, query="", shown="alle", page_number="1")
            shown = len(page.object_list)
            counts = step_counts(run=run, kind=kind)
        record["items"] = counts.total
        record["shown"] = shown
    for kind in kinds:
        with meter.phase(f"select all {kind}") as record:
            record["items"] = wizard.wizard_select_all(actor=admin, run=run, kind=kind, select=True)
    with meter.phase("summary") as record:
        lines = wizard_summary(run=run)
        record["items"] = sum(line.create_count + line.link_count + line.update_count for line in lines)
    selected = WizardItem.objects.filter(run=run, selected=True).count()
    with meter.phase("finish") as record:
        if profile:
            profiler = cProfile.Profile()
            result = profiler.runcall(wizard.wizard_finish, actor=admin, run=run)
            profiler.dump_stats(profile)
        else:
            result = wizard.wizard_finish(actor=admin, run=run)
        record["items"] = selected
    record["invitations_seconds"] = invitations["seconds"]
    record["seconds_without_invitations"] = record["seconds"] - invitations["seconds"]
    record["seconds_by_part"] = {name: breakdown[name] for name in FINISH_PARTS if name in breakdown}
    record["invitations"] = invitations["count"]
    if trace_memory:
        tracemalloc.stop()

    # The import did what it says: everything selected is here, linked, and invited.
    created = {kind: len(result.created.get(kind, [])) for kind in kinds}
    outcome: dict[str, Any] = {
        "selected": selected,
        "created": created,
        "linked": {kind: len(result.linked.get(kind, [])) for kind in kinds},
        "updated": {kind: len(result.updated.get(kind, [])) for kind in kinds},
        "projects": Project.objects.filter(company=company).count(),
        "wage_types": WageType.objects.filter(company=company).count(),
        "employees": Employee.objects.filter(company=company).count(),
        "project_links": ProjectLink.objects.filter(company=company).count(),
        "wage_type_links": WageTypeLink.objects.filter(company=company).count(),
        "employee_links": EmployeeLink.objects.filter(company=company).count(),
        "emails_sent": len(mail.outbox),
        "connection_active": Connection.objects.get(company=company).is_active,
    }
    assert outcome["project_links"] >= projects, outcome
    assert outcome["employee_links"] >= employees, outcome
    assert outcome["emails_sent"] == len(result.invited_employee_ids) >= employees, outcome
    assert outcome["connection_active"], outcome
    return {
        "employees_generated": employees,
        "projects_generated": projects,
        "database": connection_vendor(),
        "traced": trace_memory,
        "phases": meter.phases,
        "outcome": outcome,
    }


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


# --- the orchestrator --------------------------------------------------------------------------


def run_child(employees: int, projects: int, *, trace_memory: bool) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--employees",
        str(employees),
        "--projects",
        str(projects),
    ]
    if trace_memory:
        command.append("--trace-memory")
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)  # noqa: S603
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"the run with {employees} + {projects} failed")
    measured: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return measured


def scenario(employees: int, projects: int, *, memory_pass: bool, repeat: int) -> dict[str, Any]:
    """The timed run (the best of `repeat`, by «Ferdigstill»: the machine may be shared), plus the
    tracemalloc peaks from a run of their own."""
    runs = []
    for _ in range(repeat):
        load_before = os.getloadavg()
        run = run_child(employees, projects, trace_memory=False)
        run["load_average_before"] = load_before
        run["load_average_after"] = os.getloadavg()
        runs.append(run)
    timed = min(runs, key=lambda r: next(p["seconds"] for p in r["phases"] if p["phase"] == "finish"))
    timed["finish_seconds_of_each_run"] = [
        next(p["seconds"] for p in r["phases"] if p["phase"] == "finish") for r in runs
    ]
    if memory_pass:
        traced = run_child(employees, projects, trace_memory=True)
        for phase, traced_phase in zip(timed["phases"], traced["phases"], strict=True):
            assert phase["phase"] == traced_phase["phase"]
            phase["traced_peak_mib"] = traced_phase["traced_peak_mib"]
            phase["traced_run_seconds"] = traced_phase["seconds"]
    return timed


def print_table(result: dict[str, Any]) -> None:
    print(
        f"\n{result['database']}: sandbox with {result['employees_generated']} generated employees and "
        f"{result['projects_generated']} generated projects on top of the demo company"
    )
    header = (
        f"{'phase':<22} {'items':>6} {'seconds':>8} {'requests':>8} {'SQL':>6}"
        f" {'traced peak MiB':>15} {'peak RSS MiB':>12}"
    )
    print(header)
    print("-" * len(header))
    for p in result["phases"]:
        traced = f"{p['traced_peak_mib']:.1f}" if "traced_peak_mib" in p else "–"
        print(
            f"{p['phase']:<22} {p.get('items', ''):>6} {p['seconds']:>8.2f} {p['tripletex_requests']:>8}"
            f" {p['sql_queries']:>6} {traced:>15} {p['max_rss_mib']:>12.1f}"
        )
    finish = next(p for p in result["phases"] if p["phase"] == "finish")
    print(
        f"«Ferdigstill»: {finish['seconds']:.2f} s (of which {finish['invitations_seconds']:.2f} s sending "
        f"{finish['invitations']} invitations), target < {TARGET_FINISH_SECONDS:.0f} s"
        f" → {'met' if finish['seconds'] < TARGET_FINISH_SECONDS else 'NOT MET'}"
    )
    parts = ", ".join(
        f"{name.strip('_')} {seconds:.2f} s" for name, seconds in finish["seconds_by_part"].items()
    )
    print(f"«Ferdigstill» by part: {parts}")
    print(f"SQL queries by verb in «Ferdigstill»: {finish['sql_queries_by_verb']}")
    runs = ", ".join(f"{seconds:.2f}" for seconds in result["finish_seconds_of_each_run"])
    load = "/".join(f"{n:.1f}" for n in result["load_average_before"])
    print(f"«Ferdigstill» seconds of each timed run: {runs} (load average before the kept run: {load})")
    if result["database"] == "sqlite":
        print(
            "(On SQLite Django splits each bulk INSERT at 999 parameters, so a page of 1000 takes"
            " about 15 INSERTs there; on PostgreSQL it is one.)"
        )


def scaling(small: dict[str, Any], big: dict[str, Any]) -> list[dict[str, Any]]:
    """Per phase: the growth in SQL queries against the growth in pages of 1000."""
    rows = []
    for s, b in zip(small["phases"], big["phases"], strict=True):
        if "items" not in b or not isinstance(b["items"], int):
            continue
        pages_small = math.ceil(s["items"] / PAGE_SIZE)
        pages_big = math.ceil(b["items"] / PAGE_SIZE)
        extra_pages = pages_big - pages_small
        extra_queries = b["sql_queries"] - s["sql_queries"]
        rows.append(
            {
                "phase": b["phase"],
                "items": [s["items"], b["items"]],
                "pages": [pages_small, pages_big],
                "sql_queries": [s["sql_queries"], b["sql_queries"]],
                "extra_queries_per_extra_page": extra_queries / extra_pages if extra_pages else None,
                "extra_queries_per_extra_item": extra_queries / (b["items"] - s["items"])
                if b["items"] != s["items"]
                else None,
            }
        )
    return rows


def print_scaling(rows: list[dict[str, Any]]) -> None:
    print("\nHow SQL queries scale (small company → big company):")
    header = f"{'phase':<22} {'items':>13} {'pages':>9} {'SQL queries':>13} {'Δqueries/Δpage':>15}"
    print(header)
    print("-" * len(header))
    for r in rows:
        per_page = r["extra_queries_per_extra_page"]
        print(
            f"{r['phase']:<22} {r['items'][0]:>6}→{r['items'][1]:<6} {r['pages'][0]:>4}→{r['pages'][1]:<4}"
            f" {r['sql_queries'][0]:>6}→{r['sql_queries'][1]:<6}"
            f" {'–' if per_page is None else f'{per_page:.1f}':>15}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--small-employees", type=int, default=1_000)
    parser.add_argument("--small-projects", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per size; the best is kept")
    parser.add_argument("--no-memory-pass", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace-memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile-finish",
        metavar="PATH",
        help="with --child: write cProfile statistics of «Ferdigstill» to PATH (read with pstats)",
    )
    arguments = parser.parse_args()

    if arguments.child:
        figures = child(
            arguments.employees,
            arguments.projects,
            trace_memory=arguments.trace_memory,
            profile=arguments.profile_finish,
        )
        print(json.dumps(figures))
        return

    memory_pass = not arguments.no_memory_pass
    repeat = arguments.repeat
    big = scenario(arguments.employees, arguments.projects, memory_pass=memory_pass, repeat=repeat)
    small = scenario(
        arguments.small_employees, arguments.small_projects, memory_pass=memory_pass, repeat=repeat
    )
    print_table(big)
    print_table(small)
    rows = scaling(small, big)
    print_scaling(rows)

    database = big["database"]
    output: Path = arguments.output
    output.parent.mkdir(parents=True, exist_ok=True)
    stored = json.loads(output.read_text()) if output.exists() else {}
    stored[database] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "target_finish_seconds": TARGET_FINISH_SECONDS,
        "big": big,
        "small": small,
        "scaling": rows,
    }
    output.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
    print(f"\nfigures written to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


if __name__ == "__main__":
    main()
