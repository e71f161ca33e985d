"""The order of a document's keys as its JSON Schema lists them, for ``policyengine fmt``.

A :class:`Shape` is what the schema says about one value of a document: the schema
objects that apply to it, with ``$ref`` (within a schema file or to another shipped
schema) and ``allOf``/``anyOf``/``oneOf``/``then``/``else`` followed. Its
:meth:`~Shape.order` is the keys ``properties`` lists, in schema order, branch after
branch; :meth:`~Shape.child` and :meth:`~Shape.item` descend into a key's value and a
list's items. A key the schema does not list keeps its place after the listed ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from policyengine.load.schema import load_schema

# A schema object, and the schema file (its name, as load_schema takes it) it is in.
Located = tuple[dict[str, Any], str]
# Keys whose subschemas apply to the same value as the schema holding them.
BRANCHES = ("allOf", "anyOf", "oneOf", "then", "else")
_SUFFIX = ".schema.json"


def _resolve(ref: str, base: str) -> Located | None:
    """The schema object ``ref`` points at from schema file ``base`` (None: not found)."""
    file, _, pointer = ref.partition("#")
    name = base
    if file:
        name = file.rsplit("/", 1)[-1].removesuffix(_SUFFIX)
    try:
        node: Any = load_schema(name)
    except ValueError:
        return None
    for part in (p for p in pointer.split("/") if p):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return (node, name) if isinstance(node, dict) else None


def _expand(located: Iterable[Located], seen: set[tuple[int, str]]) -> Iterator[Located]:
    """Each schema object and those it applies with it (``$ref``, branches), in order."""
    for node, base in located:
        if (id(node), base) in seen:
            continue
        seen.add((id(node), base))
        yield node, base
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = _resolve(ref, base)
            if target is not None:
                yield from _expand([target], seen)
        for key in BRANCHES:
            branch = node.get(key)
            parts = branch if isinstance(branch, list) else [branch]
            yield from _expand([(p, base) for p in parts if isinstance(p, dict)], seen)


@dataclass(frozen=True)
class Shape:
    """What the schema says about one value (no schema: any order goes)."""

    schemas: tuple[Located, ...] = ()

    @classmethod
    def of(cls, schema_name: str) -> Shape:
        """The shape of a whole document of the schema ``schema_name``."""
        return cls(((load_schema(schema_name), schema_name),)).expanded()

    def expanded(self) -> Shape:
        return Shape(tuple(_expand(self.schemas, set())))

    def order(self) -> list[str]:
        """The property names the schema lists, in its order."""
        out: dict[str, None] = {}
        for node, _ in self.schemas:
            props = node.get("properties")
            if isinstance(props, dict):
                out.update(dict.fromkeys(props))
        return list(out)

    def child(self, key: str) -> Shape:
        """The shape of the value of ``key``."""
        found: list[Located] = []
        for node, base in self.schemas:
            props = node.get("properties")
            if isinstance(props, dict) and isinstance(props.get(key), dict):
                found.append((props[key], base))
                continue
            patterns = node.get("patternProperties")
            if isinstance(patterns, dict):
                found.extend(
                    (sub, base)
                    for pattern, sub in patterns.items()
                    if isinstance(sub, dict) and re.search(pattern, key)
                )
            for extra in ("additionalProperties", "unevaluatedProperties"):
                if isinstance(node.get(extra), dict):
                    found.append((node[extra], base))
        return Shape(tuple(found)).expanded()

    def item(self, index: int) -> Shape:
        """The shape of a list's item at ``index``."""
        found: list[Located] = []
        for node, base in self.schemas:
            prefix = node.get("prefixItems")
            if isinstance(prefix, list) and index < len(prefix) and isinstance(prefix[index], dict):
                found.append((prefix[index], base))
            elif isinstance(node.get("items"), dict):
                found.append((node["items"], base))
        return Shape(tuple(found)).expanded()

    def sorted_keys(self, keys: Iterable[str]) -> list[str]:
        """``keys`` in schema order; those it does not list after, as they were."""
        keys = list(keys)
        rank = {k: i for i, k in enumerate(self.order())}
        listed = sorted((k for k in keys if k in rank), key=rank.__getitem__)
        return listed + [k for k in keys if k not in rank]
