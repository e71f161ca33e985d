"""``policyengine expr 'EXPR'``: evaluate one expression with no context.

Only the built-in functions are available (no ``record``, ``period``...), which
makes this the quickest way to check date arithmetic or rounding:
``policyengine expr '2024-02-29 + 1 year'`` prints ``2025-02-28``.  ``--json``
prints ``{"type": ..., "value": ...}``.  Errors are printed as
``<expr>:1:COL: message`` with the expression, a caret line and a hint; exit 1.
Control characters in the value (``"a\\nb"``) are printed escaped, as in every output.
"""

from __future__ import annotations

import argparse
import sys

from policyengine.cli.output import dumps, escape_controls, render
from policyengine.expr import ExprError, ExprRuntimeError, Scope, compile_expression
from policyengine.expr.values import format_value, to_json

NAME = "expr"
HELP = "evaluate an expression (built-in functions only) and print its value"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", help="the expression, e.g. '2024-02-29 + 1 year'")
    parser.add_argument(
        "--json", action="store_true", help='print {"type": ..., "value": ...} as JSON'
    )


def run(args: argparse.Namespace) -> int:
    text: str = args.expression
    try:
        compiled = compile_expression(text, Scope())
        value = compiled({})
    except (ExprError, ExprRuntimeError) as err:
        print(render(err.to_diagnostic(text, "<expr>")), file=sys.stderr)
        return 1
    if args.json:
        out = {"type": str(compiled.type), "value": to_json(value)}
        sys.stdout.write(dumps(out))
    else:
        sys.stdout.write(escape_controls(format_value(value)) + "\n")
    return 0
