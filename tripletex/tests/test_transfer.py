"""Approved hours reach Tripletex once, with nothing lost: against the sandbox over HTTP.

Each test ends with the ledger check: for every key, the hours in the sandbox equal the approved
hours here, no key has two entries, and every row is sent or in a visible final state.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from hr import services as hr_services
from hr.models import Employee, EntryStatus, HourEntry, Project, WageType
from hr.tests.factories import CompanyFactory, EmployeeFactory, administrator_of
from tripletex import client as tx
from tripletex import crypto
from tripletex.models import (
    Connection,
    EmployeeLink,
    ItemKind,
    ProjectLink,
    RemoteHours,
    RemoteSalaryLine,
    TransferState,
    WageTypeLink,
    WizardItem,
)
from tripletex.sandbox import messages as sandbox_messages
from tripletex.sandbox.store import SalaryType
from tripletex.sandbox.testing import SandboxHandle
from tripletex.services import connection as connection_services
from tripletex.services import wizard
from tripletex.tests import transfer_helpers
from tripletex.tests.transfer_helpers import (
    approve,
    deliver_due,
    ledger_check,
    register,
    remote_entries,
    sent_in,
)
from tripletex.transfer import blockers, comments, machine, statuses, texts, wanted

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 24)


@pytest.fixture(autouse=True)
def _point_at_sandbox(settings, tripletex_sandbox):
    settings.TRIPLETEX_BASE_URL = tripletex_sandbox.base_url
    settings.TRIPLETEX_CONSUMER_TOKEN = tripletex_sandbox.consumer_token


@pytest.fixture
def connected(tripletex_sandbox):
    """A company connected through the wizard, with P-100 and employees 1001 and 1003 linked."""
    company = CompanyFactory.create(name="Grønn Bygg AS")
    admin = administrator_of(company, email="admin@gronnbygg.no", employee_number="1001")
    worker = EmployeeFactory.create(company=company, email="ansatt@gronnbygg.no", employee_number="1003")
    run = wizard.wizard_start(actor=admin)
    run = wizard.wizard_key_check(actor=admin, run=run, key=tripletex_sandbox.employee_token)
    for kind in (ItemKind.PROJECT, ItemKind.EMPLOYEE):
        wizard.wizard_fetch(run_id=run.id, kind=kind)
    chosen = WizardItem.objects.filter(run=run, number__in=["P-100", "1001", "1003"])
    for kind in (ItemKind.PROJECT, ItemKind.EMPLOYEE):
        ids = [i.id for i in chosen if i.kind == kind]
        wizard.wizard_selection_save(
            actor=admin, run=run, kind=kind, shown_ids=ids, selected_ids=ids, options={}
        )
    wizard.wizard_finish(actor=admin, run=run, send_hours_from=datetime.date(2026, 1, 1))
    project = Project.objects.get(company=company, number="P-100")
    return admin, worker, project


def linked_lonnsart(
    tripletex_sandbox: SandboxHandle, worker: Employee, name: str
) -> tuple[SalaryType, WageType]:
    """A lønnsart here linked to a Tripletex salary type shown in the timesheet."""
    with tripletex_sandbox.app.lock:
        salary_type = next(
            t for t in tripletex_sandbox.app.store.salary_types.values() if t.show_in_timesheet
        )
    wage_type = WageType.objects.create(company=worker.company, number=salary_type.number, name=name)
    WageTypeLink.objects.create(
        company=worker.company,
        tripletex_company_id=transfer_helpers.tripletex_company_of(worker.company),
        tripletex_id=salary_type.id,
        wage_type=wage_type,
    )
    return salary_type, wage_type


def test_approved_hours_arrive_once_marked_as_ours(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert row.state == TransferState.SENT
    [remote] = remote_entries(tripletex_sandbox)
    assert (remote.hours, remote.id, remote.comment) == (Decimal("7.5"), row.remote_id, comments.MARKER)
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 1
    ledger_check(tripletex_sandbox)


def test_two_entries_on_one_key_are_one_remote_entry_with_the_sum(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    first = sent_in(worker, project, "4")
    approve(admin, [first], django_capture_on_commit_callbacks)
    overtime = WageType.objects.get(company=worker.company, is_builtin=True)
    second = hr_services.entry_create(
        actor=worker, employee=worker, date=DAY, project=project, wage_type=overtime, hours="3,5"
    )
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    approve(admin, [second], django_capture_on_commit_callbacks)
    [remote] = remote_entries(tripletex_sandbox)
    assert remote.hours == Decimal("7.5")
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 1
    ledger_check(tripletex_sandbox)


def sandbox_comments(tripletex_sandbox) -> list[str]:
    """The comments of the timesheet entries the sandbox holds, read from its control API."""
    return [entry["comment"] for entry in tripletex_sandbox.state()["timesheetEntries"]]


def test_the_employees_comments_reach_tripletex_behind_the_marker(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: three entries on one key, one without a comment and one repeating another's
    admin, worker, project = connected
    entries = [
        register(worker, project, "2", comment=text)
        for text in ("Støpte dekke i 3. etasje", "", "Forskaling\n  rives", "Støpte dekke i 3. etasje")
    ]
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)

    # when
    approve(admin, entries, django_capture_on_commit_callbacks)

    # then: one entry, the comments once each in the order they were written, on one line
    wanted = f"{comments.MARKER} Støpte dekke i 3. etasje; Forskaling rives"
    assert sandbox_comments(tripletex_sandbox) == [wanted]
    assert RemoteHours.objects.get().wanted_comment == wanted
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 1
    ledger_check(tripletex_sandbox)


def test_an_overlong_comment_is_cut_visibly_within_tripletexs_limit_and_keeps_the_marker(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: the longest comment an entry takes, far past Tripletex's limit
    admin, worker, project = connected
    entry = register(worker, project, "7,5", comment=("Betong " * 70 + "slutt"))
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)

    # when
    approve(admin, [entry], django_capture_on_commit_callbacks)

    # then
    [comment] = sandbox_comments(tripletex_sandbox)
    assert len(comment) == comments.COMMENT_MAX_LENGTH == 255
    written = f"{comments.MARKER} " + "Betong " * 70 + "slutt"
    assert comment.startswith(f"{comments.MARKER} Betong Betong")
    assert comment.endswith("…")
    assert written.startswith(comment[:-1])
    assert RemoteHours.objects.get().state == TransferState.SENT
    ledger_check(tripletex_sandbox)


def test_the_cut_never_reaches_the_marker():
    # given / when
    cut = comments.remote_comment(["x" * 1000])
    only_spaces = comments.remote_comment(["", "   ", "\n"])

    # then
    assert cut == f"{comments.MARKER} " + "x" * (255 - len(comments.MARKER) - 2) + "…"
    assert only_spaces == comments.MARKER


def test_a_comment_changed_after_reopen_updates_the_remote_entry(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: two entries on one key in Tripletex, then one reopened, its comment changed, approved again
    admin, worker, project = connected
    wage_type = WageType.objects.get(company=worker.company, is_builtin=True)
    first, second = (register(worker, project, "3", comment=text) for text in ("Rigging", "Murt vegg"))
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    approve(admin, [first, second], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        hr_services.entries_reopen(actor=admin, entry_ids=[second.id])
    assert sandbox_comments(tripletex_sandbox) == [f"{comments.MARKER} Rigging"]
    hr_services.entries_reject(actor=admin, entry_ids=[second.id], reason="Skriv hva som ble gjort")
    second.refresh_from_db()
    hr_services.entry_update(
        actor=worker,
        entry=second,
        date=DAY,
        project=project,
        wage_type=wage_type,
        hours="3",
        comment="Pusset vegg",
    )
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)

    # when
    approve(admin, [second], django_capture_on_commit_callbacks)

    # then: the same entry, same hours as before the reopen, with the new comment
    [remote] = tripletex_sandbox.state()["timesheetEntries"]
    assert (remote["comment"], remote["hours"]) == (f"{comments.MARKER} Rigging; Pusset vegg", 6)
    assert remote["id"] == RemoteHours.objects.get().remote_id
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 1
    assert tripletex_sandbox.request_count("PUT /timesheet/entry/{id}") == 2
    ledger_check(tripletex_sandbox)


def test_a_look_up_adopts_our_commented_entry_and_brings_its_comment_up_to_date(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: our entry in Tripletex with an older comment, and the row unsure of its fate
    admin, worker, project = connected
    entry = register(worker, project, "7,5", comment="Rigging")
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    RemoteHours.objects.filter(id=row.id).update(
        state=TransferState.PENDING, needs_lookup=True, wanted_comment=f"{comments.MARKER} Rigging; Sveising"
    )

    # when
    state = deliver_due(row.id)

    # then: found by look-up as ours (no conflict, no second entry) and updated
    assert state == TransferState.SENT
    assert sandbox_comments(tripletex_sandbox) == [f"{comments.MARKER} Rigging; Sveising"]
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 1
    ledger_check(tripletex_sandbox)


def test_unlinked_employee_blocks_approval_with_the_reason(connected, tripletex_sandbox):
    admin, _worker, project = connected
    stranger = EmployeeFactory.create(company=admin.company, first_name="Ola", last_name="Ulinket")
    entry = sent_in(stranger, project)
    with pytest.raises(ValidationError) as raised:
        hr_services.entries_approve(actor=admin, entry_ids=[entry.id])
    assert raised.value.messages == [str(texts.BLOCK_EMPLOYEE % {"name": "Ola Ulinket"})]
    assert HourEntry.objects.get(id=entry.id).status == EntryStatus.SUBMITTED
    assert not RemoteHours.objects.exists()
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 0


def test_hand_typed_entry_on_our_key_is_a_conflict_and_is_not_overwritten(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    link_activity = project.tripletex_link.activity_id
    typed = tripletex_sandbox.client().timesheet_entry_create(
        entry=tx.NewTimesheetEntry(
            employee_id=tripletex_sandbox.employee_id("1003"),
            activity_id=link_activity,
            project_id=tripletex_sandbox.project_id("P-100"),
            date=DAY,
            hours=Decimal("2"),
            comment="ført rett i Tripletex",
        )
    )
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert row.state == TransferState.PENDING  # the POST met the duplicate; it looks up next
    assert deliver_due(row.id) == TransferState.CONFLICT
    [remote] = remote_entries(tripletex_sandbox)
    assert (remote.id, remote.hours) == (typed.id, Decimal("2"))
    ledger_check(tripletex_sandbox)


def test_response_lost_after_store_is_found_by_look_up(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": "POST /timesheet/entry", "action": "dropAfterStore", "times": 1}]
    )
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert (row.state, row.needs_lookup) == (TransferState.PENDING, True)
    assert deliver_due(row.id) == TransferState.SENT
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 1
    assert len(remote_entries(tripletex_sandbox)) == 1
    ledger_check(tripletex_sandbox)


def test_server_error_on_post_ends_with_one_entry(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": "POST /timesheet/entry", "action": "error", "status": 503, "times": 1}]
    )
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert deliver_due(row.id) == TransferState.SENT
    assert len(remote_entries(tripletex_sandbox)) == 1
    ledger_check(tripletex_sandbox)


def test_validation_refusal_fails_visibly_and_is_not_retried(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id("P-100")].is_closed = True
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert row.state == TransferState.FAILED
    assert row.message.startswith("Tripletex avviste timene:")
    assert row.request_id
    for _ in range(3):
        assert transfer_helpers.hours_due() == []
        assert transfer_helpers.deliver_row(row.id) is None
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 1
    # the administrator is told once (beside the employee's own «godkjent» e-mail)
    assert [m.to for m in mail.outbox if m.subject == "Timer når ikke fram til Tripletex"] == [[admin.email]]
    ledger_check(tripletex_sandbox)


def test_the_same_task_twice_calls_once(connected, tripletex_sandbox, django_capture_on_commit_callbacks):
    admin, worker, project = connected
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert transfer_helpers.deliver_row(row.id) is None
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 1


def test_always_503_fails_after_the_limit_and_stays(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    tripletex_sandbox.set_faults(
        rules=[
            {"endpoint": "POST /timesheet/entry", "action": "error", "status": 503},
            {"endpoint": "GET /timesheet/entry", "action": "error", "status": 503},
        ]
    )
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    for _ in range(machine.MAX_ATTEMPTS + 2):
        deliver_due(row.id)
    row.refresh_from_db()
    assert row.state == TransferState.FAILED
    assert row.attempts == machine.MAX_ATTEMPTS
    calls = sum(tripletex_sandbox.request_count(k) for k in ("POST /timesheet/entry", "GET /timesheet/entry"))
    assert calls == machine.MAX_ATTEMPTS
    assert deliver_due(row.id) is None


def test_rate_limit_pauses_only_that_company(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    tripletex_sandbox.set_faults(rateLimitStorm={"requests": 1, "resetSeconds": 17})
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    connection = Connection.objects.get(company=admin.company)
    assert row.state == TransferState.PENDING
    assert connection.pause_reason == "rate"
    assert 16 <= (transfer_helpers.pause_end(connection) - timezone.now()).total_seconds() <= 17
    assert transfer_helpers.deliver_row(row.id) is None  # paused: no call
    # another company on its own connection is not held back by this company's pause
    other_admin, other_row = _second_company_with_a_pending_row(tripletex_sandbox)
    assert transfer_helpers.deliver_row(other_row.id) == TransferState.SENT
    assert Connection.objects.get(company=other_admin.company).paused_until is None
    # once Tripletex's window has reset, the row goes
    connection.refresh_from_db()
    with time_machine.travel(
        transfer_helpers.pause_end(connection) + datetime.timedelta(seconds=1), tick=False
    ):
        assert deliver_due(row.id) == TransferState.SENT
    ledger_check(tripletex_sandbox)


def _second_company_with_a_pending_row(tripletex_sandbox: SandboxHandle) -> tuple[Employee, RemoteHours]:
    """Another company connected to the sandbox, with employee 1004 on P-200 approved and waiting."""
    company = CompanyFactory.create(name="Nabo Bygg AS")
    admin = administrator_of(company)
    employee = EmployeeFactory.create(company=company, employee_number="1004")
    project = Project.objects.create(company=company, number="P-200", name="Rehabilitering Ås sykehjem")
    tripletex_company = Connection.objects.exclude(company=company).get().tripletex_company_id
    assert tripletex_company is not None
    Connection.objects.create(
        company=company,
        is_active=True,
        employee_token=crypto.secret_encrypt(tripletex_sandbox.employee_token),
        tripletex_company_id=tripletex_company,
    )
    EmployeeLink.objects.create(
        company=company,
        tripletex_company_id=tripletex_company,
        tripletex_id=tripletex_sandbox.employee_id("1004"),
        employee=employee,
    )
    ProjectLink.objects.create(
        company=company,
        tripletex_company_id=tripletex_company,
        tripletex_id=tripletex_sandbox.project_id("P-200"),
        project=project,
        activity_id=tripletex_sandbox.activity_id("Fakturerbart arbeid"),
    )
    entry = sent_in(employee, project, "6", DAY + datetime.timedelta(days=1))
    with transaction.atomic():
        hr_services.entries_approve(actor=admin, entry_ids=[entry.id])
    return admin, RemoteHours.objects.get(company=company)


def test_removal_stops_everything_and_reopen_updates_the_remote_entry(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    first = sent_in(worker, project)
    approve(admin, [first], django_capture_on_commit_callbacks)
    # reopen: the remote entry is deleted once nothing approved is left on the key
    with django_capture_on_commit_callbacks(execute=True):
        hr_services.entries_reopen(actor=admin, entry_ids=[first.id])
    assert remote_entries(tripletex_sandbox) == []
    assert RemoteHours.objects.get().state == TransferState.SENT
    # removal: what waits is not sent, and stays so
    tripletex_sandbox.set_faults(rules=[{"endpoint": "*", "action": "error", "status": 503}])
    approve(admin, [first], django_capture_on_commit_callbacks)
    tripletex_sandbox.set_faults(rules=[])
    with transaction.atomic():
        connection_services.connection_remove(actor=admin)
    row = RemoteHours.objects.get()
    assert (row.state, row.message) == (TransferState.NOT_SENT, str(texts.STATUS_REMOVED))
    assert deliver_due(row.id) is None
    assert remote_entries(tripletex_sandbox) == []


def test_reopen_is_refused_when_tripletex_has_locked_the_hours(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    tripletex_sandbox.approve_month(employee_id=tripletex_sandbox.employee_id("1003"), month_year="2026-11")
    with pytest.raises(ValidationError) as raised:
        hr_services.entries_reopen(actor=admin, entry_ids=[entry.id])
    assert raised.value.messages == [str(texts.REOPEN_LOCKED % {"date": "24.11.2026"})]
    assert HourEntry.objects.get(id=entry.id).status == EntryStatus.APPROVED


def test_pages_show_the_status_and_retry_works_after_the_cause_is_fixed(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a refusal by Tripletex (project closed there)
    admin, worker, project = connected
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id("P-100")].is_closed = True
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    # then the employee sees «Feilet» with the reason on the entry
    client.force_login(worker.user)
    week = client.get("/timer/?year=2026&week=48").content.decode()
    assert "Tripletex: Feilet" in week
    assert str(texts.STATUS_REFUSED_SHOWN) in week
    assert f'<q class="transfer-says" lang="nb">{sandbox_messages.MSG_PROJECT_CLOSED}</q>' in week
    # and the administrator sees it on the transfers page and in the card
    client.force_login(admin.user)
    page = client.get("/innstillinger/tripletex/overforinger/").content.decode()
    assert f'id="transfer-{row.id}"' in page and row.request_id in page
    card = client.get("/innstillinger/").content.decode()
    assert '<dd id="transfer-failed">1</dd>' in card
    # when the cause is fixed in Tripletex and «Prøv igjen» is clicked
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id("P-100")].is_closed = False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/innstillinger/tripletex/overforinger/", {"action": f"retry:{row.id}"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == TransferState.SENT
    client.force_login(worker.user)
    assert "Tripletex: Sendt" in client.get("/timer/?year=2026&week=48").content.decode()
    # and the API carries the same state, on the entry and in the week grid
    [listed] = client.get("/api/v1/entries/?week=2026-W48").json()["entries"]
    assert listed["transfer"]["state"] == "sent"
    grid = client.get("/api/v1/weeks/2026-W48/").json()
    assert [c["transfer"]["label"] for c in grid["rows"][0]["cells"] if c["transfer"]] == ["Sendt"]
    ledger_check(tripletex_sandbox)


def test_hours_approved_while_removed_wait_until_the_administrator_sends_them(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    connection_services.connection_remove(actor=admin)
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert (row.state, row.message) == (TransferState.NOT_SENT, str(texts.STATUS_APPROVED_WHILE_REMOVED))
    # reconnect: nothing is sent by itself
    run = wizard.wizard_start(actor=admin)
    run = wizard.wizard_key_check(actor=admin, run=run, key=tripletex_sandbox.employee_token)
    wizard.wizard_finish(actor=admin, run=run, send_hours_from=datetime.date(2026, 1, 1))
    assert remote_entries(tripletex_sandbox) == []
    client.force_login(admin.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/innstillinger/tripletex/overforinger/", {"action": "retry-all"})
    assert RemoteHours.objects.get().state == TransferState.SENT
    assert len(remote_entries(tripletex_sandbox)) == 1
    ledger_check(tripletex_sandbox)


def test_an_imported_lonnsart_also_becomes_a_lonnsart_line(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a lønnsart linked to a Tripletex salary type shown in the timesheet
    admin, worker, project = connected
    salary_type, overtime = linked_lonnsart(tripletex_sandbox, worker, "Overtid 50 %")
    ordinary = WageType.objects.get(company=worker.company, is_builtin=True)
    for wage_type, hours in ((ordinary, "7,5"), (overtime, "2")):
        hr_services.entry_create(
            actor=worker, employee=worker, date=DAY, project=project, wage_type=wage_type, hours=hours
        )
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    # when
    approve(admin, list(HourEntry.objects.filter(employee=worker)), django_capture_on_commit_callbacks)
    # then: the hours entry holds both, and the lønnsart line counts the overtime
    [remote] = remote_entries(tripletex_sandbox)
    assert remote.hours == Decimal("9.5")
    [line] = [
        s
        for s in tripletex_sandbox.client().salary_type_specifications(
            date_from=DAY, date_to=DAY + datetime.timedelta(days=1)
        )
        if s.salary_type_id == salary_type.id
    ]
    assert (line.count, line.description) == (Decimal("2"), comments.MARKER)
    assert RemoteSalaryLine.objects.get().state == TransferState.SENT
    # and reopening the overtime removes the line again
    with django_capture_on_commit_callbacks(execute=True):
        hr_services.entries_reopen(
            actor=admin, entry_ids=[HourEntry.objects.get(employee=worker, wage_type=overtime).id]
        )
    assert not [
        s
        for s in tripletex_sandbox.client().salary_type_specifications(
            date_from=DAY, date_to=DAY + datetime.timedelta(days=1)
        )
        if s.salary_type_id == salary_type.id
    ]
    assert remote_entries(tripletex_sandbox)[0].hours == Decimal("7.5")


def test_monthly_reconciliation_shows_differences(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    client.force_login(admin.user)
    page = client.get("/innstillinger/tripletex/avstemming/?maned=2026-11").content.decode()
    assert "Alt stemmer." in page
    # someone changes our entry in Tripletex by hand
    row = RemoteHours.objects.get()
    remote = tripletex_sandbox.client().timesheet_entry(row.remote_id)
    tripletex_sandbox.client().timesheet_entry_update(
        entry=tx.TimesheetEntry(**{**remote.__dict__, "hours": Decimal("5")})
    )
    reads = tripletex_sandbox.request_count("GET /timesheet/entry")
    # a reload within the minute shows what was read, and when, without asking Tripletex again
    page = client.get("/innstillinger/tripletex/avstemming/?maned=2026-11").content.decode()
    assert "Alt stemmer." in page
    assert "Tallene fra Tripletex er hentet kl." in page
    assert tripletex_sandbox.request_count("GET /timesheet/entry") == reads
    # «Hent på nytt fra Tripletex» reads it again
    page = client.get("/innstillinger/tripletex/avstemming/?maned=2026-11&hent=1").content.decode()
    assert "1 linje avviker." in page
    assert 'class="status-rejected differs"' in page
    assert tripletex_sandbox.request_count("GET /timesheet/entry") == reads + 1


def test_reconciliation_lines_mark_a_difference_escape_names_and_use_the_languages_format():
    from hr.models import Employee, Project
    from tripletex.services.reconciliation import ReconciliationLine
    from tripletex.templatetags.tripletex_tags import reconciliation_rows

    # given: a line that differs, for a person whose name looks like markup, and one that agrees
    person = Employee(first_name="Åse", last_name="<Ødegård>")
    place = Project(number="P-1", name="Bro & kai")
    differs = ReconciliationLine(employee=person, project=place, here=Decimal("7.5"), tripletex=Decimal("5"))
    agrees = ReconciliationLine(employee=person, project=place, here=Decimal("2"), tripletex=Decimal("2"))
    for language, (here, difference) in {"nb": ("7,5", "-2,5"), "en": ("7.5", "-2.5")}.items():
        with translation.override(language):
            # when
            html = reconciliation_rows([differs, agrees])
        # then
        name = "<td>Åse &lt;Ødegård&gt;</td><td>P-1 Bro &amp; kai</td>"
        assert html == (
            f'<tr class="status-rejected differs">{name}<td class="num">{here}</td><td class="num">5</td>'
            f'<td class="num"><strong>{difference}</strong></td></tr>'
            f'<tr>{name}<td class="num">2</td><td class="num">2</td><td class="num">0</td></tr>'
        )


def test_reconciliation_reads_tripletex_again_after_a_delivery_in_the_month(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: the month read once, with one day's hours in Tripletex
    admin, worker, project = connected
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks)
    client.force_login(admin.user)
    page = client.get("/innstillinger/tripletex/avstemming/?maned=2026-11").content.decode()
    assert "Alt stemmer." in page
    reads = tripletex_sandbox.request_count("GET /timesheet/entry")

    # when: another day's hours are approved and delivered within the minute
    next_day = DAY + datetime.timedelta(days=1)
    approve(admin, [sent_in(worker, project, hours="4", day=next_day)], django_capture_on_commit_callbacks)
    page = client.get("/innstillinger/tripletex/avstemming/?maned=2026-11").content.decode()

    # then: Tripletex was read again, and the delivered hours are there, not a false difference
    assert tripletex_sandbox.request_count("GET /timesheet/entry") == reads + 1
    assert "Alt stemmer." in page
    assert ">11,5<" in page


def _second_project(connected, tripletex_sandbox) -> Project:
    """P-400 linked too, so a batch can hold entries on two projects."""
    admin, _worker, project = connected
    p400 = Project.objects.create(company=admin.company, number="P-400", name="Grøntanlegg Fjøsanger")
    link = project.tripletex_link
    ProjectLink.objects.create(
        company=admin.company,
        tripletex_company_id=link.tripletex_company_id,
        tripletex_id=tripletex_sandbox.project_id("P-400"),
        project=p400,
        activity_id=link.activity_id,
    )
    return p400


def test_new_entries_go_in_one_list_request(connected, tripletex_sandbox, django_capture_on_commit_callbacks):
    admin, worker, project = connected
    p400 = _second_project(connected, tripletex_sandbox)
    ordinary = WageType.objects.get(company=worker.company, is_builtin=True)
    for day in range(5):
        for place in (project, p400):
            hr_services.entry_create(
                actor=worker,
                employee=worker,
                date=DAY + datetime.timedelta(days=day - 1),
                project=place,
                wage_type=ordinary,
                hours="3",
                comment=f"Dag {day} på {place.number}",
            )
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    approve(admin, list(HourEntry.objects.filter(employee=worker)), django_capture_on_commit_callbacks)
    assert tripletex_sandbox.request_count("POST /timesheet/entry/list") == 1
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 0
    assert set(RemoteHours.objects.values_list("state", flat=True)) == {TransferState.SENT}
    assert RemoteHours.objects.count() == 10
    # the list carries each entry's comment behind the marker
    assert sorted(sandbox_comments(tripletex_sandbox)) == sorted(
        f"{comments.MARKER} Dag {day} på {place.number}" for day in range(5) for place in (project, p400)
    )
    ledger_check(tripletex_sandbox)


def test_a_refused_list_is_split_until_the_refused_entry_is_found(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    p400 = _second_project(connected, tripletex_sandbox)
    ordinary = WageType.objects.get(company=worker.company, is_builtin=True)
    for day, place in enumerate([project, project, p400, project]):
        hr_services.entry_create(
            actor=worker,
            employee=worker,
            date=DAY + datetime.timedelta(days=day - 1),
            project=place,
            wage_type=ordinary,
            hours="4",
        )
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id("P-400")].is_closed = True
    approve(admin, list(HourEntry.objects.filter(employee=worker)), django_capture_on_commit_callbacks)
    states = dict(RemoteHours.objects.values_list("project__number", "state").distinct())
    assert states == {"P-100": TransferState.SENT, "P-400": TransferState.FAILED}
    assert RemoteHours.objects.filter(state=TransferState.SENT).count() == 3
    # 4 → 2 + 2 → the refused pair → 1 + 1: five list requests find the one refused entry
    assert tripletex_sandbox.request_count("POST /timesheet/entry/list") == 5
    ledger_check(tripletex_sandbox)


def test_deliveries_share_one_tripletex_session(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    sessions_before = tripletex_sandbox.request_count("POST /token/session/:create")
    for offset in range(3):
        entry = sent_in(worker, project, "2", DAY + datetime.timedelta(days=offset))
        approve(admin, [entry], django_capture_on_commit_callbacks)
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 3
    assert tripletex_sandbox.request_count("POST /token/session/:create") - sessions_before == 1
    ledger_check(tripletex_sandbox)


def test_another_companys_transfer_rows_behave_like_missing_ones(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a failed row in the connected company, and an administrator of another company
    admin, worker, project = connected
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id("P-100")].is_closed = True
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert row.state == TransferState.FAILED
    stranger = administrator_of(CompanyFactory.create(name="Annet AS"))
    client.force_login(stranger.user)
    # when: they retry it, and a row that does not exist
    foreign = client.post(
        "/innstillinger/tripletex/overforinger/", {"action": f"retry:{row.id}"}, follow=True
    )
    missing = client.post(
        "/innstillinger/tripletex/overforinger/", {"action": "retry:987654321"}, follow=True
    )
    # then: the same answer, and nothing changed
    assert foreign.status_code == missing.status_code == 200
    assert [str(m) for m in foreign.context["messages"]] == [str(m) for m in missing.context["messages"]]
    row.refresh_from_db()
    assert row.state == TransferState.FAILED
    assert (
        f'id="transfer-{row.id}"' not in client.get("/innstillinger/tripletex/overforinger/").content.decode()
    )
    for page in (
        "/innstillinger/tripletex/overforinger/",
        "/innstillinger/tripletex/avstemming/?maned=2026-11",
    ):
        assert worker.full_name not in client.get(page).content.decode()


def test_approver_sees_where_approved_hours_went_and_an_administrator_can_reopen(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    admin, worker, project = connected
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    client.force_login(admin.user)
    page = client.get("/godkjenning/").content.decode()
    assert f'id="approved-{entry.id}"' in page
    assert '<span class="badge transfer-sent"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/godkjenning/", {"action": f"reopen:{entry.id}"}, follow=True)
    assert "Timeføringen er åpnet igjen og venter på godkjenning." in response.content.decode()
    assert HourEntry.objects.get(id=entry.id).status == EntryStatus.SUBMITTED
    assert remote_entries(tripletex_sandbox) == []
    ledger_check(tripletex_sandbox)


def test_a_stale_version_on_a_lonnsart_line_is_read_again_and_retried_once(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a sent lønnsart line that someone then changed in Tripletex (its version moved on)
    admin, worker, project = connected
    _salary_type, overtime = linked_lonnsart(tripletex_sandbox, worker, "Overtid")
    first = hr_services.entry_create(
        actor=worker, employee=worker, date=DAY, project=project, wage_type=overtime, hours="2"
    )
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    approve(admin, [first], django_capture_on_commit_callbacks)
    line = RemoteSalaryLine.objects.get()
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.specifications[line.remote_id].version += 1
    # when: more overtime on the same day is approved
    second = hr_services.entry_create(
        actor=worker, employee=worker, date=DAY, project=project, wage_type=overtime, hours="1,5"
    )
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    approve(admin, [second], django_capture_on_commit_callbacks)
    # then: one re-read, one retry, and the line holds the sum
    line.refresh_from_db()
    assert line.state == TransferState.SENT
    remote = tripletex_sandbox.client().salary_type_specification(line.remote_id)
    assert remote.count == Decimal("3.5")
    assert tripletex_sandbox.request_count("PUT /timesheet/salaryTypeSpecification/{id}") == 2


# --- «Send godkjente timer fra og med» --------------------------------------------------------


def connected_after_approvals(tripletex_sandbox, capture, *, send_from: datetime.date, approved_hours: str):
    """Hours approved on DAY before the integration exists, then the wizard with «Neste» and
    «Ferdigstill» only (P-100, 1001 and 1003 match and are ticked), sending from `send_from`."""
    company = CompanyFactory.create(name="Grønn Bygg AS")
    admin = administrator_of(company, email="admin@gronnbygg.no", employee_number="1001")
    worker = EmployeeFactory.create(company=company, email="ansatt@gronnbygg.no", employee_number="1003")
    project = Project.objects.create(company=company, number="P-100", name="Nybygg Bjørvika kontorbygg")
    old = sent_in(worker, project, approved_hours)
    hr_services.entries_approve(actor=admin, entry_ids=[old.id])
    run = wizard.wizard_key_check(
        actor=admin, run=wizard.wizard_start(actor=admin), key=tripletex_sandbox.employee_token
    )
    for kind in (ItemKind.PROJECT, ItemKind.EMPLOYEE):
        wizard.wizard_fetch(run_id=run.id, kind=kind)
    with capture(execute=True):
        wizard.wizard_finish(actor=admin, run=run, send_hours_from=send_from)
    return admin, worker, project


def test_old_hours_on_a_key_touched_by_a_new_approval_stay_out_of_tripletex(
    tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: 7,5 t approved on DAY before the integration, which sends from the day after
    admin, worker, project = connected_after_approvals(
        tripletex_sandbox,
        django_capture_on_commit_callbacks,
        send_from=DAY + datetime.timedelta(days=1),
        approved_hours="7.5",
    )
    assert Connection.objects.get(company=admin.company).send_hours_from == DAY + datetime.timedelta(days=1)
    assert remote_entries(tripletex_sandbox) == []
    # when: 3 t more on the same key (employee, DAY, P-100) are approved after «Ferdigstill»
    new = sent_in(worker, project, "3")
    approve(admin, [new], django_capture_on_commit_callbacks)
    # then: the approval stands, and neither the old 7,5 t nor the new 3 t reach Tripletex
    new.refresh_from_db()
    assert new.status == EntryStatus.APPROVED
    assert remote_entries(tripletex_sandbox) == []
    assert not RemoteHours.objects.filter(company=admin.company).exists()
    # and the entry says why it stays here
    status = statuses.transfer_statuses(company=admin.company, entries=[new])[new.id]
    assert (status.state, status.message) == (
        TransferState.NOT_SENT,
        str(texts.STATUS_BEFORE_SEND_FROM % {"date": "25.11.2026"}),
    )
    # and hours dated from the chosen day are sent
    later = sent_in(worker, project, "2", day=DAY + datetime.timedelta(days=1))
    approve(admin, [later], django_capture_on_commit_callbacks)
    [remote] = remote_entries(tripletex_sandbox, day=DAY + datetime.timedelta(days=1))
    assert remote.hours == Decimal("2")
    assert remote_entries(tripletex_sandbox) == []


def test_hours_approved_before_dated_from_the_chosen_day_are_sent_at_finish(
    tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given / when: 7,5 t approved on DAY before the integration, which sends from DAY
    admin, worker, project = connected_after_approvals(
        tripletex_sandbox, django_capture_on_commit_callbacks, send_from=DAY, approved_hours="7.5"
    )
    # then: «Ferdigstill» sent them
    [remote] = remote_entries(tripletex_sandbox)
    assert remote.hours == Decimal("7.5")
    # and a later approval on the key makes it the sum, sent once
    new = sent_in(worker, project, "3")
    approve(admin, [new], django_capture_on_commit_callbacks)
    [remote] = remote_entries(tripletex_sandbox)
    assert remote.hours == Decimal("10.5")
    assert (
        tripletex_sandbox.request_count("POST /timesheet/entry")
        + tripletex_sandbox.request_count("POST /timesheet/entry/list")
        == 1
    )
    ledger_check(tripletex_sandbox)


def test_approved_from_counts_what_the_date_includes_and_tripletex_lacks(
    tripletex_sandbox, django_capture_on_commit_callbacks
):
    from tripletex.sandbox import demo

    # given: 7,5 t approved on DAY, sent at «Ferdigstill» with the date DAY
    admin, _worker, _project = connected_after_approvals(
        tripletex_sandbox, django_capture_on_commit_callbacks, send_from=DAY, approved_hours="7.5"
    )
    # then: counted for a Tripletex company that does not hold them, not for the one that does
    assert wanted.approved_from(company=admin.company, date=DAY, tripletex_company_id=1) == (
        1,
        Decimal("7.50"),
    )
    assert wanted.approved_from(
        company=admin.company, date=DAY + datetime.timedelta(days=1), tripletex_company_id=1
    ) == (0, Decimal("0"))
    assert wanted.approved_from(
        company=admin.company, date=DAY, tripletex_company_id=demo.DEMO_COMPANY_ID
    ) == (0, Decimal("0"))


def test_the_week_grid_warns_while_typing_with_the_approvals_own_reason(client, connected):
    # given: P-100 is linked; P-900 exists only here
    admin, worker, project = connected
    unlinked = Project.objects.create(company=worker.company, number="P-900", name="Ikke i Tripletex")
    ordinary = WageType.objects.get(company=worker.company, is_builtin=True)
    monday = datetime.date(2026, 11, 23)
    for row_project in (project, unlinked):
        hr_services.entry_create(
            actor=worker, employee=worker, date=monday, project=row_project, wage_type=ordinary, hours="2"
        )
    # when the employee opens the week
    client.force_login(worker.user)
    page = client.get("/timer/?week=2026-W48").content.decode()
    grid = client.get("/api/v1/weeks/2026-W48/").json()
    # then only the unlinked row warns, with the words the approval would refuse with
    expected = str(texts.BLOCK_PROJECT % {"project": str(unlinked)})
    # one row warns: once in the desktop grid, once in each of the phone list's seven days
    assert page.count('class="row-warning"') == 1 + 7
    assert expected in page
    warnings = {row["project"]["number"]: row["warnings"] for row in grid["rows"]}
    assert warnings == {"P-100": [], "P-900": [expected]}
    hr_services.week_submit(actor=worker, employee=worker, monday=monday)
    entry = HourEntry.objects.get(project=unlinked)
    with pytest.raises(ValidationError) as refused:
        hr_services.entries_approve(actor=admin, entry_ids=[entry.id])
    assert refused.value.messages == [expected]


def test_a_rate_limit_pause_shows_on_the_card_until_it_ends(client, connected):
    # given: Tripletex answered 429 and the company's transfers wait until 14:30:17 Oslo time
    admin, _worker, _project = connected
    resume = timezone.now() + datetime.timedelta(seconds=17)
    Connection.objects.filter(company=admin.company).update(pause_reason="rate", paused_until=resume)
    client.force_login(admin.user)
    # when / then: the card says so, with the time it resumes
    card = client.get("/innstillinger/").content.decode()
    shown = timezone.localtime(resume).strftime("%H:%M")
    assert 'id="tripletex-rate-pause"' in card
    assert f"Overføringene fortsetter av seg selv kl. {shown}; ingenting går tapt." in card
    # and once the pause is over it is gone
    Connection.objects.filter(company=admin.company).update(
        paused_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert 'id="tripletex-rate-pause"' not in client.get("/innstillinger/").content.decode()


def update_tripletex(admin, *numbers: str) -> None:
    """«Oppdater Tripletex» with the connection's key: fetch projects, tick `numbers`, «Ferdigstill»."""
    run = wizard.wizard_key_check(actor=admin, run=wizard.wizard_start(actor=admin), key="")
    wizard.wizard_fetch(run_id=run.id, kind=ItemKind.PROJECT)
    ids = list(WizardItem.objects.filter(run=run, number__in=numbers).values_list("id", flat=True))
    wizard.wizard_selection_save(
        actor=admin, run=run, kind=ItemKind.PROJECT, shown_ids=ids, selected_ids=ids, options={}
    )
    wizard.wizard_finish(actor=admin, run=run)


