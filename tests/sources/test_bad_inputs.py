"""Fuzzed inputs through the shipped credit sources: timestamps at the calendar's ends,
numbers beyond the numeric range, paths the file system refuses. Each is a problem
at its file and row (or a named option), never a traceback, and numbers obey the same
range in every source as in holder files."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from policyengine import plugins_loader
from policyengine.errors import PolicyError, shorten
from policyengine.sources import SourceOptionError, SourceResult

NY = ZoneInfo("America/New_York")
ENV = plugins_loader.load_environment()
CONVERSION = {"minutes_per_credit": 50}
OUT_OF_RANGE = (
    "is out of range: instants are read from 0001-01-02 to 9999-12-30 (UTC), "
    "so that every time zone has a date for them"
)


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def read(source: str, **options: object) -> SourceResult:
    return ENV.sources[source]().read(options, tz=NY, policy=None)


def problems(result: SourceResult) -> list[tuple[int, str]]:
    return [(d.location.line if d.location else 0, d.message) for d in result.problems]


def test_portal_webinar_at_the_end_of_year_9999(tmp_path: Path) -> None:
    csv = write(
        tmp_path / "portal.csv",
        """
        id,member_id,webinar_id,start,end
        a,m-1,W-1,9999-12-31T23:00:00-12:00,9999-12-31T23:59:59-12:00
        b,m-1,W-2,2025-01-01T10:00:00,2025-01-01T11:00:00
        """,
    )
    result = read("portal_webinars", path=str(csv), conversion=CONVERSION)
    assert [r.id for r in result.records] == ["b"]
    assert problems(result) == [
        (2, f"start: timestamp '9999-12-31T23:00:00-12:00' {OUT_OF_RANGE}"),
        (2, f"end: timestamp '9999-12-31T23:59:59-12:00' {OUT_OF_RANGE}"),
    ]


def test_member_upload_at_the_end_of_year_9999(tmp_path: Path) -> None:
    csv = write(
        tmp_path / "uploads.csv",
        """
        id,member_id,credits,earned_on,submitted_on,status
        a,m-1,1,2025-01-01,9999-12-31T23:59:59,approved
        b,m-1,2,2025-01-01,2025-01-02,approved
        """,
    )
    result = read("member_uploads", path=str(csv))
    assert [r.id for r in result.records] == ["b"]
    assert problems(result) == [(2, f"record 'a': timestamp '9999-12-31T23:59:59' {OUT_OF_RANGE}")]


def test_xapi_statement_at_the_start_of_year_1(tmp_path: Path) -> None:
    path = tmp_path / "statements.json"
    path.write_text(
        '[{"actor": {"mbox": "mailto:a@example.com"},\n'
        ' "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},\n'
        ' "object": {"id": "https://example.com/c1"},\n'
        ' "timestamp": "0001-01-01T00:00:00+14:00"}]\n',
        encoding="utf-8",
    )
    result = read("xapi", path=str(path))
    assert result.records == []
    assert problems(result) == [
        (4, f"statements[0]: timestamp: timestamp '0001-01-01T00:00:00+14:00' {OUT_OF_RANGE}")
    ]


def test_a_path_longer_than_the_file_system_allows(tmp_path: Path) -> None:
    """``Path.is_file`` raises ``OSError: File name too long`` instead of answering."""
    path = str(tmp_path / ("a" * 300 + ".csv"))
    with pytest.raises(SourceOptionError) as err:
        read("member_uploads", path=path)
    assert err.value.option == "path"
    (diag,) = err.value.diagnostics
    assert diag.message == f"cannot read {shorten(path, 240)}: File name too long"
    assert diag.hint == "paths are relative to the sources file"


# ----------------------------------------------------------------------------- numbers

RANGE = "numbers have at most 12 digits before the decimal point and 6 after it"


def test_member_upload_credits_beyond_the_range_csv_and_json(tmp_path: Path) -> None:
    """The same rule as in holder files: before, a CSV's 1e999999 became '1E+999999 credits'."""
    csv = write(
        tmp_path / "uploads.csv",
        """
        id,member_id,credits,earned_on,submitted_on,status
        a,m-1,1e999999,2025-01-01,2025-01-02,approved
        b,m-1,0.1234567,2025-01-01,2025-01-02,approved
        c,m-1,2,2025-01-01,2025-01-02,approved
        """,
    )
    result = read("member_uploads", path=str(csv))
    assert [r.id for r in result.records] == ["c"]
    assert problems(result) == [
        (2, f"record 'a': credits 1e999999 is out of range: {RANGE}"),
        (3, f"record 'b': credits 0.1234567 is out of range: {RANGE}"),
    ]
    js = tmp_path / "uploads.json"
    js.write_text(
        '[{"id": "a", "credits": 1e999999, "earned_on": "2025-01-01", "submitted_on": '
        '"2025-01-02"},\n {"id": "b", "credits": 1e9999999999999999999, "earned_on": '
        '"2025-01-01", "submitted_on": "2025-01-02"}]\n',
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as err:
        read("member_uploads", path=str(js))
    (diag,) = err.value.diagnostics
    assert diag.message == f"number 1e9999999999999999999 is out of range: {RANGE}"
    assert diag.location is not None and (diag.location.line, diag.location.col) == (2, 25)
    js.write_text(js.read_text().replace("1e9999999999999999999", "1"), encoding="utf-8")
    result = read("member_uploads", path=str(js))
    assert problems(result) == [(1, f"record 'a': credits 1E+999999 is out of range: {RANGE}")]


def test_portal_minutes_beyond_the_range_and_seconds(tmp_path: Path) -> None:
    csv = write(
        tmp_path / "portal.csv",
        """
        id,member_id,webinar_id,start,end,minutes,date
        a,m-1,W-1,,,1e999999,2025-01-01
        b,m-1,W-2,2025-01-01T10:00:00,2025-01-01T10:00:10,,
        """,
    )
    result = read("portal_webinars", path=str(csv), conversion=CONVERSION)
    assert problems(result) == [(2, f"minutes 1e999999 is out of range: {RANGE}")]
    (b,) = result.records
    assert b.fields["minutes"] == Decimal("0.166666")  # ten seconds, to six decimals
    assert b.credits == Decimal("0.003333")


def test_xapi_durations_beyond_the_range(tmp_path: Path) -> None:
    path = tmp_path / "statements.json"
    statement = (
        '{{"actor": {{"mbox": "mailto:a@example.com"}}, '
        '"verb": {{"id": "http://adlnet.gov/expapi/verbs/completed"}}, '
        '"object": {{"id": "https://example.com/c1"}}, '
        '"timestamp": "2025-01-01T10:00:00Z", "result": {{"duration": "{}"}}}}'
    )
    durations = ["PT99999999999999999999H", "P999999999999W", "PT10S"]
    path.write_text(
        "[" + ",\n".join(statement.format(d) for d in durations) + "]\n", encoding="utf-8"
    )
    result = read("xapi", path=str(path), conversion=CONVERSION)
    assert problems(result) == [
        (
            1,
            "statements[0]: result.duration: duration 'PT99999999999999999999H' is out of "
            f"range: in minutes, {RANGE}",
        ),
        (
            2,
            "statements[1]: result.duration: duration 'P999999999999W' is out of range: in "
            f"minutes, {RANGE}",
        ),
    ]
    (ten_seconds,) = result.records
    assert ten_seconds.fields["minutes"] == Decimal("0.166666")


def test_a_registration_number_beyond_the_range(tmp_path: Path) -> None:
    """A JSON registration of 1e999999999999999999 once became int() of a quintillion digits."""
    path = tmp_path / "uploads.json"
    path.write_text(
        '[{"id": "a", "credits": 1, "earned_on": "2025-01-01", "submitted_on": "2025-01-02", '
        '"registration": 1e999999999999999999}]\n',
        encoding="utf-8",
    )
    result = read("member_uploads", path=str(path), mapping={"registration": "registration"})
    assert result.records == []
    assert [p.message for p in result.problems][-1:] == [
        "record 'a': registration must be a whole number from 1 to 999999999999"
    ]


def test_a_registration_written_with_a_superscript_digit(tmp_path: Path) -> None:
    """'³' passes str.isdigit() but not int(); it is reported like any other bad number."""
    csv = write(
        tmp_path / "uploads.csv",
        """
        id,member_id,credits,earned_on,submitted_on,registration
        a,m-1,1,2025-01-01,2025-01-02,³
        b,m-1,2,2025-01-01,2025-01-02,3
        """,
    )
    result = read("member_uploads", path=str(csv), mapping={"registration": "registration"})
    assert [r.id for r in result.records] == ["b"]
    assert len(result.problems) == 1 and "registration" in result.problems[0].message
