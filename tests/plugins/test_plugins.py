"""Plugin loading: default plugins, entry points, the allowlist, --plugins-dir,
duplicate names, ``policyengine plugins``, and the meta-tests keeping hooks honest."""

from __future__ import annotations

import importlib.metadata
import json
import re
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from policyengine import hookimpl, hookspecs, load_policy, plugins_loader
from policyengine.cli.main import main
from policyengine.errors import PolicyError
from policyengine.sources import CreditSource
from tests.helpers import POLICIES, ROOT

DOCS = ROOT / "docs" / "plugins.md"
SHIPPED = {"records_file", "portal_webinars", "member_uploads", "lms_transcript", "xapi", "sql"}


def write_plugin(directory: Path, name: str, body: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / f"{name}.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


SOURCE_PLUGIN = """
    from policyengine import hookimpl
    from policyengine.sources import CreditSource, SourceResult

    class Noop(CreditSource):
        name = "{name}"
        description = "reads nothing"

        def read(self, options, *, tz, policy=None):
            return SourceResult()

    @hookimpl
    def register_sources(register):
        register(Noop)
"""

FUNCTION_PLUGIN = """
    from decimal import Decimal
    from policyengine import hookimpl
    from policyengine.expr.functions import Function
    from policyengine.expr.types import NUMBER

    @hookimpl
    def register_functions(register):
        register(Function("{name}", (NUMBER,), NUMBER, lambda x: x * 2, "twice x"))
"""


# ----------------------------------------------------------------------------- loading


def test_default_plugins_register_the_shipped_sources() -> None:
    registry = plugins_loader.load_plugins().sources
    assert set(registry.names()) == SHIPPED
    for name in SHIPPED:
        assert registry.owner(name) == f"policyengine.plugins.{name}"
        assert issubclass(registry[name], CreditSource)


def test_default_plugins_are_ordinary_plugins() -> None:
    loaded = plugins_loader.load_plugins()
    names = [loaded.pm.get_name(p) for p in loaded.pm.get_plugins()]
    assert sorted(names) == sorted(
        f"policyengine.plugins.{n}" for n in plugins_loader.DEFAULT_PLUGINS
    )
    infos = loaded.plugins()
    assert [i.origin for i in infos] == ["default"] * len(SHIPPED)


def test_function_registry_holds_builtins(tmp_path: Path) -> None:
    functions = plugins_loader.load_environment().functions
    assert "days_between" in functions
    assert functions.owner("days_between") == "builtin"


def test_a_policy_is_compiled_with_the_functions_of_the_environment_it_is_given(
    tmp_path: Path,
) -> None:
    write_plugin(tmp_path / "plugins", "twice", FUNCTION_PLUGIN.format(name="twice"))
    policy = tmp_path / "p.yaml"
    text = (ROOT / "policies" / "werc-gms.yaml").read_text(encoding="utf-8")
    policy.write_text(text.replace("    min: 15\n", "    min: twice(7.5)\n", 1), encoding="utf-8")
    env = plugins_loader.load_environment(tmp_path / "plugins")
    assert "twice" in load_policy(str(policy), env).rules["requirements.0.min"].compiled.source
    with pytest.raises(PolicyError, match="unknown function 'twice'"):
        load_policy(str(policy), plugins_loader.load_environment())
    # loading again gives an independent environment: nothing is global
    assert "twice" not in plugins_loader.load_environment().functions
    assert "twice" in env.functions


def test_source_fields_collects_every_source() -> None:
    fields = plugins_loader.load_environment().record_fields
    assert str(fields["webinar_id"]) == "string"
    assert "member" not in fields  # a standard (optional) record field, declared once


# ----------------------------------------------------------------------------- source fields
# A policy may use the record fields a loaded source declares (record.verb of xapi),
# in validate and load_policy alike; a field no source declares stays an error.


def gms_filtering_on(tmp_path: Path, field: str) -> Path:
    """werc-gms.yaml, counting only credits whose xAPI verb ends in "completed"."""
    text = (POLICIES / "werc-gms.yaml").read_text(encoding="utf-8")
    old = "    min: 15\n"
    assert text.count(old) == 1
    path = tmp_path / "gms-completed.yaml"
    where = f'    where: ends_with(record.{field}, "/completed")\n'
    path.write_text(text.replace(old, old + where), encoding="utf-8")
    return path


def test_a_field_only_a_source_declares_validates_and_evaluates(tmp_path: Path, capsys) -> None:
    from policyengine import load_policy

    path = gms_filtering_on(tmp_path, "verb")
    assert "verb" not in load_policy(str(POLICIES / "werc-gms.yaml")).records.fields
    assert load_policy(str(path)).rules["requirements.0.where"] is not None
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: ok (policy)\n1 file checked, 0 problems\n"
    # The bundled xAPI example: the "passed" assessment (3 credits) no longer counts,
    # 1.5 + 6 + 2.5 + 1 = 11 of 15 do.
    assert (
        main(
            [
                "evaluate",
                str(path),
                "--sources",
                str(POLICIES / "sources" / "werc-gms-g3105.sources.yaml"),
                "--as-of",
                "2025-09-01",
                "--json",
            ]
        )
        == 0
    )
    (req,) = json.loads(capsys.readouterr().out)["periods"][0]["requirements"]
    assert (Decimal(req["counted"]), Decimal(req["missing"])) == (Decimal(11), Decimal(4))


def test_a_field_of_a_plugins_dir_source_validates(tmp_path: Path, capsys) -> None:
    plugin = (
        SOURCE_PLUGIN.format(name="lrs2")
        .replace(
            'description = "reads nothing"',
            'description = "reads nothing"\n        fields = {"activity_verb": STRING}',
        )
        .replace(
            "from policyengine import hookimpl",
            "from policyengine import hookimpl\n    from policyengine.expr.types import STRING",
        )
    )
    write_plugin(tmp_path / "plugins", "lrs2", plugin)
    path = gms_filtering_on(tmp_path, "activity_verb")
    assert main(["validate", str(path)]) == 1
    assert "record has no field 'activity_verb'" in capsys.readouterr().out
    assert main(["--plugins-dir", str(tmp_path / "plugins"), "validate", str(path)]) == 0


def test_a_field_no_source_declares_is_an_error_with_did_you_mean(tmp_path: Path, capsys) -> None:
    from policyengine import load_policy

    path = gms_filtering_on(tmp_path, "verbb")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}:45:29: record has no field 'verbb'"
    assert out[1:4] == [
        '        where: ends_with(record.verbb, "/completed")',
        "                                ^^^^^",
        "  hint: did you mean 'verb'?",
    ]
    with pytest.raises(PolicyError, match="record has no field 'verbb'"):
        load_policy(str(path))


