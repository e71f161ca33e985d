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


def drop_file_capabilities() -> bool:
    """Make permission bits apply to this process from now on (Linux, as root): drop
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its effective and permitted sets.
    True when permission bits apply (also when we are not root)."""
    if os.geteuid() != 0:
        return True
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        ]

    libc = ctypes.CDLL(None, use_errno=True)
    header = Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        return False
    keep = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF
    data[0].effective &= keep
    data[0].permitted &= keep
    return libc.capset(ctypes.byref(header), data) == 0
