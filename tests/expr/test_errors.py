"""Syntax, type and run-time errors: (expression, 1-based column, message substring)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from policyengine.expr import ExprError, ExprRuntimeError, Scope, compile_expression
from policyengine.expr.types import BOOL, DATE, DATETIME, NUMBER, STRING, ListType, ObjectType

ITEM = ObjectType("item", {"sku": STRING, "price": NUMBER})
SCOPE = Scope(
    {
        "record": ObjectType(
            "record", {"kind": STRING, "credits": NUMBER, "earned_on": DATE, "provider": STRING}
        ),
        "period": ObjectType("period", {"start": DATE, "end": DATE}),
        "cart": ObjectType("cart", {"items": ListType(ITEM), "placed": DATETIME}),
        "xs": ListType(NUMBER),
    }
)

SYNTAX = [
    ("", 1, "expected an expression"),
    ("1 +", 4, "expected an expression"),
    ("(1 + 2", 7, "expected ')'"),
    ("[1, 2", 6, "expected ']'"),
    ("f(1,)", 5, "expected an expression, found ')'"),
    (")", 1, "expected an expression"),
    ("1 2", 3, "unexpected number 2"),
    ("record.", 8, "expected a name"),
    ("a < b < c", 7, "comparisons cannot be chained"),
    ("1 == 1 == 1", 8, "comparisons cannot be chained"),
    ('"a" in xs in xs', 11, "comparisons cannot be chained"),
    ("a = b", 3, "unexpected character '='"),
    ("a && b", 3, "unexpected character '&'"),
    ("a || b", 3, "unexpected character '|'"),
    ('"abc', 1, "unterminated string"),
    ("'abc", 1, "unterminated string"),
    ("'a\\qb'", 3, "unknown escape"),
    ("2025-02-30", 1, "not a real date"),
    ("1 + 2025-13-01", 5, "not a real date"),
    ("2025-07-31T10:00", 1, "needs a time zone offset"),
    ("1.5 days", 1, "whole number"),
    ("n months", 3, "unexpected name 'months'"),
    ("a not b", 7, "unexpected name 'b'"),
    ("_x", 1, "names cannot start with '_'"),
    ('"a".upper()', 10, "unexpected '('"),
    ("count(1 in xs)", 7, "expected a name"),
    ("any(x in xs)", 12, "unexpected ')'"),
    ("x" * 10_001, 10_001, "too long"),
]

TYPES = [
    ("recrd.kind", 1, "unknown name 'recrd'"),
    ("record.kindd", 8, "record has no field 'kindd'"),
    ("record.kind.length", 12, "a string has no fields"),
    ("cart.items.sku", 11, "a list<item> has no fields"),
    ("year", 1, "unknown name 'year'"),
    ("foo(1)", 1, "unknown function 'foo'"),
    ("yeer(record.earned_on)", 1, "unknown function 'yeer'"),
    ("year(1)", 6, "argument 1 of year() must be a date, not a number"),
    ("year(record.earned_on, 1)", 1, "year() takes 1 argument, got 2"),
    ("len(1)", 5, "must be a list"),
    ("record.earned_on > 3", 1, "cannot compare a date with a number"),
    ('record.credits == "1"', 1, "cannot compare a number with a string"),
    ("1 year < 2 years", 1, "cannot order values of type duration"),
    ("true < false", 1, "cannot order values of type bool"),
    ("record.kind and true", 1, "'and' needs true/false on both sides"),
    ("true or 1", 9, "'or' needs true/false on both sides"),
    ("not record.credits", 5, "the operand of 'not' must be a bool"),
    ("if record.credits then 1 else 2", 4, "the condition of 'if' must be a bool"),
    ('if true then 1 else "a"', 21, "both branches of 'if' must have the same type"),
    ("record.earned_on + 3", 1, "cannot add a date and a number"),
    ("record.earned_on * 2", 1, "cannot multiply a date and a number"),
    ("cart.placed - record.earned_on", 1, "cannot subtract a datetime and a date"),
    ('-"a"', 1, "cannot negate a string"),
    ("1 in 2", 6, "'in' needs a list or a string"),
    ("record.kind in [1, 2]", 1, "cannot look for a string in a list<number>"),
    ('[1, "a"]', 5, "list items must all have the same type"),
    ("any(record in cart.items where true)", 5, "'record' is already a name here"),
    ("any(i in cart.items where any(i in xs where true))", 31, "'i' is already a name here"),
    ("any(i in record where true)", 10, "needs a list"),
    ("count(i in cart.items where i.price)", 29, "the condition of count() must be a bool"),
    ("sum(1, 2)", 1, "sum() takes one list"),
    ('sum(["a"])', 5, "sum() works on numbers or durations"),
    ("min(record.earned_on, 1)", 23, "min() arguments must have the same type"),
    ("max(record.credits)", 5, "needs a list"),
    ('matches(record.kind, "(")', 22, "invalid regular expression"),
    ('matches(record.kind, "' + "a" * 300 + '")', 22, "longer than 200"),
    ("i.price", 1, "unknown name 'i'"),
    ("sum(i.price for i in cart.items) + i.price", 36, "unknown name 'i'"),
]


@pytest.mark.parametrize("text, column, message", SYNTAX + TYPES)
def test_compile_error(text: str, column: int, message: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_expression(text, SCOPE)
    err = info.value
    assert message in err.message
    assert err.offset + 1 == column, (err.offset, err.message)
    assert err.end > err.offset


@pytest.mark.parametrize(
    "text, hint",
    [
        ("a = b", "use '==' to compare"),
        ("a && b", "use 'and'"),
        ("a || b", "use 'or'"),
        ("a < b < c", "a < b and b < c"),
        ("recrd.kind", "did you mean 'record'?"),
        ("record.kindd", "did you mean 'kind'?"),
        ("year", "'year' is a function"),
        ("record.earned_on + 3", "d + 3 days"),
        ("n months", "N * 1 month"),
        ("yeer(record.earned_on)", "did you mean 'year'?"),
    ],
)
def test_hints(text: str, hint: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_expression(text, SCOPE)
    assert hint in (info.value.hint or "")


def test_offending_span() -> None:
    with pytest.raises(ExprError) as info:
        compile_expression("record.credits > 0 and record.kind", SCOPE)
    assert (info.value.offset, info.value.end) == (23, 34)


def test_expected_type() -> None:
    with pytest.raises(
        ExprError, match="expected a bool here, but this expression is a number"
    ) as info:
        compile_expression("record.credits + 1", SCOPE, expected=BOOL)
    assert (info.value.offset, info.value.end) == (0, 18)
    assert compile_expression("[]", SCOPE, expected=ListType(NUMBER))({}) == ()


def test_diagnostic_rendering() -> None:
    text = "record.credits > 1 and record.kindd == 'x'"
    with pytest.raises(ExprError) as info:
        compile_expression(text, SCOPE)
    rendered = info.value.to_diagnostic(text).render()
    assert rendered.splitlines() == [
        "<expr>:1:31: record has no field 'kindd'",
        f"    {text}",
        "    " + " " * 30 + "^^^^^",
        "  hint: did you mean 'kind'?",
    ]


RECORD = {"kind": "webinar", "credits": D(2), "earned_on": dt.date(2025, 1, 1), "provider": "X"}

RUNTIME = [
    ("record.credits / (record.credits - 2)", {"record": RECORD}, 1, "division by zero"),
    ("7 % 0", {}, 1, "division by zero"),
    (
        "record.kind == 'x' or record.credits > 1",
        {"record": {"kind": "y"}},
        23,
        "record has no value for field 'credits'",
    ),
    ("record.kind == 'x'", {}, 1, "no value was given for 'record'"),
    ("min(xs)", {"xs": ()}, 1, "min() of an empty list"),
    ("1 + max(x for x in xs where x > 5)", {"xs": (D(1),)}, 5, "max() of an empty list"),
    ("year(date(2025, 2, 30))", {}, 6, "date(): not a real date"),
    ("date(2025, 2, 1.5)", {}, 1, "day must be a whole number"),
    ("9999-12-31 + 1 day", {}, 1, "date out of range"),
    ("0001-01-01 - 1 month", {}, 1, "date out of range"),
    ("1.5 * 1 day", {}, 1, "whole number"),
    ("round_down(1, 0)", {}, 1, "step must be greater than 0"),
    ("next_anniversary(2025-01-01, 2, 30)", {}, 1, "no such day of the year"),
    ('matches("a", "a" + "(")', {}, 1, "invalid regular expression"),
]


@pytest.mark.parametrize("text, values, column, message", RUNTIME)
def test_runtime_error(text: str, values: dict, column: int, message: str) -> None:
    compiled = compile_expression(text, SCOPE)
    with pytest.raises(ExprRuntimeError) as info:
        compiled(values)
    assert message in info.value.message
    assert info.value.offset + 1 == column
