"""``python -m gmonkey``."""

import sys

from conftest import run_python


def test_script_runs_patched_with_argv_and_path(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(
        "import sys, socket, gmonkey\n"
        f"print(__name__, sys.argv[1:], sys.path[0] == {str(tmp_path)!r})\n"
        "print(gmonkey.is_object_patched('socket', 'socket'), socket.socket.__module__)\n"
        "sys.exit(5)\n")
    proc = run_python(None, str(script), "a", "--b", module="gmonkey", expect_rc=5)
    assert proc.stdout.splitlines() == ["__main__ ['a', '--b'] True", "True gnet.socket"]


def test_module_mode_and_flags(tmp_path):
    (tmp_path / "modprog.py").write_text(
        "import sys, gmonkey\n"
        "print(__name__, sys.argv[0].endswith('modprog.py'), sys.argv[1:])\n"
        "print(gmonkey.is_module_patched('socket'), gmonkey.is_object_patched('time', 'sleep'))\n")
    proc = run_python(None, "--no-socket", "--no-dns", "-m", "modprog", "x", "-y",
                      module="gmonkey", cwd=tmp_path)
    assert proc.stdout.splitlines() == ["__main__ True ['x', '-y']", "False True"]


def test_bad_command_lines(tmp_path):
    proc = run_python(None, "--no-sockets", "x.py", module="gmonkey", expect_rc=2)
    assert "unknown option '--no-sockets'" in proc.stderr and "usage:" in proc.stderr
    proc = run_python(None, module="gmonkey", expect_rc=2)
    assert "no script or module to run" in proc.stderr
    proc = run_python(None, str(tmp_path / "missing.py"), module="gmonkey", expect_rc=2)
    assert "can't open file" in proc.stderr
    proc = run_python(None, "--help", module="gmonkey")
    assert proc.stdout.startswith("usage: python -m gmonkey")
    assert sys.executable


def test_as_gevent_is_found_through_an_entry_point(tmp_path):
    # A distribution above gmonkey declares the mode; gmonkey only looks it up.
    dist = tmp_path / "fakemode-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fakemode\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[gmonkey.modes]\nas-gevent = fakemode:install\n")
    (tmp_path / "fakemode.py").write_text(
        "import sys\ndef install():\n    sys.modules['gevent'] = sys.modules[__name__]\n")
    script = tmp_path / "prog.py"
    script.write_text("import gevent, gmonkey\n"
                      "print(gevent.__name__, gmonkey.is_module_patched('socket'))\n")
    proc = run_python(None, "--as-gevent", str(script), module="gmonkey",
                      env={"PYTHONPATH": str(tmp_path)})
    assert proc.stdout.strip() == "fakemode True"


def test_as_gevent_without_the_mode_installed_says_what_is_missing(tmp_path):
    from importlib.metadata import entry_points

    if any(ep.name == "as-gevent" for ep in entry_points(group="gmonkey.modes")):
        import pytest

        pytest.skip("gstack is installed here: the mode exists")
    script = tmp_path / "prog.py"
    script.write_text("print('must not run')\n")
    proc = run_python(None, "--as-gevent", str(script), module="gmonkey", expect_rc=2)
    assert "needs the gstack distribution" in proc.stderr
    assert "must not run" not in proc.stdout
