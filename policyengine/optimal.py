"""Which records a period takes under ``allocation.order: optimal``.

Feasibility (every requirement of the period met by some assignment) only grows as
records are added, so the earliest completion is found by binary search over the
chronological prefixes of the valid records: the shortest prefix that can meet every
requirement. Of that prefix the period takes the records the assignment uses (and
those an items count, a required course or a per-year minimum of the total needs);
the others stay available. With ``apply: all`` it takes every valid record and
completes on the date the shortest prefix ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from policyengine.requirements import Applied, Measurement

Measure = Callable[[Sequence[Applied]], Measurement]


@dataclass
class Choice:
    taken: list[Applied]  # in chronological order, after the fixed ones
    completing: int | None  # how many of ``taken`` complete the period (None: not met)
    measurement: Measurement


def shortest_prefix(fixed: Sequence[Applied], candidates: Sequence[Applied],
                    measure: Measure) -> int | None:
    """The smallest n such that fixed + candidates[:n] meets every requirement."""
    if measure([*fixed, *candidates]).feasible is False:
        return None
    low, high = 0, len(candidates)
    while low < high:
        mid = (low + high) // 2
        if measure([*fixed, *candidates[:mid]]).feasible:
            high = mid
        else:
            low = mid + 1
    return low


def choose(fixed: Sequence[Applied], candidates: Sequence[Applied], measure: Measure,
           apply_all: bool, keep: Callable[[Applied, Measurement], bool]) -> Choice:
    """The records the period takes. ``keep(a, m)``: whether ``a`` must stay even though
    the credit assignment ``m`` does not use it (items, courses, per-year sums)."""
    n = shortest_prefix(fixed, candidates, measure)
    if apply_all:
        taken = list(candidates)
        return Choice(taken, n, measure([*fixed, *taken]))
    if n is None:
        full = measure([*fixed, *candidates])
        taken = [a for a in candidates if full.needed(a.key) > 0 or keep(a, full)]
        return Choice(taken, None, measure([*fixed, *taken]))
    prefix = list(candidates[:n])
    m = measure([*fixed, *prefix])
    taken = [a for a in prefix if m.needed(a.key) > 0]
    optional = [a for a in prefix if m.needed(a.key) == 0 and keep(a, m)]
    # the few records kept for items/courses/years: drop each one that is not needed
    for a in reversed(optional):
        rest = [b for b in optional if b is not a]
        trial = sorted([*taken, *rest], key=prefix.index)
        if measure([*fixed, *trial]).feasible:
            optional = rest
    taken = sorted([*taken, *optional], key=prefix.index)
    final = measure([*fixed, *taken])
    if not final.feasible:  # cannot happen by construction; never lose a completion
        taken, final = prefix, m
    return Choice(taken, len(taken), final)
