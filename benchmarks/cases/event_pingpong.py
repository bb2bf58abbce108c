"""Event ping-pong: two greenlets wake each other through two ``Event`` objects.

The pinger sets ``ping`` and waits on ``pong``; the ponger waits on ``ping``,
clears it and sets ``pong``; 50,000 times. Each round trip is two
``set``/``wait`` wake-ups through the hub. Figure: round trips per second.
"""

from _common import main, now

UNIT = "k round trips/s"
BETTER = "higher"
N = 50_000


def _measure(event_class, spawn, joinall, n=N):
    ping, pong = event_class(), event_class()

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

    start = now()
    joinall([spawn(pinger), spawn(ponger)], raise_error=True)
    return n / (now() - start) / 1e3


def run_gstack():
    import ghub
    from gsync.event import Event

    _measure(Event, ghub.spawn, ghub.joinall, 1000)  # warm-up
    return _measure(Event, ghub.spawn, ghub.joinall)


def run_gevent():
    import gevent
    from gevent.event import Event

    _measure(Event, gevent.spawn, gevent.joinall, 1000)
    return _measure(Event, gevent.spawn, gevent.joinall)


if __name__ == "__main__":
    main(globals())
