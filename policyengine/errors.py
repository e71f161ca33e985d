"""Diagnostics: the one shape every error and warning takes on its way to a user.

A diagnostic points at ``file:line:col`` (1-based, columns counted in characters),
says what is wrong in plain words and, where we can, how to fix it.  Every layer
(YAML loading, schema validation, expressions, evaluation input) raises
:class:`PolicyError` carrying a list of them; the CLI renders them and exits
non-zero instead of showing a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from policyengine.problem_codes import ProblemCode, problem_code


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file; ``line`` and ``col`` are 1-based."""

    file: str
    line: int
    col: int

    def shifted(self, line: int = 0, col: int = 0) -> Location:
        return Location(self.file, self.line + line, self.col + col)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class _DiagnosticDictKeys(TypedDict):
    severity: str
    code: str
    problem_code: str
    message: str


class DiagnosticDict(_DiagnosticDictKeys, total=False):
    """The JSON form of a :class:`Diagnostic` (``as_dict``); position and hint when known."""

    file: str
    line: int
    col: int
    hint: str


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in one place.

    ``code`` names the kind of problem where the engine raised it (``schema.type``);
    :attr:`problem` is its stable ``PE###`` code (``policyengine/problem_codes.py``)."""

    message: str
    location: Location | None = None
    hint: str | None = None
    code: str = "error"
    severity: str = "error"  # "error", "warning" (validate exits 0), or "note"
    source_line: str | None = field(default=None, compare=False)
    # how many characters the caret line underlines (at least one)
    width: int = field(default=1, compare=False)
    # the file a problem without a position is about (one that cannot be read): named
    # in ``file=`` of a GitHub annotation and ``file`` of JSON, as a location's is
    path: str | None = None

    @property
    def problem(self) -> ProblemCode:
        """The stable problem code of this diagnostic (see docs/problem-codes.md)."""
        return problem_code(self.code)

    @property
    def problem_code(self) -> str:
        """``PE###``: what SARIF, JUnit, GitHub and JSON output show, and what a
        ``# policyengine: ignore[PE###]`` comment names."""
        return self.problem.id

    def render(self, with_source: bool = True) -> str:
        where = f"{self.location}: " if self.location else ""
        label = "" if self.severity == "error" else f"{self.severity}[{self.problem_code}]: "
        lines = [f"{where}{label}{self.message}"]
        if with_source and self.source_line is not None and self.location is not None:
            text = self.source_line.rstrip("\n")
            lines.append(f"    {text}")
            lines.append("    " + " " * (self.location.col - 1) + "^" * max(1, self.width))
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def as_dict(self) -> DiagnosticDict:
        out: DiagnosticDict = {
            "severity": self.severity,
            "code": self.code,
            "problem_code": self.problem_code,
            "message": self.message,
        }
        if self.location is not None:
            out["file"] = self.location.file
            out["line"] = self.location.line
            out["col"] = self.location.col
        elif self.path is not None:
            out["file"] = self.path
        if self.hint:
            out["hint"] = self.hint
        return out


class PolicyError(Exception):
    """Raised with one or more diagnostics; never shown to users as a traceback."""

    def __init__(self, diagnostics: Diagnostic | Iterable[Diagnostic]) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(d.render(with_source=False) for d in self.diagnostics))


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def shorten(text: str, keep: int = 40) -> str:
    """``text`` for a message: as it is when short, else its start and its length.

    Messages name the value at fault, but a fuzzer's 4,400-digit number or 5,000-character
    zone name would drown the message (and the terminal) it is quoted in."""
    if len(text) <= keep + 20:
        return text
    return f"{text[:keep]}… ({len(text)} characters)"


def source_line(text: str, line: int) -> str | None:
    """The 1-based ``line`` of ``text``, or None when out of range."""
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None


class UsageError(Exception):
    """A bad command-line value: a malformed ``--as-of`` or ``--at``, a missing option.

    The CLI prints ``policyengine COMMAND: message`` and exits 2 (files with problems
    exit 1); it is never shown as a traceback.
    """
