"""Tracebacks through the compiled extension name its installed sources and show their lines.

The build runs Cython from ``src/``, so a frame of ``_gcore`` names the
``.pyx`` or ``.pxi`` it was compiled from by its path under the import root
(``gcore/events.pxi``); the wheel ships those sources and
:mod:`gcore.sources` lets :mod:`linecache` find them.
"""

import importlib
import linecache
import sys
import traceback
from pathlib import Path

import pytest

import gcore
from gcore import _gcore, sources

FOLDER = Path(_gcore.__file__).parent


def test_the_wheel_ships_the_sources_the_frames_name():
    assert (FOLDER / "_gcore.pyx").is_file()
    assert {p.name for p in FOLDER.glob("*.pxi")} >= {"events.pxi", "loop.pxi", "http.pxi"}


def test_a_traceback_through_the_extension_shows_the_pxi_line(tmp_path, monkeypatch):
    # A decoy of the frame's name first on sys.path, and the build folder's old name.
    for relative in ("gcore/events.pxi", "src/gcore/events.pxi"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("# decoy\n" * 5000)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="negative integer") as info:
        gcore.read_event(-1, lambda *args: None)
    frames = [f for f in traceback.extract_tb(info.tb) if f.filename.endswith("events.pxi")]
    assert frames, traceback.format_tb(info.tb)
    lines = (FOLDER / "events.pxi").read_text().splitlines()
    for frame in frames:
        assert frame.filename == "gcore/events.pxi"
        assert frame.line == lines[frame.lineno - 1].strip()
    # read_event.__init__ calls _handle_fd(handle), which raises (a C function: its
    # frame is there when Cython adds one).
    assert "_handle_fd(handle)" in frames[0].line
    assert all(f.name != "gcore._gcore._handle_fd" or "raise" in f.line for f in frames)
    assert f"\n    {frames[-1].line}\n" in "".join(traceback.format_tb(info.tb))


def test_register_is_lazy_and_comes_back_after_clearcache():
    linecache.clearcache()
    assert "gcore/loop.pxi" not in linecache.cache
    registered = sources.register("gcore")
    assert {"gcore/_gcore.pyx", "gcore/loop.pxi", "gcore/_gcore.pxd"} <= set(registered)
    assert len(linecache.cache["gcore/loop.pxi"]) == 1   # lazy: nothing read yet
    assert sources.register("gcore") == []   # already there
    line = linecache.getline("gcore/_gcore.pyx", 1)
    assert line == (FOLDER / "_gcore.pyx").read_text().splitlines(True)[0]


def test_register_skips_a_package_without_extension_modules(tmp_path, monkeypatch):
    (tmp_path / "purepkg").mkdir()
    (tmp_path / "purepkg" / "__init__.py").write_text("")
    (tmp_path / "purepkg" / "mod.py").write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("purepkg")
    try:
        assert sources.register("purepkg") == []
        assert "purepkg/mod.py" not in linecache.cache
    finally:
        del sys.modules["purepkg"]
