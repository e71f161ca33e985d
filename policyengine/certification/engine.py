"""Evaluating a holder's records against a certification or designation policy.

Evaluation is a pure function of (policy, holder, records, as-of date). Two ways of
allocating records to periods, chosen by ``allocation.unused``:

- ``carry-forward`` (seed 002): a deterministic replay in *recorded* order. At
  registration every item recorded so far is applied, oldest completion first, to the
  initial period if it meets the period's validity rule; each item recorded later is
  applied starting from the period the holder is in at that moment; when a period
  begins, the available items are applied to it. Items not used (not valid, or not
  needed) stay available for later periods; items applied stay where they are.
- ``discard`` (seed 000): a record counts only toward the cycle its effective earned
  date falls in; staff backdates and pushdates move that date. A period still
  incomplete at its end takes records earned in its grace period (late), as needed;
  a complete period carries its unneeded credits over (``carry_over``).

Which of a period's records count toward which requirement is ``allocation.order``:
first-fit in chronological order, or ``optimal`` (``optimal.py``, a maximum flow).

Every record leaves with a disposition (a stable code and a sentence); nothing is
dropped silently. Rendering lives in ``outcome.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

from policyengine.certification import adjustments as adj
from policyengine.certification import dispositions as why
from policyengine.certification import optimal
from policyengine.certification.actions import suggest_actions
from policyengine.certification.carryover import carry, may_carry
from policyengine.certification.periods import Period, initial_period, next_period
from policyengine.certification.registrations import completing_day, to_withdraw, withdrawn_on
from policyengine.certification.requirement_result import RequirementResult
from policyengine.certification.requirements import Applied, Measurement, Requirements
from policyengine.certification.restart import lapsed, latest_chain, restart_after
from policyengine.certification.result import Evaluation, RecordOutcome
from policyengine.certification.status import holder_status, policy_status
from policyengine.certification.tally import Tally
from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.policy.model import Policy
from policyengine.records.conversion import convert
from policyengine.records.model import Holder, Record, record_values

MAX_PERIODS = 500  # a policy laying out more periods than this up to as-of is a mistake


class _Run:
    """State of one evaluation; discarded afterwards."""

    def __init__(self, policy: Policy, holder: Holder, records: Sequence[Record], as_of: dt.date):
        self.policy = policy
        self.holder = dict(holder.fields)
        self.as_of = as_of
        self.records = sorted(records, key=lambda r: r.order)
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
        self.requirements = {k: Requirements(policy, k) for k in ("initial", "renewal")}
        self.results: dict[int, list[RequirementResult]] = {}
        self.measurements: dict[int, Measurement] = {}
        self.apply_all = policy.allocation.apply == "all"
        self._registrations = policy.allocation.current_registration_only
        # periods.restart: a lapsed chain ends, or a record starts a new one
        self._restarts = policy.periods is not None and policy.periods.restart is not None
        self.restarted_by: dict[str, Period] = {}  # record id -> the period it started
        self.discards = policy.allocation.unused == "discard"

    # -- records ---------------------------------------------------------------
    def _record_scope(self, r: Record) -> dict[str, object]:
        """What ``records.*`` rules see: the record as recorded, before any period."""
        return {**self.policy.base_values(), "holder": self.holder, "record": record_values(r)}

    def _credits(self, r: Record) -> Decimal:
        rules = self.policy.records
        if rules.credits is not None:
            value = rules.credits(self._record_scope(r))
            assert isinstance(value, Decimal)
            return value
        if rules.conversions and r.credits is None:
            return convert(rules.conversions, self._record_scope(r), r.fields)
        return r.credits if r.credits is not None else Decimal(0)

    def _counts(self, r: Record) -> bool:
        rule = self.policy.records.counts_when
        return rule is None or rule(self._record_scope(r)) is True

    def _judge(self) -> None:
        """(Re)derive effective dates against the periods laid out so far. A record
        without adjustments keeps its earned date, whatever the periods are."""
        for r in self.adjusted:
            day, decisions = adj.effective_date(
                self.policy, r, self.periods, self.holder, self.as_of
            )
            self.effective[r.id] = day
            self.outcomes[r.id].decisions = decisions

    def _applied(self, r: Record, p: Period) -> Applied:
        day = self.effective[r.id]
        return Applied(r, day, self.credits[r.id], late=p.end < day <= p.grace_end)

    def _valid(self, r: Record, p: Period) -> bool:
        assert self.policy.periods is not None
        rule = self.policy.periods.of(p.kind).validity
        if rule is None:
            return p.window_start <= self.effective[r.id] <= p.grace_end
        values = {
            **self.policy.base_values(),
            "holder": self.holder,
            "period": p.values(),
            "record": self._applied(r, p).values(),
        }
        return rule(values) is True

    # -- periods ---------------------------------------------------------------
    def _measure(self, p: Period, applied: Sequence[Applied]) -> Measurement:
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

    def _apply(self, p: Period, candidates: list[Record], t: dt.date, apply_all: bool) -> None:
        valid = []
        for r in candidates:
            if self._valid(r, p):
                valid.append(r)
            else:
                self.last_event[r.id] = ("not-valid", p)
        valid.sort(key=lambda r: (self.effective[r.id], r.recorded_on, r.order))
        if self.requirements[p.kind].optimal:
            self._apply_optimal(p, valid, t, apply_all)
            return
        tally = self._tally(p)
        if apply_all:
            self._apply_all(p, [self._applied(r, p) for r in valid], t, tally)
            return
        for r in valid:
            if tally.complete():
                self.last_event[r.id] = ("not-needed", p)
                continue
            a = self._applied(r, p)
            if tally.helps(a):
                tally.add(a)
                p.applied.append(a)
                if p.completed_on is None and tally.complete():
                    self._complete(p, t)
            else:
                self.last_event[r.id] = ("not-needed", p)
                self.unneeded_while_open.add(r.id)
        if p.completed_on is None and tally.complete():
            self._complete(p, t)
        m = tally.measurement()
        self.results[p.number] = m.results
        self.measurements[p.number] = m

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
                self._complete(p, t)
                candidates, added = candidates[n:], 0
        for a in candidates[added:]:
            tally.add(a)
        p.applied.extend(candidates)
        m = tally.measurement()
        self.results[p.number], self.measurements[p.number] = m.results, m

    def _apply_optimal(self, p: Period, valid: list[Record], t: dt.date, apply_all: bool) -> None:
        reqs = self.requirements[p.kind]
        fixed = list(p.applied)
        candidates = [self._applied(r, p) for r in valid]
        choice = optimal.choose(
            fixed,
            candidates,
            lambda lst: self._measure(p, lst),
            apply_all,
            lambda a, _m: reqs.beyond_credits(a, p.values(), self.holder, p.number),
            feasible=lambda lst: reqs.feasible(lst, p.values(), self.holder, p.number),
            exclusive=self.discards,
        )
        if choice.completing is not None and p.completed_on is None:
            p.applied[:] = fixed + (candidates[: choice.completing] if apply_all else choice.taken)
            self._complete(p, t)
        p.applied[:] = fixed + choice.taken
        taken = {a.record.id for a in choice.taken}
        for r in valid:
            if r.id not in taken:
                self.last_event[r.id] = ("not-needed", p)
                if choice.completing is None:
                    self.unneeded_while_open.add(r.id)
        self.results[p.number] = choice.measurement.results
        self.measurements[p.number] = choice.measurement

    def _complete(self, p: Period, t: dt.date) -> None:
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
        p.known_complete_on = min(t, completing_day(p))
        p.late = any(a.late for a in p.applied)

    def _extend(self) -> Period | None:
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
            self._judge()
        return nxt

    def _restart(self, p: Period, known: Sequence[Record], now: dt.date) -> Period | None:
        """After ``p``: with ``periods.restart``, a lapsed chain ends unless a record
        restarts it (a new chain); otherwise the next period as usual."""
        if not lapsed(p, now):
            return self._extend()
        found = restart_after(self.policy, self.holder, p, known, self.effective, now)
        if found is None:
            return None
        period, record = found
        self.periods.append(period)
        self.restarted_by[record.id] = period
        self._judge()
        return period

    def _renewal_location(self) -> Location | None:
        periods = self.policy.periods
        return None if periods is None or periods.renewal is None else periods.renewal.location

    def _toward(self, p: Period, a: Applied) -> list[dict[str, str]]:
        m = self.measurements.get(p.number)
        if m is None:
            return []
        return [{"requirement": name, "credits": str(amount)} for name, amount in m.toward(a.key)]

    def _superseded(self, r: Record, known: Sequence[Record]) -> bool:
        """Whether a later registration of ``r``'s course is among ``known`` (a record
        not applied yet is then never offered; see ``registrations``)."""
        if not self.policy.allocation.current_registration_only or not r.course:
            return False
        return withdrawn_on(r, known) is not None

    def _withdraw(self, known: Sequence[Record], t: dt.date) -> None:
        """Replay day ``t``: a later registration recorded by now withdraws an earlier
        one from every period not complete before today (``registrations``)."""
        for p in self.periods:
            if p.completed_on is not None:
                continue
            keep = [
                a
                for a in p.applied
                if a.carried_from is not None
                or (day := withdrawn_on(a.record, known)) is None
                or day > t
            ]
            if len(keep) != len(p.applied):
                p.applied[:] = keep
                m = self._measure(p, p.applied)
                self.results[p.number], self.measurements[p.number] = m.results, m

    def _apply_registrations(
        self, p: Period, inside: list[Record], eligible: Sequence[Record], apply_all: bool
    ) -> None:
        """``unused: discard``: apply ``inside`` to ``p``, then withdraw the earlier
        registrations whose later one was recorded before ``p`` was complete, and apply
        again without them, until none is left to withdraw (each round can only make the
        period complete later)."""
        start = list(p.applied)  # what was carried in
        withdrawn: set[str] = set()
        while True:
            offered = [r for r in inside if r.id not in withdrawn]
            self._apply(p, offered, self.as_of, apply_all)
            more = to_withdraw(offered, p, eligible) if self._registrations else set()
            if not more:
                return
            withdrawn |= more
            p.applied[:] = start
            p.completed_on = p.became_complete_on = p.known_complete_on = None
            p.late = False
            if p.kind == "initial":
                self.holder.pop("certified_on", None)

    # -- the two allocation modes ------------------------------------------------
    def by_earned_period(self, eligible: list[Record]) -> None:
        """``unused: discard``: each record goes to the period its effective date falls in."""
        apply_all = self.apply_all
        assert self.policy.periods is not None
        # a look-back window: each period takes every record its window holds, whichever
        # other periods took it too
        overlap = self.policy.periods.look_back is not None
        p = self.periods[0]
        carried: list[Applied] = []
        while True:
            if p.start > self.as_of:
                break  # a future period: laid out, not begun
            p.began_on = p.start
            p.applied.extend(carried)
            placed = set() if overlap else self._placed()
            inside = [
                r
                for r in eligible
                if (
                    p.window_start <= self.effective[r.id] <= p.end
                    if overlap
                    else p.contains(self.effective[r.id])
                )
                and r.id not in placed
            ]
            for r in inside:
                if self.effective[r.id] < p.window_start:
                    self.last_event[r.id] = ("before-window", p)
            inside = [r for r in inside if self.effective[r.id] >= p.window_start]
            self._apply_registrations(p, inside, eligible, apply_all)
            if p.completed_on is None and p.grace_end > p.end and self.as_of > p.end:
                late = [
                    r
                    for r in eligible
                    if p.in_grace(self.effective[r.id]) and not self._superseded(r, eligible)
                ]
                self._apply_late(p, late)
            if p.end >= self.as_of:
                break
            nxt = self._restart(p, eligible, self.as_of) if self._restarts else self._extend()
            if nxt is None:
                break
            placed = self._placed()
            untaken = [
                self._applied(r, p)
                for r in inside
                if r.id not in placed and self.last_event.get(r.id, ("",))[0] == "not-needed"
            ]
            carried = carry(
                self.policy,
                self.holder,
                p,
                nxt,
                self.requirements[p.kind],
                self.measurements[p.number],
                untaken,
            )
            if carried:  # the period keeps what it needed; measure what is left
                m = self._measure(p, p.applied)
                self.results[p.number], self.measurements[p.number] = m.results, m
            p = nxt

    def _apply_late(self, p: Period, late: list[Record]) -> None:
        """Records earned in ``p``'s grace period go to ``p`` only if they complete it (as
        many as that takes); otherwise they stay for the next period."""
        applied = list(p.applied)
        results, measurement = self.results.get(p.number), self.measurements.get(p.number)
        self._apply(p, late, self.as_of, False)
        if p.completed_on is None:
            p.applied[:] = applied
            if results is not None and measurement is not None:
                self.results[p.number], self.measurements[p.number] = results, measurement
            for r in late:
                self.last_event.pop(r.id, None)

    def _apply_to_completed(self, pool: list[Record], known: list[Record]) -> None:
        """``apply: all``, once the replay is over: a record no period took (recorded after
        the period it was earned in completed, and not valid for a later one) is applied
        to that period, as every valid record is; it no longer ends as not valid for a
        later period's window. A record a later period could use has been used there."""
        done = [q for q in self.periods if q.completed_on is not None]
        if not done:
            return
        placed = self._placed()
        changed = set()
        for r in pool:
            if r.id in placed:
                continue
            day = self.effective[r.id]
            q = next((q for q in done if q.contains(day) and self._valid(r, q)), None)
            # an earlier registration stays in a period complete before its later one
            # was recorded (registrations)
            if q is not None and not (self._registrations and to_withdraw([r], q, known)):
                q.applied.append(self._applied(r, q))
                changed.add(q.number)
        for q in done:
            if q.number in changed:
                m = self._measure(q, q.applied)
                self.results[q.number], self.measurements[q.number] = m.results, m

    def _placed(self) -> set[str]:
        return {a.record.id for q in self.periods for a in q.applied if a.carried_from is None}

    def replay_in_recorded_order(self, eligible: list[Record]) -> None:
        """``unused: carry-forward``: records applied in the order they were recorded."""
        apply_all = self.apply_all
        t0 = self.periods[0].start
        arrivals = sorted(
            eligible, key=lambda r: (max(r.recorded_on, t0), self.effective[r.id], r.order)
        )
        pool: list[Record] = []
        known: list[Record] = []
        i = 0
        current: Period | None = self.periods[0]
        begin = self.periods[0].start
        while current is not None:
            times = [begin] if current.began_on is None else []
            if i < len(arrivals):
                times.append(max(arrivals[i].recorded_on, t0))
            if not times or min(times) > self.as_of:
                break
            t = min(times)
            while i < len(arrivals) and max(arrivals[i].recorded_on, t0) <= t:
                pool.append(arrivals[i])
                known.append(arrivals[i])
                i += 1
            if self._registrations:
                self._withdraw(known, t)
            if current.began_on is None and begin <= t:
                current.began_on = begin
            while current is not None and current.began_on is not None:
                applied_ids = self._placed()
                candidates = [
                    r for r in pool if r.id not in applied_ids and not self._superseded(r, known)
                ]
                self._apply(current, candidates, t, apply_all)
                if current.completed_on is None:
                    restarts = self._restarts and lapsed(current, t)
                    nxt = self._restart(current, pool, t) if restarts else None
                    if nxt is None:
                        break
                    current = nxt
                    begin = max(current.start, t)
                    if begin <= t:
                        current.began_on = begin
                    continue
                current = self._extend()
                if current is not None:
                    begin = max(current.start, t)
                    if begin <= t:
                        current.began_on = begin
        if apply_all:
            # records recorded after the last period was laid out (a `limit` reached)
            # are known by now too: they may belong to a completed period
            while i < len(arrivals) and max(arrivals[i].recorded_on, t0) <= self.as_of:
                pool.append(arrivals[i])
                known.append(arrivals[i])
                i += 1
            self._apply_to_completed(pool, known)

    # -- dispositions ------------------------------------------------------------
    def dispositions(self, eligible: list[Record]) -> None:
        # the first period a record was applied to (with a look-back window it may count
        # in later ones too: ``also``)
        placed: dict[str, tuple[Period, Applied]] = {}
        also: dict[str, list[Period]] = {}
        for p in self.periods:
            for a in p.applied:
                if a.carried_from is not None:
                    continue
                if a.record.id in placed:
                    also.setdefault(a.record.id, []).append(p)
                else:
                    placed[a.record.id] = (p, a)
        carried = {
            a.record.id: (p, a)
            for p in self.periods
            for a in p.applied
            if a.carried_from is not None
        }
        for r in eligible:
            o = self.outcomes[r.id]
            o.effective_on = self.effective[r.id]
            o.credits = self.credits[r.id]
            moved = carried.get(r.id)
            if moved is not None:
                o.carried = {
                    "credits": str(moved[1].credits),
                    "from_period": moved[1].carried_from,
                    "to_period": moved[0].number,
                }
                o.counted_toward = self._toward(moved[0], moved[1])
            if r.id in placed:
                p, a = placed[r.id]
                o.period = p.number
                o.disposition = why.applied(
                    p, a.late, None if moved is None else (moved[1].credits, moved[0])
                )
                o.counted_toward = self._toward(p, a)
                if r.id in also:
                    o.also_applied_to = [q.number for q in also[r.id]]
                    o.disposition = why.also_counts(o.disposition, also[r.id])
            elif moved is not None:
                o.period = moved[0].number
                o.disposition = why.carried_over(moved[1].credits, moved[0])
            elif r.id in self.last_event and self.last_event[r.id][0] == "before-window":
                o.disposition = why.before_window(self.effective[r.id], self.last_event[r.id][1])
            elif self._superseded(r, eligible):
                o.disposition = why.superseded_registration(r)
            elif r.id in self.last_event and self.last_event[r.id][0] == "not-needed":
                o.disposition = why.not_needed(
                    self.last_event[r.id][1],
                    open_=r.id in self.unneeded_while_open,
                    credits=self.credits[r.id],
                )
            elif (lapse := why.in_lapse(self.periods, self.effective[r.id])) is not None:
                o.disposition = lapse
            elif r.id in self.last_event:
                o.disposition = why.invalid(
                    self.policy, self.effective[r.id], self.last_event[r.id][1]
                )
            else:
                o.disposition = why.outside(self.periods, self.effective[r.id], self.as_of)
            if r.id in self.restarted_by:
                o.disposition = why.restarted(o.disposition, self.restarted_by[r.id])
            notes = [d.reason for d in o.decisions if d.status in ("declined", "refused")]
            if notes:  # a change not allowed: say so on the record itself, not only below it
                o.disposition = why.with_notes(o.disposition, notes)


