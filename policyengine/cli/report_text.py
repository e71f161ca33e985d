"""``-o text`` (the default): every command's output for people.

Each report is built as a list of lines and every line is escaped when written
(:func:`~policyengine.cli.output.escape_controls`): a name from a file cannot start a
line of its own. Also holds the two helpers the other impact formats (github, markdown)
share with the text one: :func:`impact_value` and :func:`impact_totals`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from policyengine.certification.render import evaluation_text
from policyengine.cli.output import diagnostic_lines, escape_controls, write_lines
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
    from policyengine.certification.result import Evaluation
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


def _strings(data: Any) -> Iterator[str]:
    """Every string in nested dicts, lists and tuples (keys too)."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(data, (list, tuple)):
        for value in data:
            yield from _strings(value)


def safe_evaluation_text(ev: Evaluation) -> str:
    """``evaluation_text(ev)`` with the control characters of the evaluation's strings
    escaped. The text is composed in ``certification/render.py``, whose own line breaks
    cannot be told from those of a name once joined; so every string of the evaluation
    that holds a control character is looked up in the text, longest first, and
    replaced by its escaped form, and any control character left but newline is
    escaped. Replacing only ever removes line breaks: none can be added."""
    text = evaluation_text(ev)
    data = [ev.as_dict(), dict(ev.holder.fields), ev.policy.name]
    found = {s for s in _strings(data) if escape_controls(s) != s and s.strip()}
    for raw in sorted(found, key=len, reverse=True):
        text = text.replace(raw, escape_controls(raw))
    return escape_controls(text, keep="\n")


class TextReporter(Reporter):
    """Plain text: diagnostics as ``file:line:col: message`` with the source line."""

    name = "text"

    def _write(self, lines: Iterable[str], stream: str = "out") -> None:
        """Each line escaped, each followed by a newline; diagnostics coloured when
        colour is on for the stream (``color.py``)."""
        write_lines(self.out if stream == "out" else self.err, lines)

    def report_validation(self, result: ValidationResult) -> None:
        owners = result.owners
        lines = []
        for c in result.files:
            if c.diagnostics:
                for d in c.diagnostics:
                    lines += diagnostic_lines(d)
            elif c.path in owners:
                lines.append(
                    f"{c.path}: input of {owners[c.path]} (its rows are checked by "
                    "'policyengine records')"
                )
            else:
                lines.append(f"{c.path}: ok ({c.kind})")
        files, problems, warnings = len(result.files), result.problems, result.warnings
        skipped = len(result.skipped)
        lines.append(
            f"{files} file{'s' if files != 1 else ''} checked, "
            f"{problems} problem{'s' if problems != 1 else ''}"
            + (f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else "")
            + (
                f", {skipped} skipped (not policyengine documents; -o json lists them)"
                if skipped
                else ""
            )
        )
        self._write(lines)

    def report_evaluations(self, result: EvaluationsResult) -> None:
        self.out.write("\n".join(safe_evaluation_text(r) for r in result.evaluations))

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
        self._write(out)

    def report_balance(self, result: BalanceResult) -> None:
        lines = [
            *header(result.policy, result.account, result.at, result.at_given),
            "",
            *balance_lines(result.balance),
        ]
        self._write(lines)

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
        self._write(lines)

    def report_scenarios(self, result: ScenariosResult) -> None:
        lines = [line for d in result.errors for line in diagnostic_lines(d)]
        for r in result.results:
            sc = r.scenario
            if r.outcome == "failed":
                for m in r.mismatches:
                    lines.append(f"{sc.where}: scenario '{sc.name}': {m.text()}")
                    if m.location is not None:
                        lines.append(f"    (expected at {m.location})")
            elif r.outcome == "error":
                for d in r.errors:
                    first, *rest = diagnostic_lines(d)
                    lines += [f"{sc.where}: scenario '{sc.name}': error: {first}", *rest]
        if result.recorder is not None:
            from policyengine.ci.coverage import report_lines  # start-up: with --coverage only

            lines += report_lines(result.recorder)
        lines.append(f"{result.passed} passed, {result.failed} failed")
        self._write(lines)

    def report_impact(self, result: ImpactResult) -> None:
        self._write((line for d in result.errors for line in diagnostic_lines(d)), "err")
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
                first, *rest = diagnostic_lines(why, with_source=False)
                lines.append(f"  skipped {label}: {first}")
                lines.extend(f"  {line}" for line in rest)
        policies = sum(1 for p in impacts if p.changed)
        lines.append(
            f"{impact_totals(impacts)} changed in {policies} of {len(impacts)} "
            f"polic{'y' if len(impacts) == 1 else 'ies'}"
        )
        self._write(lines)

    def report_records(self, result: RecordsResult) -> None:
        lines = [_record_line(r) for r in result.records]
        lines += [line for d in result.problems for line in diagnostic_lines(d)]
        stats = result.stats
        skipped = f", {stats.rows_skipped} of other members skipped" if stats.rows_skipped else ""
        lines.append(f"{stats.rows_read} rows read, {stats.rows_rejected} rejected{skipped}")
        self._write(lines)

    def report_plugins(self, result: PluginsResult) -> None:
        sources, functions = result.sources, result.functions
        lines = []
        for p in result.plugins:
            where = "" if p.where == p.name else f": {p.where}"
            lines.append(f"{p.name}  ({p.origin}{where})")
            for name in p.sources:
                lines.append(f"  source    {name}: {sources[name].description}")
            for name in p.functions:
                fn = functions.get(name)
                lines.append(f"  function  {fn.signature() if fn else name}")
            if not (p.sources or p.functions):
                lines.append("  (registers nothing)")
        n = len(result.plugins)
        lines.append(
            f"{n} plugin{'s' if n != 1 else ''}, "
            f"{len(sources)} source{'s' if len(sources) != 1 else ''}"
        )
        self._write(lines)
