"""Benchmark: evaluating many holders, and allocation on one very large holder (not a test).

1. 10,000 holders x 40 records under the most complex bundled policy
   (``policies/pmi-pmp.yaml``: nested categories, caps within caps, optimal allocation,
   grace year, carry-over, statuses): holders per second.
2. The same number of holders under a simple policy (``policies/werc-gms.yaml``: 15
   credits per 3-year cycle, every approved credit of the cycle counts), evaluated by
   the engine and by a hand-written Python function computing the same status code and
   per-cycle credit totals, in the same run; every holder's results are compared, and
   the ratio engine/hand-written is printed.
3. Allocation stays polynomial: one holder with 2,000 records and 10 categories (a
   credit may count for two of them, with a cap), ``order: optimal`` (maximum flow on
   merged record signatures, binary search for the earliest completion) and
   ``chronological`` (first-fit).

Records, holders and policies are built before timing; only ``evaluate`` is timed.
Run: python benchmarks/bench_evaluate.py [--holders N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from policyengine import load_policy  # noqa: E402
from policyengine.certification.engine import evaluate  # noqa: E402
from policyengine.records.model import holder_from_document  # noqa: E402

AS_OF = dt.date(2026, 6, 30)
AREAS = ["ways-of-working", "power-skills", "business-acumen"]


def pmi_holder(rng: random.Random, i: int, n: int) -> dict:
    start = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 1500))
    records = []
    for j in range(n):
        day = start + dt.timedelta(days=rng.randrange(0, 2400))
        if rng.random() < 0.7:
            tags = rng.sample(AREAS, rng.choice([1, 1, 2]))
            rec = {"kind": "education", "tags": tags}
        else:
            rec = {
                "kind": "giving-back",
                "category": rng.choice(
                    ["working-as-practitioner", "creating-content", "volunteering"]
                ),
            }
        records.append(
            {
                "id": f"r{j}",
                "earned_on": day.isoformat(),
                "credits": str(Decimal(rng.randrange(1, 17)) / 4),
                **rec,
            }
        )
    return {"holder": {"id": f"h{i}", "designated_on": start.isoformat()}, "records": records}


def gms_holder(rng: random.Random, i: int, n: int) -> dict:
    start = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 3000))
    records = [
        {
            "id": f"r{j}",
            "credits": str(Decimal(rng.randrange(1, 9)) / 2),
            "earned_on": (start + dt.timedelta(days=rng.randrange(0, 4000))).isoformat(),
            "status": rng.choice(["approved", "approved", "approved", "pending"]),
        }
        for j in range(n)
    ]
    return {"holder": {"id": f"h{i}", "designated_on": start.isoformat()}, "records": records}


def hand_written_gms(designated_on: dt.date, records: list, as_of: dt.date) -> tuple:
    """werc-gms.yaml by hand: cycles 8/1..7/31, three years, from the first 8/1 on or
    after the designation; 15 approved credits earned in the cycle; expired when a past
    cycle is short. Returns (status code, ((start, credits), ...))."""
    y = (
        designated_on.year
        if designated_on <= dt.date(designated_on.year, 8, 1)
        else designated_on.year + 1
    )
    start = dt.date(y, 8, 1)
    cycles = []
    while start <= as_of:
        end = dt.date(start.year + 3, 7, 31)
        total = sum(
            (
                r.credits
                for r in records
                if r.status == "approved"
                and start <= r.earned_on <= end
                and r.earned_on <= as_of
                and r.recorded_on <= as_of
            ),
            Decimal(0),
        )
        cycles.append((start, end, total))
        if end >= as_of:
            break
        start = end + dt.timedelta(days=1)
    expired = any(total < 15 and end < as_of for _s, end, total in cycles)
    code = "not-certified" if not cycles else "expired" if expired else "certified"
    return code, tuple((s.isoformat(), total) for s, _e, total in cycles)


def engine_gms(result) -> tuple:
    d = result
    return d.status["code"], tuple(
        (p.start.isoformat(), sum((a.credits for a in p.applied), Decimal(0)))
        for p in d.periods
        if p.began_on is not None
    )


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--holders", type=int, default=10_000)
    ap.add_argument("--records", type=int, default=40)
    args = ap.parse_args()
    rng = random.Random(6)

    pmi = load_policy(str(ROOT / "policies" / "pmi-pmp.yaml"))
    docs = [
        holder_from_document(pmi_holder(rng, i, args.records), pmi.tz) for i in range(args.holders)
    ]
    secs, results = timed(lambda: [evaluate(pmi, h, rs, AS_OF) for h, rs in docs])
    codes = {}
    for r in results:
        codes[r.status["code"]] = codes.get(r.status["code"], 0) + 1
    print(
        f"pmi-pmp.yaml (optimal, nested caps, grace, carry-over): {args.holders} holders x "
        f"{args.records} records in {secs:.2f} s = {args.holders / secs:,.0f} holders/s; "
        f"statuses {dict(sorted(codes.items()))}"
    )

    gms = load_policy(str(ROOT / "policies" / "werc-gms.yaml"))
    gdocs = [
        holder_from_document(gms_holder(rng, i, args.records), gms.tz) for i in range(args.holders)
    ]
    e_secs, e_out = timed(lambda: [engine_gms(evaluate(gms, h, rs, AS_OF)) for h, rs in gdocs])
    h_secs, h_out = timed(
        lambda: [hand_written_gms(h.fields["designated_on"], rs, AS_OF) for h, rs in gdocs]
    )
    same = sum(a == b for a, b in zip(e_out, h_out, strict=True))
    print(
        f"werc-gms.yaml: engine {args.holders / e_secs:,.0f} holders/s, hand-written "
        f"{args.holders / h_secs:,.0f} holders/s, ratio {e_secs / h_secs:.1f}x; "
        f"{same}/{args.holders} holders give the same status and cycle totals"
    )
    if same != args.holders:
        bad = next(i for i, (a, b) in enumerate(zip(e_out, h_out, strict=True)) if a != b)
        print(f"  first difference, holder {bad}: engine {e_out[bad]} hand {h_out[bad]}")

    big_allocation(rng)


BIG = """\
format: 1
kind: certification
id: big
name: Ten categories
timezone: UTC
periods:
  renewal: {start: 2020-01-01, length: 3 years}
