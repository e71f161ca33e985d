"""The fast path for data documents: plain JSON parsing and a compiled schema check.

Holder documents arrive by the million in a batch (JSONL). Reading them with the
position-tracking loader and checking them with ``jsonschema`` costs ~12 ms each; here a
JSON document is parsed by the standard library (numbers with a fraction become exact
``Decimal``, a repeated key is refused) and checked by a validator that
``fastjsonschema`` compiles once from the same JSON Schema (~0.25 ms). Only a document
the fast path refuses is read again by the positional loader, whose diagnostics point
at ``file:line:col`` — so the fast path decides nothing the slow one would decide
otherwise, it only skips the positions of documents that have no problem.
``tests/load/test_fast.py`` checks, on mutated documents, that what the fast check
accepts the full one accepts too.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import fastjsonschema

from policyengine.load.schema import load_schema


class NotFast(ValueError):
    """The fast path cannot take this document (malformed, a repeated key, invalid)."""


class NotJson(NotFast):
    """The text is not JSON at all: ``message`` at ``line``/``col`` (1-based)."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(f"{message} (line {line}, column {col})")
        self.message, self.line, self.col = message, line, col


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) < len(pairs):  # a key came twice: which one, for the message
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise NotFast(f"repeated key {key!r}")
            seen.add(key)
    return out


def parse_json(text: str, repeats: bool = False) -> Any:
    """A JSON document as the positional loader would read it (integers as ``int``,
    other numbers as ``Decimal``); :class:`NotFast` when it is not plain, valid JSON
    (:class:`NotJson` when it is not JSON at all). ``repeats=True``: a key given twice
    in an object is not refused (the later value is kept) — for a caller that rules
    repeated keys out otherwise (:func:`one_colon_per_key`)."""
    try:
        if repeats:
            return json.loads(text, parse_float=Decimal, parse_constant=_refuse)
        return json.loads(
            text, parse_float=Decimal, parse_constant=_refuse, object_pairs_hook=_no_repeats
        )
    except json.JSONDecodeError as err:
        raise NotJson(err.msg, err.lineno, err.colno) from None
    # ArithmeticError: decimal.InvalidOperation for an exponent Decimal cannot hold; the
    # positional loader reports it at its line and column
    except (ValueError, ArithmeticError, RecursionError) as err:
        raise NotFast(str(err)) from None


def one_colon_per_key(text: str, keys: int) -> bool:
    """Whether the JSON ``text``, parsed into objects holding ``keys`` keys together,
    has exactly that many colons: then every colon separates a key from its value, none
    is inside a string, and no key was given twice (a repeated key parses into one
    key, so the objects would hold fewer keys than the text has separators)."""
    return text.count(":") == keys


def _refuse(name: str) -> Any:
    raise NotFast(f"{name} is not a number")


@functools.cache
def validator(schema_name: str) -> Callable[[Any], bool]:
    """Whether a document is valid against the named schema (compiled once per process)."""
    check = fastjsonschema.compile(load_schema(schema_name))

    def valid(data: Any) -> bool:
        try:
            check(data)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return valid
