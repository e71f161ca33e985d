"""``policyengine plugins``: which plugins are loaded, from where, and what they registered."""

from __future__ import annotations

import argparse

from policyengine.cli.reporters import add_output_option, reporter
from policyengine.cli.reporting import PluginsResult

NAME = "plugins"
HELP = "list the loaded plugins, where they came from and what they registered"


def configure(parser: argparse.ArgumentParser) -> None:
    add_output_option(parser, "plugins", "text for people (default) or json for machines")


def run(args: argparse.Namespace) -> int:
    loaded = args.plugins
    reporter(args.output).report_plugins(
        PluginsResult(loaded.plugins(), loaded.sources, loaded.environment.functions)
    )
    return 0
