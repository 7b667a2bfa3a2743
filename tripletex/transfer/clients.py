"""One Tripletex client per connection and key in each worker process, so its session (created
once, renewed before it expires, re-created once after a 401) serves every delivery instead of one
session per task; and one session per key across the processes, shared through the cache
(docs/transfer.md#sessions)."""

from __future__ import annotations

import datetime
import hashlib
import threading

from django.conf import settings
from django.core.cache import cache

from tripletex import client as tx
from tripletex import crypto
from tripletex.models import Connection

_clients: dict[tuple[object, ...], tx.TripletexClient] = {}
_clients_lock = threading.Lock()


class CachedSessions:
    """A key's session in Django's cache (Redis in production, so every worker process shares it),
    encrypted like the key itself, and kept no longer than Tripletex lets it live."""

    def __init__(self, connection_id: int, employee_token: str) -> None:
        # The key's own hash names the entry: a new key, or another Tripletex, never meets the old
        # session, and the cache never holds the key.
        where = f"{settings.TRIPLETEX_BASE_URL}\n{settings.TRIPLETEX_CONSUMER_TOKEN}\n{employee_token}"
        self.key = f"tripletex-session:{connection_id}:{hashlib.sha256(where.encode()).hexdigest()[:32]}"

    def load(self) -> tuple[str, datetime.datetime] | None:
        stored = cache.get(self.key)
        if not isinstance(stored, dict):
            return None
        try:
            token = crypto.secret_decrypt(stored["token"])
            return token, datetime.datetime.fromisoformat(stored["expires_at"])
        except (KeyError, ValueError, crypto.SecretUnreadable):
            return None

    def save(self, token: str, expires_at: datetime.datetime) -> None:
        seconds = (expires_at - datetime.datetime.now(datetime.UTC)).total_seconds()
        if seconds > 0:
            value = {"token": crypto.secret_encrypt(token), "expires_at": expires_at.isoformat()}
            cache.set(self.key, value, timeout=seconds)

    def discard(self, token: str) -> None:
        stored = self.load()
        if stored is not None and stored[0] == token:
            cache.delete(self.key)


def client_of(connection: Connection) -> tx.TripletexClient:
    key = (
        connection.id,
        connection.employee_token,
        settings.TRIPLETEX_BASE_URL,
        settings.TRIPLETEX_CONSUMER_TOKEN,
    )
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            for stale in [k for k in _clients if k[0] == connection.id]:
                _clients.pop(stale)  # the connection's key or Tripletex changed
            employee_token = crypto.secret_decrypt(connection.employee_token)
            client = _clients[key] = tx.TripletexClient(
                employee_token=employee_token, sessions=CachedSessions(connection.id, employee_token)
            )
        return client
