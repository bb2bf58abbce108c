#!/usr/bin/env python3
"""Run the benchmark cases on gstack and on gevent, alternating, and print one table.

Usage (``nox -s bench -- ARGS`` passes ARGS here)::

    python benchmarks/run.py --gevent-python PATH [--gstack-python PATH] [--src]
                             [--runs N] [--write | --no-write] [--timeout S] [CASE ...]
    python benchmarks/run.py --list

How it works: each case is a module ``benchmarks/cases/<case>.py`` with one
function per library (see ``cases/_common.py``). For every case the runner
starts ``<python> cases/<case>.py gstack`` with the gstack interpreter and
``... gevent`` with the gevent one, each in a fresh process, alternating the
two (and which goes first) for ``--runs`` rounds, and reads the JSON line
each prints. The table gives, per case, the median of each library's runs,
their min–max spread, and the ratio of the medians oriented so that above 1
means gstack is ahead: gstack ÷ gevent for rates, gevent ÷ gstack for memory
(lower is better there). A case whose gstack side needs a layer that is not
written yet shows "n/a (missing)"; one that fails or hangs shows "n/a
(error)" or "n/a (timeout)", with its stderr, and the run goes on.

``--write`` puts the table and a description of the machine into
``benchmarks/RESULTS.md``; it is the default when every case runs (no CASE
given), ``--no-write`` turns it off.

These are benchmarks, not tests: nothing fails on a figure, and the exit
status is 0 unless the runner itself cannot work.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
LIBS = ("gstack", "gevent")

# The order of the table; a case file not listed here comes after, by name.
ORDER = [
    "spawn_join", "sleep_switch", "sleep_switch_monitored", "raw_switch", "event_pingpong",
    "asyncresult_pingpong",
    "queue_bounded", "queue_unbounded", "timeout_cancel", "tcp_echo", "tcp_echo_floor",
    "tcp_churn", "stream_echo", "stream_echo_cpu", "http_keepalive", "http_keepalive_cpu",
    "http_close", "http_close_cpu", "http_keepalive_wsgi", "http_close_wsgi",
    "http_keepalive_floor", "gunicorn_1w", "gunicorn_2w", "asyncio_echo",
    "dns_lookup", "dns_cpu", "mem_greenlet", "mem_connection",
]  # fmt: skip


def discover():
    """The case names, in table order."""
    found = {p.stem for p in CASES.glob("*.py") if not p.name.startswith("_")}
    return [c for c in ORDER if c in found] + sorted(found - set(ORDER))


def summary(path):
    """The first line of a case module's docstring."""
    import ast

    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return doc.splitlines()[0] if doc else ""


class Outcome:
    """What the runs of one case on one library gave."""

    def __init__(self):
        self.values = []
        self.unit = None
        self.better = "higher"
        self.failure = None  # "missing", "error" or "timeout"
        self.detail = ""

    @property
    def median(self):
        return statistics.median(self.values) if self.values else None


def run_once(python, case, lib, env, timeout):
    """Run one case once in a fresh process: (result dict, stderr).

    The case runs in a process group of its own, ended as a whole when the
    case returns, so that a server it started cannot outlive it (after a
    crash or a timeout).
    """
    argv = [python, str(CASES / f"{case}.py"), lib]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=str(CASES), start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end_group(proc)
        stdout, stderr = proc.communicate()
        return {"error": "timeout"}, stderr
    finally:
        _end_group(proc)
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    result = None
    if lines:
        try:
            result = json.loads(lines[-1])
        except ValueError:
            result = None
    if result is None or (proc.returncode != 0 and "error" not in result):
        result = dict(result or {}, error="error")
        result.pop("value", None)
    return result, stderr


