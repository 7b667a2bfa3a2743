"""Django's SQLite backend, told the real limit of parameters per statement.

Django assumes SQLite's historical default of 999 variables per statement and splits bulk inserts
and updates into batches to stay under it; SQLite has allowed 32766 since 3.32. With the real
limit, writing the outbox rows of an approval stays one statement per step, on SQLite as on
PostgreSQL (docs/transfer.md#outbox). Settings use this backend wherever the database is SQLite.
"""

from __future__ import annotations

import sqlite3

from django.db.backends.sqlite3 import base, features
from django.utils.functional import cached_property


class DatabaseFeatures(features.DatabaseFeatures):
    @cached_property
    def max_query_params(self) -> int:  # type: ignore[override]
        self.connection.ensure_connection()
        return int(self.connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
