"""Source ``lms_transcript``: a learning-management-system transcript (CSV).

One row per completed course take: learner id, course id and title, completion
date (or timestamp), credits, and the registration number of the take (1 for the
first, 2 for the first retake, ...), which policies use to tell retakes apart.
An LMS status of ``completed`` or ``passed`` (or a blank one) becomes ``approved``;
any other status is kept, lower-cased, so ``records.counts_when`` can decide.
Source ``lms``, kind ``course``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from policyengine import hookimpl
from policyengine.errors import Diagnostic, Location
from policyengine.expr.types import STRING
from policyengine.sources import CreditSource, CsvSource, RowContext, mapping_option, source_options

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


class LmsTranscript(CsvSource):
    name = "lms_transcript"
    description = "LMS transcript (CSV) with registration numbers for retakes"
    fields = {"member": STRING}
    columns = COLUMNS
    required = ("course", "earned")
    options = source_options(
        "The transcript CSV.",
        mapping=mapping_option("Record field -> column", COLUMNS),
    )

    def record(
        self, row: Mapping[str, Any], where: Location, context: RowContext
    ) -> tuple[Mapping[str, Any] | None, Sequence[Diagnostic]]:
        missing = [
            Diagnostic(f"missing {COLUMNS[k]}", where, code="source.lms")
            for k in ("course",)
            if not row.get(k)
        ]
        status = row.get("status", "").lower()
        take = row.get("registration") or "1"
        return {
            **row,
            "source": "lms",
            "kind": "course",
            "status": "approved" if status in APPROVED else status,
            "id": row.get("id") or f"lms-{row.get('member', '')}-{row.get('course')}-{take}",
        }, missing


@hookimpl
def register_sources(register: Callable[[type[CreditSource]], None]) -> None:
    register(LmsTranscript)
