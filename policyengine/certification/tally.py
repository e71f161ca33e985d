"""A period's requirements tallied one record at a time (chronological allocation).

Chronological allocation asks two questions record by record: *is the period complete
yet?* and *would this record bring it closer?* Measuring the whole period again for each
record (``Requirements.measure``) makes that quadratic. A :class:`Tally` keeps the
first-fit state between records instead — what each allocation node has counted, what
each cap has left, the items, courses and per-year credits of each requirement — so
adding a record, or trying one, costs the depth of the requirement tree, not the number
of records applied. The full :class:`~policyengine.certification.requirements.Measurement`
(what the output shows) is still computed once, from the records taken.

The numbers a tally compares are exactly those ``progress(measure(...).results)`` gives:
first-fit never revises an earlier record, every record's credits are given (within the
caps) when it is added, and the surplus attribution ``measure`` adds afterwards only moves
credits into requirements already met (see allocation.py), so ``min(counted, required)``
per requirement and per year, and the missing courses, agree. ``tests/certification/
test_tally.py`` checks this against ``measure`` on random histories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from policyengine.certification import allocation as al
from policyengine.certification.requirements import Applied, Measurement, Requirements, Scope
from policyengine.decimals import ZERO

Progress = tuple[tuple[Decimal, Decimal, int], ...]


class _State:
    """What the records added so far have counted (small: nodes and requirements)."""

    __slots__ = ("cap_left", "counted", "courses", "given", "items", "total", "year_got")

    def __init__(self, caps: Mapping[al.Cap, Decimal], size: int) -> None:
        self.counted: dict[al.Node, Decimal] = {}
        self.cap_left: dict[al.Cap, Decimal] = dict(caps)
        self.items = [0] * size
        self.given = [ZERO] * size  # credits of the records matching each requirement
        self.total = ZERO  # credits given, all records
        self.courses: list[set[str]] = [set() for _ in range(size)]
        self.year_got: dict[tuple[int, int], Decimal] = {}

    def copy(self) -> _State:
        new = _State.__new__(_State)
        new.counted, new.cap_left = dict(self.counted), dict(self.cap_left)
        new.items, new.given, new.total = list(self.items), list(self.given), self.total
        new.courses = [set(c) for c in self.courses]
        new.year_got = dict(self.year_got)
        return new


class Tally:
    """The chronological (first-fit) allocation of one period, one record at a time."""

    def __init__(
        self,
        requirements: Requirements,
        period: Scope,
        holder: Mapping[str, Any],
        period_no: int,
        applied: Sequence[Applied] = (),
    ) -> None:
        self.reqs = requirements
        self.period_no = period_no
        self.scope: Scope = {
            **requirements.policy.base_values(),
            "period": period,
            "holder": holder,
        }
        setup = requirements.for_tally(self.scope, period)
        self.tree, self.years, self.caps = setup.tree, setup.years, setup.caps
        self.required = setup.required
        plain = setup.flow_caps  # caps per group join as records do
        self.state = _State(plain, len(requirements.items))
        # the first-fit assignment of the records added, for measurement()
        self.assignment = al.Assignment(cap_left=dict(plain))
        self.applied: list[Applied] = []
        # on the plain path: what each of ``applied`` counts in all (Assignment.given of
        # each), known as it is added; None once a unit's parts could change after
        self._given: list[Decimal] | None = []
        self.matched: list[tuple[bool, ...]] = []
        self.units: list[al.Unit] = []
        # one total, nothing else to share credits among: no categories, years, caps,
        # courses or `where` (what _add does, without asking for nodes and caps)
        self._plain = setup.plain
        # a plain tally whose minimums are all the total's: complete once the total
        # reaches the largest (what _met answers then)
        self._total_needed = setup.total_needed
        for a in applied:
            self.add(a)

    # -- the two questions ---------------------------------------------------------
    def complete(self) -> bool:
        """Every requirement of the period met by the records added (a method, not a
        property: the answer changes as records are added)."""
        return self._met(self.state)

    def helps(self, a: Applied) -> bool:
        """Whether adding ``a`` brings some unmet requirement closer (the test
        chronological allocation applies a record by)."""
        trial = self.state.copy()
        self._add(trial, a)
        return any(
            n > o for n, o in zip(self._progress(trial), self._progress(self.state), strict=True)
        )

    def add(self, a: Applied) -> None:
        self._add(self.state, a, record=True)

    def measurement(self) -> Measurement:
        """The full measurement of the records added: the same as
        ``Requirements.measure`` of them in order (first-fit), without allocating again.
        The tally is spent afterwards."""
        return self.reqs.measurement(
            self.scope,
            self.tree,
            self.years,
            self.caps,
            self.applied,
            self.matched,
            self.units,
            self.assignment,
            surplus=not self._plain,  # every credit is given as it is added
            given=self._given if self._plain else None,
        )

    def first_complete(self, candidates: Sequence[Applied]) -> int | None:
        """The smallest n such that the records added plus ``candidates[:n]`` complete the
        period (None when all of them do not); the candidates counted are added."""
        if self.complete():
            return 0
        if self._plain:
            return self._add_plain(self.state, candidates, record=True, stop=True)
        for n, a in enumerate(candidates, 1):
            self.add(a)
            if self.complete():
                return n
        return None

    def add_all(self, candidates: Sequence[Applied]) -> None:
        """:meth:`add` each of ``candidates``, in order."""
        if self._plain:
            self._add_plain(self.state, candidates, record=True, stop=False)
            return
        for a in candidates:
            self.add(a)

    # -- first-fit, one unit -------------------------------------------------------
    def _add(self, s: _State, a: Applied, record: bool = False) -> None:
        """First-fit ``a`` into ``s``; ``record``: also into the assignment kept for
        :meth:`measurement` (a trial does not)."""
        if self._plain:
            self._add_plain(s, (a,), record, stop=False)
            return
        reqs = self.reqs
        match, unit = reqs.prepared(a, self.scope, self.years, self.tree, self.caps, self.period_no)
        nodes, caps = unit.nodes, unit.caps
        for c in caps:  # the first record of a cap's group: the group has all of it
            if c not in s.cap_left:
                s.cap_left[c] = self.caps[("cap", c[1])]
        key = a.key
        if record:
            self.applied.append(a)
            self.matched.append(match)
            self.units.append(unit)
            self.assignment.parts.setdefault(key, [])
        amount = a.credits
        for c in caps:
            amount = min(amount, s.cap_left[c])
        amount = max(ZERO, amount)
        for c in caps:
            s.cap_left[c] -= amount
        given, rest = amount, amount
        minimum, counted = self.tree.minimum, s.counted
        for node in (*nodes, al.ROOT):
            if rest <= 0:
                break
            take = min(rest, max(ZERO, minimum.get(node, ZERO) - counted.get(node, ZERO)))
            if take > 0:
                self._count(s, node, take)
                if record:
                    self.assignment.give(key, node, take, needed=True)
                rest -= take
        if rest > 0:  # surplus: counted where it fits first, needed by no minimum
            node = nodes[0] if nodes else al.ROOT
            self._count(s, node, rest)
            if record:
                self.assignment.give(key, node, rest, needed=False)
        if record and caps:
            self.assignment.cap_left.update((c, s.cap_left[c]) for c in caps)
        s.total += given
        course = a.record.course
        for i, matched in enumerate(match):
            if not matched:
                continue
            s.items[i] += 1
            s.given[i] += given
            if course is not None:
                s.courses[i].add(course)
            spans = self.years.get(i)
            if spans is not None:
                y = reqs.year_of(a, i, spans)
                if y is not None:
                    s.year_got[(i, y)] = s.year_got.get((i, y), ZERO) + given

    def _add_plain(
        self, s: _State, candidates: Sequence[Applied], record: bool, stop: bool
    ) -> int | None:
        """:meth:`_add` of each of ``candidates`` when the total is the only allocation
        node (``_plain``): the same steps in the same order, so every sum is the same
        decimal. ``stop``: stop once the period is complete and say after how many (None:
        not complete, or not asked). No units are kept: :meth:`measurement` of a plain
        tally needs none (no caps, no surplus)."""
        reqs, root = self.reqs, al.ROOT
        everything, carried = reqs.everything, reqs.carried
        assert everything is not None and carried is not None
        assignment = self.assignment
        minimum = self.tree.minimum.get(root, ZERO)
        counted, items, given = s.counted, s.items, s.given
        total, goal = s.total, self._total_needed
        for n, a in enumerate(candidates, 1):
            rid, source = a.record.id, a.carried_from
            key = rid if source is None else f"{rid}@{source}"  # a.key
            match = everything if source is None else carried
            if record:
                self.applied.append(a)
                self.matched.append(match)
                fresh = not assignment.parts.setdefault(key, [])
                if not fresh:  # given before: its total changes,
                    self._given = None  # worked out later
            # max(ZERO, credits); min(x, y) is x when x <= y: the same objects as _add
            credits = a.credits
            amount = credits if credits > ZERO else ZERO
            take = rest = ZERO  # what a minimum needs of it, and the surplus
            if amount > ZERO:
                have = counted.get(root, ZERO)
                need = minimum - have
                if need > ZERO:
                    take = amount if amount <= need else need
                    counted[root] = have = have + take
                    rest = amount - take
                    if rest > ZERO:  # surplus: counted, needed by no minimum
                        counted[root] = have + rest
                else:
                    rest = amount
                    counted[root] = have + amount
            if record:
                if fresh:
                    got = assignment.give_first(key, root, take, rest)
                    if self._given is not None:
                        self._given.append(got)
                else:  # give() leaves out what is not more than 0
                    assignment.give(key, root, take, needed=True)
                    assignment.give(key, root, rest, needed=False)
            total += amount
            for i, matched in enumerate(match):
                if matched:
                    items[i] += 1
                    given[i] += amount
            if stop:
                s.total = total
                # _met, its plain case in place
                if total >= goal if goal is not None else self._met(s):
                    return n
        s.total = total
        return None

    def _count(self, s: _State, node: al.Node, amount: Decimal) -> None:
        for n in self.tree.chain(node):
            s.counted[n] = s.counted.get(n, ZERO) + amount

    # -- what measure() would say ----------------------------------------------------
    def _counted(self, s: _State, i: int) -> Decimal:
        reqs = self.reqs
        if not reqs.credits[i]:
            return Decimal(s.items[i])
        if i in reqs.categories:
            return s.counted.get(i, ZERO)
        if i in reqs.roots:
            return s.total
        return s.given[i]

    def _year(self, s: _State, i: int, y: int) -> Decimal:
        """Year ``y``'s credits toward requirement ``i``, as far as its minimum can tell:
        a year that is an allocation node counts what first-fit gave it (more reaches it
        only once it is met); the total's years beside categories sum the records'."""
        if self.reqs.year_leaves(i):
            return s.counted.get(("year", i, y), ZERO)
        return s.year_got.get((i, y), ZERO)

    def _progress(self, s: _State) -> Progress:
        out = []
        for i, req in enumerate(self.reqs.items):
            required = self.required[i]
            counted = min(self._counted(s, i), required) if required is not None else ZERO
            years = sum(
                (
                    min(self._year(s, i, y), each)
                    for y, (_a, _b, each) in enumerate(self.years.get(i, ()))
                ),
                ZERO,
            )
            missing = sum(1 for c in req.courses if c not in s.courses[i])
            out.append((counted, years, -missing))
        return tuple(out)

    def _met(self, s: _State) -> bool:
        if self._total_needed is not None:  # a plain tally: the total decides (__init__)
            return s.total >= self._total_needed
        for i, req in enumerate(self.reqs.items):
            required = self.required[i]
            if required is not None and self._counted(s, i) < required:
                return False
            if any(c not in s.courses[i] for c in req.courses):
                return False
            for y, (_a, _b, each) in enumerate(self.years.get(i, ())):
                if self._year(s, i, y) < each:
                    return False
        return True
