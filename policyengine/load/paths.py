"""Opening the files that users and untrusted files name: regular files only, bounded.

Policies, sources files and scenario files come from pull requests, and CI runs
``policyengine validate``/``test`` on them. Whatever they name is opened through
here, so that:

* only a regular file is read: opening a FIFO for reading waits for a writer forever,
  and a device (``/dev/zero``) never ends. A file is opened without blocking and
  checked with ``fstat`` before anything is read (no gap in which it could be swapped);
* no more than the caller's limit is read (:class:`FileTooLarge` past it).

Both are :class:`OSError` subclasses whose ``strerror`` says what is wrong, so a caller
that already reports ``OSError`` (a missing file) reports these the same way.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

__all__ = [
    "REGULAR_HINT",
    "FileTooLarge",
    "NotRegularFile",
    "check_regular",
    "open_regular",
    "read_regular",
]

REGULAR_HINT = "policyengine reads regular files only (not FIFOs, devices or directories)"

# Opening must not wait (a FIFO without a writer) or make a terminal ours.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


class NotRegularFile(OSError):
    """The path is a FIFO, a device, a directory or a socket."""

    def __init__(self, path: str | os.PathLike[str], mode: int) -> None:
        super().__init__(errno.EINVAL, f"not a regular file: {_kind(mode)}", os.fspath(path))


class FileTooLarge(OSError):
    """The file holds more than ``limit`` bytes (``size``: its size, when known)."""

    def __init__(self, path: str | os.PathLike[str], size: int, limit: int) -> None:
        super().__init__(
            errno.EFBIG,
            f"file is too large ({size:,} bytes; the limit is {limit:,})",
            os.fspath(path),
        )
        self.size, self.limit = size, limit


def check_regular(path: str | os.PathLike[str], max_bytes: int | None = None) -> None:
    """Raise unless ``path`` (symbolic links followed) is a regular file of at most
    ``max_bytes``. For files another library opens (SQLite); read through
    :func:`open_regular` or :func:`read_regular` where we open them ourselves."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(path, info.st_mode)
    if max_bytes is not None and info.st_size > max_bytes:
        raise FileTooLarge(path, info.st_size, max_bytes)


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for reading in binary mode; NotRegularFile when it is not a regular
    file (checked on the open file, so it cannot change in between)."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, mode)
        if hasattr(os, "set_blocking"):  # not on Windows before 3.12; a regular file
            os.set_blocking(fd, True)  # reads the same either way
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``; FileTooLarge when it has more than
    ``max_bytes`` (however large, no more than ``max_bytes + 1`` are read)."""
    with open_regular(path) as handle:
        data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise FileTooLarge(path, max(os.fstat(handle.fileno()).st_size, len(data)), max_bytes)
    return data
