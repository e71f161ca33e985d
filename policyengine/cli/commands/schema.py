"""``policyengine schema``: print a JSON Schema shipped with the package (for editors)."""

from __future__ import annotations

import argparse
import sys

from policyengine.cli.output import dumps
from policyengine.errors import UsageError
from policyengine.load.schema import load_schema

NAME = "schema"
HELP = "print the JSON Schema of policy files (or of another document kind)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "document",
        nargs="?",
        default="policy",
        choices=(
            "policy",
            "holder",
            "account",
            "cart",
            "scenarios",
            "sources",
            "evaluation",
            "balance",
            "redemption",
        ),
        help="which document's schema to print (default: policy)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        schema = load_schema(args.document)
    except FileNotFoundError:
        raise UsageError(f"no schema for '{args.document}' yet") from None
    sys.stdout.write(dumps(schema))
    return 0
