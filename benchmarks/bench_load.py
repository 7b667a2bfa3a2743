"""Load test: the product as in production, driven by Locust for LOAD_MINUTES minutes (default 10).

Not a test: `make load` (or `.venv/bin/python benchmarks/bench_load.py`). Needs PostgreSQL and Redis
on 127.0.0.1: a fresh database `gj_load` (dropped at the end) and Redis database 6 (emptied before
and after). Everything else runs here, on the loopback, with DJANGO_ENV=production and generated
secrets:

- gunicorn with 3 workers (port 8431, or --port), a Celery worker (prefork, concurrency 2) and beat;
- the Tripletex sandbox with 20 ms latency on every request, holding the company's people and projects;
- the company «Grønn Bygg AS»: 300 employees in 20 departments, each department with its manager,
  a second administrator, 10 projects and the lønnsart «Overtid 50 %», connected to the sandbox and
  linked (as «Ferdigstill» leaves it), hours sent from 1 January 2025.

Locust (benchmarks/load_locustfile.py) then runs 40 employees saving and sending in weeks through
the pages, 8 managers approving in «Godkjenning», 2 administrators on «Overføringer», «Avstemming»
and «Rapporter», 4 API users doing the week through /api/v1/, and a probe on the trivial view
/helse/. Meanwhile the Celery queue's length in Redis (and the rows waiting for Tripletex) is sampled
every 5 seconds. When Locust stops, the worker gets a bounded time to send what waits; then the
ledger is checked: per key, Tripletex holds exactly the approved hours, once.

Writes benchmarks/results/load.json (or --output): per page and endpoint the requests, errors,
median, p95 and p99, the p95 as a multiple of the trivial view's, the queue depth over time, the
work done, the ledger check and the verdict on the targets (no errors, every p95 within 3× the
trivial view, the ledger exact).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import Request, urlopen

from bench_transfer import (
    LATENCY_MS,
    ROOT,
    Service,
    Worker,
    connected_company,
    database_prepare,
    employees_linked,
    ledger_check,
    projects_linked,
    queue_length,
    results_write,
    rows_left,
    run_identity,
    sandbox_requests,
)
from load_summary import (
    ACCESS_LOG_FORMAT,
    Record,
    after_warmup,
    queue_summary,
    server_records,
    summarise,
    verdict,
)
from sandbox_process import start_sandbox

LOAD_DATABASE = "gj_load"
REDIS_URL = "redis://127.0.0.1:6379/6"
DEFAULT_PORT = 8431
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "load.json"
LOCUSTFILE = ROOT / "benchmarks" / "load_locustfile.py"
GUNICORN_WORKERS = 3
WORKER_CONCURRENCY = 2
EMPLOYEES, DEPARTMENTS, PROJECTS = 300, 20, 10
FIRST_NUMBER = 20_000  # the sandbox's generated employees: 300 employees, 20 managers, 1 administrator
# Locust's users (load_locustfile.py's fixed counts), and who of the company they are.
USERS = {"employees": 40, "approvers": 8, "administrators": 2, "api": 4, "probe": 1}
SPAWN_RATE = 2  # users a second: each logs in once, and a login hashes the password (PBKDF2)
SAMPLE_SECONDS = 5.0
DRAIN_SECONDS = 240.0  # after the run: time for the worker (and beat's sweep) to send what waits
# The sandbox's generated projects begin on 1 January 2025; the weeks filled go back no further.
EARLIEST_MONDAY = datetime.date(2025, 1, 6)
SEND_HOURS_FROM = datetime.date(2025, 1, 1)
EXEMPT = {
    "POST /logg-inn/": "hashes the password (PBKDF2, deliberately slow); once per session",
    "POST /api/v1/auth/token/": "hashes the password (PBKDF2, deliberately slow); once per key",
}


# --- the company -----------------------------------------------------------------------------------


def company_seed(base_url: str, *, password: str, today: datetime.date) -> dict[str, Any]:
    """The company the users act in (see the module's docstring), and the manifest they read: who
    logs in as what, the projects and lønnsarter, the weeks to fill."""
    from django.contrib.auth.hashers import make_password

    from hr.models import Department, Employee, Role, User, WageType
    from tripletex.models import Connection, WageTypeLink

    connected = connected_company(base_url)
    company, admin = connected["company"], connected["admin"]
    Connection.objects.filter(company=company).update(send_hours_from=SEND_HOURS_FROM)
    hashed = make_password(password)  # once: every person has the same password
    User.objects.filter(pk=admin.user_id).update(password=hashed)
    numbers = sorted(n for n in connected["remote_projects"] if n.startswith("G-"))[:PROJECTS]
    projects = projects_linked(connected, numbers)
    overtime = WageType.objects.create(company=company, name="Overtid 50 %", number="2010")
    WageTypeLink.objects.create(
        company=company,
        tripletex_company_id=connected["tripletex_company_id"],
        tripletex_id=connected["salary_types"]["2010"],
        wage_type=overtime,
    )
    departments = Department.objects.bulk_create(
        Department(company=company, name=f"Avdeling {n + 1:02d}") for n in range(DEPARTMENTS)
    )
    # Employees first (department n % 20), then one manager per department, then an administrator.
    roles = [Role.EMPLOYEE] * EMPLOYEES + [Role.MANAGER] * DEPARTMENTS + [Role.ADMINISTRATOR]
    numbers = [str(FIRST_NUMBER + n) for n in range(len(roles))]
    users = User.objects.bulk_create(User(email=f"ansatt{n}@gronnbygg.no", password=hashed) for n in numbers)
    people = employees_linked(
        connected,
        [
            Employee(
                company=company,
                user=user,
                first_name="Ansatt",
                last_name=f"Nummer {number}",
                email=user.email,
                employee_number=number,
                role=role,
                department=departments[index % DEPARTMENTS] if role != Role.ADMINISTRATOR else None,
            )
            for index, (number, user, role) in enumerate(zip(numbers, users, roles, strict=True))
        ],
    )
    managers = people[EMPLOYEES : EMPLOYEES + DEPARTMENTS]
    for department, manager in zip(departments, managers, strict=True):
        department.managers.add(manager)
    # The employees who act: 5 in each of the approvers' departments; the 4 API users are a sixth in
    # the first four of those departments.
    approving = USERS["approvers"]
    per_department = USERS["employees"] // approving
    acting = [people[d + DEPARTMENTS * k] for d in range(approving) for k in range(per_department)]
    api = [people[d + DEPARTMENTS * per_department] for d in range(USERS["api"])]
    last_monday = today - datetime.timedelta(days=today.weekday() + 7)

    def emails(employees: list[Any]) -> list[dict[str, Any]]:
        return [{"email": e.email, "id": e.id} for e in employees]

    return {
        "password": password,
        "employees": emails(acting),
        "api": emails(api),
        "approvers": emails(managers[:approving]),
        "administrators": emails([admin, people[-1]]),
        "projects": [p.id for p in projects],
        "wage_types": {
            "ordinary": WageType.objects.get(company=company, is_builtin=True).id,
            "overtime": overtime.id,
        },
        "first_monday": last_monday.isoformat(),
        "earliest_monday": EARLIEST_MONDAY.isoformat(),
    }


def work_done() -> dict[str, Any]:
    """What the run left in the database: entries by status, transfer rows by state."""
    from django.db.models import Count

    from hr.models import HourEntry
    from tripletex.models import RemoteHours, RemoteSalaryLine

    def by(model: Any, field: str) -> dict[str, int]:
        return {row[field]: row["n"] for row in model.objects.values(field).annotate(n=Count("id"))}

    return {
        "entries_by_status": by(HourEntry, "status"),
        "remote_hours_by_state": by(RemoteHours, "state"),
        "salary_lines_by_state": by(RemoteSalaryLine, "state"),
    }


# --- the processes ---------------------------------------------------------------------------------


def production_env(database_url: str, sandbox_url: str) -> dict[str, str]:
    """Production settings with secrets made for this run; everything on the loopback."""
    from cryptography.fernet import Fernet

    from tripletex.sandbox import DEMO_CONSUMER_TOKEN

    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CELERY_TASK_ALWAYS_EAGER"}}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="grønnjobb.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=REDIS_URL,
        CACHE_URL=REDIS_URL,
        EMAIL_URL="consolemail://",
        TRIPLETEX_BASE_URL=sandbox_url,
        TRIPLETEX_CONSUMER_TOKEN=DEMO_CONSUMER_TOKEN,
        ENCRYPTION_KEYS=f"load:{Fernet.generate_key().decode()}",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def redis_empty() -> None:
    """Our Redis database (6): the queue, the cache's login and throttle counters."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=10)
    try:
        client.flushdb()
    finally:
        client.close()


def answers(url: str) -> bool:
    try:
        with urlopen(Request(url, headers={"X-Forwarded-Proto": "https"}), timeout=5) as response:  # noqa: S310 (loopback)
            return bool(response.status == 200)
    except (URLError, OSError):
        return False


def web(env: dict[str, str], port: int, log: Path) -> Service:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "grønnjobb.wsgi",
        "--workers",
        str(GUNICORN_WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        *("--access-logfile", str(log.parent / "access.log"), "--access-logformat", ACCESS_LOG_FORMAT),
    ]
    return Service(
        command=command, env=env, log=log, ready=lambda: answers(f"http://127.0.0.1:{port}/helse/")
    )


def beat(env: dict[str, str], folder: Path) -> Service:
    log = folder / "beat.log"
    command = [
        *(sys.executable, "-m", "celery", "-A", "grønnjobb", "beat", "--loglevel=INFO"),
        *("--schedule", str(folder / "celerybeat-schedule")),
    ]
    return Service(command=command, env=env, log=log, ready=lambda: b"beat: Starting" in log.read_bytes())


class Sampler(threading.Thread):
    """The Celery queue's length in Redis and the rows waiting for Tripletex, every few seconds."""

    def __init__(self, every: float) -> None:
        super().__init__(daemon=True)
        self.every, self.halt = every, threading.Event()
        self.samples: list[dict[str, Any]] = []
        self.started = time.monotonic()

    def run(self) -> None:
        from django.db import connection

        try:
            while True:
                self.samples.append(
                    {
                        "t": round(time.monotonic() - self.started, 1),
                        "queue": queue_length(REDIS_URL),
                        "rows_pending": rows_left(),
                        "load_1min": os.getloadavg()[0],
                    }
                )
                if self.halt.wait(self.every):
                    return
        finally:
            connection.close()

    def stop(self) -> list[dict[str, Any]]:
        self.halt.set()
        self.join(timeout=30)
        return self.samples


def locust(*, host: str, seconds: int, manifest: Path, record: Path, log: Path) -> int:
    """Locust, headless, for `seconds`; its users append every request to `record`."""
    command = [
        *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"),
        *("--users", str(sum(USERS.values())), "--spawn-rate", str(SPAWN_RATE)),
        *("--run-time", f"{seconds}s", "--stop-timeout", "30", "--host", host),
        *("--only-summary", "--loglevel", "WARNING"),
    ]
    env = dict(os.environ, LOAD_MANIFEST=str(manifest), LOAD_RECORD=str(record))
    with log.open("ab") as output:
        return subprocess.run(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, check=False
        ).returncode


def drain(timeout: float) -> dict[str, Any]:
    """Waits (bounded) until no transfer row waits and the queue is empty."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not rows_left() and not queue_length(REDIS_URL):
            return {"drained": True, "seconds": round(time.monotonic() - started, 1)}
        time.sleep(1.0)
    return {"drained": False, "seconds": round(time.monotonic() - started, 1), "rows_left": rows_left()}


def records_read(path: Path) -> tuple[list[Record], dict[str, list[str]], float]:
    """The requests Locust recorded (their times from the first one sent), up to three failure
    messages per name, and when the first one was sent (epoch seconds)."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    first = min((line[3] for line in lines), default=0.0)
    records: list[Record] = []
    failures: dict[str, list[str]] = {}
    for name, milliseconds, failed, sent, *message in lines:
        records.append(Record(name, float(milliseconds), bool(failed), sent - first))
        if failed and len(failures.setdefault(name, [])) < 3:
            failures[name].append(message[0] if message else "")
    return records, failures, first


def warmup_seconds(run_seconds: float) -> float:
    """Until every user has logged in, and 30 s more; at most half the run."""
    return min(sum(USERS.values()) / SPAWN_RATE + 30, run_seconds / 2)


# --- the run ---------------------------------------------------------------------------------------


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="gronnjobb-load-"))
    database_url, database_drop = database_prepare(LOAD_DATABASE)
    redis_empty()
    sandbox, base_url = start_sandbox(
        employees=EMPLOYEES + DEPARTMENTS + 1, projects=PROJECTS, latency_ms=LATENCY_MS
    )
    services: list[Service] = []
    try:
        env = production_env(database_url, base_url)
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        call_command("collectstatic", verbosity=0, interactive=False)
        started = time.perf_counter()
        manifest = company_seed(base_url, password=secrets.token_urlsafe(12), today=datetime.date.today())
        seed_seconds = time.perf_counter() - started
        manifest_path = folder / "manifest.json"
        manifest_path.write_text(json.dumps(manifest))
        services = [
            web(env, arguments.port, folder / "gunicorn.log"),
            Worker(env=env, concurrency=WORKER_CONCURRENCY, log=folder / "worker.log", name="load"),
            beat(env, folder),
        ]
        for service in services:
            service.start()
        sandbox_requests(base_url, clear=True)
        record = folder / "requests.jsonl"
        record.touch()
        sampler = Sampler(SAMPLE_SECONDS)
        sampler.start()
        load_before = os.getloadavg()
        locust_exit = locust(
            host=f"http://127.0.0.1:{arguments.port}",
            seconds=int(arguments.minutes * 60),
            manifest=manifest_path,
            record=record,
            log=folder / "locust.log",
        )
        load_after = os.getloadavg()
        drained = drain(DRAIN_SECONDS)
        samples = sampler.stop()
        for service in services:
            service.stop()
        records, failures, first = records_read(record)
        warmup = warmup_seconds(arguments.minutes * 60)
        summary = summarise(after_warmup(records, warmup), exempt=EXEMPT)
        whole_run = summarise(records, exempt=EXEMPT)
        access_log = (folder / "access.log").read_text(encoding="utf-8").splitlines()
        server = summarise(after_warmup(server_records(access_log, started=first), warmup), exempt=EXEMPT)
        ledger = ledger_check(base_url)
        return {
            "benchmark": "load: the product as in production under Locust, beside a trivial view",
            **run_identity(),
            "setup": {
                "web": f"gunicorn, {GUNICORN_WORKERS} sync workers",
                "worker": f"1 celery worker, prefork, concurrency {WORKER_CONCURRENCY}",
                "beat": "1 celery beat",
                "database": "postgresql",
                "broker_and_cache": "redis",
                "sandbox_latency_ms": LATENCY_MS,
                "django_env": "production",
                "seed_seconds": round(seed_seconds, 1),
            },
            "company": {
                "employees": EMPLOYEES,
                "managers": DEPARTMENTS,
                "departments": DEPARTMENTS,
                "administrators": 2,
                "projects": PROJECTS,
            },
            "users": USERS,
            "minutes": arguments.minutes,
            "spawn_rate_per_second": SPAWN_RATE,
            "locust_exit_code": locust_exit,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "steady_state_from_seconds": warmup,
            **summary,
            "whole_run_with_logins": {
                k: whole_run[k] for k in ("trivial_view", "requests", "total_requests", "total_errors")
            },
            "failure_examples": failures,
            # The same from gunicorn's access log: the time in a worker, without the wait for a free
            # one (the client's figures include it). POSTs to one address share a name here.
            "server_side": {
                k: server[k] for k in ("trivial_view", "requests", "total_errors", "p95_over_target")
            },
            "queue_depth": {"every_seconds": SAMPLE_SECONDS, **queue_summary(samples)},
            "drain_after_run": drained,
            "work_done": work_done(),
            "tripletex_requests_by_endpoint": sandbox_requests(base_url, clear=False),
            "ledger": ledger,
            "verdict": {
                **verdict(summary, ledger),
                "every_server_side_p95_within_target": not server["p95_over_target"],
            },
            "logs": str(folder),
        }
    finally:
        for service in services:
            service.stop()
        sandbox.terminate()
        sandbox.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        database_drop()
        redis_empty()


