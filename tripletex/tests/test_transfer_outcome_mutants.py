"""Tests that pin what one delivery attempt comes to (tripletex/transfer/outcomes.py): the whole
outcome of every Tripletex error, Tripletex's request id (the x-tlx-request-id header) reaching the
row, its attempt log and the transfers page, and a row whose link is gone; and the comment at
Tripletex's length limit (tripletex/transfer/comments.py). They kill mutants the other transfer
tests let survive, and complement the tables in docs/mutation.md."""

from __future__ import annotations

import datetime
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from werkzeug.serving import make_server

from hr import services as hr_services
from tripletex import client as tx
from tripletex import crypto
from tripletex.models import (
    Connection,
    EmployeeLink,
    PauseReason,
    RemoteHours,
    TransferAttempt,
    TransferState,
)
from tripletex.sandbox import messages as sandbox_messages
from tripletex.sandbox.server import QuietRequestHandler
from tripletex.sandbox.testing import SandboxHandle
from tripletex.tests import transfer_helpers
from tripletex.tests.transfer_helpers import (
    DAY,
    approve,
    deliver_due,
    deliver_row,
    hours_due,
    ledger_check,
    register,
    remote_entries,
    sent_in,
    total_requests,
)
from tripletex.transfer import comments, texts
from tripletex.transfer.outcomes import Outcome, outcome_of, request_id_of

pytestmark = pytest.mark.django_db

connected = transfer_helpers.connected
point_at_sandbox = transfer_helpers.point_at_sandbox

REQUEST_ID_HEADER = "x-tlx-request-id"
TRANSFERS_PAGE = "/innstillinger/tripletex/overforinger/"


def request_ids(
    sandbox: SandboxHandle, method: str | None = None, path: str | None = None, *, status: int | None = None
) -> list[str]:
    """The request ids the sandbox sent with its answers to `method path` (path without /v2), or with
    `status`, in order."""
    found = []
    for exchange in sandbox.exchanges:
        if (
            method in (None, exchange.method)
            and path in (None, exchange.path.removeprefix("/v2"))
            and status in (None, exchange.status)
        ):
            headers = {key.lower(): value for key, value in exchange.response_headers.items()}
            found.append(headers[REQUEST_ID_HEADER])
    return found


def result_request_ids(row: RemoteHours) -> list[str]:
    """The request ids the row's recorded results carry, oldest first."""
    results = TransferAttempt.objects.filter(remote=row, action="result").order_by("id")
    return list(results.values_list("request_id", flat=True))


# --- outcome_of: the whole outcome of every Tripletex error -------------------------------------

UNCLEAR = str(texts.STATUS_UNCLEAR)
FIRST, SECOND = "Timene må være mellom 0 og 24.", "Prosjektet er avsluttet."
ErrorOf = Callable[[str | None], tx.TripletexError]
OutcomeOf = Callable[[str], Outcome]


def _unclear(request_id: str) -> Outcome:
    return Outcome(TransferState.PENDING, UNCLEAR, needs_lookup=True, retry=True, request_id=request_id)


def _refused(message: str) -> OutcomeOf:
    return lambda rid: Outcome(
        TransferState.FAILED, str(texts.STATUS_REFUSED % {"message": message}), request_id=rid
    )


def _key_invalid(request_id: str) -> Outcome:
    return Outcome(
        TransferState.PENDING,
        str(texts.STATUS_KEY_INVALID),
        retry=True,
        pause_reason=PauseReason.KEY,
        request_id=request_id,
    )


def _throttled(seconds: int | None) -> OutcomeOf:
    return lambda rid: Outcome(
        TransferState.PENDING,
        str(texts.STATUS_THROTTLED),
        retry=True,
        pause_seconds=seconds,
        pause_reason=PauseReason.RATE,
        request_id=rid,
    )


def _validation(*messages: tuple[str | None, str]) -> ErrorOf:
    items = tuple(tx.ValidationMessage(field, text) for field, text in messages)
    return lambda rid: tx.ValidationError(
        "Validering feilet.", status=422, validation_messages=items, request_id=rid
    )


