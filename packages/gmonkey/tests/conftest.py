"""Shared helpers for gmonkey's tests.

Patching changes the interpreter for good, so every test that patches runs
its code in a fresh interpreter (:func:`run_python`), which inherits this
one's ``sys.path`` through ``PYTHONPATH`` (the source trees in development,
the virtualenv's site-packages under nox). The in-process tests use
gmonkey's cooperative objects directly, without patching.
"""

import os
import subprocess
import sys
import textwrap

import pytest

import gcore
from ghub import hub as _hubmod


def run_python(code, *args, timeout=45, cwd=None, expect_rc=0, module=None, env=None):
    """Run ``code`` (or ``-m module``) in a fresh interpreter; return the CompletedProcess.

    Fails the test with both outputs if the exit code is not ``expect_rc``.
    """
    environ = dict(os.environ)
    environ["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    environ.pop("PYTHONWARNINGS", None)
    env = dict(env or {})
    if "PYTHONPATH" in env:   # in front of ours, not instead
        env["PYTHONPATH"] += os.pathsep + environ["PYTHONPATH"]
    environ.update(env)
    if module is not None:
        command = [sys.executable, "-m", module, *args]
    else:
        command = [sys.executable, "-X", "faulthandler", "-c", textwrap.dedent(code), *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env=environ)
    if expect_rc is not None and proc.returncode != expect_rc:
        pytest.fail(f"exit code {proc.returncode} (expected {expect_rc})\n"
                    f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    return proc


@pytest.fixture
def hub():
    """A fresh hub on a fresh loop for one in-process test; checked idle afterwards."""
    previous = getattr(_hubmod._state, "hub", None)
    h = _hubmod.Hub(gcore.Loop())
    _hubmod._state.hub = h
    try:
        yield h
        assert h.loop.ref_count == 0, f"the test left pending events in {h.loop!r}"
    finally:
        if previous is None:
            del _hubmod._state.hub
        else:
            _hubmod._state.hub = previous


# --leaks=N (tools/pytest_leaks.py): each test run N more times, failed on steady growth.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), *[".."] * 3, "tools"))
from pytest_leaks import *  # noqa: E402,F403
