"""Running a batch on Dask: the same per-holder function, over partitions of the input.

An optional extra (``pip install 'policyengine[dask]'``). The driver cuts each JSONL file
into byte ranges that start at a line (:func:`partitions`; only newlines are counted, no
holder is parsed); each partition is read, parsed and evaluated on a worker by
:func:`evaluate_partition`, which compiles the policy once per worker process. Results
come back partition by partition, in input order, a few partitions ahead at most, so
the driver's memory stays bounded, and are written by the same writers as a local run:
the output is byte for byte the same. The input files must be readable by the workers
at the same paths (a shared file system) when the cluster is not local. Holders are
independent and the function is pure: nothing here knows more of Dask than a bag of
partitions.
"""

from __future__ import annotations

import functools
import json
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dask.bag as db
from distributed import Client, LocalCluster

from policyengine.batch.inputs import Task, line_task, open_jsonl, tasks
from policyengine.batch.output import dumps
from policyengine.batch.run import Settings, evaluate_task
from policyengine.load.paths import Confinement
from policyengine.policy.model import Policy

PARTITION_BYTES = 64 * 1024 * 1024  # a JSONL partition: about this many bytes of holders


@dataclass(frozen=True)
class Partition:
    """A slice of the input: a JSONL byte range starting at line ``first_line``, or a
    list of other tasks (holder files, sources files)."""

    path: str = ""
    start: int = 0
    end: int = 0
    first_line: int = 1
    others: tuple[Task, ...] = ()


def partitions(
    paths: list[str], count: int | None = None, confinement: Confinement | None = None
) -> list[Partition]:
    """The input cut into partitions at line starts (``count``: about how many)."""
    out: list[Partition] = []
    others: list[Task] = []
    jsonl = [p for p in paths if p.endswith(".jsonl")]
    total = sum(os.path.getsize(p) for p in jsonl) or 1
    size = max(1, total // count) if count else PARTITION_BYTES
    for path in paths:
        if not path.endswith(".jsonl"):
            others.extend(tasks([path], confinement=confinement))
            continue
        with open_jsonl(path) as fh:
            start, line, here = 0, 1, 0
            start_line = 1
            for raw in fh:
                here += len(raw)
                line += len(raw.splitlines())  # a lone CR ends a line too, as in _lines
                if here - start >= size:
                    out.append(Partition(path, start, here, start_line))
                    start, start_line = here, line
            if here > start:
                out.append(Partition(path, start, here, start_line))
    if others:
        out.append(Partition(others=tuple(others)))
    return out


@functools.lru_cache(maxsize=4)
def _policy(settings: Settings) -> Policy:
    """The compiled policy, once per worker process."""
    return settings.load()


def _tasks(part: Partition) -> Iterator[Task]:
    if part.others:
        yield from part.others
        return
    with open_jsonl(part.path) as fh:
        fh.seek(part.start)
        data = fh.read(part.end - part.start)
    for number, raw in enumerate(data.splitlines(), part.first_line):
        if raw.strip():
            yield line_task(part.path, number, raw)


def evaluate_partition(parts: list[Partition], settings: Settings) -> list[str]:
    """The output lines (JSONL) of the holders of a partition, in order."""
    policy = _policy(settings)
    out = []
    for part in parts:
        for task in _tasks(part):
            record = evaluate_task(
                policy, task, settings.as_of, settings.explain, settings.confinement
            )
            out.append(dumps(record))
    return out


def run_dask(
    settings: Settings, paths: list[str], workers: int, scheduler: str | None, count: int | None
) -> Iterator[dict[str, Any]]:
    """Every holder's output record, in input order, computed on a Dask cluster (the
    scheduler at ``scheduler``, else a local cluster of ``workers`` processes)."""
    parts = partitions(paths, count, settings.confinement)
    cluster = (
        None
        if scheduler
        else LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    )
    client = Client(scheduler or cluster)
    try:
        bag = db.from_sequence(parts, npartitions=len(parts) or 1)
        lines = bag.map_partitions(evaluate_partition, settings)
        pending: deque[Any] = deque()
        for delayed in lines.to_delayed():
            pending.append(client.compute(delayed))
            if len(pending) > 2 * max(1, workers):
                yield from (json.loads(x) for x in pending.popleft().result())
        while pending:
            yield from (json.loads(x) for x in pending.popleft().result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
