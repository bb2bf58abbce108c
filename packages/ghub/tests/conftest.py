"""Shared fixtures for ghub's tests: a fresh hub per test that must end idle, subprocesses.

Every test runs with a hub of its own (the autouse ``hub`` fixture): a new
``Hub`` on a new ``gcore.Loop``, installed as the main thread's hub for the
test only. After the test it checks that nothing was left armed in the loop
(a pending timer or event is a test or ghub bug: a stale wake-up), lets the
queued callbacks run, then stops the hub.
"""

import os
import subprocess
import sys
import textwrap

import pytest
from greenlet import GreenletExit, getcurrent

import gcore
import ghub
from ghub import hub as _hubmod


@pytest.fixture(autouse=True)
def hub(request):
    """A fresh hub (and loop) for this test, checked idle and stopped afterwards.

    Tests marked ``default_loop`` (signal watchers: libevent delivers signals
    to the default loop only) get a fresh hub on gcore's default loop instead.
    """
    previous = getattr(_hubmod._state, "hub", None)
    on_default = request.node.get_closest_marker("default_loop") is not None
    h = _hubmod.Hub(gcore.get_default_loop() if on_default else gcore.Loop())
    _hubmod._state.hub = h
    try:
        yield h
        assert getcurrent() is h.parent, "the test did not end in the main greenlet"
        current = _hubmod._state.hub   # h, or its successor if the test killed h
        assert current.loop is h.loop and not current.dead
        loop = h.loop
        assert loop.ref_count == 0, f"the test left pending events or timers in {loop!r}"
        if loop.pending_callbacks:
            ghub.shutdown()   # run what is queued (link notifications...) to the end
        assert loop.ref_count == 0 and loop.pending_callbacks == 0, loop
    finally:
        current = getattr(_hubmod._state, "hub", h)
        for each in {h, current}:
            if each:
                each.throw(GreenletExit)   # the hub stops its loop and ends
            assert not each
        if previous is None:
            del _hubmod._state.hub
        else:
            _hubmod._state.hub = previous


def _pythonpath():
    paths = [p for p in sys.path if p and os.path.isdir(p)]
    return os.pathsep.join(paths)


@pytest.fixture
def run_python():
    """Start ``python -c script`` with this interpreter and sys.path; return the Popen.

``env`` adds environment variables.
    The caller must wait for it (``communicate``); it is killed after the test
    if it still runs.
    """
    procs = []

    def start(script, env=None, **kwargs):
        env = dict(os.environ, **(env or {}), PYTHONPATH=_pythonpath(), PYTHONUNBUFFERED="1")
        proc = subprocess.Popen(
            [sys.executable, "-X", "dev", "-c", textwrap.dedent(script)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, text=True, **kwargs)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@pytest.fixture
def main_greenlet():
    """The main thread's main greenlet (the hub's parent), which runs the test."""
    return getcurrent()


# --leaks=N (tools/pytest_leaks.py): each test run N more times, failed on steady growth.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), *[".."] * 3, "tools"))
from pytest_build import decoys  # noqa: E402,F401  (the fixture of test_build.py)
from pytest_leaks import *  # noqa: E402,F403
