"""The activation wizard's services against the sandbox over HTTP: key, fetch, choose, finish."""

from __future__ import annotations

import datetime
import io
import time

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation

from hr.models import Department, Employee, Project, Role, User, WageType
from hr.tests.factories import (
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    ProjectFactory,
    administrator_of,
)
from tripletex import crypto, selectors, tasks
from tripletex.models import (
    AuditAction,
    AuditEvent,
    Connection,
    EmployeeLink,
    ItemKind,
    LinkState,
    ProjectLink,
    WageTypeLink,
    WizardItem,
    WizardRun,
    WizardStatus,
)
from tripletex.sandbox import demo
from tripletex.services import connection as connection_services
from tripletex.services import wizard

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _point_at_sandbox(settings, tripletex_sandbox):
    settings.TRIPLETEX_BASE_URL = tripletex_sandbox.base_url
    settings.TRIPLETEX_CONSUMER_TOKEN = tripletex_sandbox.consumer_token


@pytest.fixture
def admin(db):
    company = CompanyFactory.create(name="Grønn Bygg AS")
    return administrator_of(company, email="admin@gronnbygg.no", employee_number="1001")


def checked_run(admin, tripletex_sandbox) -> WizardRun:
    run = wizard.wizard_start(actor=admin)
    return wizard.wizard_key_check(actor=admin, run=run, key=tripletex_sandbox.employee_token)


def fetched(run: WizardRun, *kinds: str) -> WizardRun:
    for kind in kinds:
        wizard.wizard_fetch(run_id=run.id, kind=kind)
    run.refresh_from_db()
    return run


def items(run: WizardRun, kind: str) -> dict[str, WizardItem]:
    return {i.number or i.name: i for i in WizardItem.objects.filter(run=run, kind=kind)}


def select(admin, run: WizardRun, kind: str, *numbers: str, options=None) -> None:
    chosen = [i for i in WizardItem.objects.filter(run=run, kind=kind) if i.number in numbers]
    wizard.wizard_selection_save(
        actor=admin,
        run=run,
        kind=kind,
        shown_ids=[i.id for i in chosen],
        selected_ids=[i.id for i in chosen],
        options=options or {},
    )


def writes(tripletex_sandbox) -> list[str]:
    """Every request that could change Tripletex, other than session management."""
    return [
        f"{e.method} {e.path}"
        for e in tripletex_sandbox.exchanges
        if e.method != "GET" and "/token/session" not in e.path
    ]


# --- the key ----------------------------------------------------------------------------------


def test_key_check_names_the_tripletex_company_and_user_and_stores_the_key_encrypted(
    admin, tripletex_sandbox
):
    run = checked_run(admin, tripletex_sandbox)
    assert run.key_checked
    assert run.tripletex_company_name == demo.DEMO_COMPANY_NAME
    assert run.tripletex_company_id == demo.DEMO_COMPANY_ID
    assert run.tripletex_user_name
    assert tripletex_sandbox.employee_token not in run.employee_token
    assert crypto.secret_decrypt(run.employee_token) == tripletex_sandbox.employee_token
    assert run.token_last4 == tripletex_sandbox.employee_token[-4:]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", wizard.KEY_REQUIRED),
        ("   ", wizard.KEY_REQUIRED),
        ("abc def", wizard.KEY_MALFORMED),
        ("x" * 10_000, wizard.KEY_MALFORMED),
        ("abc\x00def", wizard.KEY_MALFORMED),
        ("abc\ndef", wizard.KEY_MALFORMED),
        ("dGhpcyBpcyBub3QgYSBrZXk=", wizard.KEY_REFUSED),
        (demo.DEMO_WRONG_APPLICATION_EMPLOYEE_TOKEN, wizard.KEY_WRONG_APPLICATION),
    ],
)
def test_bad_keys_get_their_own_message_and_nothing_is_stored(admin, tripletex_sandbox, key, message):
    run = wizard.wizard_start(actor=admin)
    with pytest.raises(ValidationError) as raised:
        wizard.wizard_key_check(actor=admin, run=run, key=key)
    assert raised.value.message_dict["key"] == [str(message)]
    run.refresh_from_db()
    assert not run.key_checked
    assert run.employee_token == ""


def test_unreachable_tripletex_is_told_apart(admin, settings):
    settings.TRIPLETEX_BASE_URL = "http://127.0.0.1:9/v2"  # nothing listens on the discard port
    run = wizard.wizard_start(actor=admin)
    with pytest.raises(ValidationError) as raised:
        wizard.wizard_key_check(actor=admin, run=run, key="a-key-that-is-never-checked")
    assert raised.value.message_dict["key"] == [str(wizard.TRIPLETEX_UNREACHABLE)]


def test_tripletex_server_error_names_the_request_id(admin, tripletex_sandbox):
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": "GET /token/session/>whoAmI", "action": "error", "status": 500}]
    )
    run = wizard.wizard_start(actor=admin)
    with pytest.raises(ValidationError) as raised:
        wizard.wizard_key_check(actor=admin, run=run, key=tripletex_sandbox.employee_token)
    text = raised.value.message_dict["key"][0]
    assert text.startswith("Tripletex svarte med en feil (forespørsels-id ")
    assert tripletex_sandbox.employee_token not in text


def test_only_administrators_start_the_wizard(admin):
    employee = EmployeeFactory.create(company=admin.company, role=Role.EMPLOYEE)
    with pytest.raises(PermissionDenied) as raised:
        wizard.wizard_start(actor=employee)
    assert str(raised.value) == str(connection_services.ONLY_ADMINISTRATORS)
    assert not WizardRun.objects.exists()


