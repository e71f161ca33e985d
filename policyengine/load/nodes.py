"""YAML values that carry their source positions, and look-ups by path.

:mod:`policyengine.yamlload` builds these: ``LocDict``/``LocList``/``LocStr`` remember
the ``file:line:col`` of every key, value and item (and, for strings, of every
character, via :meth:`LocStr.location_at`).  This module also finds the location of
a value or key by its path (``locate``/``locate_key``), turns the values back into
plain data (``to_plain``) and returns a source line (``line_text``) for caret display.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from typing import Any

from policyengine.errors import Location

__all__ = [
    "LocDict",
    "LocList",
    "LocStr",
    "line_text",
    "locate",
    "locate_key",
    "source_text",
    "to_plain",
]

# A loaded YAML document, or a part of one: LocDict, LocList, LocStr, int, Decimal, bool or
# None.  Its shape is only known once a schema has checked it, so it is typed like the result
# of json.loads (Any) wherever a whole document goes in or out.
YamlData = Any
# A mapping key in a loaded document (the loader turns other keys into their source text);
# a step of a path is a key or a list index.
YamlKey = str | int

_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_WS = " \t\r\n\x85\u2028\u2029"


class _Source:
    """The text of one file, with a line table for index -> Location; ``first_line``:
    the file's line the text starts on (one line of a JSONL file)."""

    def __init__(self, text: str, filename: str, first_line: int = 1) -> None:
        self.text, self.filename = text, filename
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]
        self.before = first_line - 1  # the file's lines before the text

    def loc(self, index: int) -> Location:
        line = bisect.bisect_right(self.starts, index) - 1
        return Location(self.filename, self.before + line + 1, index - self.starts[line] + 1)

    def line_text(self, line: int) -> str | None:
        line -= self.before
        if not 0 < line <= len(self.starts):
            return None
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[self.starts[line - 1] : end].rstrip("\r\n\x85\u2028\u2029")


class LocDict(dict[YamlKey, YamlData]):
    """A mapping from a YAML file: ``.loc``, ``.key_locs[key]``, ``.value_locs[key]``."""

    def __init__(self, *args: Any, **kwargs: YamlData) -> None:
        super().__init__(*args, **kwargs)
        self.loc: Location | None = None
        self.key_locs: dict[YamlKey, Location] = {}
        self.value_locs: dict[YamlKey, Location] = {}
        self._src: _Source | None = None


class LocList(list[YamlData]):
    """A sequence from a YAML file: ``.loc`` and ``.item_locs[i]``."""

    def __init__(self, *args: Iterable[YamlData]) -> None:
        super().__init__(*args)
        self.loc: Location | None = None
        self.item_locs: list[Location] = []
        self._src: _Source | None = None


class LocStr(str):
    """A string from a YAML file; ``.loc`` is where its first character is."""

    loc: Location | None = None
    _src: _Source | None = None
    _offsets: list[int] | None = None
    # set by the loader together with _src: where the scalar's source text starts and ends,
    # and its YAML style (None for plain, ' " | >)
    _start: int
    _end: int
    _style: str | None

    def __deepcopy__(self, memo: dict[int, object]) -> LocStr:  # immutable; share the source
        return self

    def _index_map(self, src: _Source) -> list[int]:
        if self._offsets is None:
            self._offsets = _align(src.text, self._start, self._end, str(self), self._style)
        return self._offsets

    def location_at(self, offset: int) -> Location | None:
        """The file position of character ``offset`` of this string's value."""
        if self._src is None or not self:
            return self.loc
        index_map = self._index_map(self._src)
        if offset >= len(index_map):
            last = self._src.loc(index_map[-1])
            return last if self.endswith("\n") else last.shifted(col=1)
        return self._src.loc(index_map[max(offset, 0)])

    def line_text_at(self, offset: int) -> str | None:
        """The full source line holding character ``offset`` (for caret display)."""
        where = self.location_at(offset)
        if where is None or self._src is None:
            return None
        return self._src.line_text(where.line)


def _is_break(text: str, k: int) -> bool:
    ch = text[k]
    return ch in "\n\x85\u2028\u2029" or (ch == "\r" and text[k + 1 : k + 2] != "\n")


