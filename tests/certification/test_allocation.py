"""The allocation algorithms of ``policyengine/certification/allocation.py`` on their
own: first-fit, maximum flow, surplus and cap nesting, by hand with the numbers written
out, then against brute-force enumeration on small random instances (issue 6: "an
allocation that never misses a solution").

A unit's ``nodes`` are listed deepest first, in policy order (as ``requirements.py``
builds them); a credit counted for a node also counts for its ancestors and the root.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from policyengine.certification.allocation import (
    ROOT,
    Assignment,
    CapsNotNested,
    Tree,
    Unit,
    add_surplus,
    first_fit,
)
from policyengine.certification.maxflow import cap_parents, max_flow_fill

D = Decimal


# -- an independent checker -----------------------------------------------------------
def ancestors(parent: dict, node) -> list:
    """``node`` and every node above it, up to and including the root."""
    out = [node]
    while node != ROOT:
        node = parent[node]
        out.append(node)
    return out


def check_valid(tree: Tree, units: list[Unit], caps: dict, a: Assignment) -> dict:
    """Assert that ``a`` only uses what it may (each unit's own nodes or the total, no
    more than its credits, every cap respected) and return each node's count (its own
    credits and its descendants'; the root counts every counted credit)."""
    by_key = {u.key: u for u in units}
    assert set(a.parts) <= set(by_key)
    counts = {n: D(0) for n in (*tree.parent, ROOT)}
    given = {}
    for key, parts in a.parts.items():
        u = by_key[key]
        assert all(amount > 0 for _n, amount in parts), parts
        assert all(n in (*u.nodes, ROOT) for n, _a in parts), (u, parts)
        given[key] = sum((amount for _n, amount in parts), D(0))
        assert given[key] <= u.credits, (u, parts)
        for n, amount in parts:
            for m in ancestors(tree.parent, n):
                counts[m] += amount
    for c, cap in caps.items():
        used = sum((given.get(u.key, D(0)) for u in units if c in u.caps), D(0))
        assert used <= cap, (c, used, cap)
    return counts


def meets(tree: Tree, counts: dict) -> bool:
    return all(counts[n] >= tree.minimum.get(n, D(0)) for n in counts)


# -- hand-written cases ---------------------------------------------------------------
def test_adversarial_case_first_fit_fails_and_max_flow_finds_the_assignment():
    # Policy order: tax before ethics, both at the top level; total 4.
    tree = Tree({"tax": ROOT, "ethics": ROOT}, {"tax": D(2), "ethics": D(2), ROOT: D(4)})
    units = [
        Unit("A", D(2), ("tax", "ethics")),  # earlier, tagged both tax and ethics
        Unit("B", D(2), ("tax",)),  # later, tax only
    ]
    ff = first_fit(tree, units, {})
    # A fills tax (first in policy order, still needs 2); B finds tax full and the
    # total short by 2, so it counts for the total only: ethics stays at 0.
    assert ff.parts == {"A": [("tax", D(2))], "B": [(ROOT, D(2))]}
    counts = check_valid(tree, units, {}, ff)
    assert counts == {"tax": D(2), "ethics": D(0), ROOT: D(4)}
    assert not meets(tree, counts)

    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    assert mf.parts == {"A": [("ethics", D(2))], "B": [("tax", D(2))]}
    assert mf.needed == {"A": D(2), "B": D(2)}
    assert check_valid(tree, units, {}, mf) == {"tax": D(2), "ethics": D(2), ROOT: D(4)}


def test_adversarial_case_in_the_other_order_first_fit_succeeds_too():
    # B (tax only) first: it fills tax, so A goes to ethics.
    tree = Tree({"tax": ROOT, "ethics": ROOT}, {"tax": D(2), "ethics": D(2), ROOT: D(4)})
    units = [Unit("B", D(2), ("tax",)), Unit("A", D(2), ("tax", "ethics"))]
    ff = first_fit(tree, units, {})
    assert ff.parts == {"B": [("tax", D(2))], "A": [("ethics", D(2))]}
    assert meets(tree, check_valid(tree, units, {}, ff))