allocation: {order: ORDER, unused: discard, apply: until-complete}
requirements:
  - {id: total, min: 900}
CATEGORIES
  - {id: self-study, where: 'record.kind == "self-study"', max: 300}
"""


def big_allocation(rng: random.Random) -> None:
    cats = "\n".join(
        f"  - {{id: c{k}, where: '\"c{k}\" in record.tags', min: 60}}" for k in range(10)
    )
    records = []
    for j in range(2000):
        k = rng.randrange(10)
        tags = [f"c{k}"] + ([f"c{(k + 1) % 10}"] if rng.random() < 0.3 else [])
        records.append(
            {
                "id": f"r{j}",
                "credits": str(Decimal(rng.randrange(1, 5)) / 2),
                "earned_on": (
                    dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 1095))
                ).isoformat(),
                "tags": tags,
                "kind": rng.choice(["live", "self-study"]),
            }
        )
    for order in ("optimal", "chronological"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "big.yaml"
            path.write_text(BIG.replace("ORDER", order).replace("CATEGORIES", cats))
            pol = load_policy(str(path))
        h, rs = holder_from_document({"holder": {"id": "big"}, "records": records}, pol.tz)
        secs, result = timed(lambda pol=pol, h=h, rs=rs: evaluate(pol, h, rs, dt.date(2023, 6, 30)))
        p = result.periods[0]
        print(
            f"2,000 records x 10 categories, order {order}: {secs:.2f} s; period "
            f"{p.start}..{p.end} "
            f"{'complete ' + str(p.completed_on) if p.completed_on else 'not complete'}"
            f", {len(p.applied)} records applied"
        )


if __name__ == "__main__":
    main()
