"""``--watch``: run a command again whenever a file it reads changes, until Ctrl-C.

A small polling loop (no file-notification library: a policy repository is a few
hundred files, and polling works the same on every system and file system). Every
``interval`` seconds it takes a :func:`snapshot` of the files named and of every file
under the directories named (modification time, size and inode, so a save that
replaces the file is seen too); when it differs, it waits until two snapshots agree
(an editor may still be writing) and runs again. Status lines go to stderr, the
command's own output to stdout as usual. Ctrl-C ends the loop quietly with exit 0.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence

from policyengine.cli.output import escape_controls, render
from policyengine.errors import PolicyError, UsageError
from policyengine.load.kinds import PRUNED_DIRS, excluded

INTERVAL = 0.5  # seconds between two looks at the files
# How many changed paths the status line names.
SHOWN = 5

Stamp = tuple[int, int, int]


def _stamp(path: str) -> Stamp | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def snapshot(paths: Sequence[str], exclude: Sequence[str] = ()) -> dict[str, Stamp | None]:
    """Each file named and each file under the directories named (not in dot-
    directories or build output, not excluded), with its stamp (None: it is missing)."""
    out: dict[str, Stamp | None] = {}
    for raw in paths:
        if not os.path.isdir(raw):
            out[raw] = _stamp(raw)
            continue
        for root, dirs, files in os.walk(raw):
            dirs[:] = [
                d
                for d in dirs
                if not d.startswith(".")
                and d not in PRUNED_DIRS
                and not excluded(os.path.join(root, d), exclude, raw)
            ]
            for name in files:
                path = os.path.join(root, name)
                if not name.startswith(".") and not excluded(path, exclude, raw):
                    out[path] = _stamp(path)
    return out


def _run_once(run: Callable[[], int], name: str) -> None:
    try:
        run()
    except PolicyError as err:
        for d in err.diagnostics:
            print(render(d), file=sys.stderr)
    except UsageError as err:
        print(escape_controls(f"policyengine {name}: {err}"), file=sys.stderr)
    sys.stdout.flush()


def watch(
    name: str,
    paths: Sequence[str],
    run: Callable[[], int],
    exclude: Sequence[str] = (),
    interval: float = INTERVAL,
) -> int:
    """Run ``run`` (the command ``name``) now and after every change under ``paths``;
    return 0 on Ctrl-C. Problems a run finds are printed, and the loop goes on."""
    try:
        before = snapshot(paths, exclude)
        _run_once(run, name)
        shown = escape_controls(" ".join(paths))
        print(f"watching {shown} for changes (Ctrl-C to stop)", file=sys.stderr, flush=True)
        while True:
            time.sleep(interval)
            now = snapshot(paths, exclude)
            if now == before:
                continue
            while True:  # until the writing is over: two looks that agree
                time.sleep(interval)
                later = snapshot(paths, exclude)
                if later == now:
                    break
                now = later
            changed = sorted(p for p in now.keys() | before.keys() if now.get(p) != before.get(p))
            more = f" and {len(changed) - SHOWN} more" if len(changed) > SHOWN else ""
            listed = escape_controls(", ".join(changed[:SHOWN]))
            print(f"\nchanged: {listed}{more}", file=sys.stderr, flush=True)
            before = now
            _run_once(run, name)
    except KeyboardInterrupt:
        return 0
