"""``policyengine test -o json|junit`` is byte-identical run to run; timings only with
``--durations``.

docs/design.md promises byte-identical JSON for the same input, but each scenario's
wall-clock ``seconds`` (JSON) and ``time`` (JUnit) differed on every run, so CI could
not diff or cache the reports. They are now left out unless ``--durations`` asks for
them. Each run is a real process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.helpers import ROOT

CONSOLE = Path(sys.executable).parent / "policyengine"


def run(*args: str) -> bytes:
    proc = subprocess.run(
        [str(CONSOLE), "test", "policies/", *args],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_json_with_coverage_is_byte_identical_and_has_no_timings():
    first = run("--coverage", "-o", "json")
    assert run("--coverage", "-o", "json") == first
    scenarios = json.loads(first)["scenarios"]
    assert len(scenarios) > 50
    assert all("seconds" not in s for s in scenarios)


def test_junit_is_byte_identical_and_has_no_time_attributes():
    first = run("-o", "junit")
    assert run("-o", "junit") == first
    root = ET.fromstring(first)
    assert [e.tag for e in root.iter() if "time" in e.attrib] == []
    assert len(list(root.iter("testcase"))) > 50


def test_durations_adds_the_timings():
    doc = json.loads(run("-o", "json", "--durations"))
    assert all(isinstance(s["seconds"], float) for s in doc["scenarios"])
    root = ET.fromstring(run("-o", "junit", "--durations"))
    cases = list(root.iter("testcase"))
    assert cases and all(float(c.get("time")) >= 0 for c in cases)
    assert all(float(s.get("time")) >= 0 for s in root.iter("testsuite"))
