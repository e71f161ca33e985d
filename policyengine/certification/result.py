"""The result of an evaluation: record outcomes, periods, statuses, as documented JSON.

``Evaluation.as_dict()`` is the documented, versioned JSON shape
(``"format": "policyengine.evaluation/1"``, see docs/evaluation.md); ``render.py`` says
the same for people; ``status.py`` works out the statuses and ``actions.py`` what staff
could do. The engine builds an :class:`Evaluation` once, when everything is known.
Deterministic: the same input gives byte-identical output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from policyengine.certification.adjustments import AdjustmentDecision
from policyengine.certification.periods import Period
from policyengine.certification.requirement_result import RequirementResult
from policyengine.certification.status import period_status, renewal_readiness
from policyengine.policy.model import Policy
from policyengine.records.model import Holder, Record

FORMAT = "policyengine.evaluation/1"


class Disposition:
    """A record's fate: a stable code, and the sentence saying why. The sentence may be
    given as a function and is built when read: most batch output never reads it."""

    __slots__ = ("_text", "code")

    def __init__(self, code: str, text: str | Callable[[], str]) -> None:
        self.code = code
        self._text = text

    @property
    def text(self) -> str:
        return self._text if isinstance(self._text, str) else self._text()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Disposition):
            return NotImplemented
        return (self.code, self.text) == (other.code, other.text)

    def __hash__(self) -> int:
        return hash(self.code)

    def __repr__(self) -> str:
        return f"Disposition({self.code!r}, {self.text!r})"


@dataclass
class RecordOutcome:
    record: Record
    disposition: Disposition | None = None
    period: int | None = None
    effective_on: dt.date | None = None
    credits: Decimal | None = None
    decisions: list[AdjustmentDecision] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    counted_toward: list[dict[str, str]] = field(default_factory=list)
    carried: dict[str, Any] | None = None
    # with a look-back window: the later periods it also counts in (numbers)
    also_applied_to: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        r = self.record
        out: dict[str, Any] = {
            "id": r.id,
            "title": r.fields.get("title", ""),
            "earned_on": r.earned_on.isoformat(),
            "recorded_on": r.recorded_on.isoformat(),
            "status": r.status,
            "disposition": self.disposition.code if self.disposition else "unknown",
            "explanation": self.disposition.text if self.disposition else "",
            "period": self.period,
            "origin": r.origin,
        }
        if self.effective_on is not None:
            out["effective_on"] = self.effective_on.isoformat()
        if self.credits is not None:
            out["credits"] = str(self.credits)
        if self.decisions:
            out["adjustments"] = [d.as_dict() for d in self.decisions]
        if self.actions:
            out["actions"] = self.actions
        if self.counted_toward:
            out["counted_toward"] = self.counted_toward
        if self.carried is not None:
            out["carried"] = self.carried
        if self.also_applied_to:
            out["also_applied_to"] = self.also_applied_to
        return out


@dataclass(frozen=True)
class Evaluation:
    """Everything one evaluation found, for one holder as of one day."""

    policy: Policy
    holder: Holder
    as_of: dt.date
    periods: list[Period]
    results: dict[int, list[RequirementResult]]
    outcomes: list[RecordOutcome]
    status: dict[str, Any]
    current: Period | None  # the period the status is about (None: none applies)

    @property
    def current_results(self) -> list[RequirementResult] | None:
        """The requirement results of :attr:`current` (None: no period, or one not
        measured)."""
        if self.current is None:
            return None
        return self.results.get(self.current.number)

    @cached_property
    def renewal(self) -> dict[str, Any] | None:
        """The renewal readiness of :attr:`current` (``status.renewal_readiness``): built
        when first read, as its sentences are needed only by some outputs."""
        return renewal_readiness(self.current, self.results, self.as_of)

    def period_dict(self, p: Period) -> dict[str, Any]:
        out: dict[str, Any] = {
            "number": p.number,
            "kind": p.kind,
            "renewal_number": p.renewal_number,
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "status": period_status(p, self.as_of),
            "completed_on": p.completed_on.isoformat() if p.completed_on else None,
            "applied": [a.record.id for a in p.applied],
            "credits": str(sum((a.credits for a in p.applied), Decimal(0))),
        }
        if p.grace_end != p.end:
            out["grace_end"] = p.grace_end.isoformat()
            out["late"] = p.late
        if p.window_start != p.start:
            out["window_start"] = p.window_start.isoformat()
        if p.chain > 1:  # restarted after a lapse (periods.restart)
            out["chain"] = p.chain
        if p.carried_in:
            out["carried_in"] = p.carried_in
        if p.carried_out:
            out["carried_out"] = p.carried_out
        if p.number in self.results:
            out["requirements"] = [r.as_dict() for r in self.results[p.number]]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "policy": {"id": self.policy.id, "name": self.policy.name, "file": self.policy.path},
            "holder": {"id": self.holder.id, "name": self.holder.fields.get("name", "")},
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "renewal": self.renewal,
            "periods": [self.period_dict(p) for p in self.periods],
            "records": [o.as_dict() for o in self.outcomes],
        }
