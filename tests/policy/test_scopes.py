"""One declaration per expression scope (policy/scopes.py), held to account at run time.

For every bundled policy, every scenario and every bundled holder and sources file,
every rule call is observed: each object an expression can see must hold exactly the
declared fields (no undeclared field reachable, every always-present field there) with
values of the declared types; every optional field must turn up somewhere; every
place of the scope table must be exercised. And the administrator's reference
(docs/expressions.md) is generated from the same declarations.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

import pytest

from policyengine import load_policy
from policyengine.certification.engine import evaluate
from policyengine.ci.scenarios.files import find_files, load_file, run_file
from policyengine.expr import Scope, compile_expression, format_value
from policyengine.expr.types import BOOL, DATE, DATETIME, NUMBER, STRING, ListType, ObjectType, Type
from policyengine.plugins_loader import load_environment
from policyengine.policy import reference, scopes
from policyengine.policy.rule import Rule, observing
from policyengine.records.model import load_holder
from policyengine.sources.sources_file import holder_from_sources
from tests.helpers import ROOT

POLICIES = ROOT / "policies"
ENV = load_environment()


def conforms(value: object, type_: Type) -> bool:
    """Whether a run-time value is what the declared type promises (docs/design.md)."""
    if type_ == NUMBER:
        return isinstance(value, Decimal)
    if type_ == STRING:
        return isinstance(value, str)
    if type_ == BOOL:
        return isinstance(value, bool)
    if type_ == DATE:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if type_ == DATETIME:
        return isinstance(value, dt.datetime) and value.tzinfo is not None
    if isinstance(type_, ListType):
        return isinstance(value, tuple) and all(conforms(v, type_.elem) for v in value)
    if isinstance(type_, ObjectType):
        return isinstance(value, Mapping)
    raise AssertionError(f"no run-time rule for {type_}")


class ScopeChecker:
    """An observer checking what every rule call sees against the declarations."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.places: set[str] = set()
        self.seen_fields: dict[str, set[str]] = defaultdict(set)

    def run(self, rule: Rule, values: Mapping[str, object]) -> object:
        place = scopes.place_of(rule.path)
        self.places.add(place.pattern)
        for table_name in place.names:
            name = "period" if table_name.startswith("period") else table_name
            if name not in values:
                self.problems.append(f"{rule.path}: '{name}' missing")
                continue
            self.check(rule.path, table_name, rule.scope[name], values[name])
        return rule.compiled(values)

    def check(self, where: str, table_name: str, type_: Type, value: object) -> None:
        if not conforms(value, type_):
            self.problems.append(f"{where}: {table_name} is {value!r}, not a {type_}")
            return
        if not isinstance(type_, ObjectType):
            return
        assert isinstance(value, Mapping)
        declared = set(type_.fields)
        extra = set(value) - declared
        if extra:
            self.problems.append(f"{where}: {table_name} has undeclared {sorted(extra)}")
        decl = scopes.declaration(table_name)
        if isinstance(decl, scopes.ObjectScope):
            missing = set(decl.names(optional=False)) - set(value)
            if missing:
                self.problems.append(f"{where}: {table_name} lacks {sorted(missing)}")
        for key in set(value) & declared:
            self.seen_fields[table_name].add(key)
            if not conforms(value[key], type_.fields[key]):
                self.problems.append(
                    f"{where}: {table_name}.{key} is {value[key]!r}, not a {type_.fields[key]}"
                )
            elem = type_.fields[key]
            if isinstance(elem, ListType) and isinstance(elem.elem, ObjectType):
                for item in value[key]:  # type: ignore[attr-defined]
                    self.check(where, elem.elem.name, elem.elem, item)


@pytest.fixture(scope="module")
def checked() -> ScopeChecker:
    checker = ScopeChecker()
    with observing(checker):
        for path in find_files([str(POLICIES)]):
            for result in run_file(load_file(path), ENV):
                assert result.outcome == "passed", (result.scenario.name, result.errors)
        for holder_file in sorted((POLICIES / "holders").glob("*.yaml")):
            stem = holder_file.name.split("-seed")[0].split("-second")[0].split("-licensed")[0]
            policy = load_policy(
                str(POLICIES / f"{'safety-certification' if stem == 'safety' else stem}.yaml"), ENV
            )
            holder, records = load_holder(
                str(holder_file), policy.tz, extra_fields=policy.record_fields
            )
            for as_of in ("2013-03-01", "2023-06-15", "2025-09-01"):
                evaluate(policy, holder, records, dt.date.fromisoformat(as_of))
        for sources in sorted((POLICIES / "sources").glob("*.sources.yaml")):
            name = sources.name.split("-")[0] + "-" + sources.name.split("-")[1]
            policy_file = {"safety-l4001.sources.yaml": "safety-certification"}.get(
                sources.name, name
            )
            policy = load_policy(str(POLICIES / f"{policy_file}.yaml"), ENV)
            holder, records = holder_from_sources(str(sources), policy)
            evaluate(policy, holder, records, dt.date(2025, 9, 1))
    return checker