def test_one_open_wizard_per_company(admin):
    other_admin = administrator_of(admin.company)
    assert wizard.wizard_start(actor=admin).id == wizard.wizard_start(actor=other_admin).id
    assert WizardRun.objects.filter(company=admin.company).count() == 1


# --- fetching and eligibility -----------------------------------------------------------------


def test_projects_are_eligible_only_with_number_not_closed_and_a_usable_activity(admin, tripletex_sandbox):
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    projects = items(run, ItemKind.PROJECT)
    assert projects["P-100"].eligible
    assert not projects["P-500"].eligible and projects["P-500"].reason == str(wizard.REASON_PROJECT_CLOSED)
    no_number = projects["Tilbud garasje Bærum"]
    assert not no_number.eligible and no_number.reason == str(wizard.REASON_PROJECT_NO_NUMBER)
    assert run.fetch_state[ItemKind.PROJECT]["state"] == "done"
    assert run.fetch_state[ItemKind.PROJECT]["count"] == len(projects)


def test_default_activity_is_tripletex_default_when_offered_else_the_first(admin, tripletex_sandbox):
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    projects = items(run, ItemKind.PROJECT)
    default_id = tripletex_sandbox.activity_id("Fakturerbart arbeid")
    assert projects["P-100"].options["activity_id"] == default_id
    # P-200 allows only its own activities, among them the default
    p200 = {a["id"] for a in projects["P-200"].data["activities"]}
    assert p200 == {tripletex_sandbox.activity_id("Rørlegging"), default_id}
    assert tripletex_sandbox.activity_id("Gammel aktivitet (utgått)") not in {
        a["id"] for a in projects["P-100"].data["activities"]
    }


def test_project_without_usable_activity_is_not_importable(admin, tripletex_sandbox):
    with tripletex_sandbox.app.lock:
        demo.add_project(
            tripletex_sandbox.app.store,
            name="Bare egne aktiviteter",
            number="P-900",
            start_date=datetime.date(2026, 1, 1),
            general_project_activities_per_project_only=True,
        )
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    p900 = items(run, ItemKind.PROJECT)["P-900"]
    assert not p900.eligible
    assert p900.reason == str(wizard.REASON_PROJECT_NO_ACTIVITY)


def test_employees_need_email_and_number_and_wage_types_must_show_in_timesheet(admin, tripletex_sandbox):
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.EMPLOYEE, ItemKind.WAGE_TYPE)
    employees = items(run, ItemKind.EMPLOYEE)
    assert employees["1016"].reason == str(wizard.REASON_EMPLOYEE_NO_EMAIL)
    assert employees["Lise Nummerløs"].reason == str(wizard.REASON_EMPLOYEE_NO_NUMBER)
    assert employees["1014"].eligible
    wage_types = items(run, ItemKind.WAGE_TYPE)
    assert any(
        not w.eligible and w.reason == str(wizard.REASON_WAGE_TYPE_HIDDEN) for w in wage_types.values()
    )
    assert any(w.eligible for w in wage_types.values())


def test_matching_by_number_and_changes_since(admin, tripletex_sandbox):
    # given: a project here with Tripletex's number but another name, and the admin's employee number
    ProjectFactory.create(company=admin.company, number="P-100", name="Gammelt navn")
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT, ItemKind.EMPLOYEE)
    p100 = items(run, ItemKind.PROJECT)["P-100"]
    assert p100.link_state == LinkState.CHANGED
    assert p100.changes["name"] == ["Gammelt navn", "Nybygg Bjørvika kontorbygg"]
    assert items(run, ItemKind.EMPLOYEE)["1001"].local_id == admin.id
    assert items(run, ItemKind.PROJECT)["P-400"].link_state == LinkState.NEW


def test_email_of_an_existing_user_is_shown_in_the_step(admin, tripletex_sandbox):
    EmployeeFactory.create(company=admin.company, email="tor.kjaernes@gronnbygg.no", employee_number="77")
    outsider = EmployeeFactory.create(email="solvi.gronas@gronnbygg.no")  # another company
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.EMPLOYEE)
    employees = items(run, ItemKind.EMPLOYEE)
    assert employees["1014"].email_user_id is not None and employees["1014"].eligible
    assert not employees["1015"].eligible
    assert employees["1015"].reason == str(wizard.REASON_EMAIL_IN_OTHER_COMPANY)
    assert outsider.company != admin.company


def test_duplicate_numbers_in_tripletex_are_not_importable(admin, tripletex_sandbox):
    with tripletex_sandbox.app.lock:
        demo.add_project(
            tripletex_sandbox.app.store, name="Dobbel", number="P-400", start_date=datetime.date(2026, 1, 1)
        )
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    twins = WizardItem.objects.filter(run=run, number="P-400")
    assert twins.count() == 2
    assert all(not t.eligible and "flere ganger" in t.reason for t in twins)


def test_fetch_failure_is_recorded_with_its_message(admin, tripletex_sandbox):
    run = checked_run(admin, tripletex_sandbox)
    tripletex_sandbox.set_faults(rules=[{"endpoint": "GET /employee", "action": "error", "status": 503}])
    run = fetched(run, ItemKind.EMPLOYEE)
    state = run.fetch_state[ItemKind.EMPLOYEE]
    assert state["state"] == "failed"
    assert state["error"].startswith("Tripletex svarte med en feil")


