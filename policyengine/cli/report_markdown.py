"""``-o markdown``: a pull-request comment or a GitHub job summary
(``$GITHUB_STEP_SUMMARY``) for ``validate``, ``test`` and ``diff``.

Each line is escaped (``output.py``) and ``|`` in table cells, so that nothing a file
holds can break the table or start a line of its own. Problems that stop a command
(files that do not load) are in the Markdown and, for ``diff``, on stderr as text too.
"""

from __future__ import annotations

from typing import Any

from policyengine.cli.findings import scenario_findings
from policyengine.cli.output import diagnostic_lines, escape_controls
from policyengine.cli.report_text import impact_totals, impact_value
from policyengine.cli.reporting import ImpactResult, Reporter, ScenariosResult, ValidationResult
from policyengine.errors import Diagnostic


def _cell(value: Any) -> str:
    return escape_controls(impact_value(value)).replace("|", "\\|")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _problem_rows(findings: list[Diagnostic]) -> list[str]:
    rows = ["| Where | Code | Problem |", "|---|---|---|"]
    for d in findings:
        where = f"`{_cell(str(d.location))}`" if d.location else ""
        level = "" if d.severity == "error" else f"{d.severity}: "
        hint = f" (hint: {d.hint})" if d.hint else ""
        rows.append(f"| {where} | {d.problem_code} | {level}{_cell(d.message + hint)} |")
    return rows


def _join(lines: list[str]) -> str:
    """The lines, escaped; the last is empty, so the text ends in one newline."""
    return "\n".join(escape_controls(line) for line in lines)


def validation_markdown(result: ValidationResult) -> str:
    findings = [d for c in result.files for d in c.diagnostics]
    lines = [
        "### Policy validation",
        "",
        f"{_plural(len(result.files), 'file')} checked: **{_plural(result.problems, 'problem')}**"
        + (f", {_plural(result.warnings, 'warning')}" if result.warnings else "")
        + ".",
        "",
    ]
    if findings:
        lines += [*_problem_rows(findings), ""]
    return _join(lines)


def scenarios_markdown(result: ScenariosResult) -> str:
    findings = scenario_findings(result)
    lines = ["### Policy scenarios", "", f"**{result.passed} passed, {result.failed} failed**"]
    if result.coverage is not None:
        lines[-1] += f"; coverage {result.coverage:.1f}%"
        if result.fail_under is not None:
            lines[-1] += f" (--fail-under {result.fail_under:g}%)"
    lines.append("")
    if findings:
        lines += [*_problem_rows(findings), ""]
    return _join(lines)


def impact_markdown(result: ImpactResult) -> str:
    lines = [
        "### Policy impact",
        "",
        f"{impact_totals(result.impacts, bold=True)} change their outcome.",
        "",
    ]
    if result.errors:
        lines += [*_problem_rows(result.errors), ""]
    for p in result.impacts:
        if p.note:
            lines += [f"`{p.new}`: {p.note}", ""]
            continue
        lines.append(f"#### `{p.new}` — {len(p.changed)} of {p.holders} {p.noun}s change")
        lines.append("")
        if not p.changed:
            lines += ["No outcome changes.", ""]
            continue
        if p.edits:
            lines.append("Edited values:")
            lines += [
                f"- `{_cell(e.text())}`" + (f" (line {e.location.line})" if e.location else "")
                for e in p.edits
            ]
            lines.append("")
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
    return _join(lines)


class MarkdownReporter(Reporter):
    """Markdown for a pull-request comment or a job summary."""

    name = "markdown"

    def report_validation(self, result: ValidationResult) -> None:
        self.out.write(validation_markdown(result))

    def report_scenarios(self, result: ScenariosResult) -> None:
        self.out.write(scenarios_markdown(result))

    def report_impact(self, result: ImpactResult) -> None:
        for d in result.errors:
            self.err.write("".join(line + "\n" for line in diagnostic_lines(d)))
        self.out.write(impact_markdown(result))
