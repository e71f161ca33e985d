"""``# policyengine: ignore[PE390]``: acknowledging a warning where it is reported.

A comment ``# policyengine: ignore[CODE, ...]`` at the end of a line suppresses the
warnings with those problem codes on that line; alone on its line, on the next line.
Only warnings can be ignored: an error stays, and the comment naming its code is
reported (PE011), as is a code that does not exist (PE012) and an ignore that matches
no warning (PE010), so that stale comments do not pile up. These three are warnings
themselves (``validate`` still exits 0) and cannot be ignored.

The comment is found in the text line by line: a ``#`` that starts a YAML comment is
at the start of a line or after a space, which is what the pattern asks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policyengine.errors import Diagnostic, Location
from policyengine.problem_codes import by_id

COMMENT = re.compile(r"(?:^|(?<=\s))#\s*policyengine:\s*ignore\[([^\]\n]*)\]")


@dataclass
class _Ignore:
    code: str
    where: Location  # the comment
    line: int  # the line it applies to
    source_line: str
    used: bool = field(default=False)


def _ignores(path: str, text: str) -> list[_Ignore]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        for m in COMMENT.finditer(line):
            alone = not line[: m.start()].strip()
            target = number + 1 if alone else number
            for code in (c.strip() for c in m.group(1).split(",")):
                col = m.start(1) + m.group(1).find(code) + 1 if code else m.start() + 1
                out.append(_Ignore(code, Location(path, number, col), target, line))
    return out


def _warning(ig: _Ignore, message: str, hint: str, code: str) -> Diagnostic:
    return Diagnostic(
        message,
        ig.where,
        hint,
        code,
        severity="warning",
        source_line=ig.source_line,
        width=max(1, len(ig.code)),
    )


def apply_ignores(path: str, text: str | None, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """``diagnostics`` less the warnings that an ignore comment of ``text`` (the file at
    ``path``) acknowledges, plus a warning for each comment that acknowledges nothing."""
    if text is None or "policyengine:" not in text:
        return diagnostics
    ignores = _ignores(path, text)
    if not ignores:
        return diagnostics
    kept = []
    for d in diagnostics:
        matching = [
            ig
            for ig in ignores
            if d.location is not None
            and d.location.file == path
            and ig.line == d.location.line
            and ig.code == d.problem_code
        ]
        if matching and d.severity == "warning":
            for ig in matching:
                ig.used = True
            continue
        kept.append(d)
    for ig in ignores:
        known = by_id(ig.code)
        if known is None:
            kept.append(
                _warning(
                    ig,
                    f"unknown problem code '{ig.code}' in an ignore comment",
                    "name a code of docs/problem-codes.md, such as PE390",
                    "ignore.unknown",
                )
            )
        elif known.severity == "error":
            kept.append(
                _warning(
                    ig,
                    f"{ig.code} is an error, which cannot be ignored",
                    "fix the problem; only warnings can be acknowledged",
                    "ignore.error",
                )
            )
        elif not ig.used:
            kept.append(
                _warning(
                    ig,
                    f"nothing to ignore: no {ig.code} warning on line {ig.line}",
                    "remove the comment (an ignore at the end of a line covers that line; "
                    "alone on its line, the next one)",
                    "ignore.unused",
                )
            )
    return sorted(kept, key=_place)


def _place(d: Diagnostic) -> tuple[int, int]:
    return (d.location.line, d.location.col) if d.location else (0, 0)
