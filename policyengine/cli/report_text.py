"""``-o text`` (the default): every command's output for people.

Also holds the two helpers the other impact formats (github, markdown) share with the
text one: :func:`impact_value` and :func:`impact_totals`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policyengine.certification.render import evaluation_text
from policyengine.cli.package_text import balance_lines, decision_lines, header
from policyengine.cli.reporting import (
    AdjustmentsResult,
    BalanceResult,
    EvaluationsResult,
    ImpactResult,
    PluginsResult,
    RecordsResult,
    RedemptionResult,
    Reporter,
    ScenariosResult,
    ValidationResult,
)

if TYPE_CHECKING:
    from policyengine.ci.diff.impact import PolicyImpact
    from policyengine.records.model import Record


def impact_value(value: Any) -> str:
    """An old or new value of a diff: ``-`` for none, ``true``/``false``, else str()."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def impact_totals(impacts: list[PolicyImpact], bold: bool = False) -> str:
    """``16 of 17 holders`` (and ``3 of 19 accounts`` when package policies were compared)."""
    parts = []
    for noun in ("holder", "account"):
        mine = [p for p in impacts if p.noun == noun and not p.note]
        if noun == "holder" or mine:
            changed = sum(len(p.changed) for p in mine)
            text = f"{changed} of {sum(p.holders for p in mine)} {noun}s"
            parts.append(f"**{text}**" if bold else text)
    if len(parts) == 2 and parts[0].strip("*").endswith(" of 0 holders"):
        parts = parts[1:]
    return " and ".join(parts)


def _record_line(r: Record) -> str:
    credits = "-" if r.credits is None else str(r.credits)
    course = (
        f"  course {r.course}" + (f" #{r.registration}" if r.registration else "")
        if r.course
        else ""
    )
    return (
        f"{r.id}  earned {r.earned_on}  recorded {r.recorded_on}  {credits} credits  "
        f"{r.status}{course}  ({r.origin})"
    )


class TextReporter(Reporter):
    """Plain text: diagnostics as ``file:line:col: message`` with the source line."""

    name = "text"

    def report_validation(self, result: ValidationResult) -> None:
        owners = result.owners
        for c in result.files:
            if c.diagnostics:
                for d in c.diagnostics:
                    self.out.write(d.render() + "\n")
            elif c.path in owners:
                self.out.write(
                    f"{c.path}: input of {owners[c.path]} (its rows are checked by "
                    "'policyengine records')\n"
                )
            else:
                self.out.write(f"{c.path}: ok ({c.kind})\n")
        files, problems = len(result.files), result.problems
        self.out.write(
            f"{files} file{'s' if files != 1 else ''} checked, "
            f"{problems} problem{'s' if problems != 1 else ''}\n"
        )

    def report_evaluations(self, result: EvaluationsResult) -> None:
        self.out.write("\n".join(evaluation_text(r) for r in result.evaluations))

    def report_adjustments(self, result: AdjustmentsResult) -> None:
        out = []
        for wl in result.holders:
            out.append(f"holder {wl['holder']} (as of {wl['as_of']}):")
            for row in wl["eligible"]:
                out.append(
                    f"  {row['action']} {row['record']} ({row['earned_on']}) to "
                    f"{row['to']}: {row['text']}"
                )
            for row in wl["would_refuse"]:
                out.append(f"  no {row['action']} for {row['record']}: {row['text']}")
            for row in wl["not_allowed"]:
                out.append(
                    f"  {row['status']} change on {row['record']} by {row['by']} "
                    f"({row['role']}) to {row['to']}: {row['explanation']}"
                )
            if len(out) and out[-1].startswith("holder "):
                out.append("  nothing to do")
        self.out.write("\n".join(out) + "\n")

    def report_balance(self, result: BalanceResult) -> None:
        lines = [
            *header(result.policy, result.account, result.at, result.at_given),
            "",
            *balance_lines(result.balance),
        ]
        self.out.write("\n".join(lines) + "\n")

    def report_redemption(self, result: RedemptionResult) -> None:
        lines = [
            *header(result.policy, result.account, result.at, result.at_given),
            "",
            *decision_lines(result.decision),
        ]
        if result.recorded:
            lines += [
                "",
                f"recorded redemption '{result.recorded['id']}' in {result.recorded['path']}",
            ]
        elif result.record_to:
            lines += ["", f"nothing recorded in {result.record_to}"]
        self.out.write("\n".join(lines) + "\n")

    def report_scenarios(self, result: ScenariosResult) -> None:
        lines = [d.render() for d in result.errors]
        for r in result.results:
            sc = r.scenario
            if r.outcome == "failed":
                for m in r.mismatches:
                    lines.append(f"{sc.where}: scenario '{sc.name}': {m.text()}")
                    if m.location is not None:
                        lines.append(f"    (expected at {m.location})")
            elif r.outcome == "error":
                for d in r.errors:
                    lines.append(f"{sc.where}: scenario '{sc.name}': error: {d.render()}")
        self.out.write("\n".join(lines) + ("\n" if lines else ""))
        if result.recorder is not None:
            from policyengine.ci.coverage import report_text  # start-up: with --coverage only

            self.out.write(report_text(result.recorder))
        self.out.write(f"{result.passed} passed, {result.failed} failed\n")

    def report_impact(self, result: ImpactResult) -> None:
        for d in result.errors:
            self.err.write(d.render() + "\n")
        impacts = result.impacts
        lines = []
        for p in impacts:
            if p.note:
                lines.append(f"{p.new}: {p.note}")
                continue
            lines.append(
                f"{p.new}: {len(p.changed)} of {p.holders} {p.noun}s change (old: {p.old})"
            )
            for h in p.changed:
                lines.append(f"  {h.location}: {h.label} ({p.noun} {h.holder}):")
                for c in h.changes:
                    lines.append(f"    {c.what}: {impact_value(c.old)} -> {impact_value(c.new)}")
            for label, why in p.skipped:
                lines.append(f"  skipped {label}: {why}")
        policies = sum(1 for p in impacts if p.changed)
        lines.append(
            f"{impact_totals(impacts)} changed in {policies} of {len(impacts)} "
            f"polic{'y' if len(impacts) == 1 else 'ies'}"
        )
        self.out.write("\n".join(lines) + "\n")

    def report_records(self, result: RecordsResult) -> None:
        for r in result.records:
            self.out.write(_record_line(r) + "\n")
        for d in result.problems:
            self.out.write(d.render() + "\n")
        stats = result.stats
        skipped = f", {stats.rows_skipped} of other members skipped" if stats.rows_skipped else ""
        self.out.write(f"{stats.rows_read} rows read, {stats.rows_rejected} rejected{skipped}\n")

    def report_plugins(self, result: PluginsResult) -> None:
        sources, functions = result.sources, result.functions
        for p in result.plugins:
            where = "" if p.where == p.name else f": {p.where}"
            self.out.write(f"{p.name}  ({p.origin}{where})\n")
            for name in p.sources:
                self.out.write(f"  source    {name}: {sources[name].description}\n")
            for name in p.functions:
                fn = functions.get(name)
                self.out.write(f"  function  {fn.signature() if fn else name}\n")
            if not (p.sources or p.functions):
                self.out.write("  (registers nothing)\n")
        n = len(result.plugins)
        self.out.write(
            f"{n} plugin{'s' if n != 1 else ''}, "
            f"{len(sources)} source{'s' if len(sources) != 1 else ''}\n"
        )
