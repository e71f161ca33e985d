"""``-o github``: GitHub Actions workflow commands (annotations) for ``validate``,
``test`` and ``diff``.

GitHub shows at most 10 annotations of each level per step, so at most
:data:`LIMIT` lines are printed: the first findings (``findings.py``) and a closing
``::notice`` that gives the totals and says how many were left out. When
``$GITHUB_STEP_SUMMARY`` names a file (it does in every Actions step), the whole
report is appended to it as Markdown (``report_markdown.py``), so nothing is lost.
What comes from files is escaped with GitHub's own ``%``/CR/LF encoding
(``output.py``). Each annotation's ``title`` is its problem code (``PE131``).
"""

from __future__ import annotations

import os

from policyengine.cli.findings import impact_findings, scenario_findings, validation_findings
from policyengine.cli.output import escape_data, github_annotation
from policyengine.cli.report_markdown import (
    impact_markdown,
    scenarios_markdown,
    validation_markdown,
)
from policyengine.cli.report_text import impact_totals
from policyengine.cli.reporting import ImpactResult, Reporter, ScenariosResult, ValidationResult
from policyengine.errors import Diagnostic

LIMIT = 10  # annotations GitHub shows per step (of each level; we keep to 10 in all)


def github_lines(findings: list[Diagnostic], closing: str | None, limit: int = LIMIT) -> list[str]:
    """At most ``limit`` workflow commands: the findings, then ``closing`` as a notice;
    when they do not fit, the first ``limit - 1`` and a notice saying how many more."""
    lines = [github_annotation(d) for d in findings]
    if closing is None and len(lines) <= limit:
        return lines
    shown = lines[: limit - 1] if len(lines) > limit - 1 else lines
    rest = len(lines) - len(shown)
    parts = [closing] if closing else []
    if rest:
        parts.append(
            f"{rest} more not annotated (GitHub shows {limit} per step): "
            "see the job summary or the text output"
        )
    return [*shown, f"::notice::{escape_data('; '.join(parts))}"]


class GithubReporter(Reporter):
    """GitHub Actions annotations (``::error file=F,line=L,col=C,title=PE###::message``)."""

    name = "github"

    def _write(self, lines: list[str], markdown: str) -> None:
        self.out.write("".join(line + "\n" for line in lines))
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            try:
                with open(summary, "a", encoding="utf-8") as f:
                    f.write(markdown + "\n")
            except OSError as exc:
                self.err.write(
                    f"policyengine: cannot write the job summary to {summary}: "
                    f"{exc.strerror or exc}\n"
                )

    def report_validation(self, result: ValidationResult) -> None:
        self._write(github_lines(validation_findings(result), None), validation_markdown(result))

    def report_scenarios(self, result: ScenariosResult) -> None:
        closing = f"{result.passed} passed, {result.failed} failed"
        if result.coverage is not None:
            closing += f"; coverage {result.coverage:.1f}%"
        self._write(github_lines(scenario_findings(result), closing), scenarios_markdown(result))

    def report_impact(self, result: ImpactResult) -> None:
        closing = f"{impact_totals(result.impacts)} changed"
        self._write(github_lines(impact_findings(result), closing), impact_markdown(result))
