"""What a command hands to a reporter: one plain result object per kind of output, and
the :class:`Reporter` base class with one ``report_<kind>`` method for each.

A command computes its result (a :class:`ValidationResult`, a :class:`BalanceResult`,
...) and calls the matching method of the reporter ``-o`` chose, e.g.
``reporter.report_validation(result)``. An output format is one :class:`Reporter`
subclass that implements the methods of the results it can show, registered by name
in :data:`policyengine.cli.reporters.REPORTERS`; ``-o`` offers a format to a command
exactly when the format implements that command's method. So a new format (SARIF,
say) is one new class, and no command changes.

Library types are imported for type checking only, so importing this module (and
every reporter) costs a command nothing it does not load anyway.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from policyengine.errors import Diagnostic

if TYPE_CHECKING:
    from policyengine.certification.result import Evaluation
    from policyengine.ci.coverage import Recorder
    from policyengine.ci.diff.impact import PolicyImpact
    from policyengine.ci.scenarios.files import ScenarioResult
    from policyengine.ci.validate import Checked
    from policyengine.expr.functions import FunctionRegistry
    from policyengine.packages.files import Account
    from policyengine.packages.ledger import Balance
    from policyengine.packages.redeem import RedemptionDecision
    from policyengine.plugins_loader import PluginInfo, SourceRegistry
    from policyengine.policy.model import Policy
    from policyengine.records.model import Record
    from policyengine.sources.sources_file import FileStats

# The kinds of result, in the order of the ``report_<kind>`` methods below.
KINDS = (
    "validation",
    "evaluations",
    "adjustments",
    "balance",
    "redemption",
    "scenarios",
    "impact",
    "records",
    "plugins",
)


@dataclass(frozen=True)
class ValidationResult:
    """``validate``: every file checked, with its kind and problems; ``skipped``: the
    files a directory walk found that are not policyengine documents."""

    files: list[Checked]
    skipped: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        """Errors: what makes ``validate`` exit 1 (warnings do not)."""
        return sum(d.severity == "error" for c in self.files for d in c.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity != "error" for c in self.files for d in c.diagnostics)

    @property
    def owners(self) -> dict[str, str]:
        """The sources file naming each input file as its input, by path."""
        return {c.path: c.input_of for c in self.files if c.input_of}


@dataclass(frozen=True)
class EvaluationsResult:
    """``evaluate``: one evaluation per holder, in the order given."""

    evaluations: list[Evaluation]


@dataclass(frozen=True)
class AdjustmentsResult:
    """``adjustments``: the staff work list of each holder (see ``work_list``)."""

    policy_id: str
    holders: list[dict[str, Any]]


@dataclass(frozen=True)
class BalanceResult:
    """``balance``: an account's packages as of ``at`` (``at_given``: from ``--at``)."""

    policy: Policy
    account: Account
    at: dt.datetime
    at_given: bool
    balance: Balance


@dataclass(frozen=True)
class RedemptionResult:
    """``redeem``: the decision on a cart, and what ``--record`` wrote (if anything)."""

    policy: Policy
    account: Account
    at: dt.datetime
    at_given: bool
    decision: RedemptionDecision
    recorded: dict[str, str] | None  # {"id": ..., "path": ...} when a redemption was written
    record_to: str | None  # the --record path, given or not


@dataclass(frozen=True)
class ScenariosResult:
    """``test``: every scenario's result, the files that did not load, and coverage."""

    results: list[ScenarioResult]
    errors: list[Diagnostic]
    recorder: Recorder | None  # with --coverage
    durations: bool = False  # --durations: wall-clock times (output no longer identical)
    coverage: float | None = None  # the total coverage percentage, with --coverage
    fail_under: float | None = None  # --fail-under: reported as a failure when not met

    @property
    def passed(self) -> int:
        return sum(r.outcome == "passed" for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed


@dataclass(frozen=True)
class ImpactResult:
    """``diff``: the impact of each policy change, and the policies that did not load."""

    impacts: list[PolicyImpact]
    errors: list[Diagnostic]


@dataclass(frozen=True)
class RecordsResult:
    """``records``: the records a sources file yields, the rejected rows, the counts."""

    records: list[Record]
    problems: list[Diagnostic]
    stats: FileStats


@dataclass(frozen=True)
class PluginsResult:
    """``plugins``: the loaded plugins and the registries they filled."""

    plugins: list[PluginInfo]
    sources: SourceRegistry
    functions: FunctionRegistry


class Reporter:
    """One output format. Subclasses set ``name`` and implement the ``report_<kind>``
    methods of the results they can show; the others raise NotImplementedError."""

    name: ClassVar[str] = ""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out: TextIO = sys.stdout if out is None else out
        self.err: TextIO = sys.stderr if err is None else err

    @classmethod
    def supports(cls, kind: str) -> bool:
        """Whether this format can show results of ``kind`` (one of :data:`KINDS`)."""
        method = f"report_{kind}"
        return getattr(cls, method) is not getattr(Reporter, method)

    def _unsupported(self, kind: str) -> NotImplementedError:
        return NotImplementedError(f"the {self.name} format cannot show {kind} results")

    def report_validation(self, result: ValidationResult) -> None:
        raise self._unsupported("validation")

    def report_evaluations(self, result: EvaluationsResult) -> None:
        raise self._unsupported("evaluations")

    def report_adjustments(self, result: AdjustmentsResult) -> None:
        raise self._unsupported("adjustments")

    def report_balance(self, result: BalanceResult) -> None:
        raise self._unsupported("balance")

    def report_redemption(self, result: RedemptionResult) -> None:
        raise self._unsupported("redemption")

    def report_scenarios(self, result: ScenariosResult) -> None:
        raise self._unsupported("scenarios")

    def report_impact(self, result: ImpactResult) -> None:
        raise self._unsupported("impact")

    def report_records(self, result: RecordsResult) -> None:
        raise self._unsupported("records")

    def report_plugins(self, result: PluginsResult) -> None:
        raise self._unsupported("plugins")
