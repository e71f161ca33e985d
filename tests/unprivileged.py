"""Run a real process in which file permissions apply, even when the suite runs as root.

Root reads a file whose mode is 000 (capabilities CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH), so "permission denied" cannot be produced for it by chmod alone.
As root, the command is started through a small Python wrapper that drops those two
capabilities from its bounding set and then executes the command: the command keeps
uid 0 (it can still run the interpreter under /root) but obeys the permission bits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

# prctl(PR_CAPBSET_DROP = 24, CAP_DAC_OVERRIDE = 1 / CAP_DAC_READ_SEARCH = 2), then exec
_DROP = """\
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
for cap in (1, 2):
    if libc.prctl(24, cap, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
os.execv(sys.argv[1], sys.argv[1:])
"""


def permission_bound(argv: Sequence[str]) -> list[str]:
    """``argv``, wrapped so that permission bits apply to it when we are root."""
    if os.geteuid() != 0:
        return list(argv)
    return [sys.executable, "-c", _DROP, *argv]


def run_bound(argv: Sequence[object], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``subprocess.run`` of ``argv`` under :func:`permission_bound` (text, captured)."""
    kwargs.setdefault("timeout", 120)
    return subprocess.run(
        permission_bound([str(a) for a in argv]),
        capture_output=True,
        text=True,
        check=False,
        **kwargs,
    )
