"""A CSV export with an unclosed quote: no row is swallowed without a word.

A quote that opens a cell and is never closed makes the rest of the file one cell. It
used to read as "1 rows read, 1 rejected" for two data lines, the second record never
mentioned. Now the row where the quote opened is reported at the quote, and every
physical line the quote swallowed is counted as a row read and rejected. A quoted cell
that spans lines and closes is still one row (CSV allows line breaks in quoted cells);
when such a row has the wrong number of cells, each of its lines is counted and the
problem points at the quote.
"""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from policyengine import plugins_loader
from policyengine.sources import SourceOptionError
from tests.helpers import POLICIES

ENV = plugins_loader.load_environment()
UTC = ZoneInfo("UTC")
HEAD = "id,title,credits,earned_on\n"


def read(path: Path, source: str = "records_file", **options):
    return ENV.sources[source]().read({"path": str(path), **options}, tz=UTC)


def write(tmp_path: Path, text: str, name: str = "r.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def where(result) -> list[tuple[int, int, str]]:
    return [(d.location.line, d.location.col, d.message) for d in result.problems]


def test_an_unclosed_quote_reports_its_row_and_counts_every_line(tmp_path):
    path = write(tmp_path, HEAD + 'r-1,"Unclosed title,1,2024-03-12\nr-2,Fine,2,2024-04-01\n')
    result = read(path)
    assert result.records == []
    assert (result.rows_read, result.rows_rejected) == (2, 2)
    assert where(result) == [
        (2, 5, "a quoted cell opened here is never closed: lines 2-3 (2 rows) were not read")
    ]
    assert result.problems[0].hint == (
        'close the quote, or write a quote inside a quoted cell as two quotes ("")'
    )


def test_rows_before_the_quote_are_read(tmp_path):
    text = HEAD + 'r-0,ok,1,2024-03-12\n\nr-1,"Unclosed,1,2024-03-12\n\nr-2,x,2,2024-04-01\nr-3,y'
    result = read(write(tmp_path, text))
    assert [r.id for r in result.records] == ["r-0"]
    # blank lines are no rows, inside the quote or out of it
    assert (result.rows_read, result.rows_rejected) == (4, 3)
    assert where(result) == [
        (4, 5, "a quoted cell opened here is never closed: lines 4-7 (3 rows) were not read")
    ]


def test_an_unclosed_quote_on_the_last_line_is_one_row(tmp_path):
    result = read(write(tmp_path, HEAD + 'r-0,ok,1,2024-03-12\nr-1,ok,1,"2024-03-12\n'))
    assert [r.id for r in result.records] == ["r-0"]
    assert (result.rows_read, result.rows_rejected) == (2, 1)
    assert where(result) == [
        (3, 10, "a quoted cell opened here is never closed: line 3 was not read")
    ]


def test_a_quoted_cell_over_two_lines_that_closes_is_one_record(tmp_path):
    text = HEAD + 'r-1,"Two-line\ntitle, with a comma",1,2024-03-12\nr-2,ok,2,2024-04-01\n'
    result = read(write(tmp_path, text))
    assert [(r.id, r.fields["title"]) for r in result.records] == [
        ("r-1", "Two-line\ntitle, with a comma"),
        ("r-2", "ok"),
    ]
    assert (result.rows_read, result.rows_rejected, result.problems) == (2, 0, [])
    assert result.records[1].origin == f"{tmp_path / 'r.csv'}:4"


def test_a_quote_closed_lines_later_with_the_wrong_cells_counts_each_line(tmp_path):
    text = HEAD + 'r-1,"Unclosed,1,2024-03-12\nr-2,Fine,2,2024-04-01"\nr-3,ok,3,2024-05-01\n'
    result = read(write(tmp_path, text))
    assert [r.id for r in result.records] == ["r-3"]
    assert (result.rows_read, result.rows_rejected) == (3, 2)
    assert where(result) == [
        (
            2,
            1,
            "row has 2 cells, the header has 4; the quoted cell opened at 2:5 runs over "
            "lines 2-3 (2 rows)",
        )
    ]


def test_crlf_line_ends_and_a_doubled_quote(tmp_path):
    text = 'id,title,credits,earned_on\r\nr-1,"say ""hi""",1,2024-03-12\r\nr-2,"x,1,2024-03-12\r\nr-3,y,1,2024-03-12\r\n'
    result = read(write(tmp_path, text))
    assert [(r.id, r.fields["title"]) for r in result.records] == [("r-1", 'say "hi"')]
    assert where(result) == [
        (3, 5, "a quoted cell opened here is never closed: lines 3-4 (2 rows) were not read")
    ]
    assert (result.rows_read, result.rows_rejected) == (3, 2)


def test_an_unclosed_quote_in_the_header_makes_the_file_unreadable(tmp_path):
    path = write(tmp_path, 'id,"title,credits,earned_on\nr-1,x,1,2024-03-12\n')
    with pytest.raises(SourceOptionError) as caught:
        read(path)
    [d] = caught.value.diagnostics
    assert d.message == (
        f"{path}:1:4: the header's quoted cell is never closed: the file cannot be read"
    )


def test_a_source_with_its_own_columns_counts_the_swallowed_rows(tmp_path):
    text = (
        "id,member_id,credits,earned_on,submitted_on,status\n"
        'U1,M1,3,2024-02-01,2024-02-05,"approved\n'
        "U2,M1,1,2024-02-01,2024-02-05,approved\n"
        "U3,M1,1,2024-02-01,2024-02-05,approved\n"
    )
    result = read(write(tmp_path, text, "uploads.csv"), "member_uploads")
    assert (result.rows_read, result.rows_rejected, result.records) == (3, 3, [])
    assert where(result)[0][:2] == (2, 31)


def test_the_records_command_counts_the_swallowed_row(cli, tmp_path):
    write(tmp_path, HEAD + 'r-1,"Unclosed title,1,2024-03-12\nr-2,Fine,2,2024-04-01\n')
    sources = tmp_path / "s.sources.yaml"
    sources.write_text(
        "sources:\n  - {source: records_file, holder: {id: m-1}, options: {path: r.csv}}\n",
        encoding="utf-8",
    )
    code, out, _err = cli("records", sources, "--policy", POLICIES / "werc-crp.yaml")
    assert code == 1
    assert out.splitlines() == [
        f"{tmp_path / 'r.csv'}:2:5: a quoted cell opened here is never closed: lines 2-3 "
        "(2 rows) were not read",
        '  hint: close the quote, or write a quote inside a quoted cell as two quotes ("")',
        "2 rows read, 2 rejected",
    ]
    code, out, _err = cli("records", sources, "--policy", POLICIES / "werc-crp.yaml", "-o", "json")
    doc = json.loads(out)
    assert (doc["rows_read"], doc["rows_rejected"], len(doc["problems"])) == (2, 2, 1)
