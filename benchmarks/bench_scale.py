"""Benchmark: many companies, each with its own Tripletex company, delivered by 4 worker processes.

Not a test: run it by hand (`.venv/bin/python benchmarks/bench_scale.py`, or `make scale`). Needs
PostgreSQL (a fresh database `gj_scale` on the server DATABASE_URL names, default
postgres://postgres@127.0.0.1:5432, dropped at the end) and Redis (redis://127.0.0.1:6379/7 as the
broker; the Celery keys of that database are cleared before and after).

Scale: N companies × M employees on average (defaults 200 × 50; `--companies`/`--employees`, or the
environment variables SCALE_COMPANIES and SCALE_EMPLOYEES), every tenth company large (4.6 M) and the
others small (0.6 M: 230 and 30 people at the default), 20 working days each (weeks 41-44 of 2026,
one entry a day on P-100): 200,000 entries at the default scale. Every company is connected (as «Ferdigstill»
leaves it, built directly) to a Tripletex company of its own in one sandbox
(tripletex/sandbox/README.md, «Many companies»), which has its own employee token and rate limit.

1. Due-query cost: before any approval, the due queries (the sweep's, and the check a company's
   delivery makes after each round; captured as they run) are EXPLAINed with 2,000 and with
   200,000 sent rows in the table beside 100 due ones: whether the plan uses an index, and the
   ratio of its times.
2. Delivery: the sandbox gets 20 ms latency; 4 `celery worker` processes (concurrency 1) start;
   the hours are sent in, and each company's manager approves the team's week through the real
   approval service (`hr.services.entries_approve`), the companies interleaved at random (seeded),
   each company's weeks in order; the approvals' kicks and the sweep's start the per-company
   deliveries (tripletex/tasks.py). The benchmark sweeps every few seconds to stand in for beat, and
   waits (bounded) until every row is sent.

Recorded: total time; Tripletex requests per company against ceil(entries / 100); per company the
time from its first approval to its last entry stored in Tripletex (largest and mean: fairness, the
largest within 2× the mean), for all and for the small and the large companies apart (a small
company must not wait behind a large one's lists); 429s; the due query's plan and time ratio; a
per-company ledger check.
Writes benchmarks/results/scale.json at the default scale, scale-<N>x<M>.json (labelled a trial)
otherwise, or --output.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import random
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

from bench_transfer import Worker, database_prepare, redis_clear, working_days
from sandbox_process import sandbox_control, start_sandbox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DATABASE = "gj_scale"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/7"
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_COMPANIES, DEFAULT_EMPLOYEES = 200, 50
LATENCY_MS = 20
WORKERS = 4
LIST_SIZE = 100  # entries per Tripletex list request: the floor is ceil(entries / LIST_SIZE)
FIRST_EMPLOYEE_NUMBER = 20_000  # the sandbox's generated employees
PROJECT_NUMBER = "P-100"
FIRST_MONDAY = datetime.date(2026, 10, 5)  # weeks 41-44 of 2026: 20 working days
DAYS = 20
FAIRNESS_TARGET = 2.0
# Companies are not all alike: every LARGE_EVERY-th company has LARGE_FACTOR × the mean number of
# employees, the others SMALL_FACTOR ×, so that the mean stays --employees (1 in 10 at 4.6× and 9 in
# 10 at 0.6×: 230 and 30 people at the default 50) and a small company's hours can be seen waiting,
# or not, behind a large one's.
LARGE_EVERY, LARGE_FACTOR, SMALL_FACTOR = 10, 4.6, 0.6
DUE_QUERY_TARGET = 1.5
DUE_SMALL, DUE_LARGE, DUE_PENDING = 2_000, 200_000, 100
SYNTHETIC_ACTIVITY = 900_000_000  # activity ids of the due-query rows; no sandbox activity is near
COMMIT_AT_START = subprocess.run(
    ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
    capture_output=True,
    text=True,
    cwd=ROOT,
    check=False,
).stdout.strip()


# --- the transfer seam ---------------------------------------------------------------------------


def transfer_seam() -> tuple[Callable[[], None], dict[str, Callable[[int], object]]]:
    """The only place this benchmark touches the transfer's code: how beat's sweep is published, and
    the functions whose queries find due rows (run in this process to capture their SQL): the
    sweep's, and the check a company's delivery makes after each round. Delivery itself goes only
    through the approval service and the tasks the sweep and the approvals enqueue."""
    from tripletex.tasks import transfer_sweep_task
    from tripletex.transfer import queries

    def sweep() -> None:
        transfer_sweep_task.delay()

    return sweep, {
        "sweep: companies_due": lambda company_id: queries.companies_due(),
        "delivery: company_has_due": lambda company_id: queries.company_has_due(company_id),
    }


# --- the sandbox, in a process of its own --------------------------------------------------------


# --- PostgreSQL, Redis and the workers -----------------------------------------------------------


# --- the companies -------------------------------------------------------------------------------


def company_sizes(companies: int, employees: int) -> list[int]:
    """The people of each company: every LARGE_EVERY-th large, the rest small (mean `employees`)."""
    large, small = round(employees * LARGE_FACTOR), max(1, round(employees * SMALL_FACTOR))
    return [large if index % LARGE_EVERY == LARGE_EVERY - 1 else small for index in range(companies)]


def remote_companies_make(
    base_url: str, sizes: list[int], rate_limit: dict[str, int] | None
) -> list[dict[str, Any]]:
    """A sandbox company for each size (in that order), with that many generated employees."""
    made: dict[int, list[dict[str, Any]]] = {}
    for size, count in sorted(Counter(sizes).items()):
        body: dict[str, Any] = {"count": count, "employees": size}
        if rate_limit:
            body["rateLimit"] = rate_limit
        made[size] = sandbox_control(base_url, "companies", method="POST", body=body)["companies"]
    return [made[size].pop() for size in sizes]


def companies_build(
    base_url: str,
    *,
    sizes: list[int],
    days: list[datetime.date],
    rate_limit: dict[str, int] | None,
) -> list[dict[str, Any]]:
    """A sandbox company for each size with that many generated people, and for each one a
    GrønnJobb company connected to it, its people linked, every entry sent in. Returns, per company,
    what the run needs: its id, the Tripletex company, the admin, the entry ids per ISO week."""
    from django.utils import timezone

    from hr.models import Employee, EntryStatus, HourEntry, Project, Role, User, WageType
    from hr.services import company_create
    from tripletex import crypto
    from tripletex.client import TripletexClient
    from tripletex.models import Connection, EmployeeLink, ProjectLink
    from tripletex.sandbox import DEMO_CONSUMER_TOKEN

    remote_companies = remote_companies_make(base_url, sizes, rate_limit)
    built = []
    now = timezone.now()
    for index, (remote, employees) in enumerate(zip(remote_companies, sizes, strict=True)):
        token = remote["employeeToken"]
        with TripletexClient(
            employee_token=token, consumer_token=DEMO_CONSUMER_TOKEN, base_url=base_url
        ) as client:
            me = client.whoami()
            remote_employees = {e.employee_number: e.id for e in client.employees()}
            remote_project = next(p for p in client.projects() if p.number == PROJECT_NUMBER)
            activity_id = client.timesheet_settings().default_project_activity_id
        assert me.company_id == remote["id"] and activity_id is not None
        company = company_create(name=remote["name"], organisation_number=remote["organizationNumber"])
        domain = f"firma{index + 1}.example.no"
        admin = Employee.objects.create(
            company=company,
            user=User.objects.create_user(f"admin@{domain}", None),
            first_name="Åse",
            last_name="Bråten",
            email=f"admin@{domain}",
            employee_number="1001",
            role=Role.ADMINISTRATOR,
        )
        Connection.objects.create(
            company=company,
            is_active=True,
            employee_token=crypto.secret_encrypt(token),
            token_last4=token[-4:],
            tripletex_company_id=me.company_id,
            tripletex_company_name=me.company_name,
            connected_at=now,
            connected_by=admin,
        )
        project = Project.objects.create(
            company=company,
            number=PROJECT_NUMBER,
            name=remote_project.name,
            start_date=datetime.date(2025, 1, 1),
        )
        ProjectLink.objects.create(
            company=company,
            tripletex_company_id=me.company_id,
            tripletex_id=remote_project.id,
            project=project,
            activity_id=activity_id,
            activity_name="default project activity",
        )
        numbers = [str(FIRST_EMPLOYEE_NUMBER + n) for n in range(employees)]
        people = Employee.objects.bulk_create(
            Employee(
                company=company,
                first_name="Ansatt",
                last_name=f"Nummer {number}",
                email=f"ansatt{number}@{domain}",
                employee_number=number,
            )
            for number in numbers
        )
        EmployeeLink.objects.bulk_create(
            EmployeeLink(
                company=company,
                tripletex_company_id=me.company_id,
                tripletex_id=remote_employees[person.employee_number],
                employee=person,
            )
            for person in people
        )
        ordinary = WageType.objects.get(company=company, is_builtin=True)
        created = HourEntry.objects.bulk_create(
            HourEntry(
                company=company,
                employee=person,
                date=day,
                project=project,
                wage_type=ordinary,
                hours=Decimal("6") + Decimal("0.25") * ((p + d) % 9),
                status=EntryStatus.SUBMITTED,
                submitted_by=person,
                submitted_at=now,
            )
            for p, person in enumerate(people)
            for d, day in enumerate(days)
        )
        weeks: dict[int, list[int]] = defaultdict(list)
        for entry in created:
            weeks[entry.date.isocalendar()[1]].append(entry.id)
        built.append(
            {
                "company_id": company.id,
                "tripletex_company_id": me.company_id,
                "admin": admin,
                "weeks": [weeks[week] for week in sorted(weeks)],
                "entries": len(created),
                "employees": employees,
            }
        )
    return built


# --- 1: the due query's cost ---------------------------------------------------------------------


def due_query_cost(company: dict[str, Any], repeats: int) -> dict[str, Any]:
    """EXPLAIN ANALYZE of each due query (transfer_seam), captured as it runs, with DUE_SMALL and
    then DUE_LARGE sent rows beside DUE_PENDING due ones. The rows are synthetic (activity ids no
    Tripletex company has) and are removed before any worker starts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from hr.models import Employee
    from tripletex.models import ProjectLink, RemoteHours, TransferState

    _, due_functions = transfer_seam()
    employee = (
        Employee.objects.filter(company_id=company["company_id"]).exclude(employee_number="1001").first()
    )
    project_id = ProjectLink.objects.get(company_id=company["company_id"]).project_id
    assert employee is not None
    now = timezone.now()
    table = RemoteHours._meta.db_table

    def rows(count: int, start: int, state: str) -> None:
        for offset in range(0, count, 5_000):
            RemoteHours.objects.bulk_create(
                RemoteHours(
                    company_id=company["company_id"],
                    tripletex_company_id=company["tripletex_company_id"],
                    employee=employee,
                    project_id=project_id,
                    date=FIRST_MONDAY,
                    activity_id=SYNTHETIC_ACTIVITY + start + offset + n,
                    wanted_hours=Decimal("7.5"),
                    sent_hours=Decimal("7.5") if state == TransferState.SENT else None,
                    remote_id=start + offset + n if state == TransferState.SENT else None,
                    remote_version=1 if state == TransferState.SENT else None,
                    state=state,
                    attempts=1 if state == TransferState.SENT else 0,
                    next_attempt_at=None
                    if state == TransferState.SENT
                    else now - datetime.timedelta(minutes=1),
                    sent_at=now if state == TransferState.SENT else None,
                )
                for n in range(min(5_000, count - offset))
            )

    def measure(due: Callable[[int], object], sent: int) -> dict[str, Any]:
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{table}"')
        with CaptureQueriesContext(connection) as captured:
            found = due(company["company_id"])
        statements = [q["sql"] for q in captured.captured_queries if table in q["sql"]]
        assert statements, "the due function ran no query on the hours table"
        sql = statements[0]
        plans, times, executions = [], [], []
        with connection.cursor() as cursor:
            for _ in range(repeats):
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                plans.append(plan[0])
                times.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
                executions.append(plan[0]["Execution Time"])
        nodes = list(plan_nodes(plans[-1]["Plan"]))
        return {
            "sent_rows": sent,
            "due_rows": DUE_PENDING,
            "answer": found if not isinstance(found, list | tuple) else f"{len(found)} found",
            "uses_index": any("Index" in node["Node Type"] for node in nodes),
            "nodes": [
                {k: node[k] for k in ("Node Type", "Index Name", "Relation Name") if k in node}
                for node in nodes
            ],
            "median_ms": statistics.median(times),  # planning and execution
            "min_ms": min(times),
            "execution_median_ms": statistics.median(executions),
            "repeats": repeats,
            "sql": sql,
        }

    rows(DUE_PENDING, 0, TransferState.PENDING)
    rows(DUE_SMALL, DUE_PENDING, TransferState.SENT)
    small = {name: measure(due, DUE_SMALL) for name, due in due_functions.items()}
    rows(DUE_LARGE - DUE_SMALL, DUE_PENDING + DUE_SMALL, TransferState.SENT)
    large = {name: measure(due, DUE_LARGE) for name, due in due_functions.items()}
    RemoteHours.objects.filter(activity_id__gte=SYNTHETIC_ACTIVITY).delete()
    with connection.cursor() as cursor:
        cursor.execute(f'VACUUM ANALYZE "{table}"')
    result = {}
    for name in due_functions:
        ratio = large[name]["median_ms"] / small[name]["median_ms"] if small[name]["median_ms"] else None
        result[name] = {
            "small": small[name],
            "large": large[name],
            "time_ratio": ratio,  # of the medians; the target is judged on it
            "time_ratio_of_minimums": large[name]["min_ms"] / small[name]["min_ms"],
            "execution_time_ratio": large[name]["execution_median_ms"] / small[name]["execution_median_ms"],
            "target_ratio_at_most": DUE_QUERY_TARGET,
            "met": bool(large[name]["uses_index"] and ratio is not None and ratio <= DUE_QUERY_TARGET),
        }
    return result


