"""Opening the files that users and untrusted files name: where, what, how much.

Policies, sources files and scenario files come from pull requests, and CI runs
``policyengine validate``/``test`` on them. Whatever they name is opened through
here, so that:

* a file named *inside* one of them (a sources file's ``path``, a scenario's
  ``holder_file``, a file found by walking a directory) stays inside the repository:
  a :class:`Confinement` resolves it against the file that names it and refuses it
  (:class:`PathRefused`) unless it leads, symbolic links followed, into the root or a
  path the user allowed. ``/proc/self/environ`` or ``../../.ssh/config`` would
  otherwise be read, and quoted in an error. Paths typed on the command line are the
  user's own: the CLI adds them to the allowed paths. The confinement is an object
  handed down, never a global;
* only a regular file is read: opening a FIFO for reading waits for a writer forever,
  and a device (``/dev/zero``) never ends. A file is opened without blocking and
  checked with ``fstat`` before anything is read (no gap in which it could be swapped);
  :class:`NotRegularFile` otherwise;
* no more than the caller's limit is read (:class:`FileTooLarge` past it).

A path typed as ``-`` is standard input (:func:`read_regular`), read once and shown
as ``<stdin>`` in diagnostics.

The last two are :class:`OSError` subclasses whose ``strerror`` says what is wrong, so
a caller that already reports ``OSError`` (a missing file) reports these the same way.
:func:`excerpt` cuts what a hint quotes from a file to MAX_QUOTE characters.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from policyengine.errors import Diagnostic, PolicyError
from policyengine.load.nodes import YamlKey, line_text, locate

__all__ = [
    "MAX_QUOTE",
    "OUTSIDE_HINT",
    "REGULAR_HINT",
    "STDIN",
    "STDIN_NAME",
    "Confinement",
    "FileTooLarge",
    "NotRegularFile",
    "PathRefused",
    "check_regular",
    "excerpt",
    "named_file",
    "open_regular",
    "read_regular",
    "read_stdin",
]

MAX_QUOTE = 80  # characters of a file a hint may quote
OUTSIDE_HINT = (
    "files named in policies, sources files and scenario files must be inside the "
    "repository root (the directory given to validate or test, else the current "
    "directory; --root DIR sets it); to read one elsewhere, pass --allow-outside PATH"
)

REGULAR_HINT = "policyengine reads regular files only (not FIFOs, devices or directories)"

# The path a user types for standard input, and the name diagnostics give it. Only
# paths typed on the command line can be it: a file named inside another is resolved
# against that file's directory, so its '-' is a file of that name.
STDIN = "-"
STDIN_NAME = "<stdin>"
# what each standard input stream gave (see read_stdin); weak, so a test's stream goes
_STDIN_READ: weakref.WeakKeyDictionary[Any, bytes] = weakref.WeakKeyDictionary()

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


def read_stdin(max_bytes: int) -> bytes:
    """Standard input's bytes (the path ``-``): read once per stream, and the same bytes
    given to every later reader (a command may look at a file twice, e.g. for its kind
    and then to load it); FileTooLarge past ``max_bytes``."""
    stream: Any = getattr(sys.stdin, "buffer", sys.stdin)
    if stream is None:
        raise OSError(errno.EBADF, "there is no standard input", STDIN)
    data = _STDIN_READ.get(stream)
    if data is None:
        read = stream.read(max_bytes + 1)
        # a text stream without a buffer (a test's StringIO) gives str
        data = read.encode("utf-8") if isinstance(read, str) else bytes(read)
        _STDIN_READ[stream] = data
    if len(data) > max_bytes:
        raise FileTooLarge(STDIN, len(data), max_bytes)
    return data


def read_regular(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of the regular file ``path`` (``-``: standard input, see
    :func:`read_stdin`); FileTooLarge when it has more than ``max_bytes`` (however
    large, no more than ``max_bytes + 1`` are read)."""
    if os.fspath(path) == STDIN:
        return read_stdin(max_bytes)
    with open_regular(path) as handle:
        data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise FileTooLarge(path, max(os.fstat(handle.fileno()).st_size, len(data)), max_bytes)
    return data


def excerpt(text: str, limit: int = MAX_QUOTE) -> str:
    """``text`` as a hint may quote it: at most ``limit`` characters, "..." if cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ----------------------------------------------------------------------------- where


class PathRefused(ValueError):
    """A path named inside an untrusted file leads outside the confinement."""

    def __init__(self, message: str, hint: str = OUTSIDE_HINT) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _inside(path: str, base: str) -> bool:
    try:
        return os.path.commonpath([path, base]) == base
    except ValueError:  # another drive (Windows)
        return False


def _through_link(path: str) -> bool:
    """Whether ``path`` or a directory it names on the way is a symbolic link."""
    while path and path != os.path.dirname(path):
        if os.path.islink(path):
            return True
        path = os.path.dirname(path)
    return False


@dataclass(frozen=True)
class Confinement:
    """Where the files that untrusted files name may be: inside ``root`` or one of
    ``allowed`` (files, or directories and what is under them). All are real paths
    (symbolic links resolved): build one with :meth:`at`."""

    root: str
    allowed: tuple[str, ...] = ()

    @classmethod
    def at(
        cls, root: str | os.PathLike[str], allowed: Iterable[str | os.PathLike[str]] = ()
    ) -> Confinement:
        real = (os.path.realpath(p) for p in allowed)
        return cls(os.path.realpath(root), tuple(dict.fromkeys(real)))

    @classmethod
    def around(cls, path: str | os.PathLike[str]) -> Confinement:
        """The default of the Python API: the directory of the file ``path``."""
        return cls.at(os.path.dirname(os.fspath(path)) or ".")

    def admits(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path``, symbolic links followed, is inside."""
        real = os.path.realpath(path)
        return any(_inside(real, base) for base in (self.root, *self.allowed))

    def check(self, path: str | os.PathLike[str], shown: str | None = None) -> None:
        """Raise PathRefused unless ``path`` is inside; the message names it as ``shown``."""
        if self.admits(path):
            return
        name = shown if shown is not None else os.fspath(path)
        if _through_link(os.fspath(path)):
            raise PathRefused(
                f"{name} leads outside the repository root {self.root} (through a symbolic link)"
            )
        raise PathRefused(f"{name} is outside the repository root {self.root}")

    def resolve(self, naming_file: str, target: str) -> str:
        """``target`` as written in ``naming_file``: relative to that file's directory,
        and inside (PathRefused otherwise)."""
        path = os.path.normpath(os.path.join(os.path.dirname(naming_file), target))
        self.check(path, shown=target)
        return path


def named_file(
    confinement: Confinement,
    naming_file: str,
    data: object,
    where: Sequence[YamlKey],
    code: str = "path.outside",
) -> str:
    """The file named by the string at ``where`` in ``data`` (loaded from
    ``naming_file``), resolved and confined; PolicyError at that string when it leads
    outside."""
    target = str(_value(data, where))
    try:
        return confinement.resolve(naming_file, target)
    except PathRefused as err:
        loc = locate(data, list(where))
        raise PolicyError(
            Diagnostic(
                err.message,
                loc,
                err.hint,
                code,
                source_line=line_text(data, loc.line) if loc else None,
                width=max(1, len(target)),
            )
        ) from None


def _value(data: object, where: Sequence[YamlKey]) -> object:
    for key in where:
        data = data[key]  # type: ignore[index]  # a path into loaded YAML data
    return data
