"""Hostile expressions are refused at compile time; nothing reaches Python internals."""

from __future__ import annotations

import pytest

from policyengine.expr import ExprError, Scope, compile_expression
from policyengine.expr.parser import MAX_DEPTH, MAX_LENGTH
from policyengine.expr.types import NUMBER, STRING, ObjectType

SCOPE = Scope({"record": ObjectType("record", {"kind": STRING, "credits": NUMBER})})


@pytest.mark.parametrize(
    "text, message",
    [
        ("__class__", "names cannot start with '_'"),
        ("record.__dict__", "names cannot start with '_'"),
        ("record.__class__.__bases__", "names cannot start with '_'"),
        ('"a".__class__', "names cannot start with '_'"),
        ('__import__("os")', "names cannot start with '_'"),
        ("_secret", "names cannot start with '_'"),
        ('"a".upper', "is not a field: a string has no fields"),
        ('"a".upper()', "unexpected '('"),
        ("record.kind.upper()", "unexpected '('"),
        ('open("x")', "unknown function 'open'"),
        ('eval("1 + 1")', "unknown function 'eval'"),
        ('exec("x = 1")', "unknown function 'exec'"),
        ("getattr(record, 'kind')", "unknown function 'getattr'"),
        ("globals()", "unknown function 'globals'"),
        ("record.kind(1)", "unexpected '('"),
        ("(lambda: 1)", "unexpected"),
        ("[x for x in record]", "needs a list"),
        ("record.mro", "record has no field 'mro'"),
        ("record['kind']", "unexpected"),
        ("1; import os", "unexpected character ';'"),
        ("print", "unknown name 'print'"),
    ],
)
def test_rejected_at_compile_time(text: str, message: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_expression(text, SCOPE)
    assert message in info.value.message


@pytest.mark.parametrize(
    "text",
    [
        "(" * 5000,
        "(" * 4000 + "1" + ")" * 4000,
        "[" * 4000 + "]" * 4000,
        "-" * 5000 + "1",
        "not " * 2000 + "true",
        "+".join(["1"] * 4000),
        "abs(" * 1500 + "1" + ")" * 1500,
        "if true then " * 400 + "1" + " else 2" * 400,
    ],
    ids=lambda text: f"{text[:12]}...{len(text)}",
)
def test_deep_nesting_is_an_expr_error(text: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_expression(text, SCOPE)
    assert "nested too deeply" in info.value.message


def test_nesting_just_under_the_limit_compiles() -> None:
    depth = MAX_DEPTH - 3
    text = "abs(" * depth + "-(1)" + ")" * depth
    assert compile_expression(text, SCOPE)({}) == 1
    traced = compile_expression(
        "true and (" * (depth + 1) + "true" + ")" * (depth + 1), SCOPE, trace=lambda *_: None
    )
    assert traced({}) is True


def test_length_is_bounded() -> None:
    with pytest.raises(ExprError, match="too long"):
        compile_expression("1 + " * (MAX_LENGTH // 4) + "1", SCOPE)
    long_ok = " " * (MAX_LENGTH - 1) + "1"
    assert compile_expression(long_ok, SCOPE)({}) == 1


def test_generated_code_uses_only_our_identifiers_and_no_builtins() -> None:
    compiled = compile_expression(
        'record.kind in ["a", "b"] and record.credits > 2 and lower(record.kind) == "x\\"y"',
        SCOPE,
    )
    source = compiled.python_source
    assert '"x\\"y"' not in source and 'x"y' not in source  # string literals are constants
    assert "lower" not in source  # functions are bound as _fN
    assert ".kind" not in source and "['kind']" in source  # subscripting, never attributes
    assert compiled.function.__globals__["__builtins" + "__"] == {}


def test_string_literals_never_reach_the_generated_source() -> None:
    payload = "') or __import__('os').system('echo hi') or ('"
    compiled = compile_expression(f'record.kind == "{payload}"', SCOPE)
    assert "system" not in compiled.python_source
    assert compiled({"record": {"kind": payload, "credits": 1}}) is True


def test_catastrophic_regex_is_refused_by_length() -> None:
    with pytest.raises(ExprError, match="longer than"):
        compile_expression('matches(record.kind, "' + "(a+)+" * 50 + '")', SCOPE)
