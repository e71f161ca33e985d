"""Command-line options and input loading that several commands share, so that no
command module imports another.

- ``evaluate`` and ``adjustments`` (certification policies): POLICY, ``--holder``,
  ``--sources``, ``--as-of``, ``-o``/``--json`` (:func:`add_certification_options`)
  and the policy, as-of date and holders they name (:func:`load_certification_inputs`);
- ``balance`` and ``redeem`` (credit-package policies): POLICY, ``--account``, ``--at``,
  ``-o`` (:func:`add_package_options`) and the policy and instant
  (:func:`load_package_inputs`);
- ``validate`` and ``test``: ``--exclude GLOB`` (:func:`add_exclude_option`);
- ``validate``, ``test``, ``evaluate``, ``adjustments``, ``records`` and ``batch``:
  ``--root`` and ``--allow-outside`` (:func:`add_confinement_options`), and the
  :class:`~policyengine.load.paths.Confinement` they make (:func:`confinement`): where
  the files named inside policies, sources files and scenario files may be.

A malformed ``--as-of`` or ``--at``, a ``--root`` that is not a directory, an
``--allow-outside`` that does not exist, or no ``--holder``/``--sources`` at all, raises
:class:`UsageError` (exit 2); a file that cannot be read or is invalid raises
:class:`PolicyError` (exit 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Iterable, Sequence

from policyengine import dates
from policyengine.cli.reporters import add_output_option
from policyengine.errors import Diagnostic, PolicyError, UsageError
from policyengine.load.paths import (
    REGULAR_HINT,
    STDIN,
    Confinement,
    NotRegularFile,
    open_regular,
)
from policyengine.policy.build import load_policy
from policyengine.policy.model import Policy
from policyengine.records.model import Holder, Record, load_holder
from policyengine.sources.sources_file import holder_from_sources


def add_exclude_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--exclude GLOB`` (repeatable): files and directories to leave out."""
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help=f"leave out {what} matching GLOB: a path, a path below the directory given, or "
        "a file or directory name (e.g. drafts, '*.draft.yaml', 'policies/old/*'); repeat for "
        "more",
    )


def add_confinement_options(parser: argparse.ArgumentParser) -> None:
    """``--root DIR`` and ``--allow-outside PATH`` (repeatable)."""
    parser.add_argument(
        "--root",
        metavar="DIR",
        help="the repository root: files named inside policies, sources files and scenario "
        "files (and files found in directories) must be under it (default: the directory "
        "given to validate or test, else the current directory; files given from outside "
        "it may also name the files beside them)",
    )
    parser.add_argument(
        "--allow-outside",
        action="append",
        default=[],
        metavar="PATH",
        help="let those files name PATH too (a file, or a directory and what is under it); "
        "repeat for more",
    )


def confinement(
    args: argparse.Namespace, typed: Iterable[str] = (), *, directories_are_root: bool = False
) -> Confinement:
    """Where the files named inside untrusted files may be: under ``--root``; else under
    the directories among ``typed`` (their common directory) when
    ``directories_are_root``; else under the current directory. ``--allow-outside``
    paths and the ``typed`` paths (the user's own) are allowed too, and the folder of
    each typed file outside the root."""
    typed = [p for p in typed if p != "-"]
    if args.root is not None:
        if not os.path.isdir(args.root):
            raise UsageError(f"--root: {args.root} is not a directory")
        root = args.root
    else:
        folders = [os.path.abspath(p) for p in typed if directories_are_root and os.path.isdir(p)]
        root = os.path.commonpath(folders) if folders else os.curdir
    for path in args.allow_outside:
        if not os.path.exists(path):
            raise UsageError(f"--allow-outside: no such file or directory: {path}")
    # a file typed from elsewhere (policyengine test ../other/x.tests.yaml) may name the
    # files beside it, as it would when run from its own repository
    here = os.path.abspath(root)
    beside = [
        os.path.dirname(os.path.abspath(p))
        for p in typed
        if os.path.isfile(p) and not _under(os.path.abspath(p), here)
    ]
    return Confinement.at(root, [*args.allow_outside, *typed, *beside])


