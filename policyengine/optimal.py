"""Which records a period takes under ``allocation.order: optimal``.

Feasibility (every requirement of the period met by some assignment) only grows as
records are added, so the earliest completion is found by binary search over the
chronological prefixes of the valid records: the shortest prefix that can meet every
requirement. Of that prefix the period takes the records the assignment uses (and
those an items count, a required course or a per-year minimum of the total needs);
the others stay available. With ``apply: all`` it takes every valid record and
completes on the date the shortest prefix ends. A period no prefix completes takes
every valid record when records count only where they were earned
(``unused: discard``), else those that bring its requirements closer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from policyengine.requirements import Applied, Measurement, progress

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
           apply_all: bool, keep: Callable[[Applied, Measurement], bool],
           exclusive: bool = True) -> Choice:
    """The records the period takes. ``keep(a, m)``: whether ``a`` must stay even though
    the credit assignment ``m`` does not use it (items, courses, per-year sums).
    A period that cannot be completed takes every record when no other period could use
    them (``exclusive``: records count only where they were earned), else those that
    bring it closer, as in chronological order."""
    n = shortest_prefix(fixed, candidates, measure)
    if apply_all or (n is None and exclusive):
        taken = list(candidates)
        return Choice(taken, n, measure([*fixed, *taken]))
    if n is None:
        full = measure([*fixed, *candidates])
        taken = [a for a in candidates if full.needed(a.key) > 0 or keep(a, full)]
        m = measure([*fixed, *taken])
        for a in candidates:  # the rest, where it counts toward an unmet requirement
            if a in taken:
                continue
            trial = measure(sorted([*fixed, *taken, a], key=_order([*fixed, *candidates])))
            if any(x > y for x, y in zip(progress(trial.results), progress(m.results))):
                taken.append(a)
                m = trial
        taken.sort(key=_order(candidates))
        return Choice(taken, None, m)
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


def _order(items: Sequence[Applied]) -> Callable[[Applied], int]:
    index = {id(a): i for i, a in enumerate(items)}
    return lambda a: index[id(a)]