def test_a_split_record_counts_one_credit_per_category_never_two():
    # One 2-credit record tagged tax and ethics, each needs 1: it gives 1 to each.
    tree = Tree({"tax": ROOT, "ethics": ROOT}, {"tax": D(1), "ethics": D(1), ROOT: D(2)})
    units = [Unit("A", D(2), ("tax", "ethics"))]
    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    assert sorted(mf.parts["A"]) == [("ethics", D(1)), ("tax", D(1))]
    # ... and each needs 2: impossible with 2 credits, though each alone could be met.
    tree2 = Tree({"tax": ROOT, "ethics": ROOT}, {"tax": D(2), "ethics": D(2), ROOT: D(0)})
    filled, mf = max_flow_fill(tree2, units, {})
    assert filled is False
    assert check_valid(tree2, units, {}, mf)[ROOT] == D(2)


def test_nested_categories_count_for_their_parent_and_the_total():
    # total 10 > education 6 > ways-of-working 2.
    tree = Tree({"edu": ROOT, "wow": "edu"}, {ROOT: D(10), "edu": D(6), "wow": D(2)})
    assert tree.chain("wow") == ("wow", "edu", ROOT)
    # Own demand: the minimum less the children's minimums.
    assert tree.demand("wow") == D(2)
    assert tree.demand("edu") == D(4)  # 6 - 2
    assert tree.demand(ROOT) == D(4)  # 10 - 6
    units = [
        Unit("x", D(2), ("wow", "edu")),
        Unit("y", D(4), ("edu",)),
        Unit("z", D(4), ()),  # matches no category: the total only
    ]
    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    assert mf.parts == {"x": [("wow", D(2))], "y": [("edu", D(4))], "z": [(ROOT, D(4))]}
    assert mf.counted(tree, "wow") == D(2)
    assert mf.counted(tree, "edu") == D(6)  # the 2 ways-of-working credits count too
    assert mf.counted(tree, ROOT) == D(10)

    ff = first_fit(tree, units, {})
    assert ff.parts == mf.parts
    # One credit short of education: no assignment exists, and none is claimed.
    short = [Unit("x", D(2), ("wow", "edu")), Unit("y", D(3), ("edu",)), Unit("z", D(5), ())]
    filled, mf = max_flow_fill(tree, short, {})
    assert filled is False
    # The flow counts only what the minimums use: the total's own 4 are met by z, so
    # z's fifth credit is left for add_surplus.
    assert check_valid(tree, short, {}, mf) == {"wow": D(2), "edu": D(5), ROOT: D(9)}


def test_a_child_credit_counts_for_the_parent_but_a_parent_credit_not_for_the_child():
    tree = Tree({"edu": ROOT, "wow": "edu"}, {ROOT: D(0), "edu": D(2), "wow": D(2)})
    # 2 education credits, none of them ways-of-working: the child stays short.
    units = [Unit("y", D(2), ("edu",))]
    assert max_flow_fill(tree, units, {})[0] is False
    # 2 ways-of-working credits meet both.
    units = [Unit("x", D(2), ("wow", "edu"))]
    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    assert check_valid(tree, units, {}, mf) == {"wow": D(2), "edu": D(2), ROOT: D(2)}


def test_a_parent_category_without_a_minimum_does_not_inflate_the_total():
    # The docs' example without education's `min`: total 10, ways-of-working (within
    # education) 2. Ten credits, two of them ways-of-working, meet everything. The own
    # demands must not ask for 10 + 2: education's minimum (0) is less than its
    # child's, so what education really needs is 2, and the total's own demand is 8.
    tree = Tree({"edu": ROOT, "wow": "edu"}, {ROOT: D(10), "edu": D(0), "wow": D(2)})
    units = [Unit("x", D(2), ("wow", "edu")), Unit("z", D(8), ())]
    assert meets(tree, check_valid(tree, units, {}, first_fit(tree, units, {})))
    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    assert meets(tree, check_valid(tree, units, {}, mf))
    assert tree.demand("wow") == D(2)
    assert tree.demand("edu") == D(0)
    assert tree.demand(ROOT) == D(8)


def test_a_parent_without_a_minimum_does_not_make_the_flow_miss_a_solution():
    # total 4; education (no min) > ways-of-working 1; ethics 2. A (2 credits) is
    # ways-of-working and ethics, B (2 credits) ways-of-working only. A -> ethics and
    # B -> ways-of-working meets everything. With the total's own demand taken as
    # 4 - 0 - 2 = 2 (education's minimum, not its child's 1) the demands asked for 5
    # of the 4 credits, and the flow settled for A -> 1 ways-of-working + 1 ethics,
    # B -> total: ethics short, as with first-fit.
    tree = Tree(
        {"edu": ROOT, "wow": "edu", "ethics": ROOT},
        {ROOT: D(4), "edu": D(0), "wow": D(1), "ethics": D(2)},
    )
    units = [Unit("A", D(2), ("wow", "edu", "ethics")), Unit("B", D(2), ("wow", "edu"))]
    assert not meets(tree, check_valid(tree, units, {}, first_fit(tree, units, {})))
    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    assert mf.parts["A"] == [("ethics", D(2))]
    add_surplus(mf, units)
    assert check_valid(tree, units, {}, mf) == {
        "edu": D(2),
        "wow": D(2),
        "ethics": D(2),
        ROOT: D(4),
    }