def _end_group(proc):
    """SIGKILL what is left of the process group led by ``proc`` (a case and its children)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_cases(cases, args, env_for):
    outcomes = {case: {lib: Outcome() for lib in LIBS} for case in cases}
    python = {"gstack": args.gstack_python, "gevent": args.gevent_python}
    for case in cases:
        for i in range(args.runs):
            order = LIBS if i % 2 == 0 else LIBS[::-1]
            for lib in order:
                out = outcomes[case][lib]
                if out.failure:
                    continue  # a case that failed once is not retried
                result, stderr = run_once(python[lib], case, lib, env_for[lib], args.timeout)
                out.unit = result.get("unit", out.unit)
                out.better = result.get("better", out.better)
                if "error" in result:
                    out.failure = result["error"]
                    out.detail = result.get("detail") or _tail(stderr)
                    print(f"{case:22} {lib:7} run {i + 1}/{args.runs}: n/a ({out.failure})"
                          f" {out.detail.splitlines()[-1] if out.detail else ''}",
                          file=sys.stderr, flush=True)
                    if out.failure != "missing" and stderr:
                        print(_indent(_tail(stderr, 25)), file=sys.stderr, flush=True)
                    continue
                out.values.append(float(result["value"]))
                print(f"{case:22} {lib:7} run {i + 1}/{args.runs}: "
                      f"{_fmt(result['value'])} {out.unit}", file=sys.stderr, flush=True)
    return outcomes


def _tail(text, lines=3):
    return "\n".join((text or "").strip().splitlines()[-lines:])


def _indent(text):
    return "\n".join("    " + line for line in text.splitlines())


def _fmt(value):
    """A figure to three significant digits, without an exponent."""
    if value is None:
        return "n/a"
    value = float(value)
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def ratio(case_outcomes):
    """The ratio of the medians, above 1 when gstack is ahead; None if either is missing."""
    gstack, gevent = case_outcomes["gstack"].median, case_outcomes["gevent"].median
    if gstack is None or gevent is None or gstack <= 0 or gevent <= 0:
        return None
    lower = "lower" in (case_outcomes["gstack"].better, case_outcomes["gevent"].better)
    return gevent / gstack if lower else gstack / gevent


def table(outcomes):
    """The results as a Markdown table."""
    head = ("| case | unit | gstack median | gevent median | ratio ¹ | gstack min–max "
            "| gevent min–max |")
    rows = [head, "|---|---|--:|--:|--:|--:|--:|"]
    for case, by_lib in outcomes.items():
        cells = []
        unit = by_lib["gstack"].unit or by_lib["gevent"].unit or ""
        if "lower" in (by_lib["gstack"].better, by_lib["gevent"].better):
            unit += " (lower is better)"
        for lib in LIBS:
            out = by_lib[lib]
            if out.failure and not out.values:
                cells.append(f"n/a ({out.failure})")
            elif out.failure:  # it failed after some runs: say on how many the median stands
                cells.append(f"{_fmt(out.median)} ({len(out.values)} runs, then {out.failure})")
            else:
                cells.append(_fmt(out.median))
        r = ratio(by_lib)
        spreads = []
        for lib in LIBS:
            values = by_lib[lib].values
            spreads.append(f"{_fmt(min(values))}–{_fmt(max(values))}" if values else "")
        rows.append(f"| {case} | {unit} | {cells[0]} | {cells[1]} | "
                    f"{'n/a' if r is None else f'{r:.2f}'} | {spreads[0]} | {spreads[1]} |")
    rows.append("")
    rows.append("¹ ratio of the medians, above 1 when gstack is ahead: gstack ÷ gevent for "
                "rates, gevent ÷ gstack for the memory rows (lower is better there).")
    return "\n".join(rows)


_DESCRIBE = r"""
import importlib, json, platform, sys
info = {"python": sys.version.split()[0], "implementation": platform.python_implementation()}
for name in sys.argv[1:]:
    try:
        module = importlib.import_module(name)
    except ImportError:
        continue
    if getattr(module, "__file__", None) is None:  # an empty namespace package
        continue
    try:
        from importlib.metadata import version
        info[name] = version(name)
    except Exception:
        info[name] = getattr(module, "__version__", "?")
if "gevent" in info:
    import gevent
    loop = gevent.get_hub().loop
    info["gevent loop"] = type(loop).__module__
    try:
        info["libev"] = importlib.import_module(type(loop).__module__).get_version()
    except Exception:
        pass
if "gcore" in info:
    import gcore
    info["libevent"] = gcore.get_version()
    info["libevent method"] = gcore.get_method()
