"""spawn + join: create 100,000 trivial greenlets with ``spawn``, then ``joinall`` them.

Figure: thousands of greenlets spawned, run and joined per second. It covers
greenlet creation (CPython's frame-stack chunk for each one), scheduling each
start through the hub's callback queue, running the function, recording the
result and waking the joiner.
"""

from _common import main, now

UNIT = "k greenlets/s"
BETTER = "higher"
N = 100_000


def _noop():
    pass


def _measure(spawn, joinall):
    joinall([spawn(_noop) for _ in range(1000)])  # warm-up: hub, loop, allocator
    start = now()
    joinall([spawn(_noop) for _ in range(N)])
    return N / (now() - start) / 1e3


def run_gstack():
    import ghub

    return _measure(ghub.spawn, ghub.joinall)


def run_gevent():
    import gevent

    return _measure(gevent.spawn, gevent.joinall)


if __name__ == "__main__":
    main(globals())
