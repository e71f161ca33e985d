"""``policyengine schema [KIND]``: print a shipped JSON Schema, self-contained (for
editors and check-jsonschema); ``--all DIR`` writes every one to ``DIR/KIND.schema.json``.

The schemas that refer to others (scenarios takes a holder, an account and a cart)
are printed with those bundled into their ``$defs`` (``schema/export.py``), so a file
saved from this command works without the network.
"""

from __future__ import annotations

import argparse
import sys

from policyengine.errors import UsageError
from policyengine.schema.export import KINDS, export, schema_text

NAME = "schema"
HELP = "print the JSON Schema of policy files (or of another document kind)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "document",
        nargs="?",
        default=None,
        choices=KINDS,
        metavar="KIND",
        help=f"which schema to print: {', '.join(KINDS)} (default: policy)",
    )
    parser.add_argument(
        "--all",
        metavar="DIR",
        dest="directory",
        help="write every schema to DIR/KIND.schema.json instead (and list the files)",
    )


def run(args: argparse.Namespace) -> int:
    if args.directory is not None:
        if args.document is not None:
            raise UsageError("give either KIND or --all DIR, not both")
        try:
            written = export(args.directory)
        except OSError as err:
            raise UsageError(f"cannot write to {args.directory}: {err.strerror}") from None
        sys.stdout.write("".join(f"{path}\n" for path in written))
        return 0
    sys.stdout.write(schema_text(args.document or "policy"))
    return 0
