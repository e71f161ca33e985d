"""Runs the fuzzers: each in a worker process, every input under a time limit.

``python -m tests.fuzz --seconds 60 --seed 1`` splits the budget between the fuzzers
(``--fuzzers yaml,expr`` picks some) and runs them one after the other. A fuzzer runs
in a worker process (``multiprocessing``, spawned: a fresh interpreter). Before each
input the worker sends the parent the input; after it, how it ended. When an input
does not end within the fuzzer's time limit the parent kills the worker, records a
*hang* with that input, and starts a new worker (with another seed) for the rest of
the budget; a worker that dies is recorded the same way. So the time an input takes
is bounded by measuring it from outside, never asserted inside the code under test.
An input still running when the budget is spent gets ``GRACE`` seconds more, then is
cut off (counted, not a finding: it did not have its full time).

The report gives, per fuzzer, how many inputs ran and how they ended, and every
finding (grouped by signature, see ``contract.py``) with its first input. Findings
whose signature is listed in ``known_findings.txt`` (problems known and owned
elsewhere) are marked known; the exit code is 1 when there is any other finding.
``--out DIR`` writes each finding's traceback and full input to a file.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import multiprocessing
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fuzz.contract import Finding, allowed, finding_from

FUZZERS = {
    "yaml": "tests.fuzz.fuzz_yaml",
    "expr": "tests.fuzz.fuzz_expr",
    "sources": "tests.fuzz.fuzz_sources",
    "cli": "tests.fuzz.fuzz_cli",
}
KNOWN = Path(__file__).with_name("known_findings.txt")
MEMORY_LIMIT = 3 * 1024**3  # an input that needs more is a finding (MemoryError)
MAX_INPUT_CHARS = 300_000  # what is kept of an input for the report
GRACE = 5.0  # seconds an input may run past the budget before it is cut off
SLOW = 1.0  # an input that takes longer is counted as slow (reported, not a finding)


class Budget:
    """The worker's time left (fuzzers stop starting inputs when it is spent), the run's
    seed and how many inputs earlier workers of the run got through (a fuzzer that
    enumerates its inputs resumes after them instead of starting over)."""

    def __init__(self, seconds: float, seed: int = 0, resume: int = 0) -> None:
        self.end = time.monotonic() + seconds
        self.seed = seed
        self.resume = resume

    @property
    def spent(self) -> bool:
        return time.monotonic() >= self.end


# execute(label, input text, thunk, extra allowed exceptions) -> None
Execute = Callable[..., None]


def _worker(
    module: str, seed: int, attempt: int, resume: int, seconds: float, conn: Any, workdir: str
) -> None:
    """The worker process: set up the fuzzer, then run inputs until the budget is spent.
    ``attempt`` counts the workers before this one, ``resume`` the inputs they ran."""
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    sys.setrecursionlimit(10_000)
    fuzzer = importlib.import_module(module)
    budget = Budget(seconds, seed, resume)
    state = fuzzer.setup(Path(workdir))
    count = 0

    def execute(
        label: str, text: str, thunk: Callable[[], str], allow: tuple[type, ...] = ()
    ) -> None:
        nonlocal count
        count += 1
        conn.send(("start", label, text[:MAX_INPUT_CHARS]))
        try:
            outcome = thunk()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - the contract: anything else is a finding
            if allowed(exc, allow):
                conn.send(("done", "rejected", None))
            else:
                f = finding_from(fuzzer.NAME, exc, label)
                conn.send(("done", "finding", (f.signature, f.summary)))
            return
        conn.send(("done", outcome, None))

    conn.send(("ready",))
    fuzzer.loop(state, random.Random(seed * 1_000_003 + attempt), execute, budget)
    conn.send(("finished",))
    conn.close()


@dataclass
class Result:
    """What one fuzzer did: inputs by outcome, findings by signature, time used."""

    name: str
    outcomes: Counter[str] = field(default_factory=Counter)
    findings: dict[str, Finding] = field(default_factory=dict)
    seconds: float = 0.0
    workers: int = 0
    slow: int = 0  # inputs that took more than SLOW seconds
    slowest: tuple[float, str] = (0.0, "")  # seconds, label of the slowest input

    @property
    def inputs(self) -> int:
        return sum(self.outcomes.values())

    def add(self, signature: str, summary: str, text: str) -> None:
        if signature in self.findings:
            self.findings[signature].count += 1
            return
        self.findings[signature] = Finding(self.name, signature, summary, text)


def run_fuzzer(
    name: str, seed: int, seconds: float, input_timeout: float | None = None, module: str = ""
) -> Result:
    """Run fuzzer ``name`` for ``seconds`` with ``seed``; restart its worker after a
    hang or a crash of the process."""
    mod = importlib.import_module(module or FUZZERS[name])
    limit = input_timeout or mod.INPUT_TIMEOUT
    ctx = multiprocessing.get_context("spawn")
    result = Result(name)
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end - 0.2:
        workdir = tempfile.mkdtemp(prefix=f"pe-fuzz-{name}-")
        receiver, sender = ctx.Pipe(duplex=False)
        left = end - time.monotonic()
        args = (mod.__name__, seed, result.workers, result.inputs, left, sender, workdir)
        proc = ctx.Process(target=_worker, args=args, daemon=True)
        proc.start()
        sender.close()
        result.workers += 1
        current: tuple[str, str] | None = None
        began = time.monotonic()
        setup_limit = max(60.0, limit)
        try:
            while True:
                wait = limit if current else setup_limit
                # past the budget, an input gets GRACE seconds more: then it is cut off,
                # unfinished but not a hang (it may not have had its full time)
                cutoff = end + GRACE - time.monotonic()
                if not receiver.poll(max(0.0, min(wait, cutoff))):
                    if cutoff < wait:
                        result.outcomes["cut off at the end"] += 1
                        break
                    what = "a hang" if current else "a hang while setting up"
                    label, text = current or ("setup", "")
                    result.outcomes["hang"] += 1
                    result.add(
                        f"{name}: timeout in {label}",
                        f"{what}: no answer within {wait:g} s ({label})",
                        text,
                    )
                    break
                try:
                    message = receiver.recv()
                except EOFError:
                    proc.join(5)
                    label, text = current or ("setup", "")
                    result.outcomes["died"] += 1
                    result.add(
                        f"{name}: worker died in {label}",
                        f"the worker process died (exit code {proc.exitcode}) running {label}",
                        text,
                    )
                    break
                kind = message[0]
                if kind == "start":
                    current = (message[1], message[2])
                    began = time.monotonic()
                elif kind == "done":
                    outcome, found = message[1], message[2]
                    took = time.monotonic() - began
                    result.slow += took > SLOW
                    if took > result.slowest[0] and current is not None:
                        result.slowest = (took, current[0])
                    result.outcomes[outcome] += 1
                    if found is not None and current is not None:
                        result.add(found[0], found[1], current[1])
                    current = None
                elif kind == "finished":
                    break
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join(10)
            receiver.close()
            _remove(workdir)
    result.seconds = time.monotonic() - start
    return result


def _remove(path: str) -> None:
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            with contextlib.suppress(OSError, NotImplementedError):
                os.chmod(os.path.join(root, name), 0o700, follow_symlinks=False)
    shutil.rmtree(path, ignore_errors=True)


def known_signatures(path: Path = KNOWN) -> set[str]:
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def _one_line(text: str, limit: int = 300) -> str:
    flat = text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"
    return flat.encode("unicode_escape").decode("ascii")


def report(results: list[Result], known: set[str], out: Path | None) -> int:
    """Print what each fuzzer ran and found; the number of findings not known."""
    new = 0
    for r in results:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(r.outcomes.items()))
        print(
            f"{r.name:8} {r.inputs:7} inputs in {r.seconds:6.1f} s ({counts}); "
            f"{len(r.findings)} finding{'s' if len(r.findings) != 1 else ''}"
            + (f", {r.workers - 1} worker restart(s)" if r.workers > 1 else "")
        )
        if r.slowest[1]:
            print(
                f"  slowest input {r.slowest[0]:.2f} s ({r.slowest[1]}); "
                f"{r.slow} over {SLOW:g} s (measured from outside, so with the machine's load)"
            )
        for i, f in enumerate(sorted(r.findings.values(), key=lambda f: f.signature), 1):
            mark = "known" if f.signature in known else "NEW"
            new += mark == "NEW"
            print(f"  [{mark}] {f.signature}  ({f.count} input{'s' if f.count != 1 else ''})")
            print(f"      {_one_line(f.summary.splitlines()[0])}")
            print(f"      input: {_one_line(f.input)}")
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                name = f"{r.name}-{i:02d}.txt"
                (out / name).write_text(
                    f"{f.signature}\n\n{f.summary}\n\n--- input ---\n{f.input}\n",
                    encoding="utf-8",
                    errors="backslashreplace",
                )
                print(f"      written to {out / name}")
    total = sum(r.inputs for r in results)
    found = sum(len(r.findings) for r in results)
    print(f"total: {total} inputs, {found} findings, {new} new")
    return new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="total budget (default 60)")
    parser.add_argument("--seed", type=int, help="seed (default: random, printed)")
    parser.add_argument(
        "--fuzzers", default=",".join(FUZZERS), help=f"comma-separated, of {', '.join(FUZZERS)}"
    )
    parser.add_argument(
        "--input-timeout", type=float, help="seconds per input (default: per fuzzer)"
    )
    parser.add_argument("--out", type=Path, help="write every finding's input to DIR")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.fuzzers.split(",") if n.strip()]
    unknown = [n for n in names if n not in FUZZERS]
    if unknown or not names:
        parser.error(f"unknown fuzzer(s): {', '.join(unknown)} (have {', '.join(FUZZERS)})")
    seed = args.seed if args.seed is not None else random.randrange(1, 1_000_000)
    share = args.seconds / len(names)
    print(f"fuzz: seed {seed}, {args.seconds:g} s ({share:.1f} s per fuzzer)", flush=True)
    results = []
    for name in names:
        results.append(run_fuzzer(name, seed, share, args.input_timeout))
        print(f"  {name}: {results[-1].inputs} inputs", flush=True)
    new = report(results, known_signatures(), args.out)
    return 1 if new else 0