def test_forged_choices_are_dropped(admin, tripletex_sandbox):
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT, ItemKind.EMPLOYEE)
    p100 = items(run, ItemKind.PROJECT)["P-100"]
    before = p100.options["activity_id"]
    foreign_department = DepartmentFactory.create()
    e1014 = items(run, ItemKind.EMPLOYEE)["1014"]
    wizard.wizard_selection_save(
        actor=admin,
        run=run,
        kind=ItemKind.PROJECT,
        shown_ids=[p100.id],
        selected_ids=[p100.id],
        options={p100.id: {"activity_id": "999999"}},
    )
    wizard.wizard_selection_save(
        actor=admin,
        run=run,
        kind=ItemKind.EMPLOYEE,
        shown_ids=[e1014.id],
        selected_ids=[e1014.id],
        options={e1014.id: {"role": "superuser", "department_id": foreign_department.id}},
    )
    p100.refresh_from_db()
    e1014.refresh_from_db()
    assert p100.options["activity_id"] == before
    assert e1014.options == {"role": Role.EMPLOYEE, "department_id": None}


# --- «Ferdigstill» --------------------------------------------------------------------------


def test_finish_with_nothing_ticked_activates_the_connection(admin, tripletex_sandbox):
    run = checked_run(admin, tripletex_sandbox)
    wizard.wizard_finish(actor=admin, run=run)
    connection = Connection.objects.get(company=admin.company)
    assert connection.is_active
    assert connection.tripletex_company_id == demo.DEMO_COMPANY_ID
    assert crypto.secret_decrypt(connection.employee_token) == tripletex_sandbox.employee_token
    run.refresh_from_db()
    assert run.status == WizardStatus.FINISHED and run.employee_token == ""
    assert AuditEvent.objects.get(company=admin.company).action == AuditAction.CONNECTED


def test_leaving_the_wizard_early_leaves_no_active_integration(admin, tripletex_sandbox):
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    select(admin, run, ItemKind.PROJECT, "P-100")
    assert not Connection.objects.filter(company=admin.company, is_active=True).exists()
    assert not Project.objects.filter(company=admin.company).exists()
    wizard.wizard_cancel(actor=admin, run=run)
    run.refresh_from_db()
    assert run.status == WizardStatus.CANCELLED and run.employee_token == ""
    assert not Connection.objects.filter(company=admin.company, is_active=True).exists()


def test_finish_creates_links_and_invites_in_one_go_and_writes_nothing_to_tripletex(
    admin, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given
    department = DepartmentFactory.create(company=admin.company, name="Bygg")
    run = fetched(
        checked_run(admin, tripletex_sandbox), ItemKind.PROJECT, ItemKind.WAGE_TYPE, ItemKind.EMPLOYEE
    )
    select(admin, run, ItemKind.PROJECT, "P-100", "P-200")
    wage_type = next(i for i in items(run, ItemKind.WAGE_TYPE).values() if i.eligible)
    select(admin, run, ItemKind.WAGE_TYPE, wage_type.number)
    e1014 = items(run, ItemKind.EMPLOYEE)["1014"]
    select(
        admin,
        run,
        ItemKind.EMPLOYEE,
        "1001",
        "1014",
        options={e1014.id: {"role": Role.MANAGER, "department_id": department.id}},
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = wizard.wizard_finish(actor=admin, run=run)
    # then
    assert sorted(result.created[ItemKind.PROJECT]) == ["P-100", "P-200"]
    p100 = Project.objects.get(company=admin.company, number="P-100")
    assert p100.name == "Nybygg Bjørvika kontorbygg"
    assert ProjectLink.objects.get(project=p100).activity_id == tripletex_sandbox.activity_id(
        "Fakturerbart arbeid"
    )
    assert WageTypeLink.objects.get(wage_type__number=wage_type.number).tripletex_id == wage_type.tripletex_id
    tor = Employee.objects.get(company=admin.company, employee_number="1014")
    assert (tor.role, tor.department, tor.email) == (Role.MANAGER, department, "tor.kjaernes@gronnbygg.no")
    assert tor.user is not None
    assert not tor.user.has_usable_password()
    assert EmployeeLink.objects.get(employee=admin).tripletex_id == tripletex_sandbox.employee_id("1001")
    assert [m.to for m in mail.outbox] == [["tor.kjaernes@gronnbygg.no"]]
    assert writes(tripletex_sandbox) == []
    event = AuditEvent.objects.get(company=admin.company)
    assert event.details[ItemKind.PROJECT]["counts"] == [2, 0, 0, 0]
    assert event.details[ItemKind.EMPLOYEE]["created"] == ["1014"]


def test_second_import_creates_nothing_and_reconnect_reuses_links(admin, tripletex_sandbox):
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT, ItemKind.EMPLOYEE)
    select(admin, run, ItemKind.PROJECT, "P-100", "P-400")
    select(admin, run, ItemKind.EMPLOYEE, "1014")
    wizard.wizard_finish(actor=admin, run=run)
    counts = (
        Project.objects.count(),
        Employee.objects.count(),
        User.objects.count(),
        ProjectLink.objects.count(),
    )
    # remove and reconnect to the same Tripletex company
    connection_services.connection_remove(actor=admin)
    connection = Connection.objects.get(company=admin.company)
    assert not connection.is_active and connection.employee_token == ""
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT, ItemKind.EMPLOYEE)
    assert items(run, ItemKind.PROJECT)["P-100"].link_state == LinkState.LINKED
    assert items(run, ItemKind.EMPLOYEE)["1014"].link_state == LinkState.LINKED
    select(admin, run, ItemKind.PROJECT, "P-100", "P-400")
    select(admin, run, ItemKind.EMPLOYEE, "1014")
    result = wizard.wizard_finish(actor=admin, run=run)
    assert result.created == {}
    assert (
        Project.objects.count(),
        Employee.objects.count(),
        User.objects.count(),
        ProjectLink.objects.count(),
    ) == counts
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        AuditAction.CONNECTED,
        AuditAction.REMOVED,
        AuditAction.CONNECTED,
    ]


