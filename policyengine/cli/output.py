"""Small helpers shared by the output formats of several commands: escaping what comes
from files, rendering diagnostics with it, GitHub workflow commands, and JSON.

Every name, id, title and message a file supplies may hold control characters. Printed
raw, a newline or carriage return starts a line of our output that the file wrote (GitHub
Actions reads any line a step prints that starts with ``::`` as a workflow command), and
escape sequences rewrite a terminal. So each reporter escapes every line it prints with
:func:`escape_controls`, which shows such characters the way Python writes them
(``\\n``, ``\\x1b``, ``\\u2028``): the text stays readable and no line is forged. Tab is
kept. Lone surrogates (a YAML ``"\\ud800"``) are escaped too: they cannot be written as
UTF-8 at all.

Colour (``color.py``) is added after escaping, by :func:`write_lines`, to the lines
:func:`diagnostic_lines` marks: errors, warnings, their carets and hints.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from policyengine.cli import color
from policyengine.cli.color import StyledLine
from policyengine.errors import Diagnostic

# C0 controls but tab, DEL and C1 controls, the Unicode line and paragraph separators,
# lone surrogates, and the two noncharacters XML 1.0 forbids (U+FFFE, U+FFFF).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
# What json.dumps(ensure_ascii=False) leaves raw but should not reach a log: DEL, C1
# controls and the line separators (C0 controls it escapes itself), and lone surrogates,
# which UTF-8 cannot carry at all.
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _shown(match: re.Match[str]) -> str:
    return repr(match.group())[1:-1]  # '\n' -> \n, '\x1b' -> \x1b, '\u2028' -> \u2028


def escape_controls(text: str, keep: str = "") -> str:
    """``text`` with its control characters shown as escapes (``\\n``, ``\\x1b``),
    except those in ``keep``; the identity on text without any."""
    if keep:
        return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _shown(m), text)
    return _CONTROL.sub(_shown, text)


def diagnostic_lines(d: Diagnostic, with_source: bool = True) -> list[str]:
    """The lines of ``d.render()``, each escaped; the caret still points at the column
    (counted in the escaped source line)."""
    where = f"{d.location}: " if d.location else ""
    label = "" if d.severity == "error" else f"{d.severity}[{d.problem_code}]: "
    level = "warning" if d.severity == "warning" else "error"
    lines: list[str] = [StyledLine(escape_controls(f"{where}{label}{d.message}"), level)]
    if with_source and d.source_line is not None and d.location is not None:
        text = d.source_line.rstrip("\n")
        start = d.location.col - 1
        before = escape_controls(text[:start])
        marked = escape_controls(text[start : start + max(1, d.width)])
        lines.append(f"    {escape_controls(text)}")
        caret = "    " + " " * len(before) + "^" * max(1, len(marked), d.width)
        lines.append(StyledLine(caret, f"caret-{level}"))
    if d.hint:
        lines.append(StyledLine(escape_controls(f"  hint: {d.hint}"), "hint"))
    return lines


def write_lines(stream: TextIO, lines: Iterable[str]) -> None:
    """Each line escaped and followed by a newline; the lines :func:`diagnostic_lines`
    styled are painted when colour is on for ``stream`` (``color.py``)."""
    colored = color.enabled(stream)
    stream.write(
        "".join(
            (
                color.paint(escape_controls(line), color.style_of(line))
                if colored
                else escape_controls(line)
            )
            + "\n"
            for line in lines
        )
    )


def render(d: Diagnostic, with_source: bool = True) -> str:
    """``d.render()`` with control characters escaped (see :func:`diagnostic_lines`)."""
    return "\n".join(diagnostic_lines(d, with_source))


def print_diagnostics(diagnostics: Iterable[Diagnostic], stream: TextIO | None = None) -> None:
    """Each diagnostic rendered to ``stream`` (stderr), coloured on a terminal."""
    out = sys.stderr if stream is None else stream
    write_lines(out, (line for d in diagnostics for line in diagnostic_lines(d)))


def escape_data(text: str) -> str:
    """A workflow command's message: GitHub's own escapes for ``%``, CR and LF (it
    decodes them back), the other control characters shown as escapes."""
    text = escape_controls(text, keep="\r\n")
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``file=``): also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


GITHUB_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def github_annotation(d: Diagnostic) -> str:
    """A GitHub Actions workflow command:
    ``::error file=F,line=L,col=C,endColumn=E,title=PE###::message``."""
    level = GITHUB_LEVELS.get(d.severity, "error")
    props = []
    if d.location is not None:
        props = [
            f"file={escape_property(os.path.normpath(d.location.file))}",
            f"line={d.location.line}",
            f"col={d.location.col}",
        ]
        if d.width > 1:  # the last column underlined (SARIF's endColumn is the one after)
            props.append(f"endColumn={d.location.col + d.width - 1}")
    elif d.path is not None:  # a file that could not be read: the file, no line
        props = [f"file={escape_property(d.path)}"]
    props.append(f"title={escape_property(d.problem_code)}")
    message = d.message + (f" (hint: {d.hint})" if d.hint else "")
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def dumps(obj: Any) -> str:
    """Deterministic JSON: sorted keys, two-space indent, UTF-8, trailing newline. Every
    character is kept: control characters, line separators and lone surrogates (which
    UTF-8 cannot carry) are written as JSON escapes (``\\u0085``, ``\\ud800``), which
    read back as the same string. They can only occur inside JSON strings."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
