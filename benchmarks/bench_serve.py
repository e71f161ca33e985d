"""Benchmark: ``policyengine serve`` answering evaluate requests over loopback (not a test).

Starts a real server (uvicorn, one process) on a free 127.0.0.1 port serving
``policies/``, then sends N evaluate requests (default 10,000) for the bundled holder
``policies/holders/werc-crp-seed-examples.yaml`` from C concurrent clients (default 32)
over keep-alive connections, and prints throughput and the 50th/99th percentile
latency. Every answer must be 200. Bounded: N requests, then the server is stopped.
Run: python benchmarks/bench_serve.py [--requests N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _run(url: str, body: str, n: int, c: int) -> list[float]:
    latencies: list[float] = []
    left = iter(range(n))
    path = "/v1/policies/werc-crp/evaluate?as_of=2025-09-01"
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=c)) as client:

        async def worker() -> None:
            for _ in left:
                start = time.perf_counter()
                r = await client.post(path, content=body, timeout=60)
                latencies.append(time.perf_counter() - start)
                if r.status_code != 200:
                    raise SystemExit(f"unexpected {r.status_code}: {r.text[:300]}")

        await asyncio.gather(*(worker() for _ in range(c)))
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    holder = yaml.safe_load((ROOT / "policies/holders/werc-crp-seed-examples.yaml").read_text())
    body = json.dumps(holder, default=str)
    port = _port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        argv = [
            sys.executable,
            "-m",
            "policyengine",
            "serve",
            str(ROOT / "policies"),
            "--port",
            str(port),
            "--ledger",
            f"{tmp}/ledger.sqlite3",
        ]
        server = subprocess.Popen(argv, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        try:
            for _ in range(600):
                try:
                    if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            start = time.perf_counter()
            lat = asyncio.run(_run(url, body, args.requests, args.concurrency))
            wall = time.perf_counter() - start
        finally:
            server.terminate()
            server.wait(30)
    q = statistics.quantiles(lat, n=100)
    print(
        f"{len(lat)} evaluate requests, concurrency {args.concurrency}: {wall:.1f} s, "
        f"{len(lat) / wall:.0f} requests/s, p50 {q[49] * 1000:.1f} ms, "
        f"p99 {q[98] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
