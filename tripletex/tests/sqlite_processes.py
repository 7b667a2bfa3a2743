"""The processes of test_sqlite_concurrency.py: each one a separate OS process on one SQLite file,
as `make run` runs the web and a Celery worker (docs/transfer.md#sqlite).

    python -m tripletex.tests.sqlite_processes setup SANDBOX_JSON   migrate; a company connected to
                                                                    the sandbox, weeks sent in
    python -m tripletex.tests.sqlite_processes approve FOLDER       the web: approves week by week
    python -m tripletex.tests.sqlite_processes deliver FOLDER       the worker: the delivery sweep
    python -m tripletex.tests.sqlite_processes report               the end state, as JSON

DATABASE_URL names the file. Each prints one JSON line; errors are caught and reported, never
retried, so a «database is locked» anywhere shows up in the report.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

WEEKS = 8
FIRST_MONDAY = datetime.date(2026, 9, 7)
HOURS = "7.5"
# The worker stops this long after the web is done and nothing is due any more.
QUIET_SECONDS = 1.0
GIVE_UP_SECONDS = 120.0


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grønnjobb.settings")
    import django

    django.setup()


def mondays() -> list[datetime.date]:
    return [FIRST_MONDAY + datetime.timedelta(weeks=n) for n in range(WEEKS)]


def setup(sandbox: dict[str, Any]) -> dict[str, Any]:
    from django.core.management import call_command
    from django.utils import timezone

    from hr import services as hr_services
    from hr.models import Project, WageType
    from hr.tests.factories import CompanyFactory, EmployeeFactory, administrator_of
    from tripletex import crypto
    from tripletex.models import Connection, EmployeeLink, ProjectLink

    call_command("migrate", verbosity=0, interactive=False)
    company = CompanyFactory.create(name="Grønn Bygg AS")
    admin = administrator_of(company, email="admin@gronnbygg.no", employee_number="1001")
    worker = EmployeeFactory.create(company=company, email="ansatt@gronnbygg.no", employee_number="1003")
    token = sandbox["employee_token"]
    Connection.objects.create(
        company=company,
        is_active=True,
        employee_token=crypto.secret_encrypt(token),
        token_last4=token[-4:],
        tripletex_company_id=sandbox["company_id"],
        tripletex_company_name="Grønn Bygg AS",
        connected_at=timezone.now(),
        connected_by=admin,
    )
    project = Project.objects.create(company=company, number="P-100", name="Nybygg Bjørvika kontorbygg")
    ProjectLink.objects.create(
        company=company,
        tripletex_company_id=sandbox["company_id"],
        tripletex_id=sandbox["project_id"],
        project=project,
        activity_id=sandbox["activity_id"],
        activity_name="Snekring",
    )
    for employee in (admin, worker):
        EmployeeLink.objects.create(
            company=company,
            tripletex_company_id=sandbox["company_id"],
            tripletex_id=sandbox["employees"][employee.employee_number],
            employee=employee,
        )
    wage_type = WageType.objects.get(company=company, is_builtin=True)
    for monday in mondays():
        for day in range(5):
            hr_services.entry_create(
                actor=worker,
                employee=worker,
                date=monday + datetime.timedelta(days=day),
                project=project,
                wage_type=wage_type,
                hours=HOURS,
            )
        hr_services.week_submit(actor=worker, employee=worker, monday=monday)
    return {"entries": WEEKS * 5}


def approve(folder: Path) -> dict[str, Any]:
    """The web: «Godkjenning», one week at a time, while the worker delivers."""
    from hr import services as hr_services
    from hr.models import Employee, EntryStatus, HourEntry

    admin = Employee.objects.get(email="admin@gronnbygg.no")
    _wait_for(folder / "worker-ready")
    errors: list[str] = []
    approved = 0
    for monday in mondays():
        ids = list(
            HourEntry.objects.filter(
                company=admin.company,
                status=EntryStatus.SUBMITTED,
                date__range=(monday, monday + datetime.timedelta(days=6)),
            ).values_list("id", flat=True)
        )
        try:
            approved += len(hr_services.entries_approve(actor=admin, entry_ids=ids))
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
        time.sleep(0.2)  # an administrator's pace, so approvals and deliveries overlap
    (folder / "web-done").touch()
    return {"approved": approved, "errors": errors}


def deliver(folder: Path) -> dict[str, Any]:
    """The worker: the beat's sweep, over and over, until the web is done and nothing is due."""
    from tripletex.tasks import transfer_sweep_task
    from tripletex.transfer import queries

    errors: list[str] = []
    sweeps_while_approving = 0
    delivered_while_approving = 0
    quiet_since: float | None = None
    started = time.monotonic()
    (folder / "worker-ready").touch()
    while time.monotonic() - started < GIVE_UP_SECONDS:
        web_done = (folder / "web-done").exists()
        try:
            due = transfer_sweep_task()
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
            due = 1
        if not web_done:
            sweeps_while_approving += 1
            delivered_while_approving += due
        if web_done and due == 0 and not queries.rows_due():
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= QUIET_SECONDS:
                break
        else:
            quiet_since = None
        time.sleep(0.05)
    return {
        "errors": errors,
        "sweeps_while_approving": sweeps_while_approving,
        "delivered_while_approving": delivered_while_approving,
    }


def report() -> dict[str, Any]:
    from hr.models import EntryStatus, HourEntry
    from tripletex.models import RemoteHours

    return {
        "approved": HourEntry.objects.filter(status=EntryStatus.APPROVED).count(),
        "rows": [
            {"date": row.date.isoformat(), "state": row.state, "wanted": str(row.wanted_hours)}
            for row in RemoteHours.objects.order_by("date")
        ],
    }


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def main(argv: list[str]) -> None:
    _django()
    role = argv[1]
    try:
        if role == "setup":
            result = setup(json.loads(argv[2]))
        elif role == "approve":
            result = approve(Path(argv[2]))
        elif role == "deliver":
            result = deliver(Path(argv[2]))
        else:
            result = report()
    except Exception:
        result = {"errors": [traceback.format_exc()]}
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
