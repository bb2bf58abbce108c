"""A pytest plugin: ``--leaks=N`` runs each test N more times and fails it if it leaks.

Each layer's ``tests/conftest.py`` loads it (``from pytest_leaks import *``,
with ``tools/`` on ``sys.path``), so that ``nox -s tests-ghub -- --leaks=5``
(or any layer) checks every selected test; without the option nothing changes.

A test is run (setup, call, teardown) twice to warm up caches, then N more
times; after each run the garbage collector runs and three counts are taken:
the objects the collector tracks, the live objects of gcore's types (events,
timers, buffers, resolvers: what holds libevent resources), and the process's
open descriptors. The test fails if a count grew after every one of the N
runs (objects: by more than ``--leaks-slack`` each time), the rule CPython's
``-R`` hunt uses: steady growth, not noise. ``@pytest.mark.no_leak_check``
exempts a test (one that caches on purpose, or starts processes).
"""

from __future__ import annotations

import gc
import os

import pytest

__all__ = ["pytest_addoption", "pytest_configure", "pytest_runtest_protocol", "snapshot"]


def pytest_addoption(parser):
    group = parser.getgroup("leaks")
    group.addoption("--leaks", type=int, default=0, metavar="N",
                    help="run each test N more times (after 2 warm-ups) and fail on steady "
                         "growth of objects, gcore objects or open descriptors")
    group.addoption("--leaks-slack", type=int, default=0, metavar="K",
                    help="growth in tracked objects per run taken as noise (default 0)")


def pytest_configure(config):
    config.addinivalue_line("markers", "no_leak_check: not checked by --leaks")


def _gcore_objects(objects):
    count = 0
    for obj in objects:
        module = getattr(type(obj), "__module__", None)   # (a metaclass may give a descriptor)
        if type(module) is str and module.startswith("gcore"):
            count += 1
    return count


def snapshot():
    """(tracked objects, gcore objects, open descriptors), after a full collection."""
    gc.collect()
    gc.collect()
    objects = gc.get_objects()
    try:
        fds = len(os.listdir("/proc/self/fd"))
    except OSError:
        fds = -1
    counts = (len(objects), _gcore_objects(objects), fds)
    del objects
    return counts


def _steady_growth(values, slack=0):
    steps = [b - a for a, b in zip(values, values[1:])]
    return bool(steps) and all(step > slack for step in steps)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    runs = item.config.getoption("leaks", 0)
    if not runs or item.get_closest_marker("no_leak_check") is not None:
        return None
    from _pytest.runner import runtestprotocol

    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    counts = []
    reports = []
    for i in range(runs + 2):
        last = i == runs + 1
        reports = runtestprotocol(item, nextitem=nextitem if last else None, log=False)
        if any(report.failed or report.skipped for report in reports):
            break   # the test's own outcome is reported as it is
        if i >= 1:
            counts.append(snapshot())
    else:
        slack = item.config.getoption("leaks_slack", 0)
        names = ("tracked objects", "gcore objects", "open descriptors")
        grown = []
        for index, name in enumerate(names):
            values = [c[index] for c in counts]
            if _steady_growth(values, slack if index == 0 else 0):
                grown.append(f"{name}: {' -> '.join(map(str, values))}")
        if grown:
            call = next(r for r in reports if r.when == "call")
            call.outcome = "failed"
            call.longrepr = (f"leak: grew after each of {runs} runs of {item.nodeid}\n  "
                             + "\n  ".join(grown))
    for report in reports:
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
