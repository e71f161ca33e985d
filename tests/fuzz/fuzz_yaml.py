"""Mutational fuzzer: every bundled file under ``policies/``, broken a little at a time.

Each input is one bundled file (a policy, scenario file, holder, account, cart, sources
file, or a source's CSV/JSON/SQL input) with one to four mutations (see ``MUTATIONS``):
lines deleted, duplicated or swapped, characters flipped, indentation changed,
anchors, aliases, merge keys and tags inserted, numbers, dates and durations made
extreme, values of one kind swapped for another, the file cut short, bytes that are not
UTF-8. The mutant replaces the file in a private copy of ``policies/`` and goes
through the YAML loader and ``validate``; when it is still valid, through what reads it
next, at the command line (``test`` and ``diff`` for a policy, ``evaluate`` for a
holder, ``balance``/``redeem`` for accounts and carts, ``records``/``evaluate
--sources`` for sources files and their inputs), in a random output format.
"""

from __future__ import annotations

import contextlib
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fuzz.clirun import run_main
from tests.fuzz.contract import ROOT

NAME = "yaml"
INPUT_TIMEOUT = 20.0
EXTENSIONS = (".yaml", ".yml", ".json", ".csv", ".sql")
AS_OF, AT = "2025-09-01", "2025-03-01T10:00:00"
PACKAGE = "western-cpe-package.yaml"

EXTREME_NUMBERS = [
    "0", "-0", "-1", "1e999999", "-1e-999999", "1E+2147483647", "9" * 400, "0." + "0" * 300 + "1",
    "123456789012345678901234567890.123456789", ".nan", ".inf", "-.inf", "0x7fffffffffffffff",
    "0o777", "1_000", "2147483648", "-9223372036854775809", "1e-7", "3.", ".5", "1e309",
]  # fmt: skip
EXTREME_DATES = [
    "0001-01-01", "9999-12-31", "2024-02-30", "2023-02-29", "0000-00-00", "10000-01-01",
    "-0001-01-01", "2024-13-01", "1970-01-01", "2024-01-01T00:00:00+99:99",
    "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "2024-12-31T23:59:60",
    "2024-03-10T02:30:00", "2024-11-03T01:30:00", "2024-01-01T24:00:00", "2024-1-1",
]  # fmt: skip
EXTREME_DURATIONS = [
    "0 days", "99999999999 years", "1.5 months", "-1 month", "1 fortnight", "12 months",
    "2147483648 days", "3652059 days", "1 year 1 day",
]  # fmt: skip
TAGS = [
    "!!python/object/apply:os.system ['true']", "!!binary aGVsbG8=", "!!set {a: null}",
    "!!omap [{a: 1}]", "!!float 1e400", "!!int 0b102", "!custom x", "!!timestamp 2024-01-01",
    "!!str 1", "!!null ''", "!!bool yes", "!!map {}", "!!seq []", "!<tag:yaml.org,2002:str> x",
]  # fmt: skip
SCALARS = ["~", "null", "''", '""', "[]", "{}", "yes", "no", "on", "true", "-", "? x", "|", ">-"]
CHARS = ":-[]{}\"'&*!|>#%@`,?\t\\\x00\x1b\x85\u2028\ufeff\ud7ff\U0001d518é \n"
NUMBER = re.compile(r"(?<![\w.-])\d+(\.\d+)?(?![\w.-])")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?)?")
DURATION = re.compile(r"\d+\s+(day|week|month|year)s?")
VALUE = re.compile(r"(:\s+)(\S[^\n#]*)")


# every -o format of validate and test (diff has no junit)
TEST_FORMATS = ["text", "json", "github", "sarif", "junit", "markdown"]
DIFF_FORMATS = ["text", "json", "github", "sarif", "markdown"]


def _line_op(fn: Callable[[list[str], random.Random], None]) -> Callable[[str, random.Random], str]:
    def op(text: str, rng: random.Random) -> str:
        lines = text.splitlines(keepends=True) or [""]
        fn(lines, rng)
        return "".join(lines)

    op.__name__ = fn.__name__
    return op


@_line_op
def delete_lines(lines: list[str], rng: random.Random) -> None:
    at = rng.randrange(len(lines))
    del lines[at : at + rng.choice((1, 1, 2, 5))]


@_line_op
def duplicate_line(lines: list[str], rng: random.Random) -> None:
    line = lines[rng.randrange(len(lines))]
    lines.insert(rng.randrange(len(lines) + 1), line)


@_line_op
def swap_lines(lines: list[str], rng: random.Random) -> None:
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]


@_line_op
def indent(lines: list[str], rng: random.Random) -> None:
    i = rng.randrange(len(lines))
    change = rng.choice(["add", "remove", "tab", "odd"])
    if change == "add":
        lines[i] = " " * rng.choice((1, 2, 4)) + lines[i]
    elif change == "remove":
        lines[i] = lines[i][rng.choice((1, 2, 4)) :] if lines[i].startswith(" ") else lines[i]
    elif change == "tab":
        lines[i] = "\t" + lines[i].lstrip(" ")
    else:
        lines[i] = " " + lines[i]


