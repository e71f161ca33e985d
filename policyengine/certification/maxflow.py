"""Maximum flow for optimal allocation (docs/requirements.md, ``order: optimal``).

The network: source -> caps (nested) -> merged units -> requirement tree -> sink, where
the edge from a node to the sink carries the node's *own demand* (what it needs less
what its children need). Every minimum is met exactly when the maximum flow fills every
demand edge; the deepest demands are filled first. Units with the same signature are
merged before the flow (interchangeable) and split back in the order given, so the graph
stays small and earlier units are used first. Dinic's algorithm, in exact decimals;
credits that may carry over are then moved off where others can meet the same demands
(:func:`max_flow_fill`'s ``spare_first``). The types are :mod:`allocation`'s.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from policyengine.certification.allocation import (
    ROOT,
    Assignment,
    Cap,
    CapsNotNested,
    Node,
    Tree,
    Unit,
)
from policyengine.decimals import ZERO


class _Graph:
    """A flow network over ``size`` numbered vertices; edge ``e``'s reverse is ``e ^ 1``."""

    def __init__(self, size: int) -> None:
        self.adj: list[list[int]] = [[] for _ in range(size)]
        self.to: list[int] = []
        self.cap: list[Decimal] = []

    def link(self, va: int, vb: int, cap: Decimal) -> int:
        """An edge from ``va`` to ``vb`` with room ``cap`` (and its reverse, empty)."""
        e = len(self.to)
        self.adj[va].append(e)
        self.adj[vb].append(e + 1)
        self.to += (vb, va)
        self.cap += (cap, ZERO)
        return e

    def flow_on(self, e: int) -> Decimal:
        return self.cap[e ^ 1]

    def max_flow(self, s: int, t: int) -> Decimal:
        """Dinic's algorithm from the current flow: what it adds. Each phase labels the
        vertices by their distance to ``t`` in the residual graph (breadth-first,
        backward from ``t``, until ``s`` is reached) and augments along paths whose
        every edge leads one step closer: the shortest paths of Dinic's level graph, in
        the same order, without first walking into vertices that cannot reach ``t``."""
        adj, to, cap = self.adj, self.to, self.cap
        total = ZERO
        while True:
            dist = [-1] * len(adj)
            dist[t] = 0
            queue = deque([t])
            while queue and dist[s] < 0:
                w = queue.popleft()
                d = dist[w] + 1
                for f in adj[w]:  # f leads w -> v; its reverse f ^ 1 leads v -> w
                    v = to[f]
                    if dist[v] < 0 and cap[f ^ 1] > ZERO:
                        dist[v] = d
                        if v == s:
                            break
                        queue.append(v)
            if dist[s] < 0:
                return total
            total = _blocking_flow(adj, to, cap, dist, s, t, total)


def _blocking_flow(
    adj: list[list[int]],
    to: list[int],
    cap: list[Decimal],
    dist: list[int],
    s: int,
    t: int,
    total: Decimal,
) -> Decimal:
    """``total`` plus the flow of each path of the level graph, augmented until none is
    left (one Dinic phase). Depth-first from ``s`` along each vertex's next edge that
    leads one step closer to ``t`` (``dist``) with room; a vertex with none left is a
    dead end, and its parent moves on to its next edge. Each path found carries its
    smallest room (the first of equal values, as ``min`` gives), then the search starts
    again at ``s``."""
    nxt = [0] * len(adj)
    path: list[int] = []
    v = s
    while True:
        if v == t:
            limit = _INFINITY
            for e in path:
                room = cap[e]
                limit = room if room < limit else limit
            for e in reversed(path):
                cap[e] -= limit
                cap[e ^ 1] += limit
            total += limit
            path.clear()
            v = s
            continue
        edges = adj[v]
        down = dist[v] - 1
        i, n = nxt[v], len(edges)
        while i < n:
            e = edges[i]
            if cap[e] > ZERO and dist[to[e]] == down:
                break
            i += 1
        nxt[v] = i
        if i < n:
            path.append(edges[i])
            v = to[edges[i]]
        elif path:  # a dead end: back to the parent, which tries its next edge
            v = to[path.pop() ^ 1]
            nxt[v] += 1
        else:
            return total


