"""One output record per holder: what a membership system stores from an evaluation.

``summary(evaluation)`` is the holder's id, status (code, and the built-in code when a
policy status applies), valid-from/until or expired-since, the period the holder is in
and, for that period, each requirement's counted / required / missing credits and
whether it is met; with ``explain`` also every record's disposition and explanation.
``error_record`` is the record of a holder whose data could not be read. Both are plain
JSON data with sorted keys when written (``output.py``); the shape is
``policyengine.batch/1`` (docs/batch.md).
"""

from __future__ import annotations

from typing import Any

from policyengine.certification.requirement_result import all_met
from policyengine.certification.result import Evaluation
from policyengine.errors import Diagnostic

FORMAT = "policyengine.batch/1"


def summary(ev: Evaluation, where: str, explain: bool = False) -> dict[str, Any]:
    status = ev.status
    out: dict[str, Any] = {
        "holder": ev.holder.id,
        "input": where,
        "status": status["code"],
        "period": status.get("period"),
        "valid_from": status.get("valid_from"),
        "valid_until": status.get("valid_until"),
        "expired_since": status.get("expired_since"),
        "can_invoice": None,
        "requirements": [],
    }
    if "builtin" in status:
        out["builtin_status"] = status["builtin"]
    results = ev.current_results  # what Evaluation.renewal shows, without its sentences
    if results is not None:
        out["can_invoice"] = all_met(results)
        out["requirements"] = [
            {key: r[key] for key in ("id", "counted", "required", "missing", "met") if key in r}
            for r in (res.as_dict() for res in results)
        ]
    if explain:
        out["records"] = [
            {
                "id": o.record.id,
                "disposition": o.disposition.code if o.disposition else "unknown",
                "explanation": o.disposition.text if o.disposition else "",
                "period": o.period,
            }
            for o in ev.outcomes
        ]
    return out


def error_record(where: str, diagnostics: list[Diagnostic]) -> dict[str, Any]:
    """A holder whose data is bad: where it is, and every problem found."""
    return {"input": where, "error": [d.as_dict() for d in diagnostics]}
