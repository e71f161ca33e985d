"""The ledger in PostgreSQL, through psycopg 3 (the ``serve`` extra).

Transactions run at READ COMMITTED; a redemption first takes the account row's lock
with ``SELECT ... FOR UPDATE``, so a second redemption of the same account waits for
the first to commit and then reads the history that includes it. Redemptions of
different accounts do not wait for each other.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import errors

from policyengine.ledger_db.store import Connection, LedgerStore


class PostgresLedger(LedgerStore):
    def _connect(self) -> Connection:
        # autocommit: BEGIN/COMMIT are sent by the store, like for SQLite
        conn: Connection = psycopg.connect(self.url, autocommit=True)
        return conn

    def _begin(self, conn: Connection, write: bool) -> None:
        conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def _lock_account(self, conn: Connection, account_id: str) -> bool:
        cursor: Any = conn.execute(
            "SELECT 1 FROM ledger_accounts WHERE id = %s FOR UPDATE", (account_id,)
        )
        return cursor.fetchone() is not None

    def _is_unique_violation(self, err: Exception) -> bool:
        return isinstance(err, errors.UniqueViolation)
