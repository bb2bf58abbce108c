"""The build: gserve's hot modules compiled by Cython, or the same .py interpreted.

``GSTACK_PURE_PYTHON=0`` in the environment says the tests must run on the
compiled modules (nox's tests-gserve), ``1`` on the pure-Python ones (nox's
``pure`` session); unset (the tests run from the source tree, say), either
is fine. Either way the ``.py`` source is installed beside the extension.
"""

import importlib
import os
import traceback
from pathlib import Path

import pytest

COMPILED = ["gserve._http", "gserve._wsgi", "gserve.pywsgi"]
WITH_PXD = ["gserve._http"]   # the others compile as they are (their classes stay Python classes)


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
    if name in WITH_PXD:
        assert os.path.isfile(os.path.join(folder, name.rpartition(".")[2] + ".pxd"))


def test_handler_classes_stay_subclassable():
    # Frameworks subclass WSGIHandler and set attributes of their own on it.
    from gserve.pywsgi import WSGIHandler

    class Handler(WSGIHandler):
        extra = "framework"

    assert Handler.extra == "framework" and issubclass(Handler, WSGIHandler)
    assert hasattr(WSGIHandler, "__dict__")


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
    from gserve import _http

    decoys("gserve._http")
    with pytest.raises(_http.ProtocolError, match="bare LF") as info:
        parser = _http.RequestParser()
        parser.feed(b"GET / HTTP/1.1\nHost: x\n\n")
        parser.next_request()
    check_frames(info.tb, "gserve._http", "raise self._fail(")
