"""One Tripletex client per connection and key in each worker process, so its session (created
once, renewed before it expires, re-created once after a 401) serves every delivery instead of one
session per task."""

from __future__ import annotations

import threading

from django.conf import settings

from tripletex import client as tx
from tripletex import crypto
from tripletex.models import Connection
from tripletex.services.connection import client_for_token

_clients: dict[tuple[object, ...], tx.TripletexClient] = {}
_clients_lock = threading.Lock()


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
            client = _clients[key] = client_for_token(crypto.secret_decrypt(connection.employee_token))
        return client
