"""The JSON Schemas of ``balance -o json`` and ``redeem -o json`` (``policyengine schema
balance`` / ``schema redemption``, policyengine/schema/balance.schema.json and
redemption.schema.json): the real command output for every bundled account (and cart) at
four instants matches them, and so do a recorded redemption, the reasons the bundled carts
never give, a policy without course expiry and the current time; their enumerations are
the codes and statuses the code can give; docs/packages.md names exactly the keys they
allow."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from policyengine.load.schema import load_schema
from tests.helpers import POLICIES, ROOT, write_variant

POLICY = "policies/western-cpe-package.yaml"
ACCOUNTS = sorted(f"policies/accounts/{p.name}" for p in (POLICIES / "accounts").glob("*.yaml"))
CARTS = sorted(f"policies/carts/{p.name}" for p in (POLICIES / "carts").glob("*.yaml"))
ATS = ["2024-07-01T10:00:00", "2025-03-01T10:00:00", "2025-06-09T23:59:59", "2025-06-10T00:00:00"]
SCHEMA = {name: load_schema(name) for name in ("balance", "redemption")}
VALIDATOR = {name: jsonschema.Draft202012Validator(s) for name, s in SCHEMA.items()}
PACKAGES = ROOT / "policyengine" / "packages"
TIMESTAMP_KEYS = {"at", "purchased_at", "expires_at", "expired_at", "enrolled_at"}


def check(doc: Any, name: str) -> None:
    """``doc`` matches schema ``name``, and each of its instants has a UTC offset (which
    the shared timestamp pattern does not demand)."""
    errors = [f"{e.json_path}: {e.message}" for e in VALIDATOR[name].iter_errors(doc)]
    assert not errors, errors
    for key, value in _items(doc):
        if key in TIMESTAMP_KEYS and value is not None:
            assert dt.datetime.fromisoformat(value).utcoffset() is not None, (key, value)


def _items(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _items(value)
    elif isinstance(node, list):
        for value in node:
            yield from _items(value)


def balance_doc(cli, account: object, *extra: str) -> dict:
    code, out, err = cli("balance", POLICY, "--account", account, *extra, "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    check(doc, "balance")
    return doc


def redeem_doc(cli, account: object, cart: object, *extra: object, policy: object = POLICY) -> dict:
    code, out, err = cli(
        "redeem", policy, "--account", account, "--cart", cart, *extra, "-o", "json"
    )
    assert err == "" and out, (code, err)
    doc = json.loads(out)
    assert code == (0 if doc["decision"]["allowed"] else 1)
    check(doc, "redemption")
    return doc


def test_the_schemas_are_valid_draft_2020_12() -> None:
    for name, schema in SCHEMA.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"] == f"https://policyengine.dev/schema/{name}.schema.json"


def test_there_are_bundled_accounts_and_carts() -> None:
    assert len(ACCOUNTS) >= 2 and len(CARTS) >= 5


@pytest.mark.parametrize("at", ATS)
@pytest.mark.parametrize("account", ACCOUNTS)
def test_bundled_balances_match_the_schema(cli, account: str, at: str) -> None:
    doc = balance_doc(cli, account, "--at", at)
    assert doc["at_given"] is True and doc["balance"]["packages"]


@pytest.mark.parametrize("at", ATS)
@pytest.mark.parametrize("cart", CARTS)
@pytest.mark.parametrize("account", ACCOUNTS)
def test_bundled_redemptions_match_the_schema(cli, account: str, cart: str, at: str) -> None:
    doc = redeem_doc(cli, account, cart, "--at", at)
    assert doc["recorded"] is None


def test_the_bundled_data_shows_most_codes_and_statuses(cli) -> None:
    """What the parametrized tests above validate: both decisions, every status but
    ``used-up`` and every reason but ``empty-cart`` and ``history-conflict`` (those three
    are in the tests below)."""
    codes, statuses, allowed = set(), set(), set()
    for account in ACCOUNTS:
        for at in ATS:
            for cart in CARTS:
                decision = redeem_doc(cli, account, cart, "--at", at)["decision"]
                allowed.add(decision["allowed"])
                codes |= {r["code"] for r in decision["reasons"]}
                statuses |= {p["status"] for p in decision["balance_after"]["packages"]}
    assert allowed == {True, False}
    assert statuses == set(_status_enum()) - {"used-up"}
    assert codes == set(_code_enum()) - {"empty-cart", "history-conflict"}


def _copy(tmp_path: Path, account: str = "dana-two-packages.yaml") -> Path:
    copy = tmp_path / account
    shutil.copyfile(POLICIES / "accounts" / account, copy)
    return copy


def test_a_recorded_redemption_matches_the_schema(cli, tmp_path: Path) -> None:
    account = _copy(tmp_path)
    cart = "policies/carts/eligible-only.yaml"
    args = ("--at", "2025-03-01T10:00:00", "--record", account)
    doc = redeem_doc(cli, account, cart, *args)
    assert doc["recorded"] == {"id": "redemption-2", "path": str(account)}
    assert doc["decision"]["draws"] and doc["decision"]["enrollments"]
    # the recorded history is read again: its balance and a second recorded redemption
    after = balance_doc(cli, account, "--at", "2025-03-01T10:00:00")
    assert after["balance"]["available"] == "18.5"
    out = tmp_path / "out.yaml"
    again = redeem_doc(cli, account, cart, *args[:2], "--record", out, "--redemption-id", "r-9")
    assert again["recorded"] == {"id": "r-9", "path": str(out)}


def test_a_refused_redemption_records_nothing(cli, tmp_path: Path) -> None:
    account = _copy(tmp_path)
    before = account.read_bytes()
    doc = redeem_doc(
        cli,
        account,
        "policies/carts/too-expensive.yaml",
        "--at",
        "2025-03-01T10:00:00",
        "--record",
        account,
    )
    assert doc["decision"]["allowed"] is False and doc["recorded"] is None
    assert account.read_bytes() == before


def test_an_empty_cart_and_a_history_conflict_match_the_schema(cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("cart:\n  acknowledged_terms: false\n  items: []\n", encoding="utf-8")
    doc = redeem_doc(cli, ACCOUNTS[1], empty, "--at", "2025-03-01T10:00:00")
    assert [r["code"] for r in doc["decision"]["reasons"]] == [
        "empty-cart",
        "no-valid-package",
        "terms-not-acknowledged",
    ]
    big = tmp_path / "big.yaml"
    big.write_text(
        "cart:\n  acknowledged_terms: true\n  items:\n"
        "    - {id: SS-18, title: Big, product_type: self-study, credits: 18}\n",
        encoding="utf-8",
    )
    # 18 of Dana's 20 credits on 2024-07-01 would leave 2 for the 4 drawn on 2024-10-02
    doc = redeem_doc(cli, "policies/accounts/dana-two-packages.yaml", big, "--at", ATS[0])
    assert [r["code"] for r in doc["decision"]["reasons"]] == ["history-conflict"]


def test_a_used_up_package_matches_the_schema(cli, tmp_path: Path) -> None:
    account = tmp_path / "used-up.yaml"
    account.write_text(
        "account: {id: m-3}\nevents:\n"
        "  - {type: purchase, id: p1, at: 2025-01-02T09:00:00, credits: 3}\n"
        "  - type: redemption\n    id: r1\n    at: 2025-01-03T09:00:00\n"
        "    items: [{id: WC-3, title: Three, product_type: webcast, credits: 3}]\n",
        encoding="utf-8",
    )
    doc = balance_doc(cli, account, "--at", "2025-03-01T10:00:00.25")
    assert [p["status"] for p in doc["balance"]["packages"]] == ["used-up"]
    assert doc["at"] == "2025-03-01T10:00:00.250000-08:00"


def test_without_course_expiry_or_at_the_output_matches_the_schema(cli, tmp_path: Path) -> None:
    policy = write_variant(
        tmp_path,
        "western-cpe-package.yaml",
        "\nenrollment:",
        "\n# enrollment:",
        "\n  expires_after: 1 year",
        "\n#",
    )
    doc = redeem_doc(
        cli,
        "policies/accounts/dana-two-packages.yaml",
        "policies/carts/eligible-only.yaml",
        "--at",
        "2025-03-01T10:00:00",
        policy=policy,
    )
    assert [e["expires_on"] for e in doc["decision"]["enrollments"]] == [None, None]
    now = redeem_doc(cli, ACCOUNTS[0], CARTS[0])
    assert now["at_given"] is False
    assert balance_doc(cli, ACCOUNTS[0])["at_given"] is False


DRAW = {
    "package": "pkg-2024-06",
    "credits": "3",
    "remaining_after": "13",
    "expires_at": "2025-06-10T00:00:00-07:00",
    "last_day": "2025-06-09",
}


def test_the_schemas_refuse_what_the_output_never_has(cli) -> None:
    """Not vacuous schemas: an unknown key, a missing one, a number or an exponent for a
    decimal, a day for an instant, an active package with an expiry instant, a refused
    decision with draws, a reason without its rule."""
    doc = redeem_doc(cli, ACCOUNTS[0], "policies/carts/with-flexcast.yaml", "--at", ATS[1])
    package = doc["decision"]["balance_after"]["packages"][0]
    assert package["status"] == "active"
    broken: list[tuple[str, Any]] = [
        ("extra", {**doc, "format": "x"}),
        ("missing", {k: v for k, v in doc.items() if k != "recorded"}),
        ("number", {**doc, "decision": {**doc["decision"], "total_credits": 11}}),
        ("exponent", {**doc, "decision": {**doc["decision"], "total_credits": "1.1E+1"}}),
        ("day", {**doc, "at": "2025-03-01"}),
        ("expired_at", {**package, "expired_at": package["expires_at"]}),
        ("draws", {**doc["decision"], "draws": [DRAW]}),
        ("rule", {k: v for k, v in doc["decision"]["reasons"][0].items() if k != "rule"}),
    ]
    defs = SCHEMA["redemption"]["$defs"]
    for what, value in broken:
        schema = {
            "expired_at": defs["package"],
            "draws": defs["decision"],
            "rule": defs["reason"],
        }.get(what, SCHEMA["redemption"])
        validator = jsonschema.Draft202012Validator({**schema, "$defs": defs})
        assert not validator.is_valid(value), what
    with pytest.raises(AssertionError):  # the pattern admits it, check() does not
        check({**doc, "at": "2025-03-01T10:00:00"}, "redemption")
    balance = balance_doc(cli, ACCOUNTS[0], "--at", ATS[1])
    assert not VALIDATOR["balance"].is_valid({**balance, "decision": doc["decision"]})
    assert not VALIDATOR["balance"].is_valid({**balance, "at": "2025-03-01"})


def test_both_schemas_share_their_common_parts() -> None:
    balance, redemption = SCHEMA["balance"], SCHEMA["redemption"]
    for name, part in balance["$defs"].items():
        assert redemption["$defs"][name] == part, name
    shared = ("policy", "account", "at", "at_given")
    for key in shared:
        assert balance["properties"][key] == redemption["properties"][key], key


@pytest.mark.parametrize("name", ["balance", "redemption"])
def test_the_schema_command_prints_them(cli, name: str) -> None:
    code, out, _err = cli("schema", name)
    path = ROOT / "policyengine" / "schema" / f"{name}.schema.json"
    assert code == 0 and json.loads(out) == json.loads(path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- enumerations


def _status_enum() -> list[str]:
    return SCHEMA["balance"]["$defs"]["package"]["properties"]["status"]["enum"]


def _code_enum() -> list[str]:
    return SCHEMA["redemption"]["$defs"]["reason"]["properties"]["code"]["enum"]


def _function(path: Path, name: str) -> ast.FunctionDef:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)


def test_the_package_statuses_are_those_balance_of_gives() -> None:
    """``ledger.balance_of`` sets ``status, lost = "<status>", ...``: no list of them exists
    in the code, so the assignments are read."""
    statuses = [
        node.value.elts[0].value
        for node in ast.walk(_function(PACKAGES / "ledger.py", "balance_of"))
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Tuple)
        and isinstance(node.targets[0].elts[0], ast.Name)
        and node.targets[0].elts[0].id == "status"
        and isinstance(node.value, ast.Tuple)
        and isinstance(node.value.elts[0], ast.Constant)
    ]
    assert sorted(statuses) == sorted(_status_enum())


def test_the_reason_codes_are_those_redeem_gives() -> None:
    """Every ``Reason("<code>", ...)`` of packages/redeem.py (no list of the codes exists
    in the code); each code is given in one place."""
    tree = ast.parse((PACKAGES / "redeem.py").read_text(encoding="utf-8"))
    calls = sorted(
        (
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Reason"
        ),
        key=lambda node: (node.lineno, node.col_offset),
    )
    codes = [
        node.args[0].value for node in calls if node.args and isinstance(node.args[0], ast.Constant)
    ]
    assert len(codes) == len(calls), "a Reason whose code is not a literal"
    assert sorted(codes) == sorted(_code_enum())


# ----------------------------------------------------------------------------- the docs

DOC = (ROOT / "docs" / "packages.md").read_text(encoding="utf-8")


def _reason_rows() -> dict[str, set[str]]:
    """The table of reasons in docs/packages.md: code -> the keys it adds (``(+ `key`)``)."""
    rows = re.findall(r"^\| `([a-z-]+)`( \(\+ `([a-z_]+)`[^)]*\))? \|", DOC, re.MULTILINE)
    return {code: {key} if key else set() for code, _, key in rows if code in _code_enum()}


def test_the_docs_list_every_reason_code_in_order() -> None:
    table = re.search(
        r"^\| code \| when \| option offered\? \|\n\|[-|]+\|\n((?:\|.*\n)+)", DOC, re.M
    )
    assert table is not None
    codes = re.findall(r"^\| `([a-z-]+)`", table.group(1), re.MULTILINE)
    assert codes == _code_enum()


def test_the_docs_name_the_keys_each_reason_adds() -> None:
    """``(+ `rule`)`` in the table of reasons is the schema's ``if code ... then required``."""
    reason = SCHEMA["redemption"]["$defs"]["reason"]
    adds: dict[str, set[str]] = {code: set() for code in _code_enum()}
    for part in reason["allOf"]:
        condition = part["if"]["properties"]["code"]
        for code in condition.get("enum", [condition.get("const")]):
            adds[code] |= set(part["then"]["required"])
    optional = set(reason["properties"]) - set(reason["required"])
    assert set().union(*adds.values()) == optional
    assert _reason_rows() == adds


