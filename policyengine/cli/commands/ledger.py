"""``policyengine ledger import|export``: account histories into the ledger database and out.

``ledger import POLICY ACCOUNT_FILE... --ledger URL`` stores each account file's whole
history as a new account of the ledger (checked first, as ``balance`` checks it: an
overdrawn or expired draw is refused at its ``file:line``). ``ledger export POLICY
ACCOUNT_ID --ledger URL [--out FILE]`` writes the account's history back in the
account-file format (YAML; JSON when FILE ends in ``.json``), so that a history
imported and exported again is the same history. POLICY gives the time zone that
times without an offset are read in. Exit 0 on success, 1 on a problem, 2 on a usage
error.
"""

from __future__ import annotations

import argparse
import sys

from policyengine.errors import Diagnostic, PolicyError
from policyengine.ledger_db import UnknownAccount, open_ledger
from policyengine.packages import check_history, load_account, terms
from policyengine.packages.files import account_text, write_account
from policyengine.policy.build import load_policy

NAME = "ledger"
HELP = "move an account file's history into the ledger database and out again"
LEDGER_HELP = (
    "the ledger database: an SQLite file path or sqlite:///PATH (default "
    "policyengine-ledger.sqlite3), or postgresql://USER@HOST:PORT/DB (needs the serve extra)"
)


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="store account files' histories in the ledger")
    imp.add_argument("policy", metavar="POLICY", help="the credit-package policy")
    imp.add_argument("accounts", nargs="+", metavar="ACCOUNT_FILE", help="account files")
    exp = sub.add_parser("export", help="write an account's history as an account file")
    exp.add_argument("policy", metavar="POLICY", help="the credit-package policy")
    exp.add_argument("account_id", metavar="ACCOUNT_ID", help="the account's id")
    exp.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    for p in (imp, exp):
        p.add_argument(
            "--ledger", metavar="URL", default="policyengine-ledger.sqlite3", help=LEDGER_HELP
        )


def run(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy, args.env)
    terms(policy)  # a credit-package policy, or a diagnostic at its kind
    store = open_ledger(args.ledger)
    try:
        if args.action == "import":
            accounts = [load_account(path, policy.tz) for path in args.accounts]
            for account in accounts:
                problems = check_history(policy, account)
                if problems:
                    raise PolicyError(problems)
            for path, account in zip(args.accounts, accounts, strict=True):
                n = store.import_account(account, policy.tz)
                print(f"{path}: account '{account.id}': {n} events imported into {store.url}")
            return 0
        try:
            account = store.history(args.account_id, policy.tz)
        except UnknownAccount:
            raise PolicyError(
                Diagnostic(
                    f"no account '{args.account_id}' in the ledger {store.url}",
                    hint="import it first: policyengine ledger import POLICY ACCOUNT_FILE",
                    code="ledger.unknown-account",
                )
            ) from None
        if args.out:
            write_account(args.out, account, policy.tz)
        else:
            sys.stdout.write(account_text(account, policy.tz))
        return 0
    finally:
        store.close()
