"""Small helpers shared by the output formats of several commands."""

from __future__ import annotations

import json
from typing import Any

from policyengine.errors import Diagnostic


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(d: Diagnostic) -> str:
    """A GitHub Actions workflow command: ``::error file=F,line=L,col=C::message``."""
    level = "warning" if d.severity == "warning" else "error"
    props = []
    if d.location is not None:
        props = [
            f"file={escape_property(d.location.file)}",
            f"line={d.location.line}",
            f"col={d.location.col}",
        ]
    message = d.message + (f" (hint: {d.hint})" if d.hint else "")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{escape_data(message)}"


def dumps(obj: Any) -> str:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
