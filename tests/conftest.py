"""Shared test set-up.

Third-party plugins installed in the environment (entry-point group ``policyengine``)
must not change the project's own test results, so entry points are not loaded
unless a test asks for them (``monkeypatch.setenv("POLICYENGINE_LOAD_ENTRYPOINTS", "1")``).
Nor may the user's cache folder (lark's tables, loaded documents: ``load/cachedir.py``):
the tests, and the commands they start, use a temporary one of their own
(``POLICYENGINE_CACHE_DIR``), removed at the end.

Fixtures:

- ``cli``: run the ``policyengine`` command line in this process, from the repository
  root, and get its exit code and output (see :class:`tests.helpers.CliResult`);
- ``unblock``: ``unblock(path)`` keeps a reader of the FIFO at ``path`` from waiting
  forever: after GRACE seconds the FIFO is opened for writing and closed again (now and
  then), so a reader stuck in ``open`` sees an empty file and the test fails instead of
  hanging; ``unblock.released`` lists the FIFOs where a reader was found waiting (what a
  test asserts, rather than how long the command took);

Plain helpers (paths, evaluation shortcuts, policy snippets) are in ``tests/helpers.py``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ["POLICYENGINE_LOAD_ENTRYPOINTS"] = "0"
os.environ["POLICYENGINE_CACHE_DIR"] = tempfile.mkdtemp(prefix="policyengine-test-cache-")

from tests.helpers import ROOT, CliResult

atexit.register(shutil.rmtree, os.environ["POLICYENGINE_CACHE_DIR"], ignore_errors=True)

GRACE = 3.0  # seconds a reader may take to refuse a FIFO before it is unblocked


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., CliResult]]:
    """``cli("evaluate", "policies/werc-crp.yaml", ...)`` runs ``policyengine`` in-process.

    The current directory is the repository root (so relative paths such as
    ``policies/werc-crp.yaml`` work, as in the documented commands); a test may
    ``monkeypatch.chdir`` elsewhere after asking for the fixture. Arguments may be
    paths. Each call returns only what that command printed. ``SystemExit`` from
    argparse becomes the exit code a process would have had: 2 for a usage error,
    0 for ``--help`` and ``--version``.

    ``main()`` loads plugins into a fresh environment on every call (nothing is kept
    in the process), so a ``--plugins-dir`` of one test is never seen by another.
    """
    from policyengine.cli import main

    monkeypatch.chdir(ROOT)

    def run(*args: object) -> CliResult:
        capsys.readouterr()  # what the test printed before belongs to no command
        try:
            code = main([os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in args])
        except SystemExit as done:  # argparse: usage errors, --help, --version
            code = 0 if done.code is None else done.code if isinstance(done.code, int) else 1
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    yield run


class Unblocker:
    """``unblock(path)`` watches a FIFO; ``released``: those a reader was found waiting on."""

    def __init__(self) -> None:
        self.fifos: list[Path] = []
        self.released: list[Path] = []

    def __call__(self, fifo: Path) -> None:
        self.fifos.append(fifo)


@pytest.fixture
def unblock() -> Iterator[Unblocker]:
    """See the module docstring."""
    watched = Unblocker()
    stop = threading.Event()

    def watch() -> None:
        start = time.monotonic()
        while not stop.wait(0.2):
            if time.monotonic() - start < GRACE:
                continue
            for fifo in watched.fifos:
                with contextlib.suppress(OSError):  # fails unless a reader has it open
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                    watched.released.append(fifo)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    yield watched
    stop.set()
    thread.join()