def test_children_needing_more_than_their_parent_minimum():
    # A parent minimum below the sum of its children's: the children decide.
    tree = Tree({"p": ROOT, "c1": "p", "c2": "p"}, {ROOT: D(5), "p": D(1), "c1": D(2), "c2": D(2)})
    units = [Unit("a", D(2), ("c1", "p")), Unit("b", D(2), ("c2", "p")), Unit("z", D(1), ())]
    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    assert check_valid(tree, units, {}, mf) == {"p": D(4), "c1": D(2), "c2": D(2), ROOT: D(5)}
    assert sum((tree.demand(n) for n in (*tree.parent, ROOT)), D(0)) == D(5)


def test_nested_caps():
    # At most 3 activity credits count, of which at most 1 volunteering; total 4.
    caps = {"activity": D(3), "volunteer": D(1)}
    units = [
        Unit("v1", D(2), (), ("activity", "volunteer")),
        Unit("v2", D(2), (), ("activity", "volunteer")),
        Unit("talk", D(2), (), ("activity",)),
        Unit("course", D(1), ()),
    ]
    assert cap_parents(units, caps) == {"activity": None, "volunteer": "activity"}
    tree = Tree({}, {ROOT: D(4)})
    filled, mf = max_flow_fill(tree, units, caps)
    assert filled is True
    counts = check_valid(tree, units, caps, mf)
    assert counts[ROOT] == D(4)  # 1 volunteering + 2 talk + 1 course
    assert mf.given("v1") + mf.given("v2") == D(1)
    assert mf.given("talk") == D(2) and mf.given("course") == D(1)
    assert mf.cap_left == {"activity": D(0), "volunteer": D(0)}
    # Seven credits, but only 4 can count: a total of 5 cannot be met.
    assert max_flow_fill(Tree({}, {ROOT: D(5)}), units, caps)[0] is False

    ff = first_fit(tree, units, caps)
    assert ff.parts == {
        "v1": [(ROOT, D(1))],
        "v2": [],
        "talk": [(ROOT, D(2))],
        "course": [(ROOT, D(1))],
    }
    assert ff.cap_left == {"activity": D(0), "volunteer": D(0)}


def test_three_nested_caps_hang_each_from_the_smallest_around_it():
    # a (all three units) > b (u1, u2) > c (u1): c must hang from b, not from a, or u1
    # would bypass b's limit of 1.
    caps = {"a": D(10), "b": D(1), "c": D(5)}
    units = [
        Unit("u1", D(3), (), ("a", "b", "c")),
        Unit("u2", D(3), (), ("a", "b")),
        Unit("u3", D(3), (), ("a",)),
    ]
    assert cap_parents(units, caps) == {"a": None, "b": "a", "c": "b"}
    assert max_flow_fill(Tree({}, {ROOT: D(4)}), units, caps)[0] is True  # 1 + 3
    assert max_flow_fill(Tree({}, {ROOT: D(2)}), units[:1], caps)[0] is False
    filled, mf = max_flow_fill(Tree({}, {ROOT: D(1)}), units[:1], caps)
    assert filled is True
    assert mf.cap_left == {"a": D(9), "b": D(0), "c": D(4)}


def test_the_inner_cap_listed_first_nests_all_the_same():
    caps = {"volunteer": D(1), "activity": D(3)}
    units = [Unit("v", D(2), (), ("volunteer", "activity")), Unit("t", D(2), (), ("activity",))]
    assert cap_parents(units, caps) == {"volunteer": "activity", "activity": None}
    filled, mf = max_flow_fill(Tree({}, {ROOT: D(3)}), units, caps)
    assert filled is True
    assert (mf.given("v"), mf.given("t")) == (D(1), D(2))


