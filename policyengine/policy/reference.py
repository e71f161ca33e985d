"""The administrator's reference of the expression language, generated from the code.

``docs/expressions.md`` lists every place a policy may hold an expression with the names
it sees there, every field of every object with its type and meaning, and every built-in
function with its signature, its exact rule and worked examples. It is written from the
scope declarations (``scopes.py``) and the function registry, so it cannot drift from
what the checker accepts; a test fails when the committed file differs, and another runs
every example. Regenerate with ``python -m policyengine.policy.reference docs/expressions.md``.
"""

from __future__ import annotations

import sys

from policyengine.expr.functions import FunctionRegistry, builtin_functions
from policyengine.policy.scopes import OBJECTS, PLACES, Name, ObjectScope, declaration

# Worked examples of every built-in function: (expression, what `policyengine expr` prints).
EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "date": (("date(2024, 2, 29)", "2024-02-29"),),
    "year": (("year(2025-07-31)", "2025"),),
    "month": (("month(2025-07-31)", "7"),),
    "day": (("day(2025-07-31)", "31"),),
    "end_of_month": (("end_of_month(2024-02-10)", "2024-02-29"),),
    "start_of_month": (("start_of_month(2024-02-10)", "2024-02-01"),),
    "next_anniversary": (
        ("next_anniversary(2025-08-01, 8, 1)", "2025-08-01"),
        ("next_anniversary(2025-08-02, 8, 1)", "2026-08-01"),
        ("next_anniversary(2025-03-01, 2, 29)", "2026-02-28"),
    ),
    "previous_anniversary": (
        ("previous_anniversary(2025-08-01, 8, 1)", "2025-08-01"),
        ("previous_anniversary(2025-07-31, 8, 1)", "2024-08-01"),
    ),
    "add_months": (
        ("add_months(2024-01-31, 1)", "2024-02-29"),
        ("add_months(2024-03-31, -1)", "2024-02-29"),
    ),
    "days_between": (
        ("days_between(2024-01-15, 2025-01-15)", "366"),
        ("days_between(2025-01-15, 2024-01-15)", "-366"),
    ),
    "months_spanned": (
        ("months_spanned(2024-01-31, 2024-03-01)", "3"),
        ("months_spanned(2024-03-01, 2024-01-31)", "0"),
    ),
    "months_between": (
        ("months_between(2024-01-15, 2024-03-14)", "1"),
        ("months_between(2024-01-15, 2024-03-15)", "2"),
        ("months_between(2024-01-31, 2024-02-29)", "1"),
        ("months_between(2024-03-15, 2024-01-15)", "-2"),
    ),
    "date_of": (("date_of(2025-07-31T23:30:00-07:00)", "2025-07-31"),),
    "abs": (("abs(-2.5)", "2.5"),),
    "floor": (("floor(1.7)", "1"), ("floor(-1.2)", "-2")),
    "ceil": (("ceil(1.2)", "2"),),
    "round_down": (("round_down(1.37, 0.2)", "1.2"),),
    "round_up": (("round_up(1.37, 0.2)", "1.4"),),
    "round_half_up": (("round_half_up(2.5, 1)", "3"), ("round_half_up(1.25, 0.1)", "1.3")),
    "len": (("len([1, 2, 3])", "3"),),
    "lower": (('lower("CPE")', "cpe"),),
    "upper": (('upper("cpe")', "CPE"),),
    "starts_with": (('starts_with("webinar-101", "webinar")', "true"),),
    "ends_with": (('ends_with("https://w3id.org/xapi/verbs/completed", "/completed")', "true"),),
    "contains": (('contains("Ethics for CPAs", "Ethics")', "true"),),
    "matches": (
        ('matches("WC-101", "WC-[0-9]+")', "true"),
        ('matches("WC-101x", "WC-[0-9]+")', "false"),
    ),
}


# How an administrator tries an expression on real data before writing it in a policy.
TRYING = [
    "",
    "## Trying an expression on a holder's data",
    "",
    "`policyengine expr` evaluates an expression and prints its value. Alone it knows only",
    "the functions (`policyengine expr '2024-02-29 + 1 year'` prints `2025-02-28`). With",
    "`--policy POLICY` it sees what a requirement's `where`, a validity rule and",
    "`carry_over.where` see in that policy (the place `*` above: `record`, `period`,",
    "`holder`, `const`, and the plugins' functions), and `--holder FILE` gives them a",
    "holder's data as the engine has it when it evaluates the holder as of `--as-of`",
    "(default today in the policy's time zone):",
    "",
    "- `record` is the record `--record ID` names, with the earned date that counts (after",
    "  the staff adjustments the policy accepts) and the credits that count (after",
    "  `records.credits` or the minutes conversion), as in `evaluate`'s output;",
    "- `period` is period `--period N`, numbered as in `evaluate`'s output; without it,",
    "  the period the record was applied to (else the one its date falls in), else the",
    "  holder's current period;",
    "- `holder` has `certified_on` once the initial period is complete.",
    "",
    "```sh",
    "$ policyengine expr 'record.category == \"ethics\"' --policy policies/cpa-uaa.yaml \\",
    "    --holder policies/holders/cpa-uaa-licensed-2018.yaml --record p1-ethics-2019",
    "true",
    "$ policyengine expr 'record.earned_on > period.end - 1 year' \\",
    "    --policy policies/cpa-uaa.yaml \\",
    "    --holder policies/holders/cpa-uaa-licensed-2018.yaml --record p2-tax-2023 \\",
    "    --as-of 2024-06-01 -o json",
    "{",
    '  "as_of": "2024-06-01",',
    '  "holder": "cpa-2018",',
    '  "period": 2,',
    '  "record": "p2-tax-2023",',
    '  "type": "bool",',
    '  "value": true',
    "}",
    "```",
    "",
    "A name whose data was not given is an error at its column that says what to pass",
    "(exit 2): `record` without `--record` lists the holder's record ids; `record`,",
    "`period` or `holder` without `--holder` asks for one. A misspelt field or a type",
    "mismatch is reported as `validate` reports it in a policy, with the column inside",
    "the expression (exit 1):",
    "",
    "```",
    "<expr>:1:1: 'record' needs a record: pass --record ID",
    '    record.category == "ethics"',
    "    ^^^^^^",
    "  hint: the records of holder cpa-2018: p1-tax-2019, p1-ethics-2019, p1-audit-2020, ...",
    "```",
]


