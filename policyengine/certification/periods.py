"""Laying out a holder's periods (cycles) from the policy's ``periods`` section.

Periods are calendar days, start and end *inclusive* (a three-year cycle starting
2022-08-01 ends 2025-07-31). The initial period (if any) comes from holder dates;
the first renewal period starts where the policy's ``renewal.start`` expression says;
later ones follow back to back (the day after the previous end) or, with the
``rolling`` layout, the day after the previous period was completed. ``periods.grace``
keeps a period open after its end (``grace_end``, inclusive), ``periods.window``
opens it late (``window_start``) and ``periods.look_back`` measures it over a window
that may reach over earlier periods: see docs/requirements.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from policyengine.errors import Diagnostic, PolicyError
from policyengine.expr.values import DateOutOfRange, add_duration
from policyengine.policy.model import PeriodRules, Policy
from policyengine.policy.rule import Rule

ONE_DAY = dt.timedelta(days=1)


@dataclass
class Period:
    number: int  # 1-based among all the holder's periods
    kind: str  # "initial" or "renewal"
    renewal_number: int  # 0 for the initial period
    start: dt.date
    end: dt.date
    grace_end: dt.date  # end + grace (inclusive); = end without a grace period
    # end + 1 day - window (or - look_back: then it may be before start); = start
    # without either
    window_start: dt.date
    # filled in by the evaluator
    completed_on: dt.date | None = None
    became_complete_on: dt.date | None = None  # replay time at which it became complete
    # the day its completing records were all recorded (registrations.complete_before)
    known_complete_on: dt.date | None = None
    began_on: dt.date | None = None
    applied: list[Any] = field(default_factory=list)
    late: bool = False  # completed by records earned in the grace period
    chain: int = 1  # 1, then 2, ... for each restart after a lapse (periods.restart)
    previous_end: dt.date | None = None  # the end of the period before it in its chain
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
        """The period as expressions see it (``scopes.PERIOD``)."""
        return {
            **period_start_values(
                self.number, self.kind, self.renewal_number, self.start, self.previous_end
            ),
            "end": self.end,
            "grace_end": self.grace_end,
            "window_start": self.window_start,
        }

    def state_values(self) -> dict[str, Any]:
        """The period with its progress, as status rules see it (``scopes.PERIOD_STATE``)."""
        return {**self.values(), "complete": self.completed_on is not None, "late": self.late}


def period_start_values(
    number: int, kind: str, renewal: int, start: dt.date, previous_end: dt.date | None = None
) -> dict[str, Any]:
    """A period whose end is not known yet, as ``periods.*.end`` sees it
    (``scopes.PERIOD_START``); ``previous_end`` only when there is a period before it."""
    values: dict[str, Any] = {
        "number": Decimal(number),
        "renewal_number": Decimal(renewal),
        "kind": kind,
        "first_renewal": renewal == 1,
        "start": start,
    }
    if previous_end is not None:
        values["previous_end"] = previous_end
    return values


def _end(
    policy: Policy,
    rules: PeriodRules,
    start: dt.date,
    holder: Mapping[str, Any],
    start_values: Callable[[], dict[str, Any]],
) -> dt.date:
    """The period's last day: its ``end`` rule on the period as far as it is known
    (``start_values()``), or ``start`` + ``length`` - 1 day."""
    if rules.end is not None:
        end = rules.end({**policy.base_values(), "holder": holder, "period": start_values()})
        assert isinstance(end, dt.date)
    else:
        assert rules.length is not None  # exactly one of end and length (checked at load)
        end = add_duration(start, rules.length) - ONE_DAY
    if end < start:
        raise PolicyError(
            Diagnostic(
                f"the {rules.kind} period would end ({end}) before it starts ({start})",
                rules.location,
                code="period.order",
            )
        )
    return end


def _make(
    policy: Policy,
    rules: PeriodRules,
    number: int,
    renewal: int,
    start: dt.date,
    holder: Mapping[str, Any],
    previous_end: dt.date | None = None,
) -> Period:
    end = _end(
        policy,
        rules,
        start,
        holder,
        lambda: period_start_values(number, rules.kind, renewal, start, previous_end),
    )
    assert policy.periods is not None
    grace, window = policy.periods.grace, policy.periods.window
    grace_end = add_duration(end, grace) if grace is not None else end
    look_back = policy.periods.look_back
    if look_back is not None:  # may reach over earlier periods, or before the first
        counted_back = end if policy.periods.window_from == "end" else _day_after(end, rules)
        window_start = add_duration(counted_back, -look_back)
    elif window is None:
        window_start = start
    elif policy.periods.window_from == "end":  # "N months before the last valid day"
        window_start = max(start, add_duration(end, -window))
    else:  # "N months before the first expired day" (the day after the end)
        window_start = max(start, add_duration(_day_after(end, rules), -window))
    return Period(
        number, rules.kind, renewal, start, end, grace_end, window_start, previous_end=previous_end
    )


def _start(rule: Rule, values: Mapping[str, object]) -> dt.date:
    start = rule(values)
    assert isinstance(start, dt.date)  # checked as a date at load
    return start


def initial_period(policy: Policy, holder: Mapping[str, Any]) -> Period | None:
    if policy.periods is None or policy.periods.initial is None:
        return None
    rules = policy.periods.initial
    start = _start(rules.start, {**policy.base_values(), "holder": holder})
    return _make(policy, rules, 1, 0, start, holder)


def next_period(
    policy: Policy, holder: Mapping[str, Any], previous: Period | None
) -> Period | None:
    """The renewal period after ``previous`` (None: the first renewal period).

    Returns None when the policy's ``limit`` of renewal periods is reached.
    """
    if policy.periods is None or policy.periods.renewal is None:
        return None
    rules = policy.periods.renewal
    renewal = 1 if previous is None or previous.kind == "initial" else previous.renewal_number + 1
    if rules.limit is not None and renewal > rules.limit:
        return None
    number = 1 if previous is None else previous.number + 1
    if renewal == 1:
        start = _start(rules.start, {**policy.base_values(), "holder": holder})
        if previous is not None and start <= previous.start:
            raise PolicyError(
                Diagnostic(
                    f"the first renewal period would start {start}, not after the initial period "
                    f"starting {previous.start} (holder {holder.get('id', '')})",
                    rules.start.location,
                    hint="start renewals after the initial period, e.g. from holder.registered_on",
                    code="period.order",
                )
            )
    elif rules.layout == "rolling":
        assert previous is not None
        if previous.completed_on is None:
            return None
        start = _day_after(max(previous.completed_on, previous.start), rules)
    else:
        assert previous is not None
        start = _day_after(previous.end, rules)
    before = None if previous is None else previous.end
    return _make(policy, rules, number, renewal, start, holder, before)


def restart_period(
    policy: Policy, holder: Mapping[str, Any], previous: Period, start: dt.date
) -> Period:
    """The first period of a new chain after ``previous`` lapsed (``periods.restart``):
    a first renewal period from ``start``."""
    assert policy.periods is not None and policy.periods.renewal is not None
    rules = policy.periods.renewal
    if start <= previous.grace_end:
        restart = policy.periods.restart
        raise PolicyError(
            Diagnostic(
                f"the periods would restart on {start}, before the lapsed {previous.label} "
                f"ended (it was open until {previous.grace_end}; holder {holder.get('id', '')})",
                restart.start.location if restart and restart.start else rules.location,
                hint="restart from the record's date or later, e.g. start: record.earned_on",
                code="period.order",
            )
        )
    period = _make(policy, rules, previous.number + 1, 1, start, holder)
    period.chain = previous.chain + 1
    return period


def _day_after(day: dt.date, rules: PeriodRules) -> dt.date:
    """The next day; a diagnostic at the period's rules when ``day`` is the last one."""
    if day == dt.date.max:
        raise DateOutOfRange(
            f"the {rules.kind} period would need the day after {day}, the last date "
            "policyengine computes with",
            rules.location,
        )
    return day + ONE_DAY
