"""``policyengine plugins``: which plugins are loaded, from where, and what they registered."""

from __future__ import annotations

import argparse
import sys

from policyengine.cli.output import dumps

NAME = "plugins"
HELP = "list the loaded plugins, where they came from and what they registered"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", choices=("text", "json"), default="text",
        help="text for people (default) or json for machines",
    )


def run(args: argparse.Namespace) -> int:
    loaded = args.plugins.plugins()
    sources, functions = args.plugins.sources, args.env.functions
    out = sys.stdout
    if args.output == "json":
        out.write(dumps({"plugins": [p.as_dict() for p in loaded]}))
        return 0
    for p in loaded:
        where = "" if p.where == p.name else f": {p.where}"
        out.write(f"{p.name}  ({p.origin}{where})\n")
        for name in p.sources:
            out.write(f"  source    {name}: {sources[name].description}\n")
        for name in p.functions:
            fn = functions.get(name)
            out.write(f"  function  {fn.signature() if fn else name}\n")
        if not (p.sources or p.functions):
            out.write("  (registers nothing)\n")
    out.write(f"{len(loaded)} plugin{'s' if len(loaded) != 1 else ''}, "
              f"{len(sources)} source{'s' if len(sources) != 1 else ''}\n")
    return 0
