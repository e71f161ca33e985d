"""Laying out a holder's periods (cycles) from the policy's ``periods`` section.

Periods are calendar days, start and end *inclusive* (a three-year cycle starting
2022-08-01 ends 2025-07-31). The initial period (if any) comes from holder dates;
the first renewal period starts where the policy's ``renewal.start`` expression says;
later ones follow back to back (the day after the previous end) or, with the
``rolling`` layout, the day after the previous period was completed. ``periods.grace``
keeps a period open after its end (``grace_end``, inclusive) and ``periods.window``
opens it late (``window_start``): see docs/requirements.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from policyengine.errors import Diagnostic, PolicyError
from policyengine.expr.values import Duration, add_duration
from policyengine.policy.run import run
from policyengine.policy.build import Policy

ONE_DAY = dt.timedelta(days=1)


@dataclass
class Period:
    number: int  # 1-based among all the holder's periods
    kind: str  # "initial" or "renewal"
    renewal_number: int  # 0 for the initial period
    start: dt.date
    end: dt.date
    grace_end: dt.date  # end + grace (inclusive); = end without a grace period
    window_start: dt.date  # end + 1 day - window; = start without a window
    # filled in by the evaluator
    completed_on: dt.date | None = None
    completed_at: dt.date | None = None  # replay time at which it became complete
    began_at: dt.date | None = None
    applied: list[Any] = field(default_factory=list)
    late: bool = False  # completed by records earned in the grace period
    carried_in: list[dict[str, Any]] = field(default_factory=list)
    carried_out: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.kind == "initial":
            return f"initial period ({self.start} to {self.end})"
        return f"renewal period {self.renewal_number} ({self.start} to {self.end})"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def in_grace(self, day: dt.date) -> bool:
        return self.end < day <= self.grace_end

    def values(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "renewal_number": self.renewal_number,
            "kind": self.kind,
            "first_renewal": self.renewal_number == 1,
            "start": self.start,
            "end": self.end,
            "grace_end": self.grace_end,
            "window_start": self.window_start,
        }


def _end(policy: Policy, section: str, start_values: dict, holder: dict) -> dt.date:
    values = {**policy.base_values(), "holder": holder, "period": start_values}
    if policy.expression(f"periods.{section}.end") is not None:
        end = run(policy, f"periods.{section}.end", values)
    else:
        length: Duration = policy.duration(f"periods.{section}.length")
        end = add_duration(start_values["start"], length) - ONE_DAY
    if end < start_values["start"]:
        raise PolicyError(
            Diagnostic(
                f"the {section} period would end ({end}) before it starts "
                f"({start_values['start']})",
                policy.location(f"periods.{section}"),
                code="period.order",
            )
        )
    return end


def _make(policy: Policy, section: str, number: int, renewal: int, start: dt.date,
          holder: dict) -> Period:
    start_values = {
        "number": number,
        "renewal_number": renewal,
        "kind": section,
        "first_renewal": renewal == 1,
        "start": start,
    }
    end = _end(policy, section, start_values, holder)
    grace, window = policy.duration("periods.grace"), policy.duration("periods.window")
    grace_end = add_duration(end, grace) if grace is not None else end
    window_start = max(start, add_duration(end + ONE_DAY, -window)) if window is not None \
        else start
    return Period(number, section, renewal, start, end, grace_end, window_start)


def initial_period(policy: Policy, holder: dict) -> Period | None:
    if policy.get("periods.initial") is None:
        return None
    values = {**policy.base_values(), "holder": holder}
    start = run(policy, "periods.initial.start", values)
    return _make(policy, "initial", 1, 0, start, holder)


def next_period(policy: Policy, holder: dict, previous: Period | None) -> Period | None:
    """The renewal period after ``previous`` (None: the first renewal period).

    Returns None when the policy's ``limit`` of renewal periods is reached.
    """
    renewal = 1 if previous is None or previous.kind == "initial" else previous.renewal_number + 1
    limit = policy.get("periods.renewal.limit")
    if limit is not None and renewal > int(limit):
        return None
    number = 1 if previous is None else previous.number + 1
    if renewal == 1:
        values = {**policy.base_values(), "holder": holder}
        start = run(policy, "periods.renewal.start", values)
        if previous is not None and start <= previous.start:
            raise PolicyError(Diagnostic(
                f"the first renewal period would start {start}, not after the initial period "
                f"starting {previous.start} (holder {holder.get('id', '')})",
                policy.location("periods.renewal.start"),
                hint="start renewals after the initial period, e.g. from holder.registered_on",
                code="period.order"))
    elif policy.get("periods.renewal.layout", "back-to-back") == "rolling":
        if previous.completed_on is None:
            return None
        start = max(previous.completed_on, previous.start) + ONE_DAY
    else:
        start = previous.end + ONE_DAY
    return _make(policy, "renewal", number, renewal, start, holder)