def _under(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def add_certification_options(parser: argparse.ArgumentParser, kind: str) -> None:
    """POLICY, ``--holder``, ``--sources``, ``--as-of`` and ``-o`` (formats of ``kind``)."""
    parser.add_argument("policy", metavar="POLICY", help="a certification policy file")
    parser.add_argument(
        "--holder",
        action="append",
        default=[],
        metavar="FILE",
        help="a holder file (JSON or YAML); repeat for a batch",
    )
    parser.add_argument(
        "--sources",
        action="append",
        default=[],
        metavar="FILE",
        help="a sources file (*.sources.yaml) naming the credit sources of "
        "one holder; repeat for a batch",
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="evaluate as of the end of this day (default: today in the policy's time zone)",
    )
    pages = {"evaluations": ", or html: a page with each holder's timeline (docs/pages.md)"}
    add_output_option(
        parser, kind, f"text for people (default), json for machines{pages.get(kind, '')}"
    )
    add_confinement_options(parser)


def as_of_date(text: str | None, policy: Policy | None) -> dt.date:
    """The day of ``--as-of`` (exactly YYYY-MM-DD, else UsageError); today in the
    policy's time zone when not given (in UTC without a policy)."""
    if text is None:
        return dt.datetime.now(policy.tz if policy is not None else dt.timezone.utc).date()
    try:
        return dates.parse_date(text)
    except ValueError as err:
        raise UsageError(f"--as-of: {err}") from None


def stdin_once(named: dict[str, Sequence[str | None]]) -> None:
    """UsageError when ``-`` (standard input) is given to more than one of the file
    options ``named`` (option name -> the paths given to it): it can be read once."""
    given = [name for name, paths in named.items() for path in paths if path == STDIN]
    if len(given) > 1:
        raise UsageError(
            f"standard input (-) can be read only once; it was given to {', '.join(given)}"
        )


def _readable(path: str, what: str) -> None:
    """Name the file in the message when it cannot be opened at all (or is a FIFO).
    Standard input (``-``) is read when the file is loaded."""
    if path == STDIN:
        return
    try:
        with open_regular(path):
            pass
    except OSError as err:
        raise PolicyError(
            Diagnostic(
                f"cannot read {what} file {path}: {err.strerror or err}",
                hint=REGULAR_HINT
                if isinstance(err, NotRegularFile)
                else "check the path and permissions",
                code="io",
                path=path,
            )
        ) from None


def load_certification_inputs(
    args: argparse.Namespace,
) -> tuple[Policy, dt.date, list[tuple[Holder, list[Record]]]]:
    """The policy, the as-of date and each holder with records, from the arguments.
    Usage errors (a malformed ``--as-of``, ``-`` twice) come before any file is read."""
    stdin_once({"POLICY": [args.policy], "--holder": args.holder, "--sources": args.sources})
    if args.as_of is not None:
        as_of_date(args.as_of, None)  # its form, before anything is read
    files = confinement(args, [args.policy, *args.holder, *args.sources])
    _readable(args.policy, "policy")
    for path in args.holder:
        _readable(path, "holder")
    policy = load_policy(args.policy, args.env)
    if policy.kind != "certification":
        raise PolicyError(
            Diagnostic(
                f"{args.policy} is a {policy.kind} policy; "
                "this command needs a certification policy",
                policy.kind_location,
                hint="use 'policyengine redeem' or 'balance' for packages",
                code="usage",
            )
        )
    as_of = as_of_date(args.as_of, policy)
    holders = [
        load_holder(path, policy.tz, extra_fields=policy.record_fields) for path in args.holder
    ]
    holders.extend(holder_from_sources(path, policy, files) for path in args.sources)
    if not holders:
        raise UsageError("no holder given: pass --holder FILE or --sources FILE")
    return policy, as_of, holders


def add_package_options(parser: argparse.ArgumentParser, kind: str) -> None:
    """POLICY, ``--account``, ``--at`` and ``-o`` (the formats of ``kind``)."""
    parser.add_argument("policy", metavar="POLICY", help="a credit-package policy file")
    parser.add_argument(
        "--account",
        required=True,
        metavar="FILE",
        help="the member's account history (purchases and redemptions)",
    )
    parser.add_argument(
        "--at",
        metavar="DATETIME",
        help="the instant to answer for, ISO 8601 (e.g. 2025-03-01T10:00:00); without an "
        "offset it is local time in the policy's time zone. Default: now (printed).",
    )
    pages = {"redemption": ", or html: a checkout preview page (docs/pages.md)"}
    add_output_option(
        parser, kind, f"text for people (default), json for machines{pages.get(kind, '')}"
    )


def parse_at(text: str | None, policy: Policy) -> tuple[dt.datetime, bool]:
    """The instant of ``--at`` in the policy's time zone, and whether it was given."""
    if text is None:
        return dt.datetime.now(policy.tz).replace(microsecond=0), False
    try:
        return dates.parse_datetime(text, policy.tz).astimezone(policy.tz), True
    except ValueError as err:
        raise UsageError(f"--at: {err}") from None


def load_package_inputs(args: argparse.Namespace) -> tuple[Policy, dt.datetime, bool]:
    """The policy and the instant (``--at``, and whether it was given) a package command
    works on; UsageError when ``--at`` is not usable. The account is read by the
    command: ``redeem --record`` reads it under a lock (it must be a regular file: the
    lock would wait on a FIFO for ever)."""
    stdin_once(
        {
            "POLICY": [args.policy],
            "--account": [args.account],
            "--cart": [getattr(args, "cart", None)],
        }
    )
    if args.at is not None:
        try:  # its form, before anything is read (the policy's zone matters only later)
            dates.parse_datetime(args.at, dt.timezone.utc)
        except ValueError as err:
            raise UsageError(f"--at: {err}") from None
    _readable(args.account, "account")
    policy = load_policy(args.policy, args.env)
    at, given = parse_at(args.at, policy)
    return policy, at, given
