"""``policyengine plugins``: which plugins are loaded, from where, and what they registered."""

from __future__ import annotations

import argparse

from policyengine.cli.reporters import add_output_option, reporter
from policyengine.cli.reporting import PluginsResult
from policyengine.plugins_loader import function_registry, plugins, source_registry

NAME = "plugins"
HELP = "list the loaded plugins, where they came from and what they registered"


def configure(parser: argparse.ArgumentParser) -> None:
    add_output_option(parser, "plugins", "text for people (default) or json for machines")


def run(args: argparse.Namespace) -> int:
    reporter(args.output).report_plugins(
        PluginsResult(plugins(), source_registry(), function_registry()))
    return 0