def plan_nodes(node: dict[str, Any]) -> Any:
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


# --- 2: delivery ---------------------------------------------------------------------------------


def interleaving(companies: list[dict[str, Any]], seed: int) -> list[tuple[int, list[int]]]:
    """Approvals in a realistic order: managers approve at their own pace, so the next approval is
    from a company picked at random with weight by the weeks it has left; each company's weeks
    come in order. Returns (company index, entry ids) per approval."""
    rng = random.Random(seed)
    left = {index: list(company["weeks"]) for index, company in enumerate(companies)}
    order = []
    while left:
        indexes = list(left)
        index = rng.choices(indexes, weights=[len(left[i]) for i in indexes])[0]
        order.append((index, left[index].pop(0)))
        if not left[index]:
            del left[index]
    return order


def rows_left() -> int:
    from tripletex.models import RemoteHours, TransferState

    return RemoteHours.objects.exclude(state=TransferState.SENT).count()


def deliver(
    base_url: str,
    companies: list[dict[str, Any]],
    *,
    seed: int,
    sweep_seconds: float,
    deadline_seconds: float,
    sandbox: subprocess.Popen[str],
) -> dict[str, Any]:
    from hr.services import entries_approve

    sweep, _ = transfer_seam()
    order = interleaving(companies, seed)
    first_approval: dict[int, float] = {}
    last_approval: dict[int, float] = {}
    approval_seconds: list[float] = []
    sweeps = 0
    started = time.time()
    last_sweep = time.perf_counter()
    for index, entry_ids in order:
        first_approval.setdefault(index, time.time())
        before = time.perf_counter()
        entries_approve(actor=companies[index]["admin"], entry_ids=entry_ids)
        approval_seconds.append(time.perf_counter() - before)
        last_approval[index] = time.time()
        if time.perf_counter() - last_sweep >= sweep_seconds:
            sweep()
            sweeps += 1
            last_sweep = time.perf_counter()
    approved_at = time.time()
    left = rows_left()
    while left and time.time() - started < deadline_seconds:
        if sandbox.poll() is not None:
            raise RuntimeError(f"the sandbox exited ({sandbox.returncode}) with {left} rows not sent")
        time.sleep(0.5)
        if time.perf_counter() - last_sweep >= sweep_seconds:
            sweep()
            sweeps += 1
            last_sweep = time.perf_counter()
        left = rows_left()
    finished = time.time()
    return {
        "order": order,
        "first_approval": first_approval,
        "last_approval": last_approval,
        "approval_calls": len(order),
        "approval_call_median_seconds": statistics.median(approval_seconds),
        "approving_seconds": approved_at - started,
        "started": started,
        "finished": finished,
        "rows_not_sent": left,
        "timed_out": bool(left),
        "sweeps": sweeps,
        "sweep_every_seconds": sweep_seconds,
    }


