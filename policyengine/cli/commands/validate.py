"""``policyengine validate PATH...``: schema, expression and cross-reference checks.

Checks policies, holders, accounts, carts, scenario files and sources files (known
sources, their options, input files that exist). Files that a sources file in the
same run names as its inputs are listed as inputs, not checked as documents.
Walking a directory skips the files that are not policyengine documents
(docker-compose.yml, mkdocs.yml, JSON Schemas: ``load/kinds.py``) and counts them; a
file named is always checked. ``--exclude GLOB`` leaves files out; ``--watch`` runs
again on every change (``cli/watch.py``).
The files found in a directory, and the files the documents name, must be inside the
repository root: the directory given (``--root`` sets it), or an ``--allow-outside``
path (docs/security.md). Exit 0 when every file is valid (warnings allowed), 1 when
any has an error, 2 when no document was found (with ``--watch``: 0 on Ctrl-C).
"""

from __future__ import annotations

import argparse

from policyengine.ci.validate import check_found
from policyengine.cli.options import add_confinement_options, add_exclude_option, confinement
from policyengine.cli.reporters import add_output_option, reporter
from policyengine.cli.reporting import ValidationResult
from policyengine.errors import UsageError
from policyengine.load.kinds import walk_files

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
    add_exclude_option(parser, "files")
    parser.add_argument(
        "--watch",
        action="store_true",
        help="check again whenever a file under PATH changes, until Ctrl-C",
    )
    add_confinement_options(parser)


def validate(args: argparse.Namespace) -> int:
    """One run: check, report, and the exit code."""
    found = list(walk_files(args.paths, args.exclude))
    files = confinement(args, args.paths, directories_are_root=True)
    result = ValidationResult(*check_found(found, args.env, files))
    reporter(args.output).report_validation(result)
    if not result.files:
        if result.skipped:
            n = len(result.skipped)
            raise UsageError(
                f"no policyengine documents found ({n} YAML/JSON file{'s' if n != 1 else ''} "
                "skipped: not policyengine documents)"
            )
        raise UsageError("no YAML or JSON files found")
    return 1 if result.problems else 0  # warnings alone do not fail


def run(args: argparse.Namespace) -> int:
    if args.watch:
        from policyengine.cli.watch import watch  # start-up: only with --watch

        return watch(NAME, args.paths, lambda: validate(args), args.exclude)
    return validate(args)
