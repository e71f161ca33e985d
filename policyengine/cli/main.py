"""The ``policyengine`` command line: argument parsing and error handling only.

Each sub-command lives in ``policyengine/cli/commands/<name>.py``. Problems in the
user's files arrive as :class:`PolicyError` and are printed as ``file:line:col: message``
with a hint (exit 1); a bad command-line value arrives as :class:`UsageError` and is
printed as ``policyengine COMMAND: message`` (exit 2). Neither reaches the user as a
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from policyengine import __version__
from policyengine.errors import PolicyError, UsageError

# Order is the order of ``policyengine --help``.
COMMANDS = (
    "validate",
    "evaluate",
    "adjustments",
    "redeem",
    "balance",
    "test",
    "diff",
    "expr",
    "schema",
    "plugins",
    "records",
)


def _available_commands():
    for name in COMMANDS:
        try:
            yield importlib.import_module(f"policyengine.cli.commands.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"policyengine.cli.commands.{name}":
                raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policyengine",
        description="Validate and evaluate continuing-education and certification policies.",
    )
    parser.add_argument("--version", action="version", version=f"policyengine {__version__}")
    parser.add_argument(
        "--plugins-dir", metavar="DIR",
        help="also load plugins from the *.py files in DIR (see docs/plugins.md)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in _available_commands():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        from policyengine.plugins_loader import load_plugins

        load_plugins(args.plugins_dir)
        return int(args._run(args))
    except PolicyError as err:
        for d in err.diagnostics:
            print(d.render(), file=sys.stderr)
        return 1
    except UsageError as err:
        print(f"policyengine {args.command}: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
