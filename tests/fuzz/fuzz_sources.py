"""Sources fuzzer: CSV rows, xAPI statements and SQL rows through the bundled plugins.

Inputs are drawn with hypothesis strategies (seeded by the runner):

- *CSV* for ``records_file``, ``member_uploads``, ``lms_transcript`` and
  ``portal_webinars``: the plugin's columns (some renamed through ``mapping``, some
  missing), rows of cells that are valid values, extreme values or any text, written
  with any quoting and line ends, then sometimes damaged (a stray quote, a lost comma,
  a NUL, a byte-order mark, bytes that are not UTF-8);
- *xAPI* statement arrays (or a StatementResult, or no list at all) whose actor,
  verb, object, result (ISO 8601 durations, credit extensions) and timestamps are
  valid, extreme or of the wrong JSON type;
- *SQL*: a SQLite database (or a text dump) whose rows hold integers up to 64 bits,
  floats (NaN, infinities), text, blobs and NULLs, read through a query.

Each is read with the policy's time zone set to one of four zones. The contract: only
``PolicyError`` (``SourceOptionError`` for the input as a whole) comes out, and every
row read is either a record or a rejected row (``records + rejected == read``); a CSV
problem points at a line of the file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hseed
from hypothesis import strategies as st

from tests.fuzz.contract import ROOT, Violation

NAME = "sources"
INPUT_TIMEOUT = 20.0
BATCH = 25
ZONES = ["UTC", "America/New_York", "Pacific/Kiritimati", "America/St_Johns"]
CSV_SOURCES = ("records_file", "member_uploads", "lms_transcript", "portal_webinars")

# ----------------------------------------------------------------------------- values

extreme_text = st.sampled_from(
    [
        "", " ", "0", "-1", "1e999999", "NaN", "Infinity", "9" * 60, "0." + "0" * 40 + "1",
        "2024-02-30", "0001-01-01", "9999-12-31", "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00", "2024-03-10T02:30:00", "PT99999999999999999999H",
        "P1Y", "PT" + "1" * 5000 + "M", "P" + "1D" * 2000, "approved", "declined", "pending",
        "a;b;;c", "\x00", "\ufeff", "é", "\u2028", "x" * 10_000,
    ]
)  # fmt: skip
dates = st.dates().map(lambda d: d.isoformat())
datetimes = st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat())
decimals = st.decimals(allow_nan=True, allow_infinity=True).map(str)
durations = st.from_regex(
    r"P(\d{1,4}Y)?(\d{1,3}D)?(T\d{1,6}H)?(\d{1,6}(\.\d{1,3})?M)?", fullmatch=True
)
cell = st.one_of(
    dates, datetimes, decimals, st.integers().map(str), extreme_text, st.text(max_size=20)
)


def plugin_columns(env: Any, source: str) -> list[str]:
    cls = env.sources[source]
    if source == "records_file":
        from policyengine.plugins.records_file import CSV_FIELDS  # the plugin's own list

        return list(CSV_FIELDS)
    return list(cls.columns.values())


@st.composite
def csv_case(draw: Any, env: Any) -> tuple[str, bytes, dict[str, Any]]:
    source = draw(st.sampled_from(CSV_SOURCES))
    columns = plugin_columns(env, source)
    header = draw(
        st.lists(st.sampled_from(columns), min_size=1, max_size=len(columns), unique=True)
    )
    options: dict[str, Any] = {}
    if draw(st.integers(0, 5)) == 0 and source != "records_file":
        field = draw(st.sampled_from(sorted(env.sources[source].columns)))
        options["mapping"] = {field: draw(st.sampled_from([*header, "nowhere"]))}
    if source == "portal_webinars" and draw(st.booleans()):
        options["conversion"] = {
            "minutes_per_credit": draw(st.sampled_from([1, 50, 60])),
            "increment": 0.5,
        }
    rows = draw(
        st.lists(st.lists(cell, min_size=len(header) - 1, max_size=len(header) + 1), max_size=8)
    )
    out = io.StringIO()
    writer = csv.writer(
        out,
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])),
        lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])),
    )
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    text = out.getvalue()
    if text and draw(st.integers(0, 2)) == 0:  # damage
        at = draw(st.integers(0, len(text)))
        junk = draw(st.sampled_from(['"', '"', ",", "\x00", "\ufeff", "\n", "\r", '""', "\n\n"]))
        text = text[:at] + junk + text[at + draw(st.integers(0, 1)) :]
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 20)) == 0:
        data = data[: len(data) // 2] + b"\xff\xfe" + data[len(data) // 2 :]
    return source, data, options


json_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, strategy, strategy, json_junk)


@st.composite
def statement(draw: Any) -> dict[str, Any]:
    actors = st.sampled_from(
        [
            {"account": {"name": "m-1", "homePage": "https://lms"}},
            {"mbox": "mailto:a@example.org"}, {"mbox_sha1sum": "ab" * 20}, {"openid": "x"},
            {"objectType": "Group", "member": []}, {},
        ]
    )  # fmt: skip
    verbs = st.sampled_from(
        ["completed", "passed", "attempted", "", "http://adlnet.gov/expapi/verbs/completed"]
    )
    names = st.dictionaries(
        st.sampled_from(["en-US", "fr", "und"]), st.text(max_size=10), max_size=2
    )
    extensions = st.dictionaries(
        st.sampled_from(["https://x/credits", "c"]), maybe(decimals | extreme_text), max_size=1
    )
    result = st.fixed_dictionaries(
        {}, optional={"duration": maybe(durations | extreme_text), "extensions": extensions}
    )
    stmt = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "id": maybe(st.text(max_size=8)),
                "actor": maybe(actors),
                "verb": maybe(verbs.map(lambda v: {"id": v})),
                "object": maybe(
                    st.builds(
                        lambda i, n: {"id": i, "definition": {"name": n}},
                        st.text(max_size=6),
                        names,
                    )
                ),
                "result": maybe(result),
                "timestamp": maybe(datetimes | dates | extreme_text),
                "stored": maybe(datetimes | extreme_text),
            },
        )
    )
    return stmt


@st.composite
def xapi_case(draw: Any) -> tuple[str, bytes, dict[str, Any]]:
    statements = draw(st.lists(statement(), max_size=6))
    doc = draw(st.sampled_from(["list", "result", "junk"]))
    data: Any = (
        statements
        if doc == "list"
        else {"statements": statements}
        if doc == "result"
        else draw(json_junk)
    )
    text = json.dumps(data, ensure_ascii=draw(st.booleans()), allow_nan=True)
    if draw(st.integers(0, 10)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    options: dict[str, Any] = {}
    if draw(st.booleans()):
        options["credits_extension"] = draw(st.sampled_from(["https://x/credits", "c", ""]))
    if draw(st.integers(0, 3)) == 0:
        options["verbs"] = draw(
            st.lists(st.sampled_from(["attempted", "passed", "x"]), min_size=1, max_size=2)
        )
    return "xapi", text.encode("utf-8", "surrogatepass"), options


SQL_FIELDS = (
    "id",
    "member",
    "title",
    "credits",
    "minutes",
    "earned_on",
    "earned_at",
    "recorded_on",
    "status",
    "tags",
    "registration",
    "course",
)
sql_value = st.one_of(
    st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(), st.binary(max_size=8),
    dates, datetimes, decimals, extreme_text, st.text(max_size=10),
)  # fmt: skip
QUERIES = [
    "SELECT * FROM t", "SELECT * FROM t", "SELECT * FROM t", "SELECT id FROM t",
    "SELECT * FROM t; SELECT 1", "PRAGMA table_info(t)", "SELECT * FROM nowhere",
    "ATTACH DATABASE 'x.db' AS x", "SELECT load_extension('x')",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5000) SELECT x AS id, '2024-01-01' AS earned_on FROM c",
]  # fmt: skip


@st.composite
def sql_case(draw: Any) -> tuple[str, list[str], list[list[Any]], dict[str, Any], bool]:
    columns = draw(st.lists(st.sampled_from(SQL_FIELDS), min_size=1, max_size=6, unique=True))
    rows = draw(
        st.lists(st.lists(sql_value, min_size=len(columns), max_size=len(columns)), max_size=6)
    )
    options: dict[str, Any] = {"query": draw(st.sampled_from(QUERIES))}
    if draw(st.integers(0, 5)) == 0:
        options["mapping"] = {"earned_on": draw(st.sampled_from([*columns, "nothing"]))}
    return "sql", columns, rows, options, draw(st.booleans())


def sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "X'" + value.hex() + "'"
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def write_sql(folder: Path, columns: list[str], rows: list[list[Any]], dump: bool) -> Path:
    create = f"CREATE TABLE t ({', '.join(columns)});"
    if dump:
        path = folder / "input.sql"
        inserts = [f"INSERT INTO t VALUES ({', '.join(map(sql_literal, r))});" for r in rows]
        path.write_text(
            "\n".join([create, *inserts]) + "\n", encoding="utf-8", errors="surrogatepass"
        )
        return path
    path = folder / "input.sqlite"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute(create)
        marks = ", ".join("?" * len(columns))
        for r in rows:
            with contextlib.suppress(sqlite3.Error, UnicodeEncodeError, OverflowError):
                db.execute(f"INSERT INTO t VALUES ({marks})", r)
        db.commit()
    finally:
        db.close()
    return path


# ----------------------------------------------------------------------------- running


@dataclass
class State:
    folder: Path
    env: Any
    policy: Any


def setup(workdir: Path) -> State:
    from policyengine import load_policy, plugins_loader

    env = plugins_loader.load_environment()
    text = (ROOT / "policies" / "werc-crp.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "records:\n", "records:\n  conversion: {minutes_per_credit: 50, increment: 0.5}\n", 1
    )
    (workdir / "policy.yaml").write_text(text, encoding="utf-8")
    return State(workdir, env, load_policy(str(workdir / "policy.yaml"), env))


def read(state: State, source: str, path: Path, options: dict[str, Any], zone: str) -> str:
    result = state.env.sources[source]().read(
        {"path": str(path), **options}, tz=ZoneInfo(zone), policy=state.policy
    )
    if len(result.records) + result.rows_rejected != result.rows_read:
        raise Violation(
            "rows counted",
            f"{len(result.records)} records + {result.rows_rejected} rejected != {result.rows_read} read",
        )
    if path.suffix == ".csv":
        lines = path.read_bytes().count(b"\n") + path.read_bytes().count(b"\r") + 1
        for d in result.problems:
            if d.location is not None and not 1 <= d.location.line <= lines:
                raise Violation("problem line", f"line {d.location.line} of {lines}: {d.message}")
    return "rejected rows" if result.rows_rejected else "read"


def run_case(state: State, case: tuple[Any, ...], zone: str) -> str:
    if case[0] == "sql":
        _kind, columns, rows, options, dump = case
        path = write_sql(state.folder, columns, rows, dump)
        return read(state, "sql", path, options, zone)
    source, data, options = case
    path = state.folder / ("input.json" if source == "xapi" else "input.csv")
    path.write_bytes(data)
    return read(state, source, path, options, zone)


def describe(case: tuple[Any, ...], zone: str) -> str:
    if case[0] == "sql":
        _kind, columns, rows, options, dump = case
        return f"sql ({'dump' if dump else 'sqlite'}) in {zone}, options {options!r}\ncolumns {columns!r}\nrows {rows!r}"
    source, data, options = case
    return f"{source} in {zone}, options {options!r}\n{data.decode('utf-8', 'backslashreplace')}"


def loop(state: State, rng: Any, execute: Any, budget: Any) -> None:
    cases = st.one_of(csv_case(state.env), xapi_case(), sql_case())

    def one(case: tuple[Any, ...], zone: str) -> None:
        if budget.spent:
            return
        label = f"{case[0]} source"
        execute(label, describe(case, zone), lambda: run_case(state, case, zone))

    test = settings(
        max_examples=BATCH,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )(given(cases, st.sampled_from(ZONES))(one))
    while not budget.spent:
        hseed(rng.randrange(2**32))(test)()
