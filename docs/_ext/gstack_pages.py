"""The generated pages of the docs: one API page per layer, and the changelogs.

Nothing here lists a layer, a module or a distribution name. When the builder
starts (``builder-inited``), this extension

- reads the repository's packages, in dependency order, with
  ``tools/packages.py`` (the one place that knows them), and finds each one's
  import name as the package folder under its ``src/``;
- imports each layer as *installed* (the docs session installs the wheels, so
  compiled modules are documented as users get them) and walks its public
  modules (no name part starting with ``_``, no ``__main__``);
- writes ``generated/api/<layer>.rst``: for each module, ``automodule`` with
  the members of its ``__all__`` (every public name when it has none) that the
  layer defines and that are *documented here*: an object is documented once,
  in the module that defines it if that module lists it, else in the first
  public module that lists it (submodules before the package's
  ``__init__``). The other names are listed as re-exports (with links) or
  counted as names taken from the standard library or a third party;
- writes ``generated/changelog/<layer>.md``, each including that package's
  ``CHANGELOG.md``.

So a module or a package added later gets its page without editing the
docs. A module that fails to import is a warning, hence an error under -W.
The files are rewritten only when their text changes (Sphinx then rereads
only those).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

logger = logging.getLogger(__name__)

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
GENERATED = DOCS / "generated"


@dataclass
class Layer:
    name: str  # import name
    package: object  # tools/packages.py's Package
    modules: list[types.ModuleType] = field(default_factory=list)


def import_name(package) -> str:
    """The import name of a repository package: the package folder under its src/."""
    found = sorted(p.parent.name for p in (package.path / "src").glob("*/__init__.py"))
    if len(found) != 1:
        raise RuntimeError(f"{package.path}/src holds {len(found)} import packages: {found}")
    return found[0]


def repository_packages():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import packages as repo  # tools/packages.py
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return repo.order(repo.discover(ROOT))


def public_modules(top: str) -> list[types.ModuleType]:
    """The installed package ``top`` and its public modules, package first."""
    package = importlib.import_module(top)
    if str(ROOT / "packages") in str(Path(package.__file__).resolve()):
        logger.warning("%s is imported from the source tree (%s), not from an installed wheel",
                       top, package.__file__)
    names = [top]
    for info in pkgutil.walk_packages(package.__path__, top + "."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts[1:]):
            continue
        names.append(info.name)
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except Exception as exc:  # e.g. an optional dependency the docs session lacks
            logger.warning("cannot import %s for its API page: %s: %s",
                           name, type(exc).__name__, exc)
    return modules


def exported(module: types.ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return [n for n in names if hasattr(module, n)]


def owner_of(obj: object) -> str | None:
    """The module that defines ``obj`` (a class, function or module), if it says."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    if inspect.isclass(obj) or callable(obj):
        name = getattr(obj, "__module__", None)
        return name if isinstance(name, str) else None
    return None


def attribute_docs(module: types.ModuleType) -> set[str]:
    """The module-level names that carry a ``#:`` doc-comment in the module's source."""
    try:
        analyzer = ModuleAnalyzer.for_module(module.__name__)
        return {name for (scope, name) in analyzer.find_attr_docs() if scope == ""}
    except Exception:  # a compiled module without its source: no doc-comments
        return set()


def in_layer(module_name: str | None, tops: set[str]) -> bool:
    return module_name is not None and module_name.split(".")[0] in tops


def homes(layers: list[Layer]) -> dict[int, str]:
    """id(object) -> the module whose page documents it, for every object a layer defines."""
    tops = {layer.name for layer in layers}
    documented = {m.__name__ for layer in layers for m in layer.modules}
    home: dict[int, str] = {}
    for layer in layers:
        # Submodules first, the package's __init__ (which gathers them) last.
        ordered = layer.modules[1:] + layer.modules[:1]
        for module in ordered:
            for name in exported(module):
                obj = getattr(module, name)
                owner = owner_of(obj)
                if not in_layer(owner, tops) or isinstance(obj, types.ModuleType):
                    continue
                if owner in documented and name in exported(sys.modules[owner]):
                    home.setdefault(id(obj), owner)
                else:
                    home.setdefault(id(obj), module.__name__)
    return home


def heading(text: str, underline: str) -> list[str]:
    return [text, underline * len(text), ""]


