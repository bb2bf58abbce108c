#!/usr/bin/env python3
"""CPython's own test suites, run unpatched and under ``gmonkey.patch_all()``.

How it works
------------

For each module of the running interpreter's ``test`` package and each mode
(``unpatched``, ``patched``), a fresh interpreter runs ``_suite_child.py``
in an empty temporary folder (the suites write their scratch files to the
current folder). The child logs every outcome as a JSON line; this parent
reads the log, so that it can still count a module whose child hung or
crashed: the test that was running is recorded as ``hung`` (an error) and a
new child goes on past it, up to ``--restarts`` times. A module also has a
wall-clock budget (``--module-limit``, and a larger one for the slow suites
in ``SLOW``): past it, the child is killed and what was logged counts.

In patched mode the tests listed in ``known_failures.toml`` are reported as
skipped with their reason; that file is the only way a test is skipped here.

The asyncio suites (``ASYNCIO_MODULES``, the modules of ``test_asyncio`` that
drive a real event loop, as uvloop's are tested) run unpatched and in
``hub-asyncio`` mode, where every loop the tests make is a
``gnet.asyncio.EventLoop``; the test classes written once per selector
(``SelectEventLoopTests``, ``PollEventLoopTests``, ``EPollEventLoopTests``)
then all run the hub's loop.

Usage::

    python cpython_suites.py                    # every module, both modes, a table
    python cpython_suites.py test_queue -j 1    # one module
    python cpython_suites.py --markdown out.md --json out.json
    python cpython_suites.py --asyncio          # the asyncio suites: stdlib loop vs the hub's

It needs the interpreter's ``test`` package (``python -c "import test.test_socket"``):
Debian splits it into ``libpython3.X-testsuite``; python.org, pyenv and
most other builds ship it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MODULES", "ASYNCIO_MODULES", "ASYNCIO_MODES", "ModuleRun", "run_module", "run_all",
           "format_table", "regressions"]

HERE = Path(__file__).resolve().parent
CHILD = HERE / "_suite_child.py"
KNOWN_FAILURES = HERE / "known_failures.toml"

MODULES = [
    "test_socket", "test_select", "test_selectors", "test_ssl", "test_socketserver",
    "test_httplib", "test_httpservers", "test_urllib2_localnet", "test_queue",
    "test_threading", "test_thread", "test_threading_local", "test_subprocess",
    "test_signal", "test_timeout", "test_wsgiref", "test_ftplib", "test_poll",
]
# Wall-clock budget (seconds) of one module in one mode; the slow suites get their own.
DEFAULT_LIMIT = 180.0
SLOW = {"test_socket": 420.0, "test_subprocess": 420.0, "test_threading": 300.0,
        "test_ssl": 300.0, "test_signal": 300.0, "test_queue": 240.0}
MODES = ("unpatched", "patched")
ASYNCIO_MODULES = ["test_asyncio." + name for name in [
    "test_events", "test_streams", "test_sock_lowlevel", "test_tasks", "test_server",
    "test_subprocess", "test_taskgroups", "test_timeouts", "test_waitfor", "test_sendfile",
    "test_ssl", "test_sslproto", "test_runners", "test_unix_events", "test_threads",
    "test_queues", "test_locks", "test_futures", "test_base_events", "test_selector_events",
    "test_pep492", "test_buffered_proto", "test_context",
]]
ASYNCIO_MODES = ("unpatched", "hub-asyncio")
# Test resources a module needs although it stays on loopback (never "network" elsewhere:
# test_timeout, test_ssl and test_httplib use it to reach hosts on the internet).
RESOURCES = {"test_socketserver": ["network"]}


@dataclass
class ModuleRun:
    """The outcomes of one module in one mode."""

    module: str
    mode: str
    outcomes: dict = field(default_factory=dict)   # test id -> (outcome, detail)
    status: str = "ok"        # ok | timeout | crashed | skipped-module | missing
    note: str = ""
    seconds: float = 0.0
    restarts: int = 0

    def count(self, *outcomes):
        return sum(1 for outcome, _ in self.outcomes.values() if outcome in outcomes)

    @property
    def passed(self):
        return self.count("success")

    @property
    def failed(self):
        return self.count("failure")

    @property
    def errors(self):
        return self.count("error", "hung")

    @property
    def skipped(self):
        return self.count("skip")

    @property
    def run(self):
        return len(self.outcomes)

    def ids(self, *outcomes):
        return {i for i, (outcome, _) in self.outcomes.items() if outcome in outcomes}

    def as_dict(self):
        return {"module": self.module, "mode": self.mode, "status": self.status,
                "note": self.note, "seconds": round(self.seconds, 1), "restarts": self.restarts,
                "run": self.run, "passed": self.passed, "failed": self.failed,
                "errors": self.errors, "skipped": self.skipped,
                "outcomes": {i: list(v) for i, v in sorted(self.outcomes.items())}}


def run_module(module, mode, *, python=sys.executable, limit=None, per_test=60.0,
               restarts=4, only=None, env=None, no=()):
    """Run ``module`` (``"test_socket"``) in ``mode``; return a :class:`ModuleRun`.

    Blocks until the module is done, its budget ``limit`` is spent, or its
    children hung ``restarts + 1`` times. ``only``: an iterable of test ids
    to run (the others are not run at all). ``no``: ``patch_all()`` flags to
    turn off, for investigation.
    """
    if mode not in MODES + ASYNCIO_MODES:
        raise ValueError(f"mode must be one of {MODES + ASYNCIO_MODES}, not {mode!r}")
    limit = SLOW.get(module, DEFAULT_LIMIT) if limit is None else limit
    result = ModuleRun(module, mode)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"gstack-{module}-{mode}-") as tmp:
        tmp = Path(tmp)
        log, exclude, cwd = tmp / "log.jsonl", tmp / "exclude.txt", tmp / "cwd"
        cwd.mkdir()
        exclude.write_text("")
        command = [python, str(CHILD), module, "--mode", mode, "--log", str(log),
                   "--known-failures", str(KNOWN_FAILURES), "--exclude", str(exclude),
                   "--per-test", str(per_test),
                   "--resources", ",".join(RESOURCES.get(module, [])), "--no", ",".join(no)]
        if only is not None:
            (tmp / "only.txt").write_text("".join(f"{i}\n" for i in only))
            command += ["--only", str(tmp / "only.txt")]
        attempt = 0
        while True:
            left = limit - (time.monotonic() - started)
            stderr_path = tmp / f"stderr-{attempt}.txt"
            with open(stderr_path, "wb") as stderr:
                child = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=stderr,
                                         env=env, start_new_session=True)
                try:
                    code = child.wait(timeout=max(left, 1.0))
                except subprocess.TimeoutExpired:
                    _kill_group(child)
                    code = None
            running, finished, module_skip = _read_log(log, result)
            if module_skip is not None:
                result.status, result.note = "skipped-module", module_skip
                break
            if finished and code == 0:
                break
            if code is None:
                result.status = "timeout"
                result.note = f"module budget of {limit:.0f}s spent"
                if running:
                    result.outcomes[running] = ("hung", "still running when the budget ran out")
                break
            # The child died: a watchdog exit (a hung test) or a crash.
            tail = stderr_path.read_text(errors="replace")[-3000:]
            if running is None:
                result.status = "crashed"
                result.note = f"exit code {code} outside any test: {tail[-400:]}"
                break
            result.outcomes[running] = ("hung", f"exit code {code} in the test: {tail}")
            with open(exclude, "a") as f:
                f.write("".join(f"{i}\n" for i in result.outcomes))
            attempt += 1
            result.restarts = attempt
            if attempt > restarts:
                result.status = "crashed"
                result.note = f"gave up after {attempt} children died in a test"
                break
    result.seconds = time.monotonic() - started
    return result


def _kill_group(child):
    try:
        os.killpg(child.pid, 9)
    except ProcessLookupError:
        pass
    child.wait()


def _read_log(path, result):
    """Fold the log into ``result``; return (test still running, done?, module skip reason)."""
    running, done, module_skip = None, False, None
    if not path.exists():
        return None, False, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                continue   # a line cut short by a kill
            event = record["event"]
            if event == "start":
                running = record["id"]
            elif event == "end":
                result.outcomes[record["id"]] = (record["outcome"], record["detail"])
                if running == record["id"]:
                    running = None
            elif event == "done":
                done, running = True, None
            elif event == "module-skip":
                module_skip = record["reason"]
    if running is not None and running in result.outcomes:
        running = None
    return running, done, module_skip


def run_all(modules=MODULES, modes=MODES, *, jobs=2, **kwargs):
    """Run every (module, mode) pair, ``jobs`` at a time; return {(module, mode): ModuleRun}."""
    pairs = [(m, mode) for m in modules for mode in modes]
    # The slow suites first, so that they do not finish last on their own.
    pairs.sort(key=lambda p: -SLOW.get(p[0], DEFAULT_LIMIT))
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_module, m, mode, **kwargs): (m, mode) for m, mode in pairs}
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()
    return results


def regressions(unpatched, patched):
    """Test ids that passed unpatched and did not pass patched (skips from the file excepted)."""
    known = {i for i, (o, d) in patched.outcomes.items()
             if o == "skip" and d.startswith("known failure under gmonkey")}
    return sorted(unpatched.ids("success") - patched.ids("success") - known)


def format_table(results, modules=None, markdown=False, modes=MODES):
    """The table: module, then run/passed/failed/errors/skipped for each mode."""
    modules = modules or sorted({m for m, _ in results})
    head = ["module"] + [f"{mode} {col}" for mode in modes
                         for col in ("run", "passed", "failed", "errors", "skipped")]
    rows = []
    totals = {mode: [0] * 5 for mode in modes}
    for module in modules:
        row = [module]
        for mode in modes:
            r = results.get((module, mode))
            if r is None:
                row += ["-"] * 5
                continue
            figures = [r.run, r.passed, r.failed, r.errors, r.skipped]
            for i, n in enumerate(figures):
                totals[mode][i] += n
            cells = [str(n) for n in figures]
            if r.status != "ok":
                cells[0] += f" ({r.status})"
            row += cells
        rows.append(row)
    rows.append(["total"] + [str(n) for mode in modes for n in totals[mode]])
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    fmt = lambda r: "  ".join(c.rjust(w) if i else c.ljust(w)  # noqa: E731
                              for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*")
    parser.add_argument("--asyncio", action="store_true",
                        help="the asyncio suites, on the stdlib's loop and on gnet.asyncio's")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--mode", choices=(*MODES, *ASYNCIO_MODES, "both"), default="both")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--module-limit", type=float, default=None,
                        help="seconds per module and mode (default: per-module budgets)")
    parser.add_argument("--per-test", type=float, default=60.0)
    parser.add_argument("--no", default="", help="patch_all() flags to turn off, e.g. ssl,socket")
    parser.add_argument("--json", help="write every outcome to this file")
    parser.add_argument("--markdown", help="write the table as Markdown to this file")
    args = parser.parse_args(argv)
    all_modes = ASYNCIO_MODES if args.asyncio else MODES
    args.modules = args.modules or (ASYNCIO_MODULES if args.asyncio else MODULES)
    modes = all_modes if args.mode == "both" else (args.mode,)
    started = time.monotonic()
    results = run_all(args.modules, modes, jobs=args.jobs, python=args.python,
                      limit=args.module_limit, per_test=args.per_test,
                      no=[f for f in args.no.split(",") if f])
    print(format_table(results, args.modules, modes=all_modes))
    print(f"\n{len(results)} runs in {time.monotonic() - started:.0f}s")
    worse = 0
    for module in args.modules:
        u, p = results.get((module, all_modes[0])), results.get((module, all_modes[1]))
        for r in (u, p):
            if r is not None and r.status != "ok":
                print(f"{module} {r.mode}: {r.status}: {r.note[:300]}")
        if u is not None and p is not None:
            lost = regressions(u, p)
            worse += len(lost)
            for test_id in lost:
                outcome, detail = p.outcomes.get(test_id, ("not run", ""))
                print(f"REGRESSION {test_id}: {outcome}\n    " + detail[-600:].replace(
                    "\n", "\n    "))
    if args.json:
        Path(args.json).write_text(json.dumps([r.as_dict() for r in results.values()], indent=1))
    if args.markdown:
        Path(args.markdown).write_text(
            format_table(results, args.modules, markdown=True, modes=all_modes) + "\n")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
