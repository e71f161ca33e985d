"""Safe YAML loading that remembers where every value came from.

Policy files are YAML written by administrators, so this module (1) never constructs
anything but plain data: mappings, lists, strings, ``int``, ``Decimal``, ``bool`` and
``None`` (any tag outside the YAML core set is refused, not constructed); (2) keeps
the ``file:line:col`` of every key, value and item so later layers can point at the
exact place of a problem (the value types and look-ups live in
:mod:`policyengine.yamlnodes` and are re-exported here); and (3) enforces limits on
file size, nesting depth and alias expansion ("billion laughs").

Scalar rules (deliberately stricter than PyYAML's YAML 1.1 defaults):

* only ``true``/``false`` (any case) are booleans.  ``yes``/``no``/``on``/``off`` stay
  strings: administrators write ``no`` as a word ("retake: no") or a country code,
  and YAML 1.1 silently turning it into ``False`` is a classic source of bugs;
* integers are ``0``, ``-12``, ``0x1f``, ``0o17``; numbers with leading zeros
  (``007``, a zip code) stay strings instead of silently losing the zeros;
* floats become ``decimal.Decimal`` built from the source text (``0.1`` is exactly
  ``Decimal("0.1")``); ``.inf``/``.nan`` are refused;
* dates and times are not converted (``2025-07-31`` stays a string);
* non-string keys other than integers (``true:``, ``1.5:``) become their source text;
* merge keys (``<<``) are refused: write keys out (anchors/aliases still work).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from decimal import Decimal
from typing import NoReturn, cast

import yaml
from yaml.composer import Composer
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from policyengine.decimals import NUMBER_RANGE, number_shown
from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.load.doc_cache import load_cached
from policyengine.load.nodes import (  # line_text ... to_plain are re-exported (see __all__)
    _BREAK,
    _WS,
    LocDict,
    LocList,
    LocStr,
    YamlData,
    YamlKey,
    _Source,
    line_text,
    locate,
    locate_key,
    to_plain,
)
from policyengine.load.paths import (
    REGULAR_HINT,
    STDIN,
    STDIN_NAME,
    FileTooLarge,
    NotRegularFile,
    read_regular,
)

__all__ = [
    "LocDict",
    "LocList",
    "LocStr",
    "line_text",
    "load_yaml_file",
    "load_yaml_text",
    "locate",
    "locate_key",
    "to_plain",
]

CORE = "tag:yaml.org,2002:"
_PLAIN = "tag:policyengine.plain"  # untagged plain scalar, resolved by _plain_value
_ALLOWED_TAGS = {CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_INT_ANY = re.compile(r"[-+]?[0-9]+")
_HEX, _OCT = re.compile(r"0x[0-9a-fA-F]+"), re.compile(r"0o[0-7]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF_NAN = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_NULLS = {"", "~", "null", "Null", "NULL"}
_FLATTEN = "flatten the structure; policy files never need this much nesting"


def _fail(
    src: _Source, index: int, message: str, hint: str | None, code: str, width: int = 1
) -> NoReturn:
    where = src.loc(index)
    raise PolicyError(
        Diagnostic(message, where, hint, code, source_line=src.line_text(where.line), width=width)
    )


# What the parser's next event is where a node starts.
_NodeEvent = AliasEvent | ScalarEvent | CollectionStartEvent


def _marks(event: Event) -> tuple[Mark, Mark]:
    """An event's start and end marks.

    The pure-Python parser that _Loader is built on always sets both, and always to a
    ``yaml.error.Mark`` (the stubs also allow None and the C extension's Mark).
    """
    return cast(Mark, event.start_mark), cast(Mark, event.end_mark)


def _skip_props(text: str, i: int, end: int) -> int:
    """From an anchor/tag, move to the first character of the value itself."""
    while i < end:
        ch = text[i]
        if ch in _WS:
            i += 1
        elif ch == "#":
            while i < end and text[i] not in "\r\n":
                i += 1
        elif ch in "&!":
            while i < end and text[i] not in _WS:
                i += 1
        else:
            break
    return min(i, end)


class _Loader(Reader, Scanner, Parser, Composer):
    """PyYAML's pure-Python scanner/parser/composer with our own checks; no constructor.

    Not libyaml's (``yaml.cyaml.CParser``), though it is ~5x faster: a differential fuzz
    of the two on mutated policy files found documents libyaml accepts and this scanner
    refuses (a tab inside a plain key, ``a\tb:``) and documents both accept but read
    differently (``{"name":#"x"}``), so results would depend on how PyYAML was built.
    Data files that need speed take the JSON fast path instead (``load/fast.py``)."""

    def __init__(self, src: _Source, max_depth: int) -> None:
        Reader.__init__(self, src.text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        self.src, self.max_depth, self.depth = src, max_depth, 0
        # (id(parent), position, is_key) -> index of the alias (*name) used there
        self.alias_at: dict[tuple[int, int, bool], int] = {}
        # id(node) -> index where the node's value starts (after any anchor and tag)
        self.starts: dict[int, int] = {}

    # types-PyYAML leaves Parser.peek_event() and get_event() unannotated (a stub gap);
    # these two wrappers are the only places that call them.
    def next_event(self) -> Event:
        event: Event = self.peek_event()  # type: ignore[no-untyped-call]  # stub gap, see above
        return event

    def skip_event(self) -> None:
        self.get_event()  # type: ignore[no-untyped-call]  # stub gap, see above

    def resolve(self, kind: type[Node], value: object, implicit: object) -> str:
        return CORE + ("seq" if kind is SequenceNode else "map")

    def compose_node(self, parent: Node | None, index: int | Node | None) -> Node:
        slot = (
            id(parent),
            len(parent.value) if parent is not None else 0,
            index is None and isinstance(parent, MappingNode),
        )
        event = cast(_NodeEvent, self.next_event())  # by the YAML grammar, see _NodeEvent
        src, (start_mark, end_mark) = self.src, _marks(event)
        start, end, anchor = start_mark.index, end_mark.index, event.anchor
        if isinstance(event, AliasEvent):
            self.skip_event()
            assert anchor is not None  # an alias always names its anchor
            if anchor not in self.anchors:
                _fail(
                    src,
                    start,
                    f"unknown alias '*{anchor}'",
                    f"define the anchor '&{anchor}' before using '*{anchor}'",
                    "yaml.alias",
                    len(anchor) + 1,
                )
            self.alias_at[slot] = start
            return self.anchors[anchor]
        if anchor is not None and anchor in self.anchors:
            first = src.loc(self.anchors[anchor].start_mark.index).line
            _fail(
                src,
                start,
                f"anchor '&{anchor}' is defined twice (first on line {first})",
                "give each anchor a different name",
                "yaml.anchor",
                len(anchor) + 1,
            )
        if event.tag is not None and event.tag not in _ALLOWED_TAGS and event.tag != "!":
            at = start
            if anchor is not None and src.text[start] == "&":  # the tag follows the anchor
                at = start + 1 + len(anchor)
                while src.text[at] in " \t\r\n":
                    at += 1
            shown = "!!" + event.tag[len(CORE) :] if event.tag.startswith(CORE) else event.tag
            _fail(
                src,
                at,
                f"unsupported tag '{shown}'; policy files may not contain tags",
                "remove the tag; write the value as plain YAML (quote it to force a string)",
                "yaml.tag",
                len(shown),
            )
        if anchor is not None or event.tag is not None:
            start = _skip_props(src.text, start, end)
        if isinstance(event, ScalarEvent):
            self.skip_event()
            tag = event.tag
            if tag is None or tag == "!":
                tag = _PLAIN if event.implicit[0] and event.tag is None else CORE + "str"
            node: Node = ScalarNode(tag, event.value, start_mark, end_mark, style=event.style)
            if anchor is not None:
                self.anchors[anchor] = node
            if event.style in ("'", '"'):
                start += 1
            elif event.style in ("|", ">"):  # the value starts on the line after the header
                found = _BREAK.search(src.text, start)
                start = found.end() if found else len(src.text)
        else:
            self.depth += 1
            if self.depth > self.max_depth:
                _fail(
                    src,
                    start,
                    f"nesting is too deep (more than {self.max_depth} levels)",
                    _FLATTEN,
                    "yaml.too-deep",
                )
            compose = (
                self.compose_mapping_node
                if isinstance(event, MappingStartEvent)
                else self.compose_sequence_node
            )
            # the stubs type compose_*_node's parameter as a dict; PyYAML passes the anchor name
            node = compose(anchor)  # type: ignore[arg-type]
            self.depth -= 1
        self.starts[id(node)] = start
        return node


_TOKEN_WORDS = {
    "<block end>": "the end of the block",
    "<block mapping start>": "a new mapping",
    "<block sequence start>": "a new list",
    "<scalar>": "a value",
    "'?'": "a new key",
    "<stream end>": "the end of the file",
    "<block sequence entry>": "a list item",
    "end of stream": "end of the file",
}
# (test(problem, context), hint): the first whose test passes gives the hint
_HINTS: list[tuple[Callable[[str, str], bool], str]] = [
    (lambda p, c: "'\\t'" in p, "indent with spaces, not tabs"),
    (
        lambda p, c: "mapping values are not allowed" in p,
        "quote a value that contains ': ', or fix the indentation of this line",
    ),
    (
        lambda p, c: "could not find expected ':'" in p,
        "a key must be followed by ':'; quote a value that spans several lines",
    ),
    (
        lambda p, c: "end of the file" in p and "quoted" in c,
        "a quoted value was opened but never closed; add the closing quote",
    ),
    (
        lambda p, c: "end of the file" in p and "flow" in c,
        "a bracket ('[' or '{') was opened but never closed",
    ),
    (
        lambda p, c: p.startswith("expected the end of the block") or "did not find expected" in p,
        "check the indentation: entries of one mapping or list start in the same column",
    ),
]


def _syntax_error(src: _Source, exc: yaml.MarkedYAMLError) -> NoReturn:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    for token, words in _TOKEN_WORDS.items():
        problem = problem.replace(f"'{token}'", words).replace(token, words)
    message = problem
    if exc.context and exc.problem and exc.context_mark is not None:
        message += f" ({exc.context} started on line {src.loc(exc.context_mark.index).line})"
    hint = next(
        (h for test, h in _HINTS if test(problem, exc.context or "")),
        "check the YAML syntax here: indentation, quotes, and ':' after keys",
    )
    if "'\\t'" in problem:
        message = "tab character here: YAML does not allow tabs for indentation"
    elif hint == _HINTS[-1][1]:
        message = "bad indentation: " + message
    _fail(src, mark.index if mark is not None else 0, message, hint, "yaml.syntax")


def _check_graph(root: Node, loader: _Loader, max_depth: int, max_alias_nodes: int) -> None:
    """Refuse alias cycles, and documents that alias-expand too far (deep or large)."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        kids: list[Node] = (
            []
            if isinstance(node, ScalarNode)
            else node.value
            if isinstance(node, SequenceNode)
            else [x for pair in node.value for x in pair]
        )
        if done:
            visiting.discard(id(node))
            size[id(node)] = 1 + sum(size[id(k)] for k in kids)
            height[id(node)] = (
                0
                if isinstance(node, ScalarNode)
                else 1 + max((height[id(k)] for k in kids), default=0)
            )
            continue
        if id(node) in size:
            continue
        if id(node) in visiting:
            name = next((a for a, n in loader.anchors.items() if n is node), "?")
            _fail(
                loader.src,
                node.start_mark.index,
                f"anchor '&{name}' contains an alias to itself",
                "a value cannot include itself; remove the recursive alias",
                "yaml.alias-cycle",
                len(name) + 1,
            )
        visiting.add(id(node))
        stack.append((node, True))
        stack.extend((k, False) for k in kids)
    first_alias = min(loader.alias_at.values(), default=root.start_mark.index)
    extra = size[id(root)] - len(size)
    if extra > max_alias_nodes:
        _fail(
            loader.src,
            first_alias,
            f"aliases expand this document by {extra} values (the limit is {max_alias_nodes})",
            "use fewer aliases (*name); repeated expansion "
            "of aliases is refused to protect against 'billion laughs' files",
            "yaml.alias-expansion",
        )
    if height[id(root)] > max_depth:
        _fail(
            loader.src,
            first_alias,
            f"aliases nest this document more than {max_depth} levels deep",
            "use fewer nested aliases",
            "yaml.too-deep",
        )


class _Builder:
    """Turns a checked node graph into Loc* containers and plain scalars."""

    def __init__(self, loader: _Loader) -> None:
        self.loader, self.src = loader, loader.src
        self.memo: dict[int, YamlData] = {}  # id(node) -> its value: aliases share one value

    def start(self, node: Node) -> int:
        return self.loader.starts[id(node)]

    def node_loc(self, node: Node) -> Location:
        return self.src.loc(self.start(node))

    def used_loc(self, parent: Node, pos: int, is_key: bool, node: Node, value: object) -> Location:
        alias = self.loader.alias_at.get((id(parent), pos, is_key))
        if alias is not None:
            return self.src.loc(alias)
        return value.loc if isinstance(value, LocStr) and value.loc else self.node_loc(node)

    def build(self, node: Node) -> YamlData:
        if id(node) in self.memo:
            return self.memo[id(node)]
        out: YamlData
        if isinstance(node, ScalarNode):
            out = self.scalar(node)
        elif isinstance(node, SequenceNode):
            seq = self.memo[id(node)] = LocList()
            seq.loc, seq._src = self.node_loc(node), self.src
            for i, child in enumerate(node.value):
                seq.append(self.build(child))
                seq.item_locs.append(self.used_loc(node, i, False, child, seq[-1]))
            out = seq
        else:
            mapping = self.memo[id(node)] = LocDict()
            mapping.loc, mapping._src = self.node_loc(node), self.src
            for i, (knode, vnode) in enumerate(node.value):
                key = self.key(knode)
                key_loc = self.used_loc(node, i, True, knode, key)
                if key in mapping:
                    _fail(
                        self.src,
                        self.start(knode),
                        f"duplicate key '{key}' (first defined on line "
                        f"{mapping.key_locs[key].line})",
                        "remove one of them or rename it",
                        "yaml.duplicate-key",
                        len(str(key)),
                    )
                mapping[key] = self.build(vnode)
                mapping.key_locs[key] = key_loc
                mapping.value_locs[key] = self.used_loc(node, i, False, vnode, mapping[key])
            out = mapping
        self.memo[id(node)] = out
        return out

    def key(self, node: Node) -> YamlKey:
        if not isinstance(node, ScalarNode):
            _fail(
                self.src,
                self.start(node),
                "a key must be a word or a number, not a mapping or list",
                "write a plain key followed by ':'",
                "yaml.key-type",
            )
        if node.tag == _PLAIN and node.value == "<<":
            _fail(
                self.src,
                self.start(node),
                "merge keys ('<<') are not supported",
                "write the keys out in full; an alias (*name) can still repeat a whole value",
                "yaml.merge-key",
                2,
            )
        key = self.build(node)
        if isinstance(key, (int, str)) and not isinstance(key, bool):
            return key
        return self.string(node, node.value)  # true, null, 1.5 as keys: their source text

    def string(self, node: ScalarNode, value: str) -> LocStr:
        out, start = LocStr(value), self.start(node)
        out._src, out._start, out._style = self.src, start, node.style
        out._end = max(node.end_mark.index, start)
        first = len(value) - len(value.lstrip())
        block = node.style in ("|", ">") and first < len(value)
        out.loc = out.location_at(first) if block else self.node_loc(node)
        return out

    def scalar(self, node: ScalarNode) -> LocStr | int | Decimal | bool | None:
        value: str = node.value  # a scalar's value is its text
        tag, plain = node.tag, node.tag == _PLAIN
        if tag == CORE + "str" or (plain and value == "<<"):
            return self.string(node, value)
        if tag in (_PLAIN, CORE + "null") and value in _NULLS:
            return None
        if tag in (_PLAIN, CORE + "bool") and value.lower() in ("true", "false"):
            return value.lower() == "true"
        number: int | Decimal | None = None
        if tag in (_PLAIN, CORE + "int", CORE + "float"):
            if _INF_NAN.fullmatch(value):
                _fail(
                    self.src,
                    self.start(node),
                    "infinite/NaN numbers are not allowed",
                    "write a finite number",
                    "yaml.number",
                    len(value),
                )
            try:
                if (_INT if plain else _INT_ANY).fullmatch(value):
                    number = int(value)
                elif _HEX.fullmatch(value) or _OCT.fullmatch(value):
                    number = int(value, 0)
                elif _FLOAT.fullmatch(value) and tag != CORE + "int":
                    number = Decimal(value)
            except ValueError:  # more than sys.get_int_max_str_digits() digits
                _fail(
                    self.src,
                    self.start(node),
                    "number has too many digits",
                    "write a shorter number",
                    "yaml.number",
                    len(value),
                )
            except ArithmeticError:  # decimal.InvalidOperation: an exponent past 10**18
                _fail(
                    self.src,
                    self.start(node),
                    f"number {number_shown(value)} is out of range: {NUMBER_RANGE}",
                    "write a shorter number",
                    "yaml.number",
                    len(value),
                )
        if plain and number is None:
            return self.string(node, value)
        if number is None:
            what = {CORE + "null": "null", CORE + "bool": "true or false"}.get(tag, "a number")
            _fail(
                self.src,
                self.start(node),
                f"'{value}' is not {what}",
                "remove the tag or fix the value",
                "yaml.tag",
                max(1, len(value)),
            )
        return Decimal(number) if tag == CORE + "float" else number


def _too_large(filename: str, size: int, limit: int) -> PolicyError:
    return PolicyError(
        Diagnostic(
            f"file is too large ({size} bytes; the limit is {limit})",
            Location(filename, 1, 1),
            "policy files are small; split the file or check that this is the right file",
            "yaml.too-large",
        )
    )


MAX_BYTES, MAX_DEPTH, MAX_ALIAS_NODES = 2_000_000, 64, 10_000


def load_yaml_text(
    text: str,
    filename: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    max_alias_nodes: int = MAX_ALIAS_NODES,
    first_line: int = 1,
) -> YamlData:
    """Parse one YAML document from ``text``; raise PolicyError on any problem.
    ``first_line``: the line of ``filename`` the text starts on (every location, and
    every line a message names, counts from there)."""
    text = _sized(text, filename, max_bytes)
    return _parse(text, filename, max_depth, max_alias_nodes, first_line)


def _sized(text: str, filename: str, max_bytes: int) -> str:
    """``text`` without a byte-order mark, once it is known not to be too large."""
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise _too_large(filename, len(text.encode("utf-8", "surrogatepass")), max_bytes)
    return text.removeprefix("\ufeff")


def _parse(
    text: str, filename: str, max_depth: int, max_alias_nodes: int, first_line: int = 1
) -> YamlData:
    src = _Source(text, filename, first_line)
    try:
        loader = _Loader(src, max_depth)
        loader.skip_event()  # StreamStart
        if loader.check_event(StreamEndEvent):
            return None
        loader.skip_event()  # DocumentStart
        root = loader.compose_node(None, None)
        loader.skip_event()  # DocumentEnd
        if not loader.check_event(StreamEndEvent):
            _fail(
                src,
                _marks(loader.next_event())[0].index,
                "a policy file must hold a single YAML document; a second one starts here",
                "remove the '---' line and what follows, or move it to its own file",
                "yaml.multiple-documents",
                3,
            )
        _check_graph(root, loader, max_depth, max_alias_nodes)
        return _Builder(loader).build(root)
    except yaml.reader.ReaderError as exc:
        ch = exc.character if isinstance(exc.character, int) else 0
        _fail(
            src,
            exc.position,
            f"character U+{ch:04X} is not allowed in a YAML file",
            "remove the control character (often pasted in from another program)",
            "yaml.syntax",
        )
    except yaml.MarkedYAMLError as exc:
        _syntax_error(src, exc)
    except RecursionError:  # only reachable with a very large max_depth
        raise PolicyError(
            Diagnostic("nesting is too deep", Location(filename, 1, 1), _FLATTEN, "yaml.too-deep")
        ) from None


def load_yaml_file(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    max_alias_nodes: int = MAX_ALIAS_NODES,
) -> YamlData:
    """Read ``path`` (a regular file, see ``load/paths.py``, or ``-``: standard input,
    named ``<stdin>`` in diagnostics; its size checked on the raw bytes first) and parse
    it as UTF-8 YAML. A document that loads is kept in the per-user cache
    (``load/doc_cache.py``), so the next process reads the same text without parsing."""
    filename = STDIN_NAME if os.fspath(path) == STDIN else os.fspath(path)
    try:
        data = read_regular(path, max_bytes)
    except FileTooLarge as exc:
        raise _too_large(filename, exc.size, max_bytes) from None
    except OSError as exc:
        raise PolicyError(
            Diagnostic(
                f"cannot read {filename}: {exc.strerror or exc}",
                None,
                REGULAR_HINT
                if isinstance(exc, NotRegularFile)
                else "check the path and permissions",
                "yaml.io",
                path=filename,
            )
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        col = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        where = Location(filename, data.count(b"\n", 0, exc.start) + 1, col)
        raise PolicyError(
            Diagnostic(
                f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                where,
                "save the file with UTF-8 encoding",
                "yaml.encoding",
            )
        ) from None
    return load_cached(
        _sized(text, filename, max_bytes),
        filename,
        (max_depth, max_alias_nodes),
        lambda text, name: _parse(text, name, max_depth, max_alias_nodes),
    )