def per_company(
    base_url: str, companies: list[dict[str, Any]], delivery: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Each company's requests, 429s and times from the sandbox's counters, beside its entries."""
    from django.db.models import Max

    from tripletex.models import RemoteHours

    listed = {c["id"]: c for c in sandbox_control(base_url, "companies")["companies"]}
    sent_in_db = dict(
        RemoteHours.objects.values("company_id")
        .annotate(last=Max("sent_at"))
        .values_list("company_id", "last")
    )
    rows = []
    for index, company in enumerate(companies):
        remote = listed[company["tripletex_company_id"]]
        floor = math.ceil(company["entries"] / LIST_SIZE)
        first = delivery["first_approval"][index]
        last_stored = remote["lastWriteAt"]
        last_recorded = sent_in_db.get(company["company_id"])
        rows.append(
            {
                "tripletex_company_id": company["tripletex_company_id"],
                "employees": company["employees"],
                "entries": company["entries"],
                "remote_entries": remote["counts"]["timesheetEntries"],
                "requests": remote["requests"],
                "requests_floor": floor,
                "requests_per_floor": remote["requests"] / floor,
                "requests_by_endpoint": dict(sorted(remote["requestCounts"].items())),
                "rate_limited": remote["rateLimited"],
                "first_approval_to_last_stored_seconds": None if last_stored is None else last_stored - first,
                "last_approval_to_last_stored_seconds": (
                    None if last_stored is None else last_stored - delivery["last_approval"][index]
                ),
                "first_approval_to_last_recorded_sent_seconds": (
                    None if last_recorded is None else last_recorded.timestamp() - first
                ),
            }
        )
    spans = [r["first_approval_to_last_stored_seconds"] for r in rows]
    lags = [r["last_approval_to_last_stored_seconds"] for r in rows]
    ratios = [r["requests_per_floor"] for r in rows]
    complete = all(s is not None for s in spans)
    summary: dict[str, Any] = {
        "requests_total": sum(r["requests"] for r in rows),
        "requests_floor_total": sum(r["requests_floor"] for r in rows),
        "requests_per_floor": {"min": min(ratios), "mean": statistics.fmean(ratios), "max": max(ratios)},
        "rate_limited_total": sum(r["rate_limited"] for r in rows),
        # Unix time of the last entry stored in any company (None: nothing was stored).
        "last_stored_at": max((c["lastWriteAt"] for c in listed.values() if c["lastWriteAt"]), default=None),
    }
    if complete:
        span_mean, span_max = statistics.fmean(spans), max(spans)
        summary["first_approval_to_last_stored_seconds"] = {
            "mean": span_mean,
            "max": span_max,
            "min": min(spans),
            "max_over_mean": span_max / span_mean,
            "target_max_over_mean_at_most": FAIRNESS_TARGET,
            "met": span_max / span_mean <= FAIRNESS_TARGET,
        }
        summary["last_approval_to_last_stored_seconds"] = {
            "mean": statistics.fmean(lags),
            "max": max(lags),
        }
        summary["by_size"] = by_size(rows)
    else:
        summary["companies_without_stored_entries"] = sum(1 for s in spans if s is None)
    return rows, summary


def by_size(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The times of the small and the large companies apart: whether the small ones waited behind
    the large ones' lists."""
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["employees"]].append(row)
    result = {}
    for size, members in sorted(groups.items()):
        spans = [r["first_approval_to_last_stored_seconds"] for r in members]
        lags = [r["last_approval_to_last_stored_seconds"] for r in members]
        result[f"{size} employees"] = {
            "companies": len(members),
            "entries_each": members[0]["entries"],
            "first_approval_to_last_stored_seconds": {"mean": statistics.fmean(spans), "max": max(spans)},
            "last_approval_to_last_stored_seconds": {"mean": statistics.fmean(lags), "max": max(lags)},
            "requests_per_floor_mean": statistics.fmean(r["requests_per_floor"] for r in members),
        }
    return result


