"""The public Python API (issue 15, item 11): what ``policyengine.__all__`` names, that
``import policyengine`` stays cheap, and that docs/api.md's example runs as written
and prints exactly its ``# >`` lines."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import re
import subprocess
import sys

import pytest

import policyengine as pe
from tests.helpers import ROOT

API_DOC = ROOT / "docs" / "api.md"


def _example() -> str:
    (block,) = re.findall(r"```python\n(.*?)```\n", API_DOC.read_text(encoding="utf-8"), re.S)
    return str(block)


def test_the_documented_example_runs_and_prints_its_expected_lines() -> None:
    code = _example()
    expected = [line[4:] for line in code.splitlines() if line.startswith("# > ")]
    assert len(expected) >= 8
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == expected


def test_every_public_name_is_documented_and_importable() -> None:
    doc = API_DOC.read_text(encoding="utf-8")
    for name in pe.__all__:
        assert f"`{name}" in doc or f"`{name}(" in doc or f", `{name}`" in doc, name
        assert getattr(pe, name) is not None
    assert set(pe.__all__) <= set(dir(pe))


def test_types_resolve_to_their_classes_and_unknown_names_fail() -> None:
    from policyengine.certification.result import Evaluation
    from policyengine.policy.model import Policy

    assert (pe.Evaluation, pe.Policy) == (Evaluation, Policy)
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = pe.Nope  # type: ignore[attr-defined]  # the point: an unknown name


def test_import_policyengine_loads_no_parser_schema_or_yaml() -> None:
    code = (
        "import sys, policyengine\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('policyengine'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    top, ours = (line.split() for line in done.stdout.splitlines())
    assert not set(top) & {"yaml", "jsonschema", "lark", "fastjsonschema", "re2"}
    # errors.py labels each diagnostic with its problem code: a table, no imports
    assert set(ours) == {
        "policyengine",
        "policyengine.errors",
        "policyengine.hookspecs",
        "policyengine.problem_codes",
    }


def test_batch_streams_holders_in_order_and_refuses_a_package_policy() -> None:
    holders = [
        ROOT / "policies" / "holders" / "werc-crp-second-cycle.yaml",
        ROOT / "policies" / "holders" / "werc-crp-seed-examples.yaml",
    ]
    rows = list(
        pe.evaluate_batch(ROOT / "policies" / "werc-crp.yaml", holders, dt.date(2025, 9, 1))
    )
    assert [r["holder"] for r in rows] == ["m-2002", "m-1001"]
    with pytest.raises(pe.PolicyError) as err:
        pe.evaluate_batch(
            ROOT / "policies" / "western-cpe-package.yaml", holders, dt.date(2025, 9, 1)
        )
    assert "is a credit-package policy; batch needs a certification policy" in str(err.value)


def test_the_package_marks_itself_typed() -> None:
    """py.typed is package data (pyproject.toml), so a wheel carries it: consumers'
    mypy then checks their calls instead of skipping the package."""
    assert importlib.resources.files("policyengine").joinpath("py.typed").is_file()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"policyengine" = ["py.typed"]' in pyproject
