"""tools/pytest_leaks.py (--leaks=N), loaded by every layer's conftest: it catches leaks.

A pytest of its own runs a file with a test that keeps an object per run, one
that keeps a gcore timer per run, one that keeps a descriptor per run, and
clean ones; only the leaking ones fail, each naming what grew.
"""

import os
import subprocess
import sys
import textwrap

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), *[".."] * 3, "tools")

LEAKY = textwrap.dedent('''
    import os
    import gcore

    KEPT = []

    def test_keeps_objects():
        KEPT.append([object() for _ in range(10)])

    def test_keeps_timers():
        KEPT.append(gcore.timer(60, lambda: None))

    def test_keeps_a_descriptor():
        KEPT.append(os.open(os.devnull, os.O_RDONLY))

    def test_clean():
        garbage = [object() for _ in range(100)]
        fd = os.open(os.devnull, os.O_RDONLY)
        os.close(fd)
        del garbage

    def test_failing_is_reported_as_failing():
        assert False, "its own failure"
''')


def run(tmp_path, *args):
    (tmp_path / "test_leaky.py").write_text(LEAKY)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([TOOLS, os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "pytest_leaks", "-p", "no:cacheprovider", "-q",
         "-rf", *args, str(tmp_path / "test_leaky.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    return proc.stdout + proc.stderr


def test_leaks_fails_the_tests_that_grow_and_only_them(tmp_path):
    out = run(tmp_path, "--leaks=4")
    assert "4 failed, 1 passed" in out, out
    assert "FAILED test_leaky.py::test_keeps_objects" in out
    assert "FAILED test_leaky.py::test_keeps_timers" in out
    assert "FAILED test_leaky.py::test_keeps_a_descriptor" in out
    assert "FAILED test_leaky.py::test_failing_is_reported_as_failing - AssertionError" in out
    assert "gcore objects:" in out and "open descriptors:" in out and "tracked objects:" in out


def test_without_the_option_nothing_changes(tmp_path):
    out = run(tmp_path)
    assert "1 failed, 4 passed" in out, out