def _documented(key: str) -> list[str]:
    """The keys docs/packages.md lists in table row ``key``: its first ``{...}``."""
    row = re.search(rf"^\| `{re.escape(key)}` \|.*?`\{{([^}}]*)\}}`", DOC, re.MULTILINE)
    assert row is not None, key
    parts = re.sub(r"\(.*?\)|\[.*?\]", "", row.group(1)).split(",")
    names = [part.split(":")[0].replace("?", "").strip() for part in parts]
    return sorted(n for n in names if n)


@pytest.mark.parametrize(
    ("row", "schema", "definition"),
    [
        ("policy", "balance", "policy"),
        ("account", "balance", "account"),
        ("balance", "balance", "balance"),
        ("balance.packages[]", "balance", "package"),
        ("decision", "redemption", "decision"),
        ("decision.reasons[]", "redemption", "reason"),
        ("decision.items[]", "redemption", "item"),
        ("decision.draws[]", "redemption", "draw"),
        ("decision.enrollments[]", "redemption", "enrollment"),
        ("recorded", "redemption", "recorded"),
    ],
)
def test_the_docs_name_exactly_the_keys_the_schema_allows(
    row: str, schema: str, definition: str
) -> None:
    assert _documented(row) == sorted(SCHEMA[schema]["$defs"][definition]["properties"])


def test_the_docs_name_every_top_level_key() -> None:
    table = DOC.split("| key | value |", 1)[1].split("\n\n", 1)[0]
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", table, re.MULTILINE))
    assert rows == set(SCHEMA["balance"]["properties"]) | set(SCHEMA["redemption"]["properties"])
