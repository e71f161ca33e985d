"""Benchmark: whole memberships through `policyengine batch` (not a test).

1. A seeded synthetic population (werc-gms or pmi-pmp shape, 40 records per holder) is
   written as JSONL, then run through `policyengine batch` with `--jobs 1`, `--jobs 2`
   and, with `--dask`, `--engine dask` on a local cluster of 2 workers. Holders/s and
   the peak RSS of the largest process are printed, and the ratio to a hand-written
   single-process function that parses the same JSONL and sums each werc-gms cycle,
   measured in the same run (the machine is shared: ratios, not absolute rates).
2. The engine in process: holders/s of ``evaluate()`` alone and the ratio to the
   hand-written function (werc-gms), and pmi-pmp holders/s; the best of three rounds
   that alternate the engine and the hand-written function.
3. Records per holder, 10 ... 5,000, under ten categories, both allocation orders: time
   per holder and the fitted growth exponent (t ~ n^b).
4. Cold start: `expr '1 + 1'`, `evaluate` of one holder, `validate policies/` (median of 5).

Run: python benchmarks/bench_batch.py [--holders 10000 100000] [--jobs 1 2] [--dask]
[--skip ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_evaluate as be  # noqa: E402

from policyengine import load_policy  # noqa: E402
from policyengine.certification.engine import evaluate  # noqa: E402
from policyengine.policy.model import Policy  # noqa: E402
from policyengine.records.model import holder_from_document  # noqa: E402

CLI = [sys.executable, "-m", "policyengine"]
AS_OF = be.AS_OF


def write_population(path: Path, shape: str, n: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    make = be.gms_holder if shape == "werc-gms" else be.pmi_holder
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps(make(rng, i, 40)) + "\n")


def hand_written(path: Path, out: Path) -> float:
    """Parse the same JSONL and sum each werc-gms cycle by hand; one JSON line each."""
    t0 = time.perf_counter()
    with open(path, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for line in src:
            doc = json.loads(line, parse_float=Decimal)
            records = [be_record(r) for r in doc["records"]]
            code, cycles = be.hand_written_gms(
                dt.date.fromisoformat(doc["holder"]["designated_on"]), records, AS_OF
            )
            dst.write(
                json.dumps(
                    {
                        "holder": doc["holder"]["id"],
                        "status": code,
                        "cycles": [[s, str(t)] for s, t in cycles],
                    }
                )
                + "\n"
            )
    return time.perf_counter() - t0


class _Rec:
    __slots__ = ("credits", "earned_on", "recorded_on", "status")


def be_record(raw: dict) -> _Rec:
    r = _Rec()
    r.credits = Decimal(raw["credits"])
    r.earned_on = r.recorded_on = dt.date.fromisoformat(raw["earned_on"])
    r.status = raw.get("status", "approved")
    return r


def run_cli(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of the largest process of a CLI run."""
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
        "w = time.perf_counter() - t; "
        "r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
        "print(w, r / 1024, p.returncode)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *CLI, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    wall, rss, rc = done.stdout.split()
    assert rc == "0", done.stderr
    return float(wall), float(rss)


def population(ns: list[int], dask: bool, work: Path, jobs: list[int]) -> None:
    policy = str(ROOT / "policies" / "werc-gms.yaml")
    for n in ns:
        pop = work / f"werc-gms-{n}.jsonl"
        write_population(pop, "werc-gms", n)
        hand = hand_written(pop, work / "hand.jsonl")
        print(
            f"\n{n:,} werc-gms holders x 40 records ({pop.stat().st_size / 1e6:.0f} MB JSONL);"
            f" hand-written single process {n / hand:,.0f} holders/s"
        )
        runs = [(f"--jobs {j}", ["--jobs", str(j)]) for j in jobs]
        if dask:
            runs.append(("dask, 2 workers", ["--engine", "dask", "--jobs", "2"]))
        for label, extra in runs:
            wall, rss = run_cli(
                [
                    "batch",
                    policy,
                    str(pop),
                    "--as-of",
                    AS_OF.isoformat(),
                    "--out",
                    str(work / "out.jsonl"),
                    *extra,
                ]
            )
            print(
                f"  batch {label:<16} {n / wall:8,.0f} holders/s  {wall:7.1f} s  "
                f"peak RSS {rss:6.0f} MiB  x hand-written {wall / hand:5.1f}"
            )


ROUNDS = 3  # in-process rounds; each figure is the best of them


