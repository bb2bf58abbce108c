#!/usr/bin/env python3
"""Profile the gstack side of a benchmark case: where does its time go?

Usage::

    python benchmarks/hotspots.py [--src] [--repeat N] [--top N] CASE
    python benchmarks/hotspots.py [--src] --py-spy [--native] [--repeat N] [--top N] CASE

By default the case's ``run_gstack()`` runs ``--repeat`` times (default 3)
under cProfile in this interpreter, and the functions with the most time of
their own are printed, then the same grouped by file (each gstack layer,
the case itself, the rest). cProfile's own overhead inflates the cost of
Python-level calls. With ``--py-spy`` the case runs in a child process
sampled by ``py-spy record`` (``pip install py-spy``), which costs the
program nothing; time in compiled code counts for the Python line that
called it. ``--native`` adds the C frames (gcore, greenlet, libevent, the
interpreter), but py-spy cannot unwind many samples taken inside a
greenlet's switched stack: the errors it reports are samples left out, so
the native view leans towards the hub's own stack. For the TCP and DNS
cases only this process (the client) is profiled, not the server it starts.
``--src`` puts ``packages/*/src`` first on the path (development).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
ROOT = HERE.parent


def _group(filename):
    """A coarse owner for a file or shared object: a gstack layer, greenlet, libevent..."""
    for layer in ("gcore", "ghub", "gsync", "gnet", "gserve", "gmonkey", "gstack"):
        if f"/{layer}/" in filename or filename.startswith(f"{layer}/"):
            return layer + (" (compiled)" if not filename.endswith(".py") else "")
    if filename.startswith(str(CASES)) or ("/" not in filename
                                           and (CASES / filename).is_file()):
        return "the case itself"
    if "greenlet" in filename:
        return "greenlet"
    if "libevent" in filename:
        return "libevent"
    if "libc" in filename or "ld-linux" in filename or "vdso" in filename:
        return "libc / kernel entry"
    if filename.endswith(".py") or filename.startswith("<frozen"):
        return "stdlib (Python)"
    return "CPython runtime / other C"


def profile_cprofile(case, repeat, top):
    sys.path.insert(0, str(CASES))
    sys.argv = [case, "gstack"]
    module = __import__(case)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        module.run_gstack()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(tt for (_, _, tt, _, _) in stats.stats.values()) or 1.0
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)
    print(f"cProfile, {repeat} run(s) of {case} (gstack): {total:.2f} s in profiled functions")
    print(f"{'own %':>6} {'own s':>7} {'calls':>9}  function")
    for (filename, line, name), (_, calls, own, _, _) in rows[:top]:
        where = os.path.relpath(filename, ROOT) if filename.startswith("/") else filename
        print(f"{100 * own / total:6.1f} {own:7.3f} {calls:9d}  {name} ({where}:{line})")
    groups = collections.Counter()
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():
        groups[_group(filename) if filename != "~" else "builtins (C calls)"] += own
    print("\nby owner:")
    for group, own in groups.most_common():
        print(f"{100 * own / total:6.1f}%  {group}")


_LEAF = re.compile(r"(.*) \((.*?)(?::\d+)?\)$")


def profile_pyspy(case, repeat, top, env, native):
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        sys.exit("py-spy is not installed: pip install py-spy")
    driver = (f"import sys; sys.path.insert(0, {str(CASES)!r}); sys.argv = [{case!r}, 'gstack']\n"
              f"import {case} as case\nfor _ in range({repeat}): case.run_gstack()\n")
    with tempfile.TemporaryDirectory(prefix="gstack-profile-") as tmp:
        script, raw = Path(tmp, "driver.py"), Path(tmp, "samples.txt")
        script.write_text(driver)
        done = subprocess.run([py_spy, "record", *(["--native"] if native else []),
                               "--rate", "1000", "--format", "raw", "--output", str(raw), "--",
                               sys.executable, str(script)],
                              env=env, cwd=str(CASES), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        counts = re.search(r"Samples: \d+ Errors: \d+", done.stdout)
        if done.returncode != 0:
            sys.exit(done.stdout)
        functions, groups, total, imports = collections.Counter(), collections.Counter(), 0, 0
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            count = int(count)
            if "_find_and_load (<frozen importlib._bootstrap>" in stack:
                imports += count  # importing the libraries: not what the case measures
                continue
            total += count
            match = _LEAF.match(stack.split(";")[-1])
            name, filename = match.groups() if match else (stack.split(";")[-1], "?")
            functions[f"{name} ({filename})"] += count
            groups[_group(filename)] += count
    total = total or 1
    mode = "py-spy --native" if native else "py-spy"
    counts = counts.group(0) if counts else f"Samples: {total}"
    print(f"{mode}, {repeat} run(s) of {case} (gstack): {counts} ({imports} in imports, "
          f"left out)")
    print("own time (the innermost frame of each sample):")
    for name, count in functions.most_common(top):
        print(f"{100 * count / total:6.1f}%  {name}")
    print("\nby owner:")
    for group, count in groups.most_common():
        print(f"{100 * count / total:6.1f}%  {group}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case")
    parser.add_argument("--src", action="store_true", help="packages/*/src first on the path")
    parser.add_argument("--py-spy", action="store_true", help="sample with py-spy")
    parser.add_argument("--native", action="store_true", help="with --py-spy: C frames too")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    if not (CASES / f"{args.case}.py").is_file():
        parser.error(f"no case {args.case!r} in {CASES}")
    sources = [str(p) for p in sorted((ROOT / "packages").glob("*/src"))] if args.src else []
    if args.py_spy:
        env = dict(os.environ)
        if sources:
            env["PYTHONPATH"] = os.pathsep.join(sources)
        profile_pyspy(args.case, args.repeat, args.top, env, args.native)
    else:
        sys.path[:0] = sources
        profile_cprofile(args.case, args.repeat, args.top)


if __name__ == "__main__":
    main()