def test_every_rule_sees_exactly_the_declared_fields_with_their_types(checked):
    assert checked.problems == []


def test_every_place_is_exercised_by_the_bundled_policies(checked):
    assert {p.pattern for p in scopes.PLACES} - checked.places == set()


def test_every_declared_field_turns_up_at_run_time(checked):
    for table_name in (
        "holder",
        "record",
        "period",
        "period_start",
        "period_state",
        "year",
        "adjustment",
        "item",
        "cart",
    ):
        decl = scopes.declaration(table_name)
        assert isinstance(decl, scopes.ObjectScope)
        assert set(decl.names()) - checked.seen_fields[table_name] == set(), table_name


def test_records_credits_may_read_every_record_field(tmp_path):
    """The bug the scope declarations fixed: `records.credits` passed validation reading
    `record.earned_on` and then failed at evaluation ('record has no value')."""
    text = (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8")
    rule = (
        '  credits: "if record.earned_on < 2024-06-01 and record.recorded_on >= '
        'record.original_earned_on then record.credits * 2 else record.credits"\n'
    )
    assert "records:\n" in text
    path = tmp_path / "double.yaml"
    path.write_text(text.replace("records:\n", "records:\n" + rule, 1), encoding="utf-8")
    policy = load_policy(str(path), ENV)
    holder, records = load_holder(str(POLICIES / "holders/werc-crp-seed-examples.yaml"), policy.tz)
    doubled = evaluate(policy, holder, records, dt.date(2025, 9, 1)).as_dict()
    plain = evaluate(
        load_policy(str(POLICIES / "werc-crp.yaml"), ENV), holder, records, dt.date(2025, 9, 1)
    ).as_dict()
    by_id = {r["id"]: r for r in plain["records"]}
    changed = [
        r
        for r in doubled["records"]
        if "credits" in r and Decimal(r["credits"]) == 2 * Decimal(by_id[r["id"]]["credits"]) != 0
    ]
    assert changed, "records earned before 2024-06-01 count double"


def test_the_expressions_reference_is_current():
    committed = (ROOT / "docs" / "expressions.md").read_text(encoding="utf-8")
    assert committed == reference.render(), (
        "docs/expressions.md is out of date: python -m policyengine.policy.reference "
        "docs/expressions.md"
    )


def test_every_builtin_function_has_a_checked_example():
    functions = ENV.functions
    builtins = {f.name for f in functions if functions.owner(f.name) == "builtin"}
    assert builtins == set(reference.EXAMPLES)
    for name, examples in reference.EXAMPLES.items():
        for expression, expected in examples:
            assert name in expression
            value = compile_expression(expression, Scope({}, functions))({})
            assert format_value(value) == expected, expression


def test_the_reference_names_every_field_of_every_scope():
    text = reference.render()
    for obj in scopes.OBJECTS:
        for f in obj.fields:
            assert f"`{obj.name}.{f.name}`" in text
    for place in scopes.PLACES:
        assert f"`{place.pattern}`" in text


def test_every_disposition_code_is_documented_and_every_documented_code_exists():
    import re

    from policyengine.certification import dispositions

    doc = (ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8")
    table = doc.split("## Disposition codes", 1)[1].split("\n\n", 2)[1]
    documented = set(
        re.findall(
            r"`([a-z-]+)`",
            "\n".join(line.split("|")[1] for line in table.splitlines() if line.startswith("| `")),
        )
    )
    assert documented == set(dispositions.CODES)
    source = (ROOT / "policyengine/certification/dispositions.py").read_text(encoding="utf-8")
    built = set(re.findall(r'Disposition\(\s*"([a-z-]+)"', source))
    assert built == set(dispositions.CODES)


def test_an_unknown_field_with_no_close_match_lists_the_fields_there_are():
    from policyengine.expr import ExprError
    from policyengine.policy.scopes import object_types, scope_for

    scope = Scope(scope_for("requirements.0.where", object_types()), ENV.functions)
    with pytest.raises(ExprError) as err:
        compile_expression("record.qqqqqq > 0", scope)
    assert err.value.hint is not None and err.value.hint.startswith("record has: category, ")
    assert "original_earned_on" in err.value.hint and "docs/expressions.md" in err.value.hint
    with pytest.raises(ExprError) as err:
        compile_expression("qqqqqq > 0", scope)
    assert err.value.hint == "here an expression can use const, holder, period, record"
    with pytest.raises(ExprError) as err:  # a close match still gets the did-you-mean
        compile_expression("record.earnd_on > 2024-01-01", scope)
    assert err.value.hint == "did you mean 'earned_on'?"


def test_the_reference_generator_takes_no_option_for_its_output_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv in (["--help"], ["-h"], ["a.md", "b.md"]):
        assert reference.main(argv) == 2
        assert "usage:" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no file named --help
    assert reference.main(["out.md"]) == 0
    assert (tmp_path / "out.md").read_text(encoding="utf-8") == reference.render()
