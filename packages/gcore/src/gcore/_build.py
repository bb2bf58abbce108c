"""gstack's one build helper: how a compiled Python layer (ghub, gsync, gnet, gserve) builds.

Shipped in gstack-gcore, which every compiled layer names in its
``[build-system] requires`` (with the range it is binary-compatible with):
under pip's build isolation the build environment then holds gcore, so this
module and the ``.pxd`` files of the layers under the one being built are
there, whatever folder the sdist was unpacked in. A layer's ``setup.py`` is::

    from gcore._build import setup_layer
    setup_layer(__file__)

and what it builds is written in its ``pyproject.toml``:

- ``[tool.gstack] compiled``: the modules Cython compiles in pure-Python mode,
  each a ``.py`` (the source of truth, always installed) with, if it declares
  C types, an augmenting ``.pxd`` beside it. Compiled, the extension is what
  Python imports, and it behaves as the ``.py`` does (docs/performance.md).
- ``[build-system] requires``: the lower layers (``gstack-<layer>``) whose
  ``.pxd`` files the compiled modules may ``cimport``. They are found where
  they are installed (the build environment), never beside the sources: what
  the build compiles against is what pip resolved, in the declared range.

``GSTACK_PURE_PYTHON`` chooses:

- ``1``: a pure-Python wheel (the same code, interpreted; ``nox -s pure``
  tests it);
- ``0`` or unset: compiled, or the build stops with the reason (Cython
  missing, a lower layer's ``.pxd`` files not found, a ``.py`` missing). A
  layer that should be compiled is never silently built pure.

Nothing here is public API; its contract is the one above, kept within a
gstack-gcore minor version (the build requirement's range).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

__all__ = ["setup_layer"]

PURE = "GSTACK_PURE_PYTHON"

# Cython's directives for every compiled Python layer.
DIRECTIVES = {
    "binding": True,  # functions and methods are introspectable (inspect.signature)
    # and help() shows each signature; "clinic" makes it the __text_signature__ of
    # the compiled classes too, so that inspect.signature(Queue) works
    "embedsignature": True,
    "embedsignature.format": "clinic",
    # annotations are for readers and type checkers: the .pxd declares the C
    # types, and misuse gets the module's own checks and messages
    "annotation_typing": False,
}


class BuildError(SystemExit):
    """The build cannot do what was asked: stops it with one clear line."""

    def __init__(self, package: str, message: str) -> None:
        super().__init__(f"{package}: {message}")


def _read_pyproject(here: Path) -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10: tomli is a build requirement there
        import tomli as tomllib
    with open(here / "pyproject.toml", "rb") as file:
        return tomllib.load(file)


def _layer_name(requirement: str) -> str | None:
    """``ghub`` for a requirement on ``gstack-ghub`` (any range or marker), else None."""
    import re

    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""
    if name.startswith("gstack-") and name != "gstack-all":
        return name[len("gstack-") :]
    return None


def _pxd_root(name: str) -> str | None:
    """The directory holding the installed package ``name`` with its .pxd files, or None."""
    spec = importlib.util.find_spec(name)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if any(Path(folder).glob("*.pxd")):
            return str(Path(folder).parent)
    return None


def mode(package: str) -> str:
    """``pure`` or ``compiled``, as GSTACK_PURE_PYTHON asks."""
    value = os.environ.get(PURE, "")
    if value not in ("", "0", "1"):
        raise BuildError(package, f"{PURE} must be 1 (pure-Python build), 0 or unset (compiled),"
                                  f" not {value!r}")
    return "pure" if value == "1" else "compiled"


def extensions(here: Path, config: dict) -> list:
    """The cythonized extensions of the layer at ``here``; [] for the pure-Python build."""
    package = config["project"]["name"]
    compiled = config.get("tool", {}).get("gstack", {}).get("compiled", [])
    if mode(package) == "pure":
        print(f"{package}: {PURE}=1: a pure-Python build", file=sys.stderr)
        return []
    if not compiled:
        return []
    try:
        from Cython.Build import cythonize
    except ImportError as exc:
        raise BuildError(package, f"Cython cannot be imported ({exc}); it is a build requirement"
                                  f" (set {PURE}=1 for a pure-Python build)") from None
    needs = [n for n in map(_layer_name, config["build-system"]["requires"]) if n]
    roots = {name: _pxd_root(name) for name in needs}
    missing = [name for name, root in roots.items() if root is None]
    if missing:
        raise BuildError(package, "the .pxd files of {0} were not found: install gstack-{0} in"
                         " the build environment (pip does, under build isolation; it is in"
                         " [build-system] requires), or set {1}=1 for a pure-Python build"
                         .format(", ".join(missing), PURE))
    sources = {name: Path(*name.split(".")).with_suffix(".py") for name in compiled}
    absent = [str(path) for path in sources.values() if not (here / "src" / path).is_file()]
    if absent:
        raise BuildError(package, f"[tool.gstack] compiled names modules without a source:"
                                  f" src/{', src/'.join(absent)}")

    from setuptools import Extension

    # Cython records each source by its path relative to the directory it runs
    # in, and that is the file name of the module's frames in a traceback
    # (linecache resolves a relative name along sys.path). Run from src/, it
    # records "pkg/module.py": the .py installed beside the extension, under
    # the import root, rather than "src/pkg/module.py", which names no installed
    # file and can resolve to someone else's. (tools/pytest_build.py checks it.)
    modules = [Extension(name, [str(path)]) for name, path in sources.items()]
    top = os.getcwd()
    os.chdir(here / "src")
    try:
        built = cythonize(
            modules,
            include_path=[".", *dict.fromkeys(roots.values())],
            build_dir=str(here / "build" / "cython"),  # the generated .c stay out of src/
            language_level=3,
            compiler_directives=DIRECTIVES,
            quiet=True,
        )
    finally:
        os.chdir(top)
    for extension in built:  # setuptools compiles them from here, by relative paths
        extension.sources = [os.path.relpath(here / "src" / s, top) for s in extension.sources]
    return built


def setup_layer(setup_file: str) -> None:
    """``setuptools.setup()`` for the compiled Python layer whose ``setup.py`` is ``setup_file``."""
    from setuptools import setup

    here = Path(setup_file).resolve().parent
    config = _read_pyproject(here)
    # An sdist or egg_info needs no compiler: cythonize only for what builds code.
    needs_extensions = not {"sdist", "egg_info", "dist_info"} & set(sys.argv[1:])
    setup(ext_modules=extensions(here, config) if needs_extensions else [])