def print_table(result: dict[str, Any]) -> None:
    trivial, server = result["trivial_view"], result["server_side"]
    print(
        f"\nLoad test: {result['minutes']} min, {sum(result['users'].values())} users; after "
        f"{result['steady_state_from_seconds']:.0f} s: {result['total_requests']} requests, "
        f"{result['total_errors']} errors; trivial view p95 {trivial['p95_ms']} ms "
        f"(in the worker: {server['trivial_view']['p95_ms']} ms)"
    )
    width = max(len(name) for name in result["requests"])
    heading = f"{'n':>6} {'err':>4} {'median':>8} {'p95':>8} {'p99':>8} {'×triv':>6} {'worker×triv':>11}"
    print(f"{'':<{width}}  {heading}")
    for name, e in result["requests"].items():
        mark = " *" if name in result["p95_over_target"] else ""
        in_worker = server["requests"].get(name.split(" (")[0], {}).get("p95_ratio_to_trivial")
        print(
            f"{name:<{width}}  {e['requests']:>6} {e['errors']:>4} {e['median_ms']:>8} {e['p95_ms']:>8} "
            f"{e['p99_ms']:>8} {e['p95_ratio_to_trivial']:>6} {in_worker!s:>11}{mark}"
        )
    queue = result["queue_depth"]
    print(
        f"queue depth: max {queue['queue_max']}, mean {queue['queue_mean']}; "
        f"drained: {result['drain_after_run']}"
    )
    print(
        f"ledger: {'exact' if result['ledger']['exact'] else 'NOT EXACT'} ({result['ledger']['keys']} keys)"
    )
    print(f"verdict: {result['verdict']}  (* = p95 over {result['target_p95_ratio']}× the trivial view)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--minutes",
        type=float,
        default=float(os.environ.get("LOAD_MINUTES") or 10),
        help="how long Locust runs (default LOAD_MINUTES, else 10)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="gunicorn's port on 127.0.0.1")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    arguments = parser.parse_args()
    result = run(arguments)
    print_table(result)
    results_write(result, arguments.output)


if __name__ == "__main__":
    main()
