"""F19 for real (docs/transfer.md#f19): a `celery worker` process SIGKILLed mid-batch, twice.

PostgreSQL (pytest-django's test database, shared with the worker), Redis as the broker, the
Tripletex sandbox over HTTP on a loopback port, and a real `celery -A grønnjobb worker` subprocess.
200 entries for 20 employees over two weeks are approved in bursts while the sandbox answers about
10 % of the writes with a 5xx, stores and then drops about 10 % more, throttles with a 429 storm and
answers slowly; the worker is killed (SIGKILL to its whole process group) and started again twice.
Instead of waiting for beat, the test sweeps itself every few seconds (what beat's
`transfer_sweep_task` does every minute), in a bounded loop. It ends with the ledger check, read
from the sandbox's own store: per key the hours there equal the approved hours here, no key holds
two entries, and every row is sent or in a visible final state with a message.

Needs DATABASE_URL pointing at PostgreSQL (skips on SQLite: SQLite cannot be shared safely with a
second process writing this hard) and Redis at redis://127.0.0.1:6379 (skips when unreachable).
Set the environment variable REQUIRE_SERVICES=1 to make a missing Redis a failure instead of a skip.

The last test here drives two deliveries of one row into each other in-process (threads, PostgreSQL
row locks, the sandbox's latency) to pin down a lost update the worker run can only hit by chance.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from hr import services as hr_services
from hr.models import Employee, EntryStatus, HourEntry, Project, WageType
from hr.tests.factories import CompanyFactory, EmployeeFactory, administrator_of
from tripletex import dispatch
from tripletex.models import (
    EmployeeLink,
    ItemKind,
    ProjectLink,
    RemoteHours,
    TransferAttempt,
    TransferState,
    WizardItem,
)
from tripletex.sandbox import store as sandbox_store
from tripletex.services import wizard
from tripletex.tasks import transfer_sweep_task
from tripletex.tests import transfer_helpers
from tripletex.transfer import comments, delivery, machine
from tripletex.transfer.record import record

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REDIS_URL = "redis://127.0.0.1:6379/11"
EMPLOYEES = 20
FIRST_EMPLOYEE_NUMBER = 20_000
# Two working weeks in the past (weeks 46 and 47 of 2026), so "today" never gets in the way.
DAYS = [datetime.date(2026, 11, 9) + datetime.timedelta(days=d) for d in range(12) if d % 7 < 5]
BURSTS = 5
APPROVALS_PER_BURST = 4
WORKER_CONCURRENCY = 4
# The whole run, approvals included, must settle within this; the loop then stops and the ledger
# check says what did not arrive. A killed worker's rows wait out their in-flight lease
# (machine.IN_FLIGHT) first, so the last restart plus the lease plus this margin also bounds it.
DEADLINE_SECONDS = 180
LEASE_MARGIN_SECONDS = 60
# Beat sweeps every minute; the test sweeps more often so the run stays short.
SWEEP_EVERY_SECONDS = 3.0
# Tripletex misbehaves for this long after the last restart, then recovers (keeping its latency), so
# the rows' backoff stays bounded.
FAULTS_AFTER_LAST_RESTART_SECONDS = 25.0

FAULTS = {
    "latencyMs": 20,
    "rules": [
        {"endpoint": endpoint, "action": action, "status": status, "rate": 0.1}
        for endpoint in ("POST /timesheet/entry", "POST /timesheet/entry/list")
        for action, status in (("error", 503), ("dropAfterStore", 503))
    ]
    + [
        {"endpoint": endpoint, "action": action, "status": status, "rate": 0.1}
        for endpoint in ("PUT /timesheet/entry/{id}", "PUT /timesheet/entry/list")
        for action, status in (("error", 502), ("dropAfterStore", 502))
    ]
    + [
        {"endpoint": "GET /timesheet/entry", "action": "error", "status": 500, "rate": 0.1},
        # Slow answers: stored, then a wait well under the client's read timeout.
        {"endpoint": "POST /timesheet/entry", "action": "delayAfterStore", "latencyMs": 400, "rate": 0.1},
    ],
}
# Every request is 429 until this many have been refused. A client that pauses for the reset, as ours
# does, sends a few probes per window, so the storm lasts a few windows.
RATE_LIMIT_STORM = {"requests": 10, "resetSeconds": 2}


# --- services ------------------------------------------------------------------------------------


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (REQUIRE_SERVICES is set)")
    pytest.skip(reason)


@pytest.fixture
def postgresql(transactional_db) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip(
            f"F19 needs PostgreSQL shared with a worker process (this run uses {connection.vendor}); "
            "run with DATABASE_URL=postgres://…"
        )
    return connection.settings_dict


@pytest.fixture
def redis_queue() -> Iterator[str]:
    """A queue of its own on the local Redis, so parallel runs never take each other's tasks."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        _unavailable(f"F19 needs Redis at {REDIS_URL}: {error}")
    queue = f"f19-{uuid.uuid4().hex[:12]}"
    yield queue
    # Leave nothing behind: the queue (and its priority lists), and our messages among the unacked.
    for key in client.scan_iter(match=f"{queue}*"):
        client.delete(key)
    for tag, raw in client.hgetall("unacked").items():
        try:
            routing_key = json.loads(raw)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    client.close()


