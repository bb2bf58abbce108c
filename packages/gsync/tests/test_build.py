"""The build: gsync's hot modules compiled by Cython, or the same .py interpreted.

``GSTACK_PURE_PYTHON=0`` in the environment says the tests must run on the
compiled modules (nox's tests-gsync), ``1`` on the pure-Python ones (nox's
``pure`` session); unset (the tests run from the source tree, say), either
is fine. Either way the ``.py`` source is installed beside the extension.
The checks themselves are ``tools/pytest_build.py``'s, shared by the layers.
"""


import pytest
from pytest_build import assert_built_as_asked, check_frames, compiled_modules

COMPILED = compiled_modules("gsync")   # [tool.gstack] compiled of its pyproject.toml


@pytest.mark.parametrize("name", COMPILED)
def test_each_hot_module_is_built_as_asked(name):
    assert_built_as_asked(name)


def test_a_traceback_through_compiled_frames_shows_their_sources(decoys):
    import gsync.queue

    decoys("gsync.queue")
    with pytest.raises(gsync.queue.Empty) as info:
        gsync.queue.Queue().get(block=False)
    check_frames(info.tb, "gsync.queue", "raise")
