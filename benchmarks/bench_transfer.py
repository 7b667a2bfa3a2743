"""Benchmark: approved hours to Tripletex with a real Celery worker, Redis and PostgreSQL.

Not a test: run it by hand (`.venv/bin/python benchmarks/bench_transfer.py`). Needs PostgreSQL (a
fresh database `gronnjobb_bench_transfer` on the server DATABASE_URL names, default
postgres://postgres@127.0.0.1:5432, dropped at the end) and Redis (redis://127.0.0.1:6379/5 as the
broker; the Celery keys of that database are cleared before and after). The sandbox runs in a
subprocess (`manage.py tripletex_sandbox --latency-ms 20`, 500 generated employees), and so does a
real `celery -A grønnjobb worker`. This process publishes to Redis too: nothing runs eagerly.

Phase 1 (throughput): 10,000 entries (500 employees × 20 working days on P-100, one key each) are
approved in bursts, one approval per employee (20 entries); the benchmark sweeps every few seconds
to stand in for beat, and waits (bounded) until every row is sent. Reported: Tripletex requests by
endpoint (counted by the sandbox), list batches, requests per batch, entries per second.

Phase 2 (latency): with an idle queue, 30 single approvals one at a time; for each, the time from
the approval's commit to the entry being in Tripletex (polled with the client). Beat's sweep is
emulated at its default period (60 s), so a lost kick would show as a wait for it.

Ends with the ledger check: per key, Tripletex holds exactly the approved hours, once.
Writes the figures to benchmarks/results/transfer.json (or --output) and prints a table.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sandbox_process import sandbox_control, start_sandbox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DATABASE = "gronnjobb_bench_transfer"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/5"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "transfer.json"
LATENCY_MS = 20
FIRST_EMPLOYEE_NUMBER = 20_000  # the sandbox's generated employees
PROJECT_NUMBER = "P-100"
# Four working weeks in the past (weeks 41-44 of 2026), and one more day for the latency phase.
FIRST_MONDAY = datetime.date(2026, 10, 5)
LATENCY_DAY = datetime.date(2026, 11, 2)
# What beat does by default (settings.CELERY_BEAT_SCHEDULE); phase 1 sweeps more often.
BEAT_SECONDS = 60.0
TARGET_RATIO = 1.1
# 10,000 entries in lists of at most 100: 100 requests is the physical limit.
TARGET_REQUESTS = 110
TARGET_P95_SECONDS = 5.0
COMMIT_AT_START = subprocess.run(
    ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
    capture_output=True,
    text=True,
    cwd=ROOT,
    check=False,
).stdout.strip()
TARGET_MEDIAN_SECONDS = 2.0
LIST_ENDPOINT = "POST /timesheet/entry/list"
SESSION_ENDPOINT = "POST /token/session/:create"
POLL_ENDPOINT = "GET /timesheet/entry"


def working_days(count: int) -> list[datetime.date]:
    days: list[datetime.date] = []
    day = FIRST_MONDAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


# --- the sandbox, in a process of its own ------------------------------------------------------


def sandbox_requests(base_url: str, *, clear: bool) -> dict[str, int]:
    """Requests per endpoint since the last clear (the control API is not counted)."""
    counts: dict[str, int] = sandbox_control(base_url, "requests")
    if clear:
        sandbox_control(base_url, "requests", method="DELETE")
    return counts


# --- PostgreSQL and Redis ------------------------------------------------------------------------


def database_prepare(name: str = BENCH_DATABASE) -> tuple[str, Callable[[], None]]:
    """A DATABASE_URL for a fresh, empty database `name`, and how to get rid of it afterwards."""
    given = os.environ.get("DATABASE_URL", "") or DEFAULT_SERVER
    parts = urlsplit(given)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server: a worker process shares the database.")
    import psycopg

    server = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))

    def admin(statement: str) -> None:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(statement)

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), lambda: admin(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    )


def redis_clear(url: str) -> None:
    """Celery's keys in our Redis database: the queue, its priority lists, the unacked messages."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    try:
        client.ping()
        for pattern in ("celery*", "unacked*", "_kombu*"):
            for key in client.scan_iter(match=pattern):
                client.delete(key)
    finally:
        client.close()


