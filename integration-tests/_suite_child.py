"""Run one module of CPython's ``test`` package, patched or not, and log every outcome.

How it works
------------

``cpython_suites.py`` starts this script in a fresh interpreter for each
module and mode::

    python _suite_child.py MODULE --mode patched|unpatched|hub-asyncio --log FILE
        [--known-failures FILE] [--exclude FILE] [--per-test SECONDS]

In ``patched`` mode the very first thing it does is ``gmonkey.patch_all()``,
before ``unittest`` or the test module is imported, as ``python -m gmonkey``
would. In ``hub-asyncio`` mode (for the ``test_asyncio`` modules) it makes
every asyncio loop the tests create a ``gnet.asyncio.EventLoop`` instead:
``asyncio.SelectorEventLoop`` and the default policy's loop factory become
it, whatever selector a test asks for. It then loads the module with
``unittest`` (``load_tests`` and ``setUpModule`` are honoured, as
``test.libregrtest`` does), swaps the tests listed in the known-failures
file for skips carrying their written reason (that file is the one place
a test may be skipped from; its entries apply to patched mode unless they
say otherwise), and runs the suite.

Every outcome is appended to the log as one JSON line the moment it is
known, preceded by a ``start`` line, so that the parent can still count a
run that hangs: a per-test watchdog (``faulthandler.dump_traceback_later``
with ``exit=True``) dumps every stack to stderr and ends the process when one
test takes longer than ``--per-test`` seconds. The parent then records that
test as hung and starts a new child that skips past it (``--exclude``).

Resources: ``test.support.use_resources`` is set to the empty list, as
``python -m test`` does by default, so nothing reaches beyond loopback
(the ``network`` and ``urlfetch`` resources stay off), except for the
resources the parent names with ``--resources`` for a module it knows to
stay on loopback (``test_socketserver`` asks for ``network`` but only
uses ``localhost``).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys


def _parse():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", help="a module of the test package, e.g. test_socket")
    parser.add_argument("--mode", choices=("patched", "unpatched", "hub-asyncio"), required=True)
    parser.add_argument("--log", required=True, help="where the JSON lines go")
    parser.add_argument("--known-failures", help="the TOML file of known failures")
    parser.add_argument("--exclude", help="a file of test ids (one a line) not to run again")
    parser.add_argument("--only", help="a file of test ids (one a line): run only these")
    parser.add_argument("--resources", default="",
                        help="comma-separated test resources to enable (loopback-only ones)")
    parser.add_argument("--no", default="",
                        help="comma-separated patch_all() flags to turn off (for investigation)")
    parser.add_argument("--per-test", type=float, default=120.0,
                        help="seconds one test may take before the process is ended")
    return parser.parse_args()


def main():
    args = _parse()
    if args.mode == "patched":
        import gmonkey

        gmonkey.patch_all(**{flag: False for flag in args.no.split(",") if flag})
    elif args.mode == "hub-asyncio":
        _use_hub_asyncio()

    import faulthandler
    import unittest

    from test import support

    # As `python -m test` without -u, plus what the parent names for this module.
    support.use_resources = [r for r in args.resources.split(",") if r]
    support.verbose = 0

    log = open(args.log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (kept to the end)
    known = _load_known(args.known_failures, args.module, args.mode)
    exclude = _read_ids(args.exclude)
    only = _read_ids(args.only) if args.only else None

    name = f"test.{args.module}"
    try:
        module = __import__(name, fromlist=["*"])
        suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    except unittest.SkipTest as exc:
        _write(log, {"event": "module-skip", "reason": str(exc)})
        return 0
    suite = _rewrite(suite, known, exclude, only)

    class Result(unittest.TestResult):
        """Logs each test's outcome as it happens; a subtest failure fails its test."""

        def __init__(self):
            super().__init__()
            self._failed = {}

        def startTest(self, test):
            super().startTest(test)
            faulthandler.dump_traceback_later(args.per_test, exit=True)
            _write(log, {"event": "start", "id": test.id()})

        def stopTest(self, test):
            faulthandler.cancel_dump_traceback_later()
            super().stopTest(test)
            outcome = self._failed.pop(test.id(), None)
            if outcome is not None:
                _write(log, {"event": "end", "id": test.id(), **outcome})

        def _record(self, test, outcome, detail=""):
            previous = self._failed.get(test.id())
            if previous and previous["outcome"] in ("error", "failure"):
                return   # the first failure of a test (or of one of its subtests) decides
            self._failed[test.id()] = {"outcome": outcome, "detail": detail[-1500:]}

        def addSuccess(self, test):
            super().addSuccess(test)
            self._failed.setdefault(test.id(), {"outcome": "success", "detail": ""})

        def addSubTest(self, test, subtest, err):
            super().addSubTest(test, subtest, err)
            if err is not None:
                kind = "failure" if issubclass(err[0], test.failureException) else "error"
                self._record(test, kind, f"{subtest}: " + self._exc_info_to_string(err, test))

        def addFailure(self, test, err):
            super().addFailure(test, err)
            self._record(test, "failure", self._exc_info_to_string(err, test))

        def addError(self, test, err):
            super().addError(test, err)
            if not hasattr(test, "_testMethodName"):
                # setUpClass / setUpModule / tearDown*: not a test of its own, log it now.
                _write(log, {"event": "end", "id": test.id(), "outcome": "error",
                             "detail": self._exc_info_to_string(err, test)[-1500:]})
                return
            self._record(test, "error", self._exc_info_to_string(err, test))

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            if not hasattr(test, "_testMethodName"):
                _write(log, {"event": "end", "id": test.id(), "outcome": "skip",
                             "detail": reason})
                return
            self._record(test, "skip", reason)

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            self._record(test, "success", "expected failure")

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            self._record(test, "failure", "unexpected success")

    result = Result()
    _write(log, {"event": "begin", "mode": args.mode})
    suite.run(result)
    _write(log, {"event": "done", "testsRun": result.testsRun})
    log.close()
    return 0


