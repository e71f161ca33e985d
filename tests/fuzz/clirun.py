"""Run ``policyengine`` in the fuzz worker's process, and check the CLI's contract.

A subprocess per input would cost half a second of start-up; ``main()`` in process
costs milliseconds and sees the same thing, as long as its output goes through streams
as strict as a real terminal's: stdout and stderr are UTF-8 text wrappers that raise on
what UTF-8 cannot encode (a lone surrogate), like ``sys.stdout`` does. The contract:
``main`` returns 0, 1 or 2 (argparse's own exit is 2), nothing escapes it, and stderr
holds no traceback. ``must_fail`` adds that the exit code is 1 or 2 (a missing file
cannot be a success).
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Sequence

from tests.fuzz.contract import Violation


class _Stream(io.TextIOWrapper):
    """A UTF-8 stream that keeps what was written (and is never a tty)."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", errors="strict", newline="\n")

    def text(self) -> str:
        self.flush()
        raw = self.buffer
        assert isinstance(raw, io.BytesIO)
        return raw.getvalue().decode("utf-8")


def run_main(args: Sequence[str], must_fail: bool = False) -> tuple[int, str, str]:
    """``policyengine ARGS`` in this process: (exit code, stdout, stderr)."""
    from policyengine.cli.main import main  # start-up: the worker imports it once, here

    out, err = _Stream(), _Stream()
    stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
    real_stdin, sys.stdin = sys.stdin, stdin
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    except SystemExit as done:  # argparse
        code = done.code if isinstance(done.code, int) else 2
    finally:
        sys.stdin = real_stdin
    stdout, stderr = out.text(), err.text()
    shown = " ".join(args)
    if code not in (0, 1, 2):
        raise Violation("exit code", f"{code} from policyengine {shown}")
    if "Traceback (most recent call last)" in stderr:
        raise Violation("traceback on stderr", f"policyengine {shown}: {stderr[-500:]}")
    if must_fail and code == 0:
        raise Violation("exit 0 on a bad file", f"policyengine {shown}")
    return code, stdout, stderr
