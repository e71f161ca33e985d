"""An account file used as a ledger: an exclusive lock around read-check-append, and
durable, atomic replacement of the file.

``redeem --record`` must never hand out the same credits twice, whatever else is
writing the account at the same time. So the history is read, the redemption decided
and the new history written while one exclusive lock is held (``locked``), and the new
history replaces the old file in one rename (``replace_file``):

* The lock is an advisory ``flock`` on the account file itself (POSIX), or a byte-range
  lock on a sibling ``.NAME.lock`` file (Windows, where a file open by another process
  cannot be renamed over). Because a writer replaces the file, a waiter can end up
  holding a lock on the *old* file: after locking, the file's identity is compared
  with what the path names now, and the lock is taken again if they differ.
* A symlink is followed: the real file is replaced, the link stays.
* The new file keeps the old one's permission bits; it is written to a temporary file
  beside the target, flushed and ``fsync``-ed, renamed over the target, and the
  directory is ``fsync``-ed, so a crash leaves either the old or the new history.
* The temporary file has a fixed name per target (``.NAME.policyengine-tmp``). Only the
  lock holder writes it, so a file left by a killed writer is simply overwritten by the
  next one and never accumulates.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import time
from collections.abc import Iterator

from policyengine.errors import Diagnostic, PolicyError
from policyengine.load.paths import NotRegularFile

_WINDOWS = sys.platform == "win32"


def real_path(path: str) -> str:
    """The file a path names, symlinks followed (the path itself when it does not exist)."""
    return os.path.realpath(path)


def temp_path(target: str) -> str:
    folder, name = os.path.split(target)
    return os.path.join(folder, f".{name}.policyengine-tmp")


def _io_error(path: str, err: OSError, doing: str) -> PolicyError:
    return PolicyError(
        Diagnostic(
            f"{path}: cannot {doing}: {err.strerror or err}",
            hint="check that the account file exists and that its folder is writable",
            code="ledger.io",
        )
    )


@contextlib.contextmanager
def locked(path: str) -> Iterator[str]:
    """Hold an exclusive lock on the account file ``path`` (its real file) for the block.

    Yields the real path. Blocks until other holders are done; the lock is released
    when the block ends, also on an error or a signal that ends the process.
    """
    target = real_path(path)
    if _WINDOWS:  # pragma: no cover - exercised on Windows only
        with _locked_windows(target):
            yield target
        return
    import fcntl  # POSIX only; the Windows branch above never reaches here

    while True:
        try:
            # without waiting: a FIFO has no writer to wait for
            fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError as err:
            raise _io_error(path, err, "open the account file to lock it") from None
        try:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise _io_error(path, NotRegularFile(target, mode), "lock the account file")
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                now = os.stat(target)
            except FileNotFoundError:
                now = None
            held = os.fstat(fd)
            if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # another writer replaced the file while we waited: lock the new one
    try:
        yield target
    finally:
        os.close(fd)  # closing the descriptor releases the flock


@contextlib.contextmanager
def _locked_windows(target: str) -> Iterator[None]:  # pragma: no cover - Windows only
    import msvcrt

    folder, name = os.path.split(target)
    fd = os.open(os.path.join(folder, f".{name}.lock"), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                break
            except OSError:  # LK_LOCK gives up after ~10 s; keep waiting
                time.sleep(0.05)
        try:
            yield
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked_all(paths: list[str]) -> Iterator[None]:
    """Lock several files, each real file once, always in the same order (no deadlock
    between two commands naming the same files in another order)."""
    with contextlib.ExitStack() as stack:
        for target in sorted({real_path(p) for p in paths}):
            stack.enter_context(locked(target))
        yield


def replace_file(path: str, text: str) -> None:
    """Replace the file ``path`` names (its real file) by ``text``, atomically and durably.

    Call it while holding :func:`locked` on the same path when other writers may run.
    """
    target = real_path(path)
    tmp = temp_path(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    except OSError as err:
        raise _io_error(path, err, "read the account file's permissions") from None
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            if not _WINDOWS:
                os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_folder(os.path.dirname(target))
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _io_error(path, err, "write the account file") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX; Windows has no directory handles for this)."""
    if _WINDOWS:  # pragma: no cover
        return
    fd = os.open(folder or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["locked", "locked_all", "real_path", "replace_file", "temp_path"]
