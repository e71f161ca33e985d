"""Account and cart files of prepaid credit packages: parsing, and writing a history back.

An *account* is a member's history of events: purchases of credit packages and
redemptions of credits (see ``schema/account.schema.json``). A *cart* is what the member
wants to pay with credits (``schema/cart.schema.json``). This module turns both into
frozen dataclasses with exact ``Decimal`` credits and tz-aware times (a timestamp
without an offset is local time in the policy's time zone), reporting every bad value
at its ``file:line:col`` through :class:`PolicyError`. It also writes an account history
back to YAML or JSON (``account_document`` / ``write_account``) for ``redeem --record``.
The rules (validity, balances, draws) live in ``packages.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml

from policyengine import dates
from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.expr.values import format_decimal
from policyengine.load.schema import validate_against
from policyengine.load.yaml_loader import load_yaml_file, locate
from policyengine.packages.ledger_file import replace_file
from policyengine.records.model import parse_decimal


@dataclass(frozen=True)
class Purchase:
    """A credit package bought: its id is the package id."""

    id: str
    at: dt.datetime
    credits: Decimal
    title: str = ""
    at_text: str = ""  # the timestamp as written in the file (written back unchanged)
    location: Location | None = None
    order: int = 0  # position in the file, the tie-break between equal times


@dataclass(frozen=True)
class RedeemedItem:
    """One course paid with credits; ``credits`` is what it cost."""

    id: str
    product_type: str
    credits: Decimal
    title: str = ""


@dataclass(frozen=True)
class DrawRecord:
    """Credits taken from one package by a redemption."""

    package: str
    credits: Decimal


@dataclass(frozen=True)
class Redemption:
    """A completed redemption; without ``draws`` they follow the policy's draw order."""

    id: str
    at: dt.datetime
    items: tuple[RedeemedItem, ...]
    draws: tuple[DrawRecord, ...] = ()
    acknowledged_terms: bool | None = None
    at_text: str = ""
    location: Location | None = None
    order: int = 0

    @property
    def credits(self) -> Decimal:
        return sum((i.credits for i in self.items), Decimal(0))


Event = Purchase | Redemption


@dataclass(frozen=True)
class Account:
    """A member's credit account: who, and the history of events."""

    id: str
    name: str
    events: tuple[Event, ...]
    path: str = "<account>"


@dataclass(frozen=True)
class CartItem:
    """A product in a cart, with the fields ``item.*`` expressions see."""

    id: str
    title: str
    product_type: str
    credits: Decimal
    price: Decimal = Decimal(0)

    def as_values(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "product_type": self.product_type,
            "credits": self.credits,
            "price": self.price,
        }


@dataclass(frozen=True)
class Cart:
    items: tuple[CartItem, ...]
    acknowledged_terms: bool = False
    path: str = "<cart>"


def where(event: Event) -> str:
    """``file:line`` of an event, or its id when it did not come from a file."""
    loc = event.location
    return f"{loc.file}:{loc.line}" if loc else f"event '{event.id}'"


# ----------------------------------------------------------------------------- reading


def _loc(data: Any, path: Sequence[Any]) -> Location | None:
    try:
        return locate(data, list(path))
    except Exception:  # noqa: BLE001 - plain dicts from the API carry no positions
        return None