def test_caps_over_the_same_records_nest_in_policy_order():
    caps = {"a": D(2), "b": D(1)}
    units = [Unit("u", D(3), (), ("a", "b"))]
    assert cap_parents(units, caps) == {"a": None, "b": "a"}
    filled, mf = max_flow_fill(Tree({}, {ROOT: D(1)}), units, caps)
    assert filled is True
    assert mf.given("u") == D(1)
    assert max_flow_fill(Tree({}, {ROOT: D(2)}), units, caps)[0] is False


def test_disjoint_caps():
    caps = {"volunteer": D(1), "teaching": D(2)}
    units = [
        Unit("v", D(3), (), ("volunteer",)),
        Unit("t", D(3), (), ("teaching",)),
        Unit("c", D(1), ()),
    ]
    assert cap_parents(units, caps) == {"volunteer": None, "teaching": None}
    filled, mf = max_flow_fill(Tree({}, {ROOT: D(4)}), units, caps)
    assert filled is True
    assert (mf.given("v"), mf.given("t"), mf.given("c")) == (D(1), D(2), D(1))
    assert max_flow_fill(Tree({}, {ROOT: D(5)}), units, caps)[0] is False


def test_a_cap_can_keep_a_category_minimum_from_being_met():
    # Volunteering needs 3, but at most 2 volunteering credits count at all.
    tree = Tree({"vol": ROOT}, {"vol": D(3), ROOT: D(3)})
    caps = {"vol-cap": D(2)}
    units = [Unit("v1", D(2), ("vol",), ("vol-cap",)), Unit("v2", D(3), ("vol",), ("vol-cap",))]
    filled, mf = max_flow_fill(tree, units, caps)
    assert filled is False
    assert check_valid(tree, units, caps, mf) == {"vol": D(2), ROOT: D(2)}
    assert mf.cap_left == {"vol-cap": D(0)}
    ff = first_fit(tree, units, caps)
    assert ff.parts == {"v1": [("vol", D(2))], "v2": []}
    # The cap also limits what the total gets from capped records.
    tree = Tree({"vol": ROOT}, {"vol": D(1), ROOT: D(5)})
    units.append(Unit("c", D(2), ()))
    assert max_flow_fill(tree, units, caps)[0] is False  # at most 2 + 2


def test_caps_overlapping_without_nesting_are_refused():
    caps = {"a": D(1), "b": D(1)}
    units = [
        Unit("u1", D(1), (), ("a",)),
        Unit("u2", D(1), (), ("a", "b")),
        Unit("u3", D(1), (), ("b",)),
    ]
    with pytest.raises(CapsNotNested) as err:
        cap_parents(units, caps)
    assert (err.value.a, err.value.b, err.value.shared) == ("a", "b", "u2")
    with pytest.raises(CapsNotNested):
        max_flow_fill(Tree({}, {ROOT: D(1)}), units, caps)
    # First-fit needs no nesting: caps are used up in order.
    ff = first_fit(Tree({}, {ROOT: D(3)}), units, caps)
    assert ff.parts == {"u1": [(ROOT, D(1))], "u2": [], "u3": [(ROOT, D(1))]}


def test_decimal_credits_stay_exact():
    tree = Tree(
        {"ethics": ROOT, "tax": ROOT}, {"ethics": D("0.45"), "tax": D("1.5"), ROOT: D("1.95")}
    )
    units = [
        Unit("a", D("0.2"), ("ethics",)),
        Unit("b", D("0.25"), ("ethics", "tax")),
        Unit("c", D("1.5"), ("ethics", "tax")),
    ]
    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    assert mf.parts == {
        "a": [("ethics", D("0.2"))],
        "b": [("ethics", D("0.25"))],
        "c": [("tax", D("1.5"))],
    }
    counts = check_valid(tree, units, {}, mf)
    assert counts == {"ethics": D("0.45"), "tax": D("1.5"), ROOT: D("1.95")}
    assert str(counts[ROOT]) == "1.95"
    # 0.1 + 0.2 is 0.3 here (it is not in binary floating point).
    tree = Tree({}, {ROOT: D("0.3")})
    units = [Unit("p", D("0.1"), ()), Unit("q", D("0.2"), ())]
    assert max_flow_fill(tree, units, {})[0] is True
    assert max_flow_fill(Tree({}, {ROOT: D("0.30000000000000001")}), units, {})[0] is False


