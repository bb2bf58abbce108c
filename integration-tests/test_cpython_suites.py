"""CPython's own test suites must do at least as well under ``gmonkey.patch_all()`` as without.

One session-wide run (``cpython_suites.run_all``: every module of
``cpython_suites.MODULES`` in both modes, two at a time, each in fresh
interpreters with its own time budget) feeds one test per module, which
fails on any test that passed unpatched but not patched — the tests listed
in ``known_failures.toml`` excepted, and after one re-run of the regressed
tests on their own, so that a test that failed once from the machine's load
is not taken for a bug. The table of figures is printed at the end of the
session (and written as Markdown and JSON where ``GSTACK_SUITES_REPORT``
points, a path without suffix).

The asyncio suites (``cpython_suites.ASYNCIO_MODULES``) run the same way on
the stdlib's loop and on ``gnet.asyncio``'s (``hub-asyncio`` mode): one test
per module fails on any test that passes on the stdlib's loop but not on the
hub's (about 80 s more).

Needs the interpreter's ``test`` package; the module is skipped, with the
reason, where it is missing.
"""

import json
import os
from pathlib import Path

import cpython_suites as suites
import pytest

try:
    import test.support  # noqa: F401  (the test package of the interpreter)
    HAVE_TEST_PACKAGE = True
except ImportError:
    HAVE_TEST_PACKAGE = False

pytestmark = pytest.mark.skipif(
    not HAVE_TEST_PACKAGE,
    reason="this interpreter has no `test` package (Debian: apt-get install "
           "libpython3.X-testsuite; python.org and pyenv builds have it)")

_results = {}
_asyncio_results = {}


@pytest.fixture(scope="module")
def results():
    if not _results:
        _results.update(suites.run_all(suites.MODULES, suites.MODES, jobs=2))
        report = os.environ.get("GSTACK_SUITES_REPORT")
        if report:
            Path(report + ".md").write_text(
                suites.format_table(_results, suites.MODULES, markdown=True) + "\n")
            Path(report + ".json").write_text(
                json.dumps([r.as_dict() for r in _results.values()], indent=1))
    return _results


@pytest.fixture(scope="module")
def asyncio_results():
    if not _asyncio_results:
        _asyncio_results.update(
            suites.run_all(suites.ASYNCIO_MODULES, suites.ASYNCIO_MODES, jobs=2))
    return _asyncio_results


def summary():
    """The tables, for the terminal summary (conftest.py); '' before the run."""
    tables = []
    if _results:
        tables.append(suites.format_table(_results, suites.MODULES))
    if _asyncio_results:
        tables.append(suites.format_table(_asyncio_results, suites.ASYNCIO_MODULES,
                                          modes=suites.ASYNCIO_MODES))
    return "\n\n".join(tables)


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("module", suites.MODULES)
def test_at_least_as_good_patched(results, module):
    unpatched, patched = results[(module, "unpatched")], results[(module, "patched")]
    assert unpatched.status in ("ok", "skipped-module"), (unpatched.status, unpatched.note)
    assert patched.status == unpatched.status, (patched.status, patched.note[-2000:])
    lost = suites.regressions(unpatched, patched)
    if lost:
        again = suites.run_module(module, "patched", only=lost)
        lost = [i for i in lost if again.outcomes.get(i, ("not run",))[0] != "success"]
    details = "\n\n".join(f"{i}: {patched.outcomes.get(i, ('not run', ''))[0]}\n"
                          f"{patched.outcomes.get(i, ('', ''))[1][-1200:]}" for i in lost)
    assert not lost, f"{len(lost)} tests pass unpatched but not patched:\n{details}"


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("module", suites.ASYNCIO_MODULES)
def test_asyncio_suite_as_good_on_the_hub_loop(asyncio_results, module):
    stdlib, hub = asyncio_results[(module, "unpatched")], asyncio_results[(module, "hub-asyncio")]
    assert stdlib.status in ("ok", "skipped-module"), (stdlib.status, stdlib.note)
    assert hub.status == stdlib.status, (hub.status, hub.note[-2000:])
    lost = suites.regressions(stdlib, hub)
    if lost:
        again = suites.run_module(module, "hub-asyncio", only=lost)
        lost = [i for i in lost if again.outcomes.get(i, ("not run",))[0] != "success"]
    details = "\n\n".join(f"{i}: {hub.outcomes.get(i, ('not run', ''))[0]}\n"
                          f"{hub.outcomes.get(i, ('', ''))[1][-1200:]}" for i in lost)
    assert not lost, f"{len(lost)} tests pass on the stdlib's loop but not the hub's:\n{details}"
