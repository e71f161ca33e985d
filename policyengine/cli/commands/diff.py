"""``policyengine diff OLD NEW`` / ``policyengine diff --base REV [PATH...]``: impact report.

Evaluates both versions of each policy on every scenario holder (and on the holder
files of ``--holders DIR``) and reports each holder whose outcome changes; for a
credit-package policy, on every scenario account (and the account files of
``--accounts DIR``, with the cart files of ``--carts DIR``) and reports each account
whose redemption decision or balance changes. Exit 0 (1 with ``--exit-code`` when
something changed), 2 when a policy does not load or the arguments are wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

from policyengine import dates
from policyengine.errors import Diagnostic, PolicyError, UsageError
from policyengine.ci.diff.certification import (
    PolicyImpact,
    as_data,
    directory_subjects,
    git_show,
    impact,
    load_policy_file,
    load_policy_text,
    scenario_subjects,
)
from policyengine.ci.diff.packages import account_subjects
from policyengine.cli.output import dumps, escape_data, escape_property, github_annotation

NAME = "diff"
HELP = "show which holders' (or accounts') outcomes change between two versions of a policy"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="OLD NEW policy files; with --base, policy files or directories "
                        "(default: policies/)")
    parser.add_argument("--base", metavar="REV",
                        help="compare each policy file with its version at git revision REV")
    parser.add_argument("--holders", metavar="DIR",
                        help="also evaluate every holder file under DIR")
    parser.add_argument("--as-of", metavar="DATE",
                        help="as-of date for --holders files (default: today); scenarios "
                        "use their own as_of")
    parser.add_argument("--accounts", metavar="DIR",
                        help="credit-package policies: also evaluate every account file "
                        "under DIR (its balance, and its decision on each --carts file)")
    parser.add_argument("--carts", metavar="DIR",
                        help="credit-package policies: with --accounts, decide every cart "
                        "file under DIR (a file or a directory) for every account")
    parser.add_argument("--at", metavar="DATETIME",
                        help="instant for --accounts files, ISO 8601 (local time in the "
                        "policy's time zone without an offset; default: now); scenarios use "
                        "their own at")
    parser.add_argument("-o", "--output", choices=("text", "json", "github", "markdown"),
                        default="text", help="text (default), json, github annotations, or "
                        "markdown (a table for a pull-request comment)")
    parser.add_argument("--exit-code", action="store_true",
                        help="exit 1 when any holder's or account's outcome changes")


def _policy_files(paths: list[str]) -> list[str]:
    from policyengine.ci.validate import document_kind, iter_files
    from policyengine.ci.scenarios.files import is_scenario_file
    from policyengine.load.yaml_loader import load_yaml_file

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


def _pairs(args: argparse.Namespace):
    """(old label, old loader, new path) for each policy to compare."""
    if args.base:
        for path in _policy_files(args.paths or ["policies/"]):
            text = git_show(args.base, path)
            yield path, (None if text is None else (text, f"{args.base}:{path}"))
    else:
        old, new = args.paths
        yield new, old


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _totals(impacts: list[PolicyImpact], bold: bool = False) -> str:
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


def _text(impacts: list[PolicyImpact]) -> str:
    lines = []
    for p in impacts:
        if p.note:
            lines.append(f"{p.new}: {p.note}")
            continue
        lines.append(f"{p.new}: {len(p.changed)} of {p.holders} {p.noun}s change "
                     f"(old: {p.old})")
        for h in p.changed:
            lines.append(f"  {h.location}: {h.label} ({p.noun} {h.holder}):")
            for c in h.changes:
                lines.append(f"    {c.what}: {_fmt(c.old)} -> {_fmt(c.new)}")
        for label, why in p.skipped:
            lines.append(f"  skipped {label}: {why}")
    policies = sum(1 for p in impacts if p.changed)
    lines.append(f"{_totals(impacts)} changed in {policies} of {len(impacts)} "
                 f"polic{'y' if len(impacts) == 1 else 'ies'}")
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    return _fmt(value).replace("|", "\\|").replace("\n", " ")


def _markdown(impacts: list[PolicyImpact]) -> str:
    lines = ["### Policy impact", "", f"{_totals(impacts, bold=True)} change their outcome.", ""]
    for p in impacts:
        if p.note:
            lines += [f"`{p.new}`: {p.note}", ""]
            continue
        lines.append(f"#### `{p.new}` — {len(p.changed)} of {p.holders} {p.noun}s change")
        lines.append("")
        if not p.changed:
            lines += ["No outcome changes.", ""]
            continue
        lines += [f"| {p.noun.capitalize()} | Where | What | Old | New |", "|---|---|---|---|---|"]
        for h in p.changed:
            for i, c in enumerate(h.changes):
                who = f"{_cell(h.holder)} — {_cell(h.label)}" if i == 0 else ""
                where = f"`{h.location}`" if i == 0 and h.location else ""
                lines.append(f"| {who} | {where} | `{_cell(c.what)}` | {_cell(c.old)} | "
                             f"{_cell(c.new)} |")
        lines.append("")
    return "\n".join(lines)


def _github(impacts: list[PolicyImpact]) -> str:
    lines = []
    for p in impacts:
        for h in p.changed:
            text = "; ".join(f"{c.what}: {_fmt(c.old)} -> {_fmt(c.new)}" for c in h.changes)
            msg = f"{p.new}: outcome of {p.noun} {h.holder} ({h.label}) changes: {text}"
            props = ""
            if h.location:
                props = (f" file={escape_property(h.location.file)},line={h.location.line},"
                         f"title={escape_property('policy impact')}")
            lines.append(f"::warning{props}::{escape_data(msg)}")
    lines.append(f"::notice::{_totals(impacts)} changed")
    return "\n".join(lines) + "\n"


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
    impacts: list[PolicyImpact] = []
    errors: list[Diagnostic] = []
    for new_path, old in _pairs(args):
        try:
            new = load_policy_file(new_path)
            if old is None:
                impacts.append(PolicyImpact("-", new_path, note="new policy: nothing to compare",
                                            kind=new.kind))
                continue
            if isinstance(old, tuple):
                old_policy = load_policy_text(*old)
            else:
                if not os.path.exists(old):
                    raise PolicyError(Diagnostic(f"cannot read {old}", code="io"))
                old_policy = load_policy_file(old)
            subjects = list(scenario_subjects(new_path))
            if not subjects and isinstance(old, str):
                subjects = list(scenario_subjects(old))
            if args.holders:
                subjects += list(directory_subjects(args.holders, as_of))
            if args.accounts:
                subjects += list(account_subjects(args.accounts, args.carts, args.at))
            impacts.append(impact(old_policy, new, subjects))
        except PolicyError as err:
            errors.extend(err.diagnostics)
    out = sys.stdout
    if args.output == "json":
        doc = as_data(impacts)
        doc["errors"] = [d.as_dict() for d in errors]
        out.write(dumps(doc))
    elif args.output == "github":
        for d in errors:
            out.write(github_annotation(d) + "\n")
        out.write(_github(impacts))
    else:
        for d in errors:
            print(d.render(), file=sys.stderr)
        out.write(_markdown(impacts) if args.output == "markdown" else _text(impacts))
    if errors:
        return 2
    if args.exit_code and any(p.changed for p in impacts):
        return 1
    return 0
