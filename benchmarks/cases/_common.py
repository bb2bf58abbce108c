"""What every benchmark case shares: the command line, the result line, and a few OS helpers.

A case is a module ``benchmarks/cases/<name>.py`` that defines ``UNIT``,
``BETTER`` (``"higher"`` or ``"lower"``), and one function per library,
``run_gstack()`` and ``run_gevent()``, each written against that library's
own API and returning the measured figure. It ends with::

    if __name__ == "__main__":
        main(globals())

``python <name>.py gstack`` (or ``gevent``) then runs the case once and prints
one JSON line, ``{"case": ..., "lib": ..., "value": ..., "unit": ...,
"better": ...}``. If the library lacks a module or a name the case needs (a
layer that is not written yet), the line carries ``"error": "missing"``
instead of a value and the exit status is 3, so that the runner reports
"n/a (missing)" and goes on. Any other failure is an ordinary traceback and
a non-zero status.

Cases that need a second process (a server, a DNS responder, a client that
holds connections open) start this same file, or ``_dnsresponder.py``, with
extra arguments through :func:`start_child`; the child prints one line (for
example its port) before it starts serving, and is ended by the parent.
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import time

__all__ = [
    "GSTACK_MODULES", "main", "pin_to_cpu", "cpu_pair", "raise_nofile", "rss_bytes",
    "start_child", "stop_child", "now", "compile_c", "require_program", "process_cpu_seconds",
]

# The distributions of the gstack monorepo: an ImportError about one of them
# means a layer (or a name in it) does not exist yet.
GSTACK_MODULES = {"gcore", "ghub", "gsync", "gnet", "gserve", "gmonkey", "gstack"}

now = time.perf_counter

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes():
    """The resident set size of this process, in bytes (from /proc/self/statm)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    """The CPU time (user + system, all threads) process ``pid`` has used, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def cpu_pair():
    """Two distinct CPUs this process may run on, or ``(None, None)`` if it has only one."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return cpus[0], cpus[1]


def pin_to_cpu(cpu):
    """Run this process on ``cpu`` only (nothing if ``cpu`` is None)."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})


def raise_nofile(wanted):
    """Raise the soft RLIMIT_NOFILE to ``wanted`` (or the hard limit); return the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def start_child(script, *args, cpu=None):
    """Start ``python script *args`` (this interpreter) and return (process, its first line).

    The child is pinned to ``cpu`` if given (it gets ``--cpu`` and pins itself).
    It must print one line once it is ready.
    """
    argv = [sys.executable, script, *map(str, args)]
    if cpu is not None:
        argv += ["--cpu", str(cpu)]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise RuntimeError(f"{script} {' '.join(map(str, args))} exited with {proc.returncode}")
    return proc, line.strip()


def stop_child(proc):
    """End a child started by :func:`start_child` and wait for it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.stdin.close()
    proc.stdout.close()


def require_program(name, package, case):
    """The path of the external program ``name``, or a RuntimeError saying what to install."""
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{case} needs {name!r}, which is not on PATH: install it "
                           f"(Debian/Ubuntu: apt-get install {package})")
    return path


def compile_c(source, directory, case, flags=()):
    """Compile the C file ``source`` with ``$CC`` (default ``cc``) ``-O2`` into ``directory``.

    ``flags`` follow the source (libraries: ``["-levent"]``). Returns the
    program's path; a missing compiler or a failed build is a RuntimeError
    that says so (and what to install).
    """
    compiler = shlex.split(os.environ.get("CC", "cc"))
    program = os.path.join(directory, os.path.splitext(os.path.basename(source))[0])
    try:
        subprocess.run([*compiler, "-O2", "-o", program, str(source), *flags], check=True,
                       capture_output=True, text=True)
    except FileNotFoundError:
        raise RuntimeError(f"{case} needs a C compiler ({compiler[0]!r} not found: set CC, "
                           "or install one, Debian/Ubuntu: apt-get install gcc)") from None
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"compiling {os.path.basename(source)} failed:\n"
                           f"{error.stderr}") from None
    return program


def child_cpu(argv):
    """Pop ``--cpu N`` from a child's arguments and pin to it."""
    if "--cpu" in argv:
        i = argv.index("--cpu")
        pin_to_cpu(int(argv[i + 1]))
        del argv[i : i + 2]
    return argv


def _missing(error):
    root = (getattr(error, "name", None) or "").split(".")[0]
    if root in GSTACK_MODULES:
        return True
    # "cannot import name 'X' from 'gsync.event'"
    text = str(error)
    return any(f"'{name}" in text for name in GSTACK_MODULES) and "cannot import name" in text


def main(namespace):
    """Run the case defined in ``namespace`` for the library named on the command line."""
    case = os.path.splitext(os.path.basename(namespace["__file__"]))[0]
    argv = sys.argv[1:]
    if not argv or argv[0] not in ("gstack", "gevent"):
        sys.exit(f"usage: {case}.py gstack|gevent")
    lib = argv[0]
    result = {"case": case, "lib": lib, "unit": namespace["UNIT"],
              "better": namespace.get("BETTER", "higher")}
    runner = namespace["run_" + lib]
    try:
        result["value"] = runner(*argv[1:])
    except ImportError as error:
        if lib != "gstack" or not _missing(error):
            raise
        result["error"] = "missing"
        result["detail"] = str(error)
        print(json.dumps(result), flush=True)
        sys.exit(3)
    print(json.dumps(result), flush=True)
