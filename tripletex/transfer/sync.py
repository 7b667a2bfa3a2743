"""Making Tripletex equal to a claimed row (docs/transfer.md#sync), for every kind alike: new rows
go in lists (a refused list is split until the refused object stands alone); any other row takes
the one-row path, which looks the key up first whenever the fate of an earlier call is unknown,
and retries a stale version once."""

from __future__ import annotations

from collections.abc import Sequence

from tripletex import client as tx
from tripletex.models import TransferState
from tripletex.transfer.attempts import attempt_log, attempts_log
from tripletex.transfer.comments import is_ours
from tripletex.transfer.kind import NewObject, Remote, RemoteKind
from tripletex.transfer.machine import Claim
from tripletex.transfer.outcomes import Outcome, conflict, guarded, outcome_of, sent, unclear

Result = tuple[Claim, Outcome]


def is_fresh(claim: Claim) -> bool:
    """Never sent, nothing unclear, first attempt, something to send: a plain create."""
    row = claim.row
    return row.remote_id is None and not row.needs_lookup and row.attempts == 1 and claim.wanted.amount > 0


def sync_one(client: tx.TripletexClient, claim: Claim) -> Outcome:
    return guarded(lambda: _sync(client, claim))


def _sync(client: tx.TripletexClient, claim: Claim) -> Outcome:
    kind, row = claim.kind, claim.row
    remote: Remote | None = None
    remote_id, version = row.remote_id, row.remote_version
    # Look first after an unclear outcome, or when an earlier attempt may have stored it before its
    # worker died (the attempt counter is written before every call).
    if row.needs_lookup or (row.remote_id is None and row.attempts > 1):
        found = _ours_on_key(client, claim)
        if isinstance(found, Outcome):
            return found
        # Nothing on the key (never stored, or deleted in Tripletex by hand): create it anew.
        remote = found
        remote_id, version = (found.id, found.version) if found else (None, None)
    if claim.wanted.amount == 0:
        return _delete(client, kind, claim, remote_id, version)
    new = _new(claim)
    if remote_id is None:
        attempt_log(row, "create")
        return sent(client, kind.create(client, new))
    if remote is not None and kind.held(remote) == claim.wanted:
        return Outcome(TransferState.SENT, remote=remote)
    return _update(client, kind, new, remote_id, version)


def _ours_on_key(client: tx.TripletexClient, claim: Claim) -> Remote | Outcome | None:
    """What Tripletex holds on the key: the object we know by id, else one carrying our marker
    (adopted), else a hand-typed one, which is a conflict: never overwritten."""
    assert claim.target is not None
    attempt_log(claim.row, "lookup")
    found = claim.kind.lookup(client, claim.row, claim.target)
    if not found:
        return None
    known = [remote for remote in found if remote.id == claim.row.remote_id]
    marked = [remote for remote in found if is_ours(claim.kind.held(remote).text)]
    if known or marked:
        return (known or marked)[0]
    return conflict(client)


def _delete(
    client: tx.TripletexClient, kind: RemoteKind, claim: Claim, remote_id: int | None, version: int | None
) -> Outcome:
    if remote_id is None:
        return Outcome(TransferState.SENT, deleted=True)
    attempt_log(claim.row, "delete")
    try:
        try:
            kind.delete(client, remote_id, version or 0)
        except tx.RevisionConflict:
            # Changed in Tripletex since we saw it: read the version again, delete once more
            # (docs/transfer.md#f16).
            kind.delete(client, remote_id, kind.read(client, remote_id).version)
    except tx.NotFound:
        pass
    return sent(client, deleted=True)


def _update(
    client: tx.TripletexClient, kind: RemoteKind, new: NewObject, remote_id: int, version: int | None
) -> Outcome:
    attempt_log(new.row, "update")
    try:
        try:
            return sent(client, kind.update(client, new, remote_id, version or 0))
        except tx.RevisionConflict:
            # Someone changed it since we last saw it: read the version again, retry once
            # (docs/transfer.md#f16).
            attempt_log(new.row, "update")
            return sent(client, kind.update(client, new, remote_id, kind.read(client, remote_id).version))
    except tx.NotFound:
        # Deleted in Tripletex by hand: create it again after a look-up.
        return unclear()


def _new(claim: Claim) -> NewObject:
    assert claim.target is not None
    return NewObject(claim.row, claim.target, claim.wanted)


def create_lists(client: tx.TripletexClient, kind: RemoteKind, claims: Sequence[Claim]) -> list[Result]:
    """Create the fresh rows of one kind, kind.batch_size to a call."""
    results: list[Result] = []
    for start in range(0, len(claims), kind.batch_size):
        chunk = claims[start : start + kind.batch_size]
        results += _create_list(client, kind, chunk) if len(chunk) > 1 else [_create_one(client, chunk[0])]
    return results


def _create_one(client: tx.TripletexClient, claim: Claim) -> Result:
    """A lone new row takes the plain create (POST of one object)."""
    attempt_log(claim.row, "create")
    return claim, guarded(lambda: sent(client, claim.kind.create(client, _new(claim))))


def _create_list(client: tx.TripletexClient, kind: RemoteKind, claims: Sequence[Claim]) -> list[Result]:
    attempts_log([c.row for c in claims], "create")
    try:
        created = kind.create_batch(client, [_new(c) for c in claims])
    except (tx.ValidationError, tx.BadRequest) as error:
        if len(claims) > 1:
            # Which one did Tripletex refuse? Split the list until the refused object stands alone.
            half = len(claims) // 2
            return _create_list(client, kind, claims[:half]) + _create_list(client, kind, claims[half:])
        return [(claims[0], outcome_of(error))]
    except tx.TripletexError as error:
        failure = outcome_of(error)
        return [(c, failure) for c in claims]
    # An object missing from the answer is unclear: the next attempt looks its key up first.
    return [
        (c, sent(client, remote) if remote else unclear()) for c, remote in zip(claims, created, strict=True)
    ]