def test_decimal_caps_stay_exact():
    caps = {"cap": D("0.45")}
    units = [
        Unit("a", D("0.2"), (), ("cap",)),
        Unit("b", D("0.25"), (), ("cap",)),
        Unit("c", D("1.5"), (), ("cap",)),
    ]
    filled, mf = max_flow_fill(Tree({}, {ROOT: D("0.45")}), units, caps)
    assert filled is True
    assert mf.cap_left == {"cap": D(0)}
    ff = first_fit(Tree({}, {ROOT: D("1.95")}), units, caps)
    assert ff.parts == {"a": [(ROOT, D("0.2"))], "b": [(ROOT, D("0.25"))], "c": []}


def test_add_surplus_goes_to_the_first_node_within_the_caps_earliest_first():
    tree = Tree({"edu": ROOT, "wow": "edu"}, {ROOT: D(1), "edu": D(0), "wow": D(1)})
    caps = {"cap": D(3)}
    units = [
        Unit("a", D(2), ("wow", "edu"), ("cap",)),
        Unit("b", D(2), ("edu",), ("cap",)),
        Unit("c", D(2), ("edu",), ("cap",)),
        Unit("d", D("1.5"), ()),
    ]
    filled, mf = max_flow_fill(tree, units, caps)
    assert filled is True
    assert mf.parts == {"a": [("wow", D(1))], "b": [], "c": [], "d": []}
    assert mf.cap_left == {"cap": D(2)}
    add_surplus(mf, units)
    # a's rest (1) on its first node, wow; b takes the last cap room (1), on edu; c none;
    # d (no category) on the total.
    assert mf.parts == {
        "a": [("wow", D(2))],
        "b": [("edu", D(1))],
        "c": [],
        "d": [(ROOT, D("1.5"))],
    }
    assert mf.needed == {"a": D(1)}  # surplus is needed by no minimum
    assert mf.cap_left == {"cap": D(0)}
    assert check_valid(tree, units, caps, mf) == {"wow": D(2), "edu": D(3), ROOT: D("4.5")}


def test_add_surplus_shows_credits_counted_for_the_total_alone_under_the_category():
    tree = Tree({"tax": ROOT, "ethics": ROOT}, {"tax": D(2), "ethics": D(2), ROOT: D(6)})
    units = [Unit("A", D(2), ("tax", "ethics")), Unit("B", D(4), ("tax",))]
    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    add_surplus(mf, units)
    assert mf.parts == {"A": [("ethics", D(2))], "B": [("tax", D(4))]}
    assert mf.needed == {"A": D(2), "B": D(4)}
    assert check_valid(tree, units, {}, mf) == {"tax": D(4), "ethics": D(2), ROOT: D(6)}


def test_add_surplus_with_the_tree_shows_credits_as_deep_as_the_unit_reaches():
    # A 10-credit ways-of-working course, education needing 8 of which ways-of-working 2:
    # the flow gives 2 to ways-of-working and 6 to education; shown with the tree, all
    # 10 are ways-of-working (education still counts 10).
    tree = Tree({"edu": ROOT, "wow": "edu"}, {ROOT: D(0), "edu": D(8), "wow": D(2)})
    units = [Unit("x", D(10), ("wow", "edu"))]
    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    assert mf.parts == {"x": [("wow", D(2)), ("edu", D(6))]}
    without = copy.deepcopy(mf)
    add_surplus(mf, units, tree)
    assert mf.parts == {"x": [("wow", D(10))]}
    assert mf.needed == {"x": D(8)}
    assert check_valid(tree, units, {}, mf) == {"wow": D(10), "edu": D(10), ROOT: D(10)}
    add_surplus(without, units)  # without the tree only the rest goes to the first node
    assert without.parts == {"x": [("wow", D(4)), ("edu", D(6))]}


def test_units_with_the_same_signature_are_split_back_earliest_first():
    tree = Tree({"ethics": ROOT}, {"ethics": D(3), ROOT: D(3)})
    units = [Unit(k, D(2), ("ethics",)) for k in ("u1", "u2", "u3")]
    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    assert mf.parts == {"u1": [("ethics", D(2))], "u2": [("ethics", D(1))], "u3": []}
    # The order given decides, not the keys.
    filled, mf = max_flow_fill(tree, units[::-1], {})
    assert mf.parts == {"u3": [("ethics", D(2))], "u2": [("ethics", D(1))], "u1": []}
    # With the total asking for more, the earliest are still used up first.
    tree = Tree({"ethics": ROOT}, {"ethics": D(3), ROOT: D(5)})
    filled, mf = max_flow_fill(tree, units, {})
    assert filled is True
    assert [mf.given(k) for k in ("u1", "u2", "u3")] == [D(2), D(2), D(1)]