def test_an_environment_without_sources_has_no_source_fields(tmp_path: Path) -> None:
    from policyengine import load_policy
    from policyengine.policy.environment import builtin_environment

    path = gms_filtering_on(tmp_path, "verb")
    with pytest.raises(PolicyError, match="record has no field 'verb'"):
        load_policy(str(path), builtin_environment())


# ----------------------------------------------------------------------------- hooks
# Meta-test below: every hookspec has a test named test_hook_<name>.


def test_hook_register_sources(tmp_path: Path) -> None:
    write_plugin(tmp_path, "noop", SOURCE_PLUGIN.format(name="noop"))
    registry = plugins_loader.load_plugins(tmp_path).sources
    assert "noop" in registry
    assert registry.owner("noop") == "noop"


def test_hook_register_functions(tmp_path: Path) -> None:
    write_plugin(tmp_path, "twice", FUNCTION_PLUGIN.format(name="twice"))
    functions = plugins_loader.load_environment(tmp_path).functions
    fn = functions.get("twice")
    assert fn is not None and functions.owner("twice") == "twice"
    assert fn.signature() == "twice(number) -> number"


def test_plugin_functions_are_type_checked_in_policies(tmp_path: Path) -> None:
    from policyengine.expr import Scope, compile_expression
    from policyengine.expr.types import NUMBER

    write_plugin(tmp_path, "twice", FUNCTION_PLUGIN.format(name="twice"))
    scope = Scope({"n": NUMBER}, plugins_loader.load_environment(tmp_path).functions)
    assert compile_expression("twice(n) + 1", scope).type == NUMBER
    with pytest.raises(Exception, match="twice"):
        compile_expression('twice("x")', scope)


# ----------------------------------------------------------------------------- duplicates


def test_duplicate_source_name_names_both_plugins(tmp_path: Path) -> None:
    write_plugin(tmp_path, "copycat", SOURCE_PLUGIN.format(name="xapi"))
    with pytest.raises(PolicyError) as err:
        plugins_loader.load_plugins(tmp_path)
    message = str(err.value)
    assert "'xapi'" in message
    assert "policyengine.plugins.xapi" in message and "copycat" in message


def test_duplicate_function_name_names_both_plugins(tmp_path: Path) -> None:
    write_plugin(tmp_path, "a_first", FUNCTION_PLUGIN.format(name="twice"))
    write_plugin(tmp_path, "b_second", FUNCTION_PLUGIN.format(name="twice"))
    with pytest.raises(PolicyError) as err:
        plugins_loader.load_plugins(tmp_path)
    assert "a_first" in str(err.value) and "b_second" in str(err.value)