def in_process(holders: int) -> None:
    rng = random.Random(3)
    gms = load_policy(str(ROOT / "policies" / "werc-gms.yaml"))
    pmi = load_policy(str(ROOT / "policies" / "pmi-pmp.yaml"))
    docs = [be.gms_holder(rng, i, 40) for i in range(holders)]
    loaded = [holder_from_document(d, gms.tz) for d in docs]

    def timed(policy: Policy, population: list, outcomes: bool) -> float:
        t0 = time.perf_counter()
        for h, rs in population:
            evaluate(policy, h, rs, AS_OF, record_outcomes=outcomes)
        return time.perf_counter() - t0

    def by_hand() -> float:
        t0 = time.perf_counter()
        for h, rs in loaded:
            be.hand_written_gms(h.fields["designated_on"], rs, AS_OF)
        return time.perf_counter() - t0

    pmi_loaded = [holder_from_document(be.pmi_holder(rng, i, 40), pmi.tz) for i in range(holders)]
    # rounds alternate the engine and the hand-written function, and each keeps its best
    # time: the machine's speed drifts within a run too
    engine = hand = lean = pmi_secs = pmi_lean = math.inf
    for _ in range(ROUNDS):
        engine = min(engine, timed(gms, loaded, True))
        hand = min(hand, by_hand())
        # as batch evaluates without --explain: no record dispositions, actions, sentences
        lean = min(lean, timed(gms, loaded, False))
        pmi_secs = min(pmi_secs, timed(pmi, pmi_loaded, True))
        pmi_lean = min(pmi_lean, timed(pmi, pmi_loaded, False))
    print(
        f"\nin process: werc-gms {holders / engine:,.0f} holders/s = {engine / hand:.1f}x the "
        f"hand-written function ({holders / hand:,.0f}/s); without record outcomes "
        f"(batch, no --explain) {holders / lean:,.0f}/s = {lean / hand:.1f}x; pmi-pmp "
        f"{holders / pmi_secs:,.0f} holders/s, without record outcomes "
        f"{holders / pmi_lean:,.0f}/s"
    )


def scaling() -> None:
    print("\nrecords per holder (ten categories, until-complete, never complete):")
    for order in ("chronological", "optimal"):
        points = []
        for n in (10, 100, 1000, 2000, 5000):
            secs = one_big(order, n)
            points.append((n, secs))
            print(f"  {order:<13} n={n:>5}: {secs * 1000:9.1f} ms")
        big = [(math.log(n), math.log(s)) for n, s in points if n >= 100]
        mx, my = statistics.mean(x for x, _ in big), statistics.mean(y for _, y in big)
        b = sum((x - mx) * (y - my) for x, y in big) / sum((x - mx) ** 2 for x, _ in big)
        print(f"  {order:<13} growth exponent (n >= 100): {b:.2f}")


def one_big(order: str, n: int) -> float:
    rng = random.Random(n)
    cats = "\n".join(
        f"  - {{id: c{k}, where: '\"c{k}\" in record.tags', min: 60}}" for k in range(10)
    )
    records = []
    for j in range(n):
        k = rng.randrange(10)
        records.append(
            {
                "id": f"r{j}",
                "credits": "0.5",
                "tags": [f"c{k}"],
                "earned_on": (
                    dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 1095))
                ).isoformat(),
                "kind": rng.choice(["live", "self-study"]),
            }
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        text = be.BIG.replace("ORDER", order).replace("CATEGORIES", cats)
        path.write_text(text.replace("min: 900", "min: 1000000"))  # never complete
        policy = load_policy(str(path))
    h, rs = holder_from_document({"holder": {"id": "big"}, "records": records}, policy.tz)
    t0 = time.perf_counter()
    evaluate(policy, h, rs, dt.date(2023, 6, 30))
    return time.perf_counter() - t0


def cold_start() -> None:
    print("\ncold start (median of 5):")
    cases = [
        ("expr '1 + 1'", ["expr", "1 + 1"]),
        (
            "evaluate one holder",
            [
                "evaluate",
                "policies/werc-gms.yaml",
                "--holder",
                "policies/holders/werc-gms-seed-examples.yaml",
                "--as-of",
                "2025-07-31",
            ],
        ),
        ("validate policies/", ["validate", "policies/"]),
    ]
    exe = str(Path(sys.executable).with_name("policyengine"))
    for label, args in cases:
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([exe, *args], cwd=ROOT, capture_output=True, check=False)
            times.append(time.perf_counter() - t0)
        print(f"  {label:<22} {statistics.median(times):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--holders", type=int, nargs="+", default=[10_000])
    parser.add_argument("--in-process", type=int, default=2000, metavar="N")
    parser.add_argument("--dask", action="store_true")
    parser.add_argument(
        "--jobs", type=int, nargs="+", default=[1, 2], help="batch --jobs values to run"
    )
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["population", "in-process", "scaling", "cold"]
    )
    parser.add_argument("--work", help="folder for the JSONL files (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work or tmp)
        work.mkdir(parents=True, exist_ok=True)
        if "population" not in args.skip:
            population(args.holders, args.dask, work, args.jobs)
    if "in-process" not in args.skip:
        in_process(args.in_process)
    if "scaling" not in args.skip:
        scaling()
    if "cold" not in args.skip:
        cold_start()


if __name__ == "__main__":
    main()
