"""Build gserve: Python first, its hot modules compiled by Cython when it can be.

The ``.py`` modules are the source of truth and are always in the wheel. Each
module in ``COMPILED`` has an augmenting ``.pxd`` beside it (Cython's
pure-Python mode: it declares that module's extension types, typed attributes
and C-level functions); compiled, the extension is what Python imports, and
it behaves as the ``.py`` does. docs/performance.md says why and what.

``GSTACK_PURE_PYTHON`` chooses:

- ``1``: a pure-Python wheel (the same code, interpreted; ``nox -s pure``
  tests it);
- ``0``: compiled, or the build fails (nox's wheelhouse sets this);
- unset: compiled if Cython and the ``.pxd`` files below are found, else a
  pure-Python wheel, and the build says why.

The compiled modules ``cimport`` the layers below (``gcore._gcore``). Their
``.pxd`` files are looked for in ``GSTACK_CYTHON_PATH`` (directories holding
the packages, separated by ``os.pathsep``), then beside this package in a
monorepo checkout (``../gcore/src``), then in an installed copy (a build
without isolation, e.g. ``pip install --no-build-isolation``). A compiled
layer is bound to the C layout of the layers it cimports: install it with
the versions it was built against.

Everything below the three settings (PACKAGE, COMPILED, NEEDS) is the same in
every compiled Python layer's setup.py (ghub, gsync, gnet, gserve): an sdist must build on
its own, so it cannot import a helper from elsewhere in the repository. Keep
the copies identical.
"""

import importlib.util
import os
import sys
from pathlib import Path

from setuptools import setup

PACKAGE = "gserve"
# _http and wsgi have a .pxd beside them; the others compile as they are (their classes stay
# Python).
COMPILED = ["gserve._http", "gserve._wsgi", "gserve.pywsgi", "gserve.http", "gserve.wsgi"]
NEEDS = []   # the packages whose .pxd files they cimport (none: the parser stands alone)
HERE = Path(__file__).resolve().parent


def _pxd_root(name):
    """The directory holding package ``name`` with its .pxd files, or None."""
    path = os.environ.get("GSTACK_CYTHON_PATH", "")
    candidates = [Path(p) for p in path.split(os.pathsep) if p]
    candidates.append(HERE.parent / name / "src")
    for candidate in candidates:
        if any((candidate / name).glob("*.pxd")):
            return str(candidate.resolve())   # (cythonize runs from src/)
    spec = importlib.util.find_spec(name)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if any(Path(folder).glob("*.pxd")):
            return str(Path(folder).parent)
    return None


def extensions():
    mode = os.environ.get("GSTACK_PURE_PYTHON", "")
    if mode not in ("", "0", "1"):
        sys.exit(f"{PACKAGE}: GSTACK_PURE_PYTHON must be 1, 0 or unset, not {mode!r}")
    if mode == "1":
        print(f"{PACKAGE}: GSTACK_PURE_PYTHON=1: a pure-Python build", file=sys.stderr)
        return []
    problem = None
    try:
        from Cython.Build import cythonize
    except ImportError:
        problem = "Cython cannot be imported"
    roots = {name: _pxd_root(name) for name in NEEDS}
    missing = [name for name, root in roots.items() if root is None]
    if problem is None and missing:
        problem = (f"the .pxd files of {', '.join(missing)} were not found (set "
                   f"GSTACK_CYTHON_PATH to the directory holding {missing[0]}/)")
    if problem is not None:
        if mode == "0":
            sys.exit(f"{PACKAGE}: GSTACK_PURE_PYTHON=0 but {problem}")
        print(f"{PACKAGE}: {problem}: a pure-Python build", file=sys.stderr)
        return []

    from setuptools import Extension

    # Cython records each source by its path relative to the directory it runs
    # in, and that is the file name of the module's frames in a traceback
    # (linecache resolves a relative name along sys.path). Run from src/, it
    # records "pkg/module.py": the .py installed beside the extension, under
    # the import root, rather than "src/pkg/module.py", which names no installed
    # file and can resolve to someone else's.
    modules = [
        Extension(name, [str(Path(*name.split(".")).with_suffix(".py"))]) for name in COMPILED
    ]
    top = os.getcwd()
    os.chdir(HERE / "src")
    try:
        built = cythonize(
            modules,
            include_path=[".", *roots.values()],
            build_dir=str(HERE / "build" / "cython"),   # the generated .c stay out of src/
            language_level=3,
            compiler_directives={
                "binding": True,   # functions and methods are introspectable (inspect.signature)
                # and help() shows each signature; "clinic" makes it the __text_signature__
                # of the compiled classes too, so that inspect.signature(Queue) works
                "embedsignature": True,
                "embedsignature.format": "clinic",
                # annotations are for readers and type checkers: the .pxd declares the C
                # types, and misuse gets the module's own checks and messages
                "annotation_typing": False,
            },
            quiet=True,
        )
    finally:
        os.chdir(top)
    for extension in built:   # setuptools compiles them from here, by relative paths
        extension.sources = [os.path.relpath(HERE / "src" / s, top) for s in extension.sources]
    return built


setup(ext_modules=extensions())
