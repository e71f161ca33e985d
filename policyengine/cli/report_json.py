"""``-o json``: every command's output for machines, as :func:`output.dumps` writes it
(sorted keys, two-space indent, UTF-8, trailing newline); the shapes are versioned by
their ``format`` field where they have one (see docs/)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from policyengine.cli.output import dumps
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
    from policyengine.packages.files import Account
    from policyengine.policy.model import Policy


def context_data(policy: Policy, account: Account, at: dt.datetime, given: bool) -> dict[str, Any]:
    """The policy, account and instant a ``balance`` or ``redeem`` answer is for."""
    return {
        "policy": {"id": policy.id, "name": policy.name, "timezone": str(policy.tz)},
        "account": {"id": account.id, "name": account.name},
        "at": at.isoformat(),
        "at_given": given,
    }


class JsonReporter(Reporter):
    """One JSON document on stdout; problems are part of the document."""

    name = "json"

    def _write(self, doc: Any) -> None:
        self.out.write(dumps(doc))

    def report_validation(self, result: ValidationResult) -> None:
        owners = result.owners
        problems = result.problems
        self._write(
            {
                "files": [
                    {
                        "path": c.path,
                        "kind": c.kind,
                        "valid": all(d.severity != "error" for d in c.diagnostics),
                        "problems": [x.as_dict() for x in c.diagnostics],
                        **({"input_of": owners[c.path]} if c.path in owners else {}),
                    }
                    for c in result.files
                ],
                "problems": problems,
                "skipped": result.skipped,
                "warnings": result.warnings,
                "valid": problems == 0,
            }
        )

    def report_evaluations(self, result: EvaluationsResult) -> None:
        evaluations = result.evaluations
        self._write(
            evaluations[0].as_dict()
            if len(evaluations) == 1
            else {
                "format": "policyengine.evaluations/1",
                "evaluations": [r.as_dict() for r in evaluations],
            }
        )

    def report_adjustments(self, result: AdjustmentsResult) -> None:
        self._write(
            {
                "format": "policyengine.adjustments/1",
                "policy": result.policy_id,
                "holders": result.holders,
            }
        )

    def report_balance(self, result: BalanceResult) -> None:
        from policyengine.packages import balance_data  # start-up: only this result's kind

        self._write(
            {
                **context_data(result.policy, result.account, result.at, result.at_given),
                "balance": balance_data(result.balance),
            }
        )

    def report_redemption(self, result: RedemptionResult) -> None:
        from policyengine.packages import decision_data  # start-up: only this result's kind

        self._write(
            {
                **context_data(result.policy, result.account, result.at, result.at_given),
                "decision": decision_data(result.decision),
                "recorded": result.recorded,
            }
        )

    def report_scenarios(self, result: ScenariosResult) -> None:
        doc: dict[str, Any] = {
            "format": "policyengine.test/1",
            "scenarios": [
                {k: v for k, v in r.as_dict().items() if k != "seconds" or result.durations}
                for r in result.results
            ],
            "errors": [d.as_dict() for d in result.errors],
            "passed": result.passed,
            "failed": result.failed,
        }
        if result.recorder is not None:
            from policyengine.ci.coverage import report_data  # start-up: --coverage only

            doc["coverage"] = report_data(result.recorder)
        self._write(doc)

    def report_impact(self, result: ImpactResult) -> None:
        from policyengine.ci.diff.impact import as_data  # start-up: only this result's kind

        doc = as_data(result.impacts)
        doc["errors"] = [d.as_dict() for d in result.errors]
        self._write(doc)

    def report_records(self, result: RecordsResult) -> None:
        # start-up: only this result's kind
        from policyengine.sources.base import plain_value, record_as_dict

        stats = result.stats
        self._write(
            {
                "records": [record_as_dict(r) for r in result.records],
                "problems": [d.as_dict() for d in result.problems],
                "holder": (
                    {k: plain_value(v) for k, v in stats.holder.fields.items()}
                    if stats.holder
                    else None
                ),
                "sources": [
                    {
                        "source": s.source,
                        "input": s.input,
                        "rows_read": s.rows_read,
                        "rows_rejected": s.rows_rejected,
                        "rows_skipped": s.rows_skipped,
                    }
                    for s in stats.per_source
                ],
                "rows_read": stats.rows_read,
                "rows_rejected": stats.rows_rejected,
                "rows_skipped": stats.rows_skipped,
            }
        )

    def report_plugins(self, result: PluginsResult) -> None:
        self._write({"plugins": [p.as_dict() for p in result.plugins]})
