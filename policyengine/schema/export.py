"""Self-contained copies of the shipped JSON Schemas, for editors and other tools.

The schemas in this package refer to one another by file name (the scenarios schema
takes a holder from ``holder.schema.json``), resolved against their ``$id``
(``https://policyengine.dev/schema/...``), which nothing serves: an editor or
check-jsonschema given ``scenarios.schema.json`` alone cannot load the holder part.
:func:`bundled` copies every schema a schema refers to, transitively, into its
``$defs`` (under the referenced file's name, without its ``$id``) and rewrites each
``$ref`` to point there, so the result needs no other file and no network.

``policyengine schema KIND`` prints :func:`schema_text`; ``policyengine schema --all
DIR`` and ``python -m policyengine.schema.export DIR`` write every one of them to
``DIR/KIND.schema.json`` (the repository's ``schema/`` directory is made that way, and a
test keeps it current); ``--check`` only reports the files that differ.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "bundled", "export", "outdated", "schema_text"]

SUFFIX = ".schema.json"
# The keys a schema's own identity lives in: dropped from a copy embedded in $defs, so
# that its local references ("#/...") keep meaning the bundled document.
_IDENTITY = ("$schema", "$id")


def _names() -> tuple[str, ...]:
    files = resources.files("policyengine.schema").iterdir()
    return tuple(sorted(f.name[: -len(SUFFIX)] for f in files if f.name.endswith(SUFFIX)))


# Every shipped schema, by kind (policy, holder, ..., evaluation, balance, redemption).
KINDS: tuple[str, ...] = _names()


def _read(name: str) -> dict[str, Any]:
    text = (resources.files("policyengine.schema") / f"{name}{SUFFIX}").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _split(ref: str) -> tuple[str, str]:
    """``holder.schema.json#/properties/holder`` -> (``holder``, ``/properties/holder``);
    a local reference ``#/$defs/x`` -> (``""``, ``/$defs/x``)."""
    target, _, pointer = ref.partition("#")
    if not target:
        return "", pointer
    name = target.rsplit("/", 1)[-1]
    if not name.endswith(SUFFIX) or name[: -len(SUFFIX)] not in KINDS:
        raise ValueError(f"$ref {ref!r} names no schema shipped in policyengine/schema")
    return name[: -len(SUFFIX)], pointer


def _rewrite(node: Any, home: str, wanted: list[str]) -> None:
    """Point every ``$ref`` under ``node`` (part of schema ``home``; ``""`` for the root
    document) into the bundled document, noting in ``wanted`` the schemas it needs."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name, pointer = _split(ref)
            name = name or home
            if name and name not in wanted:
                wanted.append(name)
            node["$ref"] = f"#/$defs/{name}{SUFFIX}{pointer}" if name else f"#{pointer}"
        for value in node.values():
            _rewrite(value, home, wanted)
    elif isinstance(node, list):
        for value in node:
            _rewrite(value, home, wanted)


def bundled(kind: str) -> dict[str, Any]:
    """Schema ``kind`` with every schema it refers to embedded in its ``$defs``."""
    if kind not in KINDS:
        raise ValueError(f"no schema named {kind!r} in policyengine/schema")
    root = copy.deepcopy(_read(kind))
    wanted: list[str] = []
    _rewrite(root, "", wanted)
    defs = root.setdefault("$defs", {})
    done = {kind}
    # A reference from the root schema to itself by file name stays local.
    _point_home(root, kind)
    while wanted:
        name = wanted.pop(0)
        if name in done:
            continue
        done.add(name)
        embedded = {k: v for k, v in copy.deepcopy(_read(name)).items() if k not in _IDENTITY}
        _rewrite(embedded, name, wanted)
        _point_home(embedded, kind)
        defs[f"{name}{SUFFIX}"] = embedded
    return root


def _point_home(node: Any, kind: str) -> None:
    """``#/$defs/<kind>.schema.json/...`` (a reference back to the root by file name)
    -> ``#/...``."""
    prefix = f"#/$defs/{kind}{SUFFIX}"
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and (ref == prefix or ref.startswith(prefix + "/")):
            node["$ref"] = "#" + ref[len(prefix) :]
        for value in node.values():
            _point_home(value, kind)
    elif isinstance(node, list):
        for value in node:
            _point_home(value, kind)


def schema_text(kind: str) -> str:
    """:func:`bundled` as deterministic JSON (sorted keys, two-space indent, newline)."""
    return json.dumps(bundled(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export(directory: str | Path) -> list[Path]:
    """Write every bundled schema to ``directory/KIND.schema.json``; the paths written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        path = out / f"{kind}{SUFFIX}"
        path.write_text(schema_text(kind), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def outdated(directory: str | Path) -> list[Path]:
    """The files of ``directory`` that :func:`export` would create or change."""
    out = Path(directory)
    stale = []
    for kind in KINDS:
        path = out / f"{kind}{SUFFIX}"
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != schema_text(kind):
            stale.append(path)
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m policyengine.schema.export DIR [--check]``."""
    parser = argparse.ArgumentParser(
        prog="python -m policyengine.schema.export",
        description="write the self-contained JSON Schemas to DIR/KIND.schema.json",
    )
    parser.add_argument("directory", metavar="DIR")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is not current"
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = outdated(args.directory)
        for path in stale:
            print(
                f"{path}: not current (regenerate: python -m policyengine.schema.export "
                f"{args.directory})",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for path in export(args.directory):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