def test_removal_is_refused_by_the_service_while_a_wizard_is_open(admin, tripletex_sandbox):
    # given an active connection and an update opened on it
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    select(admin, run, ItemKind.PROJECT, "P-100")
    wizard.wizard_finish(actor=admin, run=run)
    wizard.wizard_start(actor=admin)
    # when
    with pytest.raises(ValidationError) as raised:
        connection_services.connection_remove(actor=admin)
    # then the key and the connection stay
    assert raised.value.messages == [str(connection_services.REMOVE_WHILE_WIZARD_OPEN)]
    connection = Connection.objects.get(company=admin.company)
    assert connection.is_active and connection.employee_token != ""
    assert not AuditEvent.objects.filter(action=AuditAction.REMOVED).exists()


def test_update_applies_a_changed_name_and_may_keep_the_key(admin, tripletex_sandbox):
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    select(admin, run, ItemKind.PROJECT, "P-100")
    wizard.wizard_finish(actor=admin, run=run)
    with tripletex_sandbox.app.lock:
        project = tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id("P-100")]
        project.name = "Nybygg Bjørvika (fase 2)"
    update = wizard.wizard_start(actor=admin)
    assert update.is_update
    update = fetched(wizard.wizard_key_check(actor=admin, run=update, key=""), ItemKind.PROJECT)
    assert update.employee_token == ""  # the connection's key is kept
    p100 = items(update, ItemKind.PROJECT)["P-100"]
    assert p100.link_state == LinkState.CHANGED
    select(admin, update, ItemKind.PROJECT, "P-100")
    result = wizard.wizard_finish(actor=admin, run=update)
    assert result.updated[ItemKind.PROJECT] == ["P-100"]
    assert Project.objects.get(company=admin.company, number="P-100").name == "Nybygg Bjørvika (fase 2)"
    assert AuditEvent.objects.latest("id").action == AuditAction.UPDATED


def test_reconnect_to_another_tripletex_company_relinks_by_number(admin, tripletex_sandbox):
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    select(admin, run, ItemKind.PROJECT, "P-100")
    wizard.wizard_finish(actor=admin, run=run)
    connection_services.connection_remove(actor=admin)
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.company.id = 2_000_002
        tripletex_sandbox.app.store.company.name = "Grønn Bygg Nord AS"
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    assert run.tripletex_company_id == 2_000_002
    p100 = items(run, ItemKind.PROJECT)["P-100"]
    assert p100.link_state == LinkState.LINKED  # matched by number, not by the old link
    select(admin, run, ItemKind.PROJECT, "P-100")
    wizard.wizard_finish(actor=admin, run=run)
    link = ProjectLink.objects.get(project__number="P-100")
    assert link.tripletex_company_id == 2_000_002
    assert Project.objects.filter(number="P-100").count() == 1
    assert Connection.objects.get(company=admin.company).tripletex_company_name == "Grønn Bygg Nord AS"


def test_an_item_vanished_in_tripletex_stops_the_finish_with_nothing_applied(admin, tripletex_sandbox):
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    select(admin, run, ItemKind.PROJECT, "P-100", "P-400")
    with tripletex_sandbox.app.lock:
        del tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id("P-400")]
    with pytest.raises(ValidationError) as raised:
        wizard.wizard_finish(actor=admin, run=run)
    assert "P-400 Grøntanlegg Fjøsanger" in raised.value.messages[0]
    assert not Project.objects.exists()
    assert not Connection.objects.filter(is_active=True).exists()
    run.refresh_from_db()
    assert run.status == WizardStatus.OPEN


def test_double_finish_applies_once(admin, tripletex_sandbox):
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    select(admin, run, ItemKind.PROJECT, "P-100")
    stale_copy = WizardRun.objects.get(id=run.id)
    wizard.wizard_finish(actor=admin, run=run)
    with pytest.raises(ValidationError) as raised:
        wizard.wizard_finish(actor=admin, run=stale_copy)
    assert raised.value.messages == [str(wizard.WIZARD_NOT_OPEN)]
    assert Project.objects.filter(number="P-100").count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CONNECTED).count() == 1


def test_link_existing_user_instead_of_failing(admin, tripletex_sandbox):
    existing = EmployeeFactory.create(
        company=admin.company, email="tor.kjaernes@gronnbygg.no", employee_number="77"
    )
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.EMPLOYEE)
    tor = items(run, ItemKind.EMPLOYEE)["1014"]
    select(admin, run, ItemKind.EMPLOYEE, "1014", options={tor.id: {"link_user": True}})
    wizard.wizard_finish(actor=admin, run=run)
    existing.refresh_from_db()
    assert existing.employee_number == "1014"
    assert EmployeeLink.objects.get(employee=existing).tripletex_id == tor.tripletex_id
    assert User.objects.filter(email="tor.kjaernes@gronnbygg.no").count() == 1


def test_builtin_wage_type_is_never_touched(admin):
    assert WageType.objects.filter(company=admin.company, is_builtin=True).count() == 1


