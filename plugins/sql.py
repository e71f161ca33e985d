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
line. Either way an authorizer lets the query only read, and a dump only create and
fill tables: neither can attach or write files.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyengine import hookimpl
from policyengine.errors import Diagnostic, Location
from policyengine.expr.types import STRING
from policyengine.sources import (
    CreditSource,
    SourceOptionError,
    SourceResult,
    format_option,
    input_path,
    mapping_option,
    normalize,
    record_fields,
    source_options,
)

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


# what sqlite3.Connection.set_authorizer calls: (action, arg1, arg2, database, trigger)
_Authorizer = Callable[[int, str | None, str | None, str | None, str | None], int]


def _authorizer(allowed: set[int], pragmas: tuple[str, ...] = ()) -> _Authorizer:
    def check(
        action: int, arg1: str | None, _arg2: str | None, _db: str | None, _trigger: str | None
    ) -> int:
        if action == sqlite3.SQLITE_PRAGMA:
            return sqlite3.SQLITE_OK if str(arg1).lower() in pragmas else sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK if action in allowed else sqlite3.SQLITE_DENY

    return check


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
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SourceOptionError("path", f"cannot read SQL dump {path}: {err}") from None
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.set_authorizer(_authorizer(_BUILD, _DUMP_PRAGMAS))
    for line, statement in dump_statements(text):
        try:
            db.execute(statement)
        except sqlite3.Error as err:
            db.close()
            if _denied(err):
                raise SourceOptionError(
                    "path",
                    f"{path}:{line}: not authorized",
                    "a dump may only create and fill tables (no ATTACH, "
                    "VACUUM INTO or PRAGMA other than foreign_keys)",
                ) from None
            raise SourceOptionError(
                "path",
                f"{path}:{line}: {err}",
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
            try:
                cursor = db.execute(str(options["query"]))
                names = [d[0] for d in cursor.description or ()]
                rows = cursor.fetchall()
            except sqlite3.Error as err:
                if _denied(err):
                    raise SourceOptionError(
                        "query",
                        "query failed: not authorized",
                        "the query may only read: one SELECT statement",
                    ) from None
                raise SourceOptionError("query", f"query failed: {err}") from None
            except sqlite3.Warning as err:  # e.g. two statements
                raise SourceOptionError(
                    "query", f"query failed: {err}", "the query is one SELECT statement"
                ) from None
        finally:
            db.close()
        mapping = {f: f for f in (*FIELDS, *extra) if f in names}
        mapping.update({str(k): str(v) for k, v in (options.get("mapping") or {}).items()})
        missing = sorted({c for c in mapping.values() if c not in names})
        if missing:
            raise SourceOptionError(
                "mapping",
                f"the query has no column {', '.join(missing)}",
                f"its columns: {', '.join(names)}",
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