def ledger_check(base_url: str, companies: list[dict[str, Any]]) -> dict[str, Any]:
    """Per company: Tripletex holds exactly the approved hours per key, once; every row is sent."""
    from django.db.models import Sum

    from hr.models import EntryStatus, HourEntry
    from tripletex.models import EmployeeLink, RemoteHours

    wrong: list[str] = []
    duplicates = remote_total = 0
    for company in companies:
        state = sandbox_control(base_url, f"state?company={company['tripletex_company_id']}")
        remote_of = dict(
            EmployeeLink.objects.filter(company_id=company["company_id"]).values_list(
                "employee_id", "tripletex_id"
            )
        )
        approved = {
            (remote_of[row["employee_id"]], row["date"].isoformat()): row["total"]
            for row in HourEntry.objects.filter(company_id=company["company_id"], status=EntryStatus.APPROVED)
            .values("employee_id", "date")
            .annotate(total=Sum("hours"))
        }
        held: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
        for entry in state["timesheetEntries"]:
            held[(entry["employeeId"], entry["date"])].append(Decimal(str(entry["hours"])))
        remote_total += len(state["timesheetEntries"])
        duplicates += sum(1 for hours in held.values() if len(hours) > 1)
        if {k: [v] for k, v in approved.items()} != dict(held):
            wrong.append(
                f"company {company['tripletex_company_id']}: {len(approved)} approved, {len(held)} held"
            )
    not_sent = RemoteHours.objects.exclude(state="sent").count()
    return {
        "exact": not wrong and not duplicates and not not_sent,
        "remote_entries": remote_total,
        "duplicate_keys": duplicates,
        "companies_wrong": len(wrong),
        "companies_wrong_examples": wrong[:5],
        "rows_not_sent": not_sent,
    }


