"""Sharing a period's credits out among its requirements: first-fit and maximum flow.

The problem, independent of any policy: *units* (a record's usable credits) may
count toward *nodes* of a requirement tree. The tree's root is the total; every other
node is a category (or a category's year), and a credit counted for a node also counts
for its ancestors. Siblings are exclusive: a credit goes to one node. Each node has a
*minimum*; *caps* limit how many credits of the units they cover count at all, and
caps must nest or be disjoint (a laminar family).

- :func:`first_fit` gives the chronological (LMS-like) assignment.
- :func:`~policyengine.certification.maxflow.max_flow_fill` (in ``maxflow.py``) finds
  an assignment meeting every minimum whenever one exists, by a maximum flow.

Both return an :class:`Assignment`: per unit, which node each credit counts toward;
credits no minimum needs are attributed by :func:`add_surplus`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from policyengine.decimals import ZERO

ROOT = "root"
# An allocation node: ROOT, a category (its requirement index), a category's year
# ("year", index, year) or a cap ("cap", index[, group]); graph-internal nodes are tuples too.
Node = int | str | tuple[Any, ...]
# ("cap", requirement index), or ("cap", requirement index, group) for a cap per group
Cap = tuple[Any, ...]


@dataclass(frozen=True)
class Unit:
    """A record's credits as the allocation sees them."""

    key: str
    credits: Decimal
    nodes: tuple[Node, ...]  # nodes it may count toward, deepest first, policy order
    caps: tuple[Cap, ...] = ()  # caps covering it


@dataclass(frozen=True)
class Tree:
    """The requirement tree: parent of every node (the root's children have ROOT)."""

    parent: dict[Node, Node]
    minimum: dict[Node, Decimal]  # ROOT included
    _chains: dict[Node, tuple[Node, ...]] = field(default_factory=dict, compare=False, repr=False)
    _demands: dict[Node, Decimal] = field(default_factory=dict, compare=False, repr=False)

    def chain(self, node: Node) -> tuple[Node, ...]:
        """``node`` and its ancestors up to ROOT."""
        hit = self._chains.get(node)
        if hit is None:
            out = [node]
            while out[-1] != ROOT:
                out.append(self.parent[out[-1]])
            hit = self._chains[node] = tuple(out)
        return hit

    def demands(self) -> dict[Node, Decimal]:
        """Every node's own demand: its *need* less its children's needs, where a node
        needs its minimum, or its children's needs together when they ask for more (a
        category without a minimum whose child needs 2 needs 2). Without such a child
        this is the minimum less the children's minimums. (Worked out once: the tree
        does not change; do not change what it returns either.)"""
        if self._demands:
            return self._demands
        children: dict[Node, list[Node]] = {}
        for c, p in self.parent.items():
            children.setdefault(p, []).append(c)
        need: dict[Node, Decimal] = {}
        out: dict[Node, Decimal] = {}

        def visit(n: Node) -> Decimal:
            below = sum((visit(c) for c in children.get(n, [])), ZERO)
            need[n] = max(self.minimum.get(n, ZERO), below)
            out[n] = need[n] - below
            return need[n]

        visit(ROOT)
        self._demands.update(out)
        return out

    def demand(self, node: Node) -> Decimal:
        return self.demands().get(node, ZERO)


class CapsNotNested(ValueError):
    def __init__(self, a: Cap, b: Cap, shared: str):
        super().__init__(f"caps {a} and {b} overlap without one containing the other")
        self.a, self.b, self.shared = a, b, shared