def test_keys_rotate_and_a_missing_key_fails_closed(admin, tripletex_sandbox, settings):
    run = checked_run(admin, tripletex_sandbox)
    wizard.wizard_finish(actor=admin, run=run)
    old_keys = list(settings.ENCRYPTION_KEYS)
    new_key = "k2:" + Fernet.generate_key().decode()
    try:
        settings.ENCRYPTION_KEYS = [new_key, *old_keys]
        crypto.keyring_reset()
        out = io.StringIO()
        call_command("rotate_encryption_keys", stdout=out)
        assert "Re-encrypted 1 stored key(s)." in out.getvalue()
        stored = Connection.objects.get(company=admin.company).employee_token
        assert crypto.secret_key_id(stored) == "k2"
        settings.ENCRYPTION_KEYS = [new_key]
        crypto.keyring_reset()
        assert crypto.secret_decrypt(stored) == tripletex_sandbox.employee_token
        settings.ENCRYPTION_KEYS = old_keys
        crypto.keyring_reset()
        with pytest.raises(crypto.SecretUnreadable):
            crypto.secret_decrypt(stored)
    finally:
        settings.ENCRYPTION_KEYS = old_keys
        crypto.keyring_reset()


def test_a_fetch_whose_worker_died_can_start_again(admin, tripletex_sandbox):
    run = checked_run(admin, tripletex_sandbox)
    # a fetch marked running long ago, by a worker that is gone
    WizardRun.objects.filter(id=run.id).update(
        fetch_state={
            ItemKind.PROJECT: {"state": "running", "count": 0, "moved_at": "2026-01-01T00:00:00+00:00"}
        }
    )
    run.refresh_from_db()
    wizard.wizard_fetch_start(actor=admin, run=run, kind=ItemKind.PROJECT)
    run.refresh_from_db()
    assert run.fetch_state[ItemKind.PROJECT]["moved_at"] > "2026-01-01T00:00:00+00:00"
    # and a running fetch that is moving is not started twice unless asked to
    before = run.fetch_state[ItemKind.PROJECT]["moved_at"]
    wizard.wizard_fetch_start(actor=admin, run=run, kind=ItemKind.PROJECT)
    run.refresh_from_db()
    assert run.fetch_state[ItemKind.PROJECT]["moved_at"] == before
    wizard.wizard_fetch_start(actor=admin, run=run, kind=ItemKind.PROJECT, restart=True)
    run.refresh_from_db()
    assert run.fetch_state[ItemKind.PROJECT]["moved_at"] >= before


def test_a_fetch_under_a_rate_limit_frees_its_worker_and_finishes_when_rescheduled(
    admin, tripletex_sandbox, monkeypatch
):
    # given: Tripletex answers the next request with 429, «come back in 7 s»
    run = checked_run(admin, tripletex_sandbox)
    tripletex_sandbox.set_faults(rateLimitStorm={"requests": 1, "resetSeconds": 7})
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    scheduled = []
    monkeypatch.setattr(
        tasks.wizard_fetch_task,
        "apply_async",
        lambda args, countdown: scheduled.append((tuple(args), countdown)),
    )

    # when: a worker runs the fetch
    tasks.wizard_fetch_task(run.id, ItemKind.EMPLOYEE)
    run.refresh_from_db()

    # then: it returned at once without sleeping, asking to run again at the reset, still «Henter …»
    assert scheduled == [((run.id, ItemKind.EMPLOYEE, 1), 7)]
    assert run.fetch_state[ItemKind.EMPLOYEE]["state"] == "running"
    assert slept == []

    # when: the countdown has passed and a worker runs it again
    ((args, _countdown),) = scheduled
    tasks.wizard_fetch_task(*args)
    run.refresh_from_db()

    # then: the step is fetched in full
    tripletex_sandbox.set_faults(rateLimitStorm=None)
    in_tripletex = len(list(tripletex_sandbox.client().employees()))
    assert run.fetch_state[ItemKind.EMPLOYEE]["state"] == "done"
    assert run.fetch_state[ItemKind.EMPLOYEE]["count"] == in_tripletex
    assert WizardItem.objects.filter(run=run, kind=ItemKind.EMPLOYEE).count() == in_tripletex
    assert len(scheduled) == 1
    assert slept == []


def test_a_fetch_rate_limited_every_time_ends_with_the_message(admin, tripletex_sandbox):
    # given: Tripletex throttles every request (tasks run eagerly here, so each reschedule runs at once)
    run = checked_run(admin, tripletex_sandbox)
    tripletex_sandbox.set_faults(rateLimitStorm={"requests": 1000, "resetSeconds": 1})
    sessions_before = tripletex_sandbox.request_count("POST /token/session/:create")

    # when
    tasks.wizard_fetch_task(run.id, ItemKind.PROJECT)
    run.refresh_from_db()

    # then: after its retries the step says why and offers to start again
    state = run.fetch_state[ItemKind.PROJECT]
    assert state["state"] == "failed"
    assert state["error"] == str(wizard.TRIPLETEX_THROTTLED)
    sessions = tripletex_sandbox.request_count("POST /token/session/:create") - sessions_before
    assert sessions == wizard.FETCH_RATE_LIMIT_RETRIES + 1


# --- links that mean what they say ------------------------------------------------------------


def demo_admin() -> Employee:
    call_command("seed_demo", stdout=io.StringIO())
    return Employee.objects.get(email="admin@gronnbygg.no")