_INFINITY = Decimal("Infinity")


def cap_parents(units: Sequence[Unit], caps: dict[Cap, Decimal]) -> dict[Cap, Cap | None]:
    """The nesting of caps over ``units`` (the smallest cap containing each cap), or
    :class:`CapsNotNested` when two caps overlap without one containing the other."""
    covered = {c: frozenset(u.key for u in units if c in u.caps) for c in caps}
    order = list(caps)
    parents: dict[Cap, Cap | None] = {}
    for i, a in enumerate(order):
        best: Cap | None = None
        for j, b in enumerate(order):
            if a == b:
                continue
            shared = covered[a] & covered[b]
            if shared and not (covered[a] <= covered[b] or covered[b] <= covered[a]):
                raise CapsNotNested(a, b, sorted(shared)[0])
            # b contains a (equal sets: the later one nests in the earlier one)
            contains = covered[a] < covered[b] or (covered[a] == covered[b] and j < i)
            if contains and (
                best is None
                or len(covered[b]) < len(covered[best])
                or (covered[b] == covered[best] and j > order.index(best))
            ):
                best = b
        parents[a] = best
    return parents


class _Network:
    """The flow network of one allocation: source -> caps (nested) -> merged units ->
    tree -> sink. Vertex 0 is the source, then the caps, the tree's nodes, the groups
    and last the sink; edges are added in that order too (the search order depends on
    it: first the caps' edges, then each group's inbound edge and its edges into the
    tree, then the tree's own, then the demands, deepest first)."""

    def __init__(
        self,
        tree: Tree,
        units: Sequence[Unit],
        caps: dict[Cap, Decimal],
        spare_first: frozenset[str] = frozenset(),
    ) -> None:
        """Units merge when they reach the same nodes under the same caps (and are alike
        in ``spare_first``)."""
        parents = cap_parents(units, caps)
        groups: dict[tuple[Any, ...], list[Unit]] = {}
        for u in units:
            caps_of = tuple(sorted(map(str, u.caps))) if u.caps else ()
            groups.setdefault((u.nodes, caps_of, u.key in spare_first), []).append(u)
        self.groups = groups
        cap_vertex = {c: k for k, c in enumerate(caps, 1)}
        base = len(caps) + 1
        self.tree_vertex = tree_vertex = {n: k for k, n in enumerate((*tree.parent, ROOT), base)}
        base += len(tree_vertex)
        self.sink = base + len(groups)
        self.g = g = _Graph(self.sink + 1)
        infinite = sum((u.credits for u in units), ZERO) + 1
        for c, cap in caps.items():
            parent = parents[c]
            g.link(0 if parent is None else cap_vertex[parent], cap_vertex[c], cap)
        # each group's edges into the tree, and its inbound edge
        self.group_edges: dict[tuple[Any, ...], list[tuple[Node, int]]] = {}
        self.inbound: dict[tuple[Any, ...], int] = {}
        for node, (sig, members) in enumerate(groups.items(), base):
            inner = _innermost(members[0].caps, parents)
            self.inbound[sig] = g.link(
                0 if inner is None else cap_vertex[inner],
                node,
                sum((m.credits for m in members), ZERO),
            )
            self.group_edges[sig] = [
                (n, g.link(node, tree_vertex[n], infinite)) for n in (*members[0].nodes, ROOT)
            ]
        for n, up in tree.parent.items():
            g.link(tree_vertex[n], tree_vertex[up], infinite)
        self.demands = tree.demands()

    def demand(self, n: Node) -> Decimal:
        """An edge from tree node ``n`` to the sink carrying its own demand."""
        amount = self.demands[n]
        self.g.link(self.tree_vertex[n], self.sink, amount)
        return amount

    def max_flow(self) -> Decimal:
        return self.g.max_flow(0, self.sink)


