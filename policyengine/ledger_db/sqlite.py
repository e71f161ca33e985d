"""The ledger in an SQLite file: WAL mode, and ``BEGIN IMMEDIATE`` around every write.

``BEGIN IMMEDIATE`` takes the database's write lock when the transaction starts, so
the history a redemption is decided on cannot change before it commits; other writers
wait (``busy_timeout``) and readers go on reading the last committed state (WAL).
``synchronous=FULL`` makes a commit durable before the answer is sent.
"""

from __future__ import annotations

import os
import sqlite3

from policyengine.ledger_db.store import Connection, LedgerStore

BUSY_TIMEOUT_MS = 60_000  # a writer waits this long for the lock before giving up


class SqliteLedger(LedgerStore):
    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        super().__init__(f"sqlite:///{self.path}")

    def _connect(self) -> Connection:
        # autocommit mode (isolation_level=None): the transactions are ours
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _begin(self, conn: Connection, write: bool) -> None:
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    def _lock_account(self, conn: Connection, account_id: str) -> bool:
        # BEGIN IMMEDIATE already holds the database's write lock
        row = conn.execute("SELECT 1 FROM ledger_accounts WHERE id = ?", (account_id,)).fetchone()
        return row is not None

    def _is_unique_violation(self, err: Exception) -> bool:
        return isinstance(err, sqlite3.IntegrityError)
