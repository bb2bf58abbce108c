#!/usr/bin/env python3
"""Run several commands at once with ``gstack.subprocess``; the hub stays responsive meanwhile.

``gstack.subprocess`` is the stdlib's ``subprocess`` whose pipes, waits and
``communicate()`` block only the calling greenlet. Here four commands, each
taking about a second, run side by side in greenlets (about a second in all,
not four), while a fifth greenlet ticks every 0.1 s to show that the hub
never blocks; one command reads its input from us through a pipe, and one
is stopped by a timeout.

    python examples/processes.py

No patching is needed: the program uses ``gstack.subprocess`` directly.
"""

import sys
import time

import gstack
from gstack import subprocess

PY = sys.executable
SLOW = "import time, sys; time.sleep(1); "

COMMANDS = {
    "uname": ["uname", "-s"],
    "python": [PY, "-c", SLOW + "print(sys.version.split()[0])"],
    "count": [PY, "-c", SLOW + "print(sum(range(10**6)))"],
    "shell": ["sh", "-c", "sleep 1; echo shell done"],
}


def run(name, argv):
    """Run one command, return (name, its output)."""
    out = subprocess.check_output(argv, text=True, timeout=30)
    return name, out.strip()


def upper(text):
    """Hand ``text`` to a child through its stdin, get it back upper-cased."""
    p = subprocess.Popen([PY, "-c", SLOW + "print(sys.stdin.read().upper(), end='')"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    out, _ = p.communicate(text, timeout=30)
    return "upper", out


def too_slow():
    """A command that would take a minute, stopped after half a second."""
    began = time.monotonic()
    try:
        subprocess.run([PY, "-c", "import time; time.sleep(60)"], timeout=0.5)
    except subprocess.TimeoutExpired:
        return "timeout", f"stopped after {time.monotonic() - began:.1f} s"
    return "timeout", "not stopped?"


def ticker(ticks):
    while True:
        ticks.append(time.monotonic())
        gstack.sleep(0.1)


def main():
    ticks = []
    clock = gstack.spawn(ticker, ticks)
    start = time.monotonic()
    jobs = [gstack.spawn(run, name, argv) for name, argv in COMMANDS.items()]
    jobs += [gstack.spawn(upper, "hello from the parent"), gstack.spawn(too_slow)]
    gstack.joinall(jobs, timeout=30, raise_error=True)
    elapsed = time.monotonic() - start
    clock.kill()
    for job in jobs:
        name, out = job.value
        print(f"{name}: {out}")
    print(f"{len(jobs)} commands in {elapsed:.1f} s; the hub ticked {len(ticks)} times "
          "meanwhile")
    return 0 if all(job.successful() for job in jobs) else 1


if __name__ == "__main__":
    sys.exit(main())
