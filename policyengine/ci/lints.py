"""Warnings ``validate`` gives about files that are valid but probably not what their
author meant; each has a problem code (``problem_codes.py``) and may be acknowledged
with a ``# policyengine: ignore[PE###]`` comment (``ignores.py``).

- PE390 ``policy.unused-constant``: a constant of ``constants:`` no expression reads
  (a typo in ``const.NAME`` is an error already; an unused one is usually left over).
"""

from __future__ import annotations

from typing import Any

from policyengine.errors import Diagnostic
from policyengine.expr.nodes import Field, Name, walk
from policyengine.load.nodes import line_text, locate_key
from policyengine.policy.model import Policy
from policyengine.policy.scopes import CONST


def unused_constants(policy: Policy, data: Any) -> list[Diagnostic]:
    """PE390 at each constant no expression of ``policy`` reads."""
    read = {
        node.name
        for rule in policy.rules.values()
        for node in walk(rule.compiled.ast)
        if isinstance(node, Field) and isinstance(node.obj, Name) and node.obj.name == CONST
    }
    out = []
    for name in policy.constants:
        if name in read:
            continue
        where = locate_key(data, ["constants", name])
        out.append(
            Diagnostic(
                f"constant '{name}' is never used",
                where,
                hint=f"remove it, or read it as const.{name} in an expression",
                code="policy.unused-constant",
                severity="warning",
                source_line=line_text(data, where.line) if where else None,
                width=len(name),
            )
        )
    return out


def policy_warnings(policy: Policy, data: Any) -> list[Diagnostic]:
    """Every lint of a policy that compiled."""
    return unused_constants(policy, data)
