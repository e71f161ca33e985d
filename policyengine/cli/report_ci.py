"""The formats for CI systems: ``-o github`` (workflow-command annotations), ``-o junit``
(JUnit XML for test reports) and ``-o markdown`` (a pull-request comment).

What comes from files is escaped for each (``output.py``): GitHub's ``%``/CR/LF
encoding in annotations; in JUnit, attribute values shown with escapes and element
text line by line, so that the XML is well-formed (XML 1.0 forbids most C0
characters); in Markdown, each line escaped and ``|`` in table cells."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policyengine.cli.output import (
    diagnostic_lines,
    escape_controls,
    escape_data,
    escape_property,
    github_annotation,
)
from policyengine.cli.report_text import impact_totals, impact_value
from policyengine.cli.reporting import ImpactResult, Reporter, ScenariosResult, ValidationResult

if TYPE_CHECKING:
    from policyengine.ci.scenarios.files import ScenarioResult
    from policyengine.errors import Diagnostic


class GithubReporter(Reporter):
    """GitHub Actions annotations (``::error file=F,line=L,col=C::message``)."""

    name = "github"

    def report_validation(self, result: ValidationResult) -> None:
        for c in result.files:
            for d in c.diagnostics:
                self.out.write(github_annotation(d) + "\n")

    def report_impact(self, result: ImpactResult) -> None:
        for d in result.errors:
            self.out.write(github_annotation(d) + "\n")
        lines = []
        for p in result.impacts:
            for h in p.changed:
                text = "; ".join(
                    f"{c.what}: {impact_value(c.old)} -> {impact_value(c.new)}" for c in h.changes
                )
                msg = f"{p.new}: outcome of {p.noun} {h.holder} ({h.label}) changes: {text}"
                props = ""
                if h.location:
                    props = (
                        f" file={escape_property(h.location.file)},line={h.location.line},"
                        f"title={escape_property('policy impact')}"
                    )
                lines.append(f"::warning{props}::{escape_data(msg)}")
        lines.append(f"::notice::{impact_totals(result.impacts)} changed")
        self.out.write("\n".join(lines) + "\n")


def _lines(lines: list[str]) -> str:
    """Element text: line by line, each escaped."""
    return "\n".join(escape_controls(line) for line in lines)


def junit_xml(
    results: list[ScenarioResult], errors: list[Diagnostic], durations: bool = False
) -> str:
    """JUnit XML: one testsuite per scenario file, one testcase per scenario. ``time``
    attributes only with ``durations`` (JUnit readers accept their absence), so that
    the same input gives the same bytes."""
    import xml.etree.ElementTree as ET

    esc = escape_controls

    def time(seconds: float) -> dict[str, str]:
        return {"time": f"{seconds:.4f}"} if durations else {}

    suites = ET.Element("testsuites", name="policyengine test")
    by_file: dict[str, list[ScenarioResult]] = {}
    for r in results:
        by_file.setdefault(r.scenario.file, []).append(r)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for path, rs in by_file.items():
        failures = sum(r.outcome == "failed" for r in rs)
        errs = sum(r.outcome == "error" for r in rs)
        suite = ET.SubElement(
            suites,
            "testsuite",
            {
                "name": esc(path),
                "tests": str(len(rs)),
                "failures": str(failures),
                "errors": str(errs),
                "skipped": "0",
                **time(sum(r.seconds for r in rs)),
            },
        )
        totals["tests"] += len(rs)
        totals["failures"] += failures
        totals["errors"] += errs
        for r in rs:
            case = ET.SubElement(
                suite,
                "testcase",
                {
                    "name": esc(r.scenario.name),
                    "classname": esc(path),
                    "file": esc(path),
                    "line": str(r.scenario.line),
                    **time(r.seconds),
                },
            )
            if r.outcome == "failed":
                first = r.mismatches[0]
                message = esc(f"{r.scenario.where}: {first.text()}")
                el = ET.SubElement(case, "failure", type="mismatch", message=message)
                el.text = _lines(
                    [f"{m.location or r.scenario.where}: {m.text()}" for m in r.mismatches]
                )
            elif r.outcome == "error":
                message = esc(r.errors[0].render(with_source=False))
                el = ET.SubElement(case, "error", type="error", message=message)
                el.text = "\n".join(line for d in r.errors for line in diagnostic_lines(d))
    if errors:
        suite = ET.SubElement(
            suites,
            "testsuite",
            {
                "name": "invalid files",
                "tests": str(len(errors)),
                "failures": "0",
                "errors": str(len(errors)),
                "skipped": "0",
                **time(0),
            },
        )
        totals["tests"] += len(errors)
        totals["errors"] += len(errors)
        for d in errors:
            where = esc(d.location.file) if d.location else "?"
            case = ET.SubElement(suite, "testcase", name=f"load {where}", classname=where)
            message = esc(d.render(with_source=False))
            el = ET.SubElement(case, "error", type="invalid-file", message=message)
            el.text = "\n".join(diagnostic_lines(d))
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


class JunitReporter(Reporter):
    """JUnit XML, which CI systems show as a test report."""

    name = "junit"

    def report_scenarios(self, result: ScenariosResult) -> None:
        self.out.write(junit_xml(result.results, result.errors, result.durations))


def _cell(value: Any) -> str:
    return escape_controls(impact_value(value)).replace("|", "\\|")


class MarkdownReporter(Reporter):
    """Markdown for a pull-request comment; problems go to stderr as text."""

    name = "markdown"

    def report_impact(self, result: ImpactResult) -> None:
        for d in result.errors:
            self.err.write("".join(line + "\n" for line in diagnostic_lines(d)))
        lines = [
            "### Policy impact",
            "",
            f"{impact_totals(result.impacts, bold=True)} change their outcome.",
            "",
        ]
        for p in result.impacts:
            if p.note:
                lines += [f"`{p.new}`: {p.note}", ""]
                continue
            lines.append(f"#### `{p.new}` — {len(p.changed)} of {p.holders} {p.noun}s change")
            lines.append("")
            if not p.changed:
                lines += ["No outcome changes.", ""]
                continue
            lines += [
                f"| {p.noun.capitalize()} | Where | What | Old | New |",
                "|---|---|---|---|---|",
            ]
            for h in p.changed:
                for i, c in enumerate(h.changes):
                    who = f"{_cell(h.holder)} — {_cell(h.label)}" if i == 0 else ""
                    where = f"`{h.location}`" if i == 0 and h.location else ""
                    lines.append(
                        f"| {who} | {where} | `{_cell(c.what)}` | {_cell(c.old)} | {_cell(c.new)} |"
                    )
            lines.append("")
        self.out.write("\n".join(escape_controls(line) for line in lines))