# --- the run -------------------------------------------------------------------------------------


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    database_url, database_drop = database_prepare(BENCH_DATABASE)
    redis_clear(REDIS_URL)
    log_directory = tempfile.mkdtemp(prefix="gronnjobb-bench-scale-")
    print(f"logs in {log_directory}", flush=True)
    sandbox, base_url = start_sandbox(log=Path(log_directory) / "sandbox.log")
    workers: list[Worker] = []
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
            EMAIL_URL="dummymail://",  # the approval e-mails are rendered, not printed
        )
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.DEBUG = False  # as in production: no query log kept in memory
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        assert not settings.CELERY_TASK_ALWAYS_EAGER, "this process must publish to Redis"
        call_command("migrate", verbosity=0, interactive=False)
        days = working_days(DAYS)
        rate_limit = (
            {"limit": arguments.rate_limit, "periodSeconds": arguments.rate_limit_period}
            if arguments.rate_limit
            else None
        )
        setup_started = time.perf_counter()
        sizes = company_sizes(arguments.companies, arguments.employees)
        companies = companies_build(
            base_url,
            sizes=sizes,
            days=days,
            rate_limit=rate_limit,
        )
        setup_seconds = time.perf_counter() - setup_started
        print(f"built {len(companies)} companies in {setup_seconds:.0f} s", flush=True)
        due = due_query_cost(companies[0], arguments.explain_repeats)
        for name, cost in due.items():
            print(
                f"{name}: {cost['small']['median_ms']:.2f} → {cost['large']['median_ms']:.2f} ms", flush=True
            )

        env = dict(os.environ)
        env.update(ENCRYPTION_KEYS=",".join(settings.ENCRYPTION_KEYS), LOG_LEVEL="WARNING")
        workers = [
            Worker(
                env=env,
                concurrency=1,
                name=f"bench-scale-{n + 1}",
                log=Path(log_directory) / f"worker-{n + 1}.log",
            )
            for n in range(WORKERS)
        ]
        for worker in workers:
            worker.launch()
        for worker in workers:
            worker.wait_ready(timeout=90)
        sandbox_control(base_url, "faults", method="POST", body={"latencyMs": LATENCY_MS})
        sandbox_control(base_url, "requests", method="DELETE")  # the setup's requests are not counted
        load_before = os.getloadavg()
        delivery = deliver(
            base_url,
            companies,
            seed=arguments.seed,
            sweep_seconds=arguments.sweep_seconds,
            deadline_seconds=arguments.deadline,
            sandbox=sandbox,
        )
        load_after = os.getloadavg()
        for worker in workers:
            worker.stop()
        rows, summary = per_company(base_url, companies, delivery)
        # From the first approval of any company to the last entry stored in any.
        last_stored = (summary["last_stored_at"] or delivery["finished"]) - delivery["started"]
        entries = sum(c["entries"] for c in companies)
        ledger = ledger_check(base_url, companies)
        full = (arguments.companies, arguments.employees) == (DEFAULT_COMPANIES, DEFAULT_EMPLOYEES)
        return {
            "scale": f"{arguments.companies} companies × {arguments.employees} employees (mean) × {DAYS} days"
            + ("" if full else " (TRIAL: smaller than the issue's 200 × 50)"),
            "trial": not full,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "system": platform.platform(),
            },
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "commit": COMMIT_AT_START,
            "database": "postgresql",
            "broker": "redis",
            "sandbox_latency_ms": LATENCY_MS,
            "workers": {"processes": WORKERS, "pool": "prefork", "concurrency_each": 1},
            "rate_limit_per_company": rate_limit or "sandbox default (6000 per 60 s)",
            "companies": arguments.companies,
            "employees_per_company": {
                "mean": arguments.employees,
                "sizes": dict(sorted(Counter(sizes).items())),
                "rule": f"every {LARGE_EVERY}th company {LARGE_FACTOR}x the mean, the others {SMALL_FACTOR}x",
            },
            "days": DAYS,
            "entries": entries,
            "approval_calls": delivery["approval_calls"],
            "entries_per_approval": entries // delivery["approval_calls"],
            "setup_seconds": setup_seconds,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "total_seconds": delivery["finished"] - delivery["started"],
            "first_approval_to_last_stored_seconds": last_stored,
            "approving_seconds": delivery["approving_seconds"],
            "approval_call_median_seconds": delivery["approval_call_median_seconds"],
            "entries_per_second": entries / last_stored if last_stored else None,
            "rows_not_sent": delivery["rows_not_sent"],
            "timed_out": delivery["timed_out"],
            "sweeps": delivery["sweeps"],
            "sweep_every_seconds": delivery["sweep_every_seconds"],
            "tripletex_requests_by_endpoint": dict(
                sorted(sum((Counter(r["requests_by_endpoint"]) for r in rows), Counter()).items())
            ),
            "summary": summary,
            "due_query": due,
            "ledger": ledger,
            "per_company": rows,
        }
    finally:
        for worker in workers:
            worker.stop()
        sandbox.terminate()
        sandbox.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        if not arguments.keep_database:
            database_drop()
        redis_clear(REDIS_URL)


