"""``policyengine fmt [--check] [--diff] PATH...``: give policy repositories one layout.

Formats policies, holder, account and cart files, scenario files and sources files
(``ci/formatter.py``: the schema's key order, two-space indentation, consistent
quoting, comments kept; a file is only ever written when it means what it meant). A
directory is walked for ``*.yaml``/``*.yml`` files; those that are not policyengine
documents (a CI workflow, a source's records list) are skipped and counted, and so are
JSON files. A file named on the command line must be a document.

``-`` reads one document from standard input and prints it formatted (an editor's
format-on-save). Without options each file that changes is rewritten in place
(``reformatted PATH``).
``--check`` writes nothing and lists the files that would change (``would reformat
PATH``); ``--diff`` writes nothing and prints a unified diff of each. Exit 0 when
nothing would change (or everything was rewritten), 1 when ``--check``/``--diff``
found a file to change or any file could not be formatted, 2 when no file was found.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
from dataclasses import dataclass

from policyengine.ci.formatter import format_text
from policyengine.cli.options import add_confinement_options, confinement
from policyengine.cli.output import escape_controls, render
from policyengine.errors import Diagnostic, PolicyError, UsageError
from policyengine.load.kinds import KINDS, document_kind, iter_files, load_document
from policyengine.load.paths import Confinement
from policyengine.load.yaml_loader import load_yaml_text

NAME = "fmt"
HELP = "format policy and other policyengine YAML files: key order, indentation, quoting"

YAML_SUFFIXES = (".yaml", ".yml")
STDIN = "<stdin>"  # how diagnostics and the diff name standard input


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files or directories; - reads one document from standard input and prints it",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; list the files that would change and exit 1 if any would",
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        help="write nothing; print what would change as a unified diff (exit 1 if anything would)",
    )
    add_confinement_options(parser)


@dataclass(frozen=True)
class Outcome:
    """One file ``fmt`` looked at: its formatted text, or why it was skipped or failed."""

    path: str
    original: str = ""
    formatted: str = ""
    skipped: bool = False
    problems: tuple[Diagnostic, ...] = ()

    @property
    def changed(self) -> bool:
        return not self.skipped and not self.problems and self.formatted != self.original


def _format(path: str, named: bool, files: Confinement) -> Outcome:
    """Format one file (``named``: given on the command line, not found in a folder)."""
    if not path.endswith(YAML_SUFFIXES):
        return _not_formatted(
            path,
            named,
            Diagnostic(
                f"{path}: fmt formats YAML files (.yaml, .yml)",
                hint="a JSON document is left as its program wrote it",
                code="fmt.not-yaml",
            ),
        )
    data, problems = load_document(path, files)
    if problems:
        return Outcome(path, problems=tuple(problems))
    kind = document_kind(data)
    if kind is None:
        return _not_formatted(
            path,
            named,
            Diagnostic(
                f"{path}: cannot tell what kind of document this is",
                hint="fmt formats policies, holder, account, cart, scenario and sources "
                "files; a file found in a directory that is none of them is skipped",
                code="document.kind",
            ),
        )
    with open(path, encoding="utf-8", newline="") as fh:
        original = fh.read()
    try:
        formatted = format_text(original, KINDS[kind][1], path)
    except PolicyError as err:
        return Outcome(path, original, problems=tuple(err.diagnostics))
    return Outcome(path, original, formatted)


def _not_formatted(path: str, named: bool, why: Diagnostic) -> Outcome:
    """A file fmt does not format: a problem when it was named, skipped when found."""
    return Outcome(path, problems=(why,)) if named else Outcome(path, skipped=True)


def _write(path: str, text: str) -> None:
    """Replace the file's text at once (a crash leaves the old file or the new one),
    keeping its permissions; a symbolic link keeps pointing at the file it names."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    fd, temp = tempfile.mkstemp(prefix=".fmt-", suffix=".yaml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(temp, os.stat(target).st_mode & 0o7777)
        os.replace(temp, target)
    except BaseException:
        os.unlink(temp)
        raise


def _diff(outcome: Outcome) -> str:
    lines = difflib.unified_diff(
        outcome.original.splitlines(keepends=True),
        outcome.formatted.splitlines(keepends=True),
        outcome.path,
        outcome.path,
    )
    return "".join(escape_controls(line, keep="\n\t") for line in lines)


def _stdin(args: argparse.Namespace) -> int:
    """``fmt -``: the formatted document on stdout (an editor's format-on-save)."""
    original = sys.stdin.read()
    data = load_yaml_text(original, STDIN)
    kind = document_kind(data)
    if kind is None:
        raise PolicyError(
            Diagnostic(
                f"{STDIN}: cannot tell what kind of document this is",
                hint="fmt formats policies, holder, account, cart, scenario and sources files",
                code="document.kind",
            )
        )
    outcome = Outcome(STDIN, original, format_text(original, KINDS[kind][1], STDIN))
    if args.diff:
        sys.stdout.write(_diff(outcome))
    elif args.check:
        if outcome.changed:
            print(f"would reformat {STDIN}")
    else:
        sys.stdout.write(outcome.formatted)
    return 1 if outcome.changed and (args.check or args.diff) else 0


def run(args: argparse.Namespace) -> int:
    if "-" in args.paths:
        if args.paths != ["-"]:
            raise UsageError("'-' (standard input) cannot be given with other paths")
        return _stdin(args)
    files = confinement(args, args.paths, directories_are_root=True)
    named = {os.path.normpath(p) for p in args.paths if not os.path.isdir(p)}
    outcomes = [_format(p, os.path.normpath(p) in named, files) for p in iter_files(args.paths)]
    if not outcomes:
        raise UsageError("no YAML files found")
    write = not (args.check or args.diff)
    for o in outcomes:
        for d in o.problems:
            print(render(d), file=sys.stderr)
        if not o.changed:
            continue
        if args.diff:
            sys.stdout.write(_diff(o))
        elif args.check:
            print(escape_controls(f"would reformat {o.path}"))
        else:
            _write(o.path, o.formatted)
            print(escape_controls(f"reformatted {o.path}"))
    # after a diff, on stderr: the diff alone on stdout can be applied with `git apply`
    print(_summary(outcomes, write), file=sys.stderr if args.diff else sys.stdout)
    failed = any(o.problems for o in outcomes)
    return 1 if failed or (not write and any(o.changed for o in outcomes)) else 0


def _summary(outcomes: list[Outcome], write: bool) -> str:
    changed = sum(o.changed for o in outcomes)
    failed = sum(bool(o.problems) for o in outcomes)
    skipped = sum(o.skipped for o in outcomes)
    same = len(outcomes) - changed - failed - skipped
    done = "reformatted" if write else "would be reformatted"
    parts = [
        f"{changed} file{'s' * (changed != 1)} {done}",
        f"{same} already formatted",
    ]
    if failed:
        parts.append(f"{failed} could not be formatted")
    if skipped:
        parts.append(f"{skipped} skipped (not policyengine YAML documents)")
    return ", ".join(parts)