class _Reader:
    """Collects every problem of one document instead of stopping at the first."""

    def __init__(self, data: Any, tz: dt.tzinfo | None = None) -> None:
        self.data, self.tz = data, tz
        self.problems: list[Diagnostic] = []

    def bad(self, path: Sequence[Any], message: str, hint: str | None, code: str) -> None:
        loc = _loc(self.data, path)
        for cut in range(len(path) - 1, -1, -1):
            if loc is not None:
                break
            loc = _loc(self.data, path[:cut])
        self.problems.append(Diagnostic(message, loc, hint=hint, code=code))

    def credits(self, raw: Any, path: Sequence[Any], what: str, positive: bool) -> Decimal:
        hint = "write a plain decimal number such as 20, 1.5 or 0.25"
        try:
            value = parse_decimal(raw, what)
        except ValueError as err:
            self.bad(path, str(err), hint, "credits")
            return Decimal(0)
        if positive and value <= 0:
            self.bad(path, f"{what} must be greater than 0, got {raw}", hint, "credits")
        return value

    def time(self, raw: Any, path: Sequence[Any], what: str) -> dt.datetime:
        assert self.tz is not None
        try:
            return dates.parse_datetime(str(raw), self.tz)
        except ValueError as err:
            self.bad(
                path,
                f"{what}: {err}",
                "write e.g. 2024-01-15T10:30:00-08:00 (or without the offset for local time "
                "in the policy's time zone)",
                "timestamp",
            )
            return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _check_schema(data: Any, schema: str) -> None:
    problems = validate_against(data, schema)
    if problems:
        raise PolicyError(problems)


def load_account(path: str, tz: dt.tzinfo) -> Account:
    """Read an account file (YAML or JSON); raise PolicyError listing every problem."""
    data = load_yaml_file(path)
    _check_schema(data, "account")
    return account_from_document(data, tz, path=path)


def account_from_document(
    data: Mapping[Any, Any], tz: dt.tzinfo, *, path: str = "<account>"
) -> Account:
    """An :class:`Account` from a parsed document (also plain dicts from the API)."""
    r = _Reader(data, tz)
    head = data.get("account") or {}
    events: list[Event] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data.get("events") or []):
        here = ["events", i]
        eid = str(raw.get("id", f"#{i + 1}"))
        at = r.time(raw.get("at"), [*here, "at"], f"event '{eid}'")
        loc = _loc(data, here)
        if raw.get("type") == "purchase":
            credits = r.credits(
                raw.get("credits"), [*here, "credits"], f"purchase '{eid}': credits", True
            )
            events.append(
                Purchase(eid, at, credits, str(raw.get("title", "")), str(raw.get("at")), loc, i)
            )
        else:
            items = []
            for j, it in enumerate(raw.get("items") or []):
                cost = r.credits(
                    it.get("credits"),
                    [*here, "items", j, "credits"],
                    f"redemption '{eid}', item '{it.get('id')}': credits",
                    False,
                )
                items.append(
                    RedeemedItem(
                        str(it.get("id")),
                        str(it.get("product_type", "")),
                        cost,
                        str(it.get("title", "")),
                    )
                )
            draws = []
            for j, d in enumerate(raw.get("draws") or []):
                amount = r.credits(
                    d.get("credits"),
                    [*here, "draws", j, "credits"],
                    f"redemption '{eid}', draw {j + 1}: credits",
                    True,
                )
                draws.append(DrawRecord(str(d.get("package")), amount))
            ack = raw.get("acknowledged_terms")
            events.append(
                Redemption(
                    eid,
                    at,
                    tuple(items),
                    tuple(draws),
                    None if ack is None else bool(ack),
                    str(raw.get("at")),
                    loc,
                    i,
                )
            )
        if eid in seen:
            r.bad(
                [*here, "id"],
                f"duplicate event id '{eid}' (first used by event {seen[eid] + 1})",
                "give every purchase and redemption its own id",
                "account.duplicate-id",
            )
        seen.setdefault(eid, i)
    if r.problems:
        raise PolicyError(r.problems)
    return Account(str(head.get("id", "")), str(head.get("name", "")), tuple(events), path)


def load_cart(path: str) -> Cart:
    """Read a cart file (YAML or JSON); raise PolicyError listing every problem."""
    data = load_yaml_file(path)
    _check_schema(data, "cart")
    return cart_from_document(data, path=path)


