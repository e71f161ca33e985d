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
import itertools
from collections.abc import Iterable, Mapping, Sequence

from policyengine.certification.periods import Period
from policyengine.records.model import Record


def withdrawal_days(records: Iterable[Record]) -> dict[str, dt.date]:
    """For each of ``records`` with a course and a later registration of it among
    ``records``: the day that later registration was first recorded (record id -> day).
    One pass per course, so a long history costs no more than a sort."""
    by_course: dict[str, list[Record]] = {}
    for r in records:
        if r.course:
            by_course.setdefault(r.course, []).append(r)
    out: dict[str, dt.date] = {}
    for taken in by_course.values():
        taken.sort(key=_number, reverse=True)
        first: dt.date | None = None  # recorded first, of the registrations above
        for _, same in itertools.groupby(taken, key=_number):
            group = list(same)
            if first is not None:
                out.update((r.id, first) for r in group)
            recorded = min(r.recorded_on for r in group)
            first = recorded if first is None else min(first, recorded)
    return out


def _number(r: Record) -> int:
    return r.registration or 1


def complete_before(p: Period, day: dt.date) -> bool:
    """Whether ``p`` was complete, on the records recorded before ``day``, by then."""
    return p.known_complete_on is not None and p.known_complete_on < day


def completing_day(p: Period) -> dt.date:
    """The day the records applied to ``p`` so far were all recorded (and ``p`` had
    begun): when its completion became known, for :func:`complete_before`."""
    days: list[dt.date] = [p.start]
    days.extend(a.record.recorded_on for a in p.applied)
    return max(days)


def to_withdraw(
    candidates: Sequence[Record], p: Period, withdrawal: Mapping[str, dt.date]
) -> set[str]:
    """Of ``candidates`` offered to ``p``, the ids a later registration withdraws
    (``withdrawal``: :func:`withdrawal_days`): those whose later registration was
    recorded before ``p`` was complete (or ``p`` is not), and those recorded no earlier
    than their later registration (never current)."""
    out = set()
    for r in candidates:
        day = withdrawal.get(r.id)
        if day is not None and (r.recorded_on >= day or not complete_before(p, day)):
            out.add(r.id)
    return out
