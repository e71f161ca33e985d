"""Measuring a period's requirements over the records applied to it.

The policy's requirement list becomes a tree (docs/requirements.md): the total at
the root, categories (a ``where`` and a ``min``) under it or ``within`` another
category, per-year minimums as a category's years. Caps (``max``/``max_share``) limit
how much the records they match contribute at all. Which credit counts where is
decided by ``allocation.py`` (first-fit for ``order: chronological``, maximum flow for
``optimal``). ``measure: items`` and ``courses`` are counted over the applied records.
All arithmetic is exact (Decimal).
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from policyengine.certification import allocation as al
from policyengine.certification import maxflow as mf
from policyengine.certification.answers import ROWS, RecordAnswers, record_answers
from policyengine.certification.requirement_result import (
    RequirementResult,
    YearResult,
    all_met,
    period_years,
    year_values,
)
from policyengine.decimals import ZERO
from policyengine.errors import Diagnostic, PolicyError
from policyengine.expr.values import format_value
from policyengine.policy.model import Amount, Policy, Requirement, resolve_amount
from policyengine.policy.rule import reads_only_constants
from policyengine.records.model import Record, record_values

# What an expression scope holds (name -> value), as the rules are called with it.
Scope = dict[str, Any]
YearSpan = tuple[dt.date, dt.date, Decimal]  # first day, last day, minimum
Years = dict[int, list[YearSpan]]  # requirement index -> its years

__all__ = ["Applied", "Measurement", "RequirementResult", "Requirements", "all_met", "progress"]


class Applied(NamedTuple):
    """A record (or the part of it carried from an earlier period) as applied (a named
    tuple: one is made for each record in each period it is offered to, and a tuple is
    made three times faster than a frozen dataclass)."""

    record: Record
    effective_on: dt.date  # the earned date that counts, after accepted adjustments
    credits: Decimal
    carried_from: int | None = None  # the period number it was carried over from
    late: bool = False  # earned in the grace period after the period's end

    @property
    def key(self) -> str:
        return (
            self.record.id if self.carried_from is None else f"{self.record.id}@{self.carried_from}"
        )

    def values(self) -> dict[str, Any]:
        """The record as expressions see it once applied: its effective date and the
        credits that count (``scopes.RECORD``)."""
        return record_values(self.record, effective_on=self.effective_on, credits=self.credits)


class TallySetup(NamedTuple):
    """What a period's tally starts from (``Requirements.for_tally``)."""

    tree: al.Tree
    years: Years
    caps: dict[al.Cap, Decimal]
    required: list[Decimal | None]  # each requirement's minimum (None: none)
    flow_caps: dict[al.Cap, Decimal]  # the caps as records join them (copied by each)
    plain: bool  # one total, nothing to share credits among, no caps
    total_needed: Decimal | None  # plain, and every minimum the total's: the largest


@dataclass
class Measurement:
    results: list[RequirementResult]
    assignment: al.Assignment
    names: dict[Any, str | None]  # allocation node -> requirement id (None: no total)
    capped: dict[str, str]  # unit key -> the innermost cap covering it (requirement id)

    @property
    def feasible(self) -> bool:
        """Every requirement met."""
        return all_met(self.results)

    def toward(self, key: str) -> list[tuple[str, Decimal]]:
        """Requirement id -> credits: where each credit of the record counted (credits
        counted only for the total are shown under the cap that limits them, if any)."""
        out: dict[str, Decimal] = {}
        for node, amount in self.assignment.parts.get(key, []):
            name = self.capped.get(key, self.names[node]) if node == al.ROOT else self.names[node]
            if name is None:  # counted for no requirement: the policy has no total
                continue
            out[name] = out.get(name, ZERO) + amount
        return list(out.items())

    def needed(self, key: str) -> Decimal:
        return self.assignment.needed.get(key, ZERO)


