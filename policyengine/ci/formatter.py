"""Formatting policyengine documents (``policyengine fmt``): one layout for every file.

What changes, and nothing else:

- **key order**: each mapping's keys in the order its JSON Schema lists them
  (``key_order.py``); keys the schema does not list follow, as they were. A block
  mapping is reordered as text, each key moving with the comment lines written just
  above it at its own indentation, so comments stay with what they describe. A
  document with aliases (``*name``) keeps its order: an alias must follow its anchor;
- **indentation**: two spaces a level, a list's dashes two spaces in from their key;
  full-line comments take the indentation of the line right below them;
- **quoting**: a string is written plain where that reads back as the same string,
  else in double quotes, or single quotes when it holds a ``"`` or ``\\`` (a string
  needing escapes keeps double quotes); ``null`` is written ``null``; a one-key
  mapping in a flow list keeps its braces.

Reading and writing go through ruamel.yaml's round-trip mode, which keeps comments and
flow and block styles; numbers, dates and timestamps keep the text they were written as
(``_AsWritten``), anchors and aliases stay. The result must mean exactly what the
input meant: both are read with the project's own loader and compared value by value
(with each value's type, and each number's text); a difference is reported and the file
left as it is, never written.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.compat import ordereddict
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import AliasEvent, ScalarEvent
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    ScalarString,
    SingleQuotedScalarString,
)

from policyengine.ci.key_order import Shape
from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.load.yaml_loader import load_yaml_text

WIDTH = 4096  # never fold a long line: line breaks are the author's
_STR = "tag:yaml.org,2002:str"
_PYYAML_RESOLVER = yaml.resolver.Resolver()


class _AsWritten(ScalarString):
    """A number, date or timestamp, kept as the text it was written as: ruamel.yaml
    would build a value and write it back its own way (``1.2e3``, an impossible date).
    Its anchor (``&name``) is kept too, so its aliases still name it."""

    __slots__ = ("tag",)
    tag: Any  # the node's tag (a ruamel.yaml Tag): it stays implicit, so it is written plain


def _as_written(_constructor: Any, node: Any) -> _AsWritten:
    value: _AsWritten = _AsWritten(node.value, anchor=node.anchor)
    value.tag = node.tag
    return value


def _represent_as_written(representer: Any, value: _AsWritten) -> Any:
    return representer.represent_scalar(value.tag, str(value), anchor=value.yaml_anchor(any=True))


def _yaml() -> YAML:
    y = YAML()  # round-trip: comments and styles survive
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = WIDTH
    y.preserve_quotes = True
    y.brace_single_entry_mapping_in_flow_sequence = True
    for kind in ("int", "float", "timestamp"):
        y.constructor.add_constructor(f"tag:yaml.org,2002:{kind}", _as_written)
    y.representer.add_representer(_AsWritten, _represent_as_written)
    y.representer.add_representer(
        type(None), lambda r, _d: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return y


# ----------------------------------------------------------------------------- key order


def _is_comment(lines: list[str], i: int, content: set[int]) -> bool:
    return i not in content and lines[i].lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _lead(lines: list[str], line: int, col: int, floor: int, content: set[int]) -> int:
    """The first of the comment lines right above ``line`` at column ``col`` (not
    above ``floor``): they describe what is on ``line`` and move with it."""
    j = line
    while j - 1 >= floor and _is_comment(lines, j - 1, content) and _indent(lines[j - 1]) == col:
        j -= 1
    return j


def _is_block(value: object) -> bool:
    return isinstance(value, (CommentedMap, CommentedSeq)) and not value.fa.flow_style()


def _reorder(
    value: Any, shape: Shape, start: int, end: int, lines: list[str], ctx: set[int]
) -> None:
    """Reorder the block mappings in ``value`` (written on ``lines[start:end]``) in place."""
    if isinstance(value, CommentedMap):
        _reorder_map(value, shape, start, end, lines, ctx, top=False)
    elif isinstance(value, CommentedSeq):
        for i, item in enumerate(value):
            if not isinstance(item, CommentedMap) or not _is_block(item):
                continue
            line, col = value.lc.item(i)
            nxt = end
            if i + 1 < len(value):
                n_line, n_col = value.lc.item(i + 1)
                nxt = _lead(lines, n_line, _dash_col(lines[n_line], n_col), line + 1, ctx)
            dash = _dash_col(lines[line], col)
            on_dash = (
                lines[line][dash : dash + 1] == "-" and item.lc.key(next(iter(item)))[0] == line
            )
            if on_dash:  # `- key: value`: the first key shares its line with the dash
                lines[line] = lines[line][:dash] + " " + lines[line][dash + 1 :]
            _reorder(item, shape.item(i), line, nxt, lines, ctx)
            if on_dash:
                first = next(
                    j
                    for j in range(line, nxt)
                    if lines[j].strip() and not _is_comment(lines, j, ctx)
                )
                lines[first] = lines[first][:dash] + "-" + lines[first][dash + 1 :]


def _dash_col(line: str, item_col: int) -> int:
    """The column of the dash of a block list item whose value starts at ``item_col``."""
    dash = line.rfind("-", 0, item_col + 1)
    return dash if dash >= 0 and not line[:dash].strip() else item_col


def _reorder_map(
    m: CommentedMap, shape: Shape, start: int, end: int, lines: list[str], ctx: set[int], top: bool
) -> None:
    keys = list(m)
    if not keys or not _is_block(m) or any(isinstance(k, (dict, list)) for k in keys):
        return  # empty, flow (see _normalize), or with a mapping or list as a key
    if len({str(k) for k in keys}) < len(keys):
        return  # keys alike as text (1 and "1"): the schema names neither
    where = [m.lc.key(k) for k in keys]
    leads = []
    for i, (line, col) in enumerate(where):
        floor = where[i - 1][0] + 1 if i else start
        lead = _lead(lines, line, col, floor, ctx)
        # the comments opening a file are its header: they stay on top
        leads.append(line if (top and i == 0 and lead == start) else lead)
    bounds = [*leads, end]
    for i, k in enumerate(keys):  # inner mappings first: they stay within their block
        if _is_block(m[k]):
            _reorder(m[k], shape.child(str(k)), where[i][0] + 1, bounds[i + 1], lines, ctx)
    order = shape.sorted_keys(str(k) for k in keys)
    index = {str(k): i for i, k in enumerate(keys)}
    if order == [str(k) for k in keys]:
        return
    bodies: list[list[str]] = []
    gaps: list[list[str]] = []
    for i in range(len(keys)):
        block = lines[bounds[i] : bounds[i + 1]]
        cut = len(block)
        while cut > 1 and not block[cut - 1].strip():
            cut -= 1
        bodies.append(block[:cut])
        gaps.append(block[cut:])
    out = lines[start : bounds[0]]
    for position, k in enumerate(order):
        out += bodies[index[k]] + gaps[position]
    lines[start:end] = out


# ----------------------------------------------------------------------------- quoting


def _plain_reads_back(text: str) -> bool:
    """Whether ``text`` written plain is read back as this string by PyYAML (YAML 1.1,
    the project's loader: ``yes`` and ``0755`` are not strings there)."""
    # types-PyYAML leaves Resolver.resolve unannotated; it returns the tag, a str
    tag: str = _PYYAML_RESOLVER.resolve(  # type: ignore[no-untyped-call]
        yaml.ScalarNode, text, (True, False)
    )
    return tag == _STR


def _plain_allowed(text: str) -> bool:
    """Whether YAML allows ``text`` plain, in a block and in a flow collection alike."""
    found = Emitter(io.StringIO(), allow_unicode=True).analyze_scalar(text)
    return bool(found.allow_block_plain and found.allow_flow_plain)


def _requoted(value: str) -> str:
    if value and _plain_allowed(value) and _plain_reads_back(value):
        return str(value)
    quoted: str  # ruamel.yaml's string types construct as Any
    if '"' in value or "\\" in value:
        quoted = SingleQuotedScalarString(value)  # ruamel uses double quotes if it must
    else:
        quoted = DoubleQuotedScalarString(value)
    return quoted


def _normalize(value: Any, shape: Shape) -> None:
    """Consistent quoting, and the schema's key order in flow mappings, in place."""
    if isinstance(value, CommentedMap):
        if value.fa.flow_style():
            for k in shape.sorted_keys(str(k) for k in value):
                value.move_to_end(k)
        for k in list(value):
            v = value[k]
            if isinstance(v, (DoubleQuotedScalarString, SingleQuotedScalarString)):
                # past CommentedMap.__setitem__, which keeps the old quotes on a new value
                ordereddict.__setitem__(value, k, _requoted(v))
            else:
                _normalize(v, shape.child(str(k)))
    elif isinstance(value, CommentedSeq):
        for i, v in enumerate(value):
            if isinstance(v, (DoubleQuotedScalarString, SingleQuotedScalarString)):
                list.__setitem__(value, i, _requoted(v))  # likewise
            else:
                _normalize(v, shape.item(i))


# ----------------------------------------------------------------------------- comments


def _scan(text: str) -> tuple[set[int], bool]:
    """The lines (0-based) that continue a multi-line scalar, where a ``#`` is text, and
    whether the document repeats a node by alias (``*name``): moving keys could put an
    alias before its anchor, so such a document keeps its key order."""
    lines: set[int] = set()
    aliases = False
    for event in YAML().parse(io.StringIO(text)):
        if isinstance(event, ScalarEvent):
            first, last = event.start_mark, event.end_mark
            lines.update(range(first.line + 1, last.line + (1 if last.column > 0 else 0)))
        aliases = aliases or isinstance(event, AliasEvent)
    return lines, aliases


def _content_lines(text: str) -> set[int]:
    """Lines (0-based) that continue a multi-line scalar: a ``#`` there is text."""
    return _scan(text)[0]


def _indent_comments(text: str) -> str:
    """Each run of full-line comments right above a line at that line's indentation. A
    run with a blank line after it keeps its own: it ends a section, and may belong to
    the deeper lines above it as much as to the line below."""
    lines = text.splitlines(keepends=True)
    content = _content_lines(text)
    following: str | None = None  # the line below the current run of comments
    for i in range(len(lines) - 1, -1, -1):
        if not lines[i].strip():
            following = None
        elif _is_comment(lines, i, content):
            if following is not None:
                lines[i] = " " * _indent(following) + lines[i].lstrip(" ")
        else:
            following = lines[i]
    return "".join(lines)


# ----------------------------------------------------------------------------- meaning


def _meaning(value: Any) -> Any:
    """What a loaded value means, ready to compare: types kept, numbers by their text,
    mappings without their order."""
    if isinstance(value, dict):
        return {_meaning(k): _meaning(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_meaning(v) for v in value]
    if isinstance(value, Decimal):
        return ("number", str(value))
    return (type(value).__name__, value)


def _differences(before: Any, after: Any, path: str = "") -> Iterator[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        for k in before.keys() | after.keys():
            yield from _differences(before.get(k), after.get(k), f"{path}.{k[1]}")
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            yield from _differences(b, a, f"{path}[{i}]")
    elif before != after:
        yield path.lstrip(".") or "(the document)"


# ----------------------------------------------------------------------------- the formatter


def _cannot(message: str, where: Location | None) -> PolicyError:
    return PolicyError(
        Diagnostic(
            f"cannot format this file: {message}",
            where,
            hint="the round-trip YAML reader and writer (ruamel.yaml) failed on it; "
            "the file is left as it is",
            code="fmt.yaml",
        )
    )


def format_text(text: str, schema: str | None, label: str) -> str:
    """``text`` formatted; ``schema``: the name of its kind's JSON Schema (None: keep the
    key order). Raises :class:`PolicyError` when ``text`` is not YAML the project reads,
    or when the result would not mean the same (the file is then left as it is)."""
    before = _meaning(load_yaml_text(text, label))  # the project's own errors first
    if not text.endswith("\n"):
        text += "\n"
    try:
        content, aliases = _scan(text)
        shape = Shape.of(schema) if schema is not None and not aliases else Shape()
        lines = text.splitlines(keepends=True)
        data = _yaml().load(text)
        if isinstance(data, CommentedMap):
            _reorder_map(data, shape, 0, len(lines), lines, content, top=True)
        if "".join(lines) != text:  # read again: positions and comments as now laid out
            data = _yaml().load("".join(lines))
        _normalize(data, shape)
        out = io.StringIO()
        _yaml().dump(data, out)
    except MarkedYAMLError as err:  # what the project reads but ruamel.yaml does not
        mark = err.problem_mark or err.context_mark
        where = Location(label, mark.line + 1, mark.column + 1) if mark is not None else None
        raise _cannot(f"{err.problem or err.context}", where) from None
    except Exception as err:  # noqa: BLE001 - ruamel.yaml's own failures on odd input
        raise _cannot(f"{label}: {type(err).__name__}: {err}", None) from None
    formatted = _indent_comments(out.getvalue())
    changed = sorted(set(_differences(before, _meaning(load_yaml_text(formatted, label)))))
    if changed:
        raise PolicyError(
            Diagnostic(
                f"{label}: formatting would change what it means at {', '.join(changed[:5])}",
                hint="this is a bug in 'policyengine fmt'; the file is left as it is",
                code="fmt.meaning",
            )
        )
    return formatted