# Each row: the error (given Tripletex's request id, or None when the answer had none) and the
# outcome it comes to (given the request id as stored: "" for none).
OUTCOMES: dict[str, tuple[ErrorOf, OutcomeOf]] = {
    # Someone stored an entry on the key: a look-up comes first, and it records its own request id.
    "duplicate entry": (
        lambda rid: tx.DuplicateEntry("Finnes fra før.", status=409, code=14000, request_id=rid),
        lambda rid: _unclear(""),
    ),
    "maybe sent": (lambda rid: tx.MaybeSent("Lest tidsavbrudd.", request_id=rid), _unclear),
    "server error": (lambda rid: tx.ServerError("Feil.", status=503, request_id=rid), _unclear),
    "invalid response": (lambda rid: tx.InvalidResponse("Ikke JSON.", status=200, request_id=rid), _unclear),
    # Nothing left: resend after the backoff, no look-up; a request that never left has no id.
    "not sent": (
        lambda rid: tx.NotSent("Tilkobling nektet."),
        lambda rid: Outcome(TransferState.PENDING, str(texts.STATUS_UNREACHABLE), retry=True),
    ),
    "rate limited with reset": (
        lambda rid: tx.RateLimited("For mange.", reset_seconds=42, status=429, request_id=rid),
        _throttled(42),
    ),
    "rate limited without reset": (
        lambda rid: tx.RateLimited("For mange.", reset_seconds=None, status=429, request_id=rid),
        _throttled(None),
    ),
    "session refused": (
        lambda rid: tx.AuthenticationError("Ugyldig.", status=401, request_id=rid),
        _key_invalid,
    ),
    "key refused": (
        lambda rid: tx.InvalidCredentials("Ugyldig nøkkel.", status=401, request_id=rid),
        _key_invalid,
    ),
    "locked": (
        lambda rid: tx.Locked("Låst.", status=409, code=10000, request_id=rid),
        lambda rid: Outcome(TransferState.FAILED, str(texts.STATUS_LOCKED), request_id=rid),
    ),
    "revision conflict": (
        lambda rid: tx.RevisionConflict("Utdatert versjon.", status=409, code=8000, request_id=rid),
        _refused("Utdatert versjon."),
    ),
    "other conflict": (
        lambda rid: tx.Conflict("Konflikt.", status=409, request_id=rid),
        _refused("Konflikt."),
    ),
    "bad request": (
        lambda rid: tx.BadRequest("Ugyldig filter.", status=400, request_id=rid),
        _refused("Ugyldig filter."),
    ),
    "permission denied": (
        lambda rid: tx.PermissionDenied("Ingen tilgang.", status=403, request_id=rid),
        _refused("Ingen tilgang."),
    ),
    "not found": (
        lambda rid: tx.NotFound("Finnes ikke.", status=404, request_id=rid),
        _refused("Finnes ikke."),
    ),
    # Tripletex's validation messages, joined in order, empty ones left out; without any, its message.
    "validation, two messages": (
        _validation(("hours", FIRST), ("project.id", ""), (None, SECOND)),
        _refused(f"{FIRST}; {SECOND}"),
    ),
    "validation, one message": (_validation(("hours", FIRST)), _refused(FIRST)),
    "validation, empty messages": (_validation(("hours", "")), _refused("Validering feilet.")),
}


@pytest.mark.parametrize("request_id", ["5f1c-req", None], ids=["with request id", "without request id"])
@pytest.mark.parametrize("case", list(OUTCOMES), ids=list(OUTCOMES))
def test_every_tripletex_error_comes_to_its_whole_outcome(case, request_id):
    # given: the error a call to Tripletex raised
    error_of, outcome_for = OUTCOMES[case]
    error = error_of(request_id)
    # when
    outcome = outcome_of(error)
    # then: state, message, retry, look-up, pause and request id, all of them
    assert outcome == outcome_for(request_id or "")