def cart_from_document(data: Mapping[Any, Any], *, path: str = "<cart>") -> Cart:
    """A :class:`Cart` from a parsed document (also plain dicts from the API)."""
    r = _Reader(data)
    body = data.get("cart") or {}
    items = []
    for i, raw in enumerate(body.get("items") or []):
        iid = str(raw.get("id", f"#{i + 1}"))
        here = ["cart", "items", i]
        credits = r.credits(raw.get("credits"), [*here, "credits"], f"item '{iid}': credits", False)
        price = Decimal(0)
        if raw.get("price") is not None:
            price = r.credits(raw["price"], [*here, "price"], f"item '{iid}': price", False)
        items.append(
            CartItem(
                iid, str(raw.get("title", "")), str(raw.get("product_type", "")), credits, price
            )
        )
    if r.problems:
        raise PolicyError(r.problems)
    return Cart(tuple(items), bool(body.get("acknowledged_terms", False)), path)


# ----------------------------------------------------------------------------- writing


def _time_text(at: dt.datetime, text: str, tz: dt.tzinfo) -> str:
    return text or at.astimezone(tz).isoformat()


def account_document(account: Account, tz: dt.tzinfo) -> dict[str, Any]:
    """The account as plain data in the file format (credits stay ``Decimal``)."""
    head: dict[str, Any] = {"id": account.id}
    if account.name:
        head["name"] = account.name
    events: list[dict[str, Any]] = []
    for e in sorted(account.events, key=lambda e: e.order):
        if isinstance(e, Purchase):
            doc: dict[str, Any] = {
                "type": "purchase",
                "id": e.id,
                "at": _time_text(e.at, e.at_text, tz),
                "credits": e.credits,
            }
            if e.title:
                doc["title"] = e.title
        else:
            doc = {
                "type": "redemption",
                "id": e.id,
                "at": _time_text(e.at, e.at_text, tz),
                "items": [_item_doc(i) for i in e.items],
            }
            if e.draws:
                doc["draws"] = [{"package": d.package, "credits": d.credits} for d in e.draws]
            if e.acknowledged_terms is not None:
                doc["acknowledged_terms"] = e.acknowledged_terms
        events.append(doc)
    return {"account": head, "events": events}


def _item_doc(item: RedeemedItem) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": item.id}
    if item.title:
        doc["title"] = item.title
    doc.update(product_type=item.product_type, credits=item.credits)
    return doc


class _Dumper(yaml.SafeDumper):
    """Writes ``Decimal`` as a plain YAML number (read back exactly by yamlload)."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format_decimal(value.normalize()) if value else "0"
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _decimal)


def account_text(account: Account, tz: dt.tzinfo, *, json_format: bool = False) -> str:
    """The account file's text: YAML by default, JSON (credits as numbers) on request."""
    doc = account_document(account, tz)
    if json_format:
        text = json.dumps(_json_numbers(doc), indent=2, ensure_ascii=False) + "\n"
        return re.sub(r'"\\u0000decimal:([0-9.]+)"', r"\1", text)
    header = "# Credit-package account history written by policyengine redeem --record.\n"
    return header + yaml.dump(
        doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )


_MARK = "\u0000decimal:"


def _json_numbers(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return _MARK + (format_decimal(obj.normalize()) if obj else "0")
    if isinstance(obj, dict):
        return {k: _json_numbers(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_numbers(v) for v in obj]
    return obj


def write_account(path: str, account: Account, tz: dt.tzinfo) -> None:
    """Replace the account file atomically and durably (see ``ledgerfile``); a symlink
    is followed and the file keeps its permissions. Hold ``ledgerfile.locked`` around
    the read, the check and this write when other writers may run."""
    replace_file(path, account_text(account, tz, json_format=path.endswith(".json")))


__all__ = [
    "Account",
    "Cart",
    "CartItem",
    "DrawRecord",
    "Event",
    "Purchase",
    "RedeemedItem",
    "Redemption",
    "account_document",
    "account_from_document",
    "account_text",
    "cart_from_document",
    "load_account",
    "load_cart",
    "where",
    "write_account",
]
