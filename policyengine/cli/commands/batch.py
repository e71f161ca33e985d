"""``policyengine batch POLICY HOLDERS...``: a whole membership through one policy, streamed.

HOLDERS are JSONL files (one holder per line), holder files, directories of them,
sources files, or ``-`` for JSONL on standard input. One output record per holder, in
input order (``-o jsonl``, the default: one JSON object per line; ``csv``; ``json``:
one document), to stdout or ``--out FILE``. A holder whose data is bad gives an error
record naming its ``file:line:col`` and the run goes on; the summary at the end (on
stderr) counts holders per status and the errors; the exit code is 1 when any holder had
bad data. ``--jobs N`` uses N worker processes; ``--engine dask`` runs the same
per-holder function on a Dask cluster (``pip install 'policyengine[dask]'``).
Memory stays bounded whatever the population: results are written as they arrive.
See docs/batch.md.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from policyengine.batch.inputs import count, tasks
from policyengine.batch.output import WRITERS
from policyengine.batch.run import Settings
from policyengine.batch.run import run as run_batch
from policyengine.cli.options import add_confinement_options, as_of_date, confinement
from policyengine.cli.reporters import add_json_alias
from policyengine.errors import Diagnostic, PolicyError, UsageError
from policyengine.load.paths import STDIN
from policyengine.policy.build import load_policy

NAME = "batch"
HELP = "evaluate a whole membership (JSONL, holder files, sources files) streamed"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("policy", metavar="POLICY", help="a certification policy file")
    parser.add_argument(
        "holders",
        nargs="+",
        metavar="HOLDERS",
        help="JSONL files (one holder per line), holder files, directories, "
        "sources files, or - for JSONL on standard input",
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="evaluate as of the end of this day (default: today in the policy's time zone)",
    )
    parser.add_argument(
        "-o",
        "--output",
        choices=tuple(WRITERS),
        default="jsonl",
        help="jsonl (default: one JSON object per holder and line), csv, or json (one document)",
    )
    add_json_alias(parser)
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="worker processes (default 1; 0: one per core)",
    )
    parser.add_argument(
        "--explain", action="store_true", help="add every record's disposition and explanation"
    )
    parser.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local processes (default) or a Dask cluster",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: the scheduler to use (default: a local "
        "cluster with --jobs workers)",
    )
    parser.add_argument(
        "--partitions",
        type=int,
        metavar="N",
        help="with --engine dask: how many partitions to split the input into",
    )
    add_confinement_options(parser)


def run(args: argparse.Namespace) -> int:
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    jobs = args.jobs or os.cpu_count() or 1
    if args.engine != "dask" and (args.scheduler or args.partitions):
        raise UsageError("--scheduler and --partitions need --engine dask")
    if args.policy == STDIN:  # each worker loads the policy again, from its path
        raise UsageError("batch needs POLICY to be a file, not - (standard input)")
    if args.as_of is not None:
        as_of_date(args.as_of, None)  # its form, before anything is read
    files = confinement(args, [args.policy, *args.holders])
    policy = load_policy(args.policy, args.env)
    if policy.kind != "certification":
        raise PolicyError(
            Diagnostic(
                f"{args.policy} is a {policy.kind} policy; batch needs a certification policy",
                policy.kind_location,
                code="usage",
            )
        )
    as_of = as_of_date(args.as_of, policy)
    for path in args.holders:
        if path != "-" and not os.path.exists(path):
            raise UsageError(f"no such file or directory: {path}")
    settings = Settings(os.path.abspath(args.policy), args.plugins_dir, as_of, args.explain, files)
    if args.engine == "dask":
        from policyengine.batch.dask_engine import run_dask  # optional dependency: dask

        records: Iterable[dict[str, Any]] = run_dask(
            settings, args.holders, jobs, args.scheduler, args.partitions
        )
    else:
        records = run_batch(settings, tasks(args.holders, confinement=files), jobs, policy)
    out: TextIO = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout  # noqa: SIM115 - closed below, stdout is not ours to close
    try:
        writer = WRITERS[args.output](out, policy, as_of.isoformat())
        # the total is for the progress line's ETA only: no extra pass when none is shown
        total = count(args.holders) if sys.stderr.isatty() else None
        counts = _write(writer, _progress(records, total))
    finally:
        if args.out:
            out.close()
    _summary(counts)
    return 1 if counts.get("error") else 0


def _write(writer: Any, records: Iterable[dict[str, Any]]) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for record in records:
        writer.write(record)
        counts["error" if "error" in record else record["status"]] += 1
    writer.close()
    return counts


def _progress(records: Iterable[dict[str, Any]], total: int | None) -> Iterator[dict[str, Any]]:
    """Pass records through; on a terminal, show how many, how fast, how long to go."""
    if not sys.stderr.isatty():
        yield from records
        return
    start = last = time.monotonic()
    for done, record in enumerate(records, 1):
        now = time.monotonic()
        if now - last >= 0.5:
            last = now
            rate = done / (now - start)
            eta = f", {_clock((total - done) / rate)} to go" if total and rate else ""
            sys.stderr.write(f"\r{done:,} holders, {rate:,.0f}/s{eta}   ")
            sys.stderr.flush()
        yield record
    sys.stderr.write("\r" + " " * 60 + "\r")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _summary(counts: collections.Counter[str]) -> None:
    holders = sum(counts.values())
    parts = ", ".join(f"{counts[k]:,} {k}" for k in sorted(counts) if k != "error")
    errors = counts.get("error", 0)
    line = f"{holders:,} holders: {parts or 'none evaluated'}"
    if errors:
        line += f"; {errors:,} with bad data (error records in the output)"
    print(line, file=sys.stderr)