class Requirements:
    """The requirement list that applies to one kind of period."""

    def __init__(self, policy: Policy, period_kind: str):
        self.policy = policy
        self.items: list[Requirement] = list(policy.requirements_for(period_kind).items)
        self.optimal = policy.allocation.order == "optimal"
        self.look_back = policy.periods is not None and policy.periods.look_back is not None
        ids = {r.id: i for i, r in enumerate(self.items)}
        self.within = {i: ids[r.within] for i, r in enumerate(self.items) if r.within is not None}
        self.credits = [r.counts_credits for r in self.items]
        # the total: no `where`; one with only a cap (`max: 8, per: record.earned_on`
        # for every record) is a cap, not a total
        self.roots = [
            i
            for i, r in enumerate(self.items)
            if r.where is None
            and self.credits[i]
            and not (r.has_cap and r.min is None and r.per_year is None)
        ]
        self.categories = [
            i
            for i, r in enumerate(self.items)
            if r.where is not None
            and self.credits[i]
            and (r.min is not None or r.per_year is not None)
        ]
        # what records match, by (period, record key, date, credits): one Requirements
        # serves one evaluation, where a key names one record
        self._cache: dict[tuple[Any, ...], tuple[bool, ...]] = {}
        self._groups: dict[tuple[Any, ...], object] = {}  # the same, for `per` values
        self._prepared: dict[tuple[Any, ...], tuple[tuple[bool, ...], al.Unit]] = {}
        # requirements a maximum flow does not decide (see feasible())
        self._beyond_flow = any(
            not r.counts_credits
            or r.courses
            or (r.per_year is not None and i in self.roots and not self.year_leaves(i))
            for i, r in enumerate(self.items)
        )
        self._order = {i: n for n, i in enumerate(self.categories)}
        # the `where` answers, when every `where` reads only record fields (_wheres);
        # shared by the copies of a template, so by every holder of the policy
        self._answers: RecordAnswers[tuple[bool, ...]] | None = record_answers(
            [r.where for r in self.items if r.where is not None]
        )
        # the categories deepest first, in policy order (how a unit lists its nodes)
        self._deepest_first = sorted(self.categories, key=lambda i: (-self._depth(i), i))
        # no `where` and no `within`: every record matches every requirement (a carried
        # one those it may count toward), decided without a cache
        self.everything = (
            None
            if any(r.where is not None or r.within is not None for r in self.items)
            else tuple(True for _ in self.items)
        )
        self.carried = tuple(r.carried_may_count for r in self.items)
        # no categories and no years: no record has an allocation node below the total
        self.flat = not self.categories and all(r.per_year is None for r in self.items)
        # minimums and caps that read nothing but constants, no per-year minimums: every
        # period of this kind has the same tree and caps (build() once)
        self._static = all(
            r.per_year is None and _constant(r.min) and _constant(r.max) for r in self.items
        )
        # what build() and minimums() give every period, when _static (the same for every
        # holder too: kept with the policy)
        self._fixed = _FIXED.setdefault(policy, {}).setdefault(period_kind, _Fixed())
        # one total and nothing else to share credits among (no categories, years,
        # `where` or courses): a Tally's fast path when no requirement caps either
        self.plain = (
            self.flat and self.everything is not None and not any(r.courses for r in self.items)
        )
        # the same tree and caps for every period, no per-year minimums and no cap per
        # group: a record's nodes and caps follow from its own `where` answers alone
        # (prepared() keeps them by those answers, for every holder: _Fixed.by_row)
        self._by_row = self._static and not any(r.per is not None for r in self.items)

    @classmethod
    def for_run(cls, policy: Policy, period_kind: str) -> Requirements:
        """The requirement list for one evaluation: what the policy says is worked out
        once per policy (a template), the caches of records seen are the run's own."""
        templates = _FIXED.setdefault(policy, {}).setdefault(period_kind, _Fixed())
        if templates.template is None:
            templates.template = template = cls(policy, period_kind)
            # kept with the policy as a weak key: its value must not refer to it
            del template.policy
        made = cls.__new__(cls)  # a shallow copy (copy.copy, without its protocol)
        made.__dict__.update(templates.template.__dict__)
        made.policy = policy
        made._cache, made._groups, made._prepared = {}, {}, {}
        return made

    # -- numbers and filters -------------------------------------------------------
    def number(self, value: Amount | None, values: dict[str, Any]) -> Decimal | None:
        return resolve_amount(value, values)

    def _own_matches(self, a: Applied, scope: Scope, period_no: int) -> tuple[bool, ...]:
        cache_key = (period_no, a.key, a.effective_on, a.credits)
        hit = self._cache.get(cache_key)
        if hit is not None:
            return hit
        row = self._wheres(a, scope)
        if a.carried_from is not None:
            row = tuple(
                ok and req.carried_may_count for ok, req in zip(row, self.items, strict=True)
            )
        self._cache[cache_key] = row
        return row

    def _wheres(self, a: Applied, scope: Scope) -> tuple[bool, ...]:
        """Each requirement's ``where`` on ``a`` (True without one); answered from
        :attr:`_answers` when every ``where`` reads only record fields (answers.py)."""
        answers = self._answers
        key, known = (
            (None, None)
            if answers is None
            else answers.look_up(a.record, a.effective_on, a.credits)
        )
        if known is not None:
            return known
        values = {**scope, "record": a.values()}
        row = tuple(req.where is None or req.where(values) is True for req in self.items)
        if answers is not None:
            answers.keep(key, row)
        return row

    def matches(self, a: Applied, scope: Scope, period_no: int) -> tuple[bool, ...]:
        """Whether ``a`` counts toward each requirement: its own ``where`` and those of
        the requirements it is within."""
        if self.everything is not None:
            return self.everything if a.carried_from is None else self.carried
        cache_key = ("within", period_no, a.key, a.effective_on, a.credits)
        hit = self._cache.get(cache_key)
        if hit is not None:
            return hit
        self._cache[cache_key] = result = self._within(self._own_matches(a, scope, period_no))
        return result

    def _within(self, own: tuple[bool, ...]) -> tuple[bool, ...]:
        """Each requirement's own answer (``own``) and those of the requirements it is
        within."""
        out = []
        for i in range(len(self.items)):
            j, ok = i, own[i]
            while ok and j in self.within:
                j = self.within[j]
                ok = own[j]
            out.append(ok)
        return tuple(out)

    # -- the tree ------------------------------------------------------------------
    def _depth(self, i: int) -> int:
        """How many nodes the chain from category ``i`` up to the total has (the tree's
        ``len(chain(i))``)."""
        up = self._parent(i)
        return 2 if up == al.ROOT else 1 + self._depth(up)

    def _parent(self, i: int) -> Any:
        j = self.within.get(i)
        while j is not None and j not in self.categories:
            j = self.within.get(j)
        return al.ROOT if j is None else j

    def build(self, scope: Scope, period: Scope) -> tuple[al.Tree, Years, dict[al.Cap, Decimal]]:
        """The requirement tree, each requirement's years and the caps, for a period
        (the same for every period when :attr:`_static`; no caller changes them)."""
        if self._fixed.built is not None:
            return self._fixed.built
        built = self._build(scope, period)
        if self._static:
            self._fixed.built = built
        return built

    def for_tally(self, scope: Scope, period: Scope) -> TallySetup:
        """What a :class:`~policyengine.certification.tally.Tally` of a period starts
        from (the same for every period when :attr:`_static`: made once then)."""
        if self._fixed.tally is not None:
            return self._fixed.tally
        tree, years, caps = self.build(scope, period)
        required = self.minimums(scope)
        plain = self.plain and not caps
        total_needed = None
        # a plain tally whose minimums are all the total's: complete once the total
        # reaches the largest
        if plain and all(i in self.roots for i, m in enumerate(required) if m is not None):
            total_needed = max((m for m in required if m is not None), default=ZERO)
        setup = TallySetup(
            tree, years, caps, required, self.flow_caps(caps, ()), plain, total_needed
        )
        if self._static:
            self._fixed.tally = setup
        return setup

    def minimums(self, scope: Scope) -> list[Decimal | None]:
        """Each requirement's minimum for a period (None: it has none)."""
        if self._fixed.minimums is not None:
            return self._fixed.minimums
        out = [self.number(r.min, scope) for r in self.items]
        if self._static:
            self._fixed.minimums = out
        return out

    def _build(self, scope: Scope, period: Scope) -> tuple[al.Tree, Years, dict[al.Cap, Decimal]]:
        parent: dict[Any, Any] = {i: self._parent(i) for i in self.categories}
        minimum: dict[Any, Decimal] = {
            i: self.number(self.items[i].min, scope) or ZERO for i in self.categories
        }
        minimum[al.ROOT] = max(
            (self.number(self.items[i].min, scope) or ZERO for i in self.roots), default=ZERO
        )
        years: dict[int, list[tuple[dt.date, dt.date, Decimal]]] = {}
        # the years a period's records can fall in: a look-back window's, from its start
        span = period["window_start"] if self.look_back else period["start"]
        for i, req in enumerate(self.items):
            if req.per_year is not None and self.credits[i]:
                kind = req.per_year.years
                per_year_min = req.per_year.min
                years[i] = [
                    (
                        start,
                        end,
                        self.number(
                            per_year_min, {**scope, "year": year_values(n, start, end, kind)}
                        )
                        or ZERO,
                    )
                    for n, (start, end) in enumerate(period_years(span, period["end"], kind), 1)
                ]
                if self.year_leaves(i):
                    node = i if i in self.categories else al.ROOT
                    for y, (_s, _e, each) in enumerate(years[i]):
                        parent[("year", i, y)] = node
                        minimum[("year", i, y)] = each
        caps: dict[Any, Decimal] = {}
        total_min = minimum[al.ROOT]
        for i, req in enumerate(self.items):
            cap = self.number(req.max, scope)
            if cap is None and req.max_share is not None:
                cap = req.max_share * total_min
            if cap is not None:
                caps[("cap", i)] = cap
        return al.Tree(parent, minimum), years, caps

    def year_leaves(self, i: int) -> bool:
        """Per-year minimums of a category, or of the total when there are no categories,
        are part of the allocation; the total's with categories is a sum of all credits."""
        return i in self.categories or not self.categories

    def beyond_credits(
        self, a: Applied, period: Scope, holder: Mapping[str, Any], period_no: int
    ) -> bool:
        """Whether ``a`` may matter for something the credit assignment does not decide:
        an items count, a required course, or the total's per-year sums."""
        scope = {**self.policy.base_values(), "period": period, "holder": holder}
        match = self.matches(a, scope, period_no)
        for i, req in enumerate(self.items):
            if not match[i]:
                continue
            if not self.credits[i] or a.record.course in req.courses:
                return True
            if req.per_year is not None and i in self.roots and not self.year_leaves(i):
                return True
        return False

    def caps_of(
        self,
        applied: Sequence[Applied],
        period: Scope,
        holder: Mapping[str, Any],
        period_no: int,
    ) -> list[dict[al.Cap, Decimal]]:
        """For each of ``applied``: the caps (allocation nodes) covering it, with the
        credits each allows."""
        scope = {**self.policy.base_values(), "period": period, "holder": holder}
        _tree, _years, caps = self.build(scope, period)
        out = []
        for a in applied:
            match = self.matches(a, scope, period_no)
            covering = self.unit_caps(a, match, caps, scope, period_no)
            out.append({c: caps[("cap", c[1])] for c in covering})
        return out

    def unit_caps(
        self,
        a: Applied,
        match: tuple[bool, ...],
        caps: Mapping[al.Cap, Decimal],
        scope: Scope,
        period_no: int,
    ) -> tuple[al.Cap, ...]:
        """The caps covering ``a``: ``("cap", i)``, or ``("cap", i, group)`` for a cap
        per group (``per``), one node per value of its expression."""
        out: list[al.Cap] = []
        for c in caps:
            i = c[1]
            if not match[i]:
                continue
            per = self.items[i].per
            out.append(c if per is None else ("cap", i, self._group(a, i, scope, period_no)))
        return tuple(out)

    def _group(self, a: Applied, i: int, scope: Scope, period_no: int) -> object:
        """The value of requirement ``i``'s ``per`` for ``a`` (lists as tuples)."""
        cache_key = ("per", i, period_no, a.key, a.effective_on, a.credits)
        hit = self._groups.get(cache_key, _NONE)
        if hit is not _NONE:
            return hit
        per = self.items[i].per
        assert per is not None
        value = per({**scope, "record": a.values()})
        if isinstance(value, list):
            value = tuple(value)
        self._groups[cache_key] = value
        return value

    def flow_caps(
        self, caps: Mapping[al.Cap, Decimal], units: Sequence[al.Unit]
    ) -> dict[al.Cap, Decimal]:
        """The cap nodes the allocation works with: each cap, and each group of a cap per
        group that some unit is in, with its requirement's amount."""
        out = {c: amount for c, amount in caps.items() if self.items[c[1]].per is None}
        for u in units:
            for c in u.caps:
                if c not in out:
                    out[c] = caps[("cap", c[1])]
        return out

    # -- measuring -----------------------------------------------------------------
    def feasible(
        self,
        applied: Sequence[Applied],
        period: Scope,
        holder: Mapping[str, Any],
        period_no: int = 0,
    ) -> bool:
        """``measure(...).feasible`` for optimal allocation: when every requirement is a
        credit minimum or a cap (no item counts, required courses or per-year sums of
        the total beside categories), whether the maximum flow fills every demand — the
        same answer, without building the assignment and the results."""
        if not self.optimal or self._beyond_flow:
            return self.measure(applied, period, holder, period_no).feasible
        scope = {**self.policy.base_values(), "period": period, "holder": holder}
        tree, years, caps = self.build(scope, period)
        if sum((a.credits for a in applied if a.credits > 0), ZERO) < tree.minimum[al.ROOT]:
            return False  # not enough credits for the total, however they are shared
        units = [self.prepared(a, scope, years, tree, caps, period_no)[1] for a in applied]
        try:
            return mf.flow_fills(tree, units, self.flow_caps(caps, units))
        except al.CapsNotNested as err:
            raise self._caps_error(err, applied) from None

    def measure(
        self,
        applied: Sequence[Applied],
        period: Scope,
        holder: Mapping[str, Any],
        period_no: int = 0,
        optimal: bool | None = None,
        spare_first: Callable[[Applied], bool] | None = None,
    ) -> Measurement:
        """What ``applied`` counts toward each requirement. ``spare_first`` (optimal
        allocation): records whose credits should be left unneeded where others can meet
        the same minimums (those that may carry over)."""
        policy = self.policy
        scope = {**policy.base_values(), "period": period, "holder": holder}
        tree, years, caps = self.build(scope, period)
        prepared = [self.prepared(a, scope, years, tree, caps, period_no) for a in applied]
        matches = [match for match, _unit in prepared]
        unit_caps = [unit for _match, unit in prepared]
        allocated = self.flow_caps(caps, unit_caps)
        use_flow = self.optimal if optimal is None else optimal
        if use_flow:
            later = frozenset(
                u.key
                for u, a in zip(unit_caps, applied, strict=True)
                if spare_first is not None and spare_first(a)
            )
            try:
                _filled, assignment = mf.max_flow_fill(tree, unit_caps, allocated, later)
            except al.CapsNotNested as err:
                raise self._caps_error(err, applied) from None
        else:
            assignment = al.first_fit(tree, unit_caps, allocated)
        return self.measurement(scope, tree, years, caps, applied, matches, unit_caps, assignment)

    def measurement(
        self,
        scope: Scope,
        tree: al.Tree,
        years: Years,
        caps: dict[al.Cap, Decimal],
        applied: Sequence[Applied],
        matches: list[tuple[bool, ...]],
        unit_caps: list[al.Unit],
        assignment: al.Assignment,
        surplus: bool = True,
        given: list[Decimal] | None = None,
    ) -> Measurement:
        """What an assignment of ``applied``'s credits counts toward each requirement
        (``assignment`` gets the surplus attributed, so it is the caller's no more;
        ``surplus=False``: the caller knows there is none; ``given``: what each of
        ``applied`` counts in all, ``assignment.given`` of each, when the caller knows)."""
        if surplus:
            al.add_surplus(assignment, unit_caps, tree)
        if given is None:
            given_of = assignment.given
            given = [given_of(a.key) for a in applied]
        names = self._names(tree)
        counts = assignment.counts(tree) if self.categories else {}  # categories' only
        required = self.minimums(scope)
        results = [
            self._result(
                i, required[i], tree, assignment, counts, applied, matches, years, caps, given
            )
            for i in range(len(self.items))
        ]
        for i, req in enumerate(self.items):
            if req.per is not None and ("cap", i) in caps:
                results[i] = _with_groups(results[i], req.per.text, unit_caps, assignment, i)
        capped = {}
        for u in unit_caps:
            if u.caps:
                inner = max(u.caps, key=lambda c: (self._within_depth(c[1]), c[1]))
                capped[u.key] = self.items[inner[1]].id
        return Measurement(results, assignment, names, capped)

    def _names(self, tree: al.Tree) -> dict[Any, str | None]:
        """Allocation node -> requirement id (None: no total), for :class:`Measurement`
        (no caller changes it: made once when the tree is the same for every period)."""
        fixed = self._fixed
        if fixed.names is not None and fixed.built is not None and tree is fixed.built[0]:
            return fixed.names
        names: dict[Any, str | None] = {i: self.items[i].id for i in self.categories}
        names[al.ROOT] = self.items[self.roots[0]].id if self.roots else None
        for node in tree.parent:
            if isinstance(node, tuple):
                names[node] = names[node[1]] if node[1] in names else names[al.ROOT]
        if self._static:
            fixed.names = names
        return names

    def _within_depth(self, i: int) -> int:
        depth = 0
        while i in self.within:
            i, depth = self.within[i], depth + 1
        return depth

    def prepared(
        self,
        a: Applied,
        scope: Scope,
        years: Years,
        tree: al.Tree,
        caps: Mapping[al.Cap, Decimal],
        period_no: int,
    ) -> tuple[tuple[bool, ...], al.Unit]:
        """Whether ``a`` counts toward each requirement, and its unit with the caps
        covering it (remembered per record and period, as :meth:`matches` is)."""
        cache_key = ("prepared", period_no, a.key, a.effective_on, a.credits)
        hit = self._prepared.get(cache_key)
        if hit is not None:
            return hit
        by_row = self._fixed.by_row if self._by_row else None
        if by_row is None or self.everything is not None:
            match = self.matches(a, scope, period_no)
            nodes = self.nodes(a, match, years, tree, period_no)
            covering = self.unit_caps(a, match, caps, scope, period_no)
        else:  # the same for every record with the same own answers (_by_row)
            own = self._own_matches(a, scope, period_no)
            known = by_row.get(own)
            if known is None:
                match = self._within(own)
                known = (match, self._nodes(a, match, years, tree), self._static_caps(match, caps))
                if len(by_row) < ROWS:
                    by_row[own] = known
            match, nodes, covering = known
        hit = self._prepared[cache_key] = (match, al.Unit(a.key, a.credits, nodes, covering))
        return hit

    def _static_caps(
        self, match: tuple[bool, ...], caps: Mapping[al.Cap, Decimal]
    ) -> tuple[al.Cap, ...]:
        """:meth:`unit_caps` when no cap is per group: the caps of the requirements
        matched."""
        return tuple(c for c in caps if match[c[1]])

    def nodes(
        self, a: Applied, match: Sequence[bool], years: Years, tree: al.Tree, period_no: int
    ) -> tuple[Any, ...]:
        """The allocation nodes of ``a``'s unit (remembered per record and period)."""
        if self.flat:
            return ()
        cache_key = ("unit", period_no, a.key, a.effective_on, a.credits)
        hit = self._cache.get(cache_key)
        if hit is None:
            hit = self._cache[cache_key] = self._nodes(a, match, years, tree)
        return hit

    def _nodes(
        self, a: Applied, match: Sequence[bool], years: Years, tree: al.Tree
    ) -> tuple[Any, ...]:
        """The allocation nodes ``a`` may count toward, deepest first, in policy order."""
        if not years:
            return tuple(i for i in self._deepest_first if match[i])
        nodes: list[Any] = []
        for i in self.categories:
            if match[i]:
                nodes.append(i)
        for i, spans in years.items():
            if not self.year_leaves(i) or (i in self.categories and not match[i]):
                continue
            y = self.year_of(a, i, spans)
            if y is not None:
                nodes.append(("year", i, y))

        def deepest_first(n: Any) -> tuple[int, int]:
            return -len(tree.chain(n)), self._order.get(n[1] if isinstance(n, tuple) else n, -1)

        nodes.sort(key=deepest_first)
        return tuple(nodes)

    def year_of(self, a: Applied, i: int, spans: list[YearSpan]) -> int | None:
        if a.carried_from is not None:
            per_year = self.items[i].per_year
            return 0 if per_year is None or per_year.carried_may_count else None
        for y, (start, end, _min) in enumerate(spans):
            if start <= a.effective_on <= end:
                return y
        return 0 if a.effective_on < spans[0][0] else len(spans) - 1  # before / late: clamp

    def _result(
        self,
        i: int,
        required: Decimal | None,
        tree: al.Tree,
        assignment: al.Assignment,
        counts: dict[al.Node, Decimal],
        applied: Sequence[Applied],
        matches: list[tuple[bool, ...]],
        years: Years,
        caps: dict[al.Cap, Decimal],
        given: list[Decimal],
    ) -> RequirementResult:
        """Requirement ``i``'s result (``required``: its minimum); ``given[j]``:
        ``assignment.given`` of ``applied[j]``."""
        req = self.items[i]
        measure = "credits" if self.credits[i] else "items"
        root = self.credits[i] and i in self.roots
        # the records matching it, listed when counted one by one, or when its courses
        # or years are asked for (the total and a category are counted by the allocation)
        listed = req.courses or i in years or not (root or i in self.categories)
        mine = [j for j, m in enumerate(matches) if m[i]] if listed else []
        if not self.credits[i]:
            counted = Decimal(len(mine))
        elif i in self.categories:
            counted = counts.get(i, ZERO)
        elif root:
            counted = sum(given, ZERO)
        else:  # a cap or a label: what its records contribute
            counted = sum((given[j] for j in mine), ZERO)
        have = {applied[j].record.course for j in mine} if req.courses else set()
        year_results: list[YearResult] = []
        if i in years:
            for y, (start, end, each) in enumerate(years[i]):
                got = ZERO
                for j in mine:
                    a = applied[j]
                    if self.year_of(a, i, years[i]) != y:
                        continue
                    if i in self.categories:
                        got += sum(
                            (
                                amt
                                for n, amt in assignment.parts.get(a.key, [])
                                if i in tree.chain(n)
                            ),
                            ZERO,
                        )
                    else:
                        got += given[j]
                year_results.append(YearResult(y + 1, start, end, each, got))
        return RequirementResult(
            id=req.id,
            label=req.label,
            measure=measure,
            required=required,
            counted=counted,
            cap=caps.get(("cap", i)),
            courses_missing=tuple(c for c in req.courses if c not in have) if have else req.courses,
            years=tuple(year_results),
        )

    def _caps_error(self, err: al.CapsNotNested, applied: Sequence[Applied]) -> PolicyError:
        a, b = (self.items[c[1]].id for c in (err.a, err.b))
        return PolicyError(
            Diagnostic(
                f"caps '{a}' and '{b}' overlap without one containing the other (record "
                f"{err.shared.split('@')[0]} matches both); optimal allocation needs caps that "
                "nest or are disjoint",
                self.items[err.b[1]].location,
                hint=f"make '{b}' a cap within '{a}' (within: {a}) or use order: chronological",
                code="allocation.caps",
            )
        )