def test_matches_are_proposed_ticked_and_only_existing_links_count_as_linked(tripletex_sandbox):
    # given: the demo company, never connected
    admin = demo_admin()
    # when
    run = fetched(
        checked_run(admin, tripletex_sandbox), ItemKind.PROJECT, ItemKind.WAGE_TYPE, ItemKind.EMPLOYEE
    )
    # then: matches by employee number, project number and lønnsart name are ticked, none linked yet
    employees = items(run, ItemKind.EMPLOYEE)
    assert {n for n, i in employees.items() if i.plan == "link"} == {str(n) for n in range(1001, 1014)}
    # the deliberate differences of the demo data (hr/management/commands/seed_demo.py)
    assert employees["1016"].plan == "ineligible"
    assert employees["1008"].changes == {"first_name": ["Marte", "Marthe"]}
    projects = items(run, ItemKind.PROJECT)
    assert projects["P-300"].changes["name"] == ["Fasade rådhus Tromsø", "Fasade Tromsø rådhus"]
    assert projects["P-500"].plan == "ineligible" and projects["P-500"].local_id is not None
    assert {n for n, i in projects.items() if i.plan == "link"} == {"P-100", "P-200", "P-300", "P-600"}
    assert not WizardItem.objects.filter(run=run, linked_now=True).exists()
    assert employees["1014"].plan == "new" and not employees["1014"].selected
    wage_types = items(run, ItemKind.WAGE_TYPE)
    assert (wage_types["2010"].plan, wage_types["2020"].plan) == ("link", "link")
    assert wage_types["2010"].local_id == WageType.objects.get(company=admin.company, name="Overtid 50 %").id
    assert wage_types["2010"].data.get("matched_by") is None  # by number: the demo data agree


def test_only_next_and_finish_links_every_matching_employee_project_and_wage_type(tripletex_sandbox):
    # given: the demo company; the administrator opens every step and ticks nothing
    admin = demo_admin()
    run = fetched(
        checked_run(admin, tripletex_sandbox), ItemKind.PROJECT, ItemKind.WAGE_TYPE, ItemKind.EMPLOYEE
    )
    # when
    result = wizard.wizard_finish(actor=admin, run=run)
    # then: every HR employee, open project and lønnsart with a match in Tripletex is linked
    company = admin.company
    linked_employees = set(
        EmployeeLink.objects.filter(company=company).values_list("employee__employee_number", flat=True)
    )
    assert linked_employees == {str(n) for n in range(1001, 1014)}
    matching_projects = set(
        WizardItem.objects.filter(
            run=run, kind=ItemKind.PROJECT, eligible=True, local_id__isnull=False
        ).values_list("number", flat=True)
    )
    assert matching_projects
    assert set(ProjectLink.objects.filter(company=company).values_list("project__number", flat=True)) == (
        matching_projects
    )
    assert set(WageTypeLink.objects.filter(company=company).values_list("wage_type__name", flat=True)) == {
        "Overtid 50 %",
        "Overtid 100 %",
    }
    # nothing new was imported, and no second «Overtid 50 %» exists
    assert result.created == {}
    assert WageType.objects.filter(company=company, name="Overtid 50 %").count() == 1
    # and the next run shows them as «Koblet»
    update = fetched(
        wizard.wizard_key_check(actor=admin, run=wizard.wizard_start(actor=admin), key=""), ItemKind.EMPLOYEE
    )
    assert items(update, ItemKind.EMPLOYEE)["1003"].plan == "keep"


def test_unticking_a_linked_item_unlinks_it_at_finish(admin, tripletex_sandbox):
    # given: P-100 imported and linked
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    select(admin, run, ItemKind.PROJECT, "P-100")
    wizard.wizard_finish(actor=admin, run=run)
    update = fetched(
        wizard.wizard_key_check(actor=admin, run=wizard.wizard_start(actor=admin), key=""), ItemKind.PROJECT
    )
    p100 = items(update, ItemKind.PROJECT)["P-100"]
    assert (p100.plan, p100.selected) == ("keep", True)
    # when: unticked («Kobles fra») and finished
    wizard.wizard_selection_save(
        actor=admin, run=update, kind=ItemKind.PROJECT, shown_ids=[p100.id], selected_ids=[], options={}
    )
    p100.refresh_from_db()
    assert p100.plan == "unlink"
    result = wizard.wizard_finish(actor=admin, run=update)
    # then: the link is gone, the project stays
    assert result.unlinked == {ItemKind.PROJECT: ["P-100"]}
    assert not ProjectLink.objects.filter(company=admin.company).exists()
    assert Project.objects.filter(company=admin.company, number="P-100").exists()


# --- warn before Tripletex refuses ------------------------------------------------------------


def test_values_longer_than_ours_cannot_be_imported_and_say_why_and_finish_still_works(
    admin, tripletex_sandbox
):
    # given: project numbers of 31 and 120 characters in Tripletex (ours hold 30)
    with tripletex_sandbox.app.lock:
        for number in ("P-" + "1" * 29, "P-" + "2" * 118):
            demo.add_project(
                tripletex_sandbox.app.store,
                name="Langt nummer",
                number=number,
                start_date=datetime.date(2026, 1, 1),
            )
    run = checked_run(admin, tripletex_sandbox)
    # when
    run = fetched(run, ItemKind.PROJECT)
    # then: the fetch ends, and both are «Kan ikke hentes» with the reason
    assert run.fetch_state[ItemKind.PROJECT]["state"] == "done"
    long_ones = WizardItem.objects.filter(run=run, kind=ItemKind.PROJECT, name="Langt nummer").order_by(
        "number"
    )
    assert [(i.eligible, i.reason) for i in long_ones] == [
        (False, str(wizard.REASON_TOO_LONG % {"field": "Nummeret", "length": 31, "limit": 30})),
        (False, str(wizard.REASON_TOO_LONG % {"field": "Nummeret", "length": 120, "limit": 30})),
    ]
    # and «Velg alle» then «Ferdigstill» imports the rest without them
    wizard.wizard_select_all(actor=admin, run=run, kind=ItemKind.PROJECT, select=True)
    wizard.wizard_finish(actor=admin, run=run)
    assert not Project.objects.filter(company=admin.company, name="Langt nummer").exists()
    assert Project.objects.filter(company=admin.company, number="P-100").exists()


