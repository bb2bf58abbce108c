"""The build: gserve's hot modules compiled by Cython, or the same .py interpreted.

``GSTACK_PURE_PYTHON=0`` in the environment says the tests must run on the
compiled modules (nox's tests-gserve), ``1`` on the pure-Python ones (nox's
``pure`` session); unset (the tests run from the source tree, say), either
is fine. Either way the ``.py`` source is installed beside the extension.
The checks themselves are ``tools/pytest_build.py``'s, shared by the layers.
"""


import pytest
from pytest_build import assert_built_as_asked, check_frames, compiled_modules

COMPILED = compiled_modules("gserve")   # [tool.gstack] compiled of its pyproject.toml


@pytest.mark.parametrize("name", COMPILED)
def test_each_hot_module_is_built_as_asked(name):
    assert_built_as_asked(name)   # with its .pxd where it has one (_http; the others
    # compile as they are: their classes stay Python classes)


def test_handler_classes_stay_subclassable():
    # Frameworks subclass WSGIHandler and set attributes of their own on it.
    from gserve.pywsgi import WSGIHandler

    class Handler(WSGIHandler):
        extra = "framework"

    assert Handler.extra == "framework" and issubclass(Handler, WSGIHandler)
    assert hasattr(WSGIHandler, "__dict__")


def test_a_traceback_through_compiled_frames_shows_their_sources(decoys):
    from gserve import _http

    decoys("gserve._http")
    with pytest.raises(_http.ProtocolError, match="bare LF") as info:
        parser = _http.RequestParser()
        parser.feed(b"GET / HTTP/1.1\nHost: x\n\n")
        parser.next_request()
    check_frames(info.tb, "gserve._http", "raise self._fail(")