def queue_length(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
    try:
        waiting = sum(int(client.llen(key)) for key in client.scan_iter(match="celery*"))
        return waiting + int(client.hlen("unacked"))
    finally:
        client.close()


# --- the worker --------------------------------------------------------------------------------


class Service:
    """A command in its own process group (so stopping it takes its children too), its output in
    `log`; started once `ready()` says so."""

    def __init__(
        self, *, command: list[str], env: dict[str, str], log: Path, ready: Callable[[], bool]
    ) -> None:
        self.command, self.env, self.log, self.ready = command, env, log, ready
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start without waiting: several services get ready side by side (then `wait_ready`)."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[:4]} exited at start:\n{self.log_tail()}")
            if self.ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.command[:4]} did not get ready in {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Warm shutdown first (the work in hand finishes), then SIGKILL to whatever is left."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class Worker(Service):
    """`celery -A grønnjobb worker`, ready when it logs so."""

    def __init__(
        self, *, env: dict[str, str], concurrency: int, log: Path, name: str = "bench-transfer"
    ) -> None:
        super().__init__(
            command=[
                sys.executable,
                "-m",
                "celery",
                "-A",
                "grønnjobb",
                "worker",
                "--loglevel=INFO",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                f"--hostname={name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=env,
            log=log,
            ready=lambda: b" ready." in log.read_bytes(),
        )


# --- the company ---------------------------------------------------------------------------------


def connected_company(base_url: str) -> dict[str, Any]:
    """«Grønn Bygg AS» with its administrator and an active connection to the sandbox (as
    «Ferdigstill» leaves it, built directly), and what the sandbox holds: its employees and projects
    by number, its salary types by number and the default project activity."""
    from django.utils import timezone

    from hr.models import Employee, Role, User
    from hr.services import company_create
    from tripletex import crypto
    from tripletex.client import TripletexClient
    from tripletex.models import Connection
    from tripletex.sandbox import DEMO_CONSUMER_TOKEN, DEMO_EMPLOYEE_TOKEN

    client = TripletexClient(
        employee_token=DEMO_EMPLOYEE_TOKEN, consumer_token=DEMO_CONSUMER_TOKEN, base_url=base_url
    )
    me = client.whoami()
    remote_employees = {e.employee_number: e.id for e in client.employees()}
    remote_projects = {p.number: p for p in client.projects()}
    salary_types = {t.number: t.id for t in client.salary_types()}
    activity_id = client.timesheet_settings().default_project_activity_id
    assert activity_id is not None
    client.close()

    company = company_create(name="Grønn Bygg AS", organisation_number="999888777")
    admin = Employee.objects.create(
        company=company,
        user=User.objects.create_user("admin@gronnbygg.no", None),
        first_name="Åse",
        last_name="Bråten",
        email="admin@gronnbygg.no",
        employee_number="1001",
        role=Role.ADMINISTRATOR,
    )
    Connection.objects.create(
        company=company,
        is_active=True,
        employee_token=crypto.secret_encrypt(DEMO_EMPLOYEE_TOKEN),
        token_last4=DEMO_EMPLOYEE_TOKEN[-4:],
        tripletex_company_id=me.company_id,
        tripletex_company_name=me.company_name,
        connected_at=timezone.now(),
        connected_by=admin,
    )
    return {
        "company": company,
        "admin": admin,
        "tripletex_company_id": me.company_id,
        "remote_employees": remote_employees,
        "remote_projects": remote_projects,
        "salary_types": salary_types,
        "activity_id": activity_id,
    }


def projects_linked(connected: dict[str, Any], numbers: list[str]) -> list[Any]:
    """The sandbox's projects `numbers`, here and linked with the default project activity."""
    from hr.models import Project
    from tripletex.models import ProjectLink

    company, remote = connected["company"], connected["remote_projects"]
    projects = Project.objects.bulk_create(
        Project(
            company=company, number=number, name=remote[number].name, start_date=datetime.date(2025, 1, 1)
        )
        for number in numbers
    )
    ProjectLink.objects.bulk_create(
        ProjectLink(
            company=company,
            tripletex_company_id=connected["tripletex_company_id"],
            tripletex_id=remote[project.number].id,
            project=project,
            activity_id=connected["activity_id"],
            activity_name="default project activity",
        )
        for project in projects
    )
    return projects


def employees_linked(connected: dict[str, Any], people: list[Any]) -> list[Any]:
    """`people` (unsaved Employees numbered as the sandbox's), saved and linked to the sandbox's."""
    from hr.models import Employee
    from tripletex.models import EmployeeLink

    remote = connected["remote_employees"]
    missing = [p.employee_number for p in people if p.employee_number not in remote]
    assert not missing, f"the sandbox has no employees {missing[:5]}…"
    saved = Employee.objects.bulk_create(people)
    EmployeeLink.objects.bulk_create(
        EmployeeLink(
            company=connected["company"],
            tripletex_company_id=connected["tripletex_company_id"],
            tripletex_id=remote[person.employee_number],
            employee=person,
        )
        for person in saved
    )
    return saved


def company_build(base_url: str, *, employees: int, days: list[datetime.date]) -> dict[str, Any]:
    """A company connected to the sandbox, `employees` people linked to the sandbox's generated
    ones, P-100 with the timesheet settings' default activity, and every entry sent in: one per
    employee and day, plus one on LATENCY_DAY."""
    from django.utils import timezone

    from hr.models import Employee, EntryStatus, HourEntry, WageType

    connected = connected_company(base_url)
    company, admin = connected["company"], connected["admin"]
    (project,) = projects_linked(connected, [PROJECT_NUMBER])
    numbers = [str(FIRST_EMPLOYEE_NUMBER + index) for index in range(employees)]
    people = employees_linked(
        connected,
        [
            Employee(
                company=company,
                first_name="Ansatt",
                last_name=f"Nummer {number}",
                email=f"ansatt{number}@gronnbygg.no",
                employee_number=number,
            )
            for number in numbers
        ],
    )
    remote_employees = connected["remote_employees"]
    ordinary = WageType.objects.get(company=company, is_builtin=True)
    now = timezone.now()

    def entry(person: Employee, day: datetime.date, index: int) -> HourEntry:
        return HourEntry(
            company=company,
            employee=person,
            date=day,
            project=project,
            wage_type=ordinary,
            hours=Decimal("6") + Decimal("0.25") * (index % 9),
            status=EntryStatus.SUBMITTED,
            submitted_by=person,
            submitted_at=now,
        )

    by_employee: dict[int, list[int]] = {}
    for index, person in enumerate(people):
        created = HourEntry.objects.bulk_create(entry(person, day, index + d) for d, day in enumerate(days))
        by_employee[person.id] = [e.id for e in created]
    latency_entries = [e.id for e in HourEntry.objects.bulk_create(entry(p, LATENCY_DAY, 0) for p in people)]
    return {
        "admin": admin,
        "by_employee": by_employee,
        "latency_entries": latency_entries,
        "remote_employee_of": {p.id: remote_employees[p.employee_number] for p in people},
        "tripletex_company_id": connected["tripletex_company_id"],
    }


# --- phase 1: throughput -------------------------------------------------------------------------


def rows_left() -> int:
    from tripletex.models import RemoteHours, TransferState

    return RemoteHours.objects.exclude(state=TransferState.SENT).count()


def sweep() -> None:
    from tripletex.tasks import transfer_sweep_task

    transfer_sweep_task.delay()


def phase_throughput(
    base_url: str, company: dict[str, Any], *, sweep_seconds: float, deadline_seconds: float
) -> dict[str, Any]:
    from django.db.models import Max, Min

    from hr.services import entries_approve
    from tripletex.models import RemoteHours, TransferAttempt

    sandbox_requests(base_url, clear=True)
    admin = company["admin"]
    bursts = list(company["by_employee"].values())
    entries = sum(len(b) for b in bursts)
    sweeps = 0
    started = time.perf_counter()
    started_wall = time.time()
    last_sweep = started
    approval_seconds: list[float] = []
    for burst in bursts:
        before = time.perf_counter()
        entries_approve(actor=admin, entry_ids=burst)
        approval_seconds.append(time.perf_counter() - before)
        if time.perf_counter() - last_sweep >= sweep_seconds:
            sweep()
            sweeps += 1
            last_sweep = time.perf_counter()
    approved_at = time.perf_counter()
    deadline = started + deadline_seconds
    left = rows_left()
    while left and time.perf_counter() < deadline:
        time.sleep(0.2)
        if time.perf_counter() - last_sweep >= sweep_seconds:
            sweep()
            sweeps += 1
            last_sweep = time.perf_counter()
        left = rows_left()
    finished = time.perf_counter()
    requests = sandbox_requests(base_url, clear=True)
    sent = RemoteHours.objects.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    # From the first approval to the last row recorded as sent (the poll adds up to 0.2 s).
    last_sent = sent["last"].timestamp() - started_wall if sent["last"] else None
    batches = requests.get(LIST_ENDPOINT, 0)
    total = sum(requests.values())
    listed = entries - requests.get("POST /timesheet/entry", 0)
    attempts = Counter(TransferAttempt.objects.filter(remote__isnull=False).values_list("action", flat=True))
    return {
        "entries": entries,
        "approval_calls": len(bursts),
        "entries_per_approval": entries // len(bursts),
        "rows": RemoteHours.objects.count(),
        "rows_not_sent": left,
        "timed_out": bool(left),
        "sweeps": sweeps,
        "sweep_every_seconds": sweep_seconds,
        "approving_seconds": approved_at - started,
        "approval_call_median_seconds": statistics.median(approval_seconds),
        "seconds_to_all_sent": last_sent if last_sent is not None else finished - started,
        "entries_per_second": entries / (last_sent or (finished - started)),
        "tripletex_requests": total,
        "tripletex_requests_by_endpoint": dict(sorted(requests.items())),
        "list_batches": batches,
        "entries_per_batch": listed / batches if batches else None,
        "requests_per_batch": total / batches if batches else None,
        "lookups": requests.get("GET /timesheet/entry", 0),
        "sessions_created": requests.get(SESSION_ENDPOINT, 0),
        "transfer_attempts_by_action": dict(sorted(attempts.items())),
    }


# --- phase 2: latency ----------------------------------------------------------------------------


def wait_idle(timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not rows_left() and not queue_length(REDIS_URL):
            return True
        time.sleep(0.2)
    return False


def phase_latency(
    base_url: str, company: dict[str, Any], *, count: int, poll_seconds: float, timeout: float
) -> dict[str, Any]:
    from django.db import transaction

    from hr.models import HourEntry
    from hr.services import entries_approve
    from tripletex.client import TripletexClient
    from tripletex.models import RemoteHours, TransferState
    from tripletex.sandbox import DEMO_CONSUMER_TOKEN, DEMO_EMPLOYEE_TOKEN

    idle = wait_idle()
    client = TripletexClient(
        employee_token=DEMO_EMPLOYEE_TOKEN, consumer_token=DEMO_CONSUMER_TOKEN, base_url=base_url
    )
    client.timesheet_settings()  # the poller's session, made before the clock runs
    sandbox_requests(base_url, clear=True)
    polls_before = client.request_count
    admin = company["admin"]
    entries = {e.id: e for e in HourEntry.objects.filter(id__in=company["latency_entries"][:count])}
    latencies: list[float] = []
    approval_seconds: list[float] = []
    sweeps = 0
    last_sweep = time.perf_counter()
    for entry_id in company["latency_entries"][:count]:
        entry = entries[entry_id]
        remote_employee = company["remote_employee_of"][entry.employee_id]
        committed: list[float] = []
        before = time.perf_counter()
        with transaction.atomic():
            # Registered first, so it runs first when the approval commits: before the kick.
            transaction.on_commit(functools.partial(append_now, committed))
            entries_approve(actor=admin, entry_ids=[entry_id])
        approval_seconds.append(committed[0] - before)
        found_at = None
        while time.perf_counter() - committed[0] < timeout:
            if time.perf_counter() - last_sweep >= BEAT_SECONDS:
                sweep()  # beat, at its default period
                sweeps += 1
                last_sweep = time.perf_counter()
            found = list(
                client.timesheet_entries(
                    date_from=LATENCY_DAY,
                    date_to=LATENCY_DAY + datetime.timedelta(days=1),
                    employee_ids=[remote_employee],
                )
            )
            if found:
                found_at = time.perf_counter()
                break
            time.sleep(poll_seconds)
        latencies.append((found_at if found_at is not None else float("inf")) - committed[0])
        # Idle again before the next approval: the worker has recorded the outcome.
        deadline = time.monotonic() + 30
        while (
            RemoteHours.objects.filter(employee_id=entry.employee_id, date=LATENCY_DAY)
            .exclude(state=TransferState.SENT)
            .exists()
            and time.monotonic() < deadline
        ):
            time.sleep(0.02)
    polls = client.request_count - polls_before
    client.close()
    requests = sandbox_requests(base_url, clear=True)
    worker_requests = dict(requests)
    worker_requests[POLL_ENDPOINT] = worker_requests.get(POLL_ENDPOINT, 0) - polls
    worker_requests = {k: v for k, v in sorted(worker_requests.items()) if v}
    ordered = sorted(latencies)
    return {
        "approvals": count,
        "queue_idle_before": idle,
        "poll_every_seconds": poll_seconds,
        "beat_sweeps": sweeps,
        "latencies_seconds": latencies,
        "median_seconds": statistics.median(ordered),
        "p95_seconds": percentile(ordered, 0.95),
        "max_seconds": ordered[-1],
        "min_seconds": ordered[0],
        "approval_call_median_seconds": statistics.median(approval_seconds),
        "poll_requests": polls,
        "worker_tripletex_requests": sum(worker_requests.values()),
        "worker_tripletex_requests_by_endpoint": worker_requests,
    }


def approval_queries(company: dict[str, Any], *, skip: int) -> dict[str, int]:
    """SQL queries of one approval of 20 entries and one of 200 (entries the latency phase left):
    inside the approval's transaction, and of the delivery kick that runs after its commit (one
    query when a full list is due and the delivery is sent at once; three when it joins or opens
    the coalescing window)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from hr.services import entries_approve

    spare = company["latency_entries"][skip:]
    counts: dict[str, int] = {}
    for size, chosen in ((20, spare[:20]), (200, spare[20:220])):
        with CaptureQueriesContext(connection) as whole:
            with transaction.atomic():
                with CaptureQueriesContext(connection) as approval:
                    entries_approve(actor=company["admin"], entry_ids=chosen)
        counts[f"approval_of_{size}"] = len(approval.captured_queries)
        counts[f"kick_after_approval_of_{size}"] = len(whole.captured_queries) - len(
            approval.captured_queries
        )
    wait_idle()
    return counts


def append_now(times: list[float]) -> None:
    times.append(time.perf_counter())


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    rank = max(1, -(-int(fraction * len(ordered) * 1000) // 1000))
    return ordered[min(len(ordered), rank) - 1]


# --- the ledger ----------------------------------------------------------------------------------


def ledger_check(base_url: str) -> dict[str, Any]:
    """Exact: per key Tripletex holds the approved hours here, once; every row is sent."""
    from django.db.models import Sum

    from hr.models import EntryStatus, HourEntry
    from tripletex.models import EmployeeLink, ProjectLink, RemoteHours

    state = sandbox_control(base_url, "state")
    employee_ids = dict(EmployeeLink.objects.values_list("employee_id", "tripletex_id"))
    project_ids = dict(ProjectLink.objects.values_list("project_id", "tripletex_id"))
    by_key: dict[tuple[int, str, int, int], list[dict[str, Any]]] = defaultdict(list)
    for e in state["timesheetEntries"]:
        by_key[(e["employeeId"], e["date"], e["projectId"], e["activityId"])].append(e)
    duplicates = {key: len(found) for key, found in by_key.items() if len(found) > 1}
    approved = {
        (row["employee_id"], row["date"], row["project_id"]): row["total"]
        for row in HourEntry.objects.filter(status=EntryStatus.APPROVED)
        .values("employee_id", "date", "project_id")
        .annotate(total=Sum("hours"))
    }
    wrong: list[str] = []
    ours = set()
    rows = list(RemoteHours.objects.all())
    for row in rows:
        key = (
            employee_ids[row.employee_id],
            row.date.isoformat(),
            project_ids[row.project_id],
            row.activity_id,
        )
        ours.add(key)
        wanted = approved.get((row.employee_id, row.date, row.project_id), Decimal("0"))
        remote = by_key.get(key, [])
        held = Decimal(str(remote[0]["hours"])) if remote else Decimal("0")
        if row.state != "sent" or held != wanted or (remote and remote[0]["id"] != row.remote_id):
            wrong.append(f"row {row.id}: {row.state}, wanted {wanted}, Tripletex {held}")
    foreign = set(by_key) - ours
    remote_total = sum((Decimal(str(e["hours"])) for e in state["timesheetEntries"]), Decimal("0"))
    approved_total = sum(approved.values(), Decimal("0"))
    return {
        "exact": not duplicates and not wrong and not foreign and remote_total == approved_total,
        "keys": len(rows),
        "remote_entries": len(state["timesheetEntries"]),
        "duplicate_keys": len(duplicates),
        "rows_wrong": len(wrong),
        "rows_wrong_examples": wrong[:5],
        "remote_keys_not_ours": len(foreign),
        "approved_hours": str(approved_total),
        "remote_hours": str(remote_total),
    }


def run_identity() -> dict[str, Any]:
    """The machine, the time and the commit a result was measured on."""
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": commit_measured(),
    }


def commit_measured() -> str:
    """The commit whose code ran (read at start-up: a commit landing mid-run is not measured)."""
    return COMMIT_AT_START


# --- the run -------------------------------------------------------------------------------------


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    database_url, database_drop = database_prepare()
    redis_clear(REDIS_URL)
    sandbox, base_url = start_sandbox(employees=arguments.employees, latency_ms=LATENCY_MS)
    worker: Worker | None = None
    log_directory = tempfile.mkdtemp(prefix="gronnjobb-bench-transfer-")
    try:
        from tripletex.sandbox import DEMO_CONSUMER_TOKEN

        os.environ.update(
            DJANGO_ENV="development",
            DJANGO_SETTINGS_MODULE="grønnjobb.settings",
            DATABASE_URL=database_url,
            CELERY_BROKER_URL=REDIS_URL,
            CACHE_URL=REDIS_URL,  # as in production: the workers share Tripletex sessions
            CELERY_TASK_ALWAYS_EAGER="false",
            TRIPLETEX_BASE_URL=base_url,
            TRIPLETEX_CONSUMER_TOKEN=DEMO_CONSUMER_TOKEN,
        )
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.DEBUG = False  # as in production: no query log kept in memory
        assert not settings.CELERY_TASK_ALWAYS_EAGER, "this process must publish to Redis"
        call_command("migrate", verbosity=0, interactive=False)
        days = working_days(arguments.days)
        setup_started = time.perf_counter()
        company = company_build(base_url, employees=arguments.employees, days=days)
        setup_seconds = time.perf_counter() - setup_started

        env = dict(os.environ)
        env.update(
            ENCRYPTION_KEYS=",".join(settings.ENCRYPTION_KEYS),
            LOG_LEVEL="WARNING",
        )
        worker = Worker(env=env, concurrency=arguments.concurrency, log=Path(log_directory) / "worker.log")
        worker.start()
        load_before = os.getloadavg()
        throughput = phase_throughput(
            base_url, company, sweep_seconds=arguments.sweep_seconds, deadline_seconds=arguments.deadline
        )
        load_after = os.getloadavg()
        latency = phase_latency(
            base_url,
            company,
            count=arguments.single_approvals,
            poll_seconds=arguments.poll_seconds,
            timeout=arguments.latency_timeout,
        )
        queries = approval_queries(company, skip=arguments.single_approvals)
        worker.stop()
        ledger = ledger_check(base_url)
        return {
            **run_identity(),
            "database": "postgresql",
            "broker": "redis",
            "sandbox_latency_ms": LATENCY_MS,
            "worker": {"processes": 1, "pool": "prefork", "concurrency": arguments.concurrency},
            "coalesce_seconds": settings.TRIPLETEX_COALESCE_SECONDS,
            "employees": arguments.employees,
            "days": len(days),
            "setup_seconds": setup_seconds,
            "load_average_before": load_before,
            "load_average_after_throughput": load_after,
            "targets": {
                "requests_per_batch_at_most": TARGET_RATIO,
                "latency_median_seconds_under": TARGET_MEDIAN_SECONDS,
                "latency_p95_seconds_under": TARGET_P95_SECONDS,
                "tripletex_requests_at_most": TARGET_REQUESTS,
            },
            "sql_queries": queries,
            "throughput": throughput,
            "latency": latency,
            "ledger": ledger,
        }
    finally:
        if worker is not None:
            worker.stop()
        sandbox.terminate()
        sandbox.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        database_drop()
        redis_clear(REDIS_URL)


def print_table(result: dict[str, Any]) -> None:
    t, lat, ledger, w = result["throughput"], result["latency"], result["ledger"], result["worker"]
    print(
        f"\nTransfer benchmark: PostgreSQL, Redis, 1 worker (prefork, concurrency {w['concurrency']}),"
        f" sandbox latency {result['sandbox_latency_ms']} ms, {result['machine']['cpus']} CPUs"
    )
    rows = [
        (
            "entries approved",
            f"{t['entries']} ({t['approval_calls']} approvals × {t['entries_per_approval']})",
        ),
        ("rows not sent at the end", f"{t['rows_not_sent']}" + (" (TIMED OUT)" if t["timed_out"] else "")),
        ("approving took", f"{t['approving_seconds']:.1f} s"),
        ("approval to all sent", f"{t['seconds_to_all_sent']:.1f} s"),
        ("entries per second", f"{t['entries_per_second']:.0f}"),
        ("sweeps (phase 1)", f"{t['sweeps']} (every {t['sweep_every_seconds']:.0f} s)"),
        (
            "Tripletex requests",
            f"{t['tripletex_requests']} (target ≤ {TARGET_REQUESTS}: "
            f"{'met' if t['tripletex_requests'] <= TARGET_REQUESTS else 'NOT MET'})",
        ),
        *((f"  {endpoint}", f"{count}") for endpoint, count in t["tripletex_requests_by_endpoint"].items()),
        ("list batches", f"{t['list_batches']}"),
        ("entries per batch", "–" if t["entries_per_batch"] is None else f"{t['entries_per_batch']:.1f}"),
    ]
    ratio = t["requests_per_batch"]
    rows.append(
        (
            "requests per batch",
            "–"
            if ratio is None
            else f"{ratio:.2f} (target ≤ {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'NOT MET'})",
        )
    )
    rows += [
        (
            "latency median",
            f"{lat['median_seconds']:.3f} s (target < {TARGET_MEDIAN_SECONDS:.0f} s: "
            f"{'met' if lat['median_seconds'] < TARGET_MEDIAN_SECONDS else 'NOT MET'})",
        ),
        (
            "latency p95",
            f"{lat['p95_seconds']:.3f} s (target < {TARGET_P95_SECONDS:.0f} s: "
            f"{'met' if lat['p95_seconds'] < TARGET_P95_SECONDS else 'NOT MET'})",
        ),
        *(
            (f"SQL queries, {name.replace('_', ' ')}", f"{count}")
            for name, count in result["sql_queries"].items()
        ),
        ("latency min / max", f"{lat['min_seconds']:.3f} s / {lat['max_seconds']:.3f} s"),
        ("requests per single approval", f"{lat['worker_tripletex_requests'] / lat['approvals']:.2f}"),
        *(
            (f"  {endpoint}", f"{count}")
            for endpoint, count in lat["worker_tripletex_requests_by_endpoint"].items()
        ),
        ("ledger", "exact" if ledger["exact"] else f"NOT EXACT: {ledger}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def results_write(result: dict[str, Any], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nfigures written to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--employees", type=int, default=500)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=2, help="the worker's prefork processes")
    parser.add_argument("--sweep-seconds", type=float, default=5.0, help="phase 1 stands in for beat")
    parser.add_argument("--deadline", type=float, default=420.0, help="phase 1 gives up after this")
    parser.add_argument("--single-approvals", type=int, default=30)
    parser.add_argument("--poll-seconds", type=float, default=0.02)
    parser.add_argument("--latency-timeout", type=float, default=90.0)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    arguments = parser.parse_args()
    assert arguments.single_approvals <= arguments.employees
    result = run(arguments)
    print_table(result)
    results_write(result, arguments.output)


if __name__ == "__main__":
    main()
