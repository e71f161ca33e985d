"""The output formats by name, and the ``-o/--output`` option that chooses one.

``REPORTERS`` maps each ``-o`` name to its :class:`~policyengine.cli.reporting.Reporter`
class; its order is the order ``--help`` lists the choices in. A command's ``-o``
offers every format whose reporter can show that command's kind of result, so adding
a format means writing its class and adding it here. Every command whose ``-o``
offers ``json`` also takes ``--json`` as its alias.
"""

from __future__ import annotations

import argparse

from policyengine.cli.report_ci import GithubReporter
from policyengine.cli.report_html import HtmlReporter
from policyengine.cli.report_json import JsonReporter
from policyengine.cli.report_junit import JunitReporter
from policyengine.cli.report_markdown import MarkdownReporter
from policyengine.cli.report_sarif import SarifReporter
from policyengine.cli.report_text import TextReporter
from policyengine.cli.reporting import KINDS, Reporter

REPORTERS: dict[str, type[Reporter]] = {
    cls.name: cls
    for cls in (
        TextReporter,
        JsonReporter,
        GithubReporter,
        SarifReporter,
        JunitReporter,
        MarkdownReporter,
        HtmlReporter,
    )
}


def formats(kind: str) -> tuple[str, ...]:
    """The ``-o`` names that can show results of ``kind``, in ``REPORTERS`` order."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of result: {kind!r}")
    return tuple(name for name, cls in REPORTERS.items() if cls.supports(kind))


def add_output_option(parser: argparse.ArgumentParser, kind: str, help: str) -> None:
    """``-o/--output FORMAT`` (default text) with the formats that can show ``kind``,
    and ``--json`` for ``-o json`` (every command with ``-o json`` has it)."""
    choices = formats(kind)
    parser.add_argument("-o", "--output", choices=choices, default="text", help=help)
    if "json" in choices:
        add_json_alias(parser)


def add_json_alias(parser: argparse.ArgumentParser) -> None:
    """``--json``: the same as ``-o json``."""
    parser.add_argument(
        "--json", dest="output", action="store_const", const="json", help="same as -o json"
    )


def reporter(name: str) -> Reporter:
    """A reporter of format ``name`` writing to the current stdout and stderr."""
    return REPORTERS[name]()
