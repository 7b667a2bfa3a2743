"""Secrets at rest: the company's Tripletex key (employee token) and session token.

Stored as "<key id>$<Fernet token>". The key id names the encryption key that wrote the value, so
keys can rotate: settings.ENCRYPTION_KEYS lists "id:key" pairs, the first writes, all read, and
`manage.py rotate_encryption_keys` rewrites stored values with the first. A value whose key is not
configured fails closed: it cannot be read, and nothing falls back to plaintext.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SEPARATOR = "$"


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted: its key is missing, or the value was tampered with."""


def development_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY, so development needs no setup. Never used in production."""
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"gronnjobb-dev-encryption", info=b"fernet"
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(derived).decode()


@cache
def _keyring() -> tuple[str, dict[str, Fernet]]:
    configured: list[str] = list(settings.ENCRYPTION_KEYS)
    if not configured:
        raise ImproperlyConfigured("ENCRYPTION_KEYS is empty: secrets can be neither written nor read.")
    keys: dict[str, Fernet] = {}
    for item in configured:
        key_id, _sep, key = item.partition(":")
        if not key_id or not key or SEPARATOR in key_id:
            raise ImproperlyConfigured("Each ENCRYPTION_KEYS item must be 'id:fernet-key'.")
        try:
            keys[key_id] = Fernet(key.encode())
        except ValueError:
            raise ImproperlyConfigured(
                f"ENCRYPTION_KEYS item '{key_id}' is not a valid Fernet key."
            ) from None
    primary = configured[0].partition(":")[0]
    return primary, keys


def keyring_reset() -> None:
    """Forget the cached keys (after settings change, in tests)."""
    _keyring.cache_clear()


def secret_encrypt(plaintext: str) -> str:
    primary, keys = _keyring()
    return primary + SEPARATOR + keys[primary].encrypt(plaintext.encode()).decode()


def secret_decrypt(stored: str) -> str:
    _primary, keys = _keyring()
    key_id, _sep, token = stored.partition(SEPARATOR)
    fernet = keys.get(key_id)
    if fernet is None or not token:
        raise SecretUnreadable(f"No encryption key with id '{key_id}' is configured.")
    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(f"The stored value does not decrypt with key '{key_id}'.") from None


def secret_key_id(stored: str) -> str:
    return stored.partition(SEPARATOR)[0]


def secret_rotate(stored: str) -> str:
    """Re-encrypt with the primary key; a value already under it is returned rewritten too."""
    primary, keys = _keyring()
    key_id, _sep, token = stored.partition(SEPARATOR)
    if key_id not in keys:
        raise SecretUnreadable(f"No encryption key with id '{key_id}' is configured.")
    rotated = MultiFernet([keys[primary], keys[key_id]]).rotate(token.encode())
    return primary + SEPARATOR + rotated.decode()
