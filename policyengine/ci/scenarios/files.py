"""Scenario test files: loading, running and comparing (``policyengine test``).

A scenario file ``policies/<policy-id>.tests.yaml`` tests ``policies/<policy-id>.yaml``
(the file name minus ``.tests``; a top-level ``policy:`` key, relative to the scenario
file, overrides it). Each scenario gives a holder (inline ``holder`` + ``records``, or a
``holder_file``), an ``as_of`` date and an ``expect`` mapping compared partially with
the evaluation (``scenariomatch.py``). For credit-package policies a scenario gives an
``account`` + ``events`` (or ``account_file``, optionally followed by ``events``), a
``cart`` (or ``cart_file``) and ``at``, and ``expect`` holds the ``decision`` and/or
``balance`` (``scenariopackages.py``).

Files are validated against ``scenarios.schema.json``; problems in a file (schema, a
policy that does not load, a holder that does not read) raise :class:`PolicyError`
with ``file:line:col``. A scenario file comes from a pull request: the files it names
(``policy``, ``holder_file``, ``account_file``, ``cart_file``, and the default policy
beside it) are resolved against it and must lead inside the repository
(``ScenarioFile.confinement``, see ``load/paths.py``; by default the scenario file's
directory). A scenario whose evaluation fails at run time is an *error*
result, not an exception.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from policyengine import dates
from policyengine.certification.engine import evaluate
from policyengine.ci.coverage import Recorder, requirement_id
from policyengine.ci.scenarios.expect import Mismatch, match_evaluation, match_package
from policyengine.ci.scenarios.packages import PACKAGE_EXPECT, package_outcome, sub_document
from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.load.kinds import walk_files
from policyengine.load.paths import STDIN, STDIN_NAME, Confinement, PathRefused, named_file
from policyengine.load.schema import validate_against
from policyengine.load.yaml_loader import load_yaml_file, locate
from policyengine.policy.build import load_policy
from policyengine.policy.environment import Environment
from policyengine.policy.model import Policy
from policyengine.policy.rule import observing
from policyengine.records.model import Holder, Record, holder_from_document, load_holder

SUFFIXES = (".tests.yaml", ".tests.yml", ".tests.json")


@dataclass
class Scenario:
    name: str
    file: str
    line: int
    index: int
    data: Any  # the scenario mapping as loaded (positions kept)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class ScenarioFile:
    path: str
    policy_path: str
    data: Any
    scenarios: list[Scenario]
    confinement: Confinement | None = None  # None: the scenario file's directory

    def named_file(self, where: list[str | int]) -> str:
        """The file named by the string at ``where``, resolved and confined (PolicyError
        at that string when it leads outside the repository)."""
        confinement = self.confinement or Confinement.around(self.path)
        return named_file(confinement, self.path, self.data, where, "scenarios.outside")


@dataclass
class ScenarioResult:
    scenario: Scenario
    outcome: str  # "passed", "failed" or "error"
    mismatches: list[Mismatch] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.scenario.name,
            "file": self.scenario.file,
            "line": self.scenario.line,
            "outcome": self.outcome,
            "mismatches": [m.as_dict() for m in self.mismatches],
            "errors": [d.as_dict() for d in self.errors],
            "seconds": round(self.seconds, 4),
        }


def is_scenario_file(path: str) -> bool:
    return path.endswith(SUFFIXES)


def find_files(paths: Iterable[str], exclude: Sequence[str] = ()) -> Iterator[str]:
    """Scenario files named, and ``*.tests.yaml`` files under directories (as a
    ``validate`` walk finds them), sorted, without those ``exclude`` matches."""
    for found in walk_files(paths, exclude):
        if found.named or is_scenario_file(found.path):
            yield found.path


def default_policy_path(path: str) -> str:
    """``x/werc-crp.tests.yaml`` -> ``x/werc-crp.yaml`` (same extension, minus '.tests')."""
    for suffix in SUFFIXES:
        if path.endswith(suffix):
            return path[: -len(suffix)] + suffix[len(".tests") :]
    return path


def load_file(path: str, confinement: Confinement | None = None) -> ScenarioFile:
    """Read and validate a scenario file; raise PolicyError with every problem.

    ``confinement``: where the files it names may be (default: its directory); when
    given, the file itself must be inside too (it may have been found in a directory)."""
    try:
        if confinement is not None:
            confinement.check(path)
    except PathRefused as err:
        raise PolicyError(Diagnostic(err.message, None, err.hint, "scenarios.outside")) from None
    try:
        data = load_yaml_file(path)
    except OSError as err:
        raise PolicyError(
            Diagnostic(f"cannot read {path}: {err.strerror}", code="io", path=path)
        ) from None
    if not isinstance(data, dict) or "scenarios" not in data:
        raise PolicyError(
            Diagnostic(
                f"{path}: not a scenario file (no 'scenarios' key)",
                getattr(data, "loc", None) or Location(path, 1, 1),
                code="scenarios.kind",
            )
        )
    problems = validate_against(data, "scenarios")
    if problems:
        raise PolicyError(problems)
    sf = ScenarioFile(path, default_policy_path(path), data, [], confinement)
    if "policy" in data:
        sf.policy_path = sf.named_file(["policy"])
    else:
        try:
            (confinement or Confinement.around(path)).check(sf.policy_path)
        except PathRefused as err:
            raise PolicyError(
                Diagnostic(err.message, Location(path, 1, 1), err.hint, "scenarios.outside")
            ) from None
    policy_path = sf.policy_path
    scenarios: list[Scenario] = []
    seen: dict[str, int] = {}
    for i, sc in enumerate(data["scenarios"]):
        loc = locate(data, ["scenarios", i])
        name = str(sc["name"])
        if name in seen:
            problems.append(
                Diagnostic(
                    f"duplicate scenario name '{name}' (first used on line {seen[name]})",
                    locate(data, ["scenarios", i, "name"]),
                    hint="give every scenario its own name",
                    code="scenarios.duplicate-name",
                )
            )
        seen.setdefault(name, loc.line if loc else 0)
        if "as_of" in sc:
            try:
                dates.parse_date(str(sc["as_of"]))
            except ValueError as err:
                problems.append(
                    Diagnostic(
                        str(err),
                        locate(data, ["scenarios", i, "as_of"]),
                        hint="write the date as YYYY-MM-DD",
                        code="scenarios.as-of",
                    )
                )
        if "at" in sc:
            try:
                dates.parse_datetime(str(sc["at"]), dt.timezone.utc)
            except ValueError as err:
                problems.append(
                    Diagnostic(
                        str(err),
                        locate(data, ["scenarios", i, "at"]),
                        hint="write an ISO 8601 instant such as "
                        "2025-03-01T10:00:00 (policy time zone) or "
                        "2025-03-01T10:00:00-08:00",
                        code="scenarios.at",
                    )
                )
        scenarios.append(Scenario(name, path, loc.line if loc else 0, i, sc))
    if path == STDIN and "policy" not in data:
        problems.append(
            Diagnostic(
                "a scenario file read from standard input does not say which policy it tests",
                Location(STDIN_NAME, 1, 1),
                hint="set 'policy:' to the policy's path (relative to the current directory)",
                code="scenarios.policy",
            )
        )
    elif not os.path.exists(policy_path):
        problems.append(
            Diagnostic(
                f"the policy file {policy_path} does not exist",
                locate(data, ["policy"]) if "policy" in data else Location(path, 1, 1),
                hint="name scenario files <policy>.tests.yaml next to <policy>.yaml, or set "
                "'policy:' to the policy's path relative to this file",
                code="scenarios.policy",
            )
        )
    if problems:
        raise PolicyError(problems)
    sf.scenarios = scenarios
    return sf


def holder_for(sf: ScenarioFile, sc: Scenario, policy: Policy) -> tuple[Holder, list[Record]]:
    """(Holder, records) of a certification scenario; PolicyError at the scenario's lines."""
    extra = policy.record_fields
    data = sc.data
    if "holder_file" in data:
        holder_file = sf.named_file(["scenarios", sc.index, "holder_file"])
        holder, records = load_holder(holder_file, policy.tz, extra_fields=extra)
        if data.get("records"):
            doc = sub_document(data, {"records": "records"})
            doc["holder"] = {"id": holder.id}
            _, more = holder_from_document(doc, policy.tz, extra_fields=extra)
            records = [*records, *[_renumber(r, len(records) + i) for i, r in enumerate(more)]]
        return holder, records
    doc = sub_document(data, {"holder": "holder", "records": "records"})
    return holder_from_document(doc, policy.tz, extra_fields=extra)


