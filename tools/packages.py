#!/usr/bin/env python3
"""The packages of the monorepo, and the order their dependencies impose.

Every folder ``packages/<layer>/`` holding a ``pyproject.toml`` is one
distribution, and ``<layer>`` is its import name (``src/<layer>/``). The one
naming rule: the distribution is named ``gstack-`` + the import name
(``gstack-gcore``, ..., ``gstack-gmonkey``), except the meta-package
``gstack``, distributed as ``gstack-all``; ``distribution_name()`` and
``import_name()`` map one to the other, and a package that breaks the rule, or
that requires a layer by its bare import name (PyPI's ``gcore`` is another
project), is an error. Packages are known by their import (layer) names.

The ``[project]`` table gives the version and the requirements; those that
name another distribution of the repo are its *local* dependencies, the rest
(greenlet, ...) are left to pip. ``[build-system] requires`` may name lower
layers too (a compiled layer builds against their ``.pxd`` files and with
gcore's build helper): those are its *build* dependencies. ``[tool.gstack]
compiled`` lists the modules its wheel holds as extensions. ``order()``
returns the packages so that each comes after everything it depends on, and
raises ``PackageError`` naming the cycle if there is one.

nox (``noxfile.py``), CI (``.ci/run``) and the layering check
(``tools/check_layers.py``) all discover packages through this module, so
that adding a layer is adding a folder.

``source_files()`` and ``source_hash()`` say what a package's wheel is built
from: every file of its folder but ``tests/`` and build artefacts. nox keys
its wheelhouse on that hash, so a wheel is rebuilt only when its sources (or
the sources of a package under it) change.

Command line (no third-party imports, Python 3.10+)::

    python tools/packages.py order           # names, dependencies first
    python tools/packages.py show            # name, distribution, version, local deps, folder
    python tools/packages.py deps ghub       # ghub and what it needs, in order
    python tools/packages.py hash gcore      # the key of gcore's wheel
    python tools/packages.py changed --base origin/main [--sessions]
                                             # the layers a change touches, and those above

``changed`` says what CI must run for the changes since ``--base`` (see
``affected()``): the layers changed plus every layer above them, or
everything when shared tooling changed.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: use tomli if it is there
    try:
        import tomli as tomllib
    except ImportError:
        tomllib = None

__all__ = [
    "ALL",
    "META",
    "Package",
    "PackageError",
    "PREFIX",
    "ROOT",
    "affected",
    "changed_files",
    "closure",
    "dependents",
    "discover",
    "distribution_name",
    "import_name",
    "lookup",
    "normalize",
    "optional_dependencies",
    "order",
    "source_files",
    "source_hash",
]

ROOT = Path(__file__).resolve().parent.parent

# The naming rule (README.md, "Installing"): gstack- + the import name; the
# meta-package gstack is gstack-all. (The runtime check of the same rule is
# gcore's _gstack_layers.py, shipped in gstack-gcore.)
PREFIX = "gstack-"
META = "gstack"
META_DISTRIBUTION = "gstack-all"

# The distribution name at the start of a PEP 508 requirement.
_REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


# What a build leaves in a package's folder: never part of its sources.
_ARTEFACT_DIRS = {
    "build", "dist", "__pycache__", ".eggs", ".git", ".nox", ".tox", ".venv",
    ".pytest_cache", ".mypy_cache", ".ruff_cache",
}  # fmt: skip
_ARTEFACT_SUFFIXES = {".so", ".pyd", ".dll", ".dylib", ".o", ".obj", ".a", ".lib", ".pyc", ".pyo"}
# Cython writes foo.c (or .cpp) and the annotated foo.html beside foo.pyx or foo.py.
_GENERATED_SUFFIXES = {".c", ".cpp", ".html"}
_CYTHON_SOURCES = (".pyx", ".py")


class PackageError(Exception):
    """A package folder that cannot be read, a duplicate name, or a dependency cycle."""


@dataclass(frozen=True)
class Package:
    """One distribution of the repo, as its ``pyproject.toml`` declares it."""

    name: str  # the import (layer) name: packages/<name>/src/<name>/
    distribution: str  # the distribution name, normalized (PEP 503): gstack-<name>
    version: str
    path: Path  # the package's folder, packages/<name>
    requires: tuple[str, ...]  # every requirement string of [project] dependencies
    local_deps: tuple[str, ...]  # import names of the repo's packages among them
    extras: tuple[str, ...]  # keys of [project.optional-dependencies]
    extra_requires: tuple[str, ...] = ()  # every requirement string of those extras
    build_requires: tuple[str, ...] = ()  # every requirement of [build-system] requires
    build_deps: tuple[str, ...] = ()  # import names of the repo's packages among them
    compiled: tuple[str, ...] = ()  # [tool.gstack] compiled: modules built as extensions

    @property
    def tests(self) -> Path:
        return self.path / "tests"

    @property
    def compiles_python(self) -> bool:
        """True if some compiled module is a ``.py`` (Cython's pure-Python mode).

        Such a layer also has a pure-Python build (``GSTACK_PURE_PYTHON=1``);
        gcore's extension is compiled from a ``.pyx`` and has none.
        """
        return any(self.module_source(module).suffix == ".py" for module in self.compiled)

    def module_source(self, module: str) -> Path:
        """The source of ``module`` (``ghub.hub``): its ``.py`` if there is one, else ``.pyx``."""
        base = self.path / "src" / Path(*module.split("."))
        source = base.with_suffix(".py")
        return source if source.is_file() else base.with_suffix(".pyx")


def normalize(name: str) -> str:
    """The PEP 503 normal form of a distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def optional_dependencies(package: Package) -> dict[str, list[str]]:
    """``package``'s ``[project.optional-dependencies]``: extra name -> requirement strings."""
    project = _read(package.path / "pyproject.toml").get("project", {})
    return {extra: list(reqs) for extra, reqs in project.get("optional-dependencies", {}).items()}


def distribution_name(name: str) -> str:
    """The distribution of the layer imported as ``name``: ``gstack-<name>``, or ``gstack-all``."""
    return META_DISTRIBUTION if name == META else PREFIX + name


def import_name(distribution: str) -> str | None:
    """The import name of one of the project's distributions (``gstack-ghub`` -> ``ghub``).

    None for a name outside the rule (``greenlet``, or PyPI's ``gcore``).
    """
    distribution = normalize(distribution)
    if distribution == META_DISTRIBUTION:
        return META
    if distribution.startswith(PREFIX) and distribution != PREFIX + META:
        name = distribution[len(PREFIX) :]
        return name if re.fullmatch(r"[a-z][a-z0-9_]*", name) else None
    return None


def requirement_name(requirement: str) -> str:
    """The normalized distribution name that a PEP 508 requirement names."""
    match = _REQUIREMENT_NAME.match(requirement)
    if not match:
        raise PackageError(f"cannot read the requirement {requirement!r}")
    return normalize(match.group(1))


def _read(pyproject: Path) -> dict:
    if tomllib is None:
        raise PackageError("reading pyproject.toml needs Python 3.11+ or the tomli package")
    try:
        with pyproject.open("rb") as file:
            return tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PackageError(f"{pyproject}: {exc}") from exc


def _local(pyproject: Path, requires: tuple[str, ...], names: set[str], own: str) -> list[str]:
    """The import names of the repo's packages that ``requires`` names (by distribution)."""
    local = set()
    for requirement in requires:
        dist = requirement_name(requirement)
        if dist in names:  # a bare import name: PyPI's gcore, ghub... are other projects
            raise PackageError(
                f"{pyproject}: requires {requirement!r}: {dist!r} is not this project's"
                f" distribution (on the package index it is another project's); the layer"
                f" {dist} is distributed as {distribution_name(dist)}"
            )
        name = import_name(dist)
        if name in names and name != own:
            local.add(name)
    return sorted(local)


def discover(root: Path | str = ROOT) -> dict[str, Package]:
    """Every package under ``root/packages``, by import name (unordered)."""
    root = Path(root).resolve()
    raw = {}
    for pyproject in sorted((root / "packages").glob("*/pyproject.toml")):
        config = _read(pyproject)
        project = config.get("project", {})
        if "name" not in project:
            raise PackageError(f"{pyproject}: no [project] name")
        name = pyproject.parent.name  # the folder is the import name
        dist = normalize(project["name"])
        if dist != distribution_name(name):
            raise PackageError(
                f"{pyproject}: the distribution of the layer {name} must be named"
                f" {distribution_name(name)!r}, not {project['name']!r} (the rule: gstack- +"
                f" the import name; the meta-package {META} is {META_DISTRIBUTION})"
            )
        if not (pyproject.parent / "src" / name).is_dir():
            raise PackageError(
                f"{pyproject.parent}: no src/{name}/ (the folder is the import name)")
        raw[name] = (pyproject, config)
    packages = {}
    for name, (pyproject, config) in raw.items():
        project = config["project"]
        requires = tuple(project.get("dependencies", ()))
        build_requires = tuple(config.get("build-system", {}).get("requires", ()))
        compiled = config.get("tool", {}).get("gstack", {}).get("compiled", ())
        packages[name] = Package(
            name=name,
            distribution=distribution_name(name),
            version=str(project.get("version", "")),  # empty if declared dynamic
            path=pyproject.parent,
            requires=requires,
            local_deps=tuple(_local(pyproject, requires, raw.keys(), name)),
            extras=tuple(project.get("optional-dependencies", {})),
            extra_requires=tuple(
                r for rs in project.get("optional-dependencies", {}).values() for r in rs),
            build_requires=build_requires,
            build_deps=tuple(_local(pyproject, build_requires, raw.keys(), name)),
            compiled=tuple(compiled),
        )
    for package in packages.values():  # a layer builds against layers it also runs with
        extra = set(package.build_deps) - {p.name for p in closure(package.name, packages)}
        if extra:
            raise PackageError(
                f"{package.path}/pyproject.toml: [build-system] requires"
                f" {', '.join(sorted(distribution_name(n) for n in extra))}, which"
                " [project] dependencies do not bring (a compiled layer runs with what it"
                " was built against)"
            )
    return packages


def lookup(name: str, packages: dict[str, Package]) -> Package:
    """The package imported as ``name``, or distributed as ``name`` (``ghub``, ``gstack-ghub``)."""
    found = packages.get(name) or packages.get(import_name(name) or "")
    if found is None:
        raise PackageError(f"no package named {name} (have: {', '.join(sorted(packages))})")
    return found


def order(packages: dict[str, Package] | None = None) -> list[Package]:
    """The packages, each after the packages it depends on; ties by name."""
    if packages is None:
        packages = discover()
    done: dict[str, None] = {}  # an ordered set
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycle = visiting[visiting.index(name) :] + [name]
            raise PackageError("dependency cycle between packages: " + " -> ".join(cycle))
        visiting.append(name)
        for dep in sorted({*packages[name].local_deps, *packages[name].build_deps}):
            visit(dep)
        visiting.pop()
        done[name] = None

    for name in sorted(packages):
        visit(name)
    return [packages[name] for name in done]


def closure(name: str, packages: dict[str, Package] | None = None) -> list[Package]:
    """``name`` and every package it needs, directly or not, dependencies first."""
    if packages is None:
        packages = discover()
    name = lookup(name, packages).name
    needed = {name}
    stack = [name]
    while stack:
        for dep in packages[stack.pop()].local_deps:
            if dep not in needed:
                needed.add(dep)
                stack.append(dep)
    return [p for p in order(packages) if p.name in needed]


def dependents(names, packages: dict[str, Package] | None = None) -> list[Package]:
    """The packages ``names`` and every package above them (that needs one), in order."""
    if packages is None:
        packages = discover()
    wanted = {lookup(name, packages).name for name in names}
    return [p for p in order(packages) if wanted & {q.name for q in closure(p.name, packages)}]


def _is_artefact(path: Path) -> bool:
    if path.suffix in _ARTEFACT_SUFFIXES:
        return True
    if path.suffix in _GENERATED_SUFFIXES:
        return any(path.with_suffix(suffix).is_file() for suffix in _CYTHON_SOURCES)
    return False


def source_files(package: Package) -> list[Path]:
    """The files a wheel of ``package`` is built from, relative to its folder, sorted.

    That is every file of the folder except its top-level ``tests/`` and what a
    build leaves behind (build/, dist/, *.egg-info/, caches, compiled objects,
    Cython's generated .c/.cpp/.html beside a .pyx or .py).
    """
    files = []
    for path in package.path.rglob("*"):
        relative = path.relative_to(package.path)
        if relative.parts[0] == "tests" or not path.is_file():
            continue
        if any(p in _ARTEFACT_DIRS or p.endswith(".egg-info") for p in relative.parts[:-1]):
            continue
        if not _is_artefact(path):
            files.append(relative)
    return sorted(files)


def source_hash(name: str, packages: dict[str, Package] | None = None) -> str:
    """A digest of ``name``'s sources and of the sources of every package under it.

    The packages under it count because a compiled layer ``cimport``s the
    ``.pxd`` files of lower ones (gsync those of ghub and gcore, ghub gcore's),
    so its wheel depends on theirs.
    """
    if packages is None:
        packages = discover()
    digest = hashlib.sha256()
    for package in closure(name, packages):
        digest.update(f"package {package.name}\0".encode())
        for relative in source_files(package):
            digest.update(f"{relative.as_posix()}\0".encode())
            digest.update(hashlib.sha256((package.path / relative).read_bytes()).digest())
    return digest.hexdigest()[:16]


# What CI runs for the changes since a base revision. A change in
# packages/<layer>/ tests that layer and every layer above it; the files below
# ask for the sessions named; anything else (noxfile.py, tools/, .ci/,
# ruff.toml, an unknown top-level file) is shared tooling: everything runs.
ALL = "ALL"
_ONLY = [  # (path prefix, sessions), first match wins
    ("integration-tests/", ("integration", "lint")),
    ("examples/", ("integration", "lint")),
    ("benchmarks/", ("lint",)),
    ("fuzz/", ("lint",)),
    ("docs/", ("lint",)),
    ("README.md", ("lint",)),
]


def affected(files, packages: dict[str, Package] | None = None):
    """The layers and the nox sessions that the changed ``files`` (repo-relative) call for.

    Returns ``(layers, sessions)``: the changed layers plus every layer above
    them, in order, and the session names: ``tests-<layer>`` for each, ``pure``
    when one of them compiles Python, ``integration`` when a layer or the
    examples changed, ``lint`` always. ``sessions`` is ``ALL`` when shared
    tooling changed: then every layer is listed and everything must run.
    """
    if packages is None:
        packages = discover()
    folders = {p.path.name: p.name for p in packages.values()}
    changed, sessions = set(), {"lint"}
    for file in files:
        parts = Path(file).parts
        if len(parts) > 2 and parts[0] == "packages" and parts[1] in folders:
            changed.add(folders[parts[1]])
            continue
        only = next((s for prefix, s in _ONLY if file == prefix or file.startswith(prefix)), None)
        if only is None:
            return order(packages), ALL
        sessions.update(only)
    layers = dependents(changed, packages) if changed else []
    if layers:
        sessions.add("integration")
        if any(p.compiles_python for p in layers):
            sessions.add("pure")
    return layers, [f"tests-{p.name}" for p in layers] + sorted(sessions)


def changed_files(base: str, root: Path | str = ROOT) -> list[str]:
    """The files changed since ``base``'s merge base with HEAD, the work tree and new files too."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(root), *args], check=True,
                                  capture_output=True, text=True).stdout
        except subprocess.CalledProcessError as exc:
            raise PackageError(f"git {' '.join(args)}: {exc.stderr.strip()}") from exc

    fork = git("merge-base", base, "HEAD").strip()
    files = git("diff", "--name-only", "--no-renames", fork).splitlines()
    files += git("ls-files", "--others", "--exclude-standard").splitlines()
    return sorted(set(files))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=ROOT, type=Path, help="repo root (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("order", help="package names, dependencies first")
    commands.add_parser("show", help="name, version, local dependencies and folder")
    deps = commands.add_parser("deps", help="a package and the packages under it, in order")
    deps.add_argument("package")
    key = commands.add_parser("hash", help="the digest that keys a package's wheel")
    key.add_argument("package")
    changed = commands.add_parser(
        "changed", help="the layers changed since --base, and every layer above them")
    changed.add_argument("--base", required=True, help="a git revision (e.g. origin/main)")
    changed.add_argument("--sessions", action="store_true",
                         help="print the nox sessions to run instead (ALL: plain nox)")
    args = parser.parse_args(argv)
    try:
        packages = discover(args.root)
        if args.command == "order":
            for package in order(packages):
                print(package.name)
        elif args.command == "deps":
            for package in closure(args.package, packages):
                print(package.name)
        elif args.command == "hash":
            print(source_hash(args.package, packages))
        elif args.command == "changed":
            layers, sessions = affected(changed_files(args.base, args.root), packages)
            if not args.sessions:
                for package in layers:
                    print(package.name)
            else:
                print(sessions if sessions == ALL else "\n".join(sessions))
        else:
            for p in order(packages):
                folder = p.path.relative_to(Path(args.root).resolve())
                print(f"{p.name} {p.distribution} {p.version or '?'}"
                      f" [{', '.join(p.local_deps)}] {folder}")
    except PackageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