def flow_fills(tree: Tree, units: Sequence[Unit], caps: dict[Cap, Decimal]) -> bool:
    """Whether some assignment meets every minimum (what :func:`max_flow_fill` answers
    first, without building the assignment). Raises CapsNotNested."""
    net = _Network(tree, units, caps)
    total = ZERO
    for n in (*tree.parent, ROOT):
        if net.demands[n] > 0:
            total += net.demand(n)
    return net.max_flow() >= total


def max_flow_fill(
    tree: Tree,
    units: Sequence[Unit],
    caps: dict[Cap, Decimal],
    spare_first: frozenset[str] = frozenset(),
) -> tuple[bool, Assignment]:
    """An assignment filling every node's demand if one exists (then True), else one
    filling as much as possible (False). Raises CapsNotNested.

    ``spare_first``: keys of units whose credits should be left unneeded where the
    others can meet the same demands (records that may carry over, which only unneeded
    credits do): among the assignments filling what this one fills, one that needs
    the least of them."""
    net = _Network(tree, units, caps, spare_first)
    g, groups, demands = net.g, net.groups, net.demands
    # The most specific demands first: augmenting later never empties an edge into the
    # sink, so when not every minimum can be met the sub-categories are filled before
    # their parents' own demands (which requirement shows "missing" is then not arbitrary).
    by_depth: dict[int, list[Node]] = {}
    for n in (*tree.parent, ROOT):
        if demands[n] > 0:
            by_depth.setdefault(len(tree.chain(n)), []).append(n)
    demand_total = flow = ZERO
    for depth in sorted(by_depth, reverse=True):
        for n in by_depth[depth]:
            demand_total += net.demand(n)
        flow += net.max_flow()
    filled = flow >= demand_total
    if spare_first:
        _spare(g, [net.inbound[sig] for sig in groups if sig[2]], net.sink)
    out = Assignment()
    for sig, members in groups.items():
        for target, e in net.group_edges[sig]:
            amount = g.flow_on(e)
            for m in members:  # earlier units first
                if amount <= 0:
                    break
                take = min(amount, m.credits - out.given(m.key))
                out.give(m.key, target, take, needed=True)
                amount -= take
        for m in members:
            out.parts.setdefault(m.key, [])
    for c, cap in caps.items():
        out.cap_left[c] = cap - sum((out.given(u.key) for u in units if c in u.caps), ZERO)
    return filled, out


def _spare(g: _Graph, later: list[int], t: int) -> None:
    """Move flow off the inbound edges ``later`` (of groups whose credits should stay
    unneeded) onto other groups, keeping every other edge's flow into the sink: while a
    residual path leads from such an edge's tail to its group without passing the sink
    or adding flow to one of ``later``, send the group's flow round that cycle. Each
    round lowers what ``later`` carry; none is left when no such path exists (a flow
    needing less of them differs from this one by such cycles)."""
    banned = set(later)
    adj, to, cap = g.adj, g.to, g.cap
    changed = True
    while changed:
        changed = False
        for e in later:
            head, tail = to[e], to[e ^ 1]
            if cap[e ^ 1] <= ZERO:  # no flow through this group
                continue
            # breadth-first from the tail to the group, in the residual graph
            came: dict[int, int] = {}
            queue = deque([tail])
            seen = {tail}
            while queue and head not in seen:
                v = queue.popleft()
                for f in adj[v]:
                    w = to[f]
                    if cap[f] <= ZERO or w in seen or w == t or f in banned or f == e ^ 1:
                        continue
                    seen.add(w)
                    came[w] = f
                    queue.append(w)
            if head not in seen:
                continue
            path = []
            v = head
            while v != tail:
                f = came[v]
                path.append(f)
                v = to[f ^ 1]
            amount = min([cap[e ^ 1], *(cap[f] for f in path)])
            for f in path:
                cap[f] -= amount
                cap[f ^ 1] += amount
            cap[e] += amount  # the group's inbound flow goes down by as much
            cap[e ^ 1] -= amount
            changed = True


def _innermost(caps_of: Sequence[Cap], parents: dict[Cap, Cap | None]) -> Cap | None:
    for c in caps_of:
        if not any(parents.get(o) == c for o in caps_of if o != c):
            return c
    return None
