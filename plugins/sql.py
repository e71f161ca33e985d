"""Source ``sql``: records from a SQLite database query (standard-library ``sqlite3``).

Options: ``path`` (the database), ``query`` (one SELECT statement) and ``mapping``
(record field -> result column; a column named like a record field maps to it by
default). ``earned`` may hold a date or a timestamp, as may ``recorded``. REAL
columns are read through their shortest decimal text; store credits as TEXT or
INTEGER to keep them exact. Problems name the query's result row.

``path`` is either a SQLite database file, opened read-only through a
``file:...?mode=ro`` URI, or a plain-text SQL dump (``sqlite3 db .dump``), loaded
into a private in-memory database: ``format`` says which, by default ``sql`` for a
``.sql`` file and ``sqlite`` otherwise. A dump keeps example and test data
reviewable in version control; a dump statement that fails is reported with its
line (an error quotes at most 80 characters of it). Either way an authorizer lets the
query only read, and a dump only create and fill tables: neither can attach, load
extensions, change settings or write files.

The query and the dump come from a policy repository, so from pull requests: a
recursive CTE without a stop condition never ends. Each statement runs on a budget
(a progress handler counting SQLite instructions and watching the clock), the query
returns at most MAX_SQL_ROWS rows, a value at most MAX_SQL_VALUE_BYTES (Python 3.11+),
and a dump's in-memory database stays under MAX_DUMP_DATABASE_BYTES. Going over is an
error at the sources file's ``query`` (or at the dump's line), never a hang.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyengine import hookimpl
from policyengine.errors import Diagnostic, Location
from policyengine.expr.types import STRING
from policyengine.load.paths import excerpt
from policyengine.sources import (
    CreditSource,
    SourceOptionError,
    SourceResult,
    format_option,
    input_path,
    mapping_option,
    normalize,
    read_input,
    record_fields,
    source_options,
)
from policyengine.sources.base import MAX_DATA_BYTES

if TYPE_CHECKING:
    from policyengine.policy.model import Policy

FIELDS = (
    "id",
    "member",
    "title",
    "kind",
    "source",
    "category",
    "course",
    "provider",
    "registration",
    "credits",
    "minutes",
    "earned",
    "earned_on",
    "earned_at",
    "recorded",
    "recorded_on",
    "recorded_at",
    "status",
    "tags",
)

# What a query may do (read), and what a dump may do besides (build tables in memory).
_READ = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}
_BUILD = _READ | {
    sqlite3.SQLITE_CREATE_TABLE,
    sqlite3.SQLITE_CREATE_INDEX,
    sqlite3.SQLITE_CREATE_VIEW,
    sqlite3.SQLITE_CREATE_TRIGGER,
    sqlite3.SQLITE_INSERT,
    sqlite3.SQLITE_UPDATE,
    sqlite3.SQLITE_DELETE,
    sqlite3.SQLITE_DROP_TABLE,
    sqlite3.SQLITE_DROP_INDEX,
    sqlite3.SQLITE_DROP_VIEW,
    sqlite3.SQLITE_DROP_TRIGGER,
    sqlite3.SQLITE_ALTER_TABLE,
    sqlite3.SQLITE_TRANSACTION,
    getattr(sqlite3, "SQLITE_SAVEPOINT", 32),
}
_DUMP_PRAGMAS = ("foreign_keys",)  # what `sqlite3 .dump` writes
# Functions no query or dump may call, whatever the SQLite build allows.
_DENIED_FUNCTIONS = ("load_extension", "fts3_tokenizer")

# The budget of one query, and of loading one dump (all its statements together).
MAX_SQL_INSTRUCTIONS = 200_000_000  # SQLite VM instructions: a few seconds of work
MAX_SQL_SECONDS = 10.0
MAX_SQL_ROWS = 100_000  # a sources file reads one holder's records
MAX_SQL_VALUE_BYTES = 10_000_000  # one string or blob (SQLITE_LIMIT_LENGTH)
MAX_DUMP_DATABASE_BYTES = 2 * MAX_DATA_BYTES  # the in-memory database a dump builds
_STEP = 10_000  # instructions between two calls of the progress handler
_LIMIT_HINT = (
    "a recursive query needs a stop condition (WITH RECURSIVE c(x) AS (... WHERE x < 100)); "
    "select only the holder's rows"
)


# what sqlite3.Connection.set_authorizer calls: (action, arg1, arg2, database, trigger)
_Authorizer = Callable[[int, str | None, str | None, str | None, str | None], int]


def _authorizer(allowed: set[int], pragmas: tuple[str, ...] = ()) -> _Authorizer:
    def check(
        action: int, arg1: str | None, _arg2: str | None, _db: str | None, _trigger: str | None
    ) -> int:
        if action == sqlite3.SQLITE_PRAGMA:
            return sqlite3.SQLITE_OK if str(arg1).lower() in pragmas else sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION and str(_arg2).lower() in _DENIED_FUNCTIONS:
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK if action in allowed else sqlite3.SQLITE_DENY

    return check


class _Budget:
    """The progress handler of a connection: stops the running statement (SQLite then
    raises "interrupted") once it has used MAX_SQL_INSTRUCTIONS or MAX_SQL_SECONDS."""

    def __init__(self) -> None:
        self.steps = MAX_SQL_INSTRUCTIONS // _STEP
        self.deadline = time.monotonic() + MAX_SQL_SECONDS
        self.spent: str | None = None  # what ran out, once it has

    def __call__(self) -> int:
        self.steps -= 1
        if self.steps < 0:
            self.spent = f"more than {MAX_SQL_INSTRUCTIONS:,} SQLite instructions"
        elif time.monotonic() > self.deadline:
            self.spent = f"more than {MAX_SQL_SECONDS:g} seconds"
        return 1 if self.spent else 0


def _budget(db: sqlite3.Connection) -> _Budget:
    """A fresh budget for the statements ``db`` runs next."""
    budget = _Budget()
    db.set_progress_handler(budget, _STEP)
    if sys.version_info >= (3, 11):  # setlimit is new in 3.11; on 3.10 SQLite's 1 GB holds
        db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_SQL_VALUE_BYTES)
    return budget


def _denied(err: sqlite3.Error) -> bool:
    return "not authorized" in str(err) or "authorization denied" in str(err)


def _value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, bytes):
        raise ValueError("is binary data, not text or a number")
    return value


def dump_statements(text: str) -> Iterator[tuple[int, str]]:
    """The statements of a SQL script with the line each starts on."""
    buffer: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        if not buffer:
            start = number
        buffer.append(line)
        if sqlite3.complete_statement("".join(buffer)):
            yield start, "".join(buffer)
            buffer = []
    if buffer and "".join(buffer).strip():
        yield start, "".join(buffer)


def load_dump(path: Path) -> sqlite3.Connection:
    """A private in-memory database built from the SQL dump at ``path``."""
    try:
        text = read_input(path).decode("utf-8")
    except UnicodeDecodeError as err:
        raise SourceOptionError("path", f"cannot read SQL dump {path}: {err}") from None
    if "\x00" in text:
        before = text[: text.index("\x00")]
        line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        raise SourceOptionError(
            "path",
            f"{path}:{line}:{col}: the SQL dump holds a NUL character",
            "a dump is text written by: sqlite3 DATABASE .dump > FILE.sql",
        )
    db = sqlite3.connect(":memory:", isolation_level=None)
    page_size = int(db.execute("PRAGMA page_size").fetchone()[0])
    db.execute(f"PRAGMA max_page_count = {max(1, MAX_DUMP_DATABASE_BYTES // page_size)}")
    db.set_authorizer(_authorizer(_BUILD, _DUMP_PRAGMAS))
    budget = _budget(db)
    for line, statement in dump_statements(text):
        try:
            db.execute(statement)
        except sqlite3.Error as err:
            db.close()
            if budget.spent:
                raise SourceOptionError(
                    "path", f"{path}:{line}: the dump stopped: {budget.spent}", _LIMIT_HINT
                ) from None
            if isinstance(err, sqlite3.OperationalError) and "full" in str(err):
                raise SourceOptionError(
                    "path",
                    f"{path}:{line}: the dump builds a database larger than "
                    f"{MAX_DUMP_DATABASE_BYTES:,} bytes",
                    "a dump holds the data a sources file reads, not more",
                ) from None
            if _denied(err):
                raise SourceOptionError(
                    "path",
                    f"{path}:{line}: not authorized",
                    "a dump may only create and fill tables (no ATTACH, "
                    "VACUUM INTO or PRAGMA other than foreign_keys)",
                ) from None
            raise SourceOptionError(
                "path",
                f"{path}:{line}: {excerpt(str(err))}",
                "rebuild the dump with: sqlite3 DATABASE .dump > FILE.sql",
            ) from None
    return db


def _open(path: Path, fmt: str) -> sqlite3.Connection:
    if fmt == "sql":
        return load_dump(path)
    try:
        return sqlite3.connect(Path(path).absolute().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise SourceOptionError("path", f"cannot open database {path}: {err}") from None


class SqlQuery(CreditSource):
    name = "sql"
    description = "rows of a query on a SQLite database or SQL dump (read-only)"
    fields = {"member": STRING}
    options = source_options(
        "The SQLite database file, or a SQL text dump (.sql).",
        required=("path", "query"),
        format=format_option(
            "sqlite",
            "sql",
            description="sqlite: a database file (opened "
            "read-only); sql: a text dump loaded into memory. Default: sql "
            "for a .sql file.",
        ),
        query={
            "type": "string",
            "minLength": 1,
            "description": "One SELECT statement; each row is a record.",
        },
        mapping=mapping_option("Record field -> result column."),
    )

    def read(
        self, options: Mapping[str, Any], *, tz: dt.tzinfo, policy: Policy | None = None
    ) -> SourceResult:
        path = input_path(options)
        fmt = options.get("format") or ("sql" if path.suffix.lower() == ".sql" else "sqlite")
        extra = record_fields(policy, self.fields)
        db = _open(path, fmt)
        try:
            db.set_authorizer(_authorizer(_READ))
            budget = _budget(db)
            try:
                cursor = db.execute(str(options["query"]))
                names = [d[0] for d in cursor.description or ()]
                rows = cursor.fetchmany(MAX_SQL_ROWS + 1)
            except sqlite3.Error as err:
                if budget.spent:
                    raise SourceOptionError(
                        "query", f"query stopped: {budget.spent}", _LIMIT_HINT
                    ) from None
                if _denied(err):
                    raise SourceOptionError(
                        "query",
                        "query failed: not authorized",
                        "the query may only read: one SELECT statement",
                    ) from None
                raise SourceOptionError("query", f"query failed: {excerpt(str(err))}") from None
            except sqlite3.Warning as err:  # e.g. two statements
                raise SourceOptionError(
                    "query",
                    f"query failed: {excerpt(str(err))}",
                    "the query is one SELECT statement",
                ) from None
        finally:
            db.close()
        if len(rows) > MAX_SQL_ROWS:
            raise SourceOptionError(
                "query", f"query stopped: more than {MAX_SQL_ROWS:,} rows", _LIMIT_HINT
            )
        mapping = {f: f for f in (*FIELDS, *extra) if f in names}
        mapping.update({str(k): str(v) for k, v in (options.get("mapping") or {}).items()})
        missing = sorted({c for c in mapping.values() if c not in names})
        if missing:
            raise SourceOptionError(
                "mapping",
                f"the query has no column {', '.join(missing)}",
                f"its columns: {excerpt(', '.join(names))}",
            )
        if not {"earned", "earned_on", "earned_at"} & set(mapping):
            raise SourceOptionError(
                "mapping",
                "no column gives the earned date",
                "name a column earned_on (or map earned: <column>)",
            )
        result = SourceResult()
        for n, row in enumerate(rows, start=1):
            result.rows_read += 1
            where = Location(str(path), n, 1)
            label = f"query row {n}"
            raw: dict[str, Any] = {}
            bad = []
            for field, column in mapping.items():
                try:
                    raw[field] = _value(row[names.index(column)])
                except ValueError as err:
                    bad.append(
                        Diagnostic(f"{label}: column {column} {err}", where, code="source.sql")
                    )
            if bad:
                result.reject(*bad)
                continue
            raw.setdefault("id", f"sql-{n}")
            raw.setdefault("source", "sql")
            normalize(raw, tz, result, where=where, extra_fields=extra, label=label)
        return result


@hookimpl
def register_sources(register: Callable[[type[CreditSource]], None]) -> None:
    register(SqlQuery)
