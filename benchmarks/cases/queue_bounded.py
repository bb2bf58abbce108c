"""Queue producer/consumer, bounded: 100,000 items through ``Queue(maxsize=100)``.

One greenlet ``put``s 100,000 items, another ``get``s them; the producer
blocks whenever 100 items are waiting, so the two hand over through the hub
about every hundred items. The 100,000 items are sent ten times over (a
new queue each time) so the figure is not a 20 ms blip. Figure: items per
second.
"""

from _common import main, now

UNIT = "k items/s"
BETTER = "higher"
N = 100_000
MAXSIZE = 100


ROUNDS = 10


def measure(queue_class, spawn, joinall, maxsize, n=N, rounds=ROUNDS):
    """Shared with queue_unbounded: ``maxsize=None`` is unbounded."""
    elapsed = 0.0
    for _ in range(rounds):
        elapsed += _one_round(queue_class(maxsize), spawn, joinall, n)
    return rounds * n / elapsed / 1e3


def _one_round(queue, spawn, joinall, n):

    def producer():
        put = queue.put
        for i in range(n):
            put(i)

    def consumer():
        get = queue.get
        for _ in range(n):
            get()

    start = now()
    joinall([spawn(producer), spawn(consumer)], raise_error=True)
    return now() - start


def run_gstack(maxsize=MAXSIZE):
    import ghub
    from gsync.queue import Queue

    measure(Queue, ghub.spawn, ghub.joinall, maxsize, 1000, 1)  # warm-up
    return measure(Queue, ghub.spawn, ghub.joinall, maxsize)


def run_gevent(maxsize=MAXSIZE):
    import gevent
    from gevent.queue import Queue

    measure(Queue, gevent.spawn, gevent.joinall, maxsize, 1000, 1)
    return measure(Queue, gevent.spawn, gevent.joinall, maxsize)


if __name__ == "__main__":
    main(globals())