def _align(text: str, start: int, end: int, value: str, style: str | None) -> list[int]:
    """Map each character of a scalar's value to an index into the source text.

    Walks source and value together: equal characters map one to one, escapes map to
    their backslash, and a run of source whitespace (line breaks, indentation) is
    matched with the value's whitespace run: value line breaks go to source line
    breaks in order, spaces before the first break are left-aligned (a folded space
    lands at the end of the previous line), spaces after a break are right-aligned
    (the kept indentation of a more-indented literal line).
    """
    out: list[int] = []
    i, j, n = start, 0, len(value)
    while j < n:
        if i >= end:
            out.extend([max(start, end - 1)] * (n - j))
            break
        s, c = text[i], value[j]
        if style == '"' and s == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt and nxt in "\r\n\x85\u2028\u2029":  # escaped line break: no character
                i += 2
                while i < end and text[i] in _WS:
                    i += 1
                continue
            out.append(i)
            i, j = i + {"x": 4, "u": 6, "U": 10}.get(nxt, 2), j + 1
        elif style == "'" and s == "'":  # '' stands for one quote
            out.append(i)
            i, j = i + 2, j + 1
        elif s == c and s not in _WS:
            out.append(i)
            i, j = i + 1, j + 1
        elif s in _WS:
            k = i
            while k < end and text[k] in _WS:
                k += 1
            breaks = sum(1 for x in range(i, k) if _is_break(text, x))
            m, seen = j, 0
            while m < n and value[m] in " \t\n":
                seen += value[m] == "\n"
                if seen > breaks or (not breaks and m - j >= k - i):
                    break
                m += 1
            out.extend(_map_run(text, i, k, value[j:m]))
            i, j = k, m
        else:  # should not happen; keep going approximately
            out.append(i)
            i, j = i + (c not in _WS), j + 1
    return out


def _map_run(text: str, i: int, k: int, run: str) -> list[int]:
    if "\n" not in run:
        return [min(i + t, k - 1) for t in range(len(run))]
    segs: list[list[int]] = [[]]
    breaks: list[int] = []
    for x in range(i, k):
        if _is_break(text, x):
            breaks.append(x)
            segs.append([])
        else:
            segs[-1].append(x)
    out: list[int] = []
    for t, part in enumerate(run.split("\n")):
        if t:
            out.append(breaks[min(t, len(breaks)) - 1])
        seg = segs[min(t, len(segs) - 1)] or [out[-1] if out else i]
        for u in range(len(part)):  # left-align the first part, right-align the others
            out.append(seg[min(u, len(seg) - 1) if t == 0 else max(0, len(seg) - len(part) + u)])
    return out


def _walk(root: object, path: Sequence[YamlKey]) -> tuple[object, Location | None, int]:
    """Follow ``path``; return the last node reached, its location and the steps taken."""
    where: Location | None = getattr(root, "loc", None)
    cur = root
    for n, step in enumerate(path):
        if isinstance(cur, LocDict) and isinstance(step, (str, int)) and step in cur:
            where, cur = cur.value_locs.get(step, where), cur[step]
        elif isinstance(cur, LocList) and isinstance(step, int) and -len(cur) <= step < len(cur):
            where, cur = cur.item_locs[step], cur[step]
        else:
            return cur, where, n
    return cur, where, len(path)


def locate(root: object, path: Sequence[YamlKey]) -> Location | None:
    """Location of the value at a jsonschema path, else of its deepest located ancestor."""
    return _walk(root, path)[1]


def locate_key(root: object, path: Sequence[YamlKey]) -> Location | None:
    """Location of the key naming the last element of ``path`` (the item, for lists)."""
    path = list(path)
    parent, where, steps = _walk(root, path[:-1])
    if path and steps == len(path) - 1 and isinstance(parent, LocDict):
        return parent.key_locs.get(path[-1], locate(root, path))
    return locate(root, path) if steps == len(path) - 1 else where


def to_plain(data: YamlData) -> YamlData:
    """Loc* containers and strings back to plain dict/list/str (for JSON and comparisons)."""
    if isinstance(data, dict):
        return {to_plain(k): to_plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [to_plain(v) for v in data]
    if isinstance(data, str):
        return str(data)
    return data


def line_text(data: object, line: int) -> str | None:
    """Source line ``line`` (1-based) of the file ``data`` (a Loc* value) was loaded from."""
    src = getattr(data, "_src", None)
    return src.line_text(line) if isinstance(src, _Source) else None


def source_text(data: object) -> str | None:
    """The whole text of the file ``data`` (a Loc* value) was loaded from."""
    src = getattr(data, "_src", None)
    return src.text if isinstance(src, _Source) else None
