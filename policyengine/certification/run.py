"""The state of one evaluation and the steps both allocation modes take with it.

``Run`` holds what an evaluation of one holder builds up: the periods laid out, each
record's effective date, credits and last event, the results and measurements of each
period. Its methods are the steps ``modes.py`` combines: reading a record (counts,
credits, validity for a period), applying records to a period (first-fit with a
``Tally``, or optimal), completing a period, laying out the next one (or restarting
after a lapse), and the registration rule. Discarded after the evaluation.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Sequence
from decimal import Decimal
from operator import attrgetter

from policyengine.certification import adjustments as adj
from policyengine.certification import optimal
from policyengine.certification.answers import RecordAnswers, record_answers
from policyengine.certification.carryover import may_carry
from policyengine.certification.periods import Period, next_period
from policyengine.certification.registrations import completing_day, to_withdraw
from policyengine.certification.requirement_result import RequirementResult
from policyengine.certification.requirements import Applied, Measurement, Requirements
from policyengine.certification.restart import lapsed, restart_after
from policyengine.certification.result import RecordOutcome
from policyengine.certification.tally import Tally
from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.policy.model import Policy
from policyengine.policy.rule import current_observer
from policyengine.records.conversion import convert
from policyengine.records.model import Holder, Record, record_values

MAX_PERIODS = 500  # a policy laying out more periods than this up to as-of is a mistake


class _ByKind(dict[str, Requirements]):
    """The requirement list of each kind of period ("initial", "renewal"), made when
    first asked for (most holders' periods are all of one kind)."""

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self.policy = policy

    def __missing__(self, kind: str) -> Requirements:
        self[kind] = made = Requirements.for_run(self.policy, kind)
        return made


# Per policy: the answers of records.counts_when when it reads only record fields
# (Run.counter; answers.py); weak keys, so a dropped policy is freed (the values refer to
# no policy).
_COUNTS: weakref.WeakKeyDictionary[Policy, RecordAnswers[bool] | None] = weakref.WeakKeyDictionary()


def _counts_answers(policy: Policy) -> RecordAnswers[bool] | None:
    if policy not in _COUNTS:
        rule = policy.records.counts_when
        _COUNTS[policy] = None if rule is None else record_answers([rule])
    return _COUNTS[policy]


def _always(_r: Record) -> bool:
    return True


class Run:
    """State of one evaluation; discarded afterwards."""

    def __init__(self, policy: Policy, holder: Holder, records: Sequence[Record], as_of: dt.date):
        self.policy = policy
        self.holder = dict(holder.fields)
        self.as_of = as_of
        self.records = sorted(records, key=attrgetter("order"))
        self.adjusted = [r for r in self.records if r.adjustments]
        self.effective: dict[str, dt.date] = {r.id: r.earned_on for r in self.records}
        self.periods: list[Period] = []
        self.outcomes: dict[str, RecordOutcome] = {}
        self.credits: dict[str, Decimal] = {}
        # the last thing that happened to a record not applied: (code, period)
        self.last_event: dict[str, tuple[str, Period]] = {}
        # records found not needed while their period was still incomplete (they add
        # nothing it lacks: worth 0 credits, or only toward what is met or capped)
        self.unneeded_while_open: set[str] = set()
        # carry_over.where of a period's records: {period number: {record key: answer}}
        self.may_carry_known: dict[int, dict[tuple[object, ...], bool]] = {}
        self.requirements = _ByKind(policy)
        # what every records.* rule sees besides the record (holder: this run's, as it
        # changes)
        self._record_base = {**policy.base_values(), "holder": self.holder}
        self.results: dict[int, list[RequirementResult]] = {}
        self.measurements: dict[int, Measurement] = {}
        self.apply_all = policy.allocation.apply == "all"
        self.registrations = policy.allocation.current_registration_only
        # current_registration_only: the day each earlier registration's later one was
        # recorded (registrations.withdrawal_days of the records that count; set by
        # engine.evaluate)
        self.withdrawal: dict[str, dt.date] = {}
        # periods.restart: a lapsed chain ends, or a record starts a new one
        self.restarts = policy.periods is not None and policy.periods.restart is not None
        self.restarted_by: dict[str, Period] = {}  # record id -> the period it started
        self.discards = policy.allocation.unused == "discard"
        # records.counts_when's remembered answers, unless an observer (coverage) must
        # see the rule run: it is installed around a whole evaluation, so asked once
        self._counts_rule = policy.records.counts_when
        self._counts_answers = None if current_observer() is not None else _counts_answers(policy)

    # -- records ---------------------------------------------------------------
    def _record_scope(self, r: Record) -> dict[str, object]:
        """What ``records.*`` rules see: the record as recorded, before any period."""
        return {**self._record_base, "record": record_values(r)}

    def credits_of(self, r: Record) -> Decimal:
        rules = self.policy.records
        if rules.credits is not None:
            value = rules.credits(self._record_scope(r))
            assert isinstance(value, Decimal)
            return value
        if rules.conversions and r.credits is None:
            return convert(rules.conversions, self._record_scope(r), r.fields)
        return r.credits if r.credits is not None else Decimal(0)

    def counter(self) -> Callable[[Record], bool]:
        """``records.counts_when`` as a function of a record; answered from the
        policy's answers when the rule reads only record fields (answers.py)."""
        rule = self._counts_rule
        if rule is None:
            return _always

        def counts(r: Record) -> bool:
            return rule(self._record_scope(r)) is True

        answers = self._counts_answers
        return counts if answers is None else answers.answering(counts)

    def judge(self) -> None:
        """(Re)derive effective dates against the periods laid out so far. A record
        without adjustments keeps its earned date, whatever the periods are."""
        for r in self.adjusted:
            day, decisions = adj.effective_date(
                self.policy, r, self.periods, self.holder, self.as_of
            )
            self.effective[r.id] = day
            if r.id in self.outcomes:  # not without record outcomes
                self.outcomes[r.id].decisions = decisions

    def applied_as(self, r: Record, p: Period) -> Applied:
        day = self.effective[r.id]
        return Applied(r, day, self.credits[r.id], late=p.end < day <= p.grace_end)

    def _all_applied_as(self, records: Sequence[Record], p: Period) -> list[Applied]:
        """:meth:`applied_as` of each of ``records`` (one comprehension: a period's
        records are made into ``Applied`` every time it is offered them)."""
        effective, credits, end, grace_end = self.effective, self.credits, p.end, p.grace_end
        new = tuple.__new__  # Applied(...) without its keyword handling
        return [
            new(Applied, (r, day, credits[r.id], None, end < day <= grace_end))
            for r in records
            for day in (effective[r.id],)
        ]

    def _valid_in_order(self, p: Period, candidates: Sequence[Record]) -> list[Record]:
        """The candidates valid for ``p`` (:meth:`valid`; by the window alone, compared in
        place, without a validity rule), in the order a period takes them: effective
        date, recorded date, input order."""
        assert self.policy.periods is not None
        effective = self.effective
        if self.policy.periods.of(p.kind).validity is None:
            low, high = p.window_start, p.grace_end
            valid = [r for r in candidates if low <= effective[r.id] <= high]
        else:
            valid = [r for r in candidates if self.valid(r, p)]
        valid.sort(key=lambda r: (effective[r.id], r.recorded_on, r.order))
        return valid

    def valid(self, r: Record, p: Period) -> bool:
        assert self.policy.periods is not None
        rule = self.policy.periods.of(p.kind).validity
        if rule is None:
            return p.window_start <= self.effective[r.id] <= p.grace_end
        values = {
            **self.policy.base_values(),
            "holder": self.holder,
            "period": p.values(),
            "record": self.applied_as(r, p).values(),
        }
        return rule(values) is True

    # -- periods ---------------------------------------------------------------
    def measure(self, p: Period, applied: Sequence[Applied]) -> Measurement:
        return self.requirements[p.kind].measure(
            applied, p.values(), self.holder, p.number, spare_first=self._may_carry(p)
        )

    def _may_carry(self, p: Period) -> Callable[[Applied], bool] | None:
        """Which of ``p``'s records may carry over (``carry_over.where``; never late or
        already carried ones): optimal allocation leaves their credits unneeded where
        others can meet the same minimums, so that what may carry, does."""
        may = may_carry(self.policy, self.holder, p) if self.discards else None
        if may is None:
            return None
        # a period measures the same records often: each answer is kept for the period
        known = self.may_carry_known.setdefault(p.number, {})

        def cached(a: Applied) -> bool:
            key = (a.record.id, a.credits, a.effective_on, a.late, a.carried_from)
            if key not in known:
                known[key] = may(a)
            return known[key]

        return cached

    def apply(self, p: Period, candidates: list[Record], t: dt.date, apply_all: bool) -> None:
        valid = self._valid_in_order(p, candidates)
        if len(valid) < len(candidates):
            taken = {r.id for r in valid}
            for r in candidates:
                if r.id not in taken:
                    self.last_event[r.id] = ("not-valid", p)
        if self.requirements[p.kind].optimal:
            self._apply_optimal(p, valid, t, apply_all)
            return
        tally = self._tally(p)
        if apply_all:
            self._apply_all(p, self._all_applied_as(valid, p), t, tally)
            return
        for r in valid:
            if tally.complete():
                self.last_event[r.id] = ("not-needed", p)
                continue
            a = self.applied_as(r, p)
            if tally.helps(a):
                tally.add(a)
                p.applied.append(a)
                if p.completed_on is None and tally.complete():
                    self.complete(p, t)
            else:
                self.last_event[r.id] = ("not-needed", p)
                self.unneeded_while_open.add(r.id)
        if p.completed_on is None and tally.complete():
            self.complete(p, t)
        m = tally.measurement()
        self.results[p.number] = m.results
        self.measurements[p.number] = m

    def could_complete(self, p: Period, more: list[Record]) -> bool:
        """Whether ``p``'s applied records and the valid ones of ``more`` together meet
        every requirement (optimal allocation, ``unused: discard``: when they do not,
        :meth:`apply` takes every valid one and completes nothing)."""
        assert self.discards
        every = [*p.applied, *self._all_applied_as(self._valid_in_order(p, more), p)]
        return self.requirements[p.kind].feasible(every, p.values(), self.holder, p.number)

    def _tally(self, p: Period) -> Tally:
        return Tally(self.requirements[p.kind], p.values(), self.holder, p.number, p.applied)

    def _apply_all(self, p: Period, candidates: list[Applied], t: dt.date, tally: Tally) -> None:
        """Every valid record is applied; first-fit never revises an earlier record, so
        the completion date is where the shortest complete prefix ends."""
        added = 0  # how many candidates the tally holds already
        if p.completed_on is None:
            n = tally.first_complete(candidates)
            if n is None:
                added = len(candidates)
            else:
                p.applied.extend(candidates[:n])
                self.complete(p, t)
                candidates, added = candidates[n:], 0
        tally.add_all(candidates[added:])
        p.applied.extend(candidates)
        m = tally.measurement()
        self.results[p.number], self.measurements[p.number] = m.results, m

    def _apply_optimal(self, p: Period, valid: list[Record], t: dt.date, apply_all: bool) -> None:
        reqs = self.requirements[p.kind]
        fixed = list(p.applied)
        candidates = self._all_applied_as(valid, p)
        choice = optimal.choose(
            fixed,
            candidates,
            lambda lst: self.measure(p, lst),
            apply_all,
            lambda a, _m: reqs.beyond_credits(a, p.values(), self.holder, p.number),
            feasible=lambda lst: reqs.feasible(lst, p.values(), self.holder, p.number),
            exclusive=self.discards,
        )
        if choice.completing is not None and p.completed_on is None:
            p.applied[:] = fixed + (candidates[: choice.completing] if apply_all else choice.taken)
            self.complete(p, t)
        p.applied[:] = fixed + choice.taken
        taken = {a.record.id for a in choice.taken}
        for r in valid:
            if r.id not in taken:
                self.last_event[r.id] = ("not-needed", p)
                if choice.completing is None:
                    self.unneeded_while_open.add(r.id)
        self.results[p.number] = choice.measurement.results
        self.measurements[p.number] = choice.measurement

    def complete(self, p: Period, t: dt.date) -> None:
        """Mark ``p`` complete at replay time ``t``. The completion date is the last applied
        item's completion date (``periods.completion_date: recorded``: the date it was
        recorded), or the period start when every item predates it; for the initial
        period in that case the ``certification_date`` option decides (seed 002)."""
        assert self.policy.periods is not None
        if self.policy.periods.completion_date == "recorded":  # never before it was earned
            last = max(
                (max(a.effective_on, a.record.recorded_on) for a in p.applied), default=p.start
            )
        else:
            last = max((a.effective_on for a in p.applied), default=p.start)
        if last < p.start and p.kind == "initial" and self.policy.certification_date == "last-item":
            p.completed_on = last
        else:
            p.completed_on = max(p.start, last)
        if p.kind == "initial":
            self.holder["certified_on"] = p.completed_on
        p.became_complete_on = t
        p.known_complete_on = completing_day(p)  # never after t: all were recorded by then
        p.late = any(a.late for a in p.applied)

    def extend(self) -> Period | None:
        previous = self.periods[-1] if self.periods else None
        if len(self.periods) >= MAX_PERIODS:
            raise PolicyError(
                Diagnostic(
                    f"more than {MAX_PERIODS} periods would be laid out for holder "
                    f"{self.holder.get('id', '')} up to {self.as_of} (the last starts "
                    f"{self.periods[-1].start}); evaluation stopped",
                    self._renewal_location(),
                    hint="check the period length and the as-of date",
                    code="period.too-many",
                )
            )
        nxt = next_period(self.policy, self.holder, previous)
        if nxt is not None:
            self.periods.append(nxt)
            self.judge()
        return nxt

    def next_or_restart(self, p: Period, known: Sequence[Record], now: dt.date) -> Period | None:
        """After ``p``: with ``periods.restart``, a lapsed chain ends unless a record
        restarts it (a new chain); otherwise the next period as usual."""
        if not lapsed(p, now):
            return self.extend()
        found = restart_after(self.policy, self.holder, p, known, self.effective, now)
        if found is None:
            return None
        period, record = found
        self.periods.append(period)
        self.restarted_by[record.id] = period
        self.judge()
        return period

    def _renewal_location(self) -> Location | None:
        periods = self.policy.periods
        return None if periods is None or periods.renewal is None else periods.renewal.location

    def toward(self, p: Period, a: Applied) -> list[dict[str, str]]:
        m = self.measurements.get(p.number)
        if m is None:
            return []
        return [{"requirement": name, "credits": str(amount)} for name, amount in m.toward(a.key)]

    def superseded(self, r: Record, now: dt.date) -> bool:
        """Whether a later registration of ``r``'s course was recorded by ``now`` (a
        record not applied yet is then never offered; see ``registrations``)."""
        day = self.withdrawal.get(r.id)
        return day is not None and day <= now

    def withdraw(self, t: dt.date) -> None:
        """Replay day ``t``: a later registration recorded by now withdraws an earlier
        one from every period not complete before today (``registrations``)."""
        for p in self.periods:
            if p.completed_on is not None:
                continue
            keep = [
                a
                for a in p.applied
                if a.carried_from is not None or not self.superseded(a.record, t)
            ]
            if len(keep) != len(p.applied):
                p.applied[:] = keep
                m = self.measure(p, p.applied)
                self.results[p.number], self.measurements[p.number] = m.results, m

    def apply_with_registrations(self, p: Period, inside: list[Record], apply_all: bool) -> None:
        """``unused: discard``: apply ``inside`` to ``p``, then withdraw the earlier
        registrations whose later one was recorded before ``p`` was complete, and apply
        again without them, until none is left to withdraw (each round can only make the
        period complete later)."""
        start = list(p.applied)  # what was carried in
        withdrawn: set[str] = set()
        while True:
            offered = [r for r in inside if r.id not in withdrawn] if withdrawn else inside
            self.apply(p, offered, self.as_of, apply_all)
            more = to_withdraw(offered, p, self.withdrawal) if self.withdrawal else set()
            if not more:
                return
            withdrawn |= more
            p.applied[:] = start
            p.completed_on = p.became_complete_on = p.known_complete_on = None
            p.late = False
            if p.kind == "initial":
                self.holder.pop("certified_on", None)
            for r in inside:  # what the round said of them is said again
                self.last_event.pop(r.id, None)
                self.unneeded_while_open.discard(r.id)

    def placed(self) -> set[str]:
        return {a.record.id for q in self.periods for a in q.applied if a.carried_from is None}
