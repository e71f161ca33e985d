"""JSON Schema (draft 2020-12) validation that reports problems at file positions.

Schemas live in ``policyengine/schema/<name>.schema.json`` and are read with
``importlib.resources``; every ``*.schema.json`` there is registered under its ``$id``
so schemas can ``$ref`` one another.  :func:`validate_against` turns each jsonschema
error into a :class:`Diagnostic` in plain English at the ``line:col`` of the offending
value (or key), using the positions :mod:`policyengine.yamlload` recorded:
unknown keys get a did-you-mean at the key, missing keys point at the mapping,
``oneOf``/``anyOf`` report the best-matching alternative instead of all of them.

Numbers load as ``decimal.Decimal`` (never float): schema floats are read as
``Decimal`` too, so ``minimum: 0.1`` compares exactly, and an integral ``Decimal``
such as ``3.0`` counts as an ``integer``.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator, TypeChecker, validators
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012, SchemaRegistry

from policyengine.errors import Diagnostic, Location, did_you_mean
from policyengine.load.nodes import YamlData, YamlKey
from policyengine.load.verdicts import known_valid, remember_valid, verdict_key
from policyengine.load.yaml_loader import line_text, locate, locate_key

__all__ = ["check_options_schema", "check_schema", "load_schema", "validate_against"]

_SUFFIX = ".schema.json"

# A JSON Schema object as read from JSON: its values are JSON of any shape.
JsonSchema = dict[str, Any]


def _is_integer(checker: TypeChecker, instance: object) -> bool:
    if isinstance(instance, bool):
        return False
    return isinstance(instance, int) or (
        isinstance(instance, Decimal)
        and instance.is_finite()
        and instance == instance.to_integral_value()
    )


# types-jsonschema leaves validators.extend() unannotated (a stub gap); it returns a new
# validator class.
_Validator: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


_FORMATS = Draft202012Validator.FORMAT_CHECKER
# The name passes of the draft 2020-12 meta-schema are recorded under (no package
# schema file is named so).
_METASCHEMA = "$draft-2020-12-meta-schema"


@cache
def load_schema(name: str) -> JsonSchema:
    """The schema ``policyengine/schema/<name>.schema.json`` (cached; do not mutate)."""
    path = resources.files("policyengine.schema") / f"{name}{_SUFFIX}"
    if not path.is_file():
        raise ValueError(f"no schema named {name!r} in policyengine/schema")
    schema: JsonSchema = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    return schema


@cache
def _registry() -> SchemaRegistry:
    pairs = []
    for entry in resources.files("policyengine.schema").iterdir():
        if entry.name.endswith(_SUFFIX):
            schema = load_schema(entry.name[: -len(_SUFFIX)])
            if isinstance(schema, dict) and "$id" in schema:
                pairs.append((schema["$id"], Resource.from_contents(schema, DRAFT202012)))
    return Registry().with_resources(pairs)


class _Checker:
    """A validator plus a resolver for ``$ref`` look-ups while explaining errors."""

    def __init__(self, schema: JsonSchema, registry: SchemaRegistry, checked: bool = False) -> None:
        if not checked:  # the package's own schemas are checked by the test suite instead
            check_schema(schema)
        base = schema.get("$id", "") if isinstance(schema, dict) else ""
        self.validator = _Validator(schema, registry=registry, format_checker=_FORMATS)
        resource = Resource.from_contents(schema, DRAFT202012)
        self.resolver = registry.with_resource(base, resource).resolver(base_uri=base)

    def deref(self, schema: object) -> object:
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str):
            return schema
        try:
            return self.resolver.lookup(ref).contents
        except Exception:  # noqa: BLE001 - an unresolvable $ref just gives a poorer hint
            return schema

    def walk(self, schema: object) -> Iterator[JsonSchema]:
        """``schema`` and the subschemas whose properties also apply at its place."""
        stack: list[object] = [schema]
        seen: set[int] = set()
        while stack:
            current = self.deref(stack.pop())
            if not isinstance(current, dict) or id(current) in seen:
                continue
            seen.add(id(current))
            yield current
            for key in ("allOf", "anyOf", "oneOf"):
                stack.extend(current.get(key, []))
            stack.extend(current[k] for k in ("then", "else") if k in current)
            stack.extend(current.get("dependentSchemas", {}).values())
            if "$ref" in current:
                stack.append(self.deref(current))

    def known_keys(self, schema: object) -> set[str]:
        return {str(k) for s in self.walk(schema) for k in s.get("properties", {})}

    def description(self, schema: object, key: str) -> str | None:
        for s in self.walk(schema):
            prop = self.deref(s.get("properties", {}).get(key))
            text = prop.get("description") if isinstance(prop, dict) else None
            if isinstance(text, str):
                return text
        return None


def check_schema(schema: JsonSchema) -> None:
    """Raise ``jsonschema.SchemaError`` unless ``schema`` is a valid draft 2020-12 JSON
    Schema (``Draft202012Validator.check_schema``). A schema that passed before, in any
    process, is not checked again (``load/verdicts.py``; the check is ~4 ms a schema)."""
    known = verdict_key(schema, _METASCHEMA, sorted(_FORMATS.checkers))
    if known is not None and known_valid(known):
        return
    Draft202012Validator.check_schema(schema)
    if known is not None:
        remember_valid(known)


def check_options_schema(schema: Mapping[str, object]) -> None:
    """``check_schema`` of a plugin's options schema as :func:`validate_against` uses it
    (floats as ``Decimal``): a schema registration accepts is one every later check
    accepts (``minLength: 1.0`` is refused here, not at each sources-file entry)."""
    check_schema(_decimalize_schema(schema))


@cache
def _checker(name: str) -> _Checker:
    return _Checker(load_schema(name), _registry(), checked=True)


def _decimalize_schema(schema: Mapping[str, object]) -> JsonSchema:
    return {k: _decimalize(v) for k, v in schema.items()}


def _decimalize(value: object) -> object:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _decimalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimalize(v) for v in value]
    return value


def validate_against(
    data: YamlData, schema_name: str, *, schema: JsonSchema | None = None
) -> list[Diagnostic]:
    """Validate loaded YAML ``data``; one Diagnostic per problem, sorted by position.

    A document that passed a package schema before, in any process, is not checked again
    (``load/verdicts.py``)."""
    known: Path | None = None
    if schema is None:
        known = verdict_key(data, schema_name, sorted(_FORMATS.checkers))
        if known is not None and known_valid(known):
            return []
        checker = _checker(schema_name)
    else:
        try:
            registry = _registry()
        except (OSError, ValueError):  # a broken package schema must not break explicit ones
            registry = Registry()
        checker = _Checker(_decimalize_schema(schema), registry)
    found: list[Diagnostic] = []
    for error in checker.validator.iter_errors(data):
        found.extend(_explain(error, data, checker))
    unique = list(dict.fromkeys(found))
    unique.sort(key=lambda d: (d.location is None, d.location or Location("", 0, 0), d.message))
    if not unique and known is not None:
        remember_valid(known)
    return unique


_TYPE_WORDS = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "a mapping of keys to values",
    "array": "a list",
    "null": "nothing (null)",
}
_BOUNDS = {
    "minimum": "at least {}",
    "maximum": "at most {}",
    "exclusiveMinimum": "more than {}",
    "exclusiveMaximum": "less than {}",
    "multipleOf": "a multiple of {}",
    "minLength": "at least {} character(s) long",
    "maxLength": "at most {} character(s) long",
    "minItems": "a list of at least {} item(s)",
    "maxItems": "a list of at most {} item(s)",
    "minProperties": "a mapping with at least {} key(s)",
    "maxProperties": "a mapping with at most {} key(s)",
}
# What a value that fails a schema ``pattern`` should have been, as a sentence: an
# administrator is never shown a regular expression.
_TIMESTAMP_WORDS = "an ISO 8601 timestamp (YYYY-MM-DDTHH:MM, seconds and a UTC offset optional)"
_NAME = "a name made of lower-case letters, digits{}, starting with a letter"
_PATTERN_WORDS = {
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a date written YYYY-MM-DD",
    r"^-?[0-9]+(\.[0-9]+)?$": "a decimal number (digits, an optional '-' and decimal part)",
    r"^\s*[0-9]+\s+(day|days|week|weeks|month|months|year|years)"
    r"(\s+[0-9]+\s+(day|days|week|weeks|month|months|year|years))*\s*$": (
        "a duration: whole numbers, each with a unit (days, weeks, months or years), "
        "e.g. '3 years' or '1 year 30 days'"
    ),
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?$": _TIMESTAMP_WORDS,
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|z|[+-][0-9]{2}:[0-9]{2})?)?$": "a date (YYYY-MM-DD) or " + _TIMESTAMP_WORDS,
    r"^[a-z][a-z0-9-]*$": _NAME.format(" or '-'"),
    r"^[a-z][a-z0-9_-]*$": _NAME.format(", '-' or '_'"),
    r"^[a-z][a-z0-9_]*$": _NAME.format(" or '_'"),
}

_FORMAT_HINTS = {
    "date": "write dates as YYYY-MM-DD, e.g. 2025-07-31",
    "date-time": "write date-times as YYYY-MM-DDTHH:MM:SS with a UTC offset",
}


def _bare(value: object) -> str:
    """A scalar as an administrator would write it in YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _show(value: object) -> str:
    """A value quoted for a message: strings in quotes, containers by kind."""
    if isinstance(value, str):
        text = str(value) if len(value) <= 40 else str(value)[:37] + "..."
        return "'" + text.replace("\n", "\\n") + "'"
    if isinstance(value, dict):
        return "this mapping"
    if isinstance(value, list):
        return f"this list ({len(value)} item{'s' if len(value) != 1 else ''})"
    return _bare(value)


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"a boolean ({_bare(value)})"
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, str):
        return f"a string ({_show(value)})"
    if isinstance(value, (int, Decimal, float)):
        return f"a number ({value})"
    return "a mapping" if isinstance(value, dict) else "a list"