def test_a_fetch_that_breaks_ends_with_a_message_not_a_spinner(admin, tripletex_sandbox, monkeypatch):
    run = checked_run(admin, tripletex_sandbox)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(wizard, "_match_and_store", broken)
    run = fetched(run, ItemKind.EMPLOYEE)
    assert run.fetch_state[ItemKind.EMPLOYEE]["state"] == "failed"
    assert run.fetch_state[ItemKind.EMPLOYEE]["error"] == str(wizard.FETCH_FAILED)


def test_a_tripletex_salary_type_can_be_linked_to_a_chosen_lonnsart_or_imported_as_new(
    admin, tripletex_sandbox
):
    # given: «Helg» here matches nothing in Tripletex by number or name
    helg = WageType.objects.create(company=admin.company, number="77", name="Helg")
    foreign = WageType.objects.create(company=CompanyFactory.create(), number="78", name="Fremmed")
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.WAGE_TYPE)
    wage_types = items(run, ItemKind.WAGE_TYPE)
    holiday, overtime = wage_types["2030"], wage_types["2010"]
    assert (holiday.plan, overtime.plan) == ("new", "new")
    # when: 2030 is linked to «Helg», 2010 imported as new, and another company's lønnsart is sent for 2020
    wizard.wizard_selection_save(
        actor=admin,
        run=run,
        kind=ItemKind.WAGE_TYPE,
        shown_ids=[holiday.id, overtime.id, wage_types["2020"].id],
        selected_ids=[holiday.id, overtime.id],
        options={
            holiday.id: {"wage_type_id": str(helg.id)},
            overtime.id: {"wage_type_id": "new"},
            wage_types["2020"].id: {"wage_type_id": str(foreign.id)},
        },
    )
    holiday.refresh_from_db()
    assert (holiday.plan, holiday.local_id) == ("link", helg.id)
    assert items(run, ItemKind.WAGE_TYPE)["2020"].local_id is None
    result = wizard.wizard_finish(actor=admin, run=run)
    # then
    assert WageTypeLink.objects.get(wage_type=helg).tripletex_id == holiday.tripletex_id
    assert result.created[ItemKind.WAGE_TYPE] == ["2010"]
    assert WageTypeLink.objects.get(wage_type__number="2010").tripletex_id == overtime.tripletex_id
    assert not WageTypeLink.objects.filter(wage_type=foreign).exists()


# --- departments, employments, participants ----------------------------------------------------


def test_new_employees_are_proposed_the_department_with_their_tripletex_departments_name(
    admin, tripletex_sandbox
):
    # given departments here whose names differ from Tripletex's only in case and spaces
    bygg = DepartmentFactory.create(company=admin.company, name=" bygg ")
    anlegg = DepartmentFactory.create(company=admin.company, name="ANLEGG")
    DepartmentFactory.create(name="Administrasjon")  # another company's: never proposed
    # when
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.EMPLOYEE)
    # then
    employees = items(run, ItemKind.EMPLOYEE)
    shown = {
        n: (employees[n].data["department_name"], employees[n].options["department_id"])
        for n in ("1003", "1014", "1015")
    }
    assert shown == {
        "1003": ("Bygg", bygg.id),
        "1014": ("Anlegg", anlegg.id),
        "1015": ("Administrasjon", None),
    }
    assert tripletex_sandbox.request_count("GET /department") == 0  # the names came with the employees


def test_a_department_chosen_to_be_created_is_created_once_at_finish(admin, tripletex_sandbox):
    # given three new employees: two share «Bygg», which does not exist here; one goes elsewhere
    elsewhere = DepartmentFactory.create(company=admin.company, name="Kontor")
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.EMPLOYEE)
    employees = items(run, ItemKind.EMPLOYEE)
    e1003, e1004, e1015 = employees["1003"], employees["1004"], employees["1015"]
    select(
        admin,
        run,
        ItemKind.EMPLOYEE,
        "1003",
        "1004",
        "1015",
        options={
            e1003.id: {"department_id": wizard.NEW_DEPARTMENT},
            e1004.id: {"department_id": wizard.NEW_DEPARTMENT},
            e1015.id: {"department_id": str(elsewhere.id)},
        },
    )
    summary = {line.kind: line for line in selectors.wizard_summary(run=run)}
    assert summary[ItemKind.EMPLOYEE].new_departments == ["Bygg"]
    # when
    result = wizard.wizard_finish(actor=admin, run=run)
    # then
    bygg = Department.objects.get(company=admin.company, name="Bygg")
    departments = dict(
        Employee.objects.filter(
            company=admin.company, employee_number__in=["1003", "1004", "1015"]
        ).values_list("employee_number", "department_id")
    )
    assert departments == {"1003": bygg.id, "1004": bygg.id, "1015": elsewhere.id}
    assert Department.objects.filter(company=admin.company, name__iexact="bygg").count() == 1
    assert result.departments_created == ["Bygg"]


