"""The plain-holder shortcut builds what the full reader builds, and takes nothing the
schema or the full reader refuses."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from policyengine.errors import PolicyError
from policyengine.expr import types as T
from policyengine.load.fast import parse_json, validator
from policyengine.records.model import Record, holder_from_document
from policyengine.records.plain import plain_holder, plain_keys

UTC = dt.timezone.utc
BASE: dict[str, Any] = {
    "holder": {"id": "h1", "name": "Ann", "designated_on": "2020-01-27", "status": "active"},
    "records": [
        {"id": "r0", "credits": "4", "earned_on": "2025-02-19", "status": "approved"},
        {"id": "r1", "credits": "1.5", "earned_on": "2024-01-31", "kind": "webinar"},
        {"id": "r2", "earned_on": "2021-02-15", "tags": ["ethics", "live"], "course": "c"},
    ],
}
VALUES: list[Any] = [
    None,
    True,
    0,
    1,
    2,
    -1,
    10**13,
    "",
    "x",
    "3",
    "1.5",
    "-1",
    "1e3",
    " 2",
    "1.1234567",
    "1234567890123",
    "2025-01-01",
    "2025-02-30",
    "2025-1-1",
    "2025-01-01\n",
    Decimal("1.50"),
    Decimal("-2"),
    [],
    ["a"],
    [1],
    {},
]
KEYS = [
    "id",
    "credits",
    "minutes",
    "earned_on",
    "recorded_on",
    "status",
    "kind",
    "course",
    "provider",
    "tags",
    "registration",
    "member",
    "level",
    "unknown",
    "earned_at",
    "adjustments",
]


def full(data: Any, extra: dict[str, T.Type] | None) -> Any:
    if not validator("holder")(data):
        return "invalid"
    try:
        return holder_from_document(data, UTC, extra_fields=extra, origin="in:1")
    except PolicyError:
        return "bad"


def mutations() -> list[Any]:
    out: list[Any] = [BASE]
    for key in KEYS:
        for value in VALUES:
            doc = copy.deepcopy(BASE)
            if value is None:
                doc["records"][1].pop(key, None)
            else:
                doc["records"][1][key] = value
            out.append(doc)
    for key in ("id", "designated_on", "name", "other"):
        for value in ("", "2021-02-29", "2021-02-28", 3, None):
            doc = copy.deepcopy(BASE)
            doc["holder"][key] = value
            out.append(doc)
    for top in ({"records": None}, {"records": {}}, {"extra": 1}, {"holder": None}):
        doc = copy.deepcopy(BASE)
        doc.update(top)
        out.append(doc)
    doc = copy.deepcopy(BASE)
    doc["records"][2]["id"] = "r0"
    return [*out, doc, {"records": []}, []]


@pytest.mark.parametrize("extra", [None, {"level": T.NUMBER, "provider": T.NUMBER}])
def test_plain_agrees_with_the_full_reader(extra: dict[str, T.Type] | None) -> None:
    taken = 0
    for doc in mutations():
        data = parse_json(json.dumps(doc, default=str))
        plain = plain_holder(data, UTC, plain_keys(extra), "in:1")
        if plain is None:
            continue
        taken += 1
        assert plain == full(data, extra), doc
    assert taken > 50


def test_every_record_field_is_set() -> None:
    data = parse_json(json.dumps(BASE))
    plain = plain_holder(data, UTC, plain_keys(None), "in:1")
    assert plain is not None
    names = {f.name for f in dataclasses.fields(Record)}
    assert all(vars(r).keys() == names for r in plain[1])
