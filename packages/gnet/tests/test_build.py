"""The build: gnet's hot modules compiled by Cython, or the same .py interpreted.

``GSTACK_PURE_PYTHON=0`` in the environment says the tests must run on the
compiled modules (nox's tests-gnet), ``1`` on the pure-Python ones (nox's
``pure`` session); unset (the tests run from the source tree, say), either
is fine. Either way the ``.py`` source is installed beside the extension.
"""

import importlib
import os

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
