"""Plain helpers the test modules share (fixtures are in ``tests/conftest.py``).

- ``ROOT``, ``POLICIES``: the repository and its bundled policies;
- ``CliResult``: what the ``cli`` fixture returns;
- ``credit``, ``evaluate_holder``, ``rec``, ``period``: evaluate a holder's records
  under a certification policy (its JSON checked against the evaluation schema,
  ``check_evaluation_output``) and pick records and periods out of the result;
- ``SNIPPET_HEAD``, ``policy_from_snippet``: small certification policies written from
  a YAML snippet (line numbers in their diagnostics count the head's lines);
- ``write_variant``: a bundled policy with some text replaced.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any, NamedTuple

import jsonschema

from policyengine import load_policy
from policyengine.certification.engine import evaluate
from policyengine.load.schema import load_schema
from policyengine.records.model import holder_from_document

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"


class CliResult(NamedTuple):
    """One ``policyengine`` command: exit code and output, under the attribute names of
    :class:`subprocess.CompletedProcess`; it also unpacks as ``code, out, err``."""

    returncode: int
    stdout: str
    stderr: str


# ----------------------------------------------------------------------------- evaluations


def credit(rid: str, earned_on: str, credits: Any = 1, **extra: Any) -> dict:
    """A record document: ``id``, ``earned_on``, ``credits`` and any other fields."""
    return {"id": rid, "earned_on": earned_on, "credits": credits, **extra}


def evaluate_holder(policy: Any, holder: dict, records: list[dict], as_of: str) -> tuple[dict, Any]:
    """Evaluate ``holder`` with ``records`` (documents, as in a holder file) under
    ``policy`` as of the ISO date ``as_of``: the evaluation as a dict, and the result."""
    h, recs = holder_from_document(
        {"holder": holder, "records": records}, policy.tz, extra_fields=policy.record_fields
    )
    result = evaluate(policy, h, recs, dt.date.fromisoformat(as_of))
    doc = result.as_dict()
    check_evaluation_output(doc)
    return doc, result


_EVALUATION = jsonschema.Draft202012Validator(load_schema("evaluation"))


def check_evaluation_output(doc: dict) -> None:
    """``doc`` (an ``Evaluation.as_dict()``) has the shape ``policyengine schema
    evaluation`` promises: every evaluation a test makes is checked against it."""
    errors = [f"{e.json_path}: {e.message}" for e in _EVALUATION.iter_errors(doc)]
    assert not errors, errors


def rec(doc: dict, rid: str) -> dict:
    """The record ``rid`` of an evaluation."""
    return next(r for r in doc["records"] if r["id"] == rid)


def period(doc: dict, number: int) -> dict:
    """The period numbered ``number`` of an evaluation."""
    return next(p for p in doc["periods"] if p["number"] == number)


# ----------------------------------------------------------------------------- policies

SNIPPET_HEAD = """\
format: 1
kind: certification
id: t
name: T
timezone: UTC
"""


def policy_from_snippet(
    tmp_path: Path, body: str, *, head: str = SNIPPET_HEAD, name: str = "p.yaml", **load: Any
) -> Any:
    """Load the policy ``head`` + ``body`` (dedented), written to ``tmp_path / name``."""
    path = tmp_path / name
    path.write_text(head + textwrap.dedent(body), encoding="utf-8")
    return load_policy(str(path), **load)


def write_variant(tmp_path: Path, bundled: str, *changes: str, name: str = "variant.yaml") -> Path:
    """``policies/<bundled>`` with ``old, new, old, new, ...`` replaced (each ``old`` must
    be there), written to ``tmp_path / name``."""
    assert len(changes) % 2 == 0, changes
    text = (POLICIES / bundled).read_text(encoding="utf-8")
    for old, new in zip(changes[::2], changes[1::2], strict=True):
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
