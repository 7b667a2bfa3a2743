"""`make run`'s embedded default holds under concurrency: the web approving and a worker delivering
write one SQLite file at the same moment, as two OS processes, against the sandbox over HTTP.

Without WAL, a busy timeout and IMMEDIATE transactions (grønnjobb/settings.py) this ends in
`OperationalError: database is locked` (docs/transfer.md#sqlite).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from tripletex.tests import sqlite_processes
from tripletex.transfer import comments

ROOT = Path(__file__).resolve().parents[2]


def _run(role: str, argument: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tripletex.tests.sqlite_processes", role, argument],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen[str]) -> tuple[dict[str, Any], str]:
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    return json.loads(stdout.strip().splitlines()[-1]), stderr


def test_web_approving_and_a_worker_delivering_on_one_sqlite_file_do_not_lock_each_other(
    tripletex_sandbox, tmp_path
):
    # given: a file database with a company connected to the sandbox and eight weeks sent in
    with tripletex_sandbox.app.lock:
        store = tripletex_sandbox.app.store
        sandbox = {
            "employee_token": tripletex_sandbox.employee_token,
            "company_id": store.company.id,
            "project_id": next(p.id for p in store.projects.values() if p.number == "P-100"),
            "activity_id": store.settings.default_project_activity_id,
            "employees": {
                e.employee_number: e.id
                for e in store.employees.values()
                if e.employee_number in ("1001", "1003")
            },
        }
    database = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_ENV": "development",
        "DJANGO_SETTINGS_MODULE": "grønnjobb.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "TRIPLETEX_BASE_URL": tripletex_sandbox.base_url,
        "TRIPLETEX_CONSUMER_TOKEN": tripletex_sandbox.consumer_token,
        "CELERY_BROKER_URL": "memory://",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    prepared, _ = _result(_run("setup", json.dumps(sandbox), env))
    assert prepared == {"entries": sqlite_processes.WEEKS * 5}

    # when: the web approves week after week while the worker sweeps; the web's own kicks go to a
    # broker nobody reads here, so every delivery is the worker's, writing as the web writes
    web = _run("approve", str(tmp_path), {**env, "CELERY_TASK_ALWAYS_EAGER": "false"})
    worker = _run("deliver", str(tmp_path), env)
    approved, web_log = _result(web)
    delivered, worker_log = _result(worker)
    end, _ = _result(_run("report", "-", env))

    # then: neither process met a locked database, and the two really wrote at the same time
    assert approved["errors"] == []
    assert delivered["errors"] == []
    assert "database is locked" not in web_log + worker_log
    assert approved["approved"] == sqlite_processes.WEEKS * 5
    assert delivered["sweeps_while_approving"] > 0
    assert delivered["delivered_while_approving"] > 0
    # and every approved entry is sent, once: one Tripletex entry per key, with the approved hours
    assert end["approved"] == sqlite_processes.WEEKS * 5
    assert Counter(row["state"] for row in end["rows"]) == {"sent": sqlite_processes.WEEKS * 5}
    remote = list(
        tripletex_sandbox.client().timesheet_entries(
            date_from=sqlite_processes.mondays()[0],
            date_to=sqlite_processes.mondays()[-1] + datetime.timedelta(days=7),
            employee_ids=[sandbox["employees"]["1003"]],
        )
    )
    ours = [e for e in remote if comments.MARKER in e.comment]
    assert Counter(e.date.isoformat() for e in ours) == Counter(row["date"] for row in end["rows"])
    assert {e.hours for e in ours} == {Decimal(sqlite_processes.HOURS)}
