"""Static type checking of a parsed expression.

:func:`check` resolves every name (scope names and names bound by quantifiers or
comprehensions), every field and every function call, and gives each node a
:class:`Type`.  Problems raise :class:`ExprError` at the offending sub-expression
with did-you-mean hints for misspelt names and fields.  The result
(:class:`Checked`) is what the compiler generates code from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from policyengine.errors import did_you_mean

from .functions import UNKNOWN, Function, FunctionRegistry, Impl
from .parser import (
    Aggregate,
    Binary,
    BoolOp,
    Call,
    Compare,
    Comprehension,
    Field,
    If,
    ListExpr,
    Literal,
    Name,
    Node,
    Quantifier,
    Unary,
)
from .types import (
    BOOL,
    DATE,
    DATETIME,
    DURATION,
    NEVER,
    NUMBER,
    ORDERED,
    STRING,
    ListType,
    ObjectType,
    Type,
    accepts,
    unify,
)
from .values import ExprError, FunctionError

# (op, left, right) -> result type
ARITHMETIC: dict[tuple[str, Type, Type], Type] = {
    ("+", NUMBER, NUMBER): NUMBER,
    ("-", NUMBER, NUMBER): NUMBER,
    ("*", NUMBER, NUMBER): NUMBER,
    ("/", NUMBER, NUMBER): NUMBER,
    ("%", NUMBER, NUMBER): NUMBER,
    ("+", STRING, STRING): STRING,
    ("+", DATE, DURATION): DATE,
    ("+", DURATION, DATE): DATE,
    ("-", DATE, DURATION): DATE,
    ("-", DATE, DATE): NUMBER,
    ("+", DATETIME, DURATION): DATETIME,
    ("+", DURATION, DATETIME): DATETIME,
    ("-", DATETIME, DURATION): DATETIME,
    ("+", DURATION, DURATION): DURATION,
    ("-", DURATION, DURATION): DURATION,
    ("*", NUMBER, DURATION): DURATION,
    ("*", DURATION, NUMBER): DURATION,
}
_OP_WORDS = {
    "+": "add",
    "-": "subtract",
    "*": "multiply",
    "/": "divide",
    "%": "take the remainder of",
}


@dataclass
class Checked:
    """The checker's findings, keyed by node (nodes hash by identity)."""

    type: Type
    types: dict[Node, Type] = field(default_factory=dict)
    bound: dict[Name, str] = field(default_factory=dict)  # Name -> loop variable it refers to
    functions: dict[Call, Function] = field(default_factory=dict)
    specialized: dict[Call, Impl] = field(default_factory=dict)  # Call -> replacement impl


def check(
    ast: Node, names: Mapping[str, Type], functions: FunctionRegistry, expected: Type | None = None
) -> Checked:
    """Type-check ``ast``; raises :class:`ExprError` at the first problem."""
    checker = _Checker(names, functions)
    result = checker.run(ast)
    if expected is not None and not accepts(expected, result):
        raise ExprError(
            f"expected {expected.describe()} here, but this expression is {result.describe()}",
            ast.start,
            ast.end,
        )
    return Checked(result, checker.types, checker.bound, checker.functions, checker.specialized)


