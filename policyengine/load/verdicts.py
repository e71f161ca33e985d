"""Which documents are known to pass a package schema, remembered per user.

Checking a policy against its JSON Schema with ``jsonschema`` takes a few milliseconds
a document, a sixth of a warm ``policyengine validate``. A document that passes is
recorded in the cache folder (``cachedir``) as an empty file named by the SHA-256 of
the schema's name, the document's exact values and types (its ``repr``, once every
value is known to be one the loader makes) and a fingerprint of everything validation
depends on: the package's schema files, ``load/schema.py``, the ``jsonschema`` and
``referencing`` modules in use (their files' paths, sizes and times), the format
checkers installed, the decimal context and Python's version. The next process finds
the name and skips the check: the same inputs give the same (empty) result. Only
passes are recorded; a document with a problem is checked, and explained, every time.
The same record serves plugins' option schemas that passed the draft 2020-12
meta-schema (``schema.check_schema``: ~4 ms each, checked when a plugin registers a
source and again for every sources-file entry using it).
"""

from __future__ import annotations

import decimal
import functools
import hashlib
import os
import sys
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import cast

from policyengine.load.cachedir import documents_cache_dir
from policyengine.load.nodes import LocDict, LocList, LocStr, YamlData

_MAGIC = b"policyengine-verdict-1\n"
_FOLDER = "valid"
# The values a loaded document is made of: their reprs tell every two of them apart,
# and jsonschema treats each subclass as its base class.
_SCALARS = (str, LocStr, int, bool, type(None), Decimal)
_MODULES = ("jsonschema", "referencing", "rpds", "jsonschema_specifications")


def verdict_key(data: YamlData, schema_name: str, formats: list[str]) -> Path | None:
    """Where a pass of ``data`` against the package schema ``schema_name`` is recorded
    (``formats``: the format checkers jsonschema has); None when there is no cache or
    ``data`` holds a value the loader does not make."""
    folder = documents_cache_dir()
    fingerprint = _fingerprint() if folder is not None else None
    if folder is None or fingerprint is None or not _plain(data):
        return None
    context = decimal.getcontext()
    digest = hashlib.sha256(fingerprint)
    digest.update(f"{schema_name}\n{formats}\n{context.prec} {context.rounding}\n".encode())
    digest.update(repr(data).encode("utf-8", "surrogatepass"))
    return folder / _FOLDER / digest.hexdigest()


def known_valid(key: Path) -> bool:
    return key.is_file()


def remember_valid(key: Path) -> None:
    """Record a pass (an empty file: it exists or it does not, there is no half of it)."""
    try:
        key.parent.mkdir(mode=0o700, exist_ok=True)
        key.touch()
    except OSError:  # a cache that cannot be written is skipped
        pass


def _plain(data: object) -> bool:
    """Whether ``data`` is made only of the values the loader makes."""
    stack = [data]
    while stack:
        value = stack.pop()
        kind = type(value)  # exactly: a subclass could have a repr of its own
        if kind is LocDict or kind is dict:
            mapping = cast(dict[object, object], value)
            stack.extend(mapping.keys())
            stack.extend(mapping.values())
        elif kind is LocList or kind is list:
            stack.extend(cast(list[object], value))
        elif kind not in _SCALARS:
            return False
    return True


@functools.cache
def _fingerprint() -> bytes | None:
    """What a pass depends on besides the document; None (no record) when a part of it
    cannot be read."""
    digest = hashlib.sha256(_MAGIC)
    digest.update(f"{sys.version}\n".encode())
    try:
        digest.update(Path(__file__).with_name("schema.py").read_bytes())
        schemas = resources.files("policyengine.schema")
        for entry in sorted(schemas.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".schema.json"):
                digest.update(entry.name.encode() + b"\n" + entry.read_bytes())
        for name, module in sorted(sys.modules.items()):
            if name.split(".")[0] in _MODULES:
                path = getattr(module, "__file__", None)
                info = os.stat(path) if path else None
                shown = (path, info.st_size, info.st_mtime_ns) if info else None
                digest.update(f"{name} {shown}\n".encode())
    except OSError:
        return None
    return digest.digest()