def _diag(
    root: object, message: str, where: Location | None, hint: str | None, code: str, width: int = 1
) -> Diagnostic:
    source = line_text(root, where.line) if where is not None else None
    return Diagnostic(message, where, hint or None, code, source_line=source, width=max(1, width))


def _width(value: object) -> int:
    text = _bare(value) if not isinstance(value, str) else str(value)
    return len(text) if "\n" not in text and not isinstance(value, (dict, list)) else 1


def _container(root: YamlData, path: Sequence[YamlKey]) -> YamlData:
    cur = root
    for step in path:
        try:
            cur = cur[step]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


def _pick(error: ValidationError) -> ValidationError | None:
    """The most useful error among a oneOf/anyOf's alternatives."""
    branches: dict[str | int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def ruled_out(errors: list[ValidationError]) -> bool:  # wrong kind of thing altogether
        return any(
            (e.validator == "type" and not e.relative_path)
            or (e.validator in ("const", "enum") and len(e.relative_path) == 1)
            for e in errors
        )

    relevant = [e for errs in branches.values() if not ruled_out(errs) for e in errs]
    best: ValidationError | None = best_match(relevant or list(error.context or ()))
    return best


def _explain(error: ValidationError, root: YamlData, checker: _Checker) -> list[Diagnostic]:
    # The keyword that failed; None for a `false` subschema (the stubs do not allow for it).
    kw = error.validator if isinstance(error.validator, str) else None
    inst, path = error.instance, list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    where, code = locate(root, path), f"schema.{kw}"
    raw_description = schema.get("description")
    description = raw_description if isinstance(raw_description, str) else None
    # The casts of error.validator_value below rely on check_schema() (in _Checker): the
    # schema was validated against the metaschema, which fixes each keyword's value type.

    if kw in ("oneOf", "anyOf"):
        wanted = [
            _TYPE_WORDS.get(e.validator_value, str(e.validator_value))
            for e in error.context or ()
            if e.validator == "type" and not e.relative_path and isinstance(e.validator_value, str)
        ]
        if wanted and len(wanted) == len({e.relative_schema_path[0] for e in error.context}):
            return [
                _diag(
                    root,
                    f"expected {' or '.join(dict.fromkeys(wanted))}, got {_describe(inst)}",
                    where,
                    description,
                    "schema.type",
                    _width(inst),
                )
            ]
        best = _pick(error)
        if best is not None:
            return _explain(best, root, checker)
        return [
            _diag(
                root,
                f"{_show(inst)} matches more than one of the allowed forms",
                where,
                description,
                "schema.one-of",
                _width(inst),
            )
        ]
    if kw in ("additionalProperties", "unevaluatedProperties") and isinstance(inst, dict):
        if kw == "additionalProperties":
            allowed = {str(k) for k in schema.get("properties", {})}
            patterns = list(schema.get("patternProperties", {}))
            extras = [
                k
                for k in inst
                if str(k) not in allowed and not any(re.search(p, str(k)) for p in patterns)
            ]
        else:
            allowed = checker.known_keys(schema)
            found = re.search(r"\((.*) (?:was|were) unexpected\)$", error.message)
            try:
                extras = list(ast.literal_eval(f"[{found.group(1)}]")) if found else []
            except (ValueError, SyntaxError):
                extras = []
            # a known key is "unevaluated" when its own value is invalid: that error says why
            extras = [k for k in extras or inst if str(k) not in allowed]
        out = []
        for key in extras:
            hint = did_you_mean(str(key), allowed) or (
                f"allowed keys here: {', '.join(sorted(allowed))}"
                if allowed
                else "this mapping takes no keys of its own"
            )
            out.append(
                _diag(
                    root,
                    f"unknown key '{key}'",
                    locate_key(root, [*path, key]),
                    hint,
                    "schema.unknown-key",
                    len(str(key)),
                )
            )
        return out
    if kw == "required" and isinstance(inst, dict):
        return [
            _diag(
                root,
                f"missing required key '{name}'",
                where,
                checker.description(schema, name),
                "schema.required",
            )
            for name in cast(list[str], error.validator_value)
            if name not in inst
        ]
    if kw == "dependentRequired" and isinstance(inst, dict):
        return [
            _diag(
                root,
                f"key '{need}' is required when '{key}' is given",
                where,
                checker.description(schema, need),
                "schema.required",
            )
            for key, needs in cast(dict[str, list[str]], error.validator_value).items()
            if key in inst
            for need in needs
            if need not in inst
        ]
    if kw in ("enum", "const"):
        options = (
            cast(list[object], error.validator_value) if kw == "enum" else [error.validator_value]
        )
        close = (
            did_you_mean(str(inst), [str(o) for o in options]) if isinstance(inst, str) else None
        )
        message = f"{_show(inst)} is not one of: {', '.join(_bare(o) for o in options)}"
        return [_diag(root, message, where, close or description, code, _width(inst))]
    if kw == "type":
        named = cast(str | list[str], error.validator_value)
        words = " or ".join(
            _TYPE_WORDS.get(t, t) for t in (named if isinstance(named, list) else [named])
        )
        return [
            _diag(
                root,
                f"expected {words}, got {_describe(inst)}",
                where,
                description,
                code,
                _width(inst),
            )
        ]
    if kw == "pattern":
        sentence = _PATTERN_WORDS.get(cast(str, error.validator_value))
        message = (
            f"{_show(inst)} is not {sentence}"
            if sentence
            else f"{_show(inst)} is not written the way this key needs (see the hint)"
        )
    elif kw == "format":
        message = f"{_show(inst)} is not a valid {error.validator_value}"
        description = description or _FORMAT_HINTS.get(cast(str, error.validator_value))
    elif kw in _BOUNDS:
        message = f"{_show(inst)} must be {_BOUNDS[kw].format(_bare(error.validator_value))}"
    elif kw == "uniqueItems":
        message = "list items must be unique"
        description = description or "remove the repeated item"
    elif kw is None or kw == "not":  # a `false` subschema, or `not`
        parent = _container(root, path)
        keys = [k for k, v in parent.items() if v is inst] if isinstance(parent, dict) else []
        if kw is None and keys:  # jsonschema drops the path of a `false` property schema
            return [
                _diag(
                    root,
                    f"key '{keys[0]}' is not allowed here",
                    locate_key(root, path + keys[:1]),
                    None,
                    "schema.not-allowed",
                    len(str(keys[0])),
                )
            ]
        message, code = f"{_show(inst)} is not allowed here", "schema.not-allowed"
    else:
        message = error.message
        if message.startswith(repr(inst)):
            message = _show(inst) + message[len(repr(inst)) :]
        if "{" in message or len(message) > 200:
            message = f"{_show(inst)} is not valid here (failed '{kw}')"
    if "propertyNames" in error.absolute_schema_path and isinstance(inst, (str, int)):
        where = locate_key(root, [*path, inst])
    return [_diag(root, message, where, description, code, _width(inst))]
