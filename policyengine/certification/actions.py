"""What staff could do for credits that do not count where the member needs them.

A backdate is proposed for credits earned after the end of the cycle the holder is stuck
in (expired, not complete) unless they count toward a complete cycle; a pushdate for
credits earned before the first cycle, and for credits recorded during the current
cycle but earned before it (which the policy may refuse after the first renewal cycle).
Each proposal is judged by the policy's own backdate/pushdate rule (``adjustments.py``),
so an action the policy would refuse is listed with the refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from policyengine.certification import adjustments as adj
from policyengine.certification.periods import Period
from policyengine.certification.result import RecordOutcome
from policyengine.certification.status import period_status
from policyengine.policy.model import Policy


def suggest_actions(
    policy: Policy,
    periods: Sequence[Period],
    outcomes: Sequence[RecordOutcome],
    as_of: dt.date,
    holder_values: Mapping[str, Any],
) -> None:
    """Add to each outcome the staff actions that would make it count (see the module
    docstring)."""
    if policy.adjustments is None or not periods:
        return
    stuck = next((p for p in periods if period_status(p, as_of) == "expired"), None)
    current = stuck or next(
        (p for p in periods if p.contains(as_of) and p.began_on is not None), None
    )
    complete = {p.number for p in periods if p.completed_on is not None}
    first = periods[0]
    for o in outcomes:
        if o.effective_on is None or o.disposition is None:
            continue
        if any(d.status == "accepted" for d in o.decisions):
            continue
        day = o.effective_on
        if stuck is not None and day > stuck.end and o.period not in complete:
            o.actions.append(
                _action(
                    policy,
                    o,
                    stuck,
                    holder_values,
                    "backdate",
                    f"earned {day}, after the cycle ended {stuck.end}",
                )
            )
        if day < first.start and o.disposition.code in ("before-first-period", "not-valid"):
            o.actions.append(
                _action(
                    policy,
                    o,
                    first,
                    holder_values,
                    "pushdate",
                    f"earned {day}, before the cycle started {first.start}",
                )
            )
        elif (
            current is not None
            and current is not first
            and day < current.start
            and o.record.recorded_on >= current.start
            and o.period != current.number
        ):
            o.actions.append(
                _action(
                    policy,
                    o,
                    current,
                    holder_values,
                    "pushdate",
                    f"earned {day}, before the cycle started {current.start}",
                )
            )
        # a refusal staff already met is listed once, as the refused change
        tried = {d.direction for d in o.decisions if d.status == "refused"}
        o.actions = [a for a in o.actions if a["allowed"] or a["action"] not in tried]


def _action(
    policy: Policy, o: RecordOutcome, p: Period, holder: Mapping[str, Any], direction: str, why: str
) -> dict[str, Any]:
    target, refusal = adj.proposal(policy, o.record, p, holder, direction)
    if target is not None:
        return {
            "action": direction,
            "to": target.isoformat(),
            "period": p.number,
            "allowed": True,
            "text": f"{why} — ask staff to {direction} it to {target}",
        }
    return {
        "action": direction,
        "period": p.number,
        "allowed": False,
        "text": f"{why}; a {direction} would be refused: {refusal}",
    }
