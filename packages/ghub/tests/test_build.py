"""The build: ghub's hot modules compiled by Cython, or the same .py interpreted.

``GSTACK_PURE_PYTHON=0`` in the environment says the tests must run on the
compiled modules (nox's tests-ghub), ``1`` on the pure-Python ones (nox's
``pure`` session); unset (the tests run from the source tree, say), either
is fine. Either way the ``.py`` source is installed beside the extension.
The checks themselves are ``tools/pytest_build.py``'s, shared by the layers.
"""


import pytest
from pytest_build import assert_built_as_asked, check_frames, compiled_modules

COMPILED = compiled_modules("ghub")   # [tool.gstack] compiled of its pyproject.toml


@pytest.mark.parametrize("name", COMPILED)
def test_each_hot_module_is_built_as_asked(name):
    assert_built_as_asked(name)


def test_a_traceback_through_compiled_frames_shows_their_sources(decoys):
    import ghub

    decoys("ghub.hub", "ghub.checks")
    with pytest.raises(TypeError, match="sleep length must be a number") as info:
        ghub.sleep("1")
    check_frames(info.tb, "ghub.hub", "checks.seconds(")
    check_frames(info.tb, "ghub.checks", "raise TypeError(")


def test_signatures_of_compiled_functions_and_classes_are_introspectable():
    import inspect

    import ghub

    assert list(inspect.signature(ghub.spawn).parameters) == ["function", "args", "kwargs"]
    assert list(inspect.signature(ghub.joinall).parameters) == [
        "greenlets", "timeout", "raise_error"]
    assert list(inspect.signature(ghub.Greenlet).parameters) == ["run", "args", "kwargs"]
    assert list(inspect.signature(ghub.Timeout).parameters) == ["seconds", "exception"]
    assert list(inspect.signature(ghub.Greenlet.get).parameters) == ["self", "block", "timeout"]
    # The annotations are there for type checkers (and help()), not enforced at run time.
    assert "float" in str(inspect.signature(ghub.sleep).parameters["seconds"].annotation)
    assert ghub.Greenlet[int] is not None   # generic for type checkers, subscriptable too
