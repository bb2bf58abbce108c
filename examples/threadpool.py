#!/usr/bin/env python3
"""Blocking calls in the hub's thread pool, while the greenlets go on.

    python examples/threadpool.py [--calls 4] [--seconds 1.0]

Some work has no cooperative form: a C library that blocks, a heavy
computation in C, a file system call. Called from a greenlet, it blocks the
whole thread, and every other greenlet with it. ``get_hub().threadpool``
runs it in an OS thread instead: ``spawn(func, *args)`` returns an
AsyncResult at once, and ``get()`` waits for it cooperatively; the result
comes back to the hub through a wake-up the event loop watches (no polling).

Here a ticker greenlet counts every 50 ms while ``--calls`` calls of
``time.sleep`` (the real, blocking one: nothing is patched) run, first in
the thread pool (they overlap, and the ticker goes on), then one in the
hub's own thread (the ticker stops until it returns).
"""

import argparse
import sys
import threading
import time

import gstack

TICK = 0.05


def blocking(seconds):
    """Blocks the calling OS thread, as a C library's call would."""
    time.sleep(seconds)
    return threading.get_ident()


def tick(ticks):
    while True:
        gstack.sleep(TICK)
        ticks.append(time.monotonic())


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python examples/threadpool.py",
                                     description="Blocking calls in gstack's thread pool.")
    parser.add_argument("--calls", type=int, default=4, help="blocking calls at once (4)")
    parser.add_argument("--seconds", type=float, default=1.0, help="each call's length (1.0)")
    args = parser.parse_args(argv)

    ticks = []
    ticker = gstack.spawn(tick, ticks)
    gstack.sleep(0)   # let the ticker start

    pool = gstack.get_hub().threadpool
    before, started = len(ticks), time.monotonic()
    results = [pool.spawn(blocking, args.seconds) for _ in range(args.calls)]
    threads = [result.get() for result in results]   # waits cooperatively
    took, ticked = time.monotonic() - started, len(ticks) - before
    print(f"{args.calls} blocking calls of {args.seconds} s in the thread pool "
          f"({len(set(threads))} threads): done in {took:.2f} s; "
          f"the hub ticked {ticked} times meanwhile", flush=True)

    before, started = len(ticks), time.monotonic()
    blocking(args.seconds)   # in the hub's thread: nothing else runs until it returns
    took, ticked = time.monotonic() - started, len(ticks) - before
    print(f"1 blocking call of {args.seconds} s in the hub's thread: done in {took:.2f} s; "
          f"the hub ticked {ticked} times meanwhile", flush=True)
    ticker.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
