"""Which rules of a policy the scenarios exercised: rule, branch and requirement coverage.

A :class:`Recorder` is installed around scenario runs with
``exprrun.recording(recorder)``; every policy expression evaluated through
``exprrun.run`` is then marked as *hit*. Three kinds of coverage items:

- **rules** — every expression of the policy (``Policy.expressions``: validity rules,
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
from policyengine.expr.parser import BoolOp, If, Name, walk
from policyengine.policy.build import Policy, default_functions, has_cap

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
        lacks = [name for name, seen in zip(("true", "false"), self.seen) if not seen]
        return "never " + " or ".join(lacks)


class Recorder:
    """Collects hits while installed with ``exprrun.recording``."""

    def __init__(self) -> None:
        self.policies: dict[str, PolicyCoverage] = {}
        self._traced: dict[tuple[int, str], Any] = {}

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

    def run(self, policy: Policy, dotted: str, compiled: Any, values: Mapping[str, Any]) -> Any:
        cov = self._cov(policy)
        cov.hits[dotted] = cov.hits.get(dotted, 0) + 1
        seen = cov.outcomes.setdefault(dotted, set())
        traced = self._traced_for(policy, dotted, compiled, seen)
        value = traced(values)
        if isinstance(value, bool):
            seen.add((RESULT, value))
        return value

    def _traced_for(self, policy: Policy, dotted: str, compiled: Any, seen: set) -> Any:
        key = (id(compiled), dotted)
        entry = self._traced.get(key)
        if entry is not None and entry[0] is compiled:
            return entry[1]
        traced = compiled
        if compiled.branch_ids:
            def trace(offset: int, outcome: object) -> None:
                seen.add((offset, bool(outcome)))

            try:
                traced = compile_expression(
                    compiled.source, Scope(_free_names(compiled), default_functions()),
                    trace=trace)
            except ExprError:  # compiled with functions we do not know: rule level only
                traced = compiled
        self._traced[key] = (compiled, traced)
        return traced

    def items(self, policy_path: str) -> list[Item]:
        return coverage_items(self.policies[policy_path])


def _free_names(compiled: Any) -> dict[str, T.Type]:
    """The scope an expression was compiled in, as far as it uses it."""
    names: dict[str, T.Type] = {}
    for node in walk(compiled.ast):
        if isinstance(node, Name) and node not in compiled.checked.bound:
            names[node.name] = compiled.checked.types[node]
    return names


def _branches(compiled: Any) -> list[tuple[int, str]]:
    """(trace id, operand text) for every and/or operand and if condition."""
    out: dict[int, str] = {}
    for node in walk(compiled.ast):
        if isinstance(node, BoolOp):
            for side in (node.left, node.right):
                if not isinstance(side, BoolOp):
                    out[side.start] = compiled.source[side.start:side.end]
        elif isinstance(node, If):
            cond = node.cond
            out[node.then_start] = "if " + compiled.source[cond.start:cond.end]
    return sorted(out.items())


def _where(policy: Policy, dotted: str, offset: int | None = None) -> Location | None:
    raw = policy.get(dotted)
    if offset is not None and hasattr(raw, "location_at"):
        return raw.location_at(offset)
    return policy.location(dotted)


def requirement_paths(policy: Policy) -> list[str]:
    """Dotted paths of every requirement of the policy."""
    out = []
    for base in ("requirements", "periods.initial.requirements", "periods.renewal.requirements"):
        for i, _req in enumerate(policy.get(base) or []):
            out.append(f"{base}.{i}")
    return out


def package_terms(policy: Policy) -> list[tuple[str, str, str]]:
    """(dotted path, what, label) of a credit-package policy's terms that are not expressions."""
    if policy.kind != "credit-package":
        return []
    out = []
    if policy.get("package.valid_for") is not None:
        out.append(("package.valid_for", "decision",
                    f"package usable (valid_for: {policy.get('package.valid_for')})"))
    if policy.get("cart.require_acknowledgement") is True:
        out.append(("cart.require_acknowledgement", "decision", "terms acknowledged"))
    if policy.get("enrollment.expires_after") is not None:
        out.append(("enrollment.expires_after", "rule",
                    f"course expiry (expires_after: {policy.get('enrollment.expires_after')})"))
    return out


