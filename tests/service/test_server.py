"""A real ``policyengine serve`` (uvicorn in a subprocess) under concurrent load and a
SIGKILL, on SQLite and on a real PostgreSQL server; and the command's own refusals."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import ROOT
from tests.service.conftest import SHOP, STAFF, Server

POLICY = "western-cpe-package"
AT = "2025-03-01T10:00:00"


def _item(i: str) -> dict[str, Any]:
    return {"id": i, "title": i, "product_type": "webcast", "credits": 1}


def _buy(server: Server, account: str, credits: int) -> None:
    r = httpx.post(
        f"{server.url}/v1/accounts/{account}/purchases?policy={POLICY}",
        json={"id": "pkg-1", "at": "2025-01-10T09:00:00", "credits": credits},
        headers={"Authorization": f"Bearer {STAFF}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text


async def _burst(url: str, account: str, prefix: str, n: int, done: list[tuple[str, int]]) -> None:
    """``n`` redemptions of 1 credit at once from one client; ``done`` gets (key, status)."""
    limits = httpx.Limits(max_connections=n)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def one(i: int) -> None:
            key = f"{prefix}-{i}"
            body = {
                "account_id": account,
                "cart": {"acknowledged_terms": True, "items": [_item(key)]},
                "at": AT,
                "redemption_id": key,
            }
            try:
                r = await client.post(
                    f"/v1/policies/{POLICY}/redemptions",
                    json=body,
                    headers={"Idempotency-Key": key, "Authorization": f"Bearer {SHOP}"},
                )
            except httpx.HTTPError:
                done.append((key, 0))  # no answer (the server was killed)
                return
            done.append((key, r.status_code))

        await asyncio.gather(*(one(i) for i in range(n)))


def _two_clients(url: str, account: str, n: int) -> list[tuple[str, int]]:
    done: list[tuple[str, int]] = []
    threads = [
        threading.Thread(target=asyncio.run, args=(_burst(url, account, f"c{c}", n, done),))
        for c in (1, 2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return done


def _balance(server: Server, account: str) -> dict[str, Any]:
    r = httpx.get(f"{server.url}/v1/accounts/{account}/balance", params={"at": AT}, timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json()["balance"])


def _exactly_150_of_400(server: Server) -> None:
    _buy(server, "m-race", 150)
    done = _two_clients(server.url, "m-race", 200)
    statuses = [s for _k, s in done]
    assert len(done) == 400
    assert statuses.count(201) == 150, sorted(set(statuses))
    assert statuses.count(409) == 250
    b = _balance(server, "m-race")
    assert (b["available"], b["used"], b["bought"]) == ("0", "150", "150")


def test_two_clients_race_for_150_credits_sqlite(serve, policy_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(policy_dir, str(tmp_path / "ledger.sqlite3"), tmp_path / "log").start()
    _exactly_150_of_400(server)


def test_two_clients_race_for_150_credits_postgres(
    serve, policy_dir: Path, tmp_path: Path, pg_ledger: str
) -> None:  # type: ignore[no-untyped-def]
    server = serve(policy_dir, pg_ledger, tmp_path / "log").start()
    _exactly_150_of_400(server)


def _ledger_ids(ledger: str, tmp_path: Path) -> list[str]:
    out = tmp_path / "export.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "policyengine",
            "ledger",
            "export",
            str(ROOT / "policies" / f"{POLICY}.yaml"),
            "m-kill",
            "--ledger",
            ledger,
            "--out",
            str(out),
        ],
        check=True,
        timeout=120,
    )
    events = json.loads(out.read_text())["events"]
    return [e["id"] for e in events if e["type"] == "redemption"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sigkill_mid_burst_loses_no_committed_redemption(
    serve,
    policy_dir: Path,
    tmp_path: Path,
    backend: str,
    request: pytest.FixtureRequest,  # type: ignore[no-untyped-def]
) -> None:
    ledger = (
        str(tmp_path / "ledger.sqlite3")
        if backend == "sqlite"
        else request.getfixturevalue("pg_ledger")
    )
    server = serve(policy_dir, ledger, tmp_path / "log").start()
    _buy(server, "m-kill", 1000)
    done: list[tuple[str, int]] = []
    burst = threading.Thread(
        target=asyncio.run, args=(_burst(server.url, "m-kill", "k", 300, done),)
    )
    burst.start()
    deadline = time.monotonic() + 60
    while sum(s == 201 for _k, s in done) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()  # SIGKILL, mid-burst
    burst.join(120)
    confirmed = {k for k, s in done if s == 201}
    assert 40 <= len(confirmed) < 300, "the kill did not land mid-burst"
    again = serve(policy_dir, ledger, tmp_path / "log").start()
    recorded = _ledger_ids(ledger, tmp_path)
    assert confirmed <= set(recorded)  # no committed redemption lost
    assert len(recorded) == len(set(recorded))
    b = _balance(again, "m-kill")  # a replay of the whole history: no partial redemption
    assert b["used"] == str(len(recorded))
    assert b["available"] == str(1000 - len(recorded))
    # each recorded one answers its key as already done, with the same id
    for key in sorted(set(recorded))[:5]:
        r = httpx.post(
            f"{again.url}/v1/policies/{POLICY}/redemptions",
            json={
                "account_id": "m-kill",
                "cart": {"acknowledged_terms": True, "items": [_item(key)]},
                "at": AT,
                "redemption_id": key,
            },
            headers={"Idempotency-Key": key, "Authorization": f"Bearer {SHOP}"},
            timeout=30,
        )
        assert r.status_code == 201 and r.headers["Idempotent-Replayed"] == "true"
        assert r.json()["recorded"]["id"] == key


def test_sighup_reloads_only_a_valid_policy_set(serve, policy_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import signal

    server = serve(policy_dir, str(tmp_path / "l.sqlite3"), tmp_path / "log").start()
    target = policy_dir / f"{POLICY}.yaml"
    text = target.read_text()
    target.write_text(text.replace("valid_for: 365 days", "valid_for: nonsense"))
    assert server.proc is not None
    server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while "not reloaded" not in (tmp_path / "log").read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "not reloaded" in (tmp_path / "log").read_text()
    assert httpx.get(f"{server.url}/v1/policies/{POLICY}", timeout=30).status_code == 200
    target.write_text(text.replace("name: Western CPE", "name: Reloaded Western CPE"))
    server.proc.send_signal(signal.SIGHUP)
    while time.monotonic() < deadline:
        name = httpx.get(f"{server.url}/v1/policies/{POLICY}", timeout=30).json()["name"]
        if name.startswith("Reloaded"):
            break
        time.sleep(0.1)
    assert name.startswith("Reloaded")


def test_non_loopback_without_a_token_is_refused(
    cli, policy_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("POLICYENGINE_SHOP_TOKEN", raising=False)
    monkeypatch.delenv("POLICYENGINE_STAFF_TOKEN", raising=False)
    done = cli("serve", policy_dir, "--host", "0.0.0.0", "--port", "1")
    assert done.returncode == 2
    assert "not a loopback address" in done.stderr and "POLICYENGINE_SHOP_TOKEN" in done.stderr


def test_ledger_import_export_round_trip(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from policyengine.packages.files import account_document, load_account
    from policyengine.plugins_loader import load_environment
    from policyengine.policy.build import load_policy

    ledger = str(tmp_path / "l.sqlite3")
    account = ROOT / "policies" / "accounts" / "dana-two-packages.yaml"
    policy = ROOT / "policies" / f"{POLICY}.yaml"
    assert cli("ledger", "import", policy, account, "--ledger", ledger).returncode == 0
    out = tmp_path / "out.yaml"
    assert (
        cli("ledger", "export", policy, "m-1001", "--ledger", ledger, "--out", out).returncode == 0
    )
    tz = load_policy(str(policy), load_environment()).tz
    exported = account_document(load_account(str(out), tz), tz)
    assert exported == account_document(load_account(str(account), tz), tz)
    assert exported["events"][2]["draws"] == [{"package": "pkg-2024-06", "credits": 4}]
    again = cli("ledger", "import", policy, account, "--ledger", ledger)
    assert again.returncode == 1 and "already in the ledger" in again.stderr
    missing = cli("ledger", "export", policy, "nobody", "--ledger", ledger)
    assert missing.returncode == 1 and "no account 'nobody'" in missing.stderr


def test_a_changed_policy_file_is_picked_up_without_a_signal(
    serve, policy_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server = serve(policy_dir, str(tmp_path / "l.sqlite3"), tmp_path / "log").start()
    target = policy_dir / f"{POLICY}.yaml"
    target.write_text(target.read_text().replace("name: Western CPE", "name: Changed Western CPE"))
    deadline = time.monotonic() + 30
    name = ""
    while time.monotonic() < deadline and not name.startswith("Changed"):
        time.sleep(0.1)
        name = httpx.get(f"{server.url}/v1/policies/{POLICY}", timeout=30).json()["name"]
    assert name.startswith("Changed")
    assert "policies reloaded" in (tmp_path / "log").read_text()


def test_serve_without_the_extra_says_how_to_install_it(
    cli, policy_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as on a core install: import fails
    done = cli("serve", policy_dir)
    assert done.returncode == 2
    assert "serve needs uvicorn" in done.stderr and "pip install" in done.stderr
    assert "[serve]" in done.stderr
