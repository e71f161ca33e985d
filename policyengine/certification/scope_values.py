"""The values a policy's expressions see for one holder, record and period, taken from a
real evaluation: what ``policyengine expr --policy --holder`` binds.

A requirement's ``where``, a validity rule and ``carry_over.where`` see ``record``,
``period``, ``holder`` and ``const`` (``scopes.PLACES``, the place ``*``). The values
are the engine's own: the holder is evaluated as of the day asked, and

- ``record`` is the record as those rules see it once applied: its effective earned
  date (after the staff adjustments the policy accepts) and the credits that count
  (after ``records.credits`` or the minutes conversion); a record the engine never
  applies (not yet recorded, not counted) keeps its dates and credits as recorded;
- ``period`` is the period numbered as in ``evaluate``'s output: the one asked for,
  else the period the record was applied to, else the one its effective date falls in
  (or in whose grace period), else the holder's current period (``status.period``);
- ``holder`` has ``certified_on`` once the initial period is complete, as in the engine.

A name the expression reads that cannot be bound (no record chosen, no period yet) is a
:class:`Unbound` naming what to pass, with the choices the data offers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policyengine.certification.engine import evaluate
from policyengine.certification.periods import Period
from policyengine.certification.result import Evaluation, RecordOutcome
from policyengine.errors import did_you_mean
from policyengine.policy.model import Policy
from policyengine.records.model import Holder, Record, record_values

# The dotted path of a requirement's `where`: its place sees record, period, holder, const.
WHERE_PATH = "requirements.0.where"
# How many record ids an error lists before saying how many more there are.
LISTED_IDS = 20


class Unbound(Exception):
    """A name cannot be given a value: ``message`` says why, ``hint`` what to pass.
    ``option``: the option whose value names what is not there (``record``, ``period``);
    else ``name``: the scope name that has no value."""

    def __init__(
        self, message: str, hint: str, *, option: str | None = None, name: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.option = option
        self.name = name


@dataclass(frozen=True)
class Bound:
    """The values bound, and which record and period they came from (for the output)."""

    values: dict[str, Any]
    evaluation: Evaluation
    record: str | None
    period: int | None


def listed_ids(records: Sequence[Record]) -> str:
    """The record ids, in input order, the first :data:`LISTED_IDS` of them."""
    ids = [r.id for r in sorted(records, key=lambda r: r.order)]
    shown = ", ".join(ids[:LISTED_IDS])
    more = len(ids) - LISTED_IDS
    return shown + (f" … ({more} more)" if more > 0 else "") if ids else "(none)"


def _outcome(evaluation: Evaluation, record_id: str) -> RecordOutcome:
    for o in evaluation.outcomes:
        if o.record.id == record_id:
            return o
    records = [o.record for o in evaluation.outcomes]
    close = did_you_mean(record_id, [r.id for r in records])
    raise Unbound(
        f"holder {evaluation.holder.id} has no record '{record_id}'",
        (f"{close} " if close else "") + f"its records: {listed_ids(records)}",
        option="record",
    )


def _effective(o: RecordOutcome) -> dt.date:
    return o.effective_on if o.effective_on is not None else o.record.earned_on


def _period_of(evaluation: Evaluation, day: dt.date) -> Period | None:
    """The period ``day`` falls in, else the one whose grace period it falls in."""
    for p in evaluation.periods:
        if p.contains(day):
            return p
    for p in evaluation.periods:
        if p.in_grace(day):
            return p
    return None


def _current(evaluation: Evaluation) -> Period | None:
    number = evaluation.status.get("period")
    if isinstance(number, int) and 0 < number <= len(evaluation.periods):
        return evaluation.periods[number - 1]
    return _period_of(evaluation, evaluation.as_of)


def _numbered(evaluation: Evaluation, number: int) -> Period:
    periods = evaluation.periods
    if 0 < number <= len(periods):
        return periods[number - 1]
    have = f"its periods are numbered 1 to {len(periods)}" if periods else "it has no period yet"
    raise Unbound(
        f"holder {evaluation.holder.id} has no period {number} as of {evaluation.as_of}",
        f"{have} (as in 'policyengine evaluate' output)",
        option="period",
    )


def holder_values(evaluation: Evaluation) -> dict[str, Any]:
    """``holder`` as the engine's rules see it at the end of the evaluation."""
    values = dict(evaluation.holder.fields)
    first = evaluation.periods[0] if evaluation.periods else None
    if first is not None and first.kind == "initial" and first.completed_on is not None:
        values["certified_on"] = first.completed_on
    return values


def bind(
    policy: Policy,
    holder: Holder,
    records: Sequence[Record],
    as_of: dt.date,
    names: Mapping[str, object],
    *,
    record_id: str | None = None,
    period_number: int | None = None,
) -> Bound:
    """Values for the scope ``names`` an expression reads (``record``, ``period``,
    ``holder``, ``const``), from evaluating ``holder`` under ``policy`` as of ``as_of``.
    Raises :class:`Unbound` when a name needs a record or period that is not there."""
    evaluation = evaluate(policy, holder, records, as_of)
    outcome = _outcome(evaluation, record_id) if record_id is not None else None
    if "record" in names and outcome is None:
        raise Unbound(
            "'record' needs a record: pass --record ID",
            f"the records of holder {holder.id}: {listed_ids(records)}",
            name="record",
        )
    period: Period | None = None
    if period_number is not None:
        period = _numbered(evaluation, period_number)
    elif outcome is not None and outcome.period is not None:
        period = _numbered(evaluation, outcome.period)
    elif outcome is not None:
        period = _period_of(evaluation, _effective(outcome))
    if period is None:
        period = _current(evaluation)
    if "period" in names and period is None:
        raise Unbound(
            f"'period' needs a period, and holder {holder.id} has none as of {as_of}",
            "evaluate the holder to see why ('policyengine evaluate'); a later --as-of "
            "may lay one out",
            name="period",
        )
    values: dict[str, Any] = {**policy.base_values(), "holder": holder_values(evaluation)}
    if outcome is not None:
        r = outcome.record
        values["record"] = record_values(
            r, effective_on=_effective(outcome), credits=outcome.credits
        )
    if period is not None:
        values["period"] = period.values()
    return Bound(
        {k: v for k, v in values.items() if k in names},
        evaluation,
        outcome.record.id if outcome is not None else None,
        period.number if period is not None and "period" in names else None,
    )
