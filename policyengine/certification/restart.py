"""Restarting a holder's periods after a lapse (``periods.restart``).

A holder whose period expired (not complete by its end, or by its grace end) stays
expired until a record the policy names (``restart.when``: a re-exam, a qualifying
course, a reinstatement) is earned after the expiry. That record starts a new chain of
periods: its first period is a first renewal period from ``restart.start`` (default:
the record's earned date), and later ones follow as the policy lays them out. The
holder's status is about the latest chain; the periods of every chain stay in the
evaluation (``chain`` 1, 2, ...). See docs/requirements.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from policyengine.certification.periods import Period, restart_period
from policyengine.policy.model import Policy
from policyengine.records.model import Record, record_values


def lapsed(p: Period, now: dt.date) -> bool:
    """Whether ``p`` expired by ``now``: not complete, and its grace (if any) over."""
    return p.completed_on is None and p.grace_end < now


def restart_after(
    policy: Policy,
    holder: Mapping[str, Any],
    previous: Period,
    records: Sequence[Record],
    effective: Mapping[str, dt.date],
    now: dt.date,
) -> tuple[Period, Record] | None:
    """The first period of a new chain after ``previous`` lapsed, and the record that
    restarts it: the earliest of ``records`` (by effective date) earned after the
    expiry, by ``now``, that ``restart.when`` names. None when the policy has no restart
    rule, ``previous`` has not lapsed by ``now``, or no record restarts it."""
    rules = None if policy.periods is None else policy.periods.restart
    if rules is None or not lapsed(previous, now):
        return None
    for r in sorted(records, key=lambda r: (effective[r.id], r.recorded_on, r.order)):
        day = effective[r.id]
        if day <= previous.grace_end or day > now:
            continue
        scope = {
            **policy.base_values(),
            "holder": holder,
            "record": record_values(r, effective_on=day),
        }
        if rules.when(scope) is not True:
            continue
        start = day
        if rules.start is not None:
            value = rules.start(scope)
            assert isinstance(value, dt.date)  # checked as a date at load
            start = value
        return restart_period(policy, holder, previous, start), r
    return None


def latest_chain(periods: Sequence[Period]) -> list[Period]:
    """The periods of the holder's latest chain (all of them without a restart)."""
    if not periods:
        return []
    chain = periods[-1].chain
    return [p for p in periods if p.chain == chain]
