"""Benchmark: compiled expression vs. a hand-written Python function (not a test).

Builds 200,000 records and evaluates

    record.kind in ["webinar", "upload", "conference"] and record.credits > 0
    and record.earned_on >= window.start and record.earned_on <= window.end
    and record.provider == "WERC"

over all of them, compiled by policyengine and written by hand, in the same run.
Both receive the same per-record values mapping ``{"record": ..., "window": ...}``
(built once, outside the timing); a second line times the hand-written function
taking ``(record, window)`` directly while the compiled one builds the mapping,
i.e. what a caller pays end to end.  Target: compiled within 1.5x of hand-written.

Run: python benchmarks/bench_expr.py
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policyengine.expr import Scope, compile_expression
from policyengine.expr.types import BOOL, DATE, NUMBER, STRING, ObjectType

N = 200_000
REPEAT = 5
EXPRESSION = (
    'record.kind in ["webinar", "upload", "conference"] and record.credits > 0 '
    "and record.earned_on >= window.start and record.earned_on <= window.end "
    'and record.provider == "WERC"'
)
SCOPE = Scope(
    {
        "record": ObjectType(
            "record", {"kind": STRING, "credits": NUMBER, "earned_on": DATE, "provider": STRING}
        ),
        "window": ObjectType("window", {"start": DATE, "end": DATE}),
    }
)
KINDS = frozenset({"webinar", "upload", "conference"})
ZERO = Decimal(0)


def hand_written(v: dict) -> bool:
    record = v["record"]
    window = v["window"]
    return (
        record["kind"] in KINDS
        and record["credits"] > ZERO
        and record["earned_on"] >= window["start"]
        and record["earned_on"] <= window["end"]
        and record["provider"] == "WERC"
    )


def hand_written_direct(record: dict, window: dict) -> bool:
    return (
        record["kind"] in KINDS
        and record["credits"] > ZERO
        and window["start"] <= record["earned_on"] <= window["end"]
        and record["provider"] == "WERC"
    )


def make_records(n: int) -> list[dict]:
    rng = random.Random(7)
    kinds = ["webinar", "upload", "conference", "course", "journal"]
    providers = ["WERC", "WERC", "ACME", "NOVA"]
    start = dt.date(2023, 1, 1)
    return [
        {
            "kind": rng.choice(kinds),
            "credits": Decimal(rng.randint(-1, 40)) / 4,
            "earned_on": start + dt.timedelta(days=rng.randint(0, 1000)),
            "provider": rng.choice(providers),
        }
        for _ in range(n)
    ]


def best(fn) -> float:
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    t0 = time.perf_counter()
    compiled = compile_expression(EXPRESSION, SCOPE, expected=BOOL)
    first_compile = time.perf_counter() - t0  # includes building the shared parser
    compile_time = best(lambda: compile_expression(EXPRESSION, SCOPE, expected=BOOL))

    window = {"start": dt.date(2024, 1, 1), "end": dt.date(2024, 12, 31)}
    records = make_records(N)
    values = [{"record": r, "window": window} for r in records]

    expected = [hand_written(v) for v in values]
    assert [compiled(v) for v in values] == expected
    assert [hand_written_direct(r, window) for r in records] == expected
    print(f"{N:,} records, {sum(expected):,} match; best of {REPEAT} runs")
    print(
        f"compile: first {first_compile * 1e3:.2f} ms (builds the parser), then "
        f"{compile_time * 1e3:.3f} ms per expression"
    )

    fn = compiled.function
    rows = [
        ("hand-written f(values)", best(lambda: [hand_written(v) for v in values])),
        ("compiled(values)", best(lambda: [compiled(v) for v in values])),
        ("compiled.function(values)", best(lambda: [fn(v) for v in values])),
        (
            "hand-written f(record, window)",
            best(lambda: [hand_written_direct(r, window) for r in records]),
        ),
        (
            "compiled({...}) incl. building the mapping",
            best(lambda: [compiled({"record": r, "window": window}) for r in records]),
        ),
    ]
    for label, seconds in rows:
        print(f"  {label:45s} {N / seconds:>12,.0f} records/s  ({seconds * 1e3:7.1f} ms)")
    base = rows[0][1]
    print(
        f"ratio compiled(values) / hand-written:          {rows[1][1] / base:.2f}x (target <= 1.5x)"
    )
    print(f"ratio compiled.function / hand-written:         {rows[2][1] / base:.2f}x")
    print(f"ratio end to end (mapping built per record):    {rows[4][1] / rows[3][1]:.2f}x")


if __name__ == "__main__":
    main()