def test_function_named_like_a_builtin_is_refused(tmp_path: Path) -> None:
    write_plugin(tmp_path, "shadow", FUNCTION_PLUGIN.format(name="days_between"))
    with pytest.raises(PolicyError, match="builtin"):
        plugins_loader.load_plugins(tmp_path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("register(object)", "not a CreditSource"),
        ("register(Bad)", "name"),
    ],
)
def test_registered_type_is_checked(tmp_path: Path, body: str, message: str) -> None:
    write_plugin(
        tmp_path,
        "wrong",
        f"""
        from policyengine import hookimpl
        from policyengine.sources import CreditSource

        class Bad(CreditSource):
            name = "Not A Name"
            def read(self, options, *, tz, policy=None):
                return None

        @hookimpl
        def register_sources(register):
            {body}
    """,
    )
    with pytest.raises(PolicyError, match=message):
        plugins_loader.load_plugins(tmp_path)


def test_function_hook_must_register_a_function(tmp_path: Path) -> None:
    write_plugin(
        tmp_path,
        "wrong",
        """
        from policyengine import hookimpl

        @hookimpl
        def register_functions(register):
            register(len)
    """,
    )
    with pytest.raises(PolicyError, match="not a Function"):
        plugins_loader.load_plugins(tmp_path)


def test_misspelled_hook_is_an_error(tmp_path: Path) -> None:
    write_plugin(
        tmp_path,
        "typo",
        """
        from policyengine import hookimpl

        @hookimpl
        def register_source(register):
            pass
    """,
    )
    with pytest.raises(PolicyError, match="register_source"):
        plugins_loader.load_plugins(tmp_path)


def test_broken_plugin_file_is_reported_not_raised(tmp_path: Path) -> None:
    write_plugin(tmp_path, "broken", "def oops(:\n")
    with pytest.raises(PolicyError) as err:
        plugins_loader.load_plugins(tmp_path)
    assert "broken.py" in str(err.value) and "syntax" in str(err.value)


# ----------------------------------------------------------------------------- entry points


class FakeEntryPoint:
    group = "policyengine"

    def __init__(self, name: str, module: ModuleType, dist: str) -> None:
        self.name, self.value, self._module = name, module.__name__, module
        self.dist = SimpleNamespace(
            name=dist, version="9.9", metadata={"name": dist}, entry_points=[self]
        )

    def load(self) -> ModuleType:
        return self._module


@pytest.fixture
def fake_entry_point(monkeypatch: pytest.MonkeyPatch):
    """An installed distribution 'pe-fake' with an entry point 'fake' adding source 'fake'."""
    module = ModuleType("pe_fake_plugin")

    class Fake(CreditSource):
        name = "fake"
        description = "from an entry point"

        def read(self, options, *, tz, policy=None):
            raise NotImplementedError

    @hookimpl
    def register_sources(register):
        register(Fake)

    module.register_sources = register_sources
    ep = FakeEntryPoint("fake", module, "pe-fake")
    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda group=None: [ep] if group in (None, "policyengine") else [],
    )
    monkeypatch.setattr(importlib.metadata, "distributions", lambda: [ep.dist])
    monkeypatch.setenv("POLICYENGINE_LOAD_ENTRYPOINTS", "1")
    monkeypatch.delenv("POLICYENGINE_PLUGINS", raising=False)
    return ep


def test_entry_points_load_when_asked(fake_entry_point) -> None:
    loaded = plugins_loader.load_plugins()
    assert loaded.sources.owner("fake") == "fake"
    info = {p.name: p for p in loaded.plugins()}["fake"]
    assert info.origin == "entry point" and "pe-fake" in info.where


def test_entry_points_are_off_in_the_projects_tests(fake_entry_point, monkeypatch) -> None:
    monkeypatch.setenv("POLICYENGINE_LOAD_ENTRYPOINTS", "0")
    assert "fake" not in plugins_loader.load_plugins().sources


@pytest.mark.parametrize(
    ("allow", "loaded"),
    [
        (None, True),  # unset: every plugin
        ("fake", True),  # by entry point name
        ("pe-fake", True),  # by distribution name
        ("other, pe-fake", True),
        ("other", False),
        ("", False),  # empty: only the default plugins
    ],
)
def test_allowlist_environment_variable(fake_entry_point, monkeypatch, allow, loaded) -> None:
    if allow is not None:
        monkeypatch.setenv("POLICYENGINE_PLUGINS", allow)
    sources = plugins_loader.load_plugins().sources
    assert ("fake" in sources) is loaded
    assert set(sources.names()) >= SHIPPED


# ----------------------------------------------------------------------------- plugins dir + CLI


