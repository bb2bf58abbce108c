"""Checks of a compiled layer's build, shared by the layers' ``tests/test_build.py``.

Each compiled Python layer (ghub, gsync, gnet, gserve) compiles some of its
``.py`` modules with Cython. Its ``tests/conftest.py`` loads this module
(``from pytest_build import *``, with ``tools/`` on ``sys.path``, as
``pytest_leaks``), and its ``test_build.py`` calls:

- :func:`compiled_modules`: the layer's ``[tool.gstack] compiled`` list, read
  from its ``pyproject.toml`` (the one list, which the build compiles);
- :func:`assert_built_as_asked`: ``GSTACK_PURE_PYTHON=0`` in the environment
  says the tests must run on the compiled module (nox's tests-* sessions),
  ``1`` on the pure-Python one (nox's ``pure``); unset, either is fine.
  Either way the ``.py`` source (and the ``.pxd``, if it has one) is
  installed beside it.
- :func:`check_frames` with the :func:`decoys` fixture: a traceback through
  the module's frames names its installed source and shows that file's
  lines, even with files of the same names first on ``sys.path``.
- :func:`assert_signatures`: every public class and function of a module
  has a signature that ``inspect.signature`` (and so ``help()``) can read,
  compiled or not.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
import traceback
from pathlib import Path

import pytest

__all__ = [
    "assert_built_as_asked", "assert_signatures", "check_frames", "compiled_modules", "decoys",
    "public_modules",
]

PACKAGES = Path(__file__).resolve().parent.parent / "packages"


def compiled_modules(layer: str) -> list[str]:
    """The modules that ``layer``'s build compiles: ``[tool.gstack] compiled`` of its pyproject."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    with open(PACKAGES / layer / "pyproject.toml", "rb") as file:
        return list(tomllib.load(file)["tool"]["gstack"]["compiled"])


def assert_built_as_asked(name: str, with_pxd: bool | None = None) -> None:
    """Module ``name`` is compiled or interpreted as GSTACK_PURE_PYTHON asks, its sources beside.

    ``with_pxd``: whether its ``.pxd`` must be installed too; by default, if
    the repository has one beside its ``.py``.
    """
    if with_pxd is None:
        source = PACKAGES / name.partition(".")[0] / "src" / Path(*name.split("."))
        with_pxd = source.with_suffix(".pxd").is_file()
    module = importlib.import_module(name)
    compiled = not module.__file__.endswith(".py")
    mode = os.environ.get("GSTACK_PURE_PYTHON")
    if mode == "0":
        assert compiled, f"{module.__file__}: expected the compiled module"
    elif mode == "1":
        assert not compiled, f"{module.__file__}: expected the pure-Python module"
    folder = os.path.dirname(module.__file__)
    stem = name.rpartition(".")[2]
    assert os.path.isfile(os.path.join(folder, stem + ".py"))
    if with_pxd:
        assert os.path.isfile(os.path.join(folder, stem + ".pxd"))


def public_modules(package: str) -> list[str]:
    """``package`` and its modules whose names do not start with ``_``, imported."""
    import pkgutil

    root = importlib.import_module(package)
    names = [package] + [
        f"{package}.{info.name}" for info in pkgutil.iter_modules(root.__path__)
        if not info.name.startswith("_")
    ]
    for name in names:
        importlib.import_module(name)
    return names


def assert_signatures(name: str, skip: tuple[str, ...] = ()) -> dict[str, inspect.Signature]:
    """Every public callable of module ``name`` has a readable signature; return them by name.

    The public names are ``__all__``; exception classes are left out (the
    stdlib's have none either), and so are the names in ``skip`` and those
    re-exported from another package. A compiled
    class gets its signature from a ``Name(...)`` line and a ``--`` line atop
    its docstring (as CPython's built-in classes do), a compiled function from
    Cython's ``embedsignature`` in its "clinic" format.
    """
    module = importlib.import_module(name)
    found, missing = {}, []
    for attr in module.__all__:
        obj = getattr(module, attr)
        if attr in skip or not callable(obj):
            continue
        if isinstance(obj, type) and issubclass(obj, BaseException):
            continue
        if (getattr(obj, "__module__", None) or "").partition(".")[0] != name.partition(".")[0]:
            continue   # re-exported from elsewhere (greenlet.getcurrent, the stdlib's)
        try:
            found[attr] = inspect.signature(obj)
        except (TypeError, ValueError) as exc:
            missing.append(f"{name}.{attr}: {exc}")
    assert not missing, "no signature for:\n" + "\n".join(missing)
    return found


def check_frames(tb, module_name: str, statement: str) -> None:
    """The frames of ``module_name`` in ``tb`` name its installed source and show its lines.

    Compiled, a frame names the source by its path under the import root
    (``ghub/hub.py``); interpreted, by its absolute path. Either way the line
    shown is that file's line, never another file's, and the innermost one
    holds ``statement``.
    """
    module = importlib.import_module(module_name)
    compiled = not module.__file__.endswith(".py")
    source = Path(module.__file__).with_name(module_name.rpartition(".")[2] + ".py")
    lines = source.read_text(encoding="utf-8").splitlines()
    name = module_name.replace(".", "/") + ".py"
    frames = [frame for frame in traceback.extract_tb(tb) if frame.filename.endswith(name)]
    assert frames, f"no frame of {name} in {traceback.format_tb(tb)}"
    for frame in frames:
        if compiled:
            assert frame.filename == name
        else:
            assert os.path.samefile(frame.filename, source)
        assert frame.line, f"{frame.filename}, line {frame.lineno}: no source line shown"
        assert frame.line == lines[frame.lineno - 1].strip()
    assert statement in frames[-1].line
    text = "".join(traceback.format_tb(tb))
    assert f'File "{frames[-1].filename}", line {frames[-1].lineno}' in text
    assert f"\n    {frames[-1].line}\n" in text


@pytest.fixture
def decoys(tmp_path, monkeypatch):
    """Files of the compiled frames' names, old and new, first on sys.path, full of wrong lines."""
    def plant(*module_names):
        for module_name in module_names:
            name = module_name.replace(".", "/") + ".py"
            for relative in (name, "src/" + name):
                decoy = tmp_path / relative
                decoy.parent.mkdir(parents=True, exist_ok=True)
                decoy.write_text("# decoy: not the module's source\n" * 5000)
        monkeypatch.syspath_prepend(str(tmp_path))
    return plant