def test_hours_of_a_non_participant_wait_until_tripletex_has_them_take_part(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given P-600 is linked; in Tripletex only 1001 and 1002 take part, and the worker is 1003
    admin, worker, _project = connected
    update_tripletex(admin, "P-600")
    brygge = Project.objects.get(company=admin.company, number="P-600")
    worker.refresh_from_db()  # named as in Tripletex by the wizard: Kåre Sæther
    entry = sent_in(worker, brygge, "2")
    expected = str(texts.BLOCK_NOT_PARTICIPANT % {"name": worker.full_name, "project": str(brygge)})
    # when the employee opens the week
    client.force_login(worker.user)
    page = client.get("/timer/?week=2026-W48").content.decode()
    grid = client.get("/api/v1/weeks/2026-W48/").json()
    # then the grid, the API and the approval give the same reason
    assert expected in page
    assert {row["project"]["number"]: row["warnings"] for row in grid["rows"]} == {"P-600": [expected]}
    with pytest.raises(ValidationError) as refused:
        hr_services.entries_approve(actor=admin, entry_ids=[entry.id])
    assert refused.value.messages == [expected]
    assert tripletex_sandbox.request_count("POST /timesheet/entry") == 0
    # and a participant's row does not warn
    ordinary = WageType.objects.get(company=admin.company, is_builtin=True)
    assert (
        blockers.approval_blockers(
            company=admin.company,
            entries=[HourEntry(id=-1, employee=admin, project=brygge, wage_type=ordinary, date=DAY)],
        )
        == {}
    )
    # when Tripletex makes the worker a participant and «Oppdater Tripletex» fetches it
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id("P-600")].participant_ids.add(
            tripletex_sandbox.employee_id("1003")
        )
    update_tripletex(admin, "P-600")
    # then the approval goes through and the hours reach Tripletex
    approve(admin, [entry], django_capture_on_commit_callbacks)
    assert [e.hours for e in remote_entries(tripletex_sandbox)] == [Decimal("2")]
    ledger_check(tripletex_sandbox)


