"""Every input a credit source reads is a regular file of at most MAX_DATA_BYTES.

CSV exports, SQL dumps and database files were read however large; a FIFO was
reported as "no such file". Each source now refuses both, with an error at the
sources file's ``path`` option that names the file; ``validate`` says the same.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from policyengine import plugins_loader
from policyengine.errors import PolicyError
from policyengine.load.yaml_loader import load_yaml_file
from policyengine.sources import base
from policyengine.sources.sources_file import check_sources_document, load_sources_file

UTC = ZoneInfo("UTC")
ENV = plugins_loader.load_environment()
LIMIT = 200
ROWS = "".join(f"r{i},C{i},2024-01-01,1\n" for i in range(20))

# name -> (source, file, its text or None for a database, extra options)
INPUTS: dict[str, tuple[str, str, str | None, str]] = {
    "lms_transcript CSV": (
        "lms_transcript",
        "t.csv",
        "id,course_id,completion_date,credits\n" + ROWS,
        "",
    ),
    "records_file CSV": ("records_file", "r.csv", "id,course,earned_on,credits\n" + ROWS, ""),
    "records_file YAML": ("records_file", "r.yaml", "- {id: a, earned_on: 2024-01-01}\n" * 10, ""),
    "sql dump": (
        "sql",
        "d.sql",
        "CREATE TABLE t (id TEXT);\n" + "INSERT INTO t VALUES('x');\n" * 20,
        ", query: SELECT * FROM t",
    ),
    "sql database": ("sql", "d.db", None, ", query: SELECT * FROM t"),
    "xapi JSON": ("xapi", "s.json", "[" + ", ".join(["{}"] * 100) + "]", ""),
}


def _write_input(tmp_path: Path, name: str) -> Path:
    _source, file, text, _extra = INPUTS[name]
    path = tmp_path / file
    if text is None:
        db = sqlite3.connect(path)
        db.executescript("CREATE TABLE t (id TEXT, earned_on TEXT);")
        db.close()
    else:
        path.write_text(text, "utf-8")
    return path


def _sources(tmp_path: Path, name: str) -> Path:
    source, file, _text, extra = INPUTS[name]
    path = tmp_path / "s.sources.yaml"
    path.write_text(
        f"sources:\n  - {{source: {source}, holder: {{id: m-1}}, "
        f"options: {{path: {file}{extra}}}}}\n",
        "utf-8",
    )
    return path


def _problem(sources: Path) -> str:
    with pytest.raises(PolicyError) as err:
        load_sources_file(sources, tz=UTC, sources=ENV.sources)
    (d,) = err.value.diagnostics
    assert d.location is not None and d.location.line == 2  # at the path option
    return d.message


@pytest.mark.parametrize("name", list(INPUTS))
def test_an_input_over_the_data_limit_is_refused(tmp_path: Path, monkeypatch, name: str) -> None:
    path = _write_input(tmp_path, name)
    assert path.stat().st_size > LIMIT
    monkeypatch.setattr(base, "MAX_DATA_BYTES", LIMIT)
    message = _problem(_sources(tmp_path, name))
    assert str(path) in message and "too large" in message and f"the limit is {LIMIT}" in message


@pytest.mark.parametrize("name", list(INPUTS))
def test_a_fifo_input_is_refused(tmp_path: Path, name: str, unblock) -> None:
    os.mkfifo(tmp_path / INPUTS[name][1])
    unblock(tmp_path / INPUTS[name][1])
    sources = _sources(tmp_path, name)
    message = _problem(sources)
    assert message == f"cannot read {tmp_path / INPUTS[name][1]}: not a regular file: " + (
        "a FIFO (named pipe)"
    )
    problems = check_sources_document(str(sources), load_yaml_file(sources), ENV.sources)
    assert [p.message for p in problems] == [message]


def test_validate_reports_an_input_over_the_limit(tmp_path: Path, monkeypatch) -> None:
    path = _write_input(tmp_path, "sql dump")
    sources = _sources(tmp_path, "sql dump")
    monkeypatch.setattr(base, "MAX_DATA_BYTES", LIMIT)
    (problem,) = check_sources_document(str(sources), load_yaml_file(sources), ENV.sources)
    assert problem.message.startswith(f"cannot read {path}: file is too large (")
