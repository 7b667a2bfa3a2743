"""Who hears that approved hours did not reach Tripletex: the administrators, and the managers who
approved them, each once per failure episode (until a transfer succeeds again), over the sandbox."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from hr.tests.factories import DepartmentFactory, manager_of
from tripletex import crypto
from tripletex.models import Connection, RemoteHours, TransferState
from tripletex.tests import transfer_helpers
from tripletex.tests.transfer_helpers import DAY, approve, sent_in
from tripletex.transfer import texts

pytestmark = pytest.mark.django_db
connected = transfer_helpers.connected
point_at_sandbox = transfer_helpers.point_at_sandbox

ADMIN_SUBJECT = "Timer når ikke fram til Tripletex"
APPROVER_SUBJECT = "Timer du godkjente, når ikke fram til Tripletex"


def _close_in_tripletex(tripletex_sandbox, number: str = "P-100") -> None:
    """Tripletex refuses hours on a closed project: the transfer fails for good (not retried)."""
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id(number)].is_closed = True


def _mails(subject: str) -> list[list[str]]:
    return [m.to for m in mail.outbox if m.subject == subject]


@pytest.fixture
def department(connected):
    _admin, worker, _project = connected
    department = DepartmentFactory.create(company=worker.company, name="Bygg")
    worker.department = department
    worker.save()
    return department


def test_the_managers_who_approved_failed_hours_hear_of_it_once_per_episode(
    connected, department, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: two managers of the department, and a project Tripletex refuses hours on
    admin, worker, project = connected
    first = manager_of(department, email="leder@gronnbygg.no")
    second = manager_of(department, email="leder2@gronnbygg.no")
    _close_in_tripletex(tripletex_sandbox)

    # when: the first manager approves two days, one after the other; both fail
    approve(first, [sent_in(worker, project, "7.5", DAY)], django_capture_on_commit_callbacks)
    approve(
        first,
        [sent_in(worker, project, "4", DAY + datetime.timedelta(days=1))],
        django_capture_on_commit_callbacks,
    )

    # then: the administrator once, the approving manager once, the other manager not at all
    assert {r.state for r in RemoteHours.objects.all()} == {TransferState.FAILED}
    assert _mails(ADMIN_SUBJECT) == [[admin.email]]
    assert _mails(APPROVER_SUBJECT) == [[first.email]]
    body = next(m.body for m in mail.outbox if m.subject == APPROVER_SUBJECT)
    assert worker.full_name in body and "24.11.2026" in body and "Tripletex avviste timene:" in body
    assert "/godkjenning/" in body

    # when: the other manager approves a third day in the same episode, which fails too
    approve(
        second,
        [sent_in(worker, project, "2", DAY + datetime.timedelta(days=2))],
        django_capture_on_commit_callbacks,
    )

    # then: they hear of their own hours, and nobody else is told again
    assert _mails(ADMIN_SUBJECT) == [[admin.email]]
    assert _mails(APPROVER_SUBJECT) == [[first.email], [second.email]]


def test_a_new_episode_after_a_success_tells_them_again(
    connected, department, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a failure told to the manager, then a transfer that succeeds
    admin, worker, project = connected
    manager = manager_of(department, email="leder@gronnbygg.no")
    _close_in_tripletex(tripletex_sandbox)
    approve(manager, [sent_in(worker, project, "7.5", DAY)], django_capture_on_commit_callbacks)
    with tripletex_sandbox.app.lock:
        tripletex_sandbox.app.store.projects[tripletex_sandbox.project_id("P-100")].is_closed = False
    approve(
        manager,
        [sent_in(worker, project, "3", DAY + datetime.timedelta(days=1))],
        django_capture_on_commit_callbacks,
    )
    assert Connection.objects.get(company=admin.company).failure_notified_at is None

    # when: it fails again
    _close_in_tripletex(tripletex_sandbox)
    approve(
        manager,
        [sent_in(worker, project, "2", DAY + datetime.timedelta(days=2))],
        django_capture_on_commit_callbacks,
    )

    # then: a second episode, told once more to each
    assert _mails(ADMIN_SUBJECT) == [[admin.email], [admin.email]]
    assert _mails(APPROVER_SUBJECT) == [[manager.email], [manager.email]]


def test_an_administrator_who_approved_gets_only_the_administrators_mail(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given
    admin, worker, project = connected
    _close_in_tripletex(tripletex_sandbox)

    # when
    approve(admin, [sent_in(worker, project)], django_capture_on_commit_callbacks)

    # then: one e-mail, not two
    assert _mails(ADMIN_SUBJECT) == [[admin.email]]
    assert _mails(APPROVER_SUBJECT) == []


def test_a_paused_key_tells_the_administrators_not_the_approvers(
    connected, department, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a key Tripletex no longer accepts; the hours wait rather than fail
    admin, worker, project = connected
    manager = manager_of(department, email="leder@gronnbygg.no")
    Connection.objects.filter(company=admin.company).update(
        employee_token=crypto.secret_encrypt("ikke-en-nokkel")
    )

    # when
    approve(manager, [sent_in(worker, project)], django_capture_on_commit_callbacks)

    # then
    assert RemoteHours.objects.get().state == TransferState.PENDING
    assert _mails(ADMIN_SUBJECT) == [[admin.email]]
    assert _mails(APPROVER_SUBJECT) == []
    assert str(texts.STATUS_KEY_INVALID) == RemoteHours.objects.get().message
