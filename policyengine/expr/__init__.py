"""The typed expression language of policyengine.

``compile_expression(text, scope, expected=None)`` parses, type-checks and compiles an
expression once; the result is called with a mapping of names to values.  See
docs/design.md for the value types and calendar rules.
"""

from __future__ import annotations

from . import types
from .compiler import CompiledExpression, Scope, compile_expression
from .functions import Function, FunctionRegistry, builtin_functions
from .values import Duration, ExprError, ExprProblem, ExprRuntimeError, format_value, to_json

__all__ = [
    "CompiledExpression",
    "Duration",
    "ExprError",
    "ExprProblem",
    "ExprRuntimeError",
    "Function",
    "FunctionRegistry",
    "Scope",
    "builtin_functions",
    "compile_expression",
    "format_value",
    "to_json",
    "types",
]
