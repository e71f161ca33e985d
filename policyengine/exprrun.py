"""Running a policy's compiled expressions, with run-time errors mapped back to the file.

A run-time failure (a holder file without a date the rule reads, a division by zero)
becomes a :class:`PolicyError` pointing *inside* the expression in the policy file,
saying which value was missing, instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policyengine.errors import PolicyError
from policyengine.expr import ExprRuntimeError
from policyengine.policy import Policy, expression_diagnostic


def run(policy: Policy, dotted: str, values: Mapping[str, Any], default: Any = None) -> Any:
    """Evaluate the expression at ``dotted``; ``default`` when the policy has none there."""
    compiled = policy.expression(dotted)
    if compiled is None:
        return default
    try:
        return compiled(values)
    except ExprRuntimeError as err:
        text = policy.get(dotted)
        raise PolicyError(expression_diagnostic(text, err)) from None
