"""``policyengine test [PATH...]``: run scenario files (``*.tests.yaml``) against policies.

Exit 0 when every selected scenario passed, 1 when any failed (or coverage is below
``--fail-under``), 2 for usage errors and invalid files (printed as file:line:col).
With ``--coverage``, a policy found under a directory argument without a scenario file
is reported too (0% covered), so ``--fail-under`` holds for every policy.
"""

from __future__ import annotations

import argparse
import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

from policyengine.errors import Diagnostic, PolicyError, UsageError
from policyengine.cli.output import dumps
from policyengine.ci.scenarios.files import (
    Result,
    default_policy_path,
    find_files,
    load_file,
    run_file,
)

NAME = "test"
HELP = "run the scenario tests (*.tests.yaml) of policies; optionally report rule coverage"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", default=None,
                        help="scenario files or directories to search for *.tests.yaml "
                        "(default: policies/)")
    parser.add_argument("-k", dest="pattern", metavar="PATTERN",
                        help="run only scenarios whose name contains PATTERN")
    parser.add_argument("-o", "--output", choices=("text", "json", "junit"), default="text",
                        help="text for people (default), json for machines, junit (JUnit XML) "
                        "for CI systems")
    parser.add_argument("--coverage", action="store_true",
                        help="report which rules, decisions and branches of each policy the "
                        "scenarios exercised")
    parser.add_argument("--fail-under", type=float, metavar="PCT",
                        help="with --coverage: exit 1 when the total coverage is below PCT")


def _fmt_count(passed: int, failed: int) -> str:
    return f"{passed} passed, {failed} failed"


def junit_xml(results: list[Result], errors: list[Diagnostic]) -> str:
    """JUnit XML: one testsuite per scenario file, one testcase per scenario."""
    suites = ET.Element("testsuites", name="policyengine test")
    by_file: dict[str, list[Result]] = {}
    for r in results:
        by_file.setdefault(r.scenario.file, []).append(r)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for path, rs in by_file.items():
        failures = sum(r.outcome == "failed" for r in rs)
        errs = sum(r.outcome == "error" for r in rs)
        suite = ET.SubElement(suites, "testsuite", name=path, tests=str(len(rs)),
                              failures=str(failures), errors=str(errs), skipped="0",
                              time=f"{sum(r.seconds for r in rs):.4f}")
        totals["tests"] += len(rs)
        totals["failures"] += failures
        totals["errors"] += errs
        for r in rs:
            case = ET.SubElement(suite, "testcase", name=r.scenario.name, classname=path,
                                 file=path, line=str(r.scenario.line), time=f"{r.seconds:.4f}")
            if r.outcome == "failed":
                first = r.mismatches[0]
                el = ET.SubElement(case, "failure", type="mismatch",
                                   message=f"{r.scenario.where}: {first.text()}")
                el.text = "\n".join(f"{m.location or r.scenario.where}: {m.text()}"
                                    for m in r.mismatches)
            elif r.outcome == "error":
                el = ET.SubElement(case, "error", type="error",
                                   message=r.errors[0].render(with_source=False))
                el.text = "\n".join(d.render() for d in r.errors)
    if errors:
        suite = ET.SubElement(suites, "testsuite", name="invalid files", tests=str(len(errors)),
                              failures="0", errors=str(len(errors)), skipped="0", time="0")
        totals["tests"] += len(errors)
        totals["errors"] += len(errors)
        for d in errors:
            where = d.location.file if d.location else "?"
            case = ET.SubElement(suite, "testcase", name=f"load {where}", classname=where)
            el = ET.SubElement(case, "error", type="invalid-file",
                               message=d.render(with_source=False))
            el.text = d.render()
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _text(results: list[Result], errors: list[Diagnostic]) -> str:
    lines = []
    for d in errors:
        lines.append(d.render())
    for r in results:
        sc = r.scenario
        if r.outcome == "failed":
            for m in r.mismatches:
                lines.append(f"{sc.where}: scenario '{sc.name}': {m.text()}")
                if m.location is not None:
                    lines.append(f"    (expected at {m.location})")
        elif r.outcome == "error":
            for d in r.errors:
                lines.append(f"{sc.where}: scenario '{sc.name}': error: {d.render()}")
    return "\n".join(lines) + ("\n" if lines else "")


def untested_policies(paths: list[str], tested: set[str]) -> Iterator[str]:
    """Policy files under the directories of ``paths`` that no scenario file tests."""
    from policyengine.ci.validate import document_kind, iter_files
    from policyengine.ci.scenarios.files import is_scenario_file
    from policyengine.load.yaml_loader import load_yaml_file

    for path in iter_files([p for p in paths if os.path.isdir(p)]):
        if is_scenario_file(path) or os.path.normpath(path) in tested:
            continue
        try:
            kind = document_kind(load_yaml_file(path))
        except PolicyError:
            continue  # not ours to report: 'policyengine validate' does
        if kind == "policy":
            yield path


def _register_untested(recorder: Any, paths: list[str], tested: set[str],
                       errors: list[Diagnostic]) -> None:
    from policyengine.policy.build import load_policy
    from policyengine.ci.scenarios.files import SUFFIXES

    for path in untested_policies(paths, tested):
        try:
            policy = load_policy(path)
        except PolicyError as err:
            errors.extend(err.diagnostics)
            continue
        stem = os.path.splitext(path)[0]
        recorder.register(policy, f"no scenario file: write {stem}{SUFFIXES[0]}")


def run(args: argparse.Namespace) -> int:
    paths = args.paths or ["policies/"]
    if args.fail_under is not None and not args.coverage:
        raise UsageError("--fail-under needs --coverage")
    recorder = None
    if args.coverage:
        from policyengine.ci.coverage import Recorder

        recorder = Recorder()
    files = list(find_files(paths))
    errors: list[Diagnostic] = []
    results: list[Result] = []
    tested: set[str] = set()
    for path in files:
        try:
            sf = load_file(path)
            tested.add(os.path.normpath(sf.policy_path))
            results.extend(run_file(sf, args.pattern, recorder=recorder))
        except PolicyError as err:
            errors.extend(err.diagnostics)
            tested.add(os.path.normpath(default_policy_path(path)))  # not "untested"
    if recorder is not None:
        _register_untested(recorder, paths, tested, errors)
    passed = sum(r.outcome == "passed" for r in results)
    failed = len(results) - passed
    out = sys.stdout
    cov_pct = None
    cov_data: Any = None
    if recorder is not None:
        from policyengine.ci.coverage import percent, report_data, report_text

        cov_data = report_data(recorder)
        cov_pct = percent([i for p in sorted(recorder.policies) for i in recorder.items(p)])
    if args.output == "json":
        doc: dict[str, Any] = {
            "format": "policyengine.test/1",
            "scenarios": [r.as_dict() for r in results],
            "errors": [d.as_dict() for d in errors],
            "passed": passed, "failed": failed,
        }
        if cov_data is not None:
            doc["coverage"] = cov_data
        out.write(dumps(doc))
    elif args.output == "junit":
        out.write(junit_xml(results, errors))
    else:
        out.write(_text(results, errors))
        if recorder is not None:
            out.write(report_text(recorder))
        out.write(_fmt_count(passed, failed) + "\n")
    if errors:
        return 2
    if not files:
        raise UsageError(f"no scenario files (*.tests.yaml) under {' '.join(paths)}")
    if failed:
        return 1
    if args.fail_under is not None and cov_pct is not None and cov_pct < args.fail_under:
        print(f"coverage {cov_pct:.1f}% is below --fail-under {args.fail_under:g}%",
              file=sys.stderr)
        return 1
    return 0
