"""Which ledger a ``--ledger`` value names: PostgreSQL for ``postgresql://``, else SQLite."""

from __future__ import annotations

from policyengine.errors import UsageError
from policyengine.ledger_db.store import LedgerStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_ledger(url: str) -> LedgerStore:
    """The ledger at ``url``: ``postgresql://...`` (PostgreSQL, needs psycopg from the
    ``serve`` extra), ``sqlite:///PATH`` or a plain file path (SQLite)."""
    if url.startswith(POSTGRES_SCHEMES):
        try:
            from policyengine.ledger_db.postgres import PostgresLedger  # optional: psycopg
        except ImportError:
            raise UsageError(
                "--ledger postgresql://... needs the PostgreSQL driver: "
                "pip install 'credit-policy-engine[serve]' (psycopg)"
            ) from None
        return PostgresLedger(url)
    from policyengine.ledger_db.sqlite import SqliteLedger  # start-up: only what is used

    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    if "://" in path:
        raise UsageError(
            f"--ledger: unknown database URL {url!r}; use a file path, sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DB"
        )
    return SqliteLedger(path)
