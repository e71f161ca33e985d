"""The contract every fuzz target is held to, and what a broken contract looks like.

policyengine promises that bad input never shows a traceback: the only exception that
may leave the library is :class:`policyengine.errors.PolicyError` (each layer's own
documented error below it: ``ExprError``/``ExprRuntimeError`` in the expression
language), and at the command line only exit codes 1 and 2 with a message. A target
runs one input and returns how it ended (``"ok"``, ``"rejected"``); any other
exception becomes a :class:`Finding`, and so does a differential oracle that
disagrees (:class:`Mismatch`). Hangs are found by the runner, which runs targets in
a worker process with a time limit per input (``runner.py``).

A finding's *signature* names the exception and the innermost frame of the project
that raised it (file and function, not the line, so it survives edits); the runner
groups findings by it and compares it with ``known_findings.txt``.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from policyengine.errors import PolicyError, UsageError

ROOT = Path(__file__).resolve().parents[2]
# frames in these directories are the project's (the installed package counts too)
PROJECT_PARTS = (f"{os.sep}policyengine{os.sep}", f"{os.sep}plugins{os.sep}")


class Mismatch(Exception):
    """A differential oracle disagreed: ``what`` names the oracle, ``detail`` the values."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"{what}: {detail}")
        self.what = what
        self.detail = detail


class Violation(Exception):
    """The contract was broken without an exception (e.g. exit 0 for a missing file, a
    traceback printed on stderr)."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"{what}: {detail}")
        self.what = what
        self.detail = detail


@dataclass
class Finding:
    """One broken contract: its signature, a readable summary and the input."""

    fuzzer: str
    signature: str
    summary: str
    input: str = ""
    count: int = 1
    examples: list[str] = field(default_factory=list)


def _project_frame(tb: list[traceback.FrameSummary]) -> traceback.FrameSummary | None:
    here = str(Path(__file__).resolve().parent)
    for frame in reversed(tb):
        name = frame.filename
        if name.startswith(here):
            continue
        if any(part in name for part in PROJECT_PARTS):
            return frame
    return None


def _short(path: str) -> str:
    for part in PROJECT_PARTS:
        if part in path:
            return part.strip(os.sep) + "/" + path.rsplit(part, 1)[1]
    return os.path.basename(path)


def finding_from(fuzzer: str, exc: BaseException, label: str) -> Finding:
    """A finding for an exception that broke the contract while running ``label``."""
    if isinstance(exc, (Mismatch, Violation)):
        kind = "oracle" if isinstance(exc, Mismatch) else "contract"
        return Finding(fuzzer, f"{fuzzer}: {kind} {exc.what}", f"{exc.what}: {exc.detail}")
    tb = traceback.extract_tb(exc.__traceback__)
    frame = _project_frame(tb)
    where = f"{_short(frame.filename)}:{frame.name}" if frame else label
    line = f"{_short(frame.filename)}:{frame.lineno}" if frame else "?"
    summary = f"{type(exc).__name__}: {str(exc)[:300]} (raised at {line}, running {label})"
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-12:])
    return Finding(fuzzer, f"{fuzzer}: {type(exc).__name__} in {where}", summary + "\n" + text)


def allowed(exc: BaseException, extra: tuple[type[BaseException], ...] = ()) -> bool:
    """Whether ``exc`` is one the contract allows to leave a target."""
    return isinstance(exc, (PolicyError, UsageError, *extra))