def module_section(module: types.ModuleType, home: dict[int, str], tops: set[str]) -> list[str]:
    name = module.__name__
    members, elsewhere, foreign = [], [], {}
    docs = attribute_docs(module)
    for attr in exported(module):
        obj = getattr(module, attr)
        owner = owner_of(obj)
        if isinstance(obj, types.ModuleType):
            if in_layer(obj.__name__, tops):
                elsewhere.append((attr, obj.__name__, "mod"))
            continue
        if owner is None:  # data: documented where its doc-comment is
            if attr in docs:
                members.append(attr)
            continue
        if not in_layer(owner, tops):
            foreign.setdefault(owner.lstrip("_").split(".")[0], []).append(attr)
        elif home.get(id(obj)) == name:
            members.append(attr)
        else:
            target = f"{home.get(id(obj), owner)}.{getattr(obj, '__qualname__', attr)}"
            elsewhere.append((attr, target, "obj"))
    lines = heading(f"``{name}``", "-")
    lines += [f".. automodule:: {name}"]
    if members:
        lines += [f"   :members: {', '.join(members)}", "   :show-inheritance:"]
    lines.append("")
    if elsewhere:
        refs = ", ".join(f":py:{kind}:`{attr} <{target}>`" for attr, target, kind in elsewhere)
        lines += [f"Also exported here, documented where they are defined: {refs}.", ""]
    if foreign:
        parts = []
        for source, names in sorted(foreign.items()):
            shown = ", ".join(f"``{n}``" for n in names[:4]) + (", ..." if len(names) > 4 else "")
            parts.append(f"from ``{source}``, {len(names)} ({shown})")
        lines += [f"Also exported here unchanged: {'; '.join(parts)}.", ""]
    return lines


def layer_page(layer: Layer, home: dict[int, str], tops: set[str]) -> str:
    package = layer.package
    deps = ", ".join(f"``{d}``" for d in package.local_deps) or "no other layer"
    lines = [
        ".. This file is generated by docs/_ext/gstack_pages.py: edit the docstrings instead.",
        "",
        *heading(f"``{layer.name}``", "="),
        f"The ``{layer.name}`` layer, version {package.version} (distribution "
        f"``{package.name}``; it depends on {deps}). Modules compiled by Cython are "
        f"documented from the compiled build.",
        "",
    ]
    for module in layer.modules:
        lines += module_section(module, home, tops)
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def generate(app: Sphinx) -> None:
    packages = repository_packages()
    layers = [Layer(import_name(p), p) for p in packages]
    for layer in layers:
        layer.modules = public_modules(layer.name)
    home = homes(layers)
    tops = {layer.name for layer in layers}
    app.env.gstack_layers = tops
    wanted = set()
    api_toc, changelog_toc = [], []
    for layer in layers:
        page = GENERATED / "api" / f"{layer.name}.rst"
        write(page, layer_page(layer, home, tops) + "\n")
        api_toc.append(f"api/{layer.name}")
        log = GENERATED / "changelog" / f"{layer.name}.md"
        source = Path("..", "..", "..", layer.package.path.relative_to(ROOT), "CHANGELOG.md")
        write(log, f"```{{include}} {source.as_posix()}\n```\n")
        changelog_toc.append(f"changelog/{layer.name}")
        wanted |= {page, log}
    write(GENERATED / "api.md", "\n".join([
        "# API reference",
        "",
        "One page per layer, lowest first, generated from the docstrings of the installed",
        "packages. A name that a module re-exports is documented once, where it is defined;",
        "the meta-package `gstack` only re-exports, so its page links to the layers' pages.",
        "",
        "```{toctree}",
        ":maxdepth: 2",
        "",
        *api_toc,
        "```",
        "",
    ]))
    write(GENERATED / "changelog.md", "\n".join([
        "# Changelogs",
        "",
        "Each package is released on its own, with its own version and `CHANGELOG.md`",
        "(a release is tagged `<package>-v<version>`).",
        "",
        "```{toctree}",
        ":maxdepth: 1",
        "",
        *changelog_toc,
        "```",
        "",
    ]))
    wanted |= {GENERATED / "api.md", GENERATED / "changelog.md"}
    for stale in GENERATED.rglob("*"):  # a layer renamed or removed
        if stale.is_file() and stale not in wanted:
            stale.unlink()


_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?![\w.]|\s*[:=])")


def qualify_annotations(app, what, name, obj, options, signature, return_annotation):
    """Name the classes of string annotations by their full names, from the function's module.

    A compiled function keeps its annotations as strings (``server: WSGIServer``)
    that autodoc cannot evaluate, and a bare name may match classes of several
    modules (or be inherited into another module's class). Resolved in the
    module that wrote the annotation, it links to the right class.
    """
    function = getattr(obj, "__init__", obj) if inspect.isclass(obj) else obj
    module = sys.modules.get(getattr(function, "__module__", None) or "")
    if module is None or module.__name__.split(".")[0] not in app.env.gstack_layers:
        return None

    def qualify(text):
        def replace(match):
            target = getattr(module, match.group(1), None)
            owner = owner_of(target) if inspect.isclass(target) else None
            if owner is None or owner.split(".")[0] not in app.env.gstack_layers:
                return match.group(0)
            return f"{owner}.{target.__qualname__}"
        return _NAME.sub(replace, text) if text else text

    return qualify(signature), qualify(return_annotation)


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("builder-inited", generate)
    app.connect("autodoc-process-signature", qualify_annotations)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
