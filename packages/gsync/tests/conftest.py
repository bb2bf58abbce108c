"""Shared fixtures for gsync's tests.

Every test runs in the main greenlet with the thread's hub. After each test
the ``clean_hub`` fixture lets the loop run until nothing is left that could
wake anybody (``ghub.shutdown()``), so a test that leaves a timer or a
callback behind fails by timing out or by the check below, instead of
leaking into the next test. Greenlets left blocked forever on a gsync object
are not an error: nothing references them once the test is over.
"""

import pytest

import ghub


@pytest.fixture(autouse=True)
def clean_hub():
    hub = ghub.get_hub()
    yield hub
    ghub.shutdown()
    hub = ghub.get_hub()
    assert hub.loop.pending_callbacks == 0, "loop callbacks left behind"
