"""sleep(0) hand-offs: two greenlets take turns through the hub with ``sleep(0)``.

Each greenlet calls ``sleep(0)`` 200,000 times; every call hands control to
the hub, which runs the other greenlet's wake-up. Figure: hand-offs (calls
to ``sleep(0)``) per second, the cost of one trip through the hub's callback
queue. Compare with ``raw_switch``, the floor with no hub.
"""

from _common import main, now

UNIT = "k hand-offs/s"
BETTER = "higher"
N = 200_000


def _worker(sleep, n):
    for _ in range(n):
        sleep(0)


def _measure(spawn, joinall, sleep):
    joinall([spawn(_worker, sleep, 1000), spawn(_worker, sleep, 1000)])  # warm-up
    start = now()
    joinall([spawn(_worker, sleep, N), spawn(_worker, sleep, N)])
    return 2 * N / (now() - start) / 1e3


def run_gstack():
    import ghub

    return _measure(ghub.spawn, ghub.joinall, ghub.sleep)


def run_gevent():
    import gevent

    return _measure(gevent.spawn, gevent.joinall, gevent.sleep)


if __name__ == "__main__":
    main(globals())
