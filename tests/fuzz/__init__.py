"""Fuzzers for policyengine, run by ``python -m tests.fuzz`` (``runner.py``).

- ``fuzz_yaml``: mutations of every bundled file under ``policies/`` (lines deleted,
  duplicated, swapped; characters flipped; indentation changed; anchors, aliases and
  tags inserted; extreme numbers and dates) through the YAML loader, ``validate``
  and, when a mutant is still valid, what reads it next (scenarios, holders,
  accounts, carts, sources files);
- ``fuzz_expr``: expressions derived at random from ``grammar/expr.lark``, compiled and
  evaluated, and differential oracles: decimal arithmetic against Python's
  ``decimal``, calendar arithmetic against ``dateutil.relativedelta`` (the month-end
  rule of docs/design.md), ``date - date`` against ``datetime``;
- ``fuzz_sources``: CSV rows, xAPI statements and SQL rows (databases and dumps)
  through the bundled source plugins (hypothesis strategies);
- ``fuzz_cli``: every command on bad files: missing, empty, binary, not UTF-8, 50 MB,
  permission denied, a directory, truncated or mutated files.

The contract (``contract.py``): only ``PolicyError`` (``UsageError`` at the command
line, exit 1 or 2, no traceback) may come out, and no input may run longer than the
fuzzer's time limit, which the runner enforces from outside the worker process. CI
runs ``python -m tests.fuzz --seconds 60 --seed 1``; see docs/ci.md for a long run.
"""
