"""``policyengine test [PATH...]``: run scenario files (``*.tests.yaml``) against policies.

Exit 0 when every selected scenario passed, 1 when any failed (or coverage is below
``--fail-under``), 2 for usage errors and invalid files (printed as file:line:col).
With ``--coverage``, a policy found under a directory argument without a scenario file
is reported too (0% covered), so ``--fail-under`` holds for every policy. The files
scenario files name must be inside the repository root: the directory given
(``--root`` sets it), or an ``--allow-outside`` path (docs/security.md). Timings are
only printed with ``--durations``: without, the output is byte-identical run to run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence

from policyengine.ci.coverage import Recorder, percent
from policyengine.ci.scenarios.files import (
    SUFFIXES,
    ScenarioResult,
    default_policy_path,
    find_files,
    is_scenario_file,
    load_file,
    run_file,
)
from policyengine.cli.options import add_confinement_options, add_exclude_option, confinement
from policyengine.cli.reporters import add_output_option, reporter
from policyengine.cli.reporting import ScenariosResult
from policyengine.errors import Diagnostic, PolicyError, UsageError
from policyengine.load.kinds import document_kind, iter_files
from policyengine.load.paths import Confinement
from policyengine.load.yaml_loader import load_yaml_file
from policyengine.policy.build import load_policy
from policyengine.policy.environment import Environment

NAME = "test"
HELP = "run the scenario tests (*.tests.yaml) of policies; optionally report rule coverage"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        default=None,
        help="scenario files or directories to search for *.tests.yaml (default: policies/)",
    )
    parser.add_argument(
        "-k",
        dest="pattern",
        metavar="PATTERN",
        help="run only scenarios whose name contains PATTERN",
    )
    add_output_option(
        parser,
        "scenarios",
        "text for people (default), json for machines, github (annotations), sarif (code "
        "scanning), junit (JUnit XML test report), markdown (job summary); docs/ci.md",
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="report which rules, decisions and branches of each policy the scenarios exercised",
    )
    parser.add_argument(
        "--durations",
        action="store_true",
        help="add each scenario's wall-clock time to -o json (seconds) and -o junit (time); "
        "off by default, so the same input gives byte-identical output",
    )
    parser.add_argument(
        "--fail-under",
        type=float,
        metavar="PCT",
        help="with --coverage: exit 1 when the total coverage is below PCT",
    )
    add_exclude_option(parser, "scenario files (and, with --coverage, policies)")
    add_confinement_options(parser)


def untested_policies(
    paths: list[str],
    tested: set[str],
    files: Confinement | None = None,
    exclude: Sequence[str] = (),
) -> Iterator[str]:
    """Policy files under the directories of ``paths`` that no scenario file tests (and,
    with ``files``, that do not lead outside it; not matched by ``exclude``)."""
    for path in iter_files([p for p in paths if os.path.isdir(p)], exclude):
        if is_scenario_file(path) or os.path.normpath(path) in tested:
            continue
        if files is not None and not files.admits(path):
            continue  # not ours to report: 'policyengine validate' does
        try:
            kind = document_kind(load_yaml_file(path))
        except PolicyError:
            continue  # not ours to report: 'policyengine validate' does
        if kind == "policy":
            yield path


def _register_untested(
    recorder: Recorder,
    paths: list[str],
    tested: set[str],
    errors: list[Diagnostic],
    env: Environment,
    files: Confinement,
    exclude: Sequence[str],
) -> None:
    for path in untested_policies(paths, tested, files, exclude):
        try:
            policy = load_policy(path, env)
        except PolicyError as err:
            errors.extend(err.diagnostics)
            continue
        stem = os.path.splitext(path)[0]
        recorder.register(policy, f"no scenario file: write {stem}{SUFFIXES[0]}")


def run(args: argparse.Namespace) -> int:
    paths = args.paths or ["policies/"]
    if args.fail_under is not None and not args.coverage:
        raise UsageError("--fail-under needs --coverage")
    confined = confinement(args, paths, directories_are_root=True)
    if not args.paths and not os.path.exists(paths[0]):
        raise UsageError(
            "policies/ (the default) does not exist: name the files or directories that hold "
            "the scenario files (*.tests.yaml), e.g. 'policyengine test certs/' (in "
            ".pre-commit-config.yaml: args: [certs/])"
        )
    recorder = Recorder() if args.coverage else None
    files = list(find_files(paths, args.exclude))
    errors: list[Diagnostic] = []
    results: list[ScenarioResult] = []
    tested: set[str] = set()
    for path in files:
        try:
            sf = load_file(path, confined)
            tested.add(os.path.normpath(sf.policy_path))
            results.extend(run_file(sf, args.env, args.pattern, recorder=recorder))
        except PolicyError as err:
            errors.extend(err.diagnostics)
            tested.add(os.path.normpath(default_policy_path(path)))  # not "untested"
    if recorder is not None:
        _register_untested(recorder, paths, tested, errors, args.env, confined, args.exclude)
    cov_pct = None
    if recorder is not None:
        cov_pct = percent([i for p in sorted(recorder.policies) for i in recorder.items(p)])
    result = ScenariosResult(
        results,
        errors,
        recorder,
        durations=args.durations,
        coverage=cov_pct,
        fail_under=args.fail_under,
    )
    reporter(args.output).report_scenarios(result)
    if errors:
        return 2
    if not files:
        raise UsageError(f"no scenario files (*.tests.yaml) under {' '.join(paths)}")
    if result.failed:
        return 1
    if args.fail_under is not None and cov_pct is not None and cov_pct < args.fail_under:
        print(
            f"coverage {cov_pct:.1f}% is below --fail-under {args.fail_under:g}%", file=sys.stderr
        )
        return 1
    return 0
