"""Fixtures of the service tests: the ASGI app on a temporary ledger, a real uvicorn
server in a subprocess, and a throwaway PostgreSQL cluster.

PostgreSQL: the distribution's binaries (``/usr/lib/postgresql/*/bin``; ``.ci/run``
installs them when missing). ``initdb`` refuses to run as root, so as root the
cluster is made and run as the ``postgres`` user the package creates, in a temporary
directory it owns, on a free loopback port, with trust authentication. The tests that
need it skip only when there are no PostgreSQL binaries at all.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import ROOT

PACKAGE_POLICY = ROOT / "policies" / "western-cpe-package.yaml"
SHOP, STAFF = "shop-token-1", "staff-token-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    """A directory serving the credit-package policy and one certification policy."""
    d = tmp_path / "policies"
    d.mkdir()
    shutil.copy(PACKAGE_POLICY, d)
    shutil.copy(ROOT / "policies" / "werc-crp.yaml", d)
    return d


class Server:
    """``policyengine serve`` in a subprocess on a free loopback port."""

    def __init__(self, policies: Path, ledger: str, log: Path) -> None:
        self.policies, self.ledger, self.log = policies, ledger, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        env = {**os.environ, "POLICYENGINE_SHOP_TOKEN": SHOP, "POLICYENGINE_STAFF_TOKEN": STAFF}
        argv = [sys.executable, "-m", "policyengine", "serve", str(self.policies)]
        argv += ["--port", str(self.port), "--ledger", self.ledger, "--reload-interval", "0.2"]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"server did not start:\n{self.log.read_text()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[type[Server]]:
    """``serve(policy_dir, ledger_url, log_path).start()``; every server is ended after."""
    started: list[Server] = []

    class Tracked(Server):
        def start(self) -> Server:
            started.append(self)
            return super().start()

    yield Tracked
    for s in started:
        s.kill()


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A running throwaway PostgreSQL cluster's URL (a new database per test below)."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL binaries (.ci/run installs the postgresql package)")
    user: str | None = None
    if os.geteuid() == 0:
        user = "postgres"
        pwd.getpwnam(user)  # the package makes it; KeyError says it is missing
    data = Path(tempfile.mkdtemp(prefix="pe-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(data, entry.pw_uid, entry.pw_gid)
    port = free_port()

    def run(*argv: str) -> None:
        subprocess.run(argv, check=True, capture_output=True, user=user, timeout=120, cwd=data)

    try:
        run(str(bindir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "postgres")
        opts = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=on"
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data / "db"),
            "-o",
            opts,
            "-l",
            str(data / "log"),
            "-w",
            "start",
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            run(str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop")
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def pg_ledger(postgres_url: str) -> str:
    """A fresh, empty database in the throwaway cluster."""
    import psycopg

    name = f"t{time.time_ns()}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"
