"""Carry-over: credits a complete period did not need, moved to the next period.

``carry_over: {max, where}`` (docs/requirements.md). The credits a period did not need
are those it counted but its requirement assignment did not use to meet a minimum,
plus the credits of records earned in it that it did not take (within what its caps
still allowed; credits over a cap never counted, so they never carry). They move earliest first, as
long as they pass ``where`` (the record, the period they leave) and the running total
stays within ``max``; a record may carry part of its credits. Carried credits never
carry again. Both periods record the move (``carried_out`` / ``carried_in``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from policyengine.certification.periods import Period
from policyengine.certification.requirements import Applied, Measurement, Requirements
from policyengine.policy.model import Policy, resolve_amount


def may_carry(
    policy: Policy, holder: Mapping[str, Any], period: Period
) -> Callable[[Applied], bool] | None:
    """Whether a record of ``period`` may carry over: it passes ``carry_over.where`` and
    is neither late nor carried in itself (None: the policy has no carry-over). Also what
    optimal allocation leaves unneeded first, so that what may carry, does."""
    rules = policy.carry_over
    if rules is None:
        return None
    where = rules.where
    scope = {**policy.base_values(), "holder": holder, "period": period.values()}

    def may(a: Applied) -> bool:
        if a.carried_from is not None or a.late:
            return False
        return where is None or where({**scope, "record": a.values()}) is True

    return may


def carry(
    policy: Policy,
    holder: Mapping[str, Any],
    source: Period,
    target: Period,
    requirements: Requirements,
    measurement: Measurement,
    untaken: Sequence[Applied],
) -> list[Applied]:
    """Move the unneeded credits of ``source`` to ``target``; return what ``target``
    receives. ``source.applied`` loses the carried parts."""
    rules = policy.carry_over
    may = may_carry(policy, holder, source)
    if rules is None or may is None or source.completed_on is None:
        return []
    scope = {**policy.base_values(), "holder": holder, "period": source.values()}
    limit = resolve_amount(rules.max, scope)
    assert limit is not None
    # what counted beyond the minimums; credits over a cap never counted, so never carry
    spare: list[tuple[Applied, Decimal]] = []
    for a in source.applied:
        if a.carried_from is None and not a.late:
            spare.append((a, measurement.assignment.given(a.key) - measurement.needed(a.key)))
    budgets = dict(measurement.assignment.cap_left)
    covering = requirements.caps_of(untaken, source.values(), holder, source.number)
    for a, caps in zip(untaken, covering, strict=True):
        # a group of a cap per group that no applied record is in has all of it left
        amount = min([a.credits, *(budgets.get(c, full) for c, full in caps.items())])
        for c, full in caps.items():
            budgets[c] = budgets.get(c, full) - amount
        spare.append((a, amount))
    spare.sort(key=lambda x: (x[0].effective_on, x[0].record.recorded_on, x[0].record.order))
    moved: list[Applied] = []
    left = limit
    for a, amount in spare:
        if left <= 0:
            break
        if amount <= 0:
            continue
        if not may(a):
            continue
        take = min(amount, left)
        left -= take
        moved.append(a._replace(credits=take, carried_from=source.number, late=False))
        source.carried_out.append(
            {"record": a.record.id, "credits": str(take), "to_period": target.number}
        )
        target.carried_in.append(
            {"record": a.record.id, "credits": str(take), "from_period": source.number}
        )
    if moved:
        taken = {a.record.id: a.credits for a in moved}
        kept = []
        for a in source.applied:
            rest = a.credits
            if a.record.id in taken and a.carried_from is None:  # it keeps what it counted
                rest = min(a.credits, measurement.assignment.given(a.key)) - taken[a.record.id]
            if rest > 0 or a.record.id not in taken:  # not carried from: stays, even at 0
                kept.append(a._replace(credits=rest))
        source.applied[:] = kept
    return moved
