"""A base for credit sources that read a CSV export, one record per row.

Most exports are CSV files with a row per record: a portal's webinars, an LMS
transcript, member uploads. :class:`CsvSource` reads them the way every source must
(see ``sources.py``): it opens the file named by ``options.path``, renames columns by
``options.mapping``, rejects ragged rows, counts the rows read and rejected, and
places every problem at the file and line of its row (``csv_rows.py``: an unclosed
quote is reported where it opened, and the lines it swallowed are counted). A subclass
says which columns it reads and turns one row into a record's fields in
:meth:`CsvSource.record`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from policyengine.errors import Diagnostic, Location
from policyengine.sources.base import (
    CreditSource,
    SourceResult,
    columns,
    input_path,
    normalize,
    record_fields,
)
from policyengine.sources.csv_rows import csv_rows

if TYPE_CHECKING:
    from policyengine.policy.model import Policy

__all__ = ["CsvSource", "RowContext", "csv_records"]


def csv_records(
    path: Path,
    options: Mapping[str, Any],
    defaults: Mapping[str, str],
    required: tuple[str, ...],
    result: SourceResult,
) -> Iterator[tuple[Location, dict[str, str]]]:
    """The rows of the CSV file at ``path`` as ``(where, {field: text})``.

    ``defaults`` maps record fields to column names, which ``options['mapping']``
    overrides; ``where`` is the row's ``file:line``. See
    :func:`~policyengine.sources.csv_rows.csv_rows` for what is rejected and what makes the
    whole file unreadable.
    """
    for line, row in csv_rows(path, columns(options, defaults), required, result):
        yield Location(str(path), line, 1), row


@dataclass(frozen=True)
class RowContext:
    """What :meth:`CsvSource.record` may need besides the row itself."""

    path: Path  # the input file
    options: Mapping[str, Any]  # the sources-file entry's options
    tz: dt.tzinfo  # the policy's time zone
    policy: Policy | None  # the loaded policy, if any
    number: int  # 1 for the first row handed to record, 2 for the next, ...


class CsvSource(CreditSource):
    """Base class of sources that read one CSV file, one record per row.

    Set ``columns`` (record field -> the column's name in the export; each entry
    sources files can rename under ``options.mapping``) and ``required`` (the
    fields whose column the header must have; without one, the file cannot be
    read), and implement :meth:`record`. :meth:`check_options` and :meth:`rows` may
    be overridden too.
    """

    columns: ClassVar[Mapping[str, str]] = {}
    required: ClassVar[tuple[str, ...]] = ()

    def read(
        self, options: Mapping[str, Any], *, tz: dt.tzinfo, policy: Policy | None = None
    ) -> SourceResult:
        path = input_path(options)
        self.check_options(options, policy)
        extra = record_fields(policy, self.fields)
        result = SourceResult()
        for number, (where, row) in enumerate(self.rows(path, options, result), start=1):
            raw, problems = self.record(row, where, RowContext(path, options, tz, policy, number))
            if raw is None:
                result.reject(*problems)
            else:
                normalize(raw, tz, result, where=where, extra_fields=extra, problems=problems)
        return result

    def check_options(self, options: Mapping[str, Any], policy: Policy | None) -> None:
        """Raise :class:`~policyengine.sources.SourceOptionError` for options that
        cannot work, before any row is read. By default, nothing to check."""

    def rows(
        self, path: Path, options: Mapping[str, Any], result: SourceResult
    ) -> Iterator[tuple[Location, Mapping[str, Any]]]:
        """``(where, {field: value})`` for each row of the input (by default, CSV rows
        of ``columns`` as renamed by ``options.mapping``)."""
        return csv_records(path, options, self.columns, self.required, result)

    def record(
        self, row: Mapping[str, Any], where: Location, context: RowContext
    ) -> tuple[Mapping[str, Any] | None, Sequence[Diagnostic]]:
        """One row -> ``(fields, problems)``.

        ``fields`` uses record field names (see :func:`~policyengine.sources.normalize`)
        and becomes a record unless ``problems`` (found by this source's own checks,
        placed at ``where``) or normalizing finds any; then the row is rejected with
        all of them. Return ``(None, problems)`` to reject the row with ``problems``
        alone. By default, the row as it is.
        """
        return row, ()
