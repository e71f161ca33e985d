"""Writing batch results as they arrive: JSONL, CSV, or one JSON document.

Every writer writes one holder at a time and keeps nothing, so the output of a million
holders needs no more memory than one. JSON is compact (one object per line for JSONL)
with sorted keys: the same input gives byte-identical output.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from typing import Any, TextIO

from policyengine.batch.summary import FORMAT
from policyengine.policy.model import Policy

FIELDS = (
    "input",
    "holder",
    "status",
    "builtin_status",
    "period",
    "valid_from",
    "valid_until",
    "expired_since",
    "can_invoice",
    "error",
)
PER_REQUIREMENT = ("counted", "required", "missing", "met")


# Left raw by json.dumps(ensure_ascii=False) but not wanted raw in JSON lines: DEL and C1
# controls, U+2028/U+2029 (line breaks to some JSONL readers) and lone surrogates (which
# UTF-8 cannot carry at all). Written as \uXXXX escapes, they read back the same.
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(record: dict[str, Any]) -> str:
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class Writer:
    """Writes output records to ``out`` (one ``write`` per holder, then ``close``)."""

    def __init__(self, out: TextIO, policy: Policy, as_of: str) -> None:
        self.out, self.policy, self.as_of = out, policy, as_of

    def write(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the output (a closing bracket, a flush)."""
        self.out.flush()


class JsonLines(Writer):
    def write(self, record: dict[str, Any]) -> None:
        self.out.write(dumps(record) + "\n")


class JsonDocument(Writer):
    """``{"format": ..., "policy": ..., "as_of": ..., "results": [...]}``, streamed."""

    def __init__(self, out: TextIO, policy: Policy, as_of: str) -> None:
        super().__init__(out, policy, as_of)
        head = {
            "format": FORMAT,
            "policy": {"id": policy.id, "name": policy.name, "file": policy.path},
            "as_of": as_of,
        }
        self.out.write(dumps(head)[:-1] + ',"results":[')
        self.first = True

    def write(self, record: dict[str, Any]) -> None:
        self.out.write(("\n" if self.first else ",\n") + dumps(record))
        self.first = False

    def close(self) -> None:
        self.out.write("\n]}\n")
        super().close()


class Csv(Writer):
    """One row per holder: the fixed columns, then each requirement's numbers."""

    def __init__(self, out: TextIO, policy: Policy, as_of: str) -> None:
        super().__init__(out, policy, as_of)
        self.ids = requirement_ids(policy)
        self.csv = csv.writer(out, lineterminator="\n")
        self.csv.writerow([*FIELDS, *(f"{i}.{k}" for i in self.ids for k in PER_REQUIREMENT)])

    def write(self, record: dict[str, Any]) -> None:
        row: list[Any] = [_cell(record.get(k)) for k in FIELDS[:-1]]
        row.append(
            _cell(
                "; ".join(
                    f"{e.get('file', '')}:{e.get('line', '')}:{e.get('col', '')}: {e['message']}"
                    for e in record.get("error", [])
                )
            )
        )
        by_id = {r["id"]: r for r in record.get("requirements", [])}
        for i in self.ids:
            row.extend(_cell(by_id.get(i, {}).get(k)) for k in PER_REQUIREMENT)
        self.csv.writerow(row)


def _cell(value: Any) -> str:
    """A CSV cell; a lone surrogate, which UTF-8 cannot carry, written as ``\\ud800``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value))


def requirement_ids(policy: Policy) -> list[str]:
    """Every requirement id of the policy's lists, once each, in file order."""
    out: list[str] = []
    for requirements in policy.requirement_lists:
        out.extend(r.id for r in requirements.items if r.id not in out)
    return out


WRITERS: dict[str, type[Writer]] = {"jsonl": JsonLines, "json": JsonDocument, "csv": Csv}


def write_all(writer: Writer, records: Iterable[dict[str, Any]]) -> None:
    for record in records:
        writer.write(record)
    writer.close()
