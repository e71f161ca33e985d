"""Source ``member_uploads``: external credits members uploaded, with staff status.

CSV (one row per upload) or JSON/YAML (a list of uploads, or ``{uploads: [...]}``),
with the same field names: ``id, member_id, title, provider, category, credits,
earned_on, submitted_on, status``. The submission date (or timestamp) is the
record's recorded date; ``status`` is the staff decision, ``pending`` (the default
for a blank cell), ``approved`` or ``declined``. Source ``upload``, kind ``upload``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from policyengine import hookimpl
from policyengine.errors import Diagnostic, Location, did_you_mean
from policyengine.expr.types import STRING
from policyengine.sources import (
    CreditSource,
    CsvSource,
    RowContext,
    SourceResult,
    columns,
    data_items,
    file_format,
    format_option,
    mapping_option,
    source_options,
)

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


class MemberUploads(CsvSource):
    name = "member_uploads"
    description = "member uploads of external credits (CSV or JSON) with staff status"
    fields = {"member": STRING}
    columns = COLUMNS
    required = REQUIRED
    options = source_options(
        "The uploads file (CSV, JSON or YAML).",
        format=format_option("csv", "json", "yaml"),
        mapping=mapping_option("Record field -> column or key", COLUMNS),
    )

    def rows(
        self, path: Path, options: Mapping[str, Any], result: SourceResult
    ) -> Iterator[tuple[Location, Mapping[str, Any]]]:
        if file_format(options, path) == "csv":
            return super().rows(path, options, result)
        wanted = columns(options, COLUMNS)  # JSON/YAML: the same names, as keys
        return (
            (where, {f: item.get(key) for f, key in wanted.items()})
            for _i, where, item in data_items(path, ("uploads",), result)
        )

    def record(
        self, row: Mapping[str, Any], where: Location, context: RowContext
    ) -> tuple[Mapping[str, Any] | None, Sequence[Diagnostic]]:
        problems = [Diagnostic(p, where, hint, "source.upload") for p, hint in self._check(row)]
        return {
            **row,
            "id": row.get("id") or f"upload-{context.path.name}-{context.number}",
            "source": "upload",
            "kind": row.get("kind") or "upload",
            "status": str(row.get("status") or "pending").strip().lower(),
        }, problems

    @staticmethod
    def _check(row: Mapping[str, Any]) -> list[tuple[str, str | None]]:
        problems: list[tuple[str, str | None]] = []
        for key in REQUIRED:
            if row.get(key) is None or str(row[key]).strip() == "":
                problems.append((f"missing {COLUMNS[key]}", None))
        status = str(row.get("status") or "pending").strip().lower()
        if status not in STATUSES:
            problems.append(
                (
                    f"status '{status}' is not one of: {', '.join(STATUSES)}",
                    did_you_mean(status, STATUSES),
                )
            )
        return problems


@hookimpl
def register_sources(register: Callable[[type[CreditSource]], None]) -> None:
    register(MemberUploads)
