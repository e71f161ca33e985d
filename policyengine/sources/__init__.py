"""Credit sources: the API a source plugin is written against.

A plugin subclasses :class:`CreditSource` (or :class:`CsvSource` for CSV exports) and
registers it through the ``register_sources`` hook. Everything a plugin needs is
re-exported here; ``base`` holds the contract and the input helpers, ``options`` the
schema fragments of a source's options, ``csv_source`` and ``csv_rows`` the CSV
helpers and ``sources_file`` the ``*.sources.yaml`` files that name a holder's sources.
"""

from policyengine.sources.base import (
    CreditSource,
    SourceOptionError,
    SourceOptions,
    SourceResult,
    columns,
    data_items,
    input_path,
    load_data_file,
    normalize,
    plain_value,
    read_input,
    record_as_dict,
    record_fields,
)
from policyengine.sources.csv_rows import csv_rows
from policyengine.sources.csv_source import CsvSource, RowContext, csv_records
from policyengine.sources.options import (
    conversion_rule,
    file_format,
    format_option,
    mapping_option,
    policy_converts,
    source_options,
)

__all__ = [
    "CreditSource",
    "CsvSource",
    "RowContext",
    "SourceOptionError",
    "SourceOptions",
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
    "policy_converts",
    "read_input",
    "record_as_dict",
    "record_fields",
    "source_options",
]
