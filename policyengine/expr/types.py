"""Static types of the expression language.

Every expression has exactly one :class:`Type`, found by the checker before anything
runs.  The scalar types are singletons (``NUMBER``, ``STRING``, ``BOOL``, ``DATE``,
``DATETIME``, ``DURATION``); ``ListType(elem)`` is a homogeneous list and
``ObjectType(name, fields)`` a record-like mapping whose fields are known statically.
``NEVER`` is the element type of the empty list literal ``[]`` (it fits any list);
``ANY_LIST`` is only used in function signatures (``len``) and matches any list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


class Type:
    """Base class of all types; ``str(t)`` is how users see the type."""

    def describe(self) -> str:
        """The type with an article, for messages: 'a number', 'a list<date>'."""
        text = str(self)
        return f"an {text}" if text[:1] in "aeiou" else f"a {text}"


@dataclass(frozen=True)
class ScalarType(Type):
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ListType(Type):
    elem: Type

    def __str__(self) -> str:
        return f"list<{self.elem}>"


class ObjectType(Type):
    """A named mapping type; ``fields`` maps field names to types (may nest)."""

    __slots__ = ("fields", "name")

    def __init__(self, name: str, fields: Mapping[str, Type]):
        self.name = name
        self.fields: Mapping[str, Type] = MappingProxyType(dict(fields))

    def __str__(self) -> str:
        return self.name

    def describe(self) -> str:
        return f"a {self.name} object"

    def __repr__(self) -> str:
        return f"ObjectType({self.name!r}, {dict(self.fields)!r})"

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return (
            isinstance(other, ObjectType)
            and self.name == other.name
            and dict(self.fields) == dict(other.fields)
        )

    def __hash__(self) -> int:
        return hash(("object", self.name))


NUMBER = ScalarType("number")
STRING = ScalarType("string")
BOOL = ScalarType("bool")
DATE = ScalarType("date")
DATETIME = ScalarType("datetime")
DURATION = ScalarType("duration")
NEVER = ScalarType("nothing")  # element type of `[]`
ANY_LIST = ScalarType("list")  # signature-only: any list type

# Types whose values can be ordered with < <= > >= and used with min/max.
ORDERED: frozenset[Type] = frozenset({NUMBER, STRING, DATE, DATETIME})


def unify(a: Type, b: Type) -> Type | None:
    """The type both ``a`` and ``b`` fit (``[]`` fits any list), or None."""
    if a == b:
        return a
    if a is NEVER:
        return b
    if b is NEVER:
        return a
    if isinstance(a, ListType) and isinstance(b, ListType):
        elem = unify(a.elem, b.elem)
        return ListType(elem) if elem is not None else None
    return None


def accepts(param: Type, arg: Type) -> bool:
    """Whether an argument of type ``arg`` may be passed for parameter ``param``."""
    if param is ANY_LIST:
        return isinstance(arg, ListType)
    return unify(param, arg) == param
