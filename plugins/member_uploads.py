"""Source ``member_uploads``: external credits members uploaded, with staff status.

CSV (one row per upload) or JSON/YAML (a list of uploads, or ``{uploads: [...]}``),
with the same field names: ``id, member_id, title, provider, category, credits,
earned_on, submitted_on, status``. The submission date (or timestamp) is the
record's recorded date; ``status`` is the staff decision, ``pending`` (the default
for a blank cell), ``approved`` or ``declined``. Source ``upload``, kind ``upload``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyengine import hookimpl
from policyengine.errors import Diagnostic, Location, did_you_mean
from policyengine.expr.types import STRING
from policyengine.sources import (
    CreditSource,
    SourceResult,
    columns,
    csv_rows,
    data_items,
    input_path,
    normalize,
    record_fields,
)

if TYPE_CHECKING:
    from policyengine.policy import Policy

COLUMNS = {
    "id": "id",
    "member": "member_id",
    "title": "title",
    "provider": "provider",
    "category": "category",
    "kind": "kind",
    "credits": "credits",
    "earned": "earned_on",
    "recorded": "submitted_on",
    "status": "status",
}
STATUSES = ("pending", "approved", "declined")
REQUIRED = ("credits", "earned", "recorded")


class MemberUploads(CreditSource):
    name = "member_uploads"
    description = "member uploads of external credits (CSV or JSON) with staff status"
    fields = {"member": STRING}
    options = {
        "type": "object",
        "required": ["path"],
        "additionalProperties": False,
        "properties": {
            "path": {"type": "string", "description": "The uploads file (CSV, JSON or YAML)."},
            "format": {"enum": ["csv", "json", "yaml"],
                       "description": "File format; default: told by the file's extension."},
            "mapping": {"type": "object", "additionalProperties": {"type": "string"},
                        "description": "Record field -> column or key; fields: "
                        + ", ".join(COLUMNS)},
        },
    }

    def read(
        self, options: Mapping[str, Any], *, tz: dt.tzinfo, policy: Policy | None = None
    ) -> SourceResult:
        path = input_path(options)
        fmt = options.get("format") or path.suffix.lower().lstrip(".")
        extra = record_fields(policy, self.fields)
        wanted = columns(options, COLUMNS)
        result = SourceResult()
        if fmt == "csv":
            rows = ((Location(str(path), line, 1), row)
                    for line, row in csv_rows(path, wanted, REQUIRED, result))
        else:
            rows = ((where, {f: item.get(key) for f, key in wanted.items()})
                    for _i, where, item in data_items(path, ("uploads",), result))
        for n, (where, row) in enumerate(rows):
            problems = [Diagnostic(p, where, hint, "source.upload") for p, hint in self._check(row)]
            row = {**row, "id": row.get("id") or f"upload-{Path(path).name}-{n + 1}",
                   "source": "upload", "kind": row.get("kind") or "upload",
                   "status": str(row.get("status") or "pending").strip().lower()}
            normalize(row, tz, result, where=where, extra_fields=extra, problems=problems)
        return result

    @staticmethod
    def _check(row: Mapping[str, Any]) -> list[tuple[str, str | None]]:
        problems: list[tuple[str, str | None]] = []
        for key in REQUIRED:
            if row.get(key) is None or str(row[key]).strip() == "":
                problems.append((f"missing {COLUMNS[key]}", None))
        status = str(row.get("status") or "pending").strip().lower()
        if status not in STATUSES:
            problems.append((f"status '{status}' is not one of: {', '.join(STATUSES)}",
                             did_you_mean(status, STATUSES)))
        return problems


@hookimpl
def register_sources(register):
    register(MemberUploads)
