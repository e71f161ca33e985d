"""The per-user cache folder (lark's parser tables, loaded documents), or none.

``$POLICYENGINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/policyengine``, else
``~/.cache/policyengine``. An empty ``POLICYENGINE_CACHE_DIR`` turns every cache off.
What is cached there is read back with ``pickle``, so a folder someone else could write
is never used (docs/security.md).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "POLICYENGINE_CACHE_DIR"


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
