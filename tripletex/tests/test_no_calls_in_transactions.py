"""The guard of tripletex/tests/conftest.py: no request to Tripletex leaves while the code under test
holds a database transaction (docs/transfer.md#no-calls-in-transactions)."""

from __future__ import annotations

import pytest
from django.db import transaction

from tripletex.tests.conftest import MSG_CALL_IN_TRANSACTION, CallInTransaction

pytestmark = pytest.mark.django_db


def test_a_call_inside_a_transaction_raises_and_fails_the_test(
    tripletex_sandbox, no_tripletex_call_in_a_transaction
):
    # given
    client = tripletex_sandbox.client()
    requests_before = client.request_count
    # when
    with transaction.atomic(), pytest.raises(CallInTransaction) as raised:
        client.whoami()
    # then: nothing was sent, and the violation is recorded for the teardown check
    assert str(raised.value) == MSG_CALL_IN_TRANSACTION.format(method="POST", path="/token/session/:create")
    assert client.request_count == requests_before
    assert no_tripletex_call_in_a_transaction == [str(raised.value)]
    no_tripletex_call_in_a_transaction.clear()


def test_a_call_outside_any_transaction_of_the_test_goes_through(
    tripletex_sandbox, no_tripletex_call_in_a_transaction
):
    # when: pytest-django's own atomic blocks around the test are open, but no other
    who = tripletex_sandbox.client().whoami()
    # then
    assert who.company_id > 0
    assert no_tripletex_call_in_a_transaction == []