print(json.dumps(info))
"""


def describe_interpreter(python, env, modules):
    try:
        out = subprocess.run([python, "-c", _DESCRIBE, *modules], capture_output=True,
                             text=True, timeout=60, env=env, cwd="/")
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return {}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(args, env_for):
    gstack = describe_interpreter(args.gstack_python, env_for["gstack"],
                                  ["greenlet", "gcore", "ghub", "gsync", "gnet", "gstack"])
    gevent = describe_interpreter(args.gevent_python, env_for["gevent"], ["greenlet", "gevent"])
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    layers = ", ".join(f"{n} {gstack[n]}" for n in ("gcore", "ghub", "gsync", "gnet", "gstack")
                       if n in gstack)
    lines = [
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {cpu_model()}, {os.cpu_count()} cores ({usable} usable by this run)",
        f"- OS: {platform.system()} {platform.release()} ({platform.machine()})",
        f"- Python: {gstack.get('python', '?')} (gstack side), {gevent.get('python', '?')} "
        f"(gevent side)",
        f"- gstack: {layers or '?'}; libevent {gstack.get('libevent', '?')} "
        f"({gstack.get('libevent method', '?')}); greenlet {gstack.get('greenlet', '?')}",
        f"- gevent: {gevent.get('gevent', '?')} ({gevent.get('gevent loop', '?')}, "
        f"{gevent.get('libev', '?')}); greenlet {gevent.get('greenlet', '?')}",
    ]
    return "\n".join(lines)


def write_results(text_table, description, args, cases):
    full = set(cases) == set(discover())
    command = "nox -s bench" + (f" -- --runs {args.runs}" if args.runs != 5 else "")
    if not full:
        command += (" --" if args.runs == 5 else "") + " " + " ".join(cases)
    RESULTS.write_text(
        "# Benchmark results: gstack beside gevent\n\n"
        f"Written by `{command}` (`benchmarks/run.py`); `benchmarks/README.md` says what each "
        "case measures. Each library ran each case in a fresh process, "
        f"{args.runs} times, alternating with the other; the figures are medians, "
        "and only the ratios of one run mean much: this shared machine's speed swings by "
        "tens of percent from one run to the next. `raw_switch` runs the same code on both "
        "sides, so its ratio shows how noisy this run was.\n\n"
        "## Machine\n\n"
        f"{description}\n\n"
        "## Results\n\n"
        f"{text_table}\n"
    )
    print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", metavar="CASE", help="cases to run (default: all)")
    parser.add_argument("--runs", type=int, default=5, help="runs per library (default 5)")
    parser.add_argument("--gstack-python", default=sys.executable,
                        help="interpreter with gstack's packages (default: this one)")
    parser.add_argument("--gevent-python", help="interpreter with gevent (required)")
    parser.add_argument("--src", action="store_true",
                        help="put packages/*/src on the gstack side's PYTHONPATH (development)")
    parser.add_argument("--timeout", type=float, default=120,
                        help="seconds before one run of a case is abandoned (default 120)")
    write = parser.add_mutually_exclusive_group()
    write.add_argument("--write", action="store_true", default=None,
                       help="write benchmarks/RESULTS.md (default when running every case)")
    write.add_argument("--no-write", dest="write", action="store_false")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not args.list and not args.gevent_python:
        parser.error("--gevent-python is required (nox -s bench makes that virtualenv)")
    return parser, args


def main(argv=None):
    parser, args = parse(argv)
    known = discover()
    if args.list:
        for case in known:
            print(f"{case:22} {summary(CASES / (case + '.py'))}")
        return 0
    unknown = [c for c in args.cases if c not in known]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(known)}")
    cases = [c for c in known if c in args.cases] if args.cases else known
    for option in ("gstack_python", "gevent_python"):
        if not shutil.which(getattr(args, option)):
            parser.error(f"--{option.replace('_', '-')} {getattr(args, option)}: not found")
    base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env_for = {"gstack": dict(base), "gevent": dict(base)}
    if args.src:
        env_for["gstack"]["PYTHONPATH"] = os.pathsep.join(
            str(p) for p in sorted((ROOT / "packages").glob("*/src")))
    outcomes = run_cases(cases, args, env_for)
    text = table(outcomes)
    print(text)
    if args.write or (args.write is None and not args.cases):
        write_results(text, machine(args, env_for), args, cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
