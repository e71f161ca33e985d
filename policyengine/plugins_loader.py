"""Loading plugins, and the environment built from what they registered.

One :class:`pluggy.PluginManager` named ``policyengine`` holds, in this order:

1. the default plugins: the modules of ``policyengine.plugins`` we ship, registered
   exactly like any other plugin (no special path in the core);
2. third-party plugins from the entry-point group ``policyengine``, unless
   ``POLICYENGINE_LOAD_ENTRYPOINTS=0`` (the project's own tests set it). When
   ``POLICYENGINE_PLUGINS`` is set, only entry points it names (comma-separated entry
   point or distribution names) load; set but empty, none do;
3. loose ``*.py`` files from ``--plugins-dir DIR`` (always loaded: they were asked for).

Then each ``register_*`` hook implementation is called in turn with a *register*
callback that knows which plugin is calling, so a duplicate source or function name
is refused with a :class:`PolicyError` naming both plugins. What they registered becomes
an :class:`~policyengine.policy.environment.Environment` that the caller hands to
``load_policy``: no registry is global, and loading twice gives two independent results.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from jsonschema.exceptions import SchemaError

from policyengine import hookspecs
from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.expr.functions import Function, FunctionRegistry, builtin_functions
from policyengine.expr.types import Type
from policyengine.load.paths import check_regular
from policyengine.load.schema import check_options_schema
from policyengine.policy.environment import Environment
from policyengine.policy.scopes import RECORD
from policyengine.sources.base import CreditSource

__all__ = [
    "ALLOWLIST_ENV",
    "DEFAULT_PLUGINS",
    "ENTRYPOINT_GROUP",
    "LOAD_ENTRYPOINTS_ENV",
    "LoadedPlugins",
    "PluginInfo",
    "SourceRegistry",
    "default_environment",
    "load_environment",
    "load_plugins",
    "source_fields",
]

ENTRYPOINT_GROUP = "policyengine"
ALLOWLIST_ENV = "POLICYENGINE_PLUGINS"
LOAD_ENTRYPOINTS_ENV = "POLICYENGINE_LOAD_ENTRYPOINTS"
DEFAULT_PLUGINS = (
    "records_file",
    "portal_webinars",
    "member_uploads",
    "lms_transcript",
    "xapi",
    "sql",
)
_SOURCE_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


def _fail(message: str, hint: str | None = None, where: Location | None = None) -> PolicyError:
    return PolicyError(Diagnostic(message, where, hint, code="plugins"))


class SourceRegistry(Mapping[str, "type[CreditSource]"]):
    """Credit source classes by name, remembering which plugin registered each."""

    def __init__(self) -> None:
        self._sources: dict[str, type[CreditSource]] = {}
        self._owners: dict[str, str] = {}

    def register(self, cls: Any, owner: str) -> type[CreditSource]:
        if not (isinstance(cls, type) and issubclass(cls, CreditSource)):
            raise _fail(
                f"plugin '{owner}' registered {cls!r}, which is not a CreditSource subclass",
                "subclass policyengine.sources.CreditSource",
            )
        name = cls.name
        if not isinstance(name, str) or not _SOURCE_NAME.match(name):
            raise _fail(
                f"plugin '{owner}': source {cls.__name__} has name {name!r}",
                "a source name is lower case letters, digits and _, e.g. 'xapi'",
            )
        if cls.read is CreditSource.read:
            raise _fail(f"plugin '{owner}': source '{name}' does not implement read()")
        fields = cls.fields
        if not isinstance(fields, Mapping) or not all(
            isinstance(k, str) and isinstance(v, Type) for k, v in fields.items()
        ):
            raise _fail(
                f"plugin '{owner}': source '{name}' fields must map names to "
                "expression types (policyengine.expr.types)"
            )
        try:
            check_options_schema(dict(cls.options))
        except (SchemaError, TypeError, ValueError) as err:
            raise _fail(
                f"plugin '{owner}': source '{name}' options is not a valid JSON "
                f"Schema: {getattr(err, 'message', err)}"
            ) from None
        if name in self._sources:
            raise _fail(
                f"credit source '{name}' is registered by both '{self._owners[name]}' "
                f"and '{owner}'",
                f"disable one of them with {ALLOWLIST_ENV} or rename the source",
            )
        self._sources[name] = cls
        self._owners[name] = owner
        return cls

    def owner(self, name: str) -> str | None:
        return self._owners.get(name)

    def names(self) -> list[str]:
        return sorted(self._sources)

    def __contains__(self, name: object) -> bool:
        return name in self._sources

    def __getitem__(self, name: str) -> type[CreditSource]:
        return self._sources[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._sources)


@dataclass(frozen=True)
class PluginInfo:
    """One loaded plugin: its name, where it came from, and what it registered."""

    name: str
    origin: str  # "default", "entry point" or "plugins dir"
    where: str  # module name, "distribution version (module)" or file path
    hooks: tuple[str, ...]
    sources: tuple[str, ...]
    functions: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "origin": self.origin,
            "where": self.where,
            "hooks": list(self.hooks),
            "sources": list(self.sources),
            "functions": list(self.functions),
        }


def _default_package() -> ModuleType:
    try:
        return importlib.import_module("policyengine.plugins")
    except ModuleNotFoundError as err:
        if err.name != "policyengine.plugins":
            raise
    # A source checkout: plugins/ sits next to the package instead of inside it.
    root = Path(__file__).resolve().parents[1] / "plugins"
    spec = importlib.util.spec_from_file_location(
        "policyengine.plugins", root / "__init__.py", submodule_search_locations=[str(root)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["policyengine.plugins"] = module
    spec.loader.exec_module(module)
    return module


def _entry_points_enabled() -> bool:
    return os.environ.get(LOAD_ENTRYPOINTS_ENV, "1").strip().lower() not in ("0", "false", "no")


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    if pm.get_plugin(name) is not None:
        raise _fail(f"two plugins are named '{name}'", "rename one of them")
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as err:
        raise _fail(f"plugin '{name}': {err}") from None


def _load_entry_points(pm: pluggy.PluginManager, origins: dict[str, tuple[str, str]]) -> None:
    allow = os.environ.get(ALLOWLIST_ENV)
    found = list(importlib.metadata.entry_points(group=ENTRYPOINT_GROUP))
    for ep in found:
        dist = ep.dist.name if ep.dist is not None else None
        if allow is not None and not {ep.name, dist} & {n.strip() for n in allow.split(",")}:
            pm.set_blocked(ep.name)
        elif pm.get_plugin(ep.name) is not None:
            raise _fail(
                f"entry point '{ep.name}' ({dist}) has the name of a plugin already loaded",
                "rename the entry point",
            )
    try:
        pm.load_setuptools_entrypoints(ENTRYPOINT_GROUP)
    except pluggy.PluginValidationError as err:
        raise _fail(f"entry point plugin: {err}") from None
    except Exception as err:  # noqa: BLE001 - a broken third-party plugin, shown not raised
        raise _fail(
            f"cannot load a plugin from the entry-point group '{ENTRYPOINT_GROUP}': "
            f"{type(err).__name__}: {err}",
            f"disable it with {ALLOWLIST_ENV}",
        ) from None
    for plugin, info in pm.list_plugin_distinfo():
        name = pm.get_name(plugin) or "?"
        module = getattr(plugin, "__name__", repr(plugin))
        origins[name] = ("entry point", f"{info.project_name} {info.version} ({module})")


def _load_dir(
    pm: pluggy.PluginManager, directory: str, origins: dict[str, tuple[str, str]]
) -> None:
    root = Path(directory)
    if not root.is_dir():
        raise _fail(f"--plugins-dir: no such directory: {directory}")
    for path in sorted(root.glob("*.py")):
        name = path.stem
        try:  # importing a FIFO would wait for a writer for ever
            check_regular(path)
        except OSError as err:
            raise _fail(f"cannot load plugin file {path}: {err.strerror or err}") from None
        spec = importlib.util.spec_from_file_location(f"policyengine_plugins_dir.{name}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except SyntaxError as err:
            where = Location(str(path), err.lineno or 1, err.offset or 1)
            raise _fail(f"plugin file has a syntax error: {err.msg}", where=where) from None
        except Exception as err:  # noqa: BLE001 - a broken plugin file, shown not raised
            raise _fail(f"cannot load plugin file {path}: {type(err).__name__}: {err}") from None
        _register(pm, module, name)
        origins[name] = ("plugins dir", str(path))


def _call_each(
    pm: pluggy.PluginManager, hook: str, make: Callable[[str], Callable[[Any], None]]
) -> None:
    """Call every implementation of ``hook`` with a register callback for its plugin."""
    for impl in getattr(pm.hook, hook).get_hookimpls():
        register = make(impl.plugin_name)
        try:
            impl.function(*[register for _ in impl.argnames])
        except PolicyError:
            raise
        except Exception as err:  # noqa: BLE001 - a broken plugin, shown not raised
            raise _fail(
                f"plugin '{impl.plugin_name}': {hook} failed: {type(err).__name__}: {err}"
            ) from None


def _functions_registrar(registry: FunctionRegistry) -> Callable[[str], Callable[[Function], None]]:
    def make(owner: str) -> Callable[[Function], None]:
        def register(fn: Function) -> None:
            if not isinstance(fn, Function):
                raise _fail(
                    f"plugin '{owner}' registered {fn!r}, which is not a Function",
                    "register policyengine.expr.functions.Function(name, params, "
                    "returns, impl, doc)",
                )
            if not (
                all(isinstance(p, Type) for p in fn.params)
                and isinstance(fn.returns, Type)
                and callable(fn.impl)
            ):
                raise _fail(
                    f"plugin '{owner}': function '{fn.name}' needs expression types "
                    "for params and returns, and a callable impl"
                )
            try:
                registry.register(fn, owner=owner)
            except ValueError as err:
                raise _fail(str(err), "disable one of the plugins or rename the function") from None

        return register

    return make


@dataclass(frozen=True)
class LoadedPlugins:
    """The result of loading plugins: the plugin manager, where each plugin came from,
    and the :class:`Environment` built from what they registered."""

    pm: pluggy.PluginManager
    origins: Mapping[str, tuple[str, str]]
    environment: Environment

    @property
    def sources(self) -> SourceRegistry:
        registry = self.environment.sources
        assert isinstance(registry, SourceRegistry)
        return registry

    def plugins(self) -> list[PluginInfo]:
        """The loaded plugins, in loading order, with what each registered."""
        functions = self.environment.functions
        out = []
        for plugin in self.pm.get_plugins():
            name = self.pm.get_name(plugin) or "?"
            origin, where = self.origins.get(name, ("registered", getattr(plugin, "__name__", "")))
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
            out.append(
                PluginInfo(
                    name,
                    origin,
                    where,
                    hooks,
                    tuple(n for n in self.sources.names() if self.sources.owner(n) == name),
                    tuple(n for n in functions.names() if functions.owner(n) == name),
                )
            )
        order = list(self.origins)
        out.sort(key=lambda p: order.index(p.name) if p.name in order else len(order))
        return out


def load_plugins(plugins_dir: str | os.PathLike[str] | None = None) -> LoadedPlugins:
    """Load every plugin (see the module docstring) into a new plugin manager and build
    the environment they make. Nothing is kept between calls."""
    pm = pluggy.PluginManager("policyengine")
    pm.add_hookspecs(hookspecs)
    origins: dict[str, tuple[str, str]] = {}
    package = _default_package()
    for short in DEFAULT_PLUGINS:
        module = importlib.import_module(f"{package.__name__}.{short}")
        _register(pm, module, module.__name__)
        origins[module.__name__] = ("default", module.__name__)
    if _entry_points_enabled():
        _load_entry_points(pm, origins)
    if plugins_dir is not None:
        _load_dir(pm, os.fspath(plugins_dir), origins)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as err:
        raise _fail(str(err), "check the hook's name against docs/plugins.md") from None
    sources = SourceRegistry()

    def sources_registrar(owner: str) -> Callable[[Any], None]:
        def register(cls: Any) -> None:
            sources.register(cls, owner)

        return register

    _call_each(pm, "register_sources", sources_registrar)
    functions = builtin_functions()
    _call_each(pm, "register_functions", _functions_registrar(functions))
    env = Environment(functions=functions, sources=sources, record_fields=source_fields(sources))
    return LoadedPlugins(pm, origins, env)


def load_environment(plugins_dir: str | os.PathLike[str] | None = None) -> Environment:
    """The environment of every plugin: built-in and entry-point plugins, and the
    ``*.py`` files of ``plugins_dir``."""
    return load_plugins(plugins_dir).environment


@functools.lru_cache(maxsize=1)
def default_environment() -> Environment:
    """The environment of the built-in and installed plugins, loaded once per process
    (read-only afterwards): what the Python API uses when no environment is given."""
    return load_environment()


def source_fields(sources: SourceRegistry) -> dict[str, Type]:
    """Every extra record field the registered sources provide, with its type."""
    out: dict[str, Type] = {}
    by: dict[str, str] = {}
    standard = RECORD.field_types()
    for name in sources.names():
        for field, type_ in sources[name].fields.items():
            known = out.get(field, standard.get(field))
            if known is not None and known != type_:
                raise _fail(
                    f"record field '{field}' is {known} in source "
                    f"'{by.get(field, 'policyengine')}' but {type_} in source '{name}'"
                )
            if field not in standard:
                out[field] = type_
            by.setdefault(field, name)
    return out
