"""Credit sources: the API a source plugin is written against.

A plugin subclasses :class:`CreditSource` (or :class:`CsvSource` for CSV exports) and
registers it through the ``register_sources`` hook. Everything a plugin needs is
re-exported here; ``base`` holds the contract, ``csv_source`` and ``csv_rows`` the CSV
helpers and ``sources_file`` the ``*.sources.yaml`` files that name a holder's sources.
"""

from policyengine.sources.base import (
    CreditSource,
    SourceOptionError,
    SourceResult,
    columns,
    conversion_rule,
    data_items,
    file_format,
    format_option,
    input_path,
    load_data_file,
    mapping_option,
    normalize,
    plain_value,
    record_as_dict,
    record_fields,
    source_options,
)
from policyengine.sources.csv_rows import csv_rows
from policyengine.sources.csv_source import CsvSource, RowContext, csv_records

__all__ = [
    "CreditSource",
    "CsvSource",
    "RowContext",
    "SourceOptionError",
    "SourceResult",
    "columns",
    "conversion_rule",
    "csv_records",
    "csv_rows",
    "data_items",
    "file_format",
    "format_option",
    "input_path",
    "load_data_file",
    "mapping_option",
    "normalize",
    "plain_value",
    "record_as_dict",
    "record_fields",
    "source_options",
]
