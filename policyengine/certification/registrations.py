"""``allocation.current_registration_only``: only the current registration of a course
is credited, with one rule for when a later registration withdraws an earlier one.

A later registration of the same item (same ``course``, higher ``registration``)
withdraws the earlier one from every period that is not yet complete on the day the
later one is recorded; in a period already complete by then the earlier one stays.
"Complete by then" means complete on the records recorded before that day: in the
replay of ``unused: carry-forward`` a period completed on an earlier replay day; with
``unused: discard`` a period whose completing records were all recorded before that
day (and that began before it). An earlier registration recorded on or after the day
its later one was is never credited (it was not current when it arrived). Both
allocation modes apply the same rule, so on the
same data they agree (tests/certification/test_registrations.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from policyengine.certification.periods import Period
from policyengine.records.model import Record


def withdrawn_on(r: Record, known: Iterable[Record]) -> dt.date | None:
    """The day a later registration of ``r``'s course among ``known`` was first
    recorded; None when ``r`` has no course or no later registration is known."""
    if not r.course:
        return None
    mine = r.registration or 1
    days = [k.recorded_on for k in known if k.course == r.course and (k.registration or 1) > mine]
    return min(days, default=None)


def complete_before(p: Period, day: dt.date) -> bool:
    """Whether ``p`` was complete, on the records recorded before ``day``, by then."""
    return p.known_complete_on is not None and p.known_complete_on < day


def completing_day(p: Period) -> dt.date:
    """The day the records applied to ``p`` so far were all recorded (and ``p`` had
    begun): when its completion became known, for :func:`complete_before`."""
    days: list[dt.date] = [p.start]
    days.extend(a.record.recorded_on for a in p.applied)
    return max(days)


def to_withdraw(candidates: Sequence[Record], p: Period, known: Sequence[Record]) -> set[str]:
    """Of ``candidates`` offered to ``p``, the ids a later registration withdraws: those
    whose later registration was recorded before ``p`` was complete (or ``p`` is not),
    and those recorded no earlier than their later registration (never current)."""
    out = set()
    for r in candidates:
        day = withdrawn_on(r, known)
        if day is not None and (r.recorded_on >= day or not complete_before(p, day)):
            out.add(r.id)
    return out
