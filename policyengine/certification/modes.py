"""The two ways records go to periods, chosen by ``allocation.unused``.

- ``discard`` (``by_earned_period``, seed 000): a record counts only toward the period
  its effective earned date falls in (or, with ``periods.look_back``, every period whose
  window holds it); a period incomplete at its end takes records of its grace period
  as needed; a complete period carries unneeded credits over (``carry_over``).
- ``carry-forward`` (``replay_in_recorded_order``, seed 002): a deterministic replay in
  recorded order; items not used stay available for later periods.

Both work on a ``Run`` (``run.py``); see ``engine.py`` for the whole evaluation.
"""

from __future__ import annotations

from policyengine.certification.carryover import carry
from policyengine.certification.periods import Period
from policyengine.certification.registrations import to_withdraw
from policyengine.certification.requirements import Applied
from policyengine.certification.restart import lapsed
from policyengine.certification.run import Run
from policyengine.records.model import Record


def by_earned_period(run: Run, eligible: list[Record]) -> None:
    """``unused: discard``: each record goes to the period its effective date falls in."""
    apply_all = run.apply_all
    assert run.policy.periods is not None
    # a look-back window: each period takes every record its window holds, whichever
    # other periods took it too
    overlap = run.policy.periods.look_back is not None
    p = run.periods[0]
    carried: list[Applied] = []
    while True:
        if p.start > run.as_of:
            break  # a future period: laid out, not begun
        p.began_on = p.start
        p.applied.extend(carried)
        placed = set() if overlap else run.placed()
        effective, first = run.effective, p.window_start if overlap else p.start
        inside = [r for r in eligible if first <= effective[r.id] <= p.end and r.id not in placed]
        if p.window_start > p.start:  # a window opening after the period starts
            for r in inside:
                if effective[r.id] < p.window_start:
                    run.last_event[r.id] = ("before-window", p)
            inside = [r for r in inside if effective[r.id] >= p.window_start]
        run.apply_with_registrations(p, inside, apply_all)
        if p.completed_on is None and p.grace_end > p.end and run.as_of > p.end:
            late = [
                r
                for r in eligible
                if p.in_grace(run.effective[r.id]) and not run.superseded(r, run.as_of)
            ]
            apply_late(run, p, late)
        if p.end >= run.as_of:
            break
        nxt = run.next_or_restart(p, eligible, run.as_of) if run.restarts else run.extend()
        if nxt is None:
            break
        placed = run.placed()
        untaken = [
            run.applied_as(r, p)
            for r in inside
            if r.id not in placed and run.last_event.get(r.id, ("",))[0] == "not-needed"
        ]
        carried = carry(
            run.policy,
            run.holder,
            p,
            nxt,
            run.requirements[p.kind],
            run.measurements[p.number],
            untaken,
        )
        if carried:  # the period keeps what it needed; measure what is left
            m = run.measure(p, p.applied)
            run.results[p.number], run.measurements[p.number] = m.results, m
        p = nxt


def apply_late(run: Run, p: Period, late: list[Record]) -> None:
    """Records earned in ``p``'s grace period go to ``p`` only if they complete it (as
    many as that takes); otherwise they stay for the next period."""
    if run.requirements[p.kind].optimal and not run.could_complete(p, late):
        return  # what applying them and taking them back would leave: nothing changed
    applied = list(p.applied)
    results, measurement = run.results.get(p.number), run.measurements.get(p.number)
    run.apply(p, late, run.as_of, False)
    if p.completed_on is None:
        p.applied[:] = applied
        if results is not None and measurement is not None:
            run.results[p.number], run.measurements[p.number] = results, measurement
        for r in late:
            run.last_event.pop(r.id, None)


def apply_to_completed(run: Run, pool: list[Record]) -> None:
    """``apply: all``, once the replay is over: a record no period took (recorded after
    the period it was earned in completed, and not valid for a later one) is applied
    to that period, as every valid record is; it no longer ends as not valid for a
    later period's window. A record a later period could use has been used there."""
    done = [q for q in run.periods if q.completed_on is not None]
    if not done:
        return
    placed = run.placed()
    changed = set()
    for r in pool:
        if r.id in placed:
            continue
        day = run.effective[r.id]
        q = next((q for q in done if q.contains(day) and run.valid(r, q)), None)
        # an earlier registration stays in a period complete before its later one
        # was recorded (registrations)
        if q is not None and not to_withdraw([r], q, run.withdrawal):
            q.applied.append(run.applied_as(r, q))
            changed.add(q.number)
    for q in done:
        if q.number in changed:
            m = run.measure(q, q.applied)
            run.results[q.number], run.measurements[q.number] = m.results, m


def replay_in_recorded_order(run: Run, eligible: list[Record]) -> None:
    """``unused: carry-forward``: records applied in the order they were recorded."""
    apply_all = run.apply_all
    t0 = run.periods[0].start
    arrivals = sorted(
        eligible, key=lambda r: (max(r.recorded_on, t0), run.effective[r.id], r.order)
    )
    pool: list[Record] = []
    i = 0
    current: Period | None = run.periods[0]
    begin = run.periods[0].start
    while current is not None:
        times = [begin] if current.began_on is None else []
        if i < len(arrivals):
            times.append(max(arrivals[i].recorded_on, t0))
        if not times or min(times) > run.as_of:
            break
        t = min(times)
        while i < len(arrivals) and max(arrivals[i].recorded_on, t0) <= t:
            pool.append(arrivals[i])
            i += 1
        if run.withdrawal:
            run.withdraw(t)
        if current.began_on is None and begin <= t:
            current.began_on = begin
        while current is not None and current.began_on is not None:
            applied_ids = run.placed()
            candidates = [r for r in pool if r.id not in applied_ids and not run.superseded(r, t)]
            run.apply(current, candidates, t, apply_all)
            if current.completed_on is None:
                restarts = run.restarts and lapsed(current, t)
                nxt = run.next_or_restart(current, pool, t) if restarts else None
                if nxt is None:
                    break
                current = nxt
                begin = max(current.start, t)
                if begin <= t:
                    current.began_on = begin
                continue
            current = run.extend()
            if current is not None:
                begin = max(current.start, t)
                if begin <= t:
                    current.began_on = begin
    if apply_all:
        # records recorded after the last period was laid out (a `limit` reached)
        # are known by now too: they may belong to a completed period
        while i < len(arrivals) and max(arrivals[i].recorded_on, t0) <= run.as_of:
            pool.append(arrivals[i])
            i += 1
        apply_to_completed(run, pool)