class _Checker:
    def __init__(self, names: Mapping[str, Type], functions: FunctionRegistry):
        self.names = names
        self.registry = functions
        self.types: dict[Node, Type] = {}
        self.bound: dict[Name, str] = {}
        self.functions: dict[Call, Function] = {}
        self.specialized: dict[Call, Impl] = {}

    def run(self, node: Node) -> Type:
        return self.visit(node, {})

    def visit(self, node: Node, env: dict[str, Type]) -> Type:
        # one _<node class> method per node class, e.g. _listexpr(node: ListExpr, env)
        method: Callable[[Node, dict[str, Type]], Type]
        method = getattr(self, "_" + type(node).__name__.lower())
        t = method(node, env)
        self.types[node] = t
        return t

    def _want(self, node: Node, env: dict[str, Type], want: Type, what: str) -> Type:
        t = self.visit(node, env)
        if not accepts(want, t):
            raise ExprError(
                f"{what} must be {want.describe()}, not {t.describe()}", node.start, node.end
            )
        return t

    # -- leaves
    def _literal(self, node: Literal, env: dict[str, Type]) -> Type:
        return node.type

    def _listexpr(self, node: ListExpr, env: dict[str, Type]) -> Type:
        elem: Type = NEVER
        for item in node.items:
            t = self.visit(item, env)
            joined = unify(elem, t)
            if joined is None:
                raise ExprError(
                    f"list items must all have the same type: this is {t.describe()}, "
                    f"the first item is {elem.describe()}",
                    item.start,
                    item.end,
                )
            elem = joined
        return ListType(elem)

    def _name(self, node: Name, env: dict[str, Type]) -> Type:
        if node.name in env:
            self.bound[node] = node.name
            return env[node.name]
        if node.name in self.names:
            return self.names[node.name]
        hint = did_you_mean(node.name, [*self.names, *env])
        if hint is None:
            seen = sorted({*self.names, *env})
            hint = (
                ("here an expression can use " + ", ".join(seen))
                if seen
                else "here an expression can use no names, only literals and functions"
            )
        if node.name in self.registry:
            hint = f"'{node.name}' is a function: call it like {node.name}(...)"
        raise ExprError(f"unknown name '{node.name}'", node.start, node.end, hint=hint)

    def _field(self, node: Field, env: dict[str, Type]) -> Type:
        obj = self.visit(node.obj, env)
        where = (node.name_start - 1, node.end)
        if not isinstance(obj, ObjectType):
            raise ExprError(
                f"'{node.name}' is not a field: {obj.describe()} has no fields",
                *where,
                hint="only objects such as record or period have fields",
            )
        if node.name not in obj.fields:
            raise ExprError(
                f"{obj.name} has no field '{node.name}'",
                node.name_start,
                node.end,
                hint=did_you_mean(node.name, obj.fields) or _available(obj),
            )
        return obj.fields[node.name]

    # -- operators
    def _unary(self, node: Unary, env: dict[str, Type]) -> Type:
        if node.op == "not":
            return self._want(node.operand, env, BOOL, "the operand of 'not'")
        t = self.visit(node.operand, env)
        if t not in (NUMBER, DURATION):
            raise ExprError(f"cannot negate {t.describe()}", node.start, node.end)
        return t

    def _binary(self, node: Binary, env: dict[str, Type]) -> Type:
        lt, rt = self.visit(node.left, env), self.visit(node.right, env)
        lt = NUMBER if lt is NEVER else lt
        rt = NUMBER if rt is NEVER else rt
        result = ARITHMETIC.get((node.op, lt, rt))
        if result is None:
            hint = None
            if {lt, rt} == {DATE, NUMBER} and node.op in "+-":
                hint = "add a duration instead of a number: d + 3 days"
            elif lt == rt == DATETIME and node.op == "-":
                hint = "compare date_of(a) and date_of(b), or use days_between"
            raise ExprError(
                f"cannot {_OP_WORDS[node.op]} {lt.describe()} and {rt.describe()} with '{node.op}'",
                node.start,
                node.end,
                hint=hint,
            )
        return result

    def _compare(self, node: Compare, env: dict[str, Type]) -> Type:
        lt, rt = self.visit(node.left, env), self.visit(node.right, env)
        if node.op in ("in", "not in"):
            if rt == STRING:
                if lt != STRING:
                    raise ExprError(
                        f"cannot look for {lt.describe()} in a string", node.start, node.end
                    )
                return BOOL
            if not isinstance(rt, ListType):
                raise ExprError(
                    f"'{node.op}' needs a list or a string on its right, not {rt.describe()}",
                    node.right.start,
                    node.right.end,
                )
            if unify(lt, rt.elem) is None:
                raise ExprError(
                    f"cannot look for {lt.describe()} in {rt.describe()}", node.start, node.end
                )
            return BOOL
        joined = unify(lt, rt)
        if joined is None:
            hint = "write a date as YYYY-MM-DD" if {lt, rt} == {DATE, STRING} else None
            raise ExprError(
                f"cannot compare {lt.describe()} with {rt.describe()}",
                node.start,
                node.end,
                hint=hint,
            )
        if node.op not in ("==", "!=") and joined not in ORDERED:
            hint = (
                "durations have no order (is 1 month more than 30 days?)"
                if joined == DURATION
                else None
            )
            raise ExprError(
                f"'{node.op}' cannot order values of type {joined}", node.start, node.end, hint=hint
            )
        return BOOL

    def _boolop(self, node: BoolOp, env: dict[str, Type]) -> Type:
        for side in (node.left, node.right):
            t = self.visit(side, env)
            if t != BOOL:
                raise ExprError(
                    f"'{node.op}' needs true/false on both sides, but this is {t.describe()}",
                    side.start,
                    side.end,
                )
        return BOOL

    def _if(self, node: If, env: dict[str, Type]) -> Type:
        self._want(node.cond, env, BOOL, "the condition of 'if'")
        a, b = self.visit(node.then, env), self.visit(node.else_, env)
        joined = unify(a, b)
        if joined is None:
            raise ExprError(
                f"both branches of 'if' must have the same type: 'then' gives "
                f"{a.describe()}, 'else' gives {b.describe()}",
                node.else_.start,
                node.else_.end,
            )
        return joined

    # -- calls
    def _call(self, node: Call, env: dict[str, Type]) -> Type:
        fn = self.registry.get(node.name)
        if fn is None:
            raise ExprError(
                f"unknown function '{node.name}'",
                node.start,
                node.name_end,
                hint=did_you_mean(node.name, self.registry.names()),
            )
        if len(node.args) != len(fn.params):
            n = len(fn.params)
            raise ExprError(
                f"{node.name}() takes {n} argument{'s' if n != 1 else ''}, got {len(node.args)}",
                node.start,
                node.end,
                hint=f"{fn.signature()}" + (f": {fn.doc}" if fn.doc else ""),
            )
        for i, (arg, param) in enumerate(zip(node.args, fn.params, strict=True), start=1):
            t = self.visit(arg, env)
            if not accepts(param, t):
                wanted = "a list" if str(param) == "list" else param.describe()
                raise ExprError(
                    f"argument {i} of {node.name}() must be {wanted}, not {t.describe()}",
                    arg.start,
                    arg.end,
                    hint=fn.signature(),
                )
        self.functions[node] = fn
        if fn.specialize is not None:
            consts = tuple(a.value if isinstance(a, Literal) else UNKNOWN for a in node.args)
            try:
                impl = fn.specialize(consts)
            except FunctionError as exc:
                index = exc.arg
                arg = node.args[index] if isinstance(index, int) else node
                hint = getattr(exc, "hint", None)  # e.g. functions.RegexError's
                raise ExprError(f"{node.name}(): {exc}", arg.start, arg.end, hint=hint) from None
            if impl is not None:
                self.specialized[node] = impl
        return fn.returns

    # -- binders
    def _bind(
        self, var: str, var_start: int, source: Node, env: dict[str, Type]
    ) -> dict[str, Type]:
        if var in env or var in self.names:
            raise ExprError(
                f"'{var}' is already a name here; pick another name for the loop variable",
                var_start,
                var_start + len(var),
            )
        st = self.visit(source, env)
        if not isinstance(st, ListType):
            raise ExprError(
                f"'{var} in ...' needs a list, not {st.describe()}", source.start, source.end
            )
        return {**env, var: st.elem}

    def _quantifier(self, node: Quantifier, env: dict[str, Type]) -> Type:
        inner = self._bind(node.var, node.var_start, node.source, env)
        if node.cond is not None:
            self._want(node.cond, inner, BOOL, f"the condition of {node.kind}()")
        return NUMBER if node.kind == "count" else BOOL

    def _comprehension(self, node: Comprehension, env: dict[str, Type]) -> Type:
        inner = self._bind(node.var, node.var_start, node.source, env)
        if node.cond is not None:
            self._want(node.cond, inner, BOOL, "the 'where' condition")
        body = self.visit(node.body, inner)
        if node.kind == "list":
            return ListType(body)
        return self._aggregated(node.kind, body, node.body)

    def _aggregate(self, node: Aggregate, env: dict[str, Type]) -> Type:
        types = [self.visit(a, env) for a in node.args]
        if len(node.args) == 1:
            t = types[0]
            if not isinstance(t, ListType):
                raise ExprError(
                    f"{node.kind}() of one value needs a list, not {t.describe()}",
                    node.args[0].start,
                    node.args[0].end,
                    hint=f"{node.kind}(LIST) or {node.kind}(EXPR for x in LIST)",
                )
            return self._aggregated(node.kind, t.elem, node.args[0])
        if node.kind == "sum":
            raise ExprError("sum() takes one list; to add values use '+'", node.start, node.end)
        joined: Type = NEVER
        for arg, t in zip(node.args, types, strict=True):
            new = unify(joined, t)
            if new is None:
                raise ExprError(
                    f"{node.kind}() arguments must have the same type: this is "
                    f"{t.describe()}, the first is {joined.describe()}",
                    arg.start,
                    arg.end,
                )
            joined = new
        return self._aggregated(node.kind, joined, node)

    def _aggregated(self, kind: str, elem: Type, where: Node) -> Type:
        if elem is NEVER:
            return NUMBER
        allowed = (NUMBER, DURATION) if kind == "sum" else ORDERED
        if elem not in allowed:
            what = (
                "numbers or durations" if kind == "sum" else "numbers, dates, datetimes or strings"
            )
            raise ExprError(
                f"{kind}() works on {what}, not on {elem.describe()}", where.start, where.end
            )
        return elem


def _available(obj: ObjectType) -> str:
    """The fields an object has, for a misspelt field with no close match."""
    names = sorted(obj.fields)
    return f"{obj.name} has: {', '.join(names)} (docs/expressions.md lists what each means)"
