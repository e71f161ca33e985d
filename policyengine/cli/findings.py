"""Every result that calls for attention, as diagnostics: what the problem formats
(``-o sarif``, ``-o github``, ``-o markdown``) show for ``validate``, ``test`` and ``diff``.

A failed scenario becomes a ``test.failed`` (PE650) diagnostic at the expected value
in the ``.tests.yaml``; a coverage below ``--fail-under`` a ``test.coverage`` (PE651)
one; a policy change that moves outcomes a ``diff.outcome`` (PE660) warning at each
policy line whose value changed. So each format renders one list, with the stable
problem codes of ``problem_codes.py``.
"""

from __future__ import annotations

from policyengine.cli.report_text import impact_value
from policyengine.cli.reporting import ImpactResult, ScenariosResult, ValidationResult
from policyengine.errors import Diagnostic, Location


def validation_findings(result: ValidationResult) -> list[Diagnostic]:
    """The diagnostics of every file, in file order; one without a place names its file."""
    out = []
    for c in result.files:
        for d in c.diagnostics:
            if d.location is None:
                d = Diagnostic(
                    d.message, Location(c.path, 1, 1), d.hint, d.code, d.severity, d.source_line
                )
            out.append(d)
    return out


def scenario_findings(result: ScenariosResult, coverage: bool = True) -> list[Diagnostic]:
    """Files that did not load, failed and broken scenarios, and (with ``coverage``) a
    coverage shortfall."""
    out = list(result.errors)
    for r in result.results:
        sc = r.scenario
        here = Location(sc.file, sc.line, 1)
        for m in r.mismatches if r.outcome == "failed" else []:
            message = f"scenario '{sc.name}': {m.text()}"
            out.append(Diagnostic(message, m.location or here, code="test.failed"))
        for d in r.errors if r.outcome == "error" else []:
            out.append(
                Diagnostic(
                    f"scenario '{sc.name}': {d.message}",
                    d.location or here,
                    d.hint,
                    d.code,
                    d.severity,
                    d.source_line,
                    d.width,
                )
            )
    shortfall = coverage_shortfall(result) if coverage else None
    if shortfall is not None:
        out.append(shortfall)
    return out


def coverage_shortfall(result: ScenariosResult) -> Diagnostic | None:
    """``test.coverage`` when ``--fail-under`` is given and the coverage is below it."""
    if result.fail_under is None or result.coverage is None:
        return None
    if result.coverage >= result.fail_under:
        return None
    return Diagnostic(
        f"coverage {result.coverage:.1f}% is below --fail-under {result.fail_under:g}%",
        hint="add scenarios for the rules, decisions and branches --coverage lists as missed",
        code="test.coverage",
    )


def _subjects(names: list[str], keep: int = 3) -> str:
    shown = ", ".join(names[:keep])
    return shown + (f" and {len(names) - keep} more" if len(names) > keep else "")


def impact_findings(result: ImpactResult) -> list[Diagnostic]:
    """Policies that did not load (errors), then per policy whose outcomes change a
    warning at each edited value (or at the file, when no value differs)."""
    out = list(result.errors)
    for p in result.impacts:
        if not p.changed:
            continue
        who = _subjects([f"{h.holder} ({h.label})" for h in p.changed])
        moved = f"the outcome of {len(p.changed)} of {p.holders} {p.noun}s changes: {who}"
        first = p.changed[0]
        example = "; ".join(
            f"{c.what}: {impact_value(c.old)} -> {impact_value(c.new)}" for c in first.changes
        )
        hint = f"e.g. {first.holder}: {example}"
        edits = p.edits or []
        if not edits:
            out.append(
                Diagnostic(
                    f"{moved}", Location(p.new, 1, 1), hint, code="diff.outcome", severity="warning"
                )
            )
        for e in edits:
            many = f" (one of {len(edits)} edits in this file)" if len(edits) > 1 else ""
            out.append(
                Diagnostic(
                    f"{e.text()}{many}: {moved}",
                    e.location or Location(p.new, 1, 1),
                    hint,
                    code="diff.outcome",
                    severity="warning",
                )
            )
    return out