def test_same_signature_with_caps_split_back_earliest_first():
    caps = {"cap": D(3)}
    units = [Unit(k, D(2), (), ("cap",)) for k in ("u1", "u2", "u3")]
    filled, mf = max_flow_fill(Tree({}, {ROOT: D(3)}), units, caps)
    assert filled is True
    assert [mf.given(k) for k in ("u1", "u2", "u3")] == [D(2), D(1), D(0)]


def test_empty_input():
    filled, mf = max_flow_fill(Tree({}, {ROOT: D(0)}), [], {})
    assert filled is True and mf.parts == {}
    assert max_flow_fill(Tree({}, {ROOT: D(1)}), [], {})[0] is False
    assert first_fit(Tree({}, {ROOT: D(1)}), [], {}).parts == {}


# -- against brute force ----------------------------------------------------------------
def splits(total: int, k: int) -> Iterator[tuple[int, ...]]:
    """Every way to write ``total`` as ``k`` non-negative integers, in order."""
    if k == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in splits(total - first, k - 1):
            yield (first, *rest)


def brute_force(tree: Tree, units: list[Unit], caps: dict) -> bool:
    """Whether some split of every unit's integer credits among its nodes, the total
    and "not counted" keeps every cap and meets every minimum (:func:`brute_force_least`
    with nothing to spare)."""
    return brute_force_least(tree, units, caps, set()) is not None


def brute_force_literal(tree: Tree, units: list[Unit], caps: dict) -> bool:
    """The same question, one whole combination of splits at a time (small cases)."""
    options = [[(u, split) for split in splits(int(u.credits), len(u.nodes) + 2)] for u in units]
    for combination in itertools.product(*options):
        counts = dict.fromkeys((*tree.parent, ROOT), 0)
        used = dict.fromkeys(caps, 0)
        for u, split in combination:
            for n, amount in zip((*u.nodes, ROOT), split, strict=False):  # last: not counted
                for m in ancestors(tree.parent, n):
                    counts[m] += amount
            for c in u.caps:
                used[c] += int(u.credits) - split[-1]
        if all(used[c] <= caps[c] for c in caps) and meets(tree, counts):
            return True
    return False


def test_brute_force_on_the_adversarial_case():
    tree = Tree({"tax": ROOT, "ethics": ROOT}, {"tax": D(2), "ethics": D(2), ROOT: D(4)})
    units = [Unit("A", D(2), ("tax", "ethics")), Unit("B", D(2), ("tax",))]
    assert brute_force(tree, units, {}) is brute_force_literal(tree, units, {}) is True
    assert brute_force(tree, units, {"c": D(3)}) is True  # a cap over neither: no effect
    capped = [Unit("A", D(2), ("tax", "ethics"), ("c",)), Unit("B", D(2), ("tax",), ("c",))]
    assert brute_force(tree, capped, {"c": D(3)}) is False
    assert brute_force_literal(tree, capped, {"c": D(3)}) is False
    assert brute_force(tree, capped, {"c": D(4)}) is True


