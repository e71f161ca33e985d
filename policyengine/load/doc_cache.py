"""A per-user cache of loaded documents, keyed by their content.

Reading a file with positions (``yaml_loader``: PyYAML's pure-Python scanner) takes
~10 ms for a policy file, most of ``policyengine validate``'s time. A document that
loaded without a problem is kept in the cache folder (``cachedir``) under the SHA-256 of
its text, the loader's own source files, PyYAML's and Python's versions and the limits
it was read with; the next process reads the same text back in well under a
millisecond. The entry is the loaded document itself (``LocDict``/``LocList``/
``LocStr``, ``Location``, ``Decimal``) pickled without its file name and text, which
come from the file being read: the same content under another name is a hit, and
positions, source lines and diagnostics are those a fresh parse gives.

A document that does not load is not cached (its diagnostics come from the loader each
time). An entry is trusted no more than lark's tables are: the folder is private to the
user, each entry carries the SHA-256 of its payload, and it is unpickled with only the
classes above allowed; anything unreadable or unexpected is ignored and the text parsed
again. Entries are written to a temporary file and renamed, so a reader never sees half
of one. An empty ``POLICYENGINE_CACHE_DIR`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import io
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import yaml

from policyengine import decimals, errors
from policyengine.errors import Location, PolicyError
from policyengine.load.cachedir import documents_cache_dir
from policyengine.load.nodes import LocDict, LocList, LocStr, YamlData, _Source

_MAGIC = b"policyengine-document-1\n"
_FOLDER = "documents"
# The only classes an entry may name.
_ALLOWED: dict[tuple[str, str], type] = {
    ("policyengine.load.nodes", "LocDict"): LocDict,
    ("policyengine.load.nodes", "LocList"): LocList,
    ("policyengine.load.nodes", "LocStr"): LocStr,
    ("policyengine.errors", "Location"): Location,
    ("decimal", "Decimal"): Decimal,
}
# A document is parsed under this name when it is to be cached: the one str object that
# is the file name of every Location in it, so pickling can leave it out (see _freeze).
_NAME = "\x00policyengine-cached-document\x00"
# Read before an entry, in the same unpickler: puts the file's _Source and name in the
# memo at 0 and 1, where _freeze's pickler had the parse's (persistent ids 0 and 1).
_PRELUDE = b"\x80\x05K\x00Q\x94K\x01Q\x94."

Parse = Callable[[str, str], YamlData]


def load_cached(text: str, filename: str, limits: tuple[int, ...], parse: Parse) -> YamlData:
    """``parse(text, filename)``, or its result kept from an earlier process.

    ``text`` is what the loader parses (no byte-order mark) and ``limits`` every setting
    that can change the result. A document ``parse`` refuses raises as ``parse`` does."""
    folder = documents_cache_dir()
    fingerprint = _fingerprint() if folder is not None else None
    if folder is None or fingerprint is None:
        return parse(text, filename)
    digest = hashlib.sha256(fingerprint)
    digest.update(repr(limits).encode("ascii"))
    digest.update(text.encode("utf-8", "surrogatepass"))
    path = folder / _FOLDER / f"{digest.hexdigest()}.pickle"
    entry = _read(path)
    if entry is not None:
        try:
            return _thaw(entry, text, filename)
        except Exception:  # noqa: BLE001 - a damaged or foreign entry: parse it again
            pass
    try:
        data = parse(text, _NAME)
    except PolicyError:  # not cached; parsed again so that diagnostics name the file
        return parse(text, filename)
    entry = _freeze(data)
    _write(path, entry)
    return _thaw(entry, text, filename)


@functools.cache
def _fingerprint() -> bytes | None:
    """What a cached document depends on besides its text: the loader's source files,
    PyYAML's and Python's versions. None (no cache) when a source cannot be read."""
    here = Path(__file__).parent
    sources = [here / "yaml_loader.py", here / "nodes.py", Path(__file__)]
    sources += [Path(m.__file__) for m in (errors, decimals) if m.__file__]
    digest = hashlib.sha256(_MAGIC)
    digest.update(f"{yaml.__version__}\n{sys.version}\n".encode())
    try:
        for source in sources:
            digest.update(source.read_bytes())
    except OSError:
        return None
    return digest.digest()


def _freeze(data: YamlData) -> bytes:
    """``data`` (parsed under ``_NAME``) pickled without its _Source and file name."""
    src = getattr(data, "_src", None)
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    # Every reference to these two becomes a memo reference (_PRELUDE fills the memo);
    # a document without a source (a bare number) gets an object that is in no document.
    seeded = src if isinstance(src, _Source) else object()
    pickler.memo = {id(seeded): (0, seeded), id(_NAME): (1, _NAME)}
    pickler.dump(data)
    payload = out.getvalue()
    return _MAGIC + hashlib.sha256(payload).digest() + payload


class _Unpickler(pickle.Unpickler):
    """Builds only the classes in ``_ALLOWED``; the prelude's persistent ids are the
    file's _Source (0) and name (1)."""

    def __init__(self, payload: bytes, src: _Source) -> None:
        super().__init__(io.BytesIO(_PRELUDE + payload))
        self.src = src

    def find_class(self, module: str, name: str) -> type:
        allowed = _ALLOWED.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cached document")
        return allowed

    def persistent_load(self, pid: object) -> object:
        if pid == 0:
            return self.src
        if pid == 1:
            return self.src.filename
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")


def _thaw(entry: bytes, text: str, filename: str) -> YamlData:
    """The document in ``entry``, read from ``text`` in the file ``filename``."""
    head = len(_MAGIC) + 32
    payload = entry[head:]
    if entry[: len(_MAGIC)] != _MAGIC or entry[len(_MAGIC) : head] != (
        hashlib.sha256(payload).digest()
    ):
        raise ValueError("not a cached document, or a damaged one")
    unpickler = _Unpickler(payload, _Source(text, filename))
    # Unpickling makes tens of thousands of objects and no cycles: with the collector on,
    # its passes over everything the process holds took more time than the unpickling.
    collecting = gc.isenabled()
    gc.disable()
    try:
        unpickler.load()  # the prelude
        return unpickler.load()
    finally:
        if collecting:
            gc.enable()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:  # not cached yet (or unreadable: parse instead)
        return None


def _write(path: Path, entry: bytes) -> None:
    """Write ``entry`` to ``path`` atomically; a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(entry)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
