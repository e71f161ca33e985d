"""What an editor cannot show, ``validate`` does (issue 15, item 5): expression errors
at the line and column inside the YAML value (an editor with the JSON Schema sees only
strings there), and ``validate --watch`` re-running on every save."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import POLICIES, ROOT, CliResult, write_variant


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (
            'record.status == "approved"',
            'record.statuz == "approved"',
            "32:23",
            "record has no field 'statuz'",
        ),
        ('record.status == "approved"', "record.status == 3", "32:16", "cannot compare"),
        (
            'record.status == "approved"',
            "record.status ==",
            "32:32",
            "expected an expression at the end",
        ),
        ("next_anniversary(holder", "next_aniversary(holder", "26:12", "'next_aniversary'"),
        # inside a folded block scalar: the second line of the value
        (
            "    when: period.first_renewal and record.original_earned_on >= holder.designated_on",
            "    when: >-\n      period.first_renewal\n"
            "      and record.original_earned_on >= holder.designated_onn",
            "63:47",
            "holder has no field 'designated_onn'",
        ),
    ],
)
def test_expression_errors_carry_their_column(
    cli: Callable[..., CliResult], tmp_path: Path, old: str, new: str, where: str, message: str
) -> None:
    path = write_variant(tmp_path, "werc-crp.yaml", old, new)
    code, out, _ = cli("validate", path)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{path}:{where}: ")
    assert message in first
    # the caret line points at the column reported
    caret = out.splitlines()[2]
    assert caret.index("^") - 4 == int(where.split(":")[1]) - 1


# ------------------------------------------------------------------------------ --watch


class Watcher:
    """``policyengine validate --watch DIR`` in a real process; its output line by line."""

    def __init__(self, *args: str | Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "policyengine", "validate", "--watch", *map(str, args)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def until(self, predicate: Callable[[str], bool], timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.proc.poll() is None, f"watch ended: {self.seen}"
                continue
            self.seen.append(line)
            if predicate(line):
                return line
        raise AssertionError(f"not seen in {timeout} s; output: {self.seen}")

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=30)
        self.reader.join(timeout=30)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        return code, "\n".join(rest)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT stands for Ctrl-C on POSIX")
def test_watch_reruns_on_change_and_ctrl_c_exits_0_quietly(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    policy = folder / "werc-crp.yaml"
    shutil.copy(POLICIES / "werc-crp.yaml", policy)
    watcher = Watcher(folder)
    try:
        watcher.until(lambda line: line == "1 file checked, 0 problems")
        watcher.until(lambda line: line.startswith("watching "))
        text = policy.read_text(encoding="utf-8")
        policy.write_text(text.replace("length: 3 years", "lenght: 3 years"), encoding="utf-8")
        watcher.until(lambda line: line == f"changed: {policy}")
        error = watcher.until(lambda line: "unknown key 'lenght'" in line)
        assert error.startswith(f"{policy}:27:5: ")
        watcher.until(lambda line: line.startswith("1 file checked, "))
        # an editor that saves by writing a new file and renaming it over the old one
        fixed = folder / ".werc-crp.yaml.swp"
        fixed.write_text(text, encoding="utf-8")
        os.replace(fixed, policy)
        watcher.until(lambda line: line == "1 file checked, 0 problems")
        # a new file in the directory is seen too
        shutil.copy(POLICIES / "werc-gms.yaml", folder / "werc-gms.yaml")
        watcher.until(lambda line: line == "2 files checked, 0 problems")
    finally:
        code, rest = watcher.stop()
    assert code == 0
    assert "Traceback" not in "\n".join(watcher.seen) + rest
    assert "KeyboardInterrupt" not in rest