def coverage_items(cov: PolicyCoverage) -> list[Item]:
    """Every coverage item of a policy, in file order."""
    policy = cov.policy
    items: list[Item] = []
    for dotted, compiled in policy.expressions.items():
        seen = cov.outcomes.get(dotted, set())
        items.append(Item(dotted, "rule", compiled.source, _where(policy, dotted),
                          (dotted in cov.hits,)))
        if compiled.type == T.BOOL:
            items.append(Item(dotted, "decision", compiled.source, _where(policy, dotted),
                              ((RESULT, True) in seen, (RESULT, False) in seen)))
        for offset, text in _branches(compiled):
            items.append(Item(dotted, "branch", text, _where(policy, dotted, offset),
                              ((offset, True) in seen, (offset, False) in seen)))
    for dotted in requirement_paths(policy):
        req = policy.get(dotted)
        seen = cov.outcomes.get(dotted, set())
        label = f"requirement '{req.get('id')}'"
        items.append(Item(dotted, "rule", label, policy.location(dotted), (dotted in cov.hits,)))
        if any(k in req for k in ("min", "per_year", "courses")) or not has_cap(req):
            items.append(Item(dotted, "decision", label + " met", policy.location(dotted),
                              ((RESULT, True) in seen, (RESULT, False) in seen)))
        if has_cap(req):  # a cap is exercised when it limits what counts and when it does not
            key = "max" if "max" in req else "max_share"
            cap = cov.outcomes.get(f"{dotted}.cap", set())
            items.append(Item(f"{dotted}.{key}", "decision", label + " cap reached",
                              policy.location(f"{dotted}.{key}"),
                              ((RESULT, True) in cap, (RESULT, False) in cap)))
    for dotted, what, label in package_terms(policy):
        seen = cov.outcomes.get(dotted, set())
        items.append(Item(dotted, what, label, policy.location(dotted),
                          (dotted in cov.hits,) if what == "rule"
                          else ((RESULT, True) in seen, (RESULT, False) in seen)))
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
        policies.append({
            "policy": path,
            "id": recorder.policies[path].policy.id,
            "percent": round(percent(items), 1),
            "covered": sum(i.covered for i in items),
            "total": sum(i.total for i in items),
            **({"note": recorder.policies[path].note} if recorder.policies[path].note else {}),
            "items": [{
                "rule": i.rule, "what": i.what, "text": i.text,
                "location": str(i.location) if i.location else None,
                "covered": i.covered == i.total,
                **({} if i.covered == i.total else {"missing": i.missing()}),
            } for i in items],
        })
    return {"policies": policies, "percent": round(percent(all_items), 1),
            "covered": sum(i.covered for i in all_items),
            "total": sum(i.total for i in all_items)}


def _mark(item: Item) -> str:
    if item.what == "rule":
        return "hit" if item.seen[0] else "NOT HIT"
    return "/".join(name if seen else "-" * len(name)
                    for name, seen in zip(("true", "false"), item.seen))


def report_text(recorder: Recorder) -> str:
    """The per-policy coverage tables, the uncovered items at file:line:col, totals."""
    lines: list[str] = []
    all_items: list[Item] = []
    for path in sorted(recorder.policies):
        items = recorder.items(path)
        all_items.extend(items)
        note = recorder.policies[path].note
        lines.append(f"coverage of {path} ({recorder.policies[path].policy.id}): "
                     f"{percent(items):.1f}% ({sum(i.covered for i in items)}/"
                     f"{sum(i.total for i in items)})" + (f" -- {note}" if note else ""))
        width = max((len(i.rule) for i in items), default=4)
        for i in items:
            text = i.text if len(i.text) <= 60 else i.text[:57] + "..."
            lines.append(f"  {i.rule:<{width}}  {i.what:<8}  {_mark(i):<10}  {text}")
        missed = [i for i in items if i.covered < i.total]
        for i in missed:
            where = f"{i.location}" if i.location else path
            lines.append(f"  {where}: not covered: {i.what} {i.text!r}: {i.missing()}")
    lines.append(f"total coverage: {percent(all_items):.1f}% "
                 f"({sum(i.covered for i in all_items)}/{sum(i.total for i in all_items)})")
    return "\n".join(lines) + "\n"
