"""The sentences for records that do not count where they were tried: outside a
validity rule, outside every period, or with a status the policy does not count.

Each disposition is a stable code plus a sentence (docs/evaluation.md lists the codes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from policyengine.certification.result import Disposition
from policyengine.certification.periods import Period
from policyengine.policy.model import Policy
from policyengine.records.model import Record


def validity_rule(policy: Policy, p: Period) -> str:
    """The validity rule of ``p`` in plain words (``validity_text``), else its expression."""
    assert policy.periods is not None
    rules = policy.periods.of(p.kind)
    text = rules.validity_text
    if text:
        rule = str(text)
        for key, value in (("period.start", p.start), ("period.end", p.end),
                           ("period.number", p.number)):
            rule = rule.replace("{" + key + "}", str(value))
        return rule
    expr = rules.validity
    return str(expr.text) if expr is not None else f"earned from {p.start} to {p.end}"


def invalid(policy: Policy, day: dt.date, p: Period) -> Disposition:
    where = "before" if day < p.start else "after" if day > p.end else "outside"
    return Disposition("not-valid", f"completed {day}, {where} the validity window of the "
                       f"{p.label}: {validity_rule(policy, p)}; it stays available for "
                       "later periods")


def outside(periods: Sequence[Period], day: dt.date, as_of: dt.date) -> Disposition:
    if not periods:
        return Disposition("no-period", f"earned {day}; the holder has no period yet")
    first, last = periods[0], periods[-1]
    if first.kind == "initial" and first.start > as_of:
        return Disposition("awaiting-registration", f"completed {day}; it will be applied when "
                           f"the holder registers on {first.start}")
    if day < first.start:
        return Disposition("before-first-period", f"earned {day}, before the first cycle "
                           f"started {first.start}; it does not count")
    if day > last.end:
        return Disposition("after-last-period", f"earned {day}, after the cycle ended "
                           f"{last.end}; it does not count")
    return Disposition("not-applied", f"earned {day}; not applied to any period")


def status_disposition(r: Record) -> Disposition:
    if r.status == "pending":
        return Disposition("pending", "pending: waiting for staff approval")
    if r.status == "declined":
        return Disposition("declined", "declined by staff; it does not count")
    return Disposition("not-counted", f"status '{r.status}' does not count under this policy")
