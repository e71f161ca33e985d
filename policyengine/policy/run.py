"""Running a policy's compiled expressions, with run-time errors mapped back to the file.

A run-time failure (a holder file without a date the rule reads, a division by zero)
becomes a :class:`PolicyError` pointing *inside* the expression in the policy file,
saying which value was missing, instead of a traceback.

Coverage (``policyengine test --coverage``) installs a recorder with
:func:`recording`; while none is installed, :func:`run` pays one module-level
``None`` check and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from policyengine.errors import PolicyError
from policyengine.expr import ExprRuntimeError
from policyengine.policy.build import Policy, expression_diagnostic

# The active coverage recorder (``policyengine.coverage.Recorder``) or None.
_recorder: Any = None


@contextmanager
def recording(recorder: Any) -> Iterator[Any]:
    """Route every :func:`run` through ``recorder.run(policy, dotted, compiled, values)``."""
    global _recorder
    previous, _recorder = _recorder, recorder
    try:
        yield recorder
    finally:
        _recorder = previous


def run(policy: Policy, dotted: str, values: Mapping[str, Any], default: Any = None) -> Any:
    """Evaluate the expression at ``dotted``; ``default`` when the policy has none there."""
    compiled = policy.expression(dotted)
    if compiled is None:
        return default
    try:
        if _recorder is not None:
            return _recorder.run(policy, dotted, compiled, values)
        return compiled(values)
    except ExprRuntimeError as err:
        text = policy.get(dotted)
        raise PolicyError(expression_diagnostic(text, err)) from None