@pytest.fixture
def celery_on_redis(settings, redis_queue) -> Iterator[str]:
    """This process sends its tasks to Redis like the web does in production: nothing runs eagerly."""
    from grønnjobb.celery import app

    keys = ("broker_url", "task_always_eager", "task_default_queue")
    previous = {key: app.conf[key] for key in keys}

    def reconfigure(**conf: object) -> None:
        app.close()  # drops the connection pool made for the previous broker
        app.conf.update(conf)
        app.__dict__.pop("amqp", None)  # its queues and producers were built from the old settings

    settings.CELERY_TASK_ALWAYS_EAGER = False
    reconfigure(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=redis_queue)
    try:
        yield redis_queue
    finally:
        reconfigure(**previous)


def database_url(settings_dict: dict[str, Any]) -> str:
    """The test database pytest-django created, as the worker's DATABASE_URL."""
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


class Worker:
    """`celery -A grønnjobb worker` in its own process group, so a SIGKILL takes its children too."""

    def __init__(self, *, env: dict[str, str], queue: str, log: Path) -> None:
        self.env, self.queue, self.log = env, queue, log
        self.process: subprocess.Popen[bytes] | None = None
        self.lives = 0

    def start(self) -> None:
        self.lives += 1
        self.log_offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "grønnjobb",
                    "worker",
                    "--loglevel=INFO",
                    "--pool=prefork",
                    f"--concurrency={WORKER_CONCURRENCY}",
                    f"--queues={self.queue}",
                    f"--hostname={self.queue}-{self.lives}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited at start:\n{self.log_tail()}")
            with self.log.open("rb") as log:
                log.seek(self.log_offset)
                if b" ready." in log.read():
                    return
            time.sleep(0.2)
        raise AssertionError(f"the worker did not get ready in 60 s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL, as when the machine or container dies: no warm shutdown, no acknowledgements."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """Warm shutdown: the tasks in hand finish first."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        finally:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture
def worker(postgresql, celery_on_redis, tripletex_sandbox_settings, tmp_path) -> Iterator[Worker]:
    env = dict(os.environ)
    env.update(
        DJANGO_ENV="development",
        DATABASE_URL=database_url(postgresql),
        CELERY_BROKER_URL=REDIS_URL,
        CELERY_TASK_ALWAYS_EAGER="false",
        TRIPLETEX_BASE_URL=tripletex_sandbox_settings.base_url,
        TRIPLETEX_CONSUMER_TOKEN=tripletex_sandbox_settings.consumer_token,
        ENCRYPTION_KEYS=",".join(settings.ENCRYPTION_KEYS),
        LOG_LEVEL="WARNING",
    )
    process = Worker(env=env, queue=celery_on_redis, log=tmp_path / "worker.log")
    try:
        yield process
    finally:
        process.kill()


# --- the company -----------------------------------------------------------------------------


def employee_number(index: int) -> str:
    return str(FIRST_EMPLOYEE_NUMBER + index)


def sandbox_employees_add(sandbox, count: int) -> None:
    """Tripletex gains `count` employees (numbers 20000…), as the sandbox's generator makes them."""
    with sandbox.app.lock:
        store = sandbox.app.store
        for index in range(count):
            record = sandbox_store.Employee(
                id=store.next_id("employee"),
                first_name="Ansatt",
                last_name=f"Nummer {index + 1}",
                employee_number=employee_number(index),
                email=f"ansatt{employee_number(index)}@gronnbygg.no",
            )
            store.employees[record.id] = record


def company_connect(sandbox) -> tuple[Employee, list[Employee], Project]:
    """A company connected through the wizard with P-100 and 20 employees linked by number."""
    company = CompanyFactory.create(name="Grønn Bygg AS")
    admin = administrator_of(company, email="admin@gronnbygg.no", employee_number="1001")
    workers = [
        EmployeeFactory.create(
            company=company,
            first_name="Ansatt",
            last_name=f"Nummer {index + 1}",
            email=f"ansatt{employee_number(index)}@gronnbygg.no",
            employee_number=employee_number(index),
        )
        for index in range(EMPLOYEES)
    ]
    run = wizard.wizard_start(actor=admin)
    run = wizard.wizard_key_check(actor=admin, run=run, key=sandbox.employee_token)
    for kind in (ItemKind.PROJECT, ItemKind.EMPLOYEE):
        wizard.wizard_fetch(run_id=run.id, kind=kind)
    wanted = ["P-100", "1001", *(employee_number(i) for i in range(EMPLOYEES))]
    chosen = list(WizardItem.objects.filter(run=run, number__in=wanted))
    for kind in (ItemKind.PROJECT, ItemKind.EMPLOYEE):
        ids = [i.id for i in chosen if i.kind == kind]
        wizard.wizard_selection_save(
            actor=admin, run=run, kind=kind, shown_ids=ids, selected_ids=ids, options={}
        )
    wizard.wizard_finish(actor=admin, run=run, send_hours_from=datetime.date(2026, 1, 1))
    assert EmployeeLink.objects.filter(employee__in=workers).count() == EMPLOYEES
    return admin, workers, Project.objects.get(company=company, number="P-100")


def hours_sent_in(workers: list[Employee], project: Project) -> list[HourEntry]:
    """Ten entries each over the two weeks: nine keys, one of them with two entries (their sum goes)."""
    ordinary = WageType.objects.get(company=project.company, is_builtin=True)
    entries = []
    for index, person in enumerate(workers):
        skipped, doubled = index % len(DAYS), (index + 3) % len(DAYS)
        for position, day in enumerate(DAYS):
            if position == skipped:
                continue
            hours = [Decimal("6") + Decimal("0.5") * ((index + position) % 5)]
            if position == doubled:
                hours.append(Decimal("1.25") + Decimal("0.5") * (index % 3))
            for amount in hours:
                entries.append(
                    hr_services.entry_create(
                        actor=person,
                        employee=person,
                        date=day,
                        project=project,
                        wage_type=ordinary,
                        hours=amount,
                    )
                )
        for monday in (DAYS[0], DAYS[5]):
            hr_services.week_submit(actor=person, employee=person, monday=monday)
    return entries


# --- the run ---------------------------------------------------------------------------------


def sweep() -> int:
    """What beat's transfer_sweep_task does, run here: kick every company with rows due (the kicks go
    to the worker through Redis)."""
    kicked: int = transfer_sweep_task()
    return kicked


def approve_burst(admin: Employee, entry_ids: list[int]) -> None:
    size = -(-len(entry_ids) // APPROVALS_PER_BURST)
    for start in range(0, len(entry_ids), size):
        hr_services.entries_approve(actor=admin, entry_ids=entry_ids[start : start + size])


def pending() -> int:
    return RemoteHours.objects.filter(state=TransferState.PENDING).count()


def settle(deadline: float, *, until: float | None = None) -> None:
    """Sweep every few seconds until nothing is pending (or `until`, or the deadline)."""
    while time.monotonic() < deadline and (until is None or time.monotonic() < until):
        if until is None and not pending():
            return
        sweep()
        left = (until if until is not None else deadline) - time.monotonic()
        time.sleep(max(0.0, min(SWEEP_EVERY_SECONDS, left)))


def calls_cut_off() -> int:
    """Attempts that made a call but recorded no result: cut off by a kill (or overtaken by a second
    worker). An attempt is a look-up and/or writes, then one result; a new look-up or create while
    the last call has no result means the attempt before it never finished."""
    count = 0
    log = TransferAttempt.objects.filter(remote__isnull=False).order_by("remote_id", "id")
    for _remote_id, actions in groupby(log.values_list("remote_id", "action"), key=itemgetter(0)):
        open_call = ""
        for _, action in actions:
            if action == "result":
                open_call = ""
                continue
            if open_call and (action == "lookup" or "create" in (action, open_call)):
                count += 1
            open_call = action
        count += bool(open_call)
    return count


# --- the ledger ------------------------------------------------------------------------------


def ledger_check(sandbox) -> dict[str, int]:
    """Exact, from the sandbox's store: per key the hours there equal the approved hours here."""
    employee_ids = dict(EmployeeLink.objects.values_list("employee_id", "tripletex_id"))
    project_ids = dict(ProjectLink.objects.values_list("project_id", "tripletex_id"))
    with sandbox.app.lock:
        remote = [
            (e.employee_id, e.date, e.project_id, e.activity_id, e.hours, e.id, e.comment)
            for e in sandbox.app.store.entries.values()
        ]
    by_key: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for employee_id, date, project_id, activity_id, hours, entry_id, comment in remote:
        by_key[(employee_id, date, project_id, activity_id)].append((hours, entry_id, comment))
    duplicates = {key: found for key, found in by_key.items() if len(found) > 1}
    assert not duplicates, f"keys with two remote entries: {duplicates}"

    approved = {
        (row["employee_id"], row["date"], row["project_id"]): row["total"]
        for row in HourEntry.objects.filter(status=EntryStatus.APPROVED)
        .values("employee_id", "date", "project_id")
        .annotate(total=Sum("hours"))
    }
    rows = list(RemoteHours.objects.all())
    assert {(r.employee_id, r.date, r.project_id) for r in rows} == set(approved)
    ours = set()
    for row in rows:
        key = (employee_ids[row.employee_id], row.date, project_ids[row.project_id], row.activity_id)
        ours.add(key)
        wanted = approved[(row.employee_id, row.date, row.project_id)]
        assert row.wanted_hours == wanted, (row.id, row.wanted_hours, wanted)
        if row.state == TransferState.SENT:
            [(hours, entry_id, comment)] = by_key.get(key) or [(Decimal("0"), None, comments.MARKER)]
            assert (hours, entry_id) == (wanted, row.remote_id), (
                row.id,
                hours,
                wanted,
                entry_id,
                row.remote_id,
            )
            assert comments.MARKER in comment
        else:
            assert row.state in (TransferState.FAILED, TransferState.CONFLICT, TransferState.NOT_SENT), (
                row.id,
                row.state,
                row.message,
            )
            assert row.message, row.id
    assert set(by_key) <= ours, f"remote entries on keys we never approved: {set(by_key) - ours}"
    remote_total = sum((hours for *_, hours, _id, _c in remote), Decimal("0"))
    assert remote_total == sum(approved.values(), Decimal("0"))
    return dict(Counter(r.state for r in rows))


# --- the test --------------------------------------------------------------------------------


def faults_counted(sandbox, monkeypatch) -> Counter[str]:
    """How often each fault fired, for the report."""
    fired: Counter[str] = Counter()
    take_rule = sandbox.app.faults.take_rule

    def counting(endpoint: str):
        rule = take_rule(endpoint)
        if rule is not None:
            fired[f"{endpoint} {rule.action}"] += 1
        return rule

    monkeypatch.setattr(sandbox.app.faults, "take_rule", counting)
    return fired


def test_worker_killed_twice_mid_batch_loses_nothing_and_sends_nothing_twice(
    worker, tripletex_sandbox_settings, settings, monkeypatch
):
    # given: a connected company, 200 entries sent in, a worker on Redis, and a misbehaving Tripletex
    sandbox = tripletex_sandbox_settings
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sandbox_employees_add(sandbox, EMPLOYEES)
    admin, workers, project = company_connect(sandbox)
    entries = hours_sent_in(workers, project)
    assert len(entries) == 200
    order = [e.id for e in entries]
    random.Random(19).shuffle(order)
    bursts = [order[i::BURSTS] for i in range(BURSTS)]
    with sandbox.app.lock:
        sandbox.app.request_counts.clear()
    sandbox.exchanges.clear()
    started = time.monotonic()
    fired = faults_counted(sandbox, monkeypatch)
    worker.start()
    sandbox.set_faults(**FAULTS)
    deadline = started + DEADLINE_SECONDS
    kills: list[int] = []

    try:
        # when: approvals come in bursts; a rate-limit storm; the worker is killed twice mid-batch
        for number, burst in enumerate(bursts, start=1):
            approve_burst(admin, burst)
            if number in (3, 5):
                time.sleep(1.5)  # let it get going on the burst
                kills.append(pending())
                worker.kill()
                worker.start()
                lease = machine.IN_FLIGHT.total_seconds() + LEASE_MARGIN_SECONDS
                deadline = max(deadline, time.monotonic() + lease)
            else:
                if number == 1:
                    sandbox.set_faults(rateLimitStorm=dict(RATE_LIMIT_STORM))
                settle(deadline, until=time.monotonic() + 1.5)
        settle(deadline, until=time.monotonic() + FAULTS_AFTER_LAST_RESTART_SECONDS)
        sandbox.set_faults(rules=[], rateLimitStorm=None)  # Tripletex recovers; its latency stays
        settle(deadline)
        worker.stop()  # warm: whatever it holds is recorded before the books are read
    finally:
        worker.kill()

    # then: every row is sent or visibly final, and the ledger is exact
    assert pending() == 0, (
        f"{pending()} rows still pending after {time.monotonic() - started:.0f} s:\n"
        + "\n".join(
            f"{r.id} attempts={r.attempts} next={r.next_attempt_at} {r.message}"
            for r in RemoteHours.objects.filter(state=TransferState.PENDING)[:10]
        )
        + f"\nworker log:\n{worker.log_tail()}"
    )
    states = ledger_check(sandbox)
    assert sum(states.values()) == 180  # 200 entries, 20 keys with two

    counts = dict(sandbox.app.request_counts)
    statuses = Counter(x.status for x in sandbox.exchanges)
    actions = dict(TransferAttempt.objects.values_list("action").annotate(n=Count("id")))
    summary = {
        "seconds": round(time.monotonic() - started, 1),
        "rows": states,
        "worker lives": worker.lives,
        "pending rows at each kill": kills,
        "requests": sum(counts.values()),
        "POST /timesheet/entry": counts.get("POST /timesheet/entry", 0),
        "POST /timesheet/entry/list": counts.get("POST /timesheet/entry/list", 0),
        "PUT /timesheet/entry/{id}": counts.get("PUT /timesheet/entry/{id}", 0),
        "look-ups (GET /timesheet/entry)": counts.get("GET /timesheet/entry", 0),
        "sessions": counts.get("POST /token/session/:create", 0),
        "answers by status": dict(sorted(statuses.items())),
        "attempts (recorded results)": actions.get("result", 0),
        "attempt log by action": actions,
        "calls without a recorded result": calls_cut_off(),
        "faults fired": dict(fired),
        "remote entries": len(sandbox.app.store.entries),
        "at": timezone.now().isoformat(timespec="seconds"),
    }
    print("F19 " + json.dumps(summary, ensure_ascii=False, default=str))


# --- two deliveries of one row overlap -----------------------------------------------------------


def test_an_approval_during_a_slow_update_does_not_leave_older_hours_in_tripletex(
    postgresql, tripletex_sandbox_settings, settings, monkeypatch
):
    # given: 5 hours sent; then 2.5 and 1 more on the same key, approved one after the other
    sandbox = tripletex_sandbox_settings
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    company = CompanyFactory.create(name="Grønn Bygg AS")
    admin = administrator_of(company, email="admin@gronnbygg.no", employee_number="1001")
    person = EmployeeFactory.create(company=company, email="ansatt@gronnbygg.no", employee_number="1003")
    run = wizard.wizard_start(actor=admin)
    run = wizard.wizard_key_check(actor=admin, run=run, key=sandbox.employee_token)
    for kind in (ItemKind.PROJECT, ItemKind.EMPLOYEE):
        wizard.wizard_fetch(run_id=run.id, kind=kind)
    chosen = list(WizardItem.objects.filter(run=run, number__in=["P-100", "1001", "1003"]))
    for kind in (ItemKind.PROJECT, ItemKind.EMPLOYEE):
        ids = [i.id for i in chosen if i.kind == kind]
        wizard.wizard_selection_save(
            actor=admin, run=run, kind=kind, shown_ids=ids, selected_ids=ids, options={}
        )
    wizard.wizard_finish(actor=admin, run=run, send_hours_from=datetime.date(2026, 1, 1))
    project = Project.objects.get(company=company, number="P-100")
    ordinary = WageType.objects.get(company=company, is_builtin=True)
    day = DAYS[1]
    first, second, third = (
        hr_services.entry_create(
            actor=person, employee=person, date=day, project=project, wage_type=ordinary, hours=hours
        )
        for hours in ("5", "2.5", "1")
    )
    hr_services.week_submit(actor=person, employee=person, monday=day)
    hr_services.entries_approve(actor=admin, entry_ids=[first.id])  # delivered at once (eager)
    row = RemoteHours.objects.get()
    assert row.state == TransferState.SENT
    # From here the test runs the deliveries itself, in the order it needs.
    monkeypatch.setattr(dispatch, "deliver_on_commit", lambda refs: None)

    # when: delivery A (7.5) is slow to reach Tripletex; meanwhile 1 more hour is approved and a
    # second delivery B (8.5) is started at once; should B get through, it stores first and its
    # result is recorded after A's
    hr_services.entries_approve(actor=admin, entry_ids=[second.id])
    a_recorded = threading.Event()

    def record_b_after_a(connection_id, results):
        if threading.current_thread() is threading.main_thread():
            a_recorded.wait(timeout=20)
        return record(connection_id, results)

    monkeypatch.setattr(delivery, "record", record_b_after_a)
    puts_before = sandbox.request_count("PUT /timesheet/entry/{id}")

    def deliver_a() -> None:
        try:
            transfer_helpers.deliver_row(row.id)
        finally:
            a_recorded.set()
            connection.close()

    sandbox.set_faults(latencyMs=1500)
    a = threading.Thread(target=deliver_a)
    a.start()
    deadline = time.monotonic() + 10
    while sandbox.request_count("PUT /timesheet/entry/{id}") == puts_before and time.monotonic() < deadline:
        time.sleep(0.01)
    sandbox.set_faults(latencyMs=0)  # A's PUT is already waiting its 1.5 s; B goes straight through
    hr_services.entries_approve(actor=admin, entry_ids=[third.id])
    transfer_helpers.deliver_row(row.id)
    a.join(timeout=30)
    # and every sweep after that runs whatever is due
    for _ in range(5):
        RemoteHours.objects.filter(state=TransferState.PENDING).update(next_attempt_at=timezone.now())
        for remote_id in transfer_helpers.hours_due():
            transfer_helpers.deliver_row(remote_id)

    # then: Tripletex holds the approved 8.5 hours
    row.refresh_from_db()
    with sandbox.app.lock:
        [remote] = sandbox.app.store.entries.values()
    assert (row.state, row.wanted_hours) == (TransferState.SENT, Decimal("8.5"))
    assert remote.hours == Decimal("8.5"), (
        f"Tripletex holds {remote.hours}, the row says sent {row.sent_hours}"
    )
