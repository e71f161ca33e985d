"""Colour in text output: whether to use it, and how a diagnostic's lines are painted.

``--color auto`` (the default) colours a stream only when it is a terminal, ``NO_COLOR``
is unset or empty (https://no-color.org) and ``TERM`` is not ``dumb``; ``always`` and
``never`` decide alone. So piped output, files, CI logs and JSON are never coloured
unless asked for.

:func:`diagnostic_lines <policyengine.cli.output.diagnostic_lines>` marks each line it
makes with a style (a :class:`StyledLine`); a reporter escapes the line's control
characters first and paints it last (:func:`paint`), so an escape sequence that came
from a file is shown escaped and only ours reach the terminal.

The mode of the current run is a context variable that ``main()`` sets for the length
of one command and resets afterwards (:func:`using`): the reporters of every command
read it without each command passing it along, and nothing outlives the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

MODES = ("auto", "always", "never")

_MODE: ContextVar[str] = ContextVar("policyengine_color", default="auto")

# SGR sequences: a diagnostic's first line in bold red (error) or bold yellow
# (warning), the caret line in the same colour, the hint in cyan.
_STYLES = {
    "error": "\x1b[1;31m",
    "warning": "\x1b[1;33m",
    "caret-error": "\x1b[31m",
    "caret-warning": "\x1b[33m",
    "hint": "\x1b[36m",
}
_RESET = "\x1b[0m"


class StyledLine(str):
    """A line of text output with the style it is painted in when colour is on."""

    style: str

    def __new__(cls, text: str, style: str) -> StyledLine:
        line = super().__new__(cls, text)
        line.style = style
        return line


@contextmanager
def using(mode: str) -> Iterator[None]:
    """Colour ``mode`` (one of :data:`MODES`) for the reporters of the code inside."""
    token = _MODE.set(mode)
    try:
        yield
    finally:
        _MODE.reset(token)


def enabled(stream: TextIO) -> bool:
    """Whether text written to ``stream`` now is coloured (see the module docstring)."""
    mode = _MODE.get()
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def paint(text: str, style: str | None) -> str:
    """``text`` in ``style`` (an SGR sequence and a reset); as it is for no style."""
    code = _STYLES.get(style or "")
    return f"{code}{text}{_RESET}" if code else text


def style_of(line: str) -> str | None:
    """The style a line was made with (None for a plain ``str``)."""
    return line.style if isinstance(line, StyledLine) else None
