"""The per-holder function, and mapping it over a population in order.

Evaluating a holder is a pure function of (policy, holder, as-of date), so a batch is a
map: :func:`evaluate_task` reads one holder and returns its output record (an error
record when its data is bad; the run goes on). :func:`run` applies it to every task in
input order, in this process or in ``jobs`` worker processes. Workers are started with
``spawn`` (the same on every platform; nothing is inherited by accident), each compiles
the policy once, and at most a few chunks per worker are in flight: the input is read as
fast as results are written, so memory does not grow with the population.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from policyengine.batch.inputs import Task, read_task
from policyengine.batch.summary import error_record, summary
from policyengine.certification.engine import evaluate
from policyengine.errors import PolicyError
from policyengine.load.paths import Confinement
from policyengine.plugins_loader import load_environment
from policyengine.policy.build import load_policy
from policyengine.policy.model import Policy

CHUNK = 64  # holders per message to a worker
IN_FLIGHT = 4  # chunks per worker submitted ahead


@dataclass(frozen=True)
class Settings:
    """What a worker needs to compile the same policy and answer the same question."""

    policy_path: str
    plugins_dir: str | None
    as_of: dt.date
    explain: bool = False
    confinement: Confinement | None = None  # where files found or named may be

    def load(self) -> Policy:
        return load_policy(self.policy_path, load_environment(self.plugins_dir))


def evaluate_task(
    policy: Policy,
    task: Task,
    as_of: dt.date,
    explain: bool,
    confinement: Confinement | None = None,
) -> dict[str, Any]:
    """One holder's output record, or its error record."""
    try:
        holder, records = read_task(task, policy, confinement)
        # without --explain nothing about single records is shown: not worked out
        result = evaluate(policy, holder, records, as_of, record_outcomes=explain)
        return summary(result, task.where, explain)
    except PolicyError as err:
        return error_record(task.where, err.diagnostics)


def run(
    settings: Settings, tasks: Iterable[Task], jobs: int = 1, policy: Policy | None = None
) -> Iterator[dict[str, Any]]:
    """Every task's output record, in input order."""
    if jobs <= 1:
        compiled = policy if policy is not None else settings.load()
        for task in tasks:
            yield evaluate_task(
                compiled, task, settings.as_of, settings.explain, settings.confinement
            )
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start, initargs=(settings,)
    ) as pool:
        window: deque[Future[list[dict[str, Any]]]] = deque()
        it = iter(tasks)
        chunks = iter(lambda: list(itertools.islice(it, CHUNK)), [])
        for chunk in chunks:
            window.append(pool.submit(_work, chunk))
            if len(window) >= jobs * IN_FLIGHT:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()


# In a worker process only: the policy it compiled at start (one per process).
_compiled: dict[str, Any] = {}


def _start(settings: Settings) -> None:
    _compiled["policy"] = settings.load()
    _compiled["settings"] = settings


def _work(chunk: list[Task]) -> list[dict[str, Any]]:
    policy: Policy = _compiled["policy"]
    settings: Settings = _compiled["settings"]
    return [
        evaluate_task(policy, t, settings.as_of, settings.explain, settings.confinement)
        for t in chunk
    ]
