"""``policyengine serve POLICY_DIR``: run the decision service under uvicorn.

Loads and compiles every policy under POLICY_DIR once, opens the ledger (``--ledger``:
an SQLite file, by default ``policyengine-ledger.sqlite3`` in the current directory, or
``postgresql://...``), reads the tokens (environment or ``--tokens-file``, never the
command line) and serves until SIGINT/SIGTERM. SIGHUP, or a change under POLICY_DIR
(looked for every ``--reload-interval`` seconds), reloads the policies when the new
set validates. Binding to an address other than loopback without a token is refused
(exit 2). Missing ``[serve]`` packages are named with the command that installs them.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading

from policyengine.errors import UsageError

NAME = "serve"
HELP = "serve policies over HTTP: evaluate, redeem, record redemptions in a ledger database"
INSTALL = "pip install 'credit-policy-engine[serve]' (from a checkout: pip install '.[serve]')"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("policy_dir", metavar="POLICY_DIR", help="a directory of policy files")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any free)")
    parser.add_argument(
        "--ledger",
        metavar="URL",
        default="policyengine-ledger.sqlite3",
        help="the ledger database: an SQLite file path or sqlite:///PATH (default "
        "policyengine-ledger.sqlite3), or postgresql://USER@HOST:PORT/DB",
    )
    parser.add_argument(
        "--tokens-file",
        metavar="FILE",
        help="bearer tokens, lines 'ROLE TOKEN' (roles: shop, staff); also read from "
        "POLICYENGINE_SHOP_TOKEN and POLICYENGINE_STAFF_TOKEN",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=1_000_000,
        metavar="BYTES",
        help="refuse request bodies larger than this (default 1000000)",
    )
    parser.add_argument(
        "--reload-interval",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="look for changed policy files this often (default 2; 0: only on SIGHUP)",
    )


def _imports() -> None:
    missing = []
    for module in ("starlette", "uvicorn"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise UsageError(f"serve needs {', '.join(missing)}: {INSTALL}")


def run(args: argparse.Namespace) -> int:
    _imports()
    # optional: uvicorn and starlette (the serve extra) are imported only here, after
    # _imports() named what is missing; so --help works on a core install
    import uvicorn

    from policyengine.ledger_db import open_ledger  # optional: psycopg for postgresql
    from policyengine.service.app import create_app  # optional: starlette
    from policyengine.service.auth import is_loopback, load_tokens  # optional: starlette
    from policyengine.service.page_routes import PAGE_ENDPOINTS  # optional: starlette
    from policyengine.service.policies import LivePolicies  # optional: starlette
    from policyengine.service.state import ServiceState  # optional: starlette

    if not os.path.isdir(args.policy_dir):
        raise UsageError(f"{args.policy_dir} is not a directory")
    if args.max_body < 1:
        raise UsageError("--max-body must be at least 1")
    tokens = load_tokens(args.tokens_file)
    local = is_loopback(args.host)
    if not local and not tokens.configured:
        raise UsageError(
            f"refusing to serve on {args.host} (not a loopback address) without a token: "
            "set POLICYENGINE_SHOP_TOKEN / POLICYENGINE_STAFF_TOKEN or pass --tokens-file"
        )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    policies = LivePolicies(args.policy_dir, args.env)
    ledger = open_ledger(args.ledger)
    state = ServiceState(policies, ledger, tokens, args.env, args.max_body, not local)
    app = create_app(state, PAGE_ENDPOINTS)
    interval = args.reload_interval if args.reload_interval > 0 else 1e9
    watcher = threading.Thread(target=policies.watch, args=(interval,), daemon=True)
    watcher.start()
    signal.signal(signal.SIGHUP, lambda _sig, _frame: policies.request_reload())
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)
    finally:
        policies.stop()
        ledger.close()
    return 0