def _type(t: object) -> str:
    return f"`{t}`"


def _object_section(obj: ObjectScope, heading: str) -> list[str]:
    lines = [
        f"### `{heading}`",
        "",
        obj.meaning[0].upper() + obj.meaning[1:] + ".",
        "",
        "| field | type | meaning |",
        "|---|---|---|",
    ]
    for f in obj.fields:
        note = " *(optional: present only when the data gives it)*" if f.optional else ""
        if f.computed:
            note = " *(set during evaluation)*"
        lines.append(f"| `{obj.name}.{f.name}` | {_type(f.type)} | {f.meaning}{note} |")
    return [*lines, ""]


def render(functions: FunctionRegistry | None = None) -> str:
    """The whole of ``docs/expressions.md``."""
    functions = functions or builtin_functions()
    out = [
        "# Expressions: where they go, what they see, what they can call",
        "",
        "<!-- Generated by `python -m policyengine.policy.reference docs/expressions.md`"
        " from policyengine/policy/scopes.py and the built-in functions; do not edit. -->",
        "",
        "A policy holds expressions in the places listed below. Each place sees only some",
        "names; `policyengine validate` reports any other name, any field an object does",
        "not have and any type mismatch at its line and column. The language itself",
        "(literals, operators, `if`, `any`/`all`/`count`/`sum`, dates and durations) is in",
        "the README; exact decimals and the calendar rules are in docs/design.md.",
        "",
        "## Places",
        "",
        "The first pattern matching an expression's path in the policy file decides "
        "(`*` is any key or list position).",
        "",
        "| path in the policy | sees | what it is |",
        "|---|---|---|",
    ]
    for place in PLACES:
        seen = ", ".join(f"`{'period' if n.startswith('period') else n}`" for n in place.names)
        out.append(f"| `{place.pattern}` | {seen} | {place.meaning} |")
    out += [
        "",
        "`const` is the policy's `constants` section: `const.NAME` for each entry, a "
        "number, a date (written YYYY-MM-DD), a string or a boolean.",
        "",
        "## Names",
        "",
    ]
    for name in ("status", "as_of"):
        decl = declaration(name)
        assert isinstance(decl, Name)
        out.append(f"- `{decl.name}` ({_type(decl.type)}): {decl.meaning}.")
    out += [
        "",
        "## Objects",
        "",
        "`period` is seen in three shapes: while a period is laid out (`periods.*.end`) "
        "it has no end yet; status rules also see its progress.",
        "",
    ]
    headings = {"period": ["period", "period (while laid out)", "period (in status rules)"]}
    seen_period = 0
    for obj in OBJECTS:
        heading = obj.name
        if obj.name == "period":
            heading = headings["period"][seen_period]
            seen_period += 1
        out += _object_section(obj, heading)
    out += [
        "Credit-source plugins add record fields (`policyengine plugins` lists them; "
        "e.g. `record.verb` of the xAPI source), and so does a policy's "
        "`records.fields`; both are optional on a record.",
        "",
        "## Functions",
        "",
        "| function | rule |",
        "|---|---|",
    ]
    for fn in functions:
        out.append(f"| `{fn.signature()}` | {fn.doc} |")
    out += [
        "",
        "### Examples",
        "",
        "Each line is checked by the test suite (`policyengine expr` prints the right-hand side).",
        "",
        "```",
    ]
    width = max(len(e) for examples in EXAMPLES.values() for e, _ in examples)
    for fn in functions:
        for expression, result in EXAMPLES.get(fn.name, ()):
            out.append(f"{expression:<{width}}  ->  {result}")
    out += ["```", *TRYING, ""]
    return "\n".join(out)


USAGE = "usage: python -m policyengine.policy.reference [OUTPUT.md]"


def main(argv: list[str]) -> int:
    """Write the reference to ``argv[0]``, or to standard output; an option (``--help``)
    is not taken for a file name."""
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(USAGE, file=sys.stderr)
        return 2
    text = render()
    if argv:
        with open(argv[0], "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
