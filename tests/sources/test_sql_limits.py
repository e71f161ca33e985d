"""The ``sql`` source on untrusted input: bounded work, read-only, no way out.

A sources file's query and a SQL dump come from the policy repository, so from pull
requests. A query may run a recursive CTE that never ends, return endless rows or
build huge values; a dump may do the same while it is loaded. Each is stopped by a
budget (SQLite instructions, seconds, rows, bytes) with an error at the sources file's
``query`` (or the dump's line). The database is opened read-only, and an authorizer
refuses ``ATTACH``, ``load_extension`` and ``PRAGMA`` writes.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from policyengine.plugins import sql

from policyengine import plugins_loader
from policyengine.errors import PolicyError
from policyengine.sources import SourceOptionError
from policyengine.sources.sources_file import load_sources_file
from tests.helpers import POLICIES

UTC = ZoneInfo("UTC")
ENV = plugins_loader.load_environment()
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
COMMAND = (sys.executable, "-m", "policyengine")
DUMP = (
    "CREATE TABLE credits (rid TEXT, done TEXT);\nINSERT INTO credits VALUES('d1','2024-01-05');\n"
)


def _read(path: Path, query: str) -> object:
    return ENV.sources["sql"]().read({"path": str(path), "query": query}, tz=UTC)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "credits.db"
    db = sqlite3.connect(path)
    db.executescript(DUMP)
    db.commit()
    db.close()
    return path


def _sources(tmp_path: Path, query: str, path: str = "events.sql") -> Path:
    (tmp_path / "events.sql").write_text(DUMP, encoding="utf-8")
    sources = tmp_path / "s.sources.yaml"
    sources.write_text(
        textwrap.dedent(f"""\
        sources:
          - source: sql
            holder: {{id: m-1}}
            options:
              path: {path}
              query: {query}
        """),
        encoding="utf-8",
    )
    return sources


# ----------------------------------------------------------------------------- budgets


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (f"{ENDLESS} SELECT count(*) AS id, '2024-01-01' AS earned_on FROM c", "instructions"),
        (f"{ENDLESS} SELECT x AS id, '2024-01-01' AS earned_on FROM c", "rows"),
    ],
    ids=["endless-count", "endless-rows"],
)
def test_an_endless_query_stops_with_an_error_at_the_query(
    tmp_path: Path, query: str, words: str
) -> None:
    """The reproducer, in a real process that is killed after 60 s (it never ended)."""
    sources = _sources(tmp_path, query)
    done = subprocess.run(
        [*COMMAND, "records", str(sources), "--policy", str(POLICIES / "werc-crp.yaml")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=dict(os.environ),
    )
    assert done.returncode == 1
    assert f"{sources}:6:14: query stopped" in done.stderr and words in done.stderr
    assert "Traceback" not in done.stderr


def test_instruction_budget(tmp_path: Path, database: Path, monkeypatch) -> None:
    monkeypatch.setattr(sql, "MAX_SQL_INSTRUCTIONS", 1_000_000)
    with pytest.raises(SourceOptionError) as err:
        _read(database, f"{ENDLESS} SELECT count(*) FROM c")
    assert err.value.option == "query"
    assert "query stopped: more than 1,000,000 SQLite instructions" in str(err.value)
    assert "stop condition" in (err.value.diagnostics[0].hint or "")


def test_time_budget(tmp_path: Path, database: Path, monkeypatch) -> None:
    monkeypatch.setattr(sql, "MAX_SQL_SECONDS", 0.2)
    with pytest.raises(SourceOptionError, match=r"query stopped: more than 0\.2 seconds"):
        _read(database, f"{ENDLESS} SELECT count(*) FROM c")


def test_row_limit(tmp_path: Path, database: Path, monkeypatch) -> None:
    monkeypatch.setattr(sql, "MAX_SQL_ROWS", 5)
    query = f"{ENDLESS} SELECT x AS id, '2024-01-01' AS earned_on FROM c LIMIT "
    assert _read(database, query + "5").rows_read == 5  # type: ignore[attr-defined]
    with pytest.raises(SourceOptionError, match="query stopped: more than 5 rows"):
        _read(database, query + "6")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Connection.setlimit is new in 3.11")
def test_value_size_limit(tmp_path: Path, database: Path) -> None:
    with pytest.raises(SourceOptionError, match="string or blob too big"):
        _read(database, f"SELECT zeroblob({sql.MAX_SQL_VALUE_BYTES + 1}) AS x")


def test_loading_a_dump_has_the_same_budget(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sql, "MAX_SQL_INSTRUCTIONS", 1_000_000)
    dump = tmp_path / "endless.sql"
    dump.write_text(DUMP + f"INSERT INTO credits {ENDLESS} SELECT x, x FROM c;\n", "utf-8")
    with pytest.raises(SourceOptionError) as err:
        _read(dump, "SELECT * FROM credits")
    assert err.value.option == "path"
    assert f"{dump}:3: the dump stopped: more than 1,000,000 SQLite instructions" in str(err.value)


def test_a_dump_cannot_build_a_huge_database(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sql, "MAX_DUMP_DATABASE_BYTES", 1_000_000)
    dump = tmp_path / "big.sql"
    fill = "INSERT INTO credits SELECT zeroblob(100000), 'x';\n"
    dump.write_text(DUMP + fill * 20, "utf-8")
    with pytest.raises(SourceOptionError, match=r"big\.sql:\d+: the dump builds a database"):
        _read(dump, "SELECT * FROM credits")


def test_the_error_points_at_the_query_in_the_sources_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sql, "MAX_SQL_INSTRUCTIONS", 1_000_000)
    sources = _sources(tmp_path, f"{ENDLESS} SELECT count(*) FROM c")
    with pytest.raises(PolicyError) as err:
        load_sources_file(sources, tz=UTC, sources=ENV.sources)
    (d,) = err.value.diagnostics
    assert (d.location.file, d.location.line, d.location.col) == (str(sources), 6, 14)


# ----------------------------------------------------------------------------- no way out


def test_a_database_file_is_opened_read_only(tmp_path: Path, database: Path) -> None:
    db = sql._open(database, "sqlite")  # no authorizer yet: only mode=ro protects it
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            db.execute("INSERT INTO credits VALUES('x', 'y')")
    finally:
        db.close()
    missing = tmp_path / "missing.db"
    with pytest.raises(SourceOptionError, match="cannot open database"):
        sql._open(missing, "sqlite")
    assert not missing.exists()  # read-write mode would have created it


@pytest.mark.parametrize(
    "query",
    [
        "SELECT load_extension('libevil')",
        "ATTACH DATABASE ':memory:' AS other",
        "PRAGMA user_version = 7",
        "PRAGMA journal_mode = WAL",
        "PRAGMA query_only = 0",
    ],
)
def test_the_query_is_refused(tmp_path: Path, database: Path, query: str) -> None:
    before = database.read_bytes()
    with pytest.raises(SourceOptionError, match="query failed: not authorized"):
        _read(database, query)
    assert database.read_bytes() == before


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT load_extension('libevil');",
        "ATTACH DATABASE ':memory:' AS other;",
        "PRAGMA user_version = 7;",
        "PRAGMA max_page_count = 1000000000;",
    ],
)
def test_the_dump_statement_is_refused(tmp_path: Path, statement: str) -> None:
    dump = tmp_path / "evil.sql"
    dump.write_text(DUMP + statement + "\n", "utf-8")
    with pytest.raises(SourceOptionError, match=r"evil\.sql:3: not authorized"):
        _read(dump, "SELECT * FROM credits")


def test_the_authorizer_denies_load_extension_by_name() -> None:
    """Even on a build of SQLite whose extension loading is switched on."""
    for allowed in (sql._READ, sql._BUILD):
        check = sql._authorizer(allowed)
        assert check(sqlite3.SQLITE_FUNCTION, None, "load_extension", None, None) == (
            sqlite3.SQLITE_DENY
        )
        assert check(sqlite3.SQLITE_FUNCTION, None, "lower", None, None) == sqlite3.SQLITE_OK


def test_a_dump_error_quotes_at_most_80_characters(tmp_path: Path) -> None:
    """SQLite quotes the token it stumbled on; the message keeps only its start."""
    dump = tmp_path / "notes.sql"
    dump.write_text("secret_" + "x" * 300 + " is not SQL;\n", "utf-8")
    with pytest.raises(SourceOptionError) as err:
        _read(dump, "SELECT 1")
    message = err.value.diagnostics[0].message
    assert message.startswith(f"{dump}:1: near ") and message.endswith("...")
    assert len(message) - len(f"{dump}:1: ") <= 80


def test_a_query_error_and_the_column_list_are_cut_to_80_characters(
    tmp_path: Path, database: Path
) -> None:
    long = "c" * 200
    with pytest.raises(SourceOptionError) as err:
        _read(database, f"SELECT {long} FROM credits")
    assert len(err.value.diagnostics[0].message) <= len("query failed: ") + 80
    with pytest.raises(SourceOptionError) as err:
        ENV.sources["sql"]().read(
            {"path": str(database), "query": f"SELECT 1 AS {long}", "mapping": {"id": "x"}},
            tz=UTC,
        )
    hint = err.value.diagnostics[0].hint or ""
    assert hint.startswith("its columns: ccc") and len(hint) <= len("its columns: ") + 80


def test_a_dump_holding_a_nul_character_is_refused_at_its_place(tmp_path: Path) -> None:
    """sqlite3 cannot take a NUL in a statement; it once raised a bare ValueError."""
    dump = tmp_path / "nul.sql"
    dump.write_text(DUMP + "INSERT INTO credits VALUES('d2','\x00');\n", "utf-8")
    with pytest.raises(SourceOptionError) as err:
        _read(dump, "SELECT 1")
    (diag,) = err.value.diagnostics
    assert diag.message == f"{dump}:3:34: the SQL dump holds a NUL character"
    assert diag.hint is not None and ".dump" in diag.hint


def test_a_number_column_mapped_to_tags_is_reported(tmp_path: Path, database: Path) -> None:
    """Tags are a list (or one text split at ';'); a number is reported, not a TypeError."""
    result = ENV.sources["sql"]().read(
        {
            "path": str(database),
            "query": "SELECT rid AS id, done AS earned_on, 1 AS credits, 7 AS tags FROM credits",
        },
        tz=UTC,
    )
    assert result.records == []
    assert [p.message for p in result.problems] == [
        "query row 1: record 'd1': tags must be a list of strings, not int '7'"
    ]