def flip_char(text: str, rng: random.Random) -> str:
    if not text:
        return rng.choice(CHARS)
    at = rng.randrange(len(text))
    new = rng.choice(CHARS) if rng.random() < 0.7 else chr(rng.randrange(32, 0x2FFF))
    return text[:at] + new + text[at + rng.choice((0, 1)) :]


def _replace_match(name: str, pattern: re.Pattern[str], choices: list[str]) -> Callable[..., str]:
    def op(text: str, rng: random.Random) -> str:
        found = list(pattern.finditer(text))
        if not found:
            return text
        m = rng.choice(found)
        return text[: m.start()] + rng.choice(choices) + text[m.end() :]

    op.__name__ = name
    return op


extreme_number = _replace_match("extreme_number", NUMBER, EXTREME_NUMBERS)
extreme_date = _replace_match("extreme_date", DATE, EXTREME_DATES)
extreme_duration = _replace_match("extreme_duration", DURATION, EXTREME_DURATIONS)


def _values(text: str) -> list[re.Match[str]]:
    return list(VALUE.finditer(text))


def swap_value(text: str, rng: random.Random) -> str:
    """A value replaced by another of the file's values, or by a scalar of another kind."""
    found = _values(text)
    if not found:
        return text
    m = rng.choice(found)
    other = rng.choice(found).group(2) if rng.random() < 0.5 else rng.choice(SCALARS)
    return text[: m.start(2)] + other + text[m.end(2) :]


def anchor_alias(text: str, rng: random.Random) -> str:
    """``&a`` on one value, ``*a`` (or ``<<: *a``, or an undefined alias) on another."""
    found = _values(text)
    if len(found) < 2:
        return text
    first, second = sorted(rng.sample(found, 2), key=lambda m: m.start())
    alias = rng.choice(["*a", "*a", "*undefined", "{<<: *a}"])
    text = text[: second.start(2)] + alias + text[second.end(2) :]
    return text[: first.start(2)] + "&a " + text[first.start(2) :]


def alias_bomb(text: str, rng: random.Random) -> str:
    levels = rng.choice((4, 9, 12))
    lines = ["x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n" + text


def tag(text: str, rng: random.Random) -> str:
    found = _values(text)
    if not found:
        return text
    m = rng.choice(found)
    return text[: m.start(2)] + rng.choice(TAGS) + text[m.end(2) :]


def nesting(text: str, rng: random.Random) -> str:
    found = _values(text)
    if not found:
        return text
    depth = rng.choice((50, 200, 5000))
    m = rng.choice(found)
    deep = (
        "[" * depth + "1" + "]" * depth
        if rng.random() < 0.5
        else "{a: " * depth + "1" + "}" * depth
    )
    return text[: m.start(2)] + deep + text[m.end(2) :]


def long_value(text: str, rng: random.Random) -> str:
    found = _values(text)
    if not found:
        return text
    m = rng.choice(found)
    value = rng.choice(["x" * 200_000, "é" * 50_000, "a " * 100_000, '"' + "\\n" * 10_000 + '"'])
    return text[: m.start(2)] + value + text[m.end(2) :]


def rename_key(text: str, rng: random.Random) -> str:
    keys = list(re.finditer(r"(?m)^(\s*-?\s*)([A-Za-z_]+):", text))
    if not keys:
        return text
    m = rng.choice(keys)
    key = m.group(2)
    new = rng.choice([key[:-1], key + "s", key.upper(), key[::-1], "<<", "? " + key, key + " "])
    return text[: m.start(2)] + new + text[m.end(2) :]


def truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(len(text) + 1)]


MUTATIONS = [
    delete_lines, duplicate_line, swap_lines, indent, flip_char, extreme_number,
    extreme_date, extreme_duration, swap_value, anchor_alias, alias_bomb, tag, nesting,
    long_value, rename_key, truncate,
]  # fmt: skip
BYTES = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf", b"\r", b"\xe2\x80"]


def mutate(text: str, rng: random.Random) -> tuple[bytes, list[str]]:
    """One to four mutations of ``text``; sometimes bytes that are not UTF-8 as well."""
    names = []
    for _ in range(rng.choice((1, 1, 2, 3, 4))):
        op = rng.choice(MUTATIONS)
        text = op(text, rng)
        names.append(op.__name__)
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.08:
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice(BYTES) + data[at:]
        names.append("bytes")
    return data, names


@dataclass
class State:
    root: Path  # the private copy of policies/
    files: list[Path]  # relative to root
    originals: dict[Path, bytes]
    inputs_of: dict[Path, list[Path]] = field(default_factory=dict)  # input -> sources files
    pristine: Path | None = None  # an unchanged copy, for diff OLD NEW


