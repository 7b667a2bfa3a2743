"""Re-encrypt every stored Tripletex key with the first of ENCRYPTION_KEYS.

Rotation: put the new key first in ENCRYPTION_KEYS and keep the old one after it, deploy, run this
command, then remove the old key.
"""

from typing import Any

from django.core.management.base import BaseCommand

from tripletex.services.connection import connection_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt stored Tripletex keys with the first key in ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        count = connection_keys_rotate()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} stored key(s)."))
