"""``policyengine diff OLD NEW`` / ``policyengine diff --base REV [PATH...]``: impact report.

Evaluates both versions of each policy on every scenario holder (and on the holder
files of ``--holders DIR``) and reports each holder whose outcome changes; for a
credit-package policy, on every scenario account (and the account files of
``--accounts DIR``, with the cart files of ``--carts DIR``) and reports each account
whose redemption decision or balance changes. Exit 0 (1 with ``--exit-code`` when
something changed), 2 when a policy or a file under ``--holders``/``--accounts``/
``--carts`` does not load, or the arguments are wrong (a malformed ``--as-of``/``--at``,
a ``--base`` that is not a revision or without git, a path that names nothing readable).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os

from policyengine import dates
from policyengine.ci.diff.certification import holder_file_subjects, scenario_subjects
from policyengine.ci.diff.edits import PolicyEdit, policy_edits
from policyengine.ci.diff.impact import PolicyImpact, git_show, impact
from policyengine.ci.diff.inputs import InputPathError, files_of_kind
from policyengine.ci.diff.packages import account_subjects
from policyengine.ci.scenarios.files import is_scenario_file
from policyengine.cli.reporters import add_output_option, reporter
from policyengine.cli.reporting import ImpactResult
from policyengine.errors import Diagnostic, PolicyError, UsageError
from policyengine.load.kinds import document_kind, iter_files
from policyengine.load.yaml_loader import load_yaml_file, load_yaml_text
from policyengine.policy.build import load_policy, load_policy_text

NAME = "diff"
HELP = "show which holders' (or accounts') outcomes change between two versions of a policy"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="OLD NEW policy files; with --base, policy files or directories (default: policies/)",
    )
    parser.add_argument(
        "--base",
        metavar="REV",
        help="compare each policy file with its version at git revision REV",
    )
    parser.add_argument(
        "--holders", metavar="DIR", help="also evaluate every holder file under DIR"
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="as-of date for --holders files (default: today); scenarios use their own as_of",
    )
    parser.add_argument(
        "--accounts",
        metavar="DIR",
        help="credit-package policies: also evaluate every account file "
        "under DIR (its balance, and its decision on each --carts file)",
    )
    parser.add_argument(
        "--carts",
        metavar="DIR",
        help="credit-package policies: with --accounts, decide every cart "
        "file under DIR (a file or a directory) for every account",
    )
    parser.add_argument(
        "--at",
        metavar="DATETIME",
        help="instant for --accounts files, ISO 8601 (local time in the "
        "policy's time zone without an offset; default: now); scenarios use "
        "their own at",
    )
    add_output_option(
        parser,
        "impact",
        "text (default), json, github (annotations at the edited policy lines), sarif "
        "(code scanning), or markdown (a table for a pull-request comment); no junit: an "
        "outcome change is what a policy edit is for, not a failed test (docs/ci.md)",
    )
    parser.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 1 when any holder's or account's outcome changes",
    )


def _policy_files(paths: list[str]) -> list[str]:
    out = []
    for path in iter_files(paths):
        if is_scenario_file(path):
            continue
        try:
            if document_kind(load_yaml_file(path)) == "policy":
                out.append(path)
        except PolicyError:
            out.append(path)  # reported when loaded
    return out


def _pairs(args: argparse.Namespace) -> list[tuple[str, str | tuple[str, str] | None]]:
    """(new path, old) for each policy to compare: old is the OLD path, the text and
    label of the file at ``--base`` (None when it is not there), all read up front so
    that a ``--base`` that is not a revision is a usage error."""
    if not args.base:
        old, new = args.paths
        return [(new, old)]
    pairs: list[tuple[str, str | tuple[str, str] | None]] = []
    for path in _policy_files(args.paths or ["policies/"]):
        try:
            text = git_show(args.base, path)
        except PolicyError as err:
            raise UsageError(f"--base: {err.diagnostics[0].message}") from None
        pairs.append((path, None if text is None else (text, f"{args.base}:{path}")))
    return pairs


def _subject_files(
    args: argparse.Namespace, option: str, kind: str, errors: list[Diagnostic]
) -> list[str] | None:
    """The files of ``kind`` named by ``--<option>`` (None when not given); a path that
    names nothing usable is a usage error, files that do not load are added to ``errors``."""
    path = getattr(args, option)
    if not path:
        return None
    try:
        found = files_of_kind(path, kind)
    except InputPathError as err:
        raise UsageError(f"--{option}: {err}") from None
    errors.extend(found.problems)
    return found.files


def _edits(new_path: str, old: str | tuple[str, str]) -> list[PolicyEdit]:
    """The values that differ between the two versions (both loaded already, so they
    load again without problems)."""
    old_data = load_yaml_text(*old) if isinstance(old, tuple) else load_yaml_file(old)
    return policy_edits(old_data, load_yaml_file(new_path))


def run(args: argparse.Namespace) -> int:
    if not args.base and len(args.paths) != 2:
        raise UsageError("give OLD NEW policy files, or --base REV [PATH...]")
    as_of = None
    if args.as_of:
        try:
            as_of = dates.parse_date(args.as_of)
        except ValueError as err:
            raise UsageError(f"--as-of: {err}") from None
    if args.at:
        try:
            dates.parse_datetime(args.at, dt.timezone.utc)
        except ValueError as err:
            raise UsageError(f"--at: {err}") from None
    if args.carts and not args.accounts:
        raise UsageError("--carts needs --accounts")
    errors: list[Diagnostic] = []
    holders = _subject_files(args, "holders", "holder", errors)
    accounts = _subject_files(args, "accounts", "account", errors)
    carts = _subject_files(args, "carts", "cart", errors)
    impacts: list[PolicyImpact] = []
    for new_path, old in _pairs(args):
        try:
            new = load_policy(new_path, args.env)
            if old is None:
                impacts.append(
                    PolicyImpact(
                        "-", new_path, note="new policy: nothing to compare", kind=new.kind
                    )
                )
                continue
            if isinstance(old, tuple):
                old_policy = load_policy_text(*old, args.env)
            else:
                if not os.path.exists(old):
                    raise PolicyError(
                        Diagnostic(
                            f"cannot read {old}: No such file or directory",
                            hint="check the path",
                            code="io",
                            path=old,
                        )
                    )
                old_policy = load_policy(old, args.env)
            subjects = list(scenario_subjects(new_path))
            if not subjects and isinstance(old, str):
                subjects = list(scenario_subjects(old))
            if holders is not None:
                subjects += list(holder_file_subjects(holders, as_of))
            if accounts is not None:
                subjects += list(account_subjects(accounts, carts, args.at))
            found = impact(old_policy, new, subjects)
            found.edits = _edits(new_path, old)
            impacts.append(found)
        except PolicyError as err:
            errors.extend(err.diagnostics)
    reporter(args.output).report_impact(ImpactResult(impacts, errors))
    if errors:
        return 2
    if args.exit_code and any(p.changed for p in impacts):
        return 1
    return 0
