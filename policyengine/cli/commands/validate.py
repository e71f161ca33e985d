"""``policyengine validate PATH...``: schema, expression and cross-reference checks.

Checks policies, holders, accounts, carts, scenario files and sources files (known
sources, their options, input files that exist). Files that a sources file in the
same run names as its inputs are listed as inputs, not checked as documents.
The files found in a directory, and the files the documents name, must be inside the
repository root: the directory given (``--root`` sets it), or an ``--allow-outside``
path (docs/security.md). Exit 0 when every file is valid (warnings allowed), 1 when
any has an error, 2 when no file was found.
"""

from __future__ import annotations

import argparse

from policyengine.ci.validate import check_files
from policyengine.cli.options import add_confinement_options, confinement
from policyengine.cli.reporters import add_output_option, reporter
from policyengine.cli.reporting import ValidationResult
from policyengine.errors import UsageError
from policyengine.load.kinds import iter_files

NAME = "validate"
HELP = "check policy, holder, account, cart, scenario and sources files"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    add_output_option(
        parser,
        "validation",
        "text for people (default), json for machines, github (annotations), sarif (code "
        "scanning), junit (JUnit XML, a case per file), markdown (job summary); docs/ci.md",
    )
    add_confinement_options(parser)


def run(args: argparse.Namespace) -> int:
    files = confinement(args, args.paths, directories_are_root=True)
    result = ValidationResult(check_files(iter_files(args.paths), args.env, files))
    reporter(args.output).report_validation(result)
    if not result.files:
        raise UsageError("no YAML or JSON files found")
    return 1 if result.problems else 0  # warnings alone do not fail
