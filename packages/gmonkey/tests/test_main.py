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
