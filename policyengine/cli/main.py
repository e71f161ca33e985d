"""The ``policyengine`` command line: the table of sub-commands, argument parsing and
error handling only.

Each sub-command lives in ``policyengine/cli/commands/<name>.py`` (``NAME``, ``HELP``,
``configure(parser)``, ``run(args) -> int``). :data:`COMMANDS` names them without
importing them: only the module of the command being run is imported, and only its
arguments are configured, so ``--version``, ``--help`` and ``expr`` start quickly.

Exit codes: 0 ok, 1 problems, 2 usage error. Problems in the user's files arrive as
:class:`PolicyError` and are printed as ``file:line:col: message`` with a hint (exit
1); a bad command-line value arrives as :class:`UsageError` and is printed as
``policyengine COMMAND: message`` (exit 2). Neither reaches the user as a traceback,
and control characters in either are escaped (``output.py``).

``--plugins-dir`` and ``--color`` may be given before the command or after it.
Diagnostics are coloured on a terminal (``--color``, ``NO_COLOR``: ``color.py``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from policyengine import __version__
from policyengine.cli import color
from policyengine.cli.output import escape_controls, print_diagnostics
from policyengine.errors import PolicyError, UsageError
from policyengine.load.cachedir import keeping_documents


class CommandModule(Protocol):
    """What a module in ``policyengine/cli/commands/`` provides."""

    NAME: str
    HELP: str

    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


@dataclass(frozen=True)
class Command:
    """A sub-command: its name and help line (the module's ``NAME`` and ``HELP``), its
    module, and whether plugins are loaded before it runs. Every command that reads a
    policy or a sources file needs them: plugins register expression functions, credit
    sources and record fields."""

    name: str
    help: str
    plugins: bool = True
    # keeps what it loaded in the per-user cache (load/cachedir.py): the commands that
    # check a repository's files again and again, with most of them unchanged
    cached: bool = False
    # a command that lives above the cli layer (the service) names its own module
    module_name: str | None = None

    @property
    def module(self) -> str:
        return self.module_name or f"policyengine.cli.commands.{self.name}"

    def load(self) -> CommandModule:
        return cast(CommandModule, importlib.import_module(self.module))


# Order is the order of ``policyengine --help``.
COMMANDS: tuple[Command, ...] = (
    Command(
        "validate", "check policy, holder, account, cart, scenario and sources files", cached=True
    ),
    Command("evaluate", "evaluate holders' records against a certification or designation policy"),
    Command(
        "adjustments",
        "list credits eligible for a backdate or pushdate, and changes the policy does not allow",
    ),
    Command("batch", "evaluate a whole membership (JSONL, holder files, sources files) streamed"),
    Command("redeem", "decide whether a cart may be paid with a member's prepaid credits"),
    Command("balance", "show a member's credit packages, balances and expiry dates as of a time"),
    Command(
        "test",
        "run the scenario tests (*.tests.yaml) of policies; optionally report rule coverage",
        cached=True,
    ),
    Command(
        "diff",
        "show which holders' (or accounts') outcomes change between two versions of a policy",
        cached=True,
    ),
    Command(
        "fmt",
        "format policy and other policyengine YAML files: key order, indentation, quoting",
        plugins=False,
    ),
    Command(
        "expr",
        "evaluate an expression, alone or in a policy's scope against a holder's data",
        plugins=False,
    ),
    Command(
        "schema",
        "print the JSON Schema of policy files (or of another document kind)",
        plugins=False,
    ),
    Command("plugins", "list the loaded plugins, where they came from and what they registered"),
    Command("records", "read records through a sources file and show them normalized"),
    Command(
        "ledger",
        "move an account file's history into the ledger database and out again",
    ),
    Command(
        "serve",
        "serve policies over HTTP: evaluate, redeem, record redemptions in a ledger database",
        module_name="policyengine.service.command",
    ),
)
BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


class CommandParser(argparse.ArgumentParser):
    """The parser of one sub-command. Its module is imported and configures it the
    first time it is needed (to parse the command's arguments or to print its help),
    so a run imports the one command it runs."""

    command: Command | None = None  # set by build_parser; None once configured

    def _configure(self) -> None:
        command, self.command = self.command, None
        if command is not None:
            command.load().configure(self)

    # one signature for the three overloads of the base class
    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        self._configure()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._configure()
        return super().format_usage()

    def format_help(self) -> str:
        self._configure()
        return super().format_help()


def add_global_options(parser: argparse.ArgumentParser, *, after_command: bool) -> None:
    """``--plugins-dir`` and ``--color``, accepted before the command and after it.

    The top-level parser sets the defaults; each command's parser adds the same
    options with the default ``argparse.SUPPRESS`` (``after_command``), so that only a
    value given after the command replaces the one given (or defaulted) before it."""
    suppress = argparse.SUPPRESS if after_command else None
    parser.add_argument(
        "--plugins-dir",
        metavar="DIR",
        default=suppress,
        help="also load plugins from the *.py files in DIR (see docs/plugins.md)",
    )
    parser.add_argument(
        "--color",
        choices=color.MODES,
        default=suppress or "auto",
        help="colour errors and warnings: auto (default: on a terminal, unless NO_COLOR "
        "is set), always or never",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policyengine",
        description="Validate and evaluate continuing-education and certification policies.",
    )
    parser.add_argument("--version", action="version", version=f"policyengine {__version__}")
    add_global_options(parser, after_command=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    sub.required = True
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        add_global_options(p, after_command=True)
        p.command = command
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with color.using(args.color):
        return _run(BY_NAME[args.command], args)


def _run(command: Command, args: argparse.Namespace) -> int:
    with keeping_documents(command.cached):
        return _run_command(command, args)


def _run_command(command: Command, args: argparse.Namespace) -> int:
    try:
        # --plugins-dir files are loaded whenever they are given: they were asked for.
        # The environment the plugins make is handed to the command (args.env): nothing
        # is kept in the process between two runs of main().
        args.plugins = args.env = None
        if command.plugins or args.plugins_dir is not None:
            from policyengine.plugins_loader import load_plugins  # start-up: only if used

            args.plugins = load_plugins(args.plugins_dir)
            args.env = args.plugins.environment
        return int(command.load().run(args))
    except PolicyError as err:
        print_diagnostics(err.diagnostics)
        return 1
    except UsageError as err:
        print(escape_controls(f"policyengine {command.name}: {err}"), file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
