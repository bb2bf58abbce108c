"""Memory per idle greenlet: resident bytes for each of 100,000 greenlets blocked on an ``Event``.

RSS (from ``/proc/self/statm``) is read once the hub runs and a first
batch of 1,000 waiters has come and gone (so one-time allocations are not
counted), then again after 100,000 greenlets have been spawned and have all
blocked in ``Event.wait()`` (each notes that it started; the main greenlet
sleeps until all have). Figure: the difference divided by 100,000, in
KiB; lower is better. It counts the greenlet object, its saved slice of the
C stack, its Python frames (each greenlet runs a small Python function that
calls ``wait()``, as user code does; a greenlet started directly on a
compiled method would have no Python frame) and whatever the Event keeps
for each waiter.
"""

import gc

from _common import main, now, rss_bytes

UNIT = "KiB/greenlet"
BETTER = "lower"
N = 100_000


def _idle(event, entered):
    """A greenlet running Python code, as a user's does, blocked on ``event``."""
    entered.append(None)
    event.wait()


def _measure(event_class, spawn, joinall, sleep):
    def batch(n):
        event, entered = event_class(), []
        jobs = [spawn(_idle, event, entered) for _ in range(n)]
        deadline = now() + 60
        while len(entered) < n:  # gevent runs only so many new greenlets per loop turn
            if now() > deadline:
                raise RuntimeError(f"only {len(entered)} of {n} greenlets started in 60 s")
            sleep(0.01)
        sleep(0.01)
        return event, jobs

    event, jobs = batch(1000)  # warm-up
    event.set()
    joinall(jobs)
    del event, jobs
    gc.collect()
    before = rss_bytes()
    event, jobs = batch(N)
    after = rss_bytes()
    event.set()
    joinall(jobs)
    return (after - before) / N / 1024


def run_gstack():
    import ghub
    from gsync.event import Event

    return _measure(Event, ghub.spawn, ghub.joinall, ghub.sleep)


def run_gevent():
    import gevent
    from gevent.event import Event

    return _measure(Event, gevent.spawn, gevent.joinall, gevent.sleep)


if __name__ == "__main__":
    main(globals())
