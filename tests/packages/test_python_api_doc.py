"""docs/packages.md's Python API example runs as written (it once imported names from a
module that does not export them, and from one that does not exist)."""

from __future__ import annotations

import os
import re
from decimal import Decimal

from tests.helpers import ROOT


def test_the_python_api_example_runs() -> None:
    doc = (ROOT / "docs" / "packages.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Python API") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    scope: dict[str, object] = {}
    cwd = os.getcwd()
    os.chdir(ROOT)  # the example names the bundled files relative to the repository
    try:
        exec(compile(match.group(1), "docs/packages.md", "exec"), scope)  # noqa: S102
    finally:
        os.chdir(cwd)
    assert scope["decision"].allowed  # type: ignore[attr-defined]
    balance = scope["balance"](scope["policy"], scope["account"], scope["at"])  # type: ignore[operator]
    assert balance.available == Decimal("18.5")
