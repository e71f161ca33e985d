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

from policyengine.certification.requirements import Applied, Measurement, progress

Measure = Callable[[Sequence[Applied]], Measurement]
# Whether a list of records meets every requirement: measure(lst).feasible, maybe faster.
Feasible = Callable[[Sequence[Applied]], bool]


@dataclass
class Choice:
    taken: list[Applied]  # in chronological order, after the fixed ones
    completing: int | None  # how many of ``taken`` complete the period (None: not met)
    measurement: Measurement


def shortest_prefix(
    fixed: Sequence[Applied], candidates: Sequence[Applied], feasible: Feasible
) -> int | None:
    """The smallest n such that fixed + candidates[:n] meets every requirement."""
    if not feasible([*fixed, *candidates]):
        return None
    return _search(fixed, candidates, feasible)


def _search(fixed: Sequence[Applied], candidates: Sequence[Applied], feasible: Feasible) -> int:
    """Binary search for the shortest complete prefix, all of ``candidates`` being one."""
    low, high = 0, len(candidates)
    while low < high:
        mid = (low + high) // 2
        if feasible([*fixed, *candidates[:mid]]):
            high = mid
        else:
            low = mid + 1
    return low


def choose(
    fixed: Sequence[Applied],
    candidates: Sequence[Applied],
    measure: Measure,
    apply_all: bool,
    keep: Callable[[Applied, Measurement], bool],
    exclusive: bool = True,
    feasible: Feasible | None = None,
) -> Choice:
    """The records the period takes. ``keep(a, m)``: whether ``a`` must stay even though
    the credit assignment ``m`` does not use it (items, courses, per-year sums).
    A period that cannot be completed takes every record when no other period could use
    them (``exclusive``: records count only where they were earned), else those that
    bring it closer, as in chronological order. ``feasible``: a faster answer to
    ``measure(lst).feasible`` (the binary search asks only that)."""
    if feasible is None:
        feasible = _from(measure)
    full = measure([*fixed, *candidates])
    n = _search(fixed, candidates, feasible) if full.feasible else None
    if apply_all or (n is None and exclusive):
        return Choice(list(candidates), n, full)
    position = {id(a): i for i, a in enumerate([*fixed, *candidates])}

    def in_order(items: list[Applied]) -> list[Applied]:
        return sorted(items, key=lambda a: position[id(a)])

    if n is None:
        taken = [a for a in candidates if full.needed(a.key) > 0 or keep(a, full)]
        m = measure([*fixed, *taken])
        for a in candidates:  # the rest, where it counts toward an unmet requirement
            if any(a is b for b in taken):
                continue
            trial = measure(in_order([*fixed, *taken, a]))
            pairs = zip(progress(trial.results), progress(m.results), strict=True)
            if any(x > y for x, y in pairs):
                taken.append(a)
                m = trial
        return Choice(in_order(taken), None, m)
    prefix = list(candidates[:n])
    # measuring the same records again gives the same measurement: not done twice
    m = full if n == len(candidates) else measure([*fixed, *prefix])
    taken = [a for a in prefix if m.needed(a.key) > 0]
    optional = [a for a in prefix if m.needed(a.key) == 0 and keep(a, m)]
    # the few records kept for items/courses/years: drop each one that is not needed
    for a in reversed(optional):
        rest = [b for b in optional if b is not a]
        if feasible([*fixed, *in_order([*taken, *rest])]):
            optional = rest
    taken = in_order([*taken, *optional])
    same = len(taken) == len(prefix) and all(a is b for a, b in zip(taken, prefix, strict=True))
    final = m if same else measure([*fixed, *taken])
    if not final.feasible:  # cannot happen by construction; never lose a completion
        taken, final = prefix, m
    return Choice(taken, len(taken), final)


def _from(measure: Measure) -> Feasible:
    return lambda lst: measure(lst).feasible
