"""The per-user cache folder (lark's parser tables, loaded documents), or none.

``$POLICYENGINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/policyengine``, else
``~/.cache/policyengine``. An empty ``POLICYENGINE_CACHE_DIR`` turns every cache off.
What is cached there is read back with ``pickle``, so a folder someone else could write
is never used (docs/security.md).

Loaded documents and schema passes (``doc_cache``, ``verdicts``) are kept only inside
:func:`keeping_documents`: the commands that check the same files run after run
(``validate``, ``test``, ``diff``) turn it on; a library call, ``evaluate`` over many
holder files or the service reading request bodies leave no file behind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

ENV = "POLICYENGINE_CACHE_DIR"
_KEEPING: ContextVar[bool] = ContextVar("policyengine_keeping_documents", default=False)


@contextlib.contextmanager
def keeping_documents(on: bool = True) -> Iterator[None]:
    """Inside (when ``on``), loaded documents and schema passes are kept in the cache."""
    token = _KEEPING.set(on)
    try:
        yield
    finally:
        _KEEPING.reset(token)


def documents_cache_dir() -> Path | None:
    """:func:`cache_dir` inside :func:`keeping_documents`, else None."""
    return cache_dir() if _KEEPING.get() else None


def cache_dir() -> Path | None:
    """The cache folder, made if missing; None (no cache) when ``POLICYENGINE_CACHE_DIR``
    is empty, or the folder cannot be made private to this user."""
    configured = os.environ.get(ENV)
    if configured == "":
        return None
    if configured:
        folder = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = Path(base) / "policyengine"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
        getuid = getattr(os, "getuid", None)
        if getuid is not None and (info.st_uid != getuid() or info.st_mode & 0o022):
            return None  # shared or writable by others: do not trust what is in it
        if not os.access(folder, os.W_OK):
            return None
    except OSError:
        return None
    return folder
