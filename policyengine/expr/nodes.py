"""The expression AST: frozen dataclass nodes and how to walk them.

Every node carries ``start``/``end``: 0-based character offsets into the expression
text.  Nodes hash by identity (the checker keys its tables on them).  ``children``
gives a node's direct sub-expressions in text order; ``walk`` lists a whole tree,
parents first, without recursion.  The parser (``parser.py``) builds these.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .types import Type

# Every node class is a @dataclass(frozen=True, eq=False): eq=False keeps identity hashing,
# since nodes key the checker's tables.


@dataclass(frozen=True, eq=False)
class Node:
    start: int
    end: int

    @property
    def id(self) -> int:
        """A stable id for coverage/tracing: the node's start offset."""
        return self.start


@dataclass(frozen=True, eq=False)
class Literal(Node):
    value: object
    type: Type


@dataclass(frozen=True, eq=False)
class ListExpr(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Name(Node):
    name: str


@dataclass(frozen=True, eq=False)
class Field(Node):
    obj: Node
    name: str
    name_start: int


@dataclass(frozen=True, eq=False)
class Unary(Node):
    op: str  # "-" or "not"
    operand: Node


@dataclass(frozen=True, eq=False)
class Binary(Node):
    op: str  # + - * / %
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class Compare(Node):
    op: str  # == != < <= > >= in "not in"
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class BoolOp(Node):
    op: str  # "and" / "or"
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class If(Node):
    cond: Node
    then: Node
    else_: Node
    then_start: int  # offset of the `then` keyword: the stable id of this branch point


@dataclass(frozen=True, eq=False)
class Call(Node):
    name: str
    args: tuple[Node, ...]
    name_end: int


@dataclass(frozen=True, eq=False)
class Quantifier(Node):
    kind: str  # any / all / count
    var: str
    var_start: int
    source: Node
    cond: Node | None


@dataclass(frozen=True, eq=False)
class Aggregate(Node):
    kind: str  # sum / min / max
    args: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Comprehension(Node):
    kind: str  # list / sum / min / max
    body: Node
    var: str
    var_start: int
    source: Node
    cond: Node | None


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``, in text order."""
    out: list[Node] = []
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, Node):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(value)
    return tuple(out)


def walk(node: Node) -> list[Node]:
    """All nodes of the tree, parents before children (iterative)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(children(n)))
    return out