def evaluate(
    policy: Policy, holder: Holder, records: Sequence[Record], as_of: dt.date
) -> Evaluation:
    """Evaluate ``holder``'s ``records`` under ``policy`` as of the end of ``as_of``."""
    run_ = _Run(policy, holder, records, as_of)
    for r in run_.records:
        run_.outcomes[r.id] = RecordOutcome(r)
    first = initial_period(policy, run_.holder)
    if first is not None:
        run_.periods.append(first)
        run_._judge()
    else:
        run_._extend()
    eligible: list[Record] = []
    for r in run_.records:
        o = run_.outcomes[r.id]
        if r.recorded_on > as_of:
            o.disposition = why.not_yet_recorded(r, as_of)
        elif r.earned_on > as_of:
            o.disposition = why.not_yet_earned(r, as_of)
        elif not run_._counts(r):
            o.disposition = why.by_status(r)
        else:
            run_.credits[r.id] = run_._credits(r)
            eligible.append(r)
    if run_.discards:
        run_.by_earned_period(eligible)
    else:
        run_.replay_in_recorded_order(eligible)
    run_.dispositions(eligible)
    # the status is about the latest chain of periods (periods.restart), certified since
    # it began
    chain = latest_chain(run_.periods)
    seen_as = run_.holder
    if chain and chain[0].chain > 1:
        seen_as = {**run_.holder, "certified_on": chain[0].start}
    status, renewal = holder_status(chain, run_.results, seen_as, as_of)
    status = policy_status(policy, status, run_.periods, run_.holder, as_of)
    outcomes = [run_.outcomes[r.id] for r in run_.records]
    suggest_actions(policy, run_.periods, outcomes, as_of, run_.holder)
    return Evaluation(policy, holder, as_of, run_.periods, run_.results, outcomes, status, renewal)