def test_the_participant_message_names_the_fix_without_assuming_gender():
    # when
    text = str(texts.BLOCK_NOT_PARTICIPANT % {"name": "Kåre Sæther", "project": "P-600 Brygge på Stø"})
    # then
    assert text == (
        "Kåre Sæther er ikke deltaker i prosjektet «P-600 Brygge på Stø» i Tripletex, og bare deltakerne "
        "kan føre timer der. En administrator kan legge den ansatte til som deltaker i prosjektet i "
        "Tripletex og deretter hente endringen med «Oppdater Tripletex»."
    )


def test_stored_messages_are_shown_in_the_readers_language_with_tripletexs_words_beside():
    # given: messages stored by a worker (Norwegian) and by a request in English
    with translation.override("nb"):
        refused = str(texts.STATUS_REFUSED % {"message": "Prosjektet er avsluttet og kan ikke benyttes."})
        gave_up = str(texts.STATUS_GAVE_UP % {"attempts": 8})
    with translation.override("en"):
        removed = str(texts.STATUS_APPROVED_WHILE_REMOVED)

    # when
    with translation.override("en"):
        in_english = [texts.message_shown(m) for m in (refused, gave_up, removed, "Eldre tekst", "")]
    with translation.override("nb"):
        in_norwegian = texts.message_shown(removed)

    # then
    assert in_english == [
        (
            "Tripletex refused the hours. Check that the employee and the project can register hours on this "
            "activity in Tripletex. Tripletex's answer:",
            "Prosjektet er avsluttet og kan ikke benyttes.",
        ),
        ("Tripletex did not answer after 8 attempts. Choose “Try again”.", ""),
        (removed, ""),
        ("Eldre tekst", ""),
        ("", ""),  # a sent row has no message
    ]
    assert in_norwegian == ("Ikke sendt – godkjent mens integrasjonen var fjernet", "")