@st.composite
def instances(draw):
    """1-5 units of 0-3 credits, 1-3 categories (at the top or within an earlier one),
    minimums 0-4, and 0-2 caps of 0-4 that nest or are disjoint. In half of them a
    random split of the credits is drawn first, each minimum is within one of what the
    split counts for its node and each cap at least what the split uses, so that many
    are solvable, and many only just."""
    n_cat = draw(st.integers(1, 3))
    parent = {}
    for i in range(n_cat):
        nested = i > 0 and draw(st.integers(0, 2)) == 2  # one in three
        parent[i] = draw(st.sampled_from(range(i))) if nested else ROOT
    depth = {n: len(ancestors(parent, n)) for n in parent}
    n_units = draw(st.integers(1, 5))
    matched = []
    for _ in range(n_units):
        own = {i for i in parent if draw(st.integers(0, 2)) > 0}  # two in three
        closed = {m for n in own for m in ancestors(parent, n) if m != ROOT}
        matched.append(tuple(sorted(closed, key=lambda n: (-depth[n], n))))
    credits = [draw(st.integers(0, 3)) for _ in range(n_units)]
    planted = draw(st.booleans())
    counts = dict.fromkeys((*parent, ROOT), 0)
    counted = []
    for j in range(n_units):
        left, counted_j = (credits[j] if planted else 0), 0
        while left > 0:  # some of the credits to one node, to the total, or nowhere
            n = draw(st.sampled_from([*matched[j][::-1], ROOT, None]))
            amount = draw(st.integers(1, left))
            left -= amount
            if n is not None:
                counted_j += amount
                for m in ancestors(parent, n):
                    counts[m] += amount
        counted.append(counted_j)

    def number(at_least: int) -> Decimal:
        return D(draw(st.integers(min(at_least, 4), 4)))

    # Caps as a laminar family: one over a subset of the units, and maybe a second
    # over a subset of that one, over a superset of it, or over units it leaves out.
    caps: dict = {}
    covered: dict = {}
    n_caps = draw(st.integers(0, 2))
    everyone = list(range(n_units))
    if n_caps >= 1:
        first = {j for j in everyone if draw(st.booleans())}
        covered[("cap", 0)] = first
    if n_caps == 2:
        how = draw(st.sampled_from(["inside", "around", "apart"]))
        pool = {
            "inside": sorted(first),
            "around": everyone,
            "apart": [j for j in everyone if j not in first],
        }[how]
        second = {j for j in pool if draw(st.booleans())}
        if how == "around":
            second |= first
        covered[("cap", 1)] = second
    for c, who in covered.items():
        caps[c] = number(sum(counted[j] for j in who))
    if planted:
        minimum = {
            n: D(draw(st.integers(min(4, max(0, counts[n] - 1)), min(4, counts[n] + 1))))
            for n in counts
        }
    else:
        minimum = {n: number(0) for n in counts}
    units = [
        Unit(f"u{j}", D(credits[j]), matched[j], tuple(c for c in caps if j in covered[c]))
        for j in range(n_units)
    ]
    return Tree(parent, minimum), units, caps


@settings(max_examples=300, deadline=None, database=None)
@given(instances())
def test_max_flow_agrees_with_brute_force(instance):
    tree, units, caps = instance
    possible = brute_force(tree, units, caps)
    size = math.prod(math.comb(int(u.credits) + len(u.nodes) + 1, len(u.nodes) + 1) for u in units)
    if size <= 5000:  # the number of combinations the literal enumeration tries
        assert brute_force_literal(tree, units, caps) is possible

    filled, mf = max_flow_fill(tree, units, caps)
    assert filled is possible
    counts = check_valid(tree, units, caps, mf)
    if filled:
        assert meets(tree, counts)  # the assignment itself, not only the flag
    for c in caps:
        assert mf.cap_left[c] == caps[c] - sum(
            (mf.given(u.key) for u in units if c in u.caps), D(0)
        )

    # Counting the surplus (with the tree, as the engine does, and without) keeps
    # every cap and only adds to the counts; it counts all a cap leaves room for.
    for with_tree in (False, True):
        a = copy.deepcopy(mf)
        add_surplus(a, units, tree if with_tree else None)
        after = check_valid(tree, units, caps, a)
        assert all(after[n] >= counts[n] for n in counts)
        assert a.needed == mf.needed
        for u in units:
            room = min((a.cap_left[c] for c in u.caps), default=None)
            assert a.given(u.key) == u.credits or room == 0

    ff = first_fit(tree, units, caps)
    ff_met = meets(tree, check_valid(tree, units, caps, ff))
    if ff_met:
        assert possible
    event("solvable" if possible else "not solvable")
    if possible:
        event(
            "first-fit fails while a solution exists"
            if not ff_met
            else "first-fit finds a solution too"
        )


def test_when_not_everything_can_be_met_sub_categories_are_filled_first():
    # education needs 10 but only 4 credits exist; its two areas need 2 each. D may
    # count for either area, W only for ways-of-working: both areas can be met, and
    # they are, even though education stays short.
    tree = Tree(
        {"edu": ROOT, "wow": "edu", "ps": "edu"},
        {ROOT: D(0), "edu": D(10), "wow": D(2), "ps": D(2)},
    )
    units = [Unit("D", D(2), ("wow", "ps", "edu")), Unit("W", D(2), ("wow", "edu"))]
    filled, out = max_flow_fill(tree, units, {})
    add_surplus(out, units, tree)
    assert filled is False
    counts = out.counts(tree)
    assert (counts["wow"], counts["ps"], counts["edu"]) == (D(2), D(2), D(4))


