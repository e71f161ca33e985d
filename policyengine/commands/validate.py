"""``policyengine validate PATH...``: schema, expression and cross-reference checks."""

from __future__ import annotations

import argparse
import sys

from policyengine.documents import check_file, iter_files
from policyengine.reporting import dumps, github_annotation

NAME = "validate"
HELP = "check policy, holder, account, cart and scenario files"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    parser.add_argument(
        "-o", "--output", choices=("text", "json", "github"), default="text",
        help="text for people (default), json for machines, github for CI annotations",
    )


def run(args: argparse.Namespace) -> int:
    results = []
    for path in iter_files(args.paths):
        kind, diagnostics = check_file(path)
        results.append((path, kind, diagnostics))
    problems = sum(len(d) for _, _, d in results)
    out = sys.stdout
    if args.output == "json":
        doc = {
            "files": [
                {"path": p, "kind": k, "valid": not d, "problems": [x.as_dict() for x in d]}
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
            else:
                out.write(f"{path}: ok ({kind})\n")
        files = len(results)
        out.write(
            f"{files} file{'s' if files != 1 else ''} checked, "
            f"{problems} problem{'s' if problems != 1 else ''}\n"
        )
    if not results:
        print("policyengine validate: no YAML or JSON files found", file=sys.stderr)
        return 2
    return 1 if problems else 0
