"""The rows of a CSV export, told apart line by line so that no row is lost in a quote.

``csv.reader`` reads a quote that opens a cell and is never closed as one cell running
to the end of the file: the rows after it vanish, and a two-line file reads as "1 row
read, 1 rejected". So the rows are found here first: each physical line is scanned
with the rules ``csv`` (excel dialect, not strict) applies to quotes, and a row ends
at the first line end outside a quoted cell. ``csv`` then splits each row into cells.

- A quoted cell that spans lines and closes is one row (CSV allows line breaks in
  quoted cells).
- A quote still open at the end of the file is reported at the quote (line and
  column); each non-blank line from its row to the end of the file is counted as a
  row read and rejected, so the totals match the lines a person sees.
- A row over several lines with the wrong number of cells is most likely rows joined
  by a stray quote: each of its lines is counted, and the problem names the quote.

The file is read with :func:`policyengine.sources.base.read_input` (a regular file
within the data limit) and decoded as UTF-8 (a byte-order mark allowed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from policyengine.errors import Diagnostic, Location, did_you_mean
from policyengine.load.paths import excerpt
from policyengine.sources.base import SourceOptionError, SourceResult, read_input

__all__ = ["csv_rows"]

# The states of csv's parser that matter for where a row ends (Modules/_csv.c).
_START, _FIELD, _QUOTED, _QUOTE_IN_QUOTED = range(4)
_QUOTE_HINT = 'close the quote, or write a quote inside a quoted cell as two quotes ("")'


@dataclass
class _Row:
    """The physical lines of one row: the first line's number, the texts, and where the
    last quoted cell that ran past a line end was opened (line, column)."""

    line: int
    lines: list[str] = field(default_factory=list)
    quote: tuple[int, int] | None = None
    state: int = _START

    @property
    def last_line(self) -> int:
        return self.line + len(self.lines) - 1

    @property
    def closed(self) -> bool:
        return self.state != _QUOTED

    def non_blank(self) -> int:
        """How many of its lines are not blank (a blank line is no row)."""
        return sum(1 for text in self.lines if text.strip())


def _scan(text: str, state: int, line: int, row: _Row) -> int:
    """The parser's state after the characters of one line (its line end excluded)."""
    if state != _QUOTED and '"' not in text:
        return _FIELD if text else state
    opened = (line, 0)
    for col, ch in enumerate(text, start=1):
        if state == _START:
            if ch == '"':
                state = _QUOTED
                opened = (line, col)
            elif ch != ",":
                state = _FIELD
        elif state == _FIELD:
            if ch == ",":
                state = _START
        elif state == _QUOTED:
            if ch == '"':
                state = _QUOTE_IN_QUOTED
        else:  # a quote in a quoted cell: doubled, the cell's end, or text after it
            state = _QUOTED if ch == '"' else _START if ch == "," else _FIELD
    if state == _QUOTED and row.quote is None and opened[1]:
        row.quote = opened  # the first cell of the row to run past a line end
    return state


def _physical_rows(text: str) -> Iterator[_Row]:
    """Rows as lists of physical lines (line ends kept), numbered from 1."""
    row: _Row | None = None
    for number, raw in enumerate(io.StringIO(text, newline=""), start=1):
        if row is None:
            row = _Row(number)
        row.lines.append(raw)
        body = raw.rstrip("\r\n")
        row.state = _scan(body, row.state, number, row)
        if row.closed:
            yield row
            row = None
    if row is not None:
        yield row  # a quote still open at the end of the file


def _cells(row: _Row) -> list[str]:
    return next(csv.reader(row.lines), [])


def _span(row: _Row) -> str:
    n = row.non_blank()
    return f"lines {row.line}-{row.last_line} ({n} row{'s' if n != 1 else ''})"


def _read_text(path: Path) -> str:
    file = str(path)
    data = read_input(path)  # a regular file within the data limit
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise SourceOptionError(
            "path", f"{file}:{line}: not valid UTF-8 text", "save the export as UTF-8"
        ) from None


def _header(file: str, rows: Iterator[_Row]) -> list[str]:
    first = next(rows, None)
    if first is None:
        return []
    if not first.closed and first.quote is not None:
        line, col = first.quote
        raise SourceOptionError(
            "path",
            f"{file}:{line}:{col}: the header's quoted cell is never closed: "
            "the file cannot be read",
            _QUOTE_HINT,
        )
    try:
        return [h.strip() for h in _cells(first)]
    except csv.Error as err:
        raise SourceOptionError("path", f"{file}: not a readable CSV file: {err}") from None


def _reject_unclosed(file: str, row: _Row, result: SourceResult) -> None:
    line, col = row.quote or (row.line, 1)
    n = row.non_blank()
    lines = f"line {row.line} was" if row.last_line == row.line else f"{_span(row)} were"
    result.rows_read += n
    result.rows_rejected += n
    result.problems.append(
        Diagnostic(
            f"a quoted cell opened here is never closed: {lines} not read",
            Location(file, line, col),
            hint=_QUOTE_HINT,
            code="source.csv",
        )
    )


def _reject_cells(file: str, row: _Row, cells: int, header: int, result: SourceResult) -> None:
    """A row with the wrong number of cells; over several lines, each line is counted."""
    message = f"row has {cells} cells, the header has {header}"
    n = 1
    if row.last_line > row.line and row.quote is not None:
        n = row.non_blank()
        message += f"; the quoted cell opened at {row.quote[0]}:{row.quote[1]} runs over "
        message += _span(row)
    result.rows_read += n
    result.rows_rejected += n
    result.problems.append(
        Diagnostic(
            message,
            Location(file, row.line, 1),
            hint="check quoting and separators",
            code="source.csv",
        )
    )


def csv_rows(
    path: Path, wanted: Mapping[str, str], required: tuple[str, ...], result: SourceResult
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as ``(line, {field: text})`` for the fields in ``wanted``.

    ``wanted`` maps record fields to column names. A column of a ``required`` field
    missing from the header, or a quote in the header that never closes, makes the
    whole file unreadable (SourceOptionError); a row with too few or too many cells, or
    with a quote that never closes, is rejected at its line (see the module's
    docstring for how lines are counted). Blank lines are skipped. ``line`` is the line
    where the row starts.
    """
    file = str(path)
    rows = _physical_rows(_read_text(path))
    header = _header(file, rows)
    missing = [wanted[f] for f in required if wanted[f] not in header]
    if missing:
        # The header is the only part of an input a message quotes, and only its start.
        hints = [excerpt(h) for m in missing if (h := did_you_mean(m, header))]
        raise SourceOptionError(
            "mapping",
            f"{file}:1: missing column{'s' if len(missing) > 1 else ''} "
            + ", ".join(f"'{m}'" for m in missing),
            "; ".join(hints)
            or f"name the columns under options.mapping (the file has: "
            f"{excerpt(', '.join(header))})",
        )
    index = {f: header.index(col) for f, col in wanted.items() if col in header}
    for row in rows:
        if not row.closed:
            _reject_unclosed(file, row, result)
            return
        try:
            cells = _cells(row)
        except csv.Error as err:
            result.rows_read += 1
            result.reject(
                Diagnostic(
                    f"row cannot be read: {err}", Location(file, row.line, 1), code="source.csv"
                )
            )
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            _reject_cells(file, row, len(cells), len(header), result)
            continue
        result.rows_read += 1
        yield row.line, {f: cells[i].strip() for f, i in index.items()}
