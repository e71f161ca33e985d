"""The ledger database's tables and transactions, written once for SQLite and PostgreSQL.

Three tables: ``ledger_accounts`` (id, name, the next event number), ``ledger_events``
(each purchase or redemption as the JSON of its account-file entry, numbered per
account in the order recorded) and ``ledger_idempotency`` (the ``Idempotency-Key`` of
every recorded redemption, a hash of the request it came with and the response that
was sent). A redemption is one transaction: lock the account row, look the key up,
read the history, decide with :func:`~policyengine.packages.redeem` and append with
:func:`~policyengine.packages.record_redemption` (which re-checks it), write the event
and the key, commit. A crash before the commit leaves nothing; after it, everything.

The subclasses in ``sqlite.py`` and ``postgres.py`` say how to connect, how to start a
writing transaction and how to lock an account; connections are kept one per thread.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol

from policyengine.errors import Diagnostic, PolicyError
from policyengine.expr.values import format_decimal
from policyengine.packages import (
    Account,
    Cart,
    RedemptionDecision,
    next_redemption_id,
    record_redemption,
    redeem,
)
from policyengine.packages.files import Purchase, account_document, account_from_document
from policyengine.packages.ledger import check_history
from policyengine.policy.model import Policy

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ledger_accounts ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, next_seq BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ledger_events ("
    " account_id TEXT NOT NULL REFERENCES ledger_accounts (id), seq BIGINT NOT NULL,"
    " event_id TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,"
    " PRIMARY KEY (account_id, seq), UNIQUE (account_id, event_id))",
    "CREATE TABLE IF NOT EXISTS ledger_idempotency ("
    " key TEXT PRIMARY KEY, account_id TEXT NOT NULL, request_hash TEXT NOT NULL,"
    " event_id TEXT NOT NULL, response TEXT NOT NULL)",
)


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What the store needs of a DB-API connection (sqlite3 and psycopg both have it)."""

    def execute(self, sql: Any, params: Sequence[Any] = ...) -> Any: ...

    def close(self) -> None: ...


class UnknownAccount(LookupError):
    """No account with this id in the ledger."""

    def __init__(self, account_id: str) -> None:
        super().__init__(account_id)
        self.account_id = account_id


class IdempotencyConflict(Exception):
    """The ``Idempotency-Key`` was already used for a different request."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Recorded:
    """The outcome of :meth:`LedgerStore.record_redemption`.

    ``response`` is the text the first request with this key was answered with when
    ``replayed``; otherwise the text ``respond`` made now (stored when ``allowed``).
    A refused redemption stores nothing, so the same key may be tried again later."""

    allowed: bool
    event_id: str | None
    response: str
    replayed: bool
    decision: RedemptionDecision | None


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return format_decimal(value.normalize()) if value else "0"
    raise TypeError(f"cannot store {type(value).__name__}")


def event_json(doc: dict[str, Any]) -> str:
    """An account-file event entry as stored (credits as exact decimal strings)."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, default=_json_default)


