"""Source ``records_file``: records in the documented holder-record format.

Reads JSON or YAML (a holder file ``{holder: ..., records: [...]}``, a mapping with
``records:``, or a bare list of records) or CSV (one column per record field:
``id, title, kind, source, category, course, provider, registration, credits,
minutes, earned_on|earned_at, recorded_on|recorded_at, status, tags``; tags
separated by ``;``). Each record is checked against the holder schema's record
definition, so problems point at their ``line:col``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyengine import hookimpl
from policyengine.errors import PolicyError
from policyengine.expr.types import Type
from policyengine.load.schema import load_schema, validate_against
from policyengine.load.yaml_loader import to_plain
from policyengine.records.model import record_from_mapping
from policyengine.sources import (
    CreditSource,
    SourceOptionError,
    SourceResult,
    csv_records,
    data_items,
    file_format,
    format_option,
    input_path,
    load_data_file,
    mapping_option,
    normalize,
    record_fields,
    source_options,
)

if TYPE_CHECKING:
    from policyengine.policy.model import Policy

CSV_FIELDS = (
    "id",
    "title",
    "kind",
    "source",
    "category",
    "course",
    "provider",
    "registration",
    "credits",
    "minutes",
    "earned_on",
    "earned_at",
    "recorded_on",
    "recorded_at",
    "status",
    "tags",
    "member",
)


class RecordsFile(CreditSource):
    name = "records_file"
    description = "records in the holder-record format, from a JSON, YAML or CSV file"
    fields = {}
    options = source_options(
        "The records file.",
        format=format_option("json", "yaml", "csv"),
        mapping=mapping_option("CSV only: record field -> column name."),
    )

    def read(
        self, options: Mapping[str, Any], *, tz: dt.tzinfo, policy: Policy | None = None
    ) -> SourceResult:
        path = input_path(options)
        fmt = file_format(options, path)
        extra = record_fields(policy, self.fields)
        if fmt == "csv":
            return self._read_csv(path, options, tz, extra)
        if fmt not in ("json", "yaml"):
            raise SourceOptionError(
                "format",
                f"cannot tell the format of {path}",
                "set options.format to json, yaml or csv",
            )
        return self._read_document(path, tz, extra)

    def _read_csv(
        self, path: Path, options: Mapping[str, Any], tz: dt.tzinfo, extra: Mapping[str, Type]
    ) -> SourceResult:
        result = SourceResult()
        names = {f: f for f in (*CSV_FIELDS, *extra)}  # one column per record field
        for where, row in csv_records(path, options, names, ("id",), result):
            normalize(row, tz, result, where=where, extra_fields=extra)
        return result

    def _read_document(self, path: Path, tz: dt.tzinfo, extra: Mapping[str, Type]) -> SourceResult:
        result = SourceResult()
        data = load_data_file(path)
        if isinstance(data, Mapping) and "holder" in data:
            holder_schema = load_schema("holder")["properties"]["holder"]
            problems = validate_against(data["holder"], "holder", schema=holder_schema)
            if problems:
                raise PolicyError(problems)
            result.holder = to_plain(dict(data["holder"]))
        record_schema = load_schema("holder")["$defs"]["record"]
        for i, where, raw in data_items(path, ("records",), result, data):
            problems = validate_against(raw, "record", schema=record_schema)
            if not problems:
                record, problems = record_from_mapping(
                    raw,
                    tz,
                    index=i,
                    data=raw,
                    extra_fields=extra,
                    origin=f"{where.file}:{where.line}",
                )
                if record is not None:
                    result.records.append(record)
                    continue
            result.reject(*(p if p.location else replace(p, location=where) for p in problems))
        return result


@hookimpl
def register_sources(register: Callable[[type[CreditSource]], None]) -> None:
    register(RecordsFile)
