"""``policyengine validate PATH...``: schema, expression and cross-reference checks.

Checks policies, holders, accounts, carts, scenario files and sources files (known
sources, their options, input files that exist). Files that a sources file in the
same run names as its inputs are listed as inputs, not checked as documents.
"""

from __future__ import annotations

import argparse
import sys

from policyengine.ci.validate import check_files, iter_files
from policyengine.cli.output import dumps, github_annotation
from policyengine.errors import UsageError

NAME = "validate"
HELP = "check policy, holder, account, cart, scenario and sources files"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    parser.add_argument(
        "-o", "--output", choices=("text", "json", "github"), default="text",
        help="text for people (default), json for machines, github for CI annotations",
    )


def run(args: argparse.Namespace) -> int:
    checked = check_files(iter_files(args.paths))
    results = [(c.path, c.kind, c.diagnostics) for c in checked]
    owners = {c.path: c.input_of for c in checked if c.input_of}
    problems = sum(len(d) for _, _, d in results)
    out = sys.stdout
    if args.output == "json":
        doc = {
            "files": [
                {"path": p, "kind": k, "valid": not d, "problems": [x.as_dict() for x in d],
                 **({"input_of": owners[p]} if p in owners else {})}
                for p, k, d in results
            ],
            "problems": problems,
            "valid": problems == 0,
        }
        out.write(dumps(doc))
    elif args.output == "github":
        for _path, _kind, diagnostics in results:
            for d in diagnostics:
                out.write(github_annotation(d) + "\n")
    else:
        for path, kind, diagnostics in results:
            if diagnostics:
                for d in diagnostics:
                    out.write(d.render() + "\n")
            elif path in owners:
                out.write(f"{path}: input of {owners[path]} (its rows are checked by "
                          "'policyengine records')\n")
            else:
                out.write(f"{path}: ok ({kind})\n")
        files = len(results)
        out.write(
            f"{files} file{'s' if files != 1 else ''} checked, "
            f"{problems} problem{'s' if problems != 1 else ''}\n"
        )
    if not results:
        raise UsageError("no YAML or JSON files found")
    return 1 if problems else 0
