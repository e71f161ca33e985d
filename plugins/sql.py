"""Source ``sql``: records from a SQLite database query (standard-library ``sqlite3``).

Options: ``path`` (the database file, opened read-only through a ``file:...?mode=ro``
URI, so a query can never change it), ``query`` (one SELECT statement) and
``mapping`` (record field -> result column; a column named like a record field
maps to it by default). ``earned`` may hold a date or a timestamp, as may
``recorded``. REAL columns are read through their shortest decimal text; store
credits as TEXT or INTEGER to keep them exact. Problems name the result row.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping
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
    input_path,
    normalize,
    record_fields,
)

if TYPE_CHECKING:
    from policyengine.policy import Policy

FIELDS = ("id", "member", "title", "kind", "source", "category", "course", "provider",
          "registration", "credits", "minutes", "earned", "earned_on", "earned_at",
          "recorded", "recorded_on", "recorded_at", "status", "tags")


def _value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, bytes):
        raise ValueError("is binary data, not text or a number")
    return value


class SqlQuery(CreditSource):
    name = "sql"
    description = "rows of a query on a SQLite database (opened read-only)"
    fields = {"member": STRING}
    options = {
        "type": "object",
        "required": ["path", "query"],
        "additionalProperties": False,
        "properties": {
            "path": {"type": "string", "description": "The SQLite database file."},
            "query": {"type": "string", "minLength": 1,
                      "description": "One SELECT statement; each row is a record."},
            "mapping": {"type": "object", "additionalProperties": {"type": "string"},
                        "description": "Record field -> result column."},
        },
    }

    def read(
        self, options: Mapping[str, Any], *, tz: dt.tzinfo, policy: Policy | None = None
    ) -> SourceResult:
        path = input_path(options)
        extra = record_fields(policy, self.fields)
        try:
            db = sqlite3.connect(Path(path).absolute().as_uri() + "?mode=ro", uri=True)
        except sqlite3.Error as err:
            raise SourceOptionError("path", f"cannot open database {path}: {err}") from None
        try:
            try:
                cursor = db.execute(str(options["query"]))
                names = [d[0] for d in cursor.description or ()]
                rows = cursor.fetchall()
            except sqlite3.Error as err:
                raise SourceOptionError("query", f"query failed: {err}") from None
        finally:
            db.close()
        mapping = {f: f for f in (*FIELDS, *extra) if f in names}
        mapping.update({str(k): str(v) for k, v in (options.get("mapping") or {}).items()})
        missing = sorted({c for c in mapping.values() if c not in names})
        if missing:
            raise SourceOptionError("mapping", f"the query has no column {', '.join(missing)}",
                                    f"its columns: {', '.join(names)}")
        if not {"earned", "earned_on", "earned_at"} & set(mapping):
            raise SourceOptionError("mapping", "no column gives the earned date",
                                    "name a column earned_on (or map earned: <column>)")
        result = SourceResult()
        for n, row in enumerate(rows, start=1):
            result.rows_read += 1
            where = Location(str(path), n, 1)
            raw: dict[str, Any] = {}
            bad = []
            for field, column in mapping.items():
                try:
                    raw[field] = _value(row[names.index(column)])
                except ValueError as err:
                    bad.append(Diagnostic(f"row {n}: column {column} {err}", where, code="source.sql"))
            if bad:
                result.reject(*bad)
                continue
            raw.setdefault("id", f"sql-{n}")
            raw.setdefault("source", "sql")
            normalize(raw, tz, result, where=where, extra_fields=extra, label=f"row {n}")
        return result


@hookimpl
def register_sources(register):
    register(SqlQuery)
