"""Stable problem codes: unique, well-formed, covering every diagnostic name the code
raises, and listed in docs/problem-codes.md exactly as the registry says.

When the docs test fails after a change to ``policyengine/problem_codes.py``, run::

    python -c "from policyengine.problem_codes import reference_markdown as r; print(r(), end='')" > docs/problem-codes.md
"""

from __future__ import annotations

import re

from policyengine.errors import Diagnostic, Location
from policyengine.problem_codes import PROBLEM_CODES, by_id, problem_code, reference_markdown
from tests.helpers import ROOT


def test_docs_list_every_code_as_the_registry_says():
    docs = (ROOT / "docs" / "problem-codes.md").read_text(encoding="utf-8")
    assert docs == reference_markdown()


def test_ids_and_names_are_unique_and_well_formed():
    ids = [c.id for c in PROBLEM_CODES]
    names = [n for c in PROBLEM_CODES for n in c.names]
    assert len(ids) == len(set(ids)) and len(names) == len(set(names))
    assert all(re.fullmatch(r"PE[0-9]{3}", i) for i in ids)
    assert ids == sorted(ids)
    assert {c.severity for c in PROBLEM_CODES} <= {"error", "warning", "note"}


# Names the code builds at run time: a family must cover them.
DYNAMIC = re.compile(r'code=f"([a-z]+\.)\{')
LITERAL = re.compile(r'code="([a-z][a-z0-9.-]*)"|^\s*"((?:yaml|schema)\.[a-z-]+)",?$', re.M)


def test_every_name_the_code_raises_has_its_own_code():
    found: set[str] = set()
    families: set[str] = set()
    for path in [*(ROOT / "policyengine").rglob("*.py"), *(ROOT / "plugins").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= {a or b for a, b in LITERAL.findall(text)}
        families |= set(DYNAMIC.findall(text))
    assert len(found) > 60, sorted(found)
    generic = sorted(n for n in found if problem_code(n).id == "PE000" and n != "error")
    assert not generic, f"add these names to policyengine/problem_codes.py: {generic}"
    for family in families:
        assert problem_code(family + "anything").id != "PE000", family


def test_lookup_exact_then_family_then_generic():
    assert problem_code("schema.unknown-key").id == "PE131"
    assert problem_code("schema.minimum").id == "PE130"  # the schema. family
    assert problem_code("source.sql").id == "PE509"
    assert problem_code("sources.unknown").id == "PE502"  # not the sources. family
    assert problem_code("no-such-name").id == "PE000"
    assert by_id("PE390") is not None and by_id("PE390").severity == "warning"
    assert by_id("PE999") is None


def test_a_diagnostic_shows_its_code_in_json():
    d = Diagnostic("bad", Location("f.yaml", 2, 3), code="yaml.duplicate-key")
    assert d.problem_code == "PE103"
    assert d.as_dict()["problem_code"] == "PE103" and d.as_dict()["code"] == "yaml.duplicate-key"
    # errors keep their text form; warnings name their code
    assert d.render() == "f.yaml:2:3: bad"
    w = Diagnostic(
        "meh", Location("f.yaml", 2, 3), code="policy.unused-constant", severity="warning"
    )
    assert w.render() == "f.yaml:2:3: warning[PE390]: meh"