@pytest.mark.parametrize(
    "error",
    [tx.TripletexError("Ukjent."), tx.TransportError("Verken sendt eller ikke.")],
    ids=["base error", "transport error"],
)
def test_a_tripletex_error_with_no_known_outcome_is_raised_again(error):
    # when / then: not turned into an outcome; the worker dies with it (docs/transfer.md#outcomes)
    with pytest.raises(type(error)) as raised:
        outcome_of(error)
    assert raised.value is error


def test_a_client_that_has_had_no_answer_has_no_request_id(tripletex_sandbox):
    # given: a client that has not called Tripletex yet
    client = tripletex_sandbox.client()
    assert client.last_response_info is None
    # when / then: no request id, not a made-up one
    assert request_id_of(client) == ""


# --- request ids through the delivery ---------------------------------------------------------


def test_a_sent_entry_records_the_request_id_of_tripletexs_answer(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: approved hours
    admin, worker, project = connected
    entry = sent_in(worker, project)
    # when they are delivered
    approve(admin, [entry], django_capture_on_commit_callbacks)
    # then: the row and its recorded result carry the request id Tripletex sent with the created entry
    [created] = request_ids(tripletex_sandbox, "POST", "/timesheet/entry")
    row = RemoteHours.objects.get()
    assert (row.state, row.request_id) == (TransferState.SENT, created)
    assert result_request_ids(row) == [created]
    ledger_check(tripletex_sandbox)


def test_reopened_hours_are_deleted_and_the_row_forgets_the_entry_with_the_deletes_request_id(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: hours sent to Tripletex
    admin, worker, project = connected
    entry = sent_in(worker, project, "6")
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert (row.state, row.sent_hours) == (TransferState.SENT, Decimal("6"))
    # when they are reopened, and the delivery deletes the entry in Tripletex
    with django_capture_on_commit_callbacks(execute=True):
        hr_services.entries_reopen(actor=admin, entry_ids=[entry.id])
    # then: Tripletex holds nothing, and the row no longer points at the deleted entry
    assert remote_entries(tripletex_sandbox) == []
    [deleted] = request_ids(tripletex_sandbox, "DELETE", f"/timesheet/entry/{row.remote_id}")
    row.refresh_from_db()
    assert (row.state, row.remote_id, row.remote_version, row.sent_hours, row.request_id) == (
        TransferState.SENT,
        None,
        None,
        Decimal("0"),
        deleted,
    )
    ledger_check(tripletex_sandbox)


def test_an_unclear_answer_records_its_request_id_and_a_lost_answer_keeps_the_last_one(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: the first POST gets a 503, the second is cut off before any answer
    admin, worker, project = connected
    tripletex_sandbox.set_faults(
        rules=[{"endpoint": "POST /timesheet/entry", "action": "error", "status": 503, "times": 1}]
    )
    entry = sent_in(worker, project)
    # when the first attempt runs
    approve(admin, [entry], django_capture_on_commit_callbacks)
    # then: unclear, with the request id of Tripletex's 503
    [failed] = request_ids(tripletex_sandbox, "POST", "/timesheet/entry")
    row = RemoteHours.objects.get()
    assert (row.state, row.needs_lookup, row.message, row.request_id) == (
        TransferState.PENDING,
        True,
        UNCLEAR,
        failed,
    )
    assert result_request_ids(row) == [failed]
    # when the next attempt's answer is lost (the look-up finds nothing, the POST is dropped)
    tripletex_sandbox.set_faults(rules=[{"endpoint": "POST /timesheet/entry", "action": "drop", "times": 1}])
    assert deliver_due(row.id) == TransferState.PENDING
    # then: that attempt has no request id, and the row keeps the last one Tripletex gave
    row.refresh_from_db()
    assert (row.needs_lookup, row.message, row.request_id) == (True, UNCLEAR, failed)
    assert result_request_ids(row) == [failed, ""]
    # and the next attempt sends it
    assert deliver_due(row.id) == TransferState.SENT
    ledger_check(tripletex_sandbox)


def test_a_conflict_with_hand_typed_hours_says_so_with_the_look_ups_request_id(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: hours typed by hand in Tripletex on our key, and our POST refused as a duplicate
    admin, worker, project = connected
    typed = tripletex_sandbox.client().timesheet_entry_create(
        entry=tx.NewTimesheetEntry(
            employee_id=tripletex_sandbox.employee_id("1003"),
            activity_id=project.tripletex_link.activity_id,
            project_id=tripletex_sandbox.project_id("P-100"),
            date=DAY,
            hours=Decimal("2"),
            comment="ført rett i Tripletex",
        )
    )
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks)
    row = RemoteHours.objects.get()
    assert (row.state, row.needs_lookup) == (TransferState.PENDING, True)
    # when the next attempt looks the key up and finds the hand-typed entry
    assert deliver_due(row.id) == TransferState.CONFLICT
    # then: the row says why, with the request id of the look-up that found it
    looked_up = request_ids(tripletex_sandbox, "GET", "/timesheet/entry")[-1]
    row.refresh_from_db()
    assert (row.message, row.request_id) == (str(texts.STATUS_CONFLICT), looked_up)
    assert result_request_ids(row)[-1] == looked_up
    [remote] = remote_entries(tripletex_sandbox)
    assert (remote.id, remote.hours) == (typed.id, Decimal("2"))
    # and the administrator sees both on the transfers page
    client.force_login(admin.user)
    page = client.get(TRANSFERS_PAGE).content.decode()
    assert f"<td><code>{looked_up}</code></td>" in page
    ledger_check(tripletex_sandbox)


def test_hours_in_a_period_tripletex_has_locked_fail_with_the_reason_and_are_not_retried(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: the month approved (locked) in Tripletex before our hours reach it
    admin, worker, project = connected
    tripletex_sandbox.approve_month(employee_id=tripletex_sandbox.employee_id("1003"), month_year="2026-11")
    entry = sent_in(worker, project)
    # when they are delivered
    approve(admin, [entry], django_capture_on_commit_callbacks)
    # then: failed, with the reason and the request id of Tripletex's 409, and not tried again
    [refused] = request_ids(tripletex_sandbox, "POST", "/timesheet/entry")
    row = RemoteHours.objects.get()
    assert (row.state, row.message, row.request_id, row.next_attempt_at) == (
        TransferState.FAILED,
        str(texts.STATUS_LOCKED),
        refused,
        None,
    )
    assert result_request_ids(row) == [refused]
    assert hours_due() == []
    assert remote_entries(tripletex_sandbox) == []
    # and the administrator sees the reason and the request id on the transfers page
    client.force_login(admin.user)
    page = client.get(TRANSFERS_PAGE).content.decode()
    assert str(texts.STATUS_LOCKED) in page
    assert f"<td><code>{refused}</code></td>" in page
    ledger_check(tripletex_sandbox)


def test_a_refusal_shows_all_of_tripletexs_validation_messages(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: Tripletex refuses the entry for two reasons (the employee may not register hours, and
    # the project is closed)
    admin, worker, project = connected
    with tripletex_sandbox.app.lock:
        store = tripletex_sandbox.app.store
        store.employees[tripletex_sandbox.employee_id("1003")].allow_information_registration = False
        store.projects[tripletex_sandbox.project_id("P-100")].is_closed = True
    entry = sent_in(worker, project)
    # when it is delivered
    approve(admin, [entry], django_capture_on_commit_callbacks)
    # then: the row fails with both of Tripletex's messages, in its order
    reasons = f"{sandbox_messages.MSG_EMPLOYEE_CANNOT_REGISTER}; {sandbox_messages.MSG_PROJECT_CLOSED}"
    row = RemoteHours.objects.get()
    refused = str(texts.STATUS_REFUSED % {"message": reasons})
    assert (row.state, row.message) == (TransferState.FAILED, refused)
    # and the page quotes Tripletex's words as they are
    client.force_login(admin.user)
    page = client.get(TRANSFERS_PAGE).content.decode()
    assert f'<q class="tripletex-says" lang="nb">{reasons}</q>' in page


def test_unreachable_tripletex_is_tried_again_after_the_backoff(
    connected, tripletex_sandbox, settings, django_capture_on_commit_callbacks
):
    # given: Tripletex cannot be reached (a closed port: connection refused)
    admin, worker, project = connected
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    real_base_url = settings.TRIPLETEX_BASE_URL
    settings.TRIPLETEX_BASE_URL = f"http://127.0.0.1:{closed_port}/v2"
    entry = sent_in(worker, project)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        # when the first attempt runs
        approve(admin, [entry], django_capture_on_commit_callbacks)
        # then: it waits for the first backoff (10 s), with no request id and no look-up
        row = RemoteHours.objects.get()
        assert (row.state, row.message, row.needs_lookup, row.request_id, row.next_attempt_at) == (
            TransferState.PENDING,
            str(texts.STATUS_UNREACHABLE),
            False,
            "",
            start + datetime.timedelta(seconds=10),
        )
        assert hours_due() == []
        # and once Tripletex is back and the backoff has passed, the sweep's next round sends it
        settings.TRIPLETEX_BASE_URL = real_base_url
        traveller.move_to(start + datetime.timedelta(seconds=10))
        assert hours_due() == [row.id]
        assert deliver_row(row.id) == TransferState.SENT
    ledger_check(tripletex_sandbox)


def test_a_throttled_attempt_records_the_request_id_of_the_429(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: Tripletex answers the delivery's first request with 429, asking for 30 s
    admin, worker, project = connected
    tripletex_sandbox.set_faults(rateLimitStorm={"requests": 1, "resetSeconds": 30})
    entry = sent_in(worker, project)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        # when the hours are delivered
        approve(admin, [entry], django_capture_on_commit_callbacks)
        # then: the company waits the 30 s, and the row carries the 429's request id
        [throttled] = request_ids(tripletex_sandbox, status=429)
        connection = Connection.objects.get(company=admin.company)
        assert (connection.pause_reason, connection.paused_until) == (
            PauseReason.RATE,
            start + datetime.timedelta(seconds=30),
        )
        row = RemoteHours.objects.get()
        assert (row.state, row.message, row.request_id) == (
            TransferState.PENDING,
            str(texts.STATUS_THROTTLED),
            throttled,
        )
        assert result_request_ids(row) == [throttled]


def test_a_refused_key_records_the_request_id_of_the_refused_session(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: a key Tripletex does not accept
    admin, worker, project = connected
    Connection.objects.filter(company=admin.company).update(
        employee_token=crypto.secret_encrypt("ikke-en-nokkel")
    )
    entry = sent_in(worker, project)
    # when the hours are delivered
    approve(admin, [entry], django_capture_on_commit_callbacks)
    # then: the company is paused for its key, and the row carries the refused session's request id
    [refused] = request_ids(tripletex_sandbox, "POST", "/token/session/:create")
    assert Connection.objects.get(company=admin.company).pause_reason == PauseReason.KEY
    row = RemoteHours.objects.get()
    assert (row.state, row.message, row.request_id) == (
        TransferState.PENDING,
        str(texts.STATUS_KEY_INVALID),
        refused,
    )
    assert result_request_ids(row) == [refused]


# --- an answer without a request id ------------------------------------------------------------


def _without_header(app: Any, header: str) -> Any:
    """A WSGI app answering like `app`, less one response header (as a proxy that drops it would)."""

    def stripped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [(k, v) for k, v in headers if k.lower() != header], exc_info)

        result: Iterable[bytes] = app(environ, start)
        return result

    return stripped


@pytest.fixture
def answers_without_request_id(connected, tripletex_sandbox, settings) -> Iterator[None]:
    """Tripletex reached through a proxy that drops x-tlx-request-id from every answer."""
    server = make_server(
        "127.0.0.1",
        0,
        _without_header(tripletex_sandbox.app, REQUEST_ID_HEADER),
        threaded=True,
        request_handler=QuietRequestHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.TRIPLETEX_BASE_URL = f"http://127.0.0.1:{server.server_port}/v2"
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_an_answer_without_a_request_id_records_none(
    connected, answers_without_request_id, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: answers that carry no request id
    admin, worker, project = connected
    entry = sent_in(worker, project)
    # when the hours are delivered
    approve(admin, [entry], django_capture_on_commit_callbacks)
    # then: sent, and neither the row nor its result carries a request id
    row = RemoteHours.objects.get()
    assert (row.state, row.request_id) == (TransferState.SENT, "")
    assert result_request_ids(row) == [""]
    assert len(remote_entries(tripletex_sandbox)) == 1


# --- not_linked: a row whose link is gone ----------------------------------------------------------


def test_hours_whose_employee_link_is_gone_fail_with_the_reason_without_a_call(
    client, connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: hours approved, then the employee's link to Tripletex removed before the delivery ran
    admin, worker, project = connected
    entry = sent_in(worker, project)
    approve(admin, [entry], django_capture_on_commit_callbacks, execute=False)
    EmployeeLink.objects.filter(employee=worker).delete()
    calls_before = total_requests(tripletex_sandbox)
    row = RemoteHours.objects.get()
    # when the row is delivered
    assert deliver_row(row.id) == TransferState.FAILED
    # then: failed with the reason, without calling Tripletex, and not tried again
    row.refresh_from_db()
    assert (row.state, row.message, row.request_id, row.next_attempt_at) == (
        TransferState.FAILED,
        str(texts.STATUS_NOT_LINKED),
        "",
        None,
    )
    assert total_requests(tripletex_sandbox) == calls_before
    assert hours_due() == []
    client.force_login(admin.user)
    assert str(texts.STATUS_NOT_LINKED) in client.get(TRANSFERS_PAGE).content.decode()


# --- comments.py: the comment at Tripletex's limit ---------------------------------------------------

# "[GrønnJobb] " comes before the employees' comments: 243 characters of them fill the 255 exactly.
ROOM = comments.COMMENT_MAX_LENGTH - len(comments.MARKER) - 1


def test_a_comment_that_just_fits_is_sent_whole_and_a_cut_at_a_space_leaves_no_space_before_the_mark(
    connected, tripletex_sandbox, django_capture_on_commit_callbacks
):
    # given: on one day a comment exactly as long as there is room for; on the next, one whose cut
    # (at 254 characters, before «…») falls right after a word
    admin, worker, project = connected
    fits = ("Betong " * 35)[:ROOM]
    assert len(fits) == ROOM and not fits.endswith(" ")
    words = "Betong " * 34 + "mur"
    cut_at_space = words + " slutt på dagen"
    assert len(f"{comments.MARKER} {words}") == comments.COMMENT_MAX_LENGTH - len(comments.COMMENT_CUT) - 1
    next_day = DAY + datetime.timedelta(days=1)
    entries = [
        register(worker, project, "4", day=DAY, comment=fits),
        register(worker, project, "3", day=next_day, comment=cut_at_space),
    ]
    hr_services.week_submit(actor=worker, employee=worker, monday=DAY)
    # when
    approve(admin, entries, django_capture_on_commit_callbacks)
    # then: the first whole, at the limit; the second cut after the last whole word, no space before «…»
    [whole] = remote_entries(tripletex_sandbox, DAY)
    [cut] = remote_entries(tripletex_sandbox, next_day)
    assert whole.comment == f"{comments.MARKER} {fits}"
    assert len(whole.comment) == comments.COMMENT_MAX_LENGTH
    assert cut.comment == f"{comments.MARKER} {words}{comments.COMMENT_CUT}"
    assert set(RemoteHours.objects.values_list("state", flat=True)) == {TransferState.SENT}
    ledger_check(tripletex_sandbox)
