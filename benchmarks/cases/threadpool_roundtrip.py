"""Thread pool round trips: ``pool.spawn(f).get()`` from the hub, one task at a time and 8 at once.

Each round trip hands a trivial function to a pool thread and waits in the
hub for its result: a task queue hand-off to the thread, then the
cross-thread wake-up of the hub's loop (gstack: ``Loop.run_callback_threadsafe``
on an eventfd; gevent: its loop's ``async_`` watcher). 5,000 sequential
round trips on ``get_hub().threadpool``, then 20,000 tasks kept 8 in flight.
Figure: round trips per second (both phases together).
"""

from _common import main, now

UNIT = "k round trips/s"
BETTER = "higher"
SEQUENTIAL = 5_000
CONCURRENT = 20_000


def _measure(pool, spawn, joinall, seq=SEQUENTIAL, conc=CONCURRENT):
    def task(x):
        return x + 1

    def sequential(n):
        for i in range(n):
            assert pool.spawn(task, i).get() == i + 1

    start = now()
    sequential(seq)
    workers = [spawn(sequential, conc // 8) for _ in range(8)]
    joinall(workers, raise_error=True)
    return (seq + conc) / (now() - start) / 1e3


def run_gstack():
    import ghub
    import gsync  # noqa: F401  (plugs gsync.threadpool.ThreadPool into the hub)

    pool = ghub.get_hub().threadpool
    _measure(pool, ghub.spawn, ghub.joinall, 200, 800)  # warm-up: threads started
    return _measure(pool, ghub.spawn, ghub.joinall)


def run_gevent():
    import gevent

    pool = gevent.get_hub().threadpool
    _measure(pool, gevent.spawn, gevent.joinall, 200, 800)
    return _measure(pool, gevent.spawn, gevent.joinall)


if __name__ == "__main__":
    main(globals())
