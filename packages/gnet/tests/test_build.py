"""The build: gnet's hot modules compiled by Cython, or the same .py interpreted.

``GSTACK_PURE_PYTHON=0`` in the environment says the tests must run on the
compiled modules (nox's tests-gnet), ``1`` on the pure-Python ones (nox's
``pure`` session); unset (the tests run from the source tree, say), either
is fine. Either way the ``.py`` source is installed beside the extension.
The checks themselves are ``tools/pytest_build.py``'s, shared by the layers.
"""

import importlib
from pathlib import Path

import pytest
from pytest_build import assert_built_as_asked, check_frames, compiled_modules

COMPILED = compiled_modules("gnet")   # [tool.gstack] compiled of its pyproject.toml


@pytest.mark.parametrize("name", COMPILED)
def test_each_hot_module_is_built_as_asked(name):
    assert_built_as_asked(name)


def test_a_traceback_through_compiled_frames_shows_their_sources(decoys):
    import gnet.socket

    decoys("gnet.socket", "gnet._private")
    a, b = gnet.socket.socketpair()
    with a, b:
        a.settimeout(0.01)
        with pytest.raises(TimeoutError) as info:
            a.recv(10)
    check_frames(info.tb, "gnet.socket", "_wait_io(")    # recv -> _wait_again -> the wait
    check_frames(info.tb, "gnet._private", "raise")      # wait_io raising the timeout


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
