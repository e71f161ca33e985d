"""Shared test set-up.

Third-party plugins installed in the environment (entry-point group ``policyengine``)
must not change the project's own test results, so entry points are not loaded
unless a test asks for them (``monkeypatch.setenv("POLICYENGINE_LOAD_ENTRYPOINTS", "1")``).

Fixtures:

- ``cli``: run the ``policyengine`` command line in this process, from the repository
  root, and get its exit code and output (see :class:`tests.helpers.CliResult`);

Plain helpers (paths, evaluation shortcuts, policy snippets) are in ``tests/helpers.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

os.environ["POLICYENGINE_LOAD_ENTRYPOINTS"] = "0"

from tests.helpers import ROOT, CliResult


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