@dataclass
class Assignment:
    """Per unit, (node, credits) pairs; ``needed`` is what the minimums used."""

    parts: dict[str, list[tuple[Node, Decimal]]] = field(default_factory=dict)
    needed: dict[str, Decimal] = field(default_factory=dict)
    cap_left: dict[Cap, Decimal] = field(default_factory=dict)

    def give(self, key: str, node: Node, amount: Decimal, needed: bool) -> None:
        if amount <= 0:
            return
        parts = self.parts.setdefault(key, [])
        for i, (n, a) in enumerate(parts):
            if n == node:
                parts[i] = (n, a + amount)
                break
        else:
            parts.append((node, amount))
        if needed:
            self.needed[key] = self.needed.get(key, ZERO) + amount

    def give_first(self, key: str, node: Node, needed: Decimal, surplus: Decimal) -> Decimal:
        """:meth:`give` of ``needed`` (needed) then of ``surplus`` (not needed) to
        ``node``, for a unit given nothing yet, and what it is then given in all
        (:meth:`given`): the same decimals, in one call (a plain tally's every record)."""
        parts = self.parts.setdefault(key, [])
        assert not parts
        amount = None
        if needed > 0:
            amount = needed
            self.needed[key] = self.needed.get(key, ZERO) + needed
        if surplus > 0:
            amount = surplus if amount is None else amount + surplus
        if amount is None:
            return ZERO
        parts.append((node, amount))
        return ZERO + amount

    def counted(self, tree: Tree, node: Node) -> Decimal:
        """Credits counted for ``node`` and its descendants."""
        return self.counts(tree).get(node, ZERO)

    def counts(self, tree: Tree, keys: Iterable[str] | None = None) -> dict[Node, Decimal]:
        """Credits counted for every node and its descendants (of ``keys``' units only,
        when given)."""
        out: dict[Node, Decimal] = {}
        for key in self.parts if keys is None else keys:
            for n, amount in self.parts.get(key, []):
                for up in tree.chain(n):
                    out[up] = out.get(up, ZERO) + amount
        return out

    def given(self, key: str) -> Decimal:
        total = ZERO  # as sum(..., ZERO) adds: left to right, from ZERO
        for _n, a in self.parts.get(key, ()):
            total += a
        return total


def _usable(unit: Unit, cap_left: dict[Cap, Decimal]) -> Decimal:
    amount = unit.credits
    for c in unit.caps:
        amount = min(amount, cap_left[c])
    return max(ZERO, amount)


def first_fit(tree: Tree, units: Sequence[Unit], caps: dict[Cap, Decimal]) -> Assignment:
    """Chronological first-fit: each unit in turn fills the first node (deepest first,
    in policy order) that still needs credits, then the total; caps used up in order."""
    out = Assignment(cap_left=dict(caps))
    counted: dict[Node, Decimal] = {}
    for u in units:
        amount = _usable(u, out.cap_left)
        for c in u.caps:
            out.cap_left[c] -= amount
        for node in (*u.nodes, ROOT):
            if amount <= 0:
                break
            need = tree.minimum.get(node, ZERO) - counted.get(node, ZERO)
            take = min(amount, max(ZERO, need))
            if take > 0:
                out.give(u.key, node, take, needed=True)
                for n in tree.chain(node):
                    counted[n] = counted.get(n, ZERO) + take
                amount -= take
        out.parts.setdefault(u.key, [])
        if amount > 0:  # surplus: shown where it fits first, needed by no minimum
            node = u.nodes[0] if u.nodes else ROOT
            out.give(u.key, node, amount, needed=False)
            for n in tree.chain(node):
                counted[n] = counted.get(n, ZERO) + amount
    return out


def _push_down(assignment: Assignment, units: Sequence[Unit], tree: Tree | None) -> None:
    """A credit counted for a node is shown under the deepest node of the unit that lies
    below it (a 10-credit course in a sub-category counts 10 there, not 8 there and 2
    for the parent); the counts of the node and its ancestors do not change. Without a
    tree only credits counted for the total alone move (to the unit's first node)."""
    for u in units:
        parts = assignment.parts.get(u.key, [])
        if not u.nodes or not parts:
            continue
        moved: list[tuple[Node, Decimal]] = []
        for n, amount in parts:
            target = n
            for d in u.nodes:
                if d == n:
                    break
                if n in (tree.chain(d) if tree is not None else (d, ROOT)):
                    target = d
                    break
            moved.append((target, amount))
        if all(target == n for (target, _a), (n, _b) in zip(moved, parts, strict=True)):
            continue  # nothing moves: giving the same parts again makes the same list
        needed = assignment.needed.pop(u.key, None)
        assignment.parts[u.key] = []
        for n, amount in moved:
            assignment.give(u.key, n, amount, needed=False)
        if needed is not None:
            assignment.needed[u.key] = needed


def add_surplus(assignment: Assignment, units: Sequence[Unit], tree: Tree | None = None) -> None:
    """Count the credits no minimum needed, within the caps, earliest units first:
    each unit's rest goes to its first (deepest) node, or the total; credits already
    counted are shown as deep as the unit reaches (:func:`_push_down`)."""
    _push_down(assignment, units, tree)
    left = assignment.cap_left
    for u in units:
        rest = u.credits - assignment.given(u.key)
        for c in u.caps:
            rest = min(rest, left[c])
        if rest <= 0:
            continue
        for c in u.caps:
            left[c] -= rest
        assignment.give(u.key, u.nodes[0] if u.nodes else ROOT, rest, needed=False)
