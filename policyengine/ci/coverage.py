"""Which rules of a policy the scenarios exercised: rule, branch and requirement coverage.

A :class:`Recorder` is installed around scenario runs with
``policy.rule.observing(recorder)``; every policy rule called in that context is then
marked as *hit*. Three kinds of coverage items:

- **rules** — every expression of the policy (``Policy.rules``: validity rules,
  requirement filters and computed minimums, adjustment targets and conditions, period
  starts and ends, record rules, cart rules, item costs and eligibility), plus every
  requirement (a requirement is hit when a period measured it) and a credit-package
  policy's course expiry (``enrollment.expires_after``, hit when an allowed
  redemption computed it);
- **decisions** — every true/false expression (and every requirement with a minimum)
  must be seen both true (met) and false (not met); every cap (``max``/``max_share``)
  both reached and not reached; so must a credit-package policy's validity
  (``package.valid_for``: a package seen usable and seen expired) and, when required,
  the terms acknowledgement (``cart.require_acknowledgement``);
- **branches** — every operand of ``and``/``or`` and every ``if`` condition must be seen
  both true and false. Expressions are recompiled once with the compiler's ``trace=``
  instrumentation, only while recording.

Coverage percentage = covered items / all items (rules + both outcomes of every
decision and branch). Requirements and package terms, which are not expressions, are
reported by the scenario runners with :meth:`Recorder.hit`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policyengine.errors import Location
from policyengine.expr import ExprError, Scope, compile_expression
from policyengine.expr import types as T
from policyengine.expr.compiler import CompiledExpression
from policyengine.expr.parser import BoolOp, If, walk
from policyengine.policy.model import Policy
from policyengine.policy.rule import Rule

RESULT = -1  # the branch id of an expression's own true/false result


@dataclass
class PolicyCoverage:
    """What was seen of one policy."""

    policy: Policy
    hits: dict[str, int] = field(default_factory=dict)  # rule path -> times evaluated
    outcomes: dict[str, set[tuple[int, bool]]] = field(default_factory=dict)
    note: str | None = None  # e.g. "no scenario file"


@dataclass
class Item:
    """One line of the coverage table."""

    rule: str  # dotted path in the policy (``requirements.0``, ``adjustments.pushdate.when``)
    what: str  # "rule", "decision" or "branch"
    text: str  # the expression (or operand) as written
    location: Location | None
    seen: tuple[bool, ...]  # rule: (hit,); decision/branch: (seen true, seen false)

    @property
    def covered(self) -> int:
        return sum(self.seen)

    @property
    def total(self) -> int:
        return len(self.seen)

    def missing(self) -> str:
        if self.what == "rule":
            return "never evaluated"
        lacks = [name for name, seen in zip(("true", "false"), self.seen, strict=False) if not seen]
        return "never " + " or ".join(lacks)


class Recorder:
    """Collects hits of the policies registered with it, while installed with
    ``policy.rule.observing``; rules of other policies run without being counted."""

    def __init__(self) -> None:
        self.policies: dict[str, PolicyCoverage] = {}
        self._traced: dict[int, tuple[Rule, CompiledExpression]] = {}

    def _cov(self, policy: Policy) -> PolicyCoverage:
        cov = self.policies.get(policy.path)
        if cov is None:
            cov = self.policies[policy.path] = PolicyCoverage(policy)
        return cov

    def register(self, policy: Policy, note: str | None = None) -> None:
        """Count ``policy`` in the report even if no scenario evaluates anything of it."""
        cov = self._cov(policy)
        if note:
            cov.note = note

    def hit(self, policy: Policy, dotted: str, outcome: bool | None = None) -> None:
        cov = self._cov(policy)
        cov.hits[dotted] = cov.hits.get(dotted, 0) + 1
        if outcome is not None:
            cov.outcomes.setdefault(dotted, set()).add((RESULT, bool(outcome)))

    def run(self, rule: Rule, values: Mapping[str, object]) -> object:
        cov = self.policies.get(rule.policy_file)
        if cov is None:
            return rule.compiled(values)
        cov.hits[rule.path] = cov.hits.get(rule.path, 0) + 1
        seen = cov.outcomes.setdefault(rule.path, set())
        value = self._traced_for(rule, cov, seen)(values)
        if isinstance(value, bool):
            seen.add((RESULT, value))
        return value

    def _traced_for(
        self, rule: Rule, cov: PolicyCoverage, seen: set[tuple[int, bool]]
    ) -> CompiledExpression:
        """The rule compiled with branch tracing (once per rule); the rule's own
        function when it has no branches."""
        entry = self._traced.get(id(rule))
        if entry is not None and entry[0] is rule:
            return entry[1]
        traced = rule.compiled
        if rule.compiled.branch_ids:

            def trace(offset: int, outcome: object) -> None:
                seen.add((offset, bool(outcome)))

            try:  # the same scope and functions the policy was compiled with
                traced = compile_expression(
                    rule.compiled.source,
                    Scope(dict(rule.scope), cov.policy.env.functions),
                    trace=trace,
                )
            except ExprError:  # cannot happen: it compiled once with exactly these
                traced = rule.compiled
        self._traced[id(rule)] = (rule, traced)
        return traced

    def items(self, policy_path: str) -> list[Item]:
        return coverage_items(self.policies[policy_path])


def _branches(compiled: Any) -> list[tuple[int, str]]:
    """(trace id, operand text) for every and/or operand and if condition."""
    out: dict[int, str] = {}
    for node in walk(compiled.ast):
        if isinstance(node, BoolOp):
            for side in (node.left, node.right):
                if not isinstance(side, BoolOp):
                    out[side.start] = compiled.source[side.start : side.end]
        elif isinstance(node, If):
            cond = node.cond
            out[node.then_start] = "if " + compiled.source[cond.start : cond.end]
    return sorted(out.items())


def package_terms(policy: Policy) -> list[tuple[str, str, str, Location | None]]:
    """(item id, what, label, location) of a credit-package policy's terms that are not
    expressions."""
    terms = policy.package
    if policy.kind != "credit-package" or terms is None:
        return []
    out = [
        (
            "package.valid_for",
            "decision",
            f"package usable (valid_for: {terms.valid_for_text})",
            terms.valid_for_location,
        )
    ]
    if terms.require_acknowledgement:
        out.append(
            (
                "cart.require_acknowledgement",
                "decision",
                "terms acknowledged",
                terms.require_acknowledgement_location,
            )
        )
    if terms.course_expires_after_text is not None:
        out.append(
            (
                "enrollment.expires_after",
                "rule",
                f"course expiry (expires_after: {terms.course_expires_after_text})",
                terms.course_expires_after_location,
            )
        )
    return out


def requirement_id(list_path: str, index: int) -> str:
    """How coverage names a requirement: its dotted path in the policy file."""
    return f"{list_path}.{index}"


def coverage_items(cov: PolicyCoverage) -> list[Item]:
    """Every coverage item of a policy, in file order."""
    policy = cov.policy
    items: list[Item] = []
    for dotted, rule in policy.rules.items():
        compiled = rule.compiled
        seen = cov.outcomes.get(dotted, set())
        items.append(Item(dotted, "rule", compiled.source, rule.location, (dotted in cov.hits,)))
        if compiled.type == T.BOOL:
            items.append(
                Item(
                    dotted,
                    "decision",
                    compiled.source,
                    rule.location,
                    ((RESULT, True) in seen, (RESULT, False) in seen),
                )
            )
        for offset, text in _branches(compiled):
            items.append(
                Item(
                    dotted,
                    "branch",
                    text,
                    rule.location_at(offset),
                    ((offset, True) in seen, (offset, False) in seen),
                )
            )
    for requirements in policy.requirement_lists:
        for req in requirements.items:
            dotted = requirement_id(requirements.path, req.index)
            seen = cov.outcomes.get(dotted, set())
            label = f"requirement '{req.id}'"
            items.append(Item(dotted, "rule", label, req.location, (dotted in cov.hits,)))
            if req.min is not None or req.per_year is not None or req.courses or not req.has_cap:
                items.append(
                    Item(
                        dotted,
                        "decision",
                        label + " met",
                        req.location,
                        ((RESULT, True) in seen, (RESULT, False) in seen),
                    )
                )
            if req.has_cap:  # a cap is exercised when it limits what counts and when not
                key = "max" if req.max is not None else "max_share"
                cap = cov.outcomes.get(f"{dotted}.cap", set())
                items.append(
                    Item(
                        f"{dotted}.{key}",
                        "decision",
                        label + " cap reached",
                        req.cap_location,
                        ((RESULT, True) in cap, (RESULT, False) in cap),
                    )
                )
    for dotted, what, label, where in package_terms(policy):
        seen = cov.outcomes.get(dotted, set())
        items.append(
            Item(
                dotted,
                what,
                label,
                where,
                (dotted in cov.hits,)
                if what == "rule"
                else ((RESULT, True) in seen, (RESULT, False) in seen),
            )
        )
    items.sort(key=lambda i: (i.location.line, i.location.col) if i.location else (0, 0))
    return items


def percent(items: list[Item]) -> float:
    total = sum(i.total for i in items)
    return 100.0 if total == 0 else 100.0 * sum(i.covered for i in items) / total


def report_data(recorder: Recorder) -> dict[str, Any]:
    """Plain data for JSON output: per policy, its items and percentage, and the total."""
    policies, all_items = [], []
    for path in sorted(recorder.policies):
        items = recorder.items(path)
        all_items.extend(items)
        policies.append(
            {
                "policy": path,
                "id": recorder.policies[path].policy.id,
                "percent": round(percent(items), 1),
                "covered": sum(i.covered for i in items),
                "total": sum(i.total for i in items),
                **({"note": recorder.policies[path].note} if recorder.policies[path].note else {}),
                "items": [
                    {
                        "rule": i.rule,
                        "what": i.what,
                        "text": i.text,
                        "location": str(i.location) if i.location else None,
                        "covered": i.covered == i.total,
                        **({} if i.covered == i.total else {"missing": i.missing()}),
                    }
                    for i in items
                ],
            }
        )
    return {
        "policies": policies,
        "percent": round(percent(all_items), 1),
        "covered": sum(i.covered for i in all_items),
        "total": sum(i.total for i in all_items),
    }


def _mark(item: Item) -> str:
    if item.what == "rule":
        return "hit" if item.seen[0] else "NOT HIT"
    return "/".join(
        name if seen else "-" * len(name)
        for name, seen in zip(("true", "false"), item.seen, strict=False)
    )


def report_lines(recorder: Recorder) -> list[str]:
    """The per-policy coverage tables, the uncovered items at file:line:col, totals: the
    lines ``test --coverage`` prints (the reporter escapes each one)."""
    lines: list[str] = []
    all_items: list[Item] = []
    for path in sorted(recorder.policies):
        items = recorder.items(path)
        all_items.extend(items)
        note = recorder.policies[path].note
        lines.append(
            f"coverage of {path} ({recorder.policies[path].policy.id}): "
            f"{percent(items):.1f}% ({sum(i.covered for i in items)}/"
            f"{sum(i.total for i in items)})" + (f" -- {note}" if note else "")
        )
        width = max((len(i.rule) for i in items), default=4)
        for i in items:
            text = i.text if len(i.text) <= 60 else i.text[:57] + "..."
            lines.append(f"  {i.rule:<{width}}  {i.what:<8}  {_mark(i):<10}  {text}")
        missed = [i for i in items if i.covered < i.total]
        for i in missed:
            where = f"{i.location}" if i.location else path
            lines.append(f"  {where}: not covered: {i.what} {i.text!r}: {i.missing()}")
    lines.append(
        f"total coverage: {percent(all_items):.1f}% "
        f"({sum(i.covered for i in all_items)}/{sum(i.total for i in all_items)})"
    )
    return lines