def print_table(result: dict[str, Any]) -> None:
    s, due, ledger = result["summary"], result["due_query"], result["ledger"]
    print(
        f"\nScale benchmark: {result['scale']}, {result['entries']} entries, {WORKERS} workers,"
        f" sandbox latency {result['sandbox_latency_ms']} ms, {result['machine']['cpus']} CPUs"
    )
    fairness = s.get("first_approval_to_last_stored_seconds")
    rows = [
        ("approvals", f"{result['approval_calls']} × {result['entries_per_approval']} entries"),
        ("approving took", f"{result['approving_seconds']:.1f} s"),
        ("first approval to last stored", f"{result['first_approval_to_last_stored_seconds']:.1f} s"),
        (
            "rows not sent at the end",
            f"{result['rows_not_sent']}" + (" (TIMED OUT)" if result["timed_out"] else ""),
        ),
        ("Tripletex requests", f"{s['requests_total']} (floor {s['requests_floor_total']})"),
        (
            "requests per company / ceil(entries/100)",
            "min {min:.2f}, mean {mean:.2f}, max {max:.2f}".format(**s["requests_per_floor"]),
        ),
        *(
            (f"  {endpoint}", f"{count}")
            for endpoint, count in result["tripletex_requests_by_endpoint"].items()
        ),
        (
            "fairness: span max / mean",
            "–"
            if fairness is None
            else f"{fairness['max']:.1f} s / {fairness['mean']:.1f} s = {fairness['max_over_mean']:.2f}"
            f" (target ≤ {FAIRNESS_TARGET}: {'met' if fairness['met'] else 'NOT MET'})",
        ),
        *(
            (
                f"  {size} companies ({group['companies']})",
                f"span mean {group['first_approval_to_last_stored_seconds']['mean']:.1f} s, last approval to"
                f" last stored mean {group['last_approval_to_last_stored_seconds']['mean']:.1f} s,"
                f" max {group['last_approval_to_last_stored_seconds']['max']:.1f} s",
            )
            for size, group in s.get("by_size", {}).items()
        ),
        ("429s received", f"{s['rate_limited_total']}"),
        *(
            (
                f"{name} (2,000 → 200,000 sent)",
                f"{cost['small']['median_ms']:.2f} ms → {cost['large']['median_ms']:.2f} ms, ratio"
                f" {cost['time_ratio']:.2f}, index {cost['small']['uses_index']}"
                f" → {cost['large']['uses_index']}"
                f" (target ≤ {DUE_QUERY_TARGET} with an index: {'met' if cost['met'] else 'NOT MET'})",
            )
            for name, cost in due.items()
        ),
        ("ledger", "exact" if ledger["exact"] else f"NOT EXACT: {ledger}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--companies", type=int, default=int(os.environ.get("SCALE_COMPANIES", DEFAULT_COMPANIES))
    )
    parser.add_argument(
        "--employees", type=int, default=int(os.environ.get("SCALE_EMPLOYEES", DEFAULT_EMPLOYEES))
    )
    parser.add_argument("--seed", type=int, default=13, help="the interleaving of the approvals")
    parser.add_argument("--sweep-seconds", type=float, default=5.0, help="stands in for beat")
    parser.add_argument("--deadline", type=float, default=3600.0, help="delivery gives up after this")
    parser.add_argument(
        "--rate-limit", type=int, default=0, help="requests per period per company (0: default)"
    )
    parser.add_argument("--rate-limit-period", type=int, default=60)
    parser.add_argument("--explain-repeats", type=int, default=200)
    parser.add_argument("--keep-database", action="store_true", help=f"leave {BENCH_DATABASE} for inspection")
    parser.add_argument("--output", type=Path, default=None)
    arguments = parser.parse_args()
    result = run(arguments)
    print_table(result)
    output: Path = arguments.output or (
        RESULTS / "scale.json"
        if not result["trial"]
        else RESULTS / f"scale-{arguments.companies}x{arguments.employees}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nfigures written to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


if __name__ == "__main__":
    main()
