"""The ledger database: credit-package accounts kept in SQLite (the default) or PostgreSQL.

An account file (``packages/files.py``) is one member's history; the ledger database
keeps the same histories for a service, where many checkouts record redemptions at
once. The decisions are the CLI's own: a redemption is decided and appended by
:func:`policyengine.packages.record_redemption` over the history read *inside* one
database transaction that holds the account's lock (``BEGIN IMMEDIATE`` in SQLite,
``SELECT ... FOR UPDATE`` in PostgreSQL), so two checkouts never spend the same
credits. ``store.py`` holds that logic once; ``sqlite.py`` and ``postgres.py`` only
connect and lock. :func:`open_ledger` (``connect.py``) picks one from a URL or a path.
"""

from __future__ import annotations

from policyengine.ledger_db.connect import open_ledger
from policyengine.ledger_db.store import IdempotencyConflict, LedgerStore, Recorded, UnknownAccount

__all__ = ["IdempotencyConflict", "LedgerStore", "Recorded", "UnknownAccount", "open_ledger"]
