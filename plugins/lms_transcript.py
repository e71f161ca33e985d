"""Source ``lms_transcript``: a learning-management-system transcript (CSV).

One row per completed course take: learner id, course id and title, completion
date (or timestamp), credits, and the registration number of the take (1 for the
first, 2 for the first retake, ...), which policies use to tell retakes apart.
An LMS status of ``completed`` or ``passed`` (or a blank one) becomes ``approved``;
any other status is kept, lower-cased, so ``records.counts_when`` can decide.
Source ``lms``, kind ``course``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from policyengine import hookimpl
from policyengine.errors import Diagnostic, Location
from policyengine.expr.types import STRING
from policyengine.sources import (
    CreditSource,
    SourceResult,
    columns,
    csv_rows,
    input_path,
    normalize,
    record_fields,
)

if TYPE_CHECKING:
    from policyengine.policy import Policy

COLUMNS = {
    "id": "id",
    "member": "learner_id",
    "course": "course_id",
    "title": "course_title",
    "earned": "completion_date",
    "recorded": "recorded_date",
    "credits": "credits",
    "registration": "registration_number",
    "category": "category",
    "status": "status",
}
APPROVED = ("", "completed", "complete", "passed", "approved")


class LmsTranscript(CreditSource):
    name = "lms_transcript"
    description = "LMS transcript (CSV) with registration numbers for retakes"
    fields = {"member": STRING}
    options = {
        "type": "object",
        "required": ["path"],
        "additionalProperties": False,
        "properties": {
            "path": {"type": "string", "description": "The transcript CSV."},
            "mapping": {"type": "object", "additionalProperties": {"type": "string"},
                        "description": "Record field -> column; fields: " + ", ".join(COLUMNS)},
        },
    }

    def read(
        self, options: Mapping[str, Any], *, tz: dt.tzinfo, policy: Policy | None = None
    ) -> SourceResult:
        path = input_path(options)
        extra = record_fields(policy, self.fields)
        result = SourceResult()
        for line, row in csv_rows(path, columns(options, COLUMNS), ("course", "earned"), result):
            where = Location(str(path), line, 1)
            missing = [Diagnostic(f"missing {COLUMNS[k]}", where, code="source.lms")
                       for k in ("course",) if not row.get(k)]
            status = row.get("status", "").lower()
            take = row.get("registration") or "1"
            row = {**row, "source": "lms", "kind": "course",
                   "status": "approved" if status in APPROVED else status,
                   "id": row.get("id") or f"lms-{row.get('member', '')}-{row.get('course')}-{take}"}
            normalize(row, tz, result, where=where, extra_fields=extra, problems=missing)
        return result


@hookimpl
def register_sources(register):
    register(LmsTranscript)
