"""Request bodies: read within a size limit, parsed as JSON with exact decimals, and
mapped back to ``line:col`` when they are wrong.

A body is parsed with :func:`json.loads` (fast; numbers with a fraction become
``Decimal``, never floats). When what the body holds turns out to be wrong (a
:class:`PolicyError` from the schema or the records), it is parsed once more with the
engine's own YAML loader, which keeps positions (JSON is YAML), and the same step is
run on that copy: its diagnostics then point at ``request:line:col`` in the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from starlette.requests import Request

from policyengine.errors import PolicyError
from policyengine.load.nodes import LocDict
from policyengine.load.yaml_loader import load_yaml_text
from policyengine.service.problems import Problem, bad_field

T = TypeVar("T")
BODY_LABEL = "request"  # the file name diagnostics give for the body
DEFAULT_MAX_BODY = 1_000_000  # bytes


async def read_body(request: Request, limit: int) -> bytes:
    """The body, or a 413 problem as soon as it is longer than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> Problem:
    return Problem(
        413,
        "body-too-large",
        "Request body too large",
        f"the request body is larger than {limit} bytes (serve --max-body)",
        field="body",
    )


def body_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise bad_field("body", f"the body is not UTF-8 (byte {err.start})") from None


def parse_json(text: str) -> Any:
    """The body as plain JSON data (decimals exact); 400 with ``line``/``col`` if not JSON."""
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as err:
        raise Problem(
            400,
            "malformed-json",
            "Malformed JSON",
            f"the body is not JSON: {err.msg}",
            field="body",
            line=err.lineno,
            col=err.colno,
        ) from None


def json_object(text: str) -> dict[str, Any]:
    data = parse_json(text)
    if not isinstance(data, dict):
        raise bad_field("", "the body must be a JSON object")
    return data


def located(text: str, step: Callable[[Any], T], plain: Any) -> T:
    """``step(plain)``; when it raises PolicyError, run it on a copy of the body that
    knows its positions and raise that error (diagnostics at ``request:line:col``)."""
    try:
        return step(plain)
    except PolicyError as first:
        try:
            positioned = load_yaml_text(text, BODY_LABEL)
        except PolicyError:
            raise first from None
        return step(positioned)  # raises again, with positions


def wrapped(doc: Any, name: str) -> Any:
    """``{name: doc[name]}``: a member of the body as the document it would be in a file
    (a cart's ``cart:`` mapping). From a positioned body the wrapper keeps the member's
    position and source, so diagnostics still point into the body."""
    if not isinstance(doc, LocDict):
        return {name: doc[name]}
    out = LocDict({name: doc[name]})
    out.loc = doc.loc
    if name in doc.value_locs:
        out.value_locs[name] = doc.value_locs[name]
    if name in doc.key_locs:
        out.key_locs[name] = doc.key_locs[name]
    out._src = doc._src
    return out


def member(data: Mapping[str, Any], name: str, kind: type, required: bool = True) -> Any:
    """``data[name]`` when it is a ``kind``; a 422 problem naming the field otherwise."""
    value = data.get(name)
    if value is None:
        if required:
            raise bad_field(f"/{name}", f"'{name}' is required")
        return None
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        raise bad_field(f"/{name}", f"'{name}' must be {_WORDS.get(kind, kind.__name__)}")
    return value


_WORDS = {str: "a string", dict: "an object", list: "an array", bool: "true or false"}