class LedgerStore(ABC):
    """Accounts and their histories in a database; see the module docstring."""

    url: str

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._all: list[Connection] = []
        self._guard = threading.Lock()
        with self._transaction(write=True) as conn:
            for statement in SCHEMA:
                conn.execute(statement)

    # --------------------------------------------------------------- per database

    @abstractmethod
    def _connect(self) -> Connection: ...

    @abstractmethod
    def _begin(self, conn: Connection, write: bool) -> None: ...

    @abstractmethod
    def _lock_account(self, conn: Connection, account_id: str) -> bool:
        """Hold the account's lock until the transaction ends; False when it does not exist."""

    @abstractmethod
    def _is_unique_violation(self, err: Exception) -> bool: ...

    def _sql(self, text: str) -> str:
        """``text`` with ``?`` placeholders in the driver's style."""
        return text

    # --------------------------------------------------------------- plumbing

    def _conn(self) -> Connection:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._guard:
                self._all.append(conn)
        return conn

    def _run(self, conn: Connection, sql: str, *params: Any) -> Cursor:
        cursor: Cursor = conn.execute(self._sql(sql), params)
        return cursor

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[Connection]:
        conn = self._conn()
        self._begin(conn, write)
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close every connection this store opened (in any thread)."""
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # --------------------------------------------------------------- reading

    def _history(self, conn: Connection, account_id: str, tz: dt.tzinfo) -> Account:
        head = self._run(conn, "SELECT name FROM ledger_accounts WHERE id = ?", account_id)
        row = head.fetchone()
        if row is None:
            raise UnknownAccount(account_id)
        rows = self._run(
            conn, "SELECT body FROM ledger_events WHERE account_id = ? ORDER BY seq", account_id
        ).fetchall()
        doc = {
            "account": {"id": account_id, "name": row[0]},
            "events": [json.loads(r[0]) for r in rows],
        }
        return account_from_document(doc, tz, path=f"ledger account '{account_id}'")

    def history(self, account_id: str, tz: dt.tzinfo) -> Account:
        """The account's history, in the order recorded (UnknownAccount when absent)."""
        with self._transaction() as conn:
            return self._history(conn, account_id, tz)

    def account_ids(self) -> list[str]:
        with self._transaction() as conn:
            rows = self._run(conn, "SELECT id FROM ledger_accounts ORDER BY id").fetchall()
        return [r[0] for r in rows]

    # --------------------------------------------------------------- writing

    def _append(self, conn: Connection, account_id: str, doc: dict[str, Any]) -> None:
        row = self._run(
            conn, "SELECT next_seq FROM ledger_accounts WHERE id = ?", account_id
        ).fetchone()
        seq = int(row[0])
        self._run(
            conn,
            "INSERT INTO ledger_events (account_id, seq, event_id, kind, body) "
            "VALUES (?, ?, ?, ?, ?)",
            account_id,
            seq,
            str(doc["id"]),
            str(doc["type"]),
            event_json(doc),
        )
        self._run(conn, "UPDATE ledger_accounts SET next_seq = ? WHERE id = ?", seq + 1, account_id)

    def import_account(self, account: Account, tz: dt.tzinfo) -> int:
        """Store an account file's whole history as a new ledger account; the number of
        events. PolicyError when the account is already in the ledger."""
        doc = account_document(account, tz)
        with self._transaction(write=True) as conn:
            if self._lock_account(conn, account.id):
                raise PolicyError(
                    Diagnostic(
                        f"account '{account.id}' is already in the ledger {self.url}",
                        hint="export it first if you mean to replace it, or import another account",
                        code="ledger.exists",
                    )
                )
            self._run(
                conn,
                "INSERT INTO ledger_accounts (id, name, next_seq) VALUES (?, ?, 0)",
                account.id,
                account.name,
            )
            for event in doc["events"]:
                self._append(conn, account.id, event)
        return len(doc["events"])

    def add_purchase(
        self, policy: Policy, account_id: str, purchase: Purchase, name: str = ""
    ) -> Account:
        """Append a package purchase (the account is made when new); the new history.
        PolicyError when the id is taken or the history would not be valid."""
        tz = policy.tz
        with self._transaction(write=True) as conn:
            if not self._lock_account(conn, account_id):
                self._run(
                    conn,
                    "INSERT INTO ledger_accounts (id, name, next_seq) VALUES (?, ?, 0)",
                    account_id,
                    name,
                )
            account = self._history(conn, account_id, tz)
            if any(e.id == purchase.id for e in account.events):
                raise PolicyError(
                    Diagnostic(
                        f"the account already has an event with id '{purchase.id}'",
                        hint="give the purchase a new id",
                        code="account.duplicate-id",
                    )
                )
            order = max((e.order for e in account.events), default=-1) + 1
            new = Account(
                account.id,
                account.name,
                (*account.events, replace(purchase, order=order)),
                account.path,
            )
            problems = check_history(policy, new)
            if problems:
                raise PolicyError(problems)
            self._append(conn, account_id, account_document(new, tz)["events"][-1])
        return new

    def record_redemption(
        self,
        policy: Policy,
        account_id: str,
        cart: Cart,
        at: dt.datetime,
        *,
        key: str,
        request_hash: str,
        respond: Callable[[Account, RedemptionDecision, str | None], str],
        redemption_id: str | None = None,
    ) -> Recorded:
        """Decide and, when allowed, record a redemption in one transaction.

        ``respond(account_before, decision, redemption_id)`` makes the response text that
        is stored with ``key``. The same key with the same ``request_hash`` returns the
        first response (``replayed``) and records nothing; with another hash it raises
        IdempotencyConflict."""
        try:
            with self._transaction(write=True) as conn:
                if not self._lock_account(conn, account_id):
                    raise UnknownAccount(account_id)
                row = self._run(
                    conn,
                    "SELECT request_hash, event_id, response FROM ledger_idempotency WHERE key = ?",
                    key,
                ).fetchone()
                if row is not None:
                    if row[0] != request_hash:
                        raise IdempotencyConflict(key)
                    return Recorded(True, row[1], row[2], True, None)
                account = self._history(conn, account_id, policy.tz)
                decision = redeem(policy, account, cart, at)
                if not decision.allowed:
                    return Recorded(False, None, respond(account, decision, None), False, decision)
                rid = redemption_id or next_redemption_id(account)
                updated = record_redemption(policy, account, cart, at, rid)
                self._append(conn, account_id, account_document(updated, policy.tz)["events"][-1])
                response = respond(account, decision, rid)
                self._run(
                    conn,
                    "INSERT INTO ledger_idempotency "
                    "(key, account_id, request_hash, event_id, response) VALUES (?, ?, ?, ?, ?)",
                    key,
                    account_id,
                    request_hash,
                    rid,
                    response,
                )
                return Recorded(True, rid, response, False, decision)
        except Exception as err:
            # the same key sent at the same moment for another account: it is taken
            if self._is_unique_violation(err) and not isinstance(err, PolicyError):
                raise IdempotencyConflict(key) from None
            raise
