"""The policies a service answers from: loaded and compiled once, replaced only by a
set that validates.

:func:`load_policy_set` reads every policy file under a directory (holders, carts,
scenario files and the like beside them are not policies and are left alone), compiles
each, and refuses the whole set when any policy has a problem or two share an id.
:class:`LivePolicies` holds the set being served and swaps in a new one on
:meth:`~LivePolicies.reload` (SIGHUP, or a change the watcher thread sees) only when it
loads; otherwise the old set keeps serving and the diagnostics are logged.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from policyengine.cli.output import render
from policyengine.cli.watch import snapshot
from policyengine.errors import Diagnostic, PolicyError
from policyengine.load.kinds import document_kind, walk_files
from policyengine.load.nodes import to_plain
from policyengine.load.yaml_loader import load_yaml_text
from policyengine.policy.build import build_policy
from policyengine.policy.environment import Environment
from policyengine.policy.model import Policy

log = logging.getLogger("policyengine.serve")


@dataclass(frozen=True)
class LoadedPolicy:
    """One compiled policy, with what the API shows of it."""

    policy: Policy
    path: str
    version: str  # sha256 of the file's bytes: changes exactly when the file does
    document: Any  # the file as plain data (for GET /v1/policies/{id})

    @property
    def id(self) -> str:
        return self.policy.id

    def summary(self) -> dict[str, str]:
        p = self.policy
        return {"id": p.id, "name": p.name, "kind": p.kind, "version": self.version}


@dataclass(frozen=True)
class PolicySet:
    policies: dict[str, LoadedPolicy]
    stamp: dict[str, Any]  # the snapshot of the directory it was loaded from


def load_policy_set(directory: str, env: Environment) -> PolicySet:
    """Every policy under ``directory``, compiled; PolicyError listing every problem."""
    stamp = snapshot([directory])
    problems: list[Diagnostic] = []
    loaded: dict[str, LoadedPolicy] = {}
    for found in walk_files([directory]):
        try:
            raw = _read(found.path)
            data = load_yaml_text(raw.decode("utf-8-sig"), found.path)
        except (PolicyError, UnicodeDecodeError, OSError):
            continue  # not a document (validate reports such files; a policy is read below)
        if document_kind(data) != "policy":
            continue
        try:
            policy = build_checked(found.path, data, env)
        except PolicyError as err:
            problems.extend(err.diagnostics)
            continue
        if policy.id in loaded:
            problems.append(
                Diagnostic(
                    f"policy id '{policy.id}' is used by {loaded[policy.id].path} too",
                    None,
                    hint="give every policy served together its own id",
                    code="serve.duplicate-id",
                    path=found.path,
                )
            )
            continue
        version = hashlib.sha256(raw).hexdigest()
        loaded[policy.id] = LoadedPolicy(policy, found.path, version, to_plain(data))
    if problems:
        raise PolicyError(problems)
    if not loaded:
        raise PolicyError(
            Diagnostic(
                f"{directory}: no policy files found",
                hint="serve a directory holding policy YAML files (kind: certification or "
                "credit-package)",
                code="serve.no-policies",
                path=directory,
            )
        )
    return PolicySet(dict(sorted(loaded.items())), stamp)


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(2_000_001)


def build_checked(path: str, data: Any, env: Environment) -> Policy:
    from policyengine.load.schema import validate_against  # start-up: only when loading

    problems = validate_against(data, "policy")
    if problems:
        raise PolicyError(problems)
    return build_policy(path, data, env)


class LivePolicies:
    """The policy set being served; replaced by :meth:`reload` only with a valid one."""

    def __init__(self, directory: str, env: Environment) -> None:
        self.directory, self.env = directory, env
        self._current = load_policy_set(directory, env)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.last_error: list[Diagnostic] = []

    @property
    def current(self) -> PolicySet:
        return self._current

    def reload(self) -> bool:
        """Load the directory again; True when the new set is now served."""
        with self._lock:
            try:
                new = load_policy_set(self.directory, self.env)
            except PolicyError as err:
                self.last_error = err.diagnostics
                log.error(
                    "policies not reloaded (still serving the previous set):\n%s",
                    "\n".join(render(d) for d in err.diagnostics),
                )
                return False
            self._current, self.last_error = new, []
            log.info("policies reloaded: %s", ", ".join(new.policies))
            return True

    def request_reload(self) -> None:
        """Ask the watcher thread to reload now (safe in a signal handler)."""
        self._wake.set()

    def watch(self, interval: float, on_check: Callable[[], None] | None = None) -> None:
        """Reload whenever the files change or :meth:`request_reload` is called, until
        :meth:`stop`; run in its own thread."""
        seen = self._current.stamp
        while not self._stop.is_set():
            asked = self._wake.wait(interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            now = snapshot([self.directory])
            if asked or now != seen:
                self.reload()
                seen = now
            if on_check is not None:
                on_check()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
