"""Expression -> value: literals, operators, date rules, functions, aggregates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyengine.expr import (
    Duration,
    ExprRuntimeError,
    Function,
    Scope,
    builtin_functions,
    compile_expression,
    format_value,
    to_json,
)
from policyengine.expr.functions import DuplicateFunctionError
from policyengine.expr.types import (
    BOOL,
    DATE,
    DATETIME,
    NUMBER,
    STRING,
    ListType,
    ObjectType,
)
from policyengine.expr.values import add_months

UTC = dt.timezone.utc
PDT = dt.timezone(dt.timedelta(hours=-7))


def ev(text: str, scope: Scope | None = None, values: dict | None = None) -> object:
    return compile_expression(text, scope or Scope())(values or {})


VALUES = [
    # literals
    ("42", D(42)),
    ("1.50", D("1.50")),
    ("0.1 + 0.2", D("0.3")),
    ("0.1 + 0.2 == 0.3", True),
    ('"a\\"b\\\\c\\nd"', 'a"b\\c\nd'),
    ("'single'", "single"),
    ("true", True),
    ("false", False),
    ("[1, 2, 3]", (D(1), D(2), D(3))),
    ("[]", ()),
    ("2025-07-31", dt.date(2025, 7, 31)),
    ("2025-07-31T23:30:00-07:00", dt.datetime(2025, 7, 31, 23, 30, tzinfo=PDT)),
    ("2025-07-31T23:30:00Z", dt.datetime(2025, 7, 31, 23, 30, tzinfo=UTC)),
    ("1 day", Duration(0, 1)),
    ("3 days", Duration(0, 3)),
    ("2 weeks", Duration(0, 14)),
    ("1 month", Duration(1, 0)),
    ("6 months", Duration(6, 0)),
    ("1 year", Duration(12, 0)),
    ("3 years", Duration(36, 0)),
    # arithmetic
    ("2 + 3 * 4", D(14)),
    ("(2 + 3) * 4", D(20)),
    ("10 / 4", D("2.5")),
    ("1 / 3", D("0.3333333333333333333333333333")),
    ("7 % 3", D(1)),
    ("-5 + 2", D(-3)),
    ("2025 - 7 - 31", D(1987)),
    ('"ab" + "cd"', "abcd"),
    # date rules (docs/design.md)
    ("2024-01-15 + 365 days", dt.date(2025, 1, 14)),
    ("2024-01-31 + 1 month", dt.date(2024, 2, 29)),
    ("2024-02-29 + 1 year", dt.date(2025, 2, 28)),
    ("2024-03-31 - 1 month", dt.date(2024, 2, 29)),
    ("2025-01-01 - 2024-01-01", D(366)),
    ("2024-01-01 - 2025-01-01", D(-366)),
    ("2025-03-10 - 2 weeks", dt.date(2025, 2, 24)),
    ("2025-01-31 + 1 month + 1 day", dt.date(2025, 3, 1)),
    ("2025-01-31 + (1 month + 1 day)", dt.date(2025, 3, 1)),
    ("2023-12-31 + 2 months", dt.date(2024, 2, 29)),
    ("2024-12-15 + 1 month", dt.date(2025, 1, 15)),
    ("2025-01-15 - 1 year", dt.date(2024, 1, 15)),
    ("1 year + 2024-02-29", dt.date(2025, 2, 28)),
    ("3 * 1 month", Duration(3, 0)),
    ("1 month * 3", Duration(3, 0)),
    ("1 year + 6 months", Duration(18, 0)),
    ("2 weeks + 1 day", Duration(0, 15)),
    ("1 year - 1 day", Duration(12, -1)),
    ("-(1 year)", Duration(-12, 0)),
    ("2025-07-31T23:30:00-07:00 + 1 day", dt.datetime(2025, 8, 1, 23, 30, tzinfo=PDT)),
    ("2024-01-31T08:00:00Z + 1 month", dt.datetime(2024, 2, 29, 8, 0, tzinfo=UTC)),
    ("2024-01-01T00:00:00Z - 1 year", dt.datetime(2023, 1, 1, tzinfo=UTC)),
    # comparisons and logic
    ("1 < 2", True),
    ("2 <= 2", True),
    ("2025-01-01 > 2024-12-31", True),
    ('"abc" < "abd"', True),
    ("1.0 == 1", True),
    ("1 year == 12 months", True),
    ("2025-07-31T23:30:00-07:00 == 2025-08-01T06:30:00Z", True),
    ('"b" in ["a", "b"]', True),
    ('"c" not in ["a", "b"]', True),
    ('"ell" in "hello"', True),
    ("2 in [1, 2]", True),
    ("not true", False),
    ("true and false", False),
    ("false or true", True),
    ("not 1 > 2 and 3 > 2", True),
    ('if 1 < 2 then "yes" else "no"', "yes"),
    ("if false then 1 else if true then 2 else 3", D(2)),
    ("if true then [] else [1]", ()),
    # quantifiers and aggregates
    ("any(x in [1, 2, 3] where x > 2)", True),
    ("all(x in [1, 2, 3] where x > 2)", False),
    ("all(x in [] where x > 2)", True),
    ("count(x in [1, 2, 3])", D(3)),
    ("count(x in [1, 2, 3] where x >= 2)", D(2)),
    ("sum([1, 2.5])", D("3.5")),
    ("sum([])", D(0)),
    ("sum(x * 2 for x in [1, 2, 3])", D(12)),
    ("sum(x for x in [1, 2, 3] where x != 2)", D(4)),
    ("sum(d for d in [1 day, 1 month])", Duration(1, 1)),
    ("min([3, 1, 2])", D(1)),
    ("max([2025-01-01, 2024-06-30])", dt.date(2025, 1, 1)),
    ("min(3, 1, 2)", D(1)),
    ("max(2, 5)", D(5)),
    ('min("b", "a")', "a"),
    ("max(x * 10 for x in [1, 2] where x < 2)", D(10)),
    ("[x + 1 for x in [1, 2, 3] where x > 1]", (D(3), D(4))),
    ("[x for x in [1, 2]]", (D(1), D(2))),
    ("sum(sum(y for y in [x, x]) for x in [1, 2])", D(6)),
    # functions
    ("date(2024, 2, 29)", dt.date(2024, 2, 29)),
    ("year(2025-07-31)", D(2025)),
    ("month(2025-07-31)", D(7)),
    ("day(2025-07-31)", D(31)),
    ("end_of_month(2024-02-10)", dt.date(2024, 2, 29)),
    ("end_of_month(2025-02-10)", dt.date(2025, 2, 28)),
    # one per month or part-month, both ends counted (prorated first cycles)
    ("months_spanned(2024-01-15, 2024-03-01)", D(3)),
    ("months_spanned(2022-05-10, 2022-12-31)", D(8)),
    ("months_spanned(2023-12-31, 2024-01-01)", D(2)),
    ("months_spanned(2024-03-01, 2024-01-15)", D(0)),
    ("start_of_month(2025-02-10)", dt.date(2025, 2, 1)),
    ("next_anniversary(2025-03-01, 6, 30)", dt.date(2025, 6, 30)),
    ("next_anniversary(2025-06-30, 6, 30)", dt.date(2025, 6, 30)),
    ("next_anniversary(2025-07-01, 6, 30)", dt.date(2026, 6, 30)),
    ("next_anniversary(2025-01-01, 2, 29)", dt.date(2025, 2, 28)),
    ("next_anniversary(2027-03-01, 2, 29)", dt.date(2028, 2, 29)),
    ("previous_anniversary(2025-03-01, 6, 30)", dt.date(2024, 6, 30)),
    ("previous_anniversary(2025-06-30, 6, 30)", dt.date(2025, 6, 30)),
    ("previous_anniversary(2025-03-01, 2, 29)", dt.date(2025, 2, 28)),
    ("add_months(2024-01-31, 1)", dt.date(2024, 2, 29)),
    ("add_months(2024-03-31, -1)", dt.date(2024, 2, 29)),
    ("days_between(2024-01-01, 2025-01-01)", D(366)),
    ("date_of(2025-07-31T23:30:00-07:00)", dt.date(2025, 7, 31)),
    ("abs(-2.5)", D("2.5")),
    ("round_down(1.37, 0.2)", D("1.2")),
    ("round_up(1.37, 0.2)", D("1.4")),
    ("round_half_up(2.5, 1)", D(3)),
    ("round_half_up(1.25, 0.1)", D("1.3")),
    ("round_down(7, 0.25)", D(7)),
    ("floor(2.7)", D(2)),
    ("floor(-2.5)", D(-3)),
    ("ceil(2.1)", D(3)),
    ("len([1, 2, 3])", D(3)),
    ("len([])", D(0)),
    ('lower("WeRC")', "werc"),
    ('upper("werc")', "WERC"),
    ('starts_with("webinar", "web")', True),
    ('contains("webinar", "bin")', True),
    ('matches("CE-1234", "CE-[0-9]+")', True),
    ('matches("CE-1234x", "CE-[0-9]+")', False),
    ('matches("ab", "a" + "b")', True),
]


@pytest.mark.parametrize("text, expected", VALUES)
def test_value(text: str, expected: object) -> None:
    value = ev(text)
    assert value == expected
    assert type(value) is type(expected)


def test_no_float_anywhere() -> None:
    for text, _ in VALUES:
        assert not isinstance(ev(text), float), text


ITEM = ObjectType("item", {"sku": STRING, "price": NUMBER, "qty": NUMBER})
CART = ObjectType("cart", {"items": ListType(ITEM), "placed": DATETIME})
RECORD = ObjectType("record", {"kind": STRING, "credits": NUMBER, "earned_on": DATE})
PERIOD = ObjectType("period", {"start": DATE, "end": DATE})
SCOPE = Scope({"record": RECORD, "period": PERIOD, "cart": CART, "limit": NUMBER})
CONTEXT = {
    "record": {"kind": "webinar", "credits": D("1.5"), "earned_on": dt.date(2025, 3, 1)},
    "period": {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 12, 31)},
    "cart": {
        "items": (
            {"sku": "A", "price": D("10.00"), "qty": D(2)},
            {"sku": "B", "price": D("5.50"), "qty": D(1)},
        ),
        "placed": dt.datetime(2025, 3, 1, 9, tzinfo=UTC),
    },
    "limit": D(20),
}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("record.credits * 2", D("3.0")),
        ('record.kind in ["webinar", "upload"]', True),
        ("record.earned_on >= period.start and record.earned_on <= period.end", True),
        ("record.earned_on + 1 year > period.end", True),
        ("period.end - period.start", D(364)),
        ("sum(i.price * i.qty for i in cart.items)", D("25.50")),
        ("sum(i.price * i.qty for i in cart.items) > limit", True),
        ('count(i in cart.items where i.sku == "B")', D(1)),
        ("any(i in cart.items where i.price > 8)", True),
        ("[i.sku for i in cart.items where i.qty > 1]", ("A",)),
        ("max(i.price for i in cart.items)", D("10.00")),
        ("date_of(cart.placed) == record.earned_on", True),
        ("if record.credits > 1 then record.credits else 0", D("1.5")),
    ],
)
def test_value_in_scope(text: str, expected: object) -> None:
    assert compile_expression(text, SCOPE)(CONTEXT) == expected


def test_compiled_expression_attributes() -> None:
    compiled = compile_expression("record.credits > 1", SCOPE, expected=BOOL)
    assert compiled.type == BOOL
    assert compiled.source == "record.credits > 1"
    assert compiled.ast.start == 0 and compiled.ast.end == len("record.credits > 1")
    assert compiled.function(CONTEXT) is True


def test_trace_reports_operands_and_conditions() -> None:
    seen: list[tuple[int, bool]] = []
    text = 'record.credits > 1 and (if record.kind == "x" then false else true)'
    compiled = compile_expression(text, SCOPE, trace=lambda off, out: seen.append((off, out)))
    assert compiled(CONTEXT) is True
    then_at = text.index("then")
    assert seen == [(0, True), (then_at, False), (text.index("(if") + 1, True)]
    assert set(compiled.branch_ids) == {0, text.index("(if") + 1, then_at}
    plain = compile_expression(text, SCOPE)
    assert "_h_tr" not in plain.python_source


def test_literal_list_membership_is_folded_into_a_frozenset() -> None:
    compiled = compile_expression('record.kind in ["webinar", "upload"]', SCOPE)
    cells = [c.cell_contents for c in compiled.function.__closure__ or ()]
    assert frozenset({"webinar", "upload"}) in cells  # a constant, not built per call
    assert compiled(CONTEXT) is True


@pytest.mark.parametrize(
    "value, text",
    [
        (D("0.3"), "0.3"),
        (D("1.50"), "1.50"),
        (D("1E+3"), "1000"),
        (D("-0"), "0"),
        (D("1E-7"), "0.0000001"),
        (True, "true"),
        (dt.date(2025, 2, 28), "2025-02-28"),
        (dt.datetime(2025, 7, 31, 23, 30, tzinfo=UTC), "2025-07-31T23:30:00Z"),
        (Duration(12, 0), "1 year"),
        (Duration(0, 365), "365 days"),
        (Duration(14, 3), "1 year 2 months 3 days"),
        (Duration(0, 0), "0 days"),
        (Duration(-1, 0), "-1 month"),
        (("a", D(1)), '["a", 1]'),
        ("plain", "plain"),
    ],
)
def test_format_value(value: object, text: str) -> None:
    assert format_value(value) == text


def test_to_json() -> None:
    assert to_json((D("1.5"), dt.date(2025, 1, 1), True, Duration(0, 3))) == [
        "1.5",
        "2025-01-01",
        True,
        "3 days",
    ]


def test_registry_accepts_plugins_and_refuses_duplicates() -> None:
    registry = builtin_functions()
    registry.register(Function("double", (NUMBER,), NUMBER, lambda n: n * 2), owner="plugin-a")
    assert compile_expression("double(21)", Scope({}, registry))({}) == D(42)
    with pytest.raises(DuplicateFunctionError, match=r"plugin-b.*plugin-a"):
        registry.register(Function("double", (NUMBER,), NUMBER, lambda n: n), owner="plugin-b")
    with pytest.raises(DuplicateFunctionError, match="builtin"):
        registry.register(Function("year", (DATE,), NUMBER, lambda d: d), owner="plugin-b")
    assert "double" not in builtin_functions()


def test_plugin_function_errors_point_at_the_call() -> None:
    registry = builtin_functions()

    def boom(n: D) -> D:
        raise ValueError("no")

    registry.register(Function("boom", (NUMBER,), NUMBER, boom), owner="p")
    with pytest.raises(ExprRuntimeError) as info:
        compile_expression("1 + boom(2)", Scope({}, registry))({})
    assert (info.value.offset, info.value.end) == (4, 11)


dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@given(dates, st.integers(min_value=-240, max_value=240))
def test_month_arithmetic_clamps(d: dt.date, n: int) -> None:
    result = compile_expression(
        f"{d.isoformat()} + {abs(n)} months" if n >= 0 else f"{d.isoformat()} - {-n} months"
    )({})
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day == d.day or (result.day < d.day and (result + dt.timedelta(days=1)).day == 1)


@given(dates, st.integers(min_value=0, max_value=5000))
def test_day_arithmetic_round_trips(d: dt.date, n: int) -> None:
    assert compile_expression(f"{d.isoformat()} + {n} days - {n} days")({}) == d
    assert compile_expression(f"({d.isoformat()} + {n} days) - {d.isoformat()}")({}) == D(n)


@given(
    a=st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9998, 12, 31)),
    b=st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9998, 12, 31)),
)
def test_months_between_is_the_most_whole_months_that_fit(a: dt.date, b: dt.date) -> None:
    """months_between(a, b) = n: a + n months <= b < a + (n + 1) months (the month-end
    rule of add_months), and the negative of the other way round."""
    n = int(compile_expression(f"months_between({a}, {b})")({}))
    if b < a:
        assert n == -int(compile_expression(f"months_between({b}, {a})")({}))
        return
    assert add_months(a, n) <= b < add_months(a, n + 1)


@given(st.dates(), st.integers(-2000, 2000))
def test_a_dates_months_kept_are_those_worked_out(d: dt.date, months: int) -> None:
    """``add_months`` keeps a date's answers (values._date_add_months): asked again, or
    for the same day as a datetime, it answers as worked out afresh; an answer past the
    calendar is an error every time, never kept."""
    from policyengine.expr.values import DateOutOfRange, _add_months

    for _ in range(2):
        try:
            expected: object = _add_months(d, months)
        except DateOutOfRange as err:
            expected = str(err)
        try:
            got: object = add_months(d, months)
        except DateOutOfRange as err:
            got = str(err)
        assert got == expected and type(got) is type(expected)
    # the same instant in two zones is one key to a cache by equality: never kept
    moment = dt.datetime(d.year, d.month, d.day, 12, tzinfo=PDT)
    try:
        add_months(moment.astimezone(UTC), months)
        shifted = add_months(moment, months)
    except (DateOutOfRange, OverflowError):
        return
    assert isinstance(shifted, dt.datetime) and shifted.tzinfo is PDT and shifted.hour == 12
