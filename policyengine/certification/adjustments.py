"""Staff changes of earned dates (seed 000): which are accepted, declined or refused.

An adjustment is data on a record (new date, who, role, when, why); the original date
is never lost and the *effective* date is derived here. A change by a role the policy
does not list (a member editing their own credit) is declined; a change by staff that
the policy's ``backdate``/``pushdate`` rule does not allow is refused. Either way the
credit counts under its original date, and the reason is reported.

The same rules drive the staff work list: which credits *could* be backdated or
pushdated, and to which date (:func:`proposal`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policyengine.certification.periods import Period
from policyengine.policy.model import DateChangeRule, Policy
from policyengine.records.model import Adjustment, Record, record_values


@dataclass(frozen=True)
class AdjustmentDecision:
    adjustment: Adjustment
    status: str  # accepted | declined | refused | unchanged
    code: str
    reason: str
    direction: str | None = None
    period: int | None = None

    def as_dict(self) -> dict[str, Any]:
        a = self.adjustment
        return {
            "to": a.to.isoformat(),
            "by": a.by,
            "role": a.role,
            "at": a.at.isoformat(),
            "reason": a.reason,
            "status": self.status,
            "code": self.code,
            "explanation": self.reason,
            "direction": self.direction,
            "period": self.period,
        }


def _containing(periods: Sequence[Period], day: dt.date) -> Period | None:
    for p in periods:
        if p.contains(day):
            return p
    return None


def _rule(policy: Policy, direction: str) -> DateChangeRule | None:
    """The policy's rule for ``direction``, None when it does not accept such changes."""
    rule = None if policy.adjustments is None else policy.adjustments.rule(direction)
    return rule if rule is not None and rule.allowed else None


def _roles(policy: Policy) -> tuple[str, ...]:
    return () if policy.adjustments is None else policy.adjustments.roles


def _scope(
    policy: Policy,
    record: Record,
    period: Period,
    holder: Mapping[str, Any],
    adjustment: Mapping[str, Any],
) -> dict[str, Any]:
    """What ``adjustments.*`` rules see: the record under its original date."""
    return {
        **policy.base_values(),
        "record": record_values(record),
        "period": period.values(),
        "holder": holder,
        "adjustment": adjustment,
    }


def _check_rule(
    policy: Policy,
    direction: str,
    record: Record,
    adj: Adjustment,
    period: Period,
    holder: Mapping[str, Any],
) -> str | None:
    """None when the policy accepts moving ``record`` to ``adj.to`` in ``period``;
    otherwise the sentence saying why not."""
    rule = _rule(policy, direction)
    if rule is None:
        return f"the policy does not accept {direction}s"
    refusal = rule.refusal
    original = record.earned_on
    if direction == "backdate" and not original > period.end:
        return (
            f"the credit was earned {original}, not after the cycle ending "
            f"{period.end}; there is nothing to backdate"
        )
    if direction == "pushdate" and not original < period.start:
        return (
            f"the credit was earned {original}, not before the cycle starting "
            f"{period.start}; there is nothing to pushdate"
        )
    values = _scope(policy, record, period, holder, adjustment_values(adj, direction))
    target = None if rule.to is None else rule.to(values)
    if target is not None and adj.to != target:
        why = refusal or f"a {direction} must move the earned date to {target}"
        return f"{why} (requested {adj.to}, allowed {target})"
    if rule.when is not None and rule.when(values) is not True:
        return refusal or f"the policy's conditions for a {direction} are not met"
    return None


def adjustment_values(adj: Adjustment, direction: str) -> dict[str, Any]:
    """An adjustment as expressions see it (``scopes.ADJUSTMENT``)."""
    return {
        "to": adj.to,
        "by": adj.by,
        "role": adj.role,
        "at": adj.at,
        "on": adj.on,
        "reason": adj.reason,
        "direction": direction,
    }


def judge(
    policy: Policy,
    record: Record,
    adj: Adjustment,
    periods: Sequence[Period],
    holder: Mapping[str, Any],
) -> AdjustmentDecision:
    roles = _roles(policy)
    if adj.to == record.earned_on:
        return AdjustmentDecision(
            adj, "unchanged", "adjustment-unchanged", "the new date is the same as the original"
        )
    direction = "backdate" if adj.to < record.earned_on else "pushdate"
    if adj.role not in roles:
        who = "the member" if adj.role == "member" else f"role '{adj.role}'"
        allowed = ", ".join(roles) or "no one"
        return AdjustmentDecision(
            adj,
            "declined",
            "adjustment-declined",
            f"declined: earned date changed by {who} ({adj.by}); only {allowed} may change "
            f"earned dates, so the credit counts under its original date {record.earned_on}",
            direction,
        )
    period = _containing(periods, adj.to)
    if period is None:
        return AdjustmentDecision(
            adj,
            "refused",
            "adjustment-no-period",
            f"refused: no cycle contains the new date {adj.to}",
            direction,
        )
    why = _check_rule(policy, direction, record, adj, period, holder)
    if why is not None:
        return AdjustmentDecision(
            adj, "refused", f"{direction}-refused", f"refused: {why}", direction, period.number
        )
    return AdjustmentDecision(
        adj,
        "accepted",
        f"{direction}-accepted",
        f"{direction} by {adj.by} ({adj.role}) on {adj.on} from {record.earned_on} to {adj.to}"
        + (f": {adj.reason}" if adj.reason else ""),
        direction,
        period.number,
    )


def effective_date(
    policy: Policy,
    record: Record,
    periods: Sequence[Period],
    holder: Mapping[str, Any],
    as_of: dt.date | None = None,
) -> tuple[dt.date, list[AdjustmentDecision]]:
    """The earned date that counts, and the decision on each adjustment (oldest first).

    Adjustments made after ``as_of`` (in the policy's time zone) have not happened yet
    and are left out."""
    day = record.earned_on
    made = [a for a in record.adjustments if as_of is None or a.on <= as_of]
    decisions = [judge(policy, record, adj, periods, holder) for adj in made]
    for d in decisions:
        if d.status == "accepted":
            day = d.adjustment.to
    return day, decisions


def proposal(
    policy: Policy, record: Record, period: Period, holder: Mapping[str, Any], direction: str
) -> tuple[dt.date | None, str | None]:
    """Would staff be allowed to move ``record`` into ``period``? (target date, refusal)."""
    rule = _rule(policy, direction)
    if rule is None:
        return None, f"the policy does not accept {direction}s"
    roles = _roles(policy)
    default_target = period.end if direction == "backdate" else period.start
    probe = Adjustment(
        default_target,
        "(proposal)",
        roles[0] if roles else "staff",
        dt.datetime.combine(default_target, dt.time(), policy.tz),
        default_target,
    )
    values = _scope(policy, record, period, holder, adjustment_values(probe, direction))
    target = default_target
    if rule.to is not None:
        moved = rule.to(values)
        assert isinstance(moved, dt.date)  # checked as a date at load
        target = moved
    probe = Adjustment(target, probe.by, probe.role, probe.at, probe.on)
    why = _check_rule(policy, direction, record, probe, period, holder)
    return (None, why) if why else (target, None)
