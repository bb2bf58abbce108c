#!/usr/bin/env python3
"""Quick throughput figures for gsync's hot paths (not a test; nothing fails on a figure).

    PYTHONPATH=packages/gcore/src:packages/ghub/src:packages/gsync/src \\
        python packages/gsync/benchmarks/bench_sync.py [--items N] [--repeat R]

Each line is the best of ``--repeat`` runs (the machine is shared and noisy;
the best run is the least disturbed one). The comparison with gevent lives
in the repository's ``benchmarks/`` (``event_pingpong``, ``queue_bounded``,
``queue_unbounded``, ``asyncresult_pingpong``).
"""

from __future__ import annotations

import argparse
import time

import ghub
from gsync.coros import Semaphore
from gsync.event import AsyncResult, Event
from gsync.pool import Pool
from gsync.queue import JoinableQueue, Queue


def event_pingpong(n):
    """Two greenlets wake each other through two Events: round trips per second."""
    ping, pong = Event(), Event()

    def pinger():
        for _ in range(n):
            ping.set()
            pong.wait()
            pong.clear()

    def ponger():
        for _ in range(n):
            ping.wait()
            ping.clear()
            pong.set()

    start = time.perf_counter()
    ghub.joinall([ghub.spawn(pinger), ghub.spawn(ponger)], raise_error=True)
    return n / (time.perf_counter() - start)


def asyncresult_pingpong(n):
    """Request/reply through fresh AsyncResults: round trips per second."""
    requests = [AsyncResult() for _ in range(n)]
    replies = [AsyncResult() for _ in range(n)]

    def client():
        for request, reply in zip(requests, replies):
            request.set(1)
            reply.get()

    def server():
        for request, reply in zip(requests, replies):
            reply.set(request.get() + 1)

    start = time.perf_counter()
    ghub.joinall([ghub.spawn(client), ghub.spawn(server)], raise_error=True)
    return n / (time.perf_counter() - start)


def queue_transfer(make_queue, n):
    """One producer, one consumer, n items: items per second."""
    q = make_queue()

    def producer():
        put = q.put
        for i in range(n):
            put(i)

    def consumer():
        get = q.get
        for _ in range(n):
            get()

    start = time.perf_counter()
    ghub.joinall([ghub.spawn(producer), ghub.spawn(consumer)], raise_error=True)
    return n / (time.perf_counter() - start)


def joinable_workers(n, workers=4):
    """JoinableQueue with worker greenlets calling task_done(), then join(): items per second."""
    q = JoinableQueue(100)

    def worker():
        get, done = q.get, q.task_done
        while True:
            get()
            done()

    greenlets = [ghub.spawn(worker) for _ in range(workers)]
    start = time.perf_counter()
    put = q.put
    for i in range(n):
        put(i)
    q.join()
    elapsed = time.perf_counter() - start
    ghub.killall(greenlets)
    return n / elapsed


def put_get_no_waiters(n):
    """put()+get() on a queue nobody waits on (never touches the hub): pairs per second."""
    q = Queue()
    put, get = q.put, q.get
    start = time.perf_counter()
    for i in range(n):
        put(i)
        get()
    return n / (time.perf_counter() - start)


def lock_contention(n, greenlets=4):
    """Greenlets taking turns on a Semaphore(1), yielding while holding it: acquires per second."""
    lock = Semaphore(1)
    per = n // greenlets

    def user():
        for _ in range(per):
            with lock:
                ghub.sleep(0)

    start = time.perf_counter()
    ghub.joinall([ghub.spawn(user) for _ in range(greenlets)], raise_error=True)
    return per * greenlets / (time.perf_counter() - start)


def pool_spawn(n, size=10):
    """Pool(10).spawn of trivial functions, blocking while full: greenlets per second."""
    pool = Pool(size)
    start = time.perf_counter()
    for _ in range(n):
        pool.spawn(int)
    pool.join()
    return n / (time.perf_counter() - start)


CASES = [
    ("Event ping-pong", "round trips/s", event_pingpong, 0.5),
    ("AsyncResult ping-pong", "round trips/s", asyncresult_pingpong, 0.5),
    ("Queue() producer/consumer", "items/s", lambda n: queue_transfer(Queue, n), 1),
    ("Queue(100) producer/consumer", "items/s", lambda n: queue_transfer(lambda: Queue(100), n), 1),
    ("Queue(1) producer/consumer", "items/s", lambda n: queue_transfer(lambda: Queue(1), n), 0.2),
    ("Queue(0) channel", "items/s", lambda n: queue_transfer(lambda: Queue(0), n), 0.2),
    ("JoinableQueue(100), 4 workers", "items/s", joinable_workers, 1),
    ("put+get, nobody waiting", "pairs/s", put_get_no_waiters, 1),
    ("Semaphore(1), 4 greenlets", "acquires/s", lock_contention, 0.2),
    ("Pool(10).spawn", "greenlets/s", pool_spawn, 0.2),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="items per run (default 100000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case, best kept")
    args = parser.parse_args()
    for name, unit, case, share in CASES:
        n = max(1, int(args.items * share))
        case(max(1, n // 100))  # warm-up
        best = max(case(n) for _ in range(args.repeat))
        print(f"{name:32} {best / 1e3:10,.0f} k {unit}   (n={n:,})")


if __name__ == "__main__":
    main()
