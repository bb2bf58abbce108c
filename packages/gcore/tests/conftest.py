"""Shared fixtures for gcore's tests: fresh loops, socket pairs and pipes that close.

Every fixture that hands out a loop checks, after the test, that the test left
nothing pending in it: an event still counted by ``ref_count`` or a queued
callback is a bug of the test (or of gcore) and fails it.
"""

import os
import socket
import subprocess
import sys

import pytest

import gcore

HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(config, items):
    # pytest-timeout's default "signal" method cannot stop a test wedged in a
    # loop: libevent restarts its poll after the SIGALRM (a loop that is not
    # the default one does not watch the wake-up fd), and on the default loop
    # the Failed exception raised by the handler in a callback goes to the
    # loop's error hook. The "thread" method dumps the stacks and ends the run.
    if not config.pluginmanager.hasplugin("timeout"):
        return
    for item in items:
        if str(item.path).startswith(HERE) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(method="thread"))


def _assert_idle(loop):
    assert loop.ref_count == 0, f"the test left pending events in {loop!r}"
    assert loop.pending_callbacks == 0, f"the test left queued callbacks in {loop!r}"


@pytest.fixture
def loop():
    """A new, independent ``gcore.Loop`` for this test only."""
    lp = gcore.Loop()
    yield lp
    _assert_idle(lp)


@pytest.fixture
def default_loop():
    """The default loop (the module-level API's), checked idle before and after."""
    lp = gcore.get_default_loop()
    _assert_idle(lp)
    yield lp
    _assert_idle(lp)


@pytest.fixture
def sockpair():
    """A connected, non-blocking ``socket.socketpair()``, closed after the test."""
    a, b = socket.socketpair()
    try:
        a.setblocking(False)
        b.setblocking(False)
        yield a, b
    finally:
        a.close()
        b.close()


@pytest.fixture
def pipe():
    """``os.pipe()``'s (read fd, write fd), closed after the test unless already closed."""
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        try:
            os.close(fd)
        except OSError:
            pass


@pytest.fixture
def closed_fd():
    """A file descriptor number that is not open (it was, and was closed)."""
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    return r


def _child_env(env):
    # The child finds the same gcore build (installed or in the source tree)
    # through PYTHONPATH; a value of None in ``env`` removes that variable.
    full_env = dict(os.environ)
    here = os.path.dirname(os.path.dirname(os.path.abspath(gcore.__file__)))
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (here, full_env.get("PYTHONPATH")) if p)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return full_env


@pytest.fixture
def run_python():
    """Run a Python snippet in a child interpreter that imports this gcore.

    Returns the ``subprocess.CompletedProcess`` (text mode, output captured).
    ``env`` entries are set in (or, with a value of None, removed from) the
    child's environment; ``timeout`` bounds the run.
    """

    def run(code, env=None, timeout=20):
        return subprocess.run([sys.executable, "-c", code], env=_child_env(env),
                              capture_output=True, text=True, timeout=timeout)

    return run


@pytest.fixture
def popen_python():
    """Start a child interpreter on a Python snippet; kill it after the test if still running."""
    children = []

    def start(code, env=None):
        proc = subprocess.Popen([sys.executable, "-c", code], env=_child_env(env),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        children.append(proc)
        return proc

    yield start
    for proc in children:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


# --leaks=N (tools/pytest_leaks.py): each test run N more times, failed on steady growth.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), *[".."] * 3, "tools"))
from pytest_leaks import *  # noqa: E402,F403
