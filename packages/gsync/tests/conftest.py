"""Shared fixtures for gsync's tests.

Every test runs in the main greenlet with the thread's hub. After each test
the ``clean_hub`` fixture lets the loop run until nothing is left that could
wake anybody (``ghub.shutdown()``), so a test that leaves a timer or a
callback behind fails by the checks below (nothing armed left in the loop
after a few turns of it, no callback queued after the shutdown) instead of
leaking into the next test. Greenlets left blocked forever on a gsync object
are not an error: nothing references them once the test is over.
"""

import os
import sys

import pytest

import ghub


def _settle(hub):
    # Let the hub run what the test's last actions queued, and timers of a few
    # milliseconds (a greenlet's last short sleep): 0.1 s at most.
    for _ in range(100):
        if hub.loop.ref_count == 0 and hub.loop.pending_callbacks == 0:
            return
        ghub.sleep(0.001)


@pytest.fixture(autouse=True)
def clean_hub():
    hub = ghub.get_hub()
    yield hub
    _settle(hub)
    # Nothing armed may be left behind (a timer, an event): it would wake someone later.
    assert hub.loop.ref_count == 0, f"the test left pending events or timers in {hub.loop!r}"
    ghub.shutdown()
    hub = ghub.get_hub()
    assert hub.loop.pending_callbacks == 0, "loop callbacks left behind"


# --leaks=N (tools/pytest_leaks.py): each test run N more times, failed on steady growth.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), *[".."] * 3, "tools"))
from pytest_build import decoys  # noqa: E402,F401  (the fixture of test_build.py)
from pytest_leaks import *  # noqa: E402,F403