def test_plugins_dir_loading(tmp_path: Path) -> None:
    path = write_plugin(tmp_path / "more", "noop", SOURCE_PLUGIN.format(name="noop"))
    info = {p.name: p for p in plugins_loader.load_plugins(tmp_path / "more").plugins()}["noop"]
    assert (info.origin, info.where, info.sources) == ("plugins dir", str(path), ("noop",))


def test_missing_plugins_dir_is_an_error(tmp_path: Path, capsys) -> None:
    assert main(["--plugins-dir", str(tmp_path / "nope"), "plugins"]) == 1
    assert "no such directory" in capsys.readouterr().err


@pytest.mark.parametrize("output", ["text", "json"])
def test_plugins_command(tmp_path: Path, capsys, output: str) -> None:
    write_plugin(tmp_path, "noop", SOURCE_PLUGIN.format(name="noop"))
    write_plugin(tmp_path, "twice", FUNCTION_PLUGIN.format(name="twice"))
    assert main(["--plugins-dir", str(tmp_path), "plugins", "-o", output]) == 0
    out = capsys.readouterr().out
    if output == "json":
        doc = json.loads(out)
        by_name = {p["name"]: p for p in doc["plugins"]}
        assert by_name["policyengine.plugins.xapi"]["origin"] == "default"
        assert by_name["policyengine.plugins.xapi"]["sources"] == ["xapi"]
        assert by_name["noop"]["origin"] == "plugins dir"
        assert by_name["twice"]["functions"] == ["twice"]
    else:
        assert "policyengine.plugins.sql  (default)" in out
        assert re.search(r"noop  \(plugins dir: .*noop\.py\)", out)
        assert "function  twice(number) -> number" in out
        assert "8 plugins, 7 sources" in out


def test_plugins_command_output_is_deterministic(capsys) -> None:
    main(["plugins", "-o", "json"])
    first = capsys.readouterr().out
    main(["plugins", "-o", "json"])
    assert capsys.readouterr().out == first


# ----------------------------------------------------------------------------- meta-tests


def hook_names() -> list[str]:
    hooks = plugins_loader.load_plugins().pm.hook
    return sorted(n for n in vars(hooks) if not n.startswith("_"))


def test_hookspecs_module_lists_every_hook() -> None:
    specs = sorted(n for n in dir(hookspecs) if n.startswith("register_"))
    assert hook_names() == specs


@pytest.mark.parametrize("name", sorted(n for n in dir(hookspecs) if n.startswith("register_")))
def test_plugin_hooks_have_tests(name: str) -> None:
    assert f"test_hook_{name}" in globals(), f"add a test named test_hook_{name}"


@pytest.mark.parametrize("name", sorted(n for n in dir(hookspecs) if n.startswith("register_")))
def test_plugin_hooks_are_documented(name: str) -> None:
    spec = getattr(plugins_loader.load_plugins().pm.hook, name).spec
    signature = f"{name}({', '.join(spec.argnames)})"
    docs = DOCS.read_text(encoding="utf-8")
    assert f"### {signature}" in docs, f"docs/plugins.md needs a '### {signature}' heading"


def test_hookimpl_is_exported_from_the_package() -> None:
    import policyengine

    assert policyengine.hookimpl is hookspecs.hookimpl
    assert "hookimpl" in policyengine.__all__
    assert sys.modules["policyengine.hookspecs"].hookspec.project_name == "policyengine"


def test_the_csv_source_shown_in_the_guide_is_the_shipped_one():
    """docs/plugins.md shows plugins/lms_transcript.py's class as the CsvSource example;
    the two must not drift apart."""
    source = (ROOT / "plugins" / "lms_transcript.py").read_text(encoding="utf-8")
    start = source.index("class LmsTranscript(CsvSource):")
    end = source.index("\n\n\n", start)
    assert source[start:end] in DOCS.read_text(encoding="utf-8")


def test_an_options_schema_is_checked_at_registration_as_it_is_used(tmp_path: Path) -> None:
    """Sources files are checked against the options schema with its floats as Decimal;
    registration checks the same schema, so `minLength: 1.0` (a float where the
    meta-schema wants an integer) is refused when the plugin registers, not later at
    every sources-file entry."""
    write_plugin(
        tmp_path,
        "floaty",
        """
        from policyengine import hookimpl
        from policyengine.sources import CreditSource

        class Floaty(CreditSource):
            name = "floaty"
            options = {"type": "object", "properties": {"x": {"type": "string", "minLength": 1.0}}}
            def read(self, options, *, tz, policy=None):
                return None

        @hookimpl
        def register_sources(register):
            register(Floaty)
    """,
    )
    with pytest.raises(PolicyError, match="options is not a valid JSON Schema"):
        plugins_loader.load_plugins(tmp_path)
