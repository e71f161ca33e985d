"""``-o junit``: JUnit XML for the test reports of Jenkins, GitLab and other CI systems.

Written to pass the strictest reader, the Jenkins xunit plugin's ``junit-10.xsd``
(tests/ci/schemas/): ``<testcase>`` has only ``name``, ``classname`` and ``time``, so
the file and line go into the failure text and the suite's ``file`` attribute and
``<properties>``; ``time`` has at most three decimals. ``classname`` is dotted, as
Jenkins splits it at the last dot into package and class: ``policies/werc-crp.tests.yaml``
is ``policies.werc-crp``. Every string from a file is escaped (``output.py``) so the
XML is well-formed whatever it holds (XML 1.0 forbids most C0 characters).

``test``: one suite per scenario file, one case per scenario, plus a suite for files
that did not load and a ``coverage`` case with ``--fail-under`` (failing when the
coverage is below it, so the report is not green while the exit code is 1).
``validate``: one case per file, failing when the file has an error; its warnings are
the case's ``system-out``.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from policyengine.cli.findings import coverage_shortfall
from policyengine.cli.output import diagnostic_lines, escape_controls
from policyengine.cli.reporting import Reporter, ScenariosResult, ValidationResult

if TYPE_CHECKING:
    from policyengine.ci.scenarios.files import ScenarioResult
    from policyengine.errors import Diagnostic

_SUFFIXES = (".tests.yaml", ".tests.yml", ".yaml", ".yml", ".json")


def classname(path: str, keep_name: bool = True) -> str:
    """A dotted class name for ``path``: its directories and (with ``keep_name``) its
    name without the suffix, dots inside a part turned into ``_``:
    ``policies/werc-crp.tests.yaml`` -> ``policies.werc-crp``."""
    steps = os.path.normpath(path).replace("\\", "/").split("/")
    parts = [p for p in steps if p not in ("", ".", "..")]
    if not parts:
        return "policyengine"
    if keep_name:
        name = parts[-1]
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
        parts[-1] = name
    else:
        parts = parts[:-1] or ["(root)"]
    return ".".join(escape_controls(p).replace(".", "_") for p in parts)


def _text(lines: list[str]) -> str:
    """Element text: line by line, each escaped."""
    return "\n".join(escape_controls(line) for line in lines)


def _problem(case: ET.Element, tag: str, diagnostics: list[Diagnostic]) -> None:
    first = diagnostics[0]
    el = ET.SubElement(
        case,
        tag,
        type=first.problem_code,
        message=escape_controls(first.render(with_source=False)),
    )
    el.text = "\n".join(line for d in diagnostics for line in diagnostic_lines(d))


class _Suites:
    """``<testsuites>`` with totals kept as suites are added."""

    def __init__(self, name: str, durations: bool) -> None:
        self.root = ET.Element("testsuites", name=name)
        self.durations = durations
        self.totals = {"tests": 0, "failures": 0, "errors": 0}

    def time(self, seconds: float) -> dict[str, str]:
        return {"time": f"{seconds:.3f}"} if self.durations else {}

    def suite(self, name: str, file: str | None = None, seconds: float = 0.0) -> ET.Element:
        attrs = {"name": escape_controls(name), **self.time(seconds)}
        if file is not None:
            attrs["file"] = escape_controls(file)
        suite = ET.SubElement(self.root, "testsuite", attrs)
        if file is not None:
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="file", value=escape_controls(file))
        return suite

    def case(
        self, suite: ET.Element, name: str, classname: str, seconds: float = 0.0
    ) -> ET.Element:
        attrs = {"name": escape_controls(name), "classname": classname, **self.time(seconds)}
        return ET.SubElement(suite, "testcase", attrs)

    def xml(self) -> str:
        for suite in self.root.iter("testsuite"):
            cases = suite.findall("testcase")
            counts = {
                "tests": len(cases),
                "failures": sum(c.find("failure") is not None for c in cases),
                "errors": sum(c.find("error") is not None for c in cases),
            }
            for key, value in counts.items():
                suite.set(key, str(value))
                self.totals[key] += value
            suite.set("skipped", "0")
        for key, value in self.totals.items():
            self.root.set(key, str(value))
        ET.indent(self.root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(self.root, "unicode") + "\n"


def scenarios_xml(result: ScenariosResult) -> str:
    """``policyengine test -o junit``. ``time`` only with ``--durations``, so that the
    same input gives the same bytes (JUnit readers accept its absence)."""
    out = _Suites("policyengine test", result.durations)
    by_file: dict[str, list[ScenarioResult]] = {}
    for r in result.results:
        by_file.setdefault(r.scenario.file, []).append(r)
    for path, rs in by_file.items():
        suite = out.suite(path, path, sum(r.seconds for r in rs))
        for r in rs:
            case = out.case(suite, r.scenario.name, classname(path), r.seconds)
            if r.outcome == "failed":
                el = ET.SubElement(
                    case,
                    "failure",
                    type="PE650",
                    message=escape_controls(f"{r.scenario.where}: {r.mismatches[0].text()}"),
                )
                el.text = _text(
                    [f"{m.location or r.scenario.where}: {m.text()}" for m in r.mismatches]
                )
            elif r.outcome == "error":
                _problem(case, "error", r.errors)
    if result.errors:
        suite = out.suite("invalid files")
        for d in result.errors:
            where = d.location.file if d.location else "?"
            case = out.case(suite, f"load {where}", classname(where))
            _problem(case, "error", [d])
    if result.fail_under is not None:
        suite = out.suite("coverage")
        case = out.case(suite, f"coverage >= {result.fail_under:g}%", "policyengine.coverage")
        shortfall = coverage_shortfall(result)
        if shortfall is not None:
            _problem(case, "failure", [shortfall])
    return out.xml()


def validation_xml(result: ValidationResult) -> str:
    """``policyengine validate -o junit``: a case per file, named by its file name in
    the class of its directory; failing on errors, warnings in its ``system-out``."""
    out = _Suites("policyengine validate", False)
    suite = out.suite("validate")
    owners = result.owners
    for c in result.files:
        case = out.case(suite, os.path.basename(c.path) or c.path, classname(c.path, False))
        errors = [d for d in c.diagnostics if d.severity == "error"]
        others = [d for d in c.diagnostics if d.severity != "error"]
        if errors:
            _problem(case, "failure", errors)
        notes = [line for d in others for line in diagnostic_lines(d)]
        if c.path in owners:
            notes.append(f"{c.path}: input of {owners[c.path]}")
        elif not errors:
            notes.insert(0, f"{c.path}: ok ({c.kind})")
        ET.SubElement(case, "system-out").text = _text(notes)
    return out.xml()


class JunitReporter(Reporter):
    """JUnit XML, which CI systems show as a test report."""

    name = "junit"

    def report_scenarios(self, result: ScenariosResult) -> None:
        self.out.write(scenarios_xml(result))

    def report_validation(self, result: ValidationResult) -> None:
        self.out.write(validation_xml(result))
