"""``policyengine expr 'EXPR'``: evaluate one expression, alone or against real data.

Alone, only the built-in functions are available, which makes this the quickest way to
check date arithmetic or rounding: ``policyengine expr '2024-02-29 + 1 year'`` prints
``2025-02-28``.

With ``--policy P`` the expression sees what a requirement's ``where`` (and a validity
rule, ``carry_over.where``) sees in that policy: ``record``, ``period``, ``holder`` and
``const``, with the same types and the plugins' functions; with ``--holder H`` they hold
that holder's data as the engine sees it as of ``--as-of`` (``scope_values.py``):
``--record ID`` picks the record, ``--period N`` the period (numbered as in
``evaluate``). A name that needs data not given (``record`` without ``--record``) is an
error at the name's column naming the option and the choices (exit 2).

``-o json`` (or ``--json``) prints ``{"type": ..., "value": ...}``, with the holder,
record, period and as-of day used when a holder is given. Errors are printed as
``<expr>:1:COL: message`` with the expression, a caret line and a hint; exit 1. Control
characters in the value (``"a\\nb"``) are printed escaped, as in every output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

from policyengine.cli.output import dumps, escape_controls, render
from policyengine.errors import Diagnostic, PolicyError, UsageError
from policyengine.expr import (
    CompiledExpression,
    ExprError,
    ExprProblem,
    ExprRuntimeError,
    Scope,
    compile_expression,
)
from policyengine.expr.parser import Name, walk
from policyengine.expr.values import format_value, to_json

if TYPE_CHECKING:
    from policyengine.policy.model import Policy
    from policyengine.records.model import Holder, Record

NAME = "expr"
HELP = "evaluate an expression, alone or in a policy's scope against a holder's data"

# The names that stand for a holder's data: without --holder they have no value.
HOLDER_NAMES = ("record", "period", "holder")


def _period_number(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a period number (1, 2, ...): {text!r}")
    return int(text)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", help="the expression, e.g. '2024-02-29 + 1 year'")
    parser.add_argument(
        "--policy",
        metavar="POLICY",
        help="evaluate in the scope a requirement's `where` has in this policy "
        "(record, period, holder, const)",
    )
    parser.add_argument(
        "--holder", metavar="FILE", help="bind holder, record and period to this holder's data"
    )
    parser.add_argument(
        "--record", metavar="ID", help="the record `record` is (its id in the holder file)"
    )
    parser.add_argument(
        "--period",
        type=_period_number,
        metavar="N",
        help="the period `period` is, numbered as in `evaluate` (default: the period the "
        "record falls in, else the holder's current period)",
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="evaluate the holder as of the end of this day (default: today in the "
        "policy's time zone)",
    )
    parser.add_argument(
        "-o",
        "--output",
        choices=("text", "json"),
        default="text",
        help='text: the value (default); json: {"type": ..., "value": ...} and the data used',
    )
    parser.add_argument(
        "--json", dest="output", action="store_const", const="json", help="same as -o json"
    )


def _names_read(compiled: CompiledExpression) -> dict[str, Name]:
    """The scope names the expression reads (not loop variables): each at its first use."""
    out: dict[str, Name] = {}
    for node in walk(compiled.ast):
        if not isinstance(node, Name) or node in compiled.checked.bound:
            continue
        if node.name not in out or node.start < out[node.name].start:
            out[node.name] = node
    return out


def _usage_at(text: str, node: Name, message: str, hint: str) -> int:
    """A missing option, shown at the name in the expression that needs it (exit 2)."""
    problem = ExprProblem(message, node.start, node.end, hint)
    print(render(problem.to_diagnostic(text, "<expr>", code="usage")), file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    text: str = args.expression
    if args.policy is None:
        given = [o for o in ("holder", "record", "period", "as_of") if getattr(args, o) is not None]
        if given:
            raise UsageError(f"--{given[0].replace('_', '-')} needs --policy POLICY")
        return _evaluate(text, Scope(), {}, args.output, {})
    for option in ("record", "period"):
        if getattr(args, option) is not None and args.holder is None:
            raise UsageError(f"--{option} needs --holder FILE")
    # start-up: the policy commands' modules, loaded only when a policy is given
    from policyengine.certification.scope_values import WHERE_PATH, Unbound, bind
    from policyengine.plugins_loader import load_plugins
    from policyengine.policy.build import load_policy

    env = args.env if args.env is not None else load_plugins(None).environment
    policy = load_policy(args.policy, env)
    scope = Scope(policy.names_at(WHERE_PATH), env.functions)
    try:
        compiled = compile_expression(text, scope)
    except ExprError as err:
        print(render(err.to_diagnostic(text, "<expr>")), file=sys.stderr)
        return 1
    read = _names_read(compiled)
    needs = [read[n] for n in HOLDER_NAMES if n in read]
    if args.holder is None:
        if needs:
            first = min(needs, key=lambda n: n.start)
            return _usage_at(
                text,
                first,
                f"'{first.name}' needs a holder's data: pass --holder FILE",
                f"without --holder only const and the functions have values in {args.policy}",
            )
        return _evaluate(text, scope, policy.base_values(), args.output, {}, compiled)
    holder, records = _load_holder(args.holder, policy)
    as_of = _as_of(args.as_of, policy)
    try:
        bound = bind(
            policy,
            holder,
            records,
            as_of,
            read,
            record_id=args.record,
            period_number=args.period,
        )
    except Unbound as err:
        if err.option is not None:
            return _usage(f"--{err.option}: {err.message}", err.hint)
        assert err.name is not None  # bind() names the option or the name
        return _usage_at(text, read[err.name], err.message, err.hint)
    context = {
        "holder": holder.id,
        "record": bound.record,
        "period": bound.period,
        "as_of": as_of.isoformat(),
    }
    return _evaluate(text, scope, bound.values, args.output, context, compiled)


def _usage(message: str, hint: str) -> int:
    print(render(Diagnostic(f"policyengine expr: {message}", hint=hint)), file=sys.stderr)
    return 2


def _load_holder(path: str, policy: Policy) -> tuple[Holder, list[Record]]:
    # start-up: see run()
    from policyengine.records.model import load_holder

    if policy.kind != "certification":
        raise PolicyError(
            Diagnostic(
                f"{policy.path} is a {policy.kind} policy; --holder needs a certification policy",
                policy.kind_location,
                hint="a credit-package policy's expressions see a cart or an item, not a holder",
                code="usage",
            )
        )
    return load_holder(path, policy.tz, extra_fields=policy.record_fields)


def _as_of(text: str | None, policy: Policy) -> dt.date:
    # start-up: see run()
    from policyengine.cli.options import as_of_date

    return as_of_date(text, policy)


def _evaluate(
    text: str,
    scope: Scope,
    values: dict[str, Any],
    output: str,
    context: dict[str, Any],
    compiled: CompiledExpression | None = None,
) -> int:
    try:
        if compiled is None:
            compiled = compile_expression(text, scope)
        value = compiled(values)
    except (ExprError, ExprRuntimeError) as err:
        print(render(err.to_diagnostic(text, "<expr>")), file=sys.stderr)
        return 1
    if output == "json":
        sys.stdout.write(dumps({"type": str(compiled.type), "value": to_json(value), **context}))
    else:
        sys.stdout.write(escape_controls(format_value(value)) + "\n")
    return 0