def setup(workdir: Path) -> State:
    root = workdir / "policies"
    shutil.copytree(ROOT / "policies", root)
    pristine = workdir / "pristine"
    shutil.copytree(ROOT / "policies", pristine)
    files = sorted(p.relative_to(root) for p in root.rglob("*") if p.suffix in EXTENSIONS)
    state = State(root, files, {f: (root / f).read_bytes() for f in files}, pristine=pristine)
    for f in files:
        if f.name.endswith(".sources.yaml"):
            for m in re.finditer(r"path: ([\w.-]+)", (root / f).read_text(encoding="utf-8")):
                state.inputs_of.setdefault(f.parent / m.group(1), []).append(f)
    return state


def policy_for(name: str) -> str:
    for prefix, policy in [
        ("safety", "safety-certification.yaml"),
        ("werc-gms", "werc-gms.yaml"),
        ("cpa", "cpa-uaa.yaml"),
        ("pmi", "pmi-pmp.yaml"),
        ("ca-rn", "ca-rn.yaml"),
    ]:
        if name.startswith(prefix):
            return policy
    return "werc-crp.yaml"


def _commands(state: State, rel: Path, rng: random.Random) -> list[list[str]]:
    """What reads the file next, once ``validate`` accepts it."""
    root, path = state.root, str(state.root / rel)
    name = rel.name
    if rel in state.inputs_of:
        return [
            ["records", str(root / s), "--policy", str(root / policy_for(s.name))]
            for s in state.inputs_of[rel]
        ]
    if name.endswith(".sources.yaml"):
        policy = str(root / policy_for(name))
        return [
            ["records", path, "--policy", policy],
            [
                "evaluate",
                policy,
                "--sources",
                path,
                "--as-of",
                AS_OF,
                "-o",
                rng.choice(["text", "json"]),
            ],
        ]
    if name.endswith(".tests.yaml"):
        return [["test", path, "-o", rng.choice(TEST_FORMATS), "--coverage"]]
    if rel.parts[0] == "holders":
        policy = str(root / policy_for(name))
        return [
            [
                "evaluate",
                policy,
                "--holder",
                path,
                "--as-of",
                AS_OF,
                "-o",
                rng.choice(["text", "json"]),
            ]
        ]
    if rel.parts[0] == "accounts":
        cart = str(root / "carts" / "eligible-only.yaml")
        package = str(root / PACKAGE)
        return [
            ["balance", package, "--account", path, "--at", AT],
            ["redeem", package, "--account", path, "--cart", cart, "--at", AT, "-o", "json"],
        ]
    if rel.parts[0] == "carts":
        account = str(root / "accounts" / "dana-two-packages.yaml")
        return [["redeem", str(root / PACKAGE), "--account", account, "--cart", path, "--at", AT]]
    if len(rel.parts) == 1:  # a policy
        tests = root / name.replace(".yaml", ".tests.yaml")
        old = str(state.pristine / name) if state.pristine else path
        fmt = rng.choice(DIFF_FORMATS)
        out = [["diff", old, path, "-o", fmt, "--as-of", AS_OF]]
        if tests.exists():
            out.append(["test", str(tests), "-o", rng.choice(TEST_FORMATS)])
        return out
    return []


def run_one(state: State, rel: Path, data: bytes, rng: random.Random) -> str:
    from policyengine.errors import PolicyError
    from policyengine.load.yaml_loader import load_yaml_text

    path = state.root / rel
    path.write_bytes(data)
    try:
        if rel.suffix in (".yaml", ".yml", ".json"):
            # the loader's contract: PolicyError (validate reports it below)
            with contextlib.suppress(UnicodeDecodeError, PolicyError):
                load_yaml_text(data.decode("utf-8"), str(path))
        code, _out, _err = run_main(["validate", str(path), "-o", rng.choice(TEST_FORMATS)])
        if code != 0 and rel not in state.inputs_of:
            return "invalid"
        for args in _commands(state, rel, rng):
            run_main(args)
        return "valid"
    finally:
        path.write_bytes(state.originals[rel])


def category(state: State, rel: Path) -> str:
    """What kind of file ``rel`` is (a hang's signature names it, not the mutant)."""
    if rel in state.inputs_of:
        return "source input"
    for suffix, kind in ((".sources.yaml", "sources file"), (".tests.yaml", "scenario file")):
        if rel.name.endswith(suffix):
            return kind
    return {"holders": "holder", "accounts": "account", "carts": "cart"}.get(
        rel.parts[0], "policy" if len(rel.parts) == 1 else "file"
    )


def loop(state: State, rng: random.Random, execute: Any, budget: Any) -> None:
    while not budget.spent:
        rel = rng.choice(state.files)
        original = state.originals[rel].decode("utf-8")
        data, names = mutate(original, rng)
        text = data.decode("utf-8", "backslashreplace")
        execute(
            f"mutated {category(state, rel)}",
            f"policies/{rel} after {', '.join(names)}:\n{text}",
            lambda rel=rel, data=data: run_one(state, rel, data, rng),
        )