def test_a_department_made_here_since_is_used_instead_of_a_second_one(admin, tripletex_sandbox):
    # given «Opprett avdelingen «Administrasjon»» chosen, then someone makes it by hand
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.EMPLOYEE)
    e1015 = items(run, ItemKind.EMPLOYEE)["1015"]
    select(
        admin, run, ItemKind.EMPLOYEE, "1015", options={e1015.id: {"department_id": wizard.NEW_DEPARTMENT}}
    )
    by_hand = DepartmentFactory.create(company=admin.company, name="administrasjon")
    # when
    wizard.wizard_finish(actor=admin, run=run)
    # then
    assert Employee.objects.get(company=admin.company, employee_number="1015").department == by_hand
    assert Department.objects.filter(company=admin.company, name__iexact="administrasjon").count() == 1


def test_creating_a_department_is_offered_only_for_a_tripletex_department(admin, tripletex_sandbox):
    # given Tripletex gives 1014 no department
    before = Department.objects.count()
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.employees[tripletex_sandbox.employee_id("1014")].department_id = None
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.EMPLOYEE)
    e1014 = items(run, ItemKind.EMPLOYEE)["1014"]
    # when «new» is forged for it
    select(
        admin, run, ItemKind.EMPLOYEE, "1014", options={e1014.id: {"department_id": wizard.NEW_DEPARTMENT}}
    )
    wizard.wizard_finish(actor=admin, run=run)
    # then nothing is created and the employee has no department
    e1014.refresh_from_db()
    assert e1014.options == {"role": Role.EMPLOYEE, "department_id": None}
    assert Department.objects.count() == before
    assert Employee.objects.get(company=admin.company, employee_number="1014").department is None


def test_an_employee_without_employment_in_tripletex_is_marked(admin, tripletex_sandbox):
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.EMPLOYEE)
    employees = items(run, ItemKind.EMPLOYEE)
    without = sorted(n for n, i in employees.items() if i.eligible and not i.data["has_employment"])
    assert without == [demo.WITHOUT_EMPLOYMENT]
    assert employees[demo.WITHOUT_EMPLOYMENT].eligible  # a warning, not a refusal: hours are accepted


def test_participants_only_projects_keep_their_participants_with_the_link(admin, tripletex_sandbox):
    # given
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT, ItemKind.EMPLOYEE)
    p600 = items(run, ItemKind.PROJECT)["P-600"]
    assert [p["name"] for p in p600.data["participants"]] == ["Åse Bråten", "Øystein Lærum"]
    assert items(run, ItemKind.PROJECT)["P-100"].data["participants"] == []
    select(admin, run, ItemKind.PROJECT, "P-100", "P-600")
    select(admin, run, ItemKind.EMPLOYEE, "1001", "1003", "1014")
    # then the step names who is linked or imported but not a participant
    assert selectors.non_participants(run=run, items=[p600]) == {p600.id: ["Kåre Sæther", "Tor Kjærnes"]}
    # when
    wizard.wizard_finish(actor=admin, run=run)
    # then
    owner, leader = tripletex_sandbox.employee_id("1001"), tripletex_sandbox.employee_id("1002")
    link = ProjectLink.objects.get(project__number="P-600")
    assert (link.participants_only, link.participant_ids) == (True, sorted([owner, leader]))
    assert ProjectLink.objects.get(project__number="P-100").participants_only is False


def test_update_tripletex_refreshes_the_participants(admin, tripletex_sandbox):
    # given P-600 linked, then 1003 becomes a participant in Tripletex
    run = fetched(checked_run(admin, tripletex_sandbox), ItemKind.PROJECT)
    select(admin, run, ItemKind.PROJECT, "P-600")
    wizard.wizard_finish(actor=admin, run=run)
    added = tripletex_sandbox.employee_id("1003")
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id("P-600")].participant_ids.add(added)
    # when «Oppdater Tripletex» with only «Neste» and «Ferdigstill»
    update = wizard.wizard_key_check(actor=admin, run=wizard.wizard_start(actor=admin), key="")
    wizard.wizard_finish(actor=admin, run=fetched(update, ItemKind.PROJECT))
    # then
    assert added in ProjectLink.objects.get(project__number="P-600").participant_ids


def test_a_stored_reason_is_shown_in_the_readers_language():
    # given: reasons stored in Norwegian by the fetch, one with a field name among its values
    with translation.override("nb"):
        closed = str(wizard.REASON_PROJECT_CLOSED)
        too_long = str(
            wizard.REASON_TOO_LONG % {"field": wizard.FIELD_NAMES["name"], "length": 300, "limit": 200}
        )
        duplicate = str(wizard.REASON_DUPLICATE_EMAIL % {"email": "ola@example.no"})

    # when
    with translation.override("en"):
        shown = [wizard.reason_shown(reason) for reason in (closed, too_long, duplicate, "Eldre tekst")]

    # then
    with translation.override("en"):
        assert shown == [
            str(wizard.REASON_PROJECT_CLOSED),
            str(wizard.REASON_TOO_LONG % {"field": wizard.FIELD_NAMES["name"], "length": 300, "limit": 200}),
            str(wizard.REASON_DUPLICATE_EMAIL % {"email": "ola@example.no"}),
            "Eldre tekst",
        ]
    assert shown[0] != closed and shown[1] != too_long and not shown[2].startswith("E-postadressen")