def _renumber(record: Any, order: int) -> Any:
    return replace(record, order=order)


def evaluate_scenario(
    policy: Policy, sf: ScenarioFile, sc: Scenario, recorder: Recorder | None = None
) -> dict[str, Any]:
    """The evaluation of a certification scenario, as ``Evaluation.as_dict()``."""
    holder, records = holder_for(sf, sc, policy)
    as_of = dates.parse_date(str(sc.data["as_of"]))
    evaluation = evaluate(policy, holder, records, as_of)
    if recorder is not None:
        _record_requirements(policy, evaluation, recorder)
    return evaluation.as_dict()


def _record_requirements(policy: Policy, evaluation: Any, recorder: Recorder) -> None:
    """Requirement coverage: which requirements were measured, met and not met."""
    for p in evaluation.periods:
        base = policy.requirements_for(p.kind).path
        for i, result in enumerate(evaluation.results.get(p.number, [])):
            recorder.hit(policy, requirement_id(base, i), bool(result.met))
            if result.cap is not None:
                recorder.hit(policy, f"{requirement_id(base, i)}.cap", result.counted >= result.cap)


def run_scenario(
    policy: Policy, sf: ScenarioFile, sc: Scenario, recorder: Recorder | None = None
) -> ScenarioResult:
    """Run one scenario and compare; never raises for problems in the scenario."""
    start = time.perf_counter()
    expect = sc.data["expect"]
    base: list[str | int] = ["scenarios", sc.index, "expect"]
    try:
        if policy.kind == "credit-package":
            actual = package_outcome(policy, sf, sc, recorder)
            mismatches = match_package(expect, actual, sf.data, base, policy.tz)
        else:
            if "as_of" not in sc.data:
                raise PolicyError(
                    Diagnostic(
                        f"scenario '{sc.name}' tests a certification policy: it needs 'holder' "
                        "or 'holder_file' and 'as_of'",
                        locate(sf.data, ["scenarios", sc.index]),
                        hint="account, cart and at are for credit-package policies",
                        code="scenarios.kind",
                    )
                )
            wrong = [k for k in expect if k in PACKAGE_EXPECT]
            if wrong:
                raise PolicyError(
                    [
                        Diagnostic(
                            f"'{k}' is expected of credit-package policies, not of a certification "
                            "policy",
                            locate(sf.data, [*base, k]),
                            hint="see docs/ci.md, 'Scenario files'",
                            code="scenarios.kind",
                        )
                        for k in wrong
                    ]
                )
            actual = evaluate_scenario(policy, sf, sc, recorder)
            mismatches = match_evaluation(expect, actual, sf.data, base)
    except PolicyError as err:
        return ScenarioResult(
            sc, "error", errors=err.diagnostics, seconds=time.perf_counter() - start
        )
    return ScenarioResult(
        sc, "failed" if mismatches else "passed", mismatches, seconds=time.perf_counter() - start
    )


def select(scenarios: list[Scenario], pattern: str | None) -> list[Scenario]:
    """Scenarios whose name contains ``pattern`` (case-insensitive); all when None."""
    if not pattern:
        return list(scenarios)
    return [s for s in scenarios if pattern.lower() in s.name.lower()]


def run_file(
    sf: ScenarioFile,
    env: Environment,
    pattern: str | None = None,
    policy: Policy | None = None,
    recorder: Recorder | None = None,
) -> list[ScenarioResult]:
    """Run the selected scenarios of a file (PolicyError when its policy does not load)."""
    policy = policy or load_policy(sf.policy_path, env)
    chosen = select(sf.scenarios, pattern)
    if recorder is None:
        return [run_scenario(policy, sf, sc) for sc in chosen]
    recorder.register(policy)
    with observing(recorder):
        return [run_scenario(policy, sf, sc, recorder) for sc in chosen]