def _use_hub_asyncio():
    """Every asyncio loop made from now on is a gnet.asyncio.EventLoop (asyncio on the hub)."""
    import asyncio
    import asyncio.unix_events as unix_events

    import gnet.asyncio

    class HubSelectorEventLoop(gnet.asyncio.EventLoop):
        """``asyncio.SelectorEventLoop(selector)`` for the tests: the hub's, whatever selector."""

        def __init__(self, selector=None):
            if selector is not None and not isinstance(selector, gnet.asyncio.HubSelector):
                selector.close()
                selector = None
            super().__init__(selector)

    asyncio.SelectorEventLoop = unix_events.SelectorEventLoop = HubSelectorEventLoop
    unix_events._UnixDefaultEventLoopPolicy._loop_factory = HubSelectorEventLoop


def _write(log, record):
    log.write(json.dumps(record) + "\n")


def _read_ids(path):
    if not path:
        return set()
    with open(path, encoding="utf-8") as f:
        return {line.strip() for line in f if line.strip()}


def _load_known(path, module, mode):
    """The (pattern, reason) pairs of the known-failures file for ``module`` in ``mode``."""
    if not path:
        return []
    try:
        import tomllib
    except ImportError:   # Python 3.10
        import tomli as tomllib
    with open(path, "rb") as f:
        data = tomllib.load(f)
    pairs = []
    for entry in data.get("known", []):
        if mode not in entry.get("modes", ["patched"]):
            continue
        for pattern in entry["tests"]:
            # (a module may be dotted: "test_asyncio.test_events")
            if (pattern + ".").startswith(module + "."):
                pairs.append(("test." + pattern, entry["reason"]))
    return pairs


def _rewrite(suite, known, exclude, only):
    """A copy of ``suite`` without the excluded tests, known failures turned into skips."""
    import unittest

    class KnownFailure(unittest.TestCase):
        """Stands for a listed test: skipped with the file's reason, its fixtures never run."""

        def __init__(self, test_id, reason):
            super().__init__("runTest")
            self._id = test_id
            self._reason = reason

        def id(self):
            return self._id

        def __str__(self):
            return self._id

        def runTest(self):
            raise unittest.SkipTest(f"known failure under gmonkey: {self._reason}")

    out = unittest.TestSuite()
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            sub = _rewrite(test, known, exclude, only)
            if sub.countTestCases():
                out.addTest(sub)
            continue
        test_id = test.id()
        if test_id in exclude or (only is not None and test_id not in only):
            continue
        for pattern, reason in known:
            if fnmatch.fnmatchcase(test_id, pattern) or test_id.startswith(pattern + "."):
                out.addTest(KnownFailure(test_id, reason))
                break
        else:
            out.addTest(test)
    return out


if __name__ == "__main__":
    sys.exit(main())