_NONE = object()  # not in a cache (None is a value)


# what a record's own `where` answers make of it: (match, nodes, caps) (_Fixed.by_row)
_RowUnit = tuple[tuple[bool, ...], tuple[Any, ...], tuple[al.Cap, ...]]


@dataclass
class _Fixed:
    """What every period of one kind has when its minimums and caps read only constants
    (the same for every holder: kept with the policy, never changed once made), and the
    requirement list evaluations copy."""

    built: tuple[al.Tree, Years, dict[al.Cap, Decimal]] | None = None
    minimums: list[Decimal | None] | None = None
    tally: TallySetup | None = None
    # own `where` answers -> (match, nodes, caps) of a record (Requirements.prepared)
    by_row: dict[tuple[bool, ...], _RowUnit] = field(default_factory=dict)
    names: dict[Any, str | None] | None = None  # Requirements._names of built's tree
    template: Requirements | None = None  # what Requirements.for_run copies


# Per policy and kind of period (Requirements._fixed).
_FIXED: weakref.WeakKeyDictionary[Policy, dict[str, _Fixed]] = weakref.WeakKeyDictionary()


def _constant(amount: Amount | None) -> bool:
    """Whether ``amount`` is the same for every period and holder: a number, or an
    expression that reads nothing but constants."""
    return amount is None or isinstance(amount, Decimal) or reads_only_constants(amount)


def _with_groups(
    result: RequirementResult,
    per: str,
    units: Sequence[al.Unit],
    assignment: al.Assignment,
    i: int,
) -> RequirementResult:
    """``result`` of a cap per group, with the expression and the groups that reached
    the cap (what each group counted, for those)."""
    got: dict[al.Cap, Decimal] = {}
    for u in units:
        for c in u.caps:
            if c[1] == i and len(c) == 3:
                got[c] = got.get(c, ZERO) + assignment.given(u.key)
    cap = result.cap
    reached = tuple(
        sorted(
            (format_value(c[2]), amount)
            for c, amount in got.items()
            if cap is not None and amount >= cap
        )
    )
    return result._replace(cap_per=per, capped_groups=reached)


def progress(results: Sequence[RequirementResult]) -> tuple[tuple[Decimal, Decimal, int], ...]:
    """A comparable measure of progress on the unmet requirements."""
    return tuple(
        (
            min(r.counted, r.required) if r.required is not None else ZERO,
            sum((min(y.counted, y.required) for y in r.years), ZERO),
            -len(r.courses_missing),
        )
        for r in results
    )
