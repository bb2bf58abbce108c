#!/usr/bin/env python3
"""The packages of the monorepo, and the order their dependencies impose.

Every folder ``packages/<folder>/`` holding a ``pyproject.toml`` is one
distribution. Its ``[project]`` table gives the name, the version and the
requirements; the requirements that name another distribution of the repo are
its *local* dependencies, the rest (greenlet, ...) are left to pip. ``order()``
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
    python tools/packages.py show            # name, version, local deps, folder
    python tools/packages.py deps ghub       # ghub and what it needs, in order
    python tools/packages.py hash gcore      # the key of gcore's wheel
"""

from __future__ import annotations

import argparse
import hashlib
import re
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
    "Package",
    "PackageError",
    "ROOT",
    "closure",
    "discover",
    "normalize",
    "optional_dependencies",
    "order",
    "source_files",
    "source_hash",
]

ROOT = Path(__file__).resolve().parent.parent

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

    name: str  # normalized (PEP 503)
    version: str
    path: Path  # the package's folder, packages/<folder>
    requires: tuple[str, ...]  # every requirement string of [project] dependencies
    local_deps: tuple[str, ...]  # normalized names of the repo's packages among them
    extras: tuple[str, ...]  # keys of [project.optional-dependencies]

    @property
    def tests(self) -> Path:
        return self.path / "tests"


def normalize(name: str) -> str:
    """The PEP 503 normal form of a distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def optional_dependencies(package: Package) -> dict[str, list[str]]:
    """``package``'s ``[project.optional-dependencies]``: extra name -> requirement strings."""
    project = _read(package.path / "pyproject.toml").get("project", {})
    return {extra: list(reqs) for extra, reqs in project.get("optional-dependencies", {}).items()}


def requirement_name(requirement: str) -> str:
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


def discover(root: Path | str = ROOT) -> dict[str, Package]:
    """Every package under ``root/packages``, by normalized name (unordered)."""
    root = Path(root).resolve()
    raw = {}
    for pyproject in sorted((root / "packages").glob("*/pyproject.toml")):
        project = _read(pyproject).get("project", {})
        if "name" not in project:
            raise PackageError(f"{pyproject}: no [project] name")
        name = normalize(project["name"])
        if name in raw:
            raise PackageError(
                f"two packages are named {name}: {raw[name][0].parent} and {pyproject.parent}"
            )
        raw[name] = (pyproject, project)
    packages = {}
    for name, (pyproject, project) in raw.items():
        requires = tuple(project.get("dependencies", ()))
        local = sorted(({requirement_name(r) for r in requires} & raw.keys()) - {name})
        packages[name] = Package(
            name=name,
            version=str(project.get("version", "")),  # empty if declared dynamic
            path=pyproject.parent,
            requires=requires,
            local_deps=tuple(local),
            extras=tuple(project.get("optional-dependencies", {})),
        )
    return packages


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
        for dep in packages[name].local_deps:
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
    name = normalize(name)
    if name not in packages:
        raise PackageError(f"no package named {name} (have: {', '.join(sorted(packages))})")
    needed = {name}
    stack = [name]
    while stack:
        for dep in packages[stack.pop()].local_deps:
            if dep not in needed:
                needed.add(dep)
                stack.append(dep)
    return [p for p in order(packages) if p.name in needed]


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
        else:
            for p in order(packages):
                folder = p.path.relative_to(Path(args.root).resolve())
                print(f"{p.name} {p.version or '?'} [{', '.join(p.local_deps)}] {folder}")
    except PackageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