# -- credits that may carry over are left unneeded where others can do (issue 14, item 1)
def brute_force_least(tree: Tree, units: list[Unit], caps: dict, later: set[str]) -> int | None:
    """The fewest credits of the units in ``later`` that a split meeting every minimum
    within the caps must count (None: no split meets them). Every split of every unit's
    integer credits among its nodes, the total and "not counted" is tried; partial
    results that are the same for what is left to decide (each node's count so far,
    capped at its minimum, and each cap's use) are kept once, with the least of
    ``later``'s credits counted to reach them."""
    nodes = [*tree.parent, ROOT]
    index = {n: i for i, n in enumerate(nodes)}
    mins = [int(tree.minimum.get(n, 0)) for n in nodes]
    cap_list = list(caps)
    states = {((0,) * len(nodes), (0,) * len(cap_list)): 0}
    for u in units:
        targets = [*u.nodes, ROOT]
        lifts = [[index[m] for m in ancestors(tree.parent, n)] for n in targets]
        covers = [j for j, c in enumerate(cap_list) if c in u.caps]
        new: dict = {}
        for split in splits(int(u.credits), len(targets) + 1):  # last: not counted
            counted = int(u.credits) - split[-1]
            add = [0] * len(nodes)
            for lift, amount in zip(lifts, split, strict=False):
                for i in lift:
                    add[i] += amount
            for (count, used), least in states.items():
                used2 = list(used)
                for j in covers:
                    used2[j] += counted
                if any(used2[j] > caps[cap_list[j]] for j in covers):
                    continue
                count2 = tuple(min(c + a, m) for c, a, m in zip(count, add, mins, strict=True))
                key = (count2, tuple(used2))
                value = least + (counted if u.key in later else 0)
                if key not in new or value < new[key]:
                    new[key] = value
        states = new
    met = [least for (count, _used), least in states.items() if count == tuple(mins)]
    return min(met) if met else None


def test_a_record_that_may_carry_is_left_unneeded_when_others_meet_the_minimums():
    """The issue's case: total 10, x 2, y 2; x-early 5 [x], y-early 5 [y], x-late 5 [x]
    may carry. The early records meet everything; x-late is needed for nothing."""
    tree = Tree({"x": ROOT, "y": ROOT}, {ROOT: D(10), "x": D(2), "y": D(2)})
    units = [Unit("xe", D(5), ("x",)), Unit("ye", D(5), ("y",)), Unit("xl", D(5), ("x",))]
    filled, out = max_flow_fill(tree, units, {}, frozenset({"xl"}))
    assert filled and out.given("xl") == 0 and out.given("xe") == out.given("ye") == 5


@settings(max_examples=300, deadline=None, database=None)
@given(instances(), st.data())
def test_max_flow_needs_the_least_of_what_may_carry(instance, data):
    tree, units, caps = instance
    later = {u.key for u in units if data.draw(st.booleans())}
    filled, mf = max_flow_fill(tree, units, caps, frozenset(later))
    plain_filled, _plain = max_flow_fill(tree, units, caps)
    assert filled is plain_filled  # what is met does not change
    counts = check_valid(tree, units, caps, mf)
    if not filled:
        return
    assert meets(tree, counts)
    needed = sum((mf.given(u.key) for u in units if u.key in later), D(0))
    assert needed == brute_force_least(tree, units, caps, later)
    event("some may-carry credits needed" if needed else "none needed")


@pytest.mark.parametrize(
    ("needed", "surplus"),
    [
        ("2", "0"),
        ("0", "3.5"),
        ("1.25", "0.75"),
        ("0", "0"),
        ("1E+1", "0"),
        ("0", "2E+1"),
        ("1E+1", "0.50"),
    ],
)
def test_giving_a_new_unit_at_once_is_giving_it_twice_then_asking(needed, surplus):
    """``Assignment.give_first`` (a plain tally's every record) leaves the same parts,
    needed credits and total as ``give`` twice then ``given``, exponents too."""
    one, two = Assignment(), Assignment()
    got = one.give_first("r", ROOT, Decimal(needed), Decimal(surplus))
    two.give("r", ROOT, Decimal(needed), needed=True)
    two.give("r", ROOT, Decimal(surplus), needed=False)
    assert repr(got) == repr(two.given("r"))
    assert repr(one.parts) == repr({"r": two.parts.get("r", [])})
    assert repr(one.needed) == repr(two.needed)
