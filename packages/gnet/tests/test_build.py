"""The build: gnet's hot modules compiled by Cython, or the same .py interpreted.

``GSTACK_PURE_PYTHON=0`` in the environment says the tests must run on the
compiled modules (nox's tests-gnet), ``1`` on the pure-Python ones (nox's
``pure`` session); unset (the tests run from the source tree, say), either
is fine. Either way the ``.py`` source is installed beside the extension.
"""

import importlib
import os
import traceback
from pathlib import Path

import pytest

COMPILED = ["gnet._private", "gnet.socket", "gnet.asyncio"]


@pytest.mark.parametrize("name", COMPILED)
def test_each_hot_module_is_built_as_asked(name):
    module = importlib.import_module(name)
    compiled = not module.__file__.endswith(".py")
    mode = os.environ.get("GSTACK_PURE_PYTHON")
    if mode == "0":
        assert compiled, f"{module.__file__}: expected the compiled module"
    elif mode == "1":
        assert not compiled, f"{module.__file__}: expected the pure-Python module"
    folder = os.path.dirname(module.__file__)
    assert os.path.isfile(os.path.join(folder, name.rpartition(".")[2] + ".py"))
    assert os.path.isfile(os.path.join(folder, name.rpartition(".")[2] + ".pxd"))


def check_frames(tb, module_name, statement):
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


def test_a_traceback_through_compiled_frames_shows_their_sources(decoys):
    import gnet.socket

    decoys("gnet.socket")
    a, b = gnet.socket.socketpair()
    with a, b:
        a.settimeout(0.01)
        with pytest.raises(TimeoutError) as info:
            a.recv(10)
    check_frames(info.tb, "gnet.socket", "raise")


@pytest.mark.parametrize("name", ["socket", "select", "selectors", "ssl"])
def test_each_stdlib_shaped_module_ships_a_stub_whose_names_exist(name):
    # Their namespaces are built from the stdlib's at import: a type checker reads
    # the .pyi instead, so what the stub declares must be there at run time.
    import ast

    module = importlib.import_module(f"gnet.{name}")
    stub = Path(module.__file__).with_name(f"{name}.pyi")
    assert stub.is_file(), f"{stub} is missing (is *.pyi in the package data?)"
    declared = set()
    for node in ast.parse(stub.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            declared.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            declared.add(node.target.id)
        elif isinstance(node, ast.Assign):
            declared.update(t.id for t in node.targets if isinstance(t, ast.Name))
    assert declared
    missing = sorted(n for n in declared if not hasattr(module, n))
    assert not missing, f"{stub.name} declares what gnet.{name} lacks: {missing}"
    # What gnet implements in the stdlib's place is declared, but for the resolver
    # functions (__dns__), which keep the stdlib's signatures and types exactly.
    for implemented in module.__implements__:
        if not implemented.startswith("_") and implemented not in getattr(module, "__dns__", ()):
            assert implemented in declared, f"{stub.name} does not declare {implemented}"
