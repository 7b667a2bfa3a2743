"""Two administrators finishing the same wizard at the same moment: one import, never two.

Needs real concurrent transactions, so it runs on PostgreSQL (CI runs the suite there too); SQLite
serialises writers on its own and cannot show the race.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from hr.models import Project
from hr.tests.factories import CompanyFactory, administrator_of
from tripletex.models import AuditAction, AuditEvent, ItemKind, ProjectLink, WizardItem
from tripletex.services import wizard

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL for concurrent transactions"
    ),
]


def test_two_administrators_finish_at_once(settings, tripletex_sandbox):
    # given: one open wizard with a project ticked, and two administrators
    settings.TRIPLETEX_BASE_URL = tripletex_sandbox.base_url
    settings.TRIPLETEX_CONSUMER_TOKEN = tripletex_sandbox.consumer_token
    company = CompanyFactory.create()
    first, second = administrator_of(company), administrator_of(company)
    run = wizard.wizard_start(actor=first)
    run = wizard.wizard_key_check(actor=first, run=run, key=tripletex_sandbox.employee_token)
    wizard.wizard_fetch(run_id=run.id, kind=ItemKind.PROJECT)
    item = WizardItem.objects.get(run=run, number="P-100")
    wizard.wizard_selection_save(
        actor=first, run=run, kind=ItemKind.PROJECT, shown_ids=[item.id], selected_ids=[item.id], options={}
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def finish(actor) -> None:
        try:
            barrier.wait(timeout=10)
            wizard.wizard_finish(actor=actor, run=wizard.wizard_open(company_id=company.id) or run)
            outcomes.append("finished")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=finish, args=(actor,)) for actor in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: exactly one finished; the other was told the wizard is no longer open
    assert sorted(outcomes) == sorted(["finished", str(wizard.WIZARD_NOT_OPEN)])
    assert Project.objects.filter(company=company, number="P-100").count() == 1
    assert ProjectLink.objects.filter(company=company).count() == 1
    assert AuditEvent.objects.filter(company=company, action=AuditAction.CONNECTED).count() == 1
